package bulk

import (
	"fmt"
	"sync"
)

// Column is one column an importer writes: its name in the table and
// its PostgreSQL type (for the staging table). Values given for it must be
// NULL or of the kind matching Type: Text (text), Int (integer, bigint),
// Float (numeric), Bool (boolean), Time (date, timestamptz); ValueOf makes
// them from string, int64, float64, bool and time.Time.
type Column struct {
	Name string
	Type string
}

// Parent names the row an imported row belongs to: Columns of the
// imported row must match ParentColumns of a row of Table.
type Parent struct {
	Table         string
	Columns       []string
	ParentColumns []string
}

// Target describes a table the importers write, the way Kofa's batch
// processors describe their objects: Key holds the location columns that
// find an existing row, Unique further column sets no two rows may share,
// State the workflow column whose changes are checked against allowed
// transitions. Targets are constant tables, the store's knowledge of the
// imported tables' shapes; which kind writes which is the kind's
// declaration (batch.Kind.Targets). The importers refer to them by the
// exported variables below and give values in Columns order.
type Target struct {
	Table   string
	Columns []Column
	Key     []string
	Unique  [][]string
	Parent  *Parent
	State   string
	// NoRun marks child tables without import_run_id / updated_at.
	NoRun bool

	colsOnce sync.Once
	colIdx   map[string]int
}

// Col returns the index of column name in t.Columns, for the store's own
// lookups of a target's Key, Unique, State and Parent columns (the
// importers' kind declarations resolve every one of them in their check,
// batch.Kind.Check, which the tests run; the importers resolve their
// columns with batch.Names). An unknown name is a programming error and
// panics.
func (t *Target) Col(name string) int {
	t.colsOnce.Do(func() {
		t.colIdx = make(map[string]int, len(t.Columns))
		for i, c := range t.Columns {
			t.colIdx[c.Name] = i
		}
	})
	if i, ok := t.colIdx[name]; ok {
		return i
	}
	panic(fmt.Sprintf("bulk: table %s has no import column %s", t.Table, name))
}

func cols(spec ...string) []Column {
	out := make([]Column, 0, len(spec)/2)
	for i := 0; i+1 < len(spec); i += 2 {
		out = append(out, Column{Name: spec[i], Type: spec[i+1]})
	}
	return out
}

// The import targets (constant tables, see migrations 0021–0025).
var (
	TargetSbeatStudent = &Target{
		Table: "sbeat_student",
		Columns: cols("identnr", "text", "stg", "text", "immdat", "date", "exmdat", "date",
			"sem_start", "integer", "sem_end", "integer", "sperrart1", "text", "pnr", "text",
			"pdatum", "date", "geschl", "text", "gebdat", "date", "hzbnote", "integer",
			"hzbdatum", "date", "hzbart", "text", "hzbgrp", "text"),
		Key: []string{"identnr"},
	}
	TargetSbeatExam = &Target{
		Table: "sbeat_exam",
		Columns: cols("identnr", "text", "pnr", "text", "psem", "integer", "pversuch", "integer",
			"pdtxt", "text", "abschlart", "text", "stg", "text", "bonus", "numeric",
			"pruefer_nachname", "text", "pruefer_vorname", "text", "pstatus", "text", "part", "text",
			"pnote", "integer", "pvermerk", "text", "pform", "text", "panerk", "boolean",
			"pflicht", "text", "pabschn", "text", "pversion", "text"),
		Key: []string{"identnr", "pnr", "psem", "pversuch"},
	}
	TargetSbeatCourse = &Target{
		Table: "sbeat_course",
		Columns: cols("stg", "text", "gruppe", "text", "abschlart", "text", "ltxt", "text",
			"ktxt", "text", "fb", "text", "regelstz", "integer"),
		Key: []string{"stg"},
	}
	TargetSbeatApplicant = &Target{
		Table: "sbeat_applicant",
		Columns: cols("identnr", "text", "stg", "text", "sem", "integer", "geschl", "text",
			"gebdat", "date", "hzbnote", "integer", "hzbdatum", "date", "hzbart", "text",
			"hzbgrp", "text", "appldat", "date", "zuldat", "date"),
		Key: []string{"identnr", "stg", "sem"},
	}
	TargetSbeatIdentity = &Target{
		Table: "sbeat_identity",
		Columns: cols("identnr", "text", "matrikelnr", "text", "vorname", "text", "nachname", "text",
			"kuerzel", "text", "email", "text", "land", "text", "plz", "text", "stang", "text",
			"eu", "boolean"),
		Key: []string{"identnr"},
	}
	TargetFSPerson = &Target{
		Table: "fs_person",
		Columns: cols("fodselsdato", "text", "personnr", "text", "rolle", "text", "fornavn", "text",
			"etternavn", "text", "kjonn", "text", "adresse_kilde", "text", "adrlin1", "text",
			"adrlin2", "text", "adrlin3", "text", "postnr", "text", "adresseland", "text",
			"stedkode", "text", "kurs_start", "date", "kurs_slutt", "date"),
		Key: []string{"fodselsdato", "personnr", "rolle"},
	}
	TargetRankingEntry = &Target{
		Table:   "ranking_entry",
		Columns: cols("rangliste", "text", "bewerber_id", "text", "rang", "integer"),
		Key:     []string{"rangliste", "bewerber_id"},
		Unique:  [][]string{{"rangliste", "rang"}},
	}
	TargetUniBewerbung = &Target{
		Table: "uni_bewerbung",
		Columns: cols("hs_bewerbung_id", "text", "typ", "text", "bewerber_id", "text",
			"bewerber_ban", "text", "studiengang_schluessel", "text", "abschluss_schluessel", "text",
			"studienfach_schluessel", "text", "fachkennzeichen_schluessel", "text",
			"eingangszeitpunkt", "timestamptz", "bearbeitungsstatus", "text",
			"aktivitaetsstatus", "text", "papierantragstatus", "text", "statusanmerkung", "text",
			"sonderantragsentscheidung", "text", "version_sest", "bigint"),
		Key:   []string{"hs_bewerbung_id"},
		State: "bearbeitungsstatus",
	}
	TargetUniTeilfachbewerbung = &Target{
		Table: "uni_teilfachbewerbung",
		Columns: cols("hs_bewerbung_id", "text", "studiengang_schluessel", "text",
			"abschluss_schluessel", "text", "studienfach_schluessel", "text",
			"fachkennzeichen_schluessel", "text", "hauptfach_schluessel", "text",
			"ersatzfach_schluessel", "text", "ist_ersatzfach_akzeptabel", "boolean",
			"ist_fachwechsel", "boolean", "bearbeitungsstatus", "text", "aktivitaetsstatus", "text",
			"statusanmerkung", "text", "sonderantragsentscheidung", "text", "version_sest", "bigint"),
		Key:    []string{"hs_bewerbung_id", "studiengang_schluessel"},
		Parent: &Parent{Table: "uni_bewerbung", Columns: []string{"hs_bewerbung_id"}, ParentColumns: []string{"hs_bewerbung_id"}},
		State:  "bearbeitungsstatus",
	}
	TargetUniBewerberAuth = &Target{
		Table:   "uni_bewerber_auth",
		Columns: cols("bewerber_id", "text", "ban", "text"),
		Key:     []string{"bewerber_id"},
	}

	TargetEkvvVeranstaltung = &Target{
		Table: "ekvv_veranstaltung",
		Columns: cols("id", "text", "verfahren", "text", "status", "text", "semester", "integer",
			"semester_name", "text", "belegnummer", "text", "thema", "text", "fakultaet", "text",
			"art", "text", "sws", "text", "dozenten_zusatz", "text", "teilnehmermanagement", "boolean",
			"teilnehmerbegrenzung", "integer"),
		Key: []string{"id"},
	}
	TargetEkvvDozent = &Target{
		Table: "ekvv_dozent", NoRun: true,
		Columns: cols("veranstaltung_id", "text", "pos", "integer", "dozent_id", "text", "anrede", "text",
			"titel", "text", "vorname", "text", "nachname", "text"),
		Key: []string{"veranstaltung_id", "pos"},
	}
	TargetEkvvFachzuordnung = &Target{
		Table: "ekvv_fachzuordnung", NoRun: true,
		Columns: cols("veranstaltung_id", "text", "pos", "integer", "fachzuordnung_id", "text",
			"ekvv_studiengang_id", "text", "sos_fach_code", "text", "sos_abschluss_code", "text",
			"fuer_kern_hauptfach", "boolean", "fuer_nebenfach", "boolean", "modell", "text",
			"studiengang_name", "text", "abschnitt", "text", "status", "text", "fachsemester", "text",
			"leistung", "text", "leistungspunkte", "text", "kommentar", "text"),
		Key: []string{"veranstaltung_id", "pos"},
	}
	TargetEkvvUntergliederung = &Target{
		Table: "ekvv_untergliederung", NoRun: true,
		Columns: cols("veranstaltung_id", "text", "fachzuordnung_pos", "integer", "pos", "integer",
			"untergliederung_id", "text", "kuerzel", "text", "name", "text"),
		Key: []string{"veranstaltung_id", "fachzuordnung_pos", "pos"},
	}
	TargetEkvvTeilnehmer = &Target{
		Table: "ekvv_teilnehmer", NoRun: true,
		Columns: cols("veranstaltung_id", "text", "pos", "integer", "teilnehmer", "text",
			"matrikelnummer", "text", "gastbenutzer", "text", "teilnahmestatus", "text",
			"warteposition", "integer", "hat_geoeffnete_einschreibungen", "boolean", "eltern", "boolean",
			"prioritaet", "integer", "anrede", "text", "vornamen", "text", "nachname", "text"),
		Key: []string{"veranstaltung_id", "pos"},
	}
	TargetEkvvEinschreibung = &Target{
		Table: "ekvv_einschreibung", NoRun: true,
		Columns: cols("veranstaltung_id", "text", "teilnehmer_pos", "integer", "pos", "integer",
			"semester", "integer", "sos_fach_code", "text", "sos_abschluss_code", "text",
			"fuer_kern_hauptfach", "boolean", "fuer_nebenfach", "boolean", "geoeffnet", "boolean",
			"studiengang_name", "text", "fachsemester", "integer"),
		Key: []string{"veranstaltung_id", "teilnehmer_pos", "pos"},
	}
	TargetEkvvTermin = &Target{
		Table: "ekvv_termin", NoRun: true,
		Columns: cols("veranstaltung_id", "text", "pos", "integer", "datum", "date",
			"start_minuten", "integer", "end_minuten", "integer", "typ", "text", "ketten_id", "text",
			"uhrzeit", "text"),
		Key: []string{"veranstaltung_id", "pos"},
	}
)
