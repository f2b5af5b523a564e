package demo

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"sestd/internal/config"
	"sestd/internal/fsutil"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
)

// RankingType is the Ranglisten type of the demo's Vergabeschema that the
// sample ranking list fills.
const RankingType = "HQ"

// WriteSamples generates the demo's import files into inbox, one subfolder
// per kind: S-BEAT students and exam results in windows-1252 (one exam row
// broken on purpose, to show the rejects file), an eKVV Anmeldeliste, a
// ranking list for the simulator's Ranglisten and university applications
// and authorisations for the simulator's applicants. Everything is
// generated from seed and the simulator's data; nothing is copied.
func WriteSamples(inbox string, s *sim.Sim, seed uint64) error {
	week, err := weekOne(s, seed)
	if err != nil {
		return err
	}
	return writeFiles(inbox, week.files)
}

// sampleApp is one row of the sample university applications.
type sampleApp struct {
	id, bewerber, ban, studiengang, eingang, status string
}

// week is a week's sample files (name under the inbox → content) and
// what week two changes in them: the students export as text and the
// applications.
type week struct {
	files    map[string][]byte
	students string
	apps     []sampleApp
}

func writeFiles(inbox string, files map[string][]byte) error {
	for name, data := range files {
		if err := fsutil.WriteFileAtomic(filepath.Join(inbox, name), data); err != nil {
			return err
		}
	}
	return nil
}

func windows1252(name, text string) ([]byte, error) {
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("encoding %s as windows-1252: %w", name, err)
	}
	return b, nil
}

const appsHeader = "HS_BEWERBUNG_ID;TYP;BEWERBER_ID;BAN;STUDIENGANG_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS;AKTIVITAETSSTATUS\r\n"

func appsCSV(apps []sampleApp) []byte {
	var b bytes.Buffer
	b.WriteString(appsHeader)
	for _, a := range apps {
		fmt.Fprintf(&b, "%s;einfach;%s;%s;%s;%s;%s;aktiv\r\n", a.id, a.bewerber, a.ban, a.studiengang, a.eingang, a.status)
	}
	return b.Bytes()
}

// weekOne generates the first week's files from the simulator as it is
// and seed: the same simulator state and seed give the same files.
func weekOne(s *sim.Sim, seed uint64) (week, error) {
	rnd := rand.New(rand.NewPCG(seed, 0xdead))
	files := map[string][]byte{}

	var students, exams bytes.Buffer
	students.WriteString("IDENTNR;STG;IMMDAT;EXMDAT;SPERRART1;PNR;PDATUM;GESCHL;GEBDAT;HZBNOTE;HZBDATUM;HZBART;HZBGRP\r\n")
	exams.WriteString("IDENTNR;PNR;PDTXT;ABSCHL;STG;PSEM;BONUS;NACHNAME;VORNAME;PSTATUS;PART;PNOTE;PVERMERK;PVERSUCH;PFORM;PANERK;PFLICHT;PABSCHN;PVERSION\r\n")
	courses := []string{"WR", "BWL", "INF", "GER", "MAT"}
	examNames := []string{"Einführung in die Wirtschaftsprüfung", "Grundzüge der Volkswirtschaftslehre", "Programmierung für Anfänger", "Übungen zur Analysis", "Mündliche Prüfung Germanistik"}
	examiners := [][2]string{{"Müller", "Jürgen"}, {"Schäfer", "Anneliese"}, {"Özdemir", "Gül"}, {"Weiß", "Björn"}}
	const nStudents = 300
	for i := range nStudents {
		id := 100000 + i
		stg := courses[rnd.IntN(len(courses))]
		year := 2018 + rnd.IntN(6)
		sperr := ""
		if i%50 == 7 {
			sperr = "01" // enrolled for a limited time: not imported
		}
		// Both of S-BEAT's date formats: TT.MM.YYYY and TT-MMM-YY.
		imm := fmt.Sprintf("01.10.%d", year)
		if i%3 == 0 {
			imm = fmt.Sprintf("01-Okt-%02d", year%100)
		}
		fmt.Fprintf(&students, "%d;%s;%s;;%s;;;%s;%02d.%02d.%d;%d;%02d.07.%d;3;\r\n",
			id, stg, imm, sperr, []string{"M", "W"}[rnd.IntN(2)], 1+rnd.IntN(28), 1+rnd.IntN(12), year-19, 100+rnd.IntN(300), 1+rnd.IntN(28), year)
		for k := range 3 {
			ex := examiners[rnd.IntN(len(examiners))]
			fmt.Fprintf(&exams, "%d;%d;%s;84;%s;%d%d;5;%s;%s;BE;PL;%d;;1;KL;N;P;G;2015\r\n",
				id, 1100+k, examNames[rnd.IntN(len(examNames))], stg, year+k/2, 1+k%2, ex[0], ex[1], 100+rnd.IntN(300))
		}
	}
	// One broken row in the middle: a grade that is not a number.
	exams.WriteString("100007;1999;Fehlerhafte Zeile;84;WR;20231;5;Müller;Jürgen;BE;PL;sehr gut;;1;KL;N;P;G;2015\r\n")
	for name, buf := range map[string]*bytes.Buffer{"sbeat_students/studenten.csv": &students, "sbeat_exams/pruefungen.csv": &exams} {
		b, err := windows1252(name, buf.String())
		if err != nil {
			return week{}, err
		}
		files[name] = b
	}

	for c := range 3 {
		files[fmt.Sprintf("ekvv/anmeldeliste_%d.xml", c+1)] = ekvvSample(rnd, c)
	}

	// University applications: applicants of the simulator apply, at the
	// university, for Einfachstudienangebote they have not applied to yet.
	var angebote []string
	for _, a := range s.Studienangebote() {
		if a.Einfach != nil {
			angebote = append(angebote, a.Einfach.Schluessel.StudiengangSchluessel)
		}
	}
	sort.Strings(angebote)
	applied := map[string]bool{}
	for _, b := range s.Bewerbungen() {
		if b.Einfach != nil {
			applied[b.Einfach.BewerberID+"/"+b.Einfach.Studienangebot.StudiengangSchluessel] = true
		}
	}
	var apps []sampleApp
	var auths bytes.Buffer
	auths.WriteString("BEWERBER_ID;BAN\r\n")
	people := s.AllBewerber()
	n := 0
	for i := 0; i < len(people) && n < 200; i += 3 {
		p := people[i]
		if p.Status == sestmodel.BewerberStatusZurLoeschung {
			continue
		}
		_, ban, err := s.Bewerber(p.ID)
		if err != nil {
			return week{}, err
		}
		key := angebote[rnd.IntN(len(angebote))]
		if applied[p.ID+"/"+key] {
			continue
		}
		applied[p.ID+"/"+key] = true
		n++
		if n%40 == 0 {
			key = "999-999" // no such Studienangebot: refused, retried, failed and mailed
		}
		apps = append(apps, sampleApp{id: fmt.Sprintf("UNI-%05d", n), bewerber: p.ID, ban: ban, studiengang: key,
			eingang: fmt.Sprintf("2026-06-%02dT10:00:00+02:00", 1+rnd.IntN(28)), status: "eingegangen"})
		fmt.Fprintf(&auths, "%s;%s\r\n", p.ID, ban)
	}
	files["uni_bewerbungen/bewerbungen.csv"] = appsCSV(apps)
	files["uni_bewerber_auth/autorisierungen.csv"] = auths.Bytes()

	// A ranking list per Studienpaket for the demo's Vergabeschema (type
	// HQ): the applicants with a Bewerbung for one of the Studienpaket's
	// Studienangebote, ranked.
	var ranking bytes.Buffer
	ranking.WriteString("rangliste;bewerber_id;rang\r\n")
	for _, p := range s.Studienpakete() {
		inPaket := map[string]bool{}
		for _, b := range p.Paketbestandteil {
			inPaket[b.Studienangebot.StudiengangSchluessel] = true
		}
		var ids []string
		seen := map[string]bool{}
		for _, b := range s.Bewerbungen() {
			if b.Einfach != nil && inPaket[b.Einfach.Studienangebot.StudiengangSchluessel] && !seen[b.BewerberID()] {
				seen[b.BewerberID()] = true
				ids = append(ids, b.BewerberID())
			}
		}
		sort.Strings(ids)
		rnd.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		for i, id := range ids {
			fmt.Fprintf(&ranking, "%s;%s;%d\r\n", config.RanglisteKey(p.Schluessel, RankingType), id, i+1)
		}
	}
	files["ranking/rangliste.csv"] = ranking.Bytes()
	return week{files: files, students: students.String(), apps: apps}, nil
}

// ekvvSample is the eKVV Anmeldeliste of course c, with participants,
// their priorities and enrolments.
func ekvvSample(rnd *rand.Rand, c int) []byte {
	var b strings.Builder
	first := []string{"Jürgen", "Änne", "Björn", "Gül", "Søren", "Zoë"}
	last := []string{"Müller", "Schäfer", "Weiß", "Özdemir", "Groß", "Nußbaum"}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	{
		fmt.Fprintf(&b, `<ekvv:veranstaltung xmlns:ekvv="http://ekvv.uni-bielefeld.de" id="9%05d">
  <ekvv:semester id="20262">WS 2026/2027</ekvv:semester>
  <ekvv:belegnummer>3%05d</ekvv:belegnummer>
  <ekvv:thema>Seminar %d: Übungen zur Zulassung</ekvv:thema>
  <ekvv:fakultaet>Fakultät für Soziologie</ekvv:fakultaet>
  <ekvv:art>S</ekvv:art>
  <ekvv:sws>2</ekvv:sws>
  <ekvv:dozenten><ekvv:dozent id="1%04d"><ekvv:anrede>Frau</ekvv:anrede><ekvv:titel>Prof. Dr.</ekvv:titel><ekvv:vorname>%s</ekvv:vorname><ekvv:nachname>%s</ekvv:nachname></ekvv:dozent></ekvv:dozenten>
  <ekvv:fachzuordnungen><ekvv:fachzuordnung id="F%d" ekvvstudiengangid="700%d" sosfachcode="149" sosabschlusscode="82" fuerkernhauptfach="ja"><ekvv:ekvvstudiengangname>Soziologie / Bachelor</ekvv:ekvvstudiengangname><ekvv:leistungspunkte>5</ekvv:leistungspunkte><ekvv:untergliederungen><ekvv:untergliederung id="U%d"><ekvv:kuerzel>SO %d</ekvv:kuerzel><ekvv:name>Modul %d</ekvv:name></ekvv:untergliederung></ekvv:untergliederungen></ekvv:fachzuordnung></ekvv:fachzuordnungen>
  <ekvv:teilnehmerliste teilnehmermanagement="ja" teilnehmerbegrenzung="20">
`, c, c, c+1, c, first[c], last[c], c, c, c, c, c)
		for p := range 12 {
			prio := 1 + rnd.IntN(3)
			if p%5 == 0 {
				prio = -1
			}
			fmt.Fprintf(&b, `    <ekvv:teilnehmer matrikelnummer="%d" prioritaet="%d" hatgeoeffneteeinschreibungen="ja"><ekvv:anrede>Frau</ekvv:anrede><ekvv:vornamen>%s</ekvv:vornamen><ekvv:nachname>%s</ekvv:nachname><ekvv:einschreibungen><ekvv:einschreibung semester="20262" sosfachcode="149" sosabschlusscode="82" fuerkernhauptfach="ja" geoeffnet="ja"><ekvv:sosstudiengangname>Soziologie / Bachelor</ekvv:sosstudiengangname><ekvv:fachsemester>%d</ekvv:fachsemester></ekvv:einschreibung></ekvv:einschreibungen></ekvv:teilnehmer>
`, 2000000+p*7+c%2, prio, first[(p+c)%len(first)], last[p%len(last)], 1+p%6)
		}
		fmt.Fprintf(&b, `  </ekvv:teilnehmerliste>
  <ekvv:termine><ekvv:termin datum="%02d.10.2026" startUhrzeitMinuten="600" endUhrzeitMinuten="720" typ="normal" kettenId="1%d"><ekvv:uhrzeit>10-12</ekvv:uhrzeit></ekvv:termin></ekvv:termine>
</ekvv:veranstaltung>
`, 14+c, c)
	}
	return []byte(b.String())
}

// samplesWritten reports whether the inbox was seeded before.
func samplesWritten(stateDir string) bool {
	_, err := os.Stat(filepath.Join(stateDir, ".samples-written"))
	return err == nil
}

// weekTwoWritten reports whether week two's files were dropped before.
func weekTwoWritten(stateDir string) bool {
	_, err := os.Stat(filepath.Join(stateDir, ".week-two-written"))
	return err == nil
}
