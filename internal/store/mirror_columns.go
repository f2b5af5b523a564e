package store

import (
	"fmt"
	"strings"
	"time"

	"sestd/internal/sestmodel"
)

// column is one column of a set-based mirror upsert: its name in the
// table, its PostgreSQL type and the package's values, one per item (a
// slice). An upsert's statement is built from one list of columns, so its
// column list, the types of its unnest and its arguments cannot drift
// apart, and a misspelt column name fails the first upsert of the table
// (and so the first test that writes it).
type column struct {
	name, typ string
	values    any
}

// columns is the column list of one upsert, in the table's terms.
type columns []column

// names returns the column names for an INSERT's column list.
func (cs columns) names() string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return strings.Join(out, ", ")
}

// unnest returns the row source: unnest($1::type[], …), one array
// parameter per column.
func (cs columns) unnest() string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("$%d::%s[]", i+1, c.typ)
	}
	return "unnest(" + strings.Join(out, ", ") + ")"
}

// assign returns "c = excluded.c, …" for every column but the key.
func (cs columns) assign(key string) string {
	var out []string
	for _, c := range cs {
		if c.name != key {
			out = append(out, c.name+" = excluded."+c.name)
		}
	}
	return strings.Join(out, ", ")
}

// args returns the statement's arguments, in the order of unnest.
func (cs columns) args() []any {
	out := make([]any, len(cs))
	for i, c := range cs {
		out[i] = c.values
	}
	return out
}

// bewerbungRows are the column values of a package of Bewerbungen.
type bewerbungRows struct {
	key, art, bewerberID, studienangebot, bearbeitungsstatus, aktivitaetsstatus, statusanmerkung []string
	version                                                                                      []int32
	eingangsZeitpunkt, letzteAenderung                                                           []*time.Time
	data, sha                                                                                    [][]byte
}

// newBewerbungRows returns empty columns with room for n Bewerbungen.
func newBewerbungRows(n int) bewerbungRows {
	return bewerbungRows{
		key: make([]string, 0, n), art: make([]string, 0, n), bewerberID: make([]string, 0, n),
		studienangebot: make([]string, 0, n), bearbeitungsstatus: make([]string, 0, n),
		aktivitaetsstatus: make([]string, 0, n), statusanmerkung: make([]string, 0, n),
		version: make([]int32, 0, n), eingangsZeitpunkt: make([]*time.Time, 0, n),
		letzteAenderung: make([]*time.Time, 0, n), data: make([][]byte, 0, n), sha: make([][]byte, 0, n),
	}
}

// add appends a Bewerbung and its JSON.
func (r *bewerbungRows) add(b sestmodel.Bewerbung, raw []byte) error {
	var art, angebot, aktiv, anmerkung string
	var eingang sestmodel.Timestamp
	switch {
	case b.Einfach != nil:
		e := b.Einfach
		art, angebot, aktiv, anmerkung, eingang = "einfach", e.Studienangebot.StudiengangSchluessel, e.Aktivitaetsstatus, e.Statusanmerkung, e.EingangsZeitpunkt
	case b.Mehrfach != nil:
		m := b.Mehrfach
		art, angebot, aktiv, anmerkung, eingang = "mehrfach", m.Studienangebot.AbschlussSchluessel, m.Aktivitaetsstatus, m.Statusanmerkung, m.EingangsZeitpunkt
	default:
		return fmt.Errorf("bewerbung %d of the package is neither Einfach nor Mehrfach", len(r.key))
	}
	r.key = append(r.key, b.Key())
	r.art = append(r.art, art)
	r.bewerberID = append(r.bewerberID, b.BewerberID())
	r.studienangebot = append(r.studienangebot, angebot)
	r.bearbeitungsstatus = append(r.bearbeitungsstatus, b.Bearbeitungsstatus())
	r.aktivitaetsstatus = append(r.aktivitaetsstatus, aktiv)
	r.statusanmerkung = append(r.statusanmerkung, anmerkung)
	r.version = append(r.version, int32(b.Version()))
	r.eingangsZeitpunkt = append(r.eingangsZeitpunkt, nullTime(eingang))
	r.letzteAenderung = append(r.letzteAenderung, nullTime(b.LetzteAenderung()))
	r.data = append(r.data, raw)
	r.sha = append(r.sha, sha(raw))
	return nil
}

func (r *bewerbungRows) columns() columns {
	return columns{
		{"bewerbung_key", "text", r.key},
		{"art", "text", r.art},
		{"bewerber_id", "text", r.bewerberID},
		{"studienangebot_schluessel", "text", r.studienangebot},
		{"bearbeitungsstatus", "text", r.bearbeitungsstatus},
		{"aktivitaetsstatus", "text", r.aktivitaetsstatus},
		{"version", "int", r.version},
		{"eingangs_zeitpunkt", "timestamptz", r.eingangsZeitpunkt},
		{"letzte_aenderung", "timestamptz", r.letzteAenderung},
		{"statusanmerkung", "text", r.statusanmerkung},
		{"data", "json", r.data},
		{"data_sha", "bytea", r.sha},
	}
}

// bewerberRows are the column values of a package of applicants.
type bewerberRows struct {
	id, status, anrede, vorname, weitereVornamen, nachname, emailAdresse, telefonnummer, mobilnummer,
	geburtsname, geburtsort, careOf, strasse, plz, ort, region []string
	geburtsdatum, letzteAenderung []*time.Time
	zugestimmt, complete          []bool
	staatsangehoerigkeit, land    []*string
	data, sha                     [][]byte
	// landKeys and landNames are the Länder the package names, for the
	// land key table.
	landKeys, landNames []string
}

// newBewerberRows returns empty columns with room for n applicants.
func newBewerberRows(n int) bewerberRows {
	strs := func() []string { return make([]string, 0, n) }
	return bewerberRows{
		id: strs(), status: strs(), anrede: strs(), vorname: strs(), weitereVornamen: strs(), nachname: strs(),
		emailAdresse: strs(), telefonnummer: strs(), mobilnummer: strs(), geburtsname: strs(), geburtsort: strs(),
		careOf: strs(), strasse: strs(), plz: strs(), ort: strs(), region: strs(),
		geburtsdatum: make([]*time.Time, 0, n), letzteAenderung: make([]*time.Time, 0, n),
		zugestimmt: make([]bool, 0, n), complete: make([]bool, 0, n),
		staatsangehoerigkeit: make([]*string, 0, n), land: make([]*string, 0, n),
		data: make([][]byte, 0, n), sha: make([][]byte, 0, n),
	}
}

// add appends an applicant and its JSON.
func (r *bewerberRows) add(b *sestmodel.Bewerber, raw []byte) {
	p := &b.Postanschrift
	r.id = append(r.id, b.ID)
	r.status = append(r.status, b.Status)
	r.anrede = append(r.anrede, b.Anrede)
	r.vorname = append(r.vorname, b.Vorname)
	r.weitereVornamen = append(r.weitereVornamen, b.WeitereVornamen)
	r.nachname = append(r.nachname, b.Nachname)
	r.emailAdresse = append(r.emailAdresse, b.EmailAdresse)
	r.telefonnummer = append(r.telefonnummer, b.Telefonnummer)
	r.mobilnummer = append(r.mobilnummer, b.Mobilnummer)
	r.geburtsname = append(r.geburtsname, b.Geburtsname)
	r.geburtsort = append(r.geburtsort, b.Geburtsort)
	r.careOf = append(r.careOf, p.CareOf)
	r.strasse = append(r.strasse, p.StrasseHausNrOderPostfach)
	r.plz = append(r.plz, p.Plz)
	r.ort = append(r.ort, p.Ort)
	r.region = append(r.region, p.Region)
	// A malformed birth date is stored as NULL (the item keeps it in
	// data).
	var geburtsdatum *time.Time
	if d, err := time.Parse(time.DateOnly, b.Geburtsdatum); err == nil {
		geburtsdatum = &d
	}
	r.geburtsdatum = append(r.geburtsdatum, geburtsdatum)
	r.letzteAenderung = append(r.letzteAenderung, nullTime(b.LetzteAenderung))
	r.zugestimmt = append(r.zugestimmt, b.HatVerfahrensrichtlinienZugestimmt)
	r.complete = append(r.complete, true)
	var staat, land *string
	if s := b.Staatsangehoerigkeit; s != nil && s.Schluessel != "" {
		staat = &s.Schluessel
		r.landKeys, r.landNames = append(r.landKeys, s.Schluessel), append(r.landNames, s.NameDe)
	}
	if p.Land.Schluessel != "" {
		land = &p.Land.Schluessel
		r.landKeys, r.landNames = append(r.landKeys, p.Land.Schluessel), append(r.landNames, p.Land.NameDe)
	}
	r.staatsangehoerigkeit = append(r.staatsangehoerigkeit, staat)
	r.land = append(r.land, land)
	r.data = append(r.data, raw)
	r.sha = append(r.sha, sha(raw))
}

func (r *bewerberRows) columns() columns {
	return columns{
		{"bewerber_id", "text", r.id},
		{"status", "text", r.status},
		{"anrede", "text", r.anrede},
		{"vorname", "text", r.vorname},
		{"weitere_vornamen", "text", r.weitereVornamen},
		{"nachname", "text", r.nachname},
		{"email_adresse", "text", r.emailAdresse},
		{"telefonnummer", "text", r.telefonnummer},
		{"mobilnummer", "text", r.mobilnummer},
		{"geburtsname", "text", r.geburtsname},
		{"geburtsdatum", "date", r.geburtsdatum},
		{"geburtsort", "text", r.geburtsort},
		{"care_of", "text", r.careOf},
		{"strasse_hausnr_postfach", "text", r.strasse},
		{"plz", "text", r.plz},
		{"ort", "text", r.ort},
		{"region", "text", r.region},
		{"verfahrensrichtlinien_zugestimmt", "bool", r.zugestimmt},
		{"letzte_aenderung", "timestamptz", r.letzteAenderung},
		{"staatsangehoerigkeit", "text", r.staatsangehoerigkeit},
		{"land", "text", r.land},
		{"data", "json", r.data},
		{"data_sha", "bytea", r.sha},
		{"complete", "bool", r.complete},
	}
}

// bewerbungChildren are the child rows of a package's Bewerbungen, each
// with the position of its Bewerbung in the package (item), so that only
// the changed Bewerbungen' rows are written (see only).
type bewerbungChildren struct {
	tf struct {
		item                     []int
		key, studiengang, status []string
		version                  []int32
		haupt                    []bool
	}
	bt struct {
		item            []int
		key, feld, wert []string
		pos             []int32
		dok             []*string
	}
	bs struct {
		item     []int
		key, art []string
		pos      []int32
		am       []*time.Time
		dok      []*string
	}
	dok struct {
		item                     []int
		id, bewerber, name, mime []string
	}
}

// add appends the child rows of Bewerbung b, item i of the package, with
// key key: its Teilfachbewerbungen, Bestandteile and Bescheide and the
// Dokumente they refer to.
func (c *bewerbungChildren) add(i int, key string, b sestmodel.Bewerbung) {
	addDok := func(d *sestmodel.Dokumentreferenz) *string {
		if d == nil || d.DokumentID == "" {
			return nil
		}
		c.dok.item, c.dok.id, c.dok.bewerber = append(c.dok.item, i), append(c.dok.id, d.DokumentID), append(c.dok.bewerber, b.BewerberID())
		c.dok.name, c.dok.mime = append(c.dok.name, d.Dateiname), append(c.dok.mime, d.MimeType)
		id := d.DokumentID // the package keeps no pointer into the items
		return &id
	}
	var bescheide []sestmodel.Bescheid
	switch {
	case b.Einfach != nil:
		bescheide = b.Einfach.Bescheid
	case b.Mehrfach != nil:
		bescheide = b.Mehrfach.Bescheid
		haupt := map[string]bool{}
		for _, h := range b.Mehrfach.Hauptfaecher() {
			haupt[h.StudiengangSchluessel] = true
		}
		for _, t := range b.Mehrfach.Teilfachbewerbung {
			sg := t.Studienangebot.StudiengangSchluessel
			c.tf.item, c.tf.key, c.tf.studiengang, c.tf.status = append(c.tf.item, i), append(c.tf.key, key), append(c.tf.studiengang, sg), append(c.tf.status, t.Bearbeitungsstatus)
			c.tf.version, c.tf.haupt = append(c.tf.version, int32(t.VersionSeSt)), append(c.tf.haupt, haupt[sg])
		}
	}
	for pos, bt := range b.Bestandteile() {
		c.bt.item, c.bt.key, c.bt.pos = append(c.bt.item, i), append(c.bt.key, key), append(c.bt.pos, int32(pos))
		c.bt.feld, c.bt.wert = append(c.bt.feld, bt.FeldangabeSchluessel), append(c.bt.wert, bt.Wert)
		c.bt.dok = append(c.bt.dok, addDok(bt.Dokument))
	}
	for pos, bs := range bescheide {
		c.bs.item, c.bs.key, c.bs.pos = append(c.bs.item, i), append(c.bs.key, key), append(c.bs.pos, int32(pos))
		c.bs.art, c.bs.am = append(c.bs.art, bs.Bescheidart), append(c.bs.am, nullTime(bs.ErstelltAm))
		c.bs.dok = append(c.bs.dok, addDok(bs.Dokument))
	}
}

// only returns the child rows of the items that keep marks.
func (c *bewerbungChildren) only(keep []bool) *bewerbungChildren {
	var o bewerbungChildren
	o.tf.key, o.tf.studiengang, o.tf.status = pick(c.tf.key, c.tf.item, keep), pick(c.tf.studiengang, c.tf.item, keep), pick(c.tf.status, c.tf.item, keep)
	o.tf.version, o.tf.haupt = pick(c.tf.version, c.tf.item, keep), pick(c.tf.haupt, c.tf.item, keep)
	o.bt.key, o.bt.pos, o.bt.feld = pick(c.bt.key, c.bt.item, keep), pick(c.bt.pos, c.bt.item, keep), pick(c.bt.feld, c.bt.item, keep)
	o.bt.wert, o.bt.dok = pick(c.bt.wert, c.bt.item, keep), pick(c.bt.dok, c.bt.item, keep)
	o.bs.key, o.bs.pos, o.bs.art = pick(c.bs.key, c.bs.item, keep), pick(c.bs.pos, c.bs.item, keep), pick(c.bs.art, c.bs.item, keep)
	o.bs.am, o.bs.dok = pick(c.bs.am, c.bs.item, keep), pick(c.bs.dok, c.bs.item, keep)
	o.dok.id, o.dok.bewerber = pick(c.dok.id, c.dok.item, keep), pick(c.dok.bewerber, c.dok.item, keep)
	o.dok.name, o.dok.mime = pick(c.dok.name, c.dok.item, keep), pick(c.dok.mime, c.dok.item, keep)
	return &o
}

// pick returns the values whose item keep marks.
func pick[T any](values []T, item []int, keep []bool) []T {
	var out []T
	for j, v := range values {
		if keep[item[j]] {
			out = append(out, v)
		}
	}
	return out
}

// ranglistenstatusRows are the column values of a package of
// Ranglistenstatus.
type ranglistenstatusRows struct {
	key, studienpaket, status, statusanmerkung []string
	anzahlEintraege                            []int32
	letzteAenderung                            []*time.Time
	data                                       [][]byte
}

func (r *ranglistenstatusRows) add(s sestmodel.Ranglistenstatus, raw []byte) {
	r.key = append(r.key, s.RanglistenSchluessel)
	r.studienpaket = append(r.studienpaket, s.StudienpaketSchluessel)
	r.status = append(r.status, s.Status)
	r.statusanmerkung = append(r.statusanmerkung, s.Statusanmerkung)
	r.anzahlEintraege = append(r.anzahlEintraege, int32(s.AnzahlEintraege))
	r.letzteAenderung = append(r.letzteAenderung, nullTime(s.LetzteAenderung))
	r.data = append(r.data, raw)
}

func (r *ranglistenstatusRows) columns() columns {
	return columns{
		{"ranglisten_schluessel", "text", r.key},
		{"studienpaket_schluessel", "text", r.studienpaket},
		{"status", "text", r.status},
		{"statusanmerkung", "text", r.statusanmerkung},
		{"anzahl_eintraege", "int", r.anzahlEintraege},
		{"letzte_aenderung", "timestamptz", r.letzteAenderung},
		{"data", "jsonb", r.data},
	}
}
