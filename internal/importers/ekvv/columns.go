package ekvv

import (
	"sestd/internal/importers/batch"
	"sestd/internal/store/bulk"
)

// textCol is a column filled from the text of a child element.
type textCol struct {
	elem string
	col  batch.ColRef
}

// columns are the indexes of the columns the importer writes, resolved
// once per import (resolveColumns): a misspelt name fails the kind's
// check (batch.Kind.Check), not an import.
type columns struct {
	head struct {
		id, verfahren, status, semester, semesterName batch.ColRef
		teilnehmermanagement, teilnehmerbegrenzung    batch.ColRef
		text                                          map[string]batch.ColRef // child element → column
	}
	dozent struct {
		veranstaltungID, pos, dozentID batch.ColRef
		text                           []textCol
	}
	fach struct {
		veranstaltungID, pos, fachzuordnungID, ekvvStudiengangID, sosFachCode, sosAbschlussCode batch.ColRef
		fuerKernHauptfach, fuerNebenfach, modell, studiengangName                               batch.ColRef
		text                                                                                    []textCol
	}
	unter struct {
		veranstaltungID, fachzuordnungPos, pos, untergliederungID, kuerzel, name batch.ColRef
	}
	teil struct {
		veranstaltungID, pos, teilnehmer, matrikelnummer, gastbenutzer, teilnahmestatus batch.ColRef
		warteposition, hatGeoeffnete, eltern, prioritaet                                batch.ColRef
		text                                                                            []textCol
	}
	ein struct {
		veranstaltungID, teilnehmerPos, pos, semester, sosFachCode, sosAbschlussCode batch.ColRef
		fuerKernHauptfach, fuerNebenfach, geoeffnet, studiengangName, fachsemester   batch.ColRef
	}
	termin struct {
		veranstaltungID, pos, datum, startMinuten, endMinuten, typ, kettenID, uhrzeit batch.ColRef
	}
}

func texts(n *batch.Names, t *bulk.Target, names ...string) []textCol {
	out := make([]textCol, len(names))
	for i, name := range names {
		out[i] = textCol{elem: name, col: n.Col(t, name)}
	}
	return out
}

// resolveColumns resolves the columns of the eKVV tables.
func resolveColumns() (*columns, error) {
	n := batch.NewNames(Name, nil)
	c := &columns{}
	t := bulk.TargetEkvvVeranstaltung
	h := &c.head
	h.id, h.verfahren, h.status = n.Col(t, "id"), n.Col(t, "verfahren"), n.Col(t, "status")
	h.semester, h.semesterName = n.Col(t, "semester"), n.Col(t, "semester_name")
	h.teilnehmermanagement, h.teilnehmerbegrenzung = n.Col(t, "teilnehmermanagement"), n.Col(t, "teilnehmerbegrenzung")
	h.text = map[string]batch.ColRef{}
	for _, e := range []string{"belegnummer", "thema", "fakultaet", "art", "sws", "dozenten_zusatz"} {
		h.text[e] = n.Col(t, e)
	}

	t = bulk.TargetEkvvDozent
	d := &c.dozent
	d.veranstaltungID, d.pos, d.dozentID = n.Col(t, "veranstaltung_id"), n.Col(t, "pos"), n.Col(t, "dozent_id")
	d.text = texts(n, t, "anrede", "titel", "vorname", "nachname")

	t = bulk.TargetEkvvFachzuordnung
	f := &c.fach
	f.veranstaltungID, f.pos, f.fachzuordnungID = n.Col(t, "veranstaltung_id"), n.Col(t, "pos"), n.Col(t, "fachzuordnung_id")
	f.ekvvStudiengangID, f.sosFachCode, f.sosAbschlussCode = n.Col(t, "ekvv_studiengang_id"), n.Col(t, "sos_fach_code"), n.Col(t, "sos_abschluss_code")
	f.fuerKernHauptfach, f.fuerNebenfach = n.Col(t, "fuer_kern_hauptfach"), n.Col(t, "fuer_nebenfach")
	f.modell, f.studiengangName = n.Col(t, "modell"), n.Col(t, "studiengang_name")
	f.text = texts(n, t, "abschnitt", "status", "fachsemester", "leistung", "leistungspunkte", "kommentar")

	t = bulk.TargetEkvvUntergliederung
	u := &c.unter
	u.veranstaltungID, u.fachzuordnungPos, u.pos = n.Col(t, "veranstaltung_id"), n.Col(t, "fachzuordnung_pos"), n.Col(t, "pos")
	u.untergliederungID, u.kuerzel, u.name = n.Col(t, "untergliederung_id"), n.Col(t, "kuerzel"), n.Col(t, "name")

	t = bulk.TargetEkvvTeilnehmer
	p := &c.teil
	p.veranstaltungID, p.pos, p.teilnehmer = n.Col(t, "veranstaltung_id"), n.Col(t, "pos"), n.Col(t, "teilnehmer")
	p.matrikelnummer, p.gastbenutzer, p.teilnahmestatus = n.Col(t, "matrikelnummer"), n.Col(t, "gastbenutzer"), n.Col(t, "teilnahmestatus")
	p.warteposition, p.hatGeoeffnete = n.Col(t, "warteposition"), n.Col(t, "hat_geoeffnete_einschreibungen")
	p.eltern, p.prioritaet = n.Col(t, "eltern"), n.Col(t, "prioritaet")
	p.text = texts(n, t, "anrede", "vornamen", "nachname")

	t = bulk.TargetEkvvEinschreibung
	e := &c.ein
	e.veranstaltungID, e.teilnehmerPos, e.pos = n.Col(t, "veranstaltung_id"), n.Col(t, "teilnehmer_pos"), n.Col(t, "pos")
	e.semester, e.sosFachCode, e.sosAbschlussCode = n.Col(t, "semester"), n.Col(t, "sos_fach_code"), n.Col(t, "sos_abschluss_code")
	e.fuerKernHauptfach, e.fuerNebenfach, e.geoeffnet = n.Col(t, "fuer_kern_hauptfach"), n.Col(t, "fuer_nebenfach"), n.Col(t, "geoeffnet")
	e.studiengangName, e.fachsemester = n.Col(t, "studiengang_name"), n.Col(t, "fachsemester")

	t = bulk.TargetEkvvTermin
	m := &c.termin
	m.veranstaltungID, m.pos, m.datum = n.Col(t, "veranstaltung_id"), n.Col(t, "pos"), n.Col(t, "datum")
	m.startMinuten, m.endMinuten, m.typ = n.Col(t, "start_minuten"), n.Col(t, "end_minuten"), n.Col(t, "typ")
	m.kettenID, m.uhrzeit = n.Col(t, "ketten_id"), n.Col(t, "uhrzeit")

	if err := n.Err(); err != nil {
		return nil, err
	}
	return c, nil
}
