package demo

import (
	"fmt"
	"strings"

	"sestd/internal/sest/sim"
)

// WeekTwo says what the second week's deliveries change.
type WeekTwo struct {
	// Student is the IDENTNR whose HZB grade the refreshed S-BEAT export
	// changes; Grade its new value.
	Student, Grade string
	// Gueltig and Ausgeschlossen are the applications (HS_BEWERBUNG_ID)
	// whose status the second delivery changes from eingegangen.
	Gueltig, Ausgeschlossen []string
}

// weekTwoStudent is the student of week one whose grade week two changes.
const weekTwoStudent = "100005"

// WriteWeekTwo writes the deliveries of an admission round's second week
// into inbox: the S-BEAT students export again, the same students with
// one value changed (a full export: the one row updates, the others stay
// untouched), and the university's applications delivered again with
// status changes (ten eingegangen → gueltig, one → ausgeschlossen, all
// of applications the Servicestelle took in week one; the changed ones
// go to the Servicestelle as changes, the others send nothing). initial must be the simulator in the state WriteSamples saw
// (a new one from the same configuration), so that the files repeat
// week one's rows.
func WriteWeekTwo(inbox string, initial *sim.Sim, seed uint64) (WeekTwo, error) {
	one, err := weekOne(initial, seed)
	if err != nil {
		return WeekTwo{}, err
	}
	var w WeekTwo
	lines := strings.Split(one.students, "\r\n")
	for i, l := range lines {
		f := strings.Split(l, ";")
		if f[0] != weekTwoStudent {
			continue
		}
		// HZBNOTE (the tenth column): a grade one step better, or worse.
		f[9] = map[bool]string{true: "110", false: "390"}[f[9] > "110"]
		w.Student, w.Grade = f[0], f[9]
		lines[i] = strings.Join(f, ";")
	}
	if w.Student == "" {
		return WeekTwo{}, fmt.Errorf("student %s is not in week one's export", weekTwoStudent)
	}
	students, err := windows1252("sbeat_students/studenten_woche2.csv", strings.Join(lines, "\r\n"))
	if err != nil {
		return WeekTwo{}, err
	}
	// Only applications the Servicestelle took in week one change: those
	// to a Studienangebot it does not offer (999-999, or one still
	// in_Vorbereitung) were refused and stay as they were.
	offered := map[string]bool{}
	for _, a := range initial.Studienangebote() {
		if a.Einfach != nil && a.Einfach.Status == "oeffentlich_sichtbar" {
			offered[a.Einfach.Schluessel.StudiengangSchluessel] = true
		}
	}
	apps := make([]sampleApp, len(one.apps))
	copy(apps, one.apps)
	for i := range apps {
		if !offered[apps[i].studiengang] {
			continue // refused in week one: unchanged
		}
		switch {
		case len(w.Gueltig) < 10:
			apps[i].status = "gueltig"
			w.Gueltig = append(w.Gueltig, apps[i].id)
		case len(w.Ausgeschlossen) < 1:
			apps[i].status = "ausgeschlossen"
			w.Ausgeschlossen = append(w.Ausgeschlossen, apps[i].id)
		}
	}
	return w, writeFiles(inbox, map[string][]byte{
		"sbeat_students/studenten_woche2.csv":    students,
		"uni_bewerbungen/bewerbungen_woche2.csv": appsCSV(apps),
	})
}
