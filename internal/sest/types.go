package sest

// This file holds the Servicestelle's data types. They are the wire types
// and the domain types at once: the struct field order is the xs:sequence
// order of the schemas (generated from these types, see wsdl_gen_test.go),
// and the codec (wire_encode.go, wire_decode.go) encodes and decodes them
// in that order, each type's fields in its schema's namespace
// (typeNamespace).
//
// Conventions: `omitempty` means minOccurs="0"; a slice is a repeated
// element (minOccurs="0" maxOccurs="unbounded"); a pointer is an optional
// element; a type with an isChoice method stands in for an abstract
// official type: exactly one of its pointer fields is set, and the item
// travels with the xsi:type of that field's type (see the package
// documentation). Fields tagged `xml:"-"` never travel as elements (they
// are filled by the Client after decoding, or carry the xsi:type).
//
import (
	"sort"
	"strconv"
	"strings"
)

// Kontext is the context block every request starts with.
type Kontext struct {
	Version                int              `xml:"version"`
	Hochschulnummer        string           `xml:"hochschulnummer"`
	Serviceverfahren       Serviceverfahren `xml:"serviceverfahren"`
	VermittlungsprozessTyp string           `xml:"vermittlungsprozessTyp"`
}

// Serviceverfahren names the admission round: year and semester (WS or SS).
type Serviceverfahren struct {
	Jahr     int    `xml:"jahr"`
	Semester string `xml:"semester"`
}

// Schluesselwert is a key with its German name (Abschluss, Studienfach,
// Land, Staatsangehörigkeit, ...).
type Schluesselwert struct {
	Schluessel string `xml:"schluessel"`
	NameDe     string `xml:"nameDe,omitempty"`
}

// ---- Studienangebote ----

// EinfachstudienangebotsSchluessel identifies an Einfachstudienangebot (and a
// Teilfach). StudiengangSchluessel is the atomic key
// `<abschluss>-<fach>[-<fkz>]` and the only one to identify it by; the
// compound parts travel alongside.
type EinfachstudienangebotsSchluessel struct {
	StudiengangSchluessel     string `xml:"studiengangSchluessel"`
	AbschlussSchluessel       string `xml:"abschlussSchluessel"`
	StudienfachSchluessel     string `xml:"studienfachSchluessel"`
	FachkennzeichenSchluessel string `xml:"fachkennzeichenSchluessel,omitempty"`
}

// MehrfachstudienangebotsSchluessel identifies a Mehrfachstudienangebot by
// its (Mehrfach-)Abschluss.
type MehrfachstudienangebotsSchluessel struct {
	AbschlussSchluessel string `xml:"abschlussSchluessel"`
}

// StudienangebotsSchluessel is the key of either kind of Studienangebot.
type StudienangebotsSchluessel struct {
	Einfach  *EinfachstudienangebotsSchluessel  `xml:"einfachstudienangebotsSchluessel,omitempty"`
	Mehrfach *MehrfachstudienangebotsSchluessel `xml:"mehrfachstudienangebotsSchluessel,omitempty"`
}

func (StudienangebotsSchluessel) isChoice() {}

// Key returns the atomic key: the studiengangSchluessel of an Einfach-,
// the abschlussSchluessel of a Mehrfachstudienangebot.
func (k StudienangebotsSchluessel) Key() string {
	switch {
	case k.Einfach != nil:
		return k.Einfach.StudiengangSchluessel
	case k.Mehrfach != nil:
		return k.Mehrfach.AbschlussSchluessel
	}
	return ""
}

// Studiengang is the programme behind an Einfachstudienangebot.
type Studiengang struct {
	Schluessel       string          `xml:"schluessel"`
	NameDe           string          `xml:"nameDe"`
	IstNCStudiengang bool            `xml:"istNCStudiengang"`
	Abschluss        Schluesselwert  `xml:"abschluss"`
	Studienfach      Schluesselwert  `xml:"studienfach"`
	Fachkennzeichen  *Schluesselwert `xml:"fachkennzeichen,omitempty"`
}

// Koordinierungsangebotsdaten are the application period and portal.
type Koordinierungsangebotsdaten struct {
	AnfangBewerbungsfrist Timestamp `xml:"anfangBewerbungsfrist"`
	EndeBewerbungsfrist   Timestamp `xml:"endeBewerbungsfrist"`
	UrlHSBewerbungsportal string    `xml:"urlHSBewerbungsportal,omitempty"` //nolint:revive // var-naming: the name is the JSON key in studienangebot.data until its keys are declared (issue 17 item 1); rename then
}

// Einfachstudienangebot is a single-subject programme offer.
type Einfachstudienangebot struct {
	Schluessel                  EinfachstudienangebotsSchluessel `xml:"schluessel"`
	Status                      string                           `xml:"status"` // in_Vorbereitung, oeffentlich_sichtbar
	NameDe                      string                           `xml:"nameDe"`
	BeschreibungDe              string                           `xml:"beschreibungDe,omitempty"`
	Koordinierungsangebotsdaten *Koordinierungsangebotsdaten     `xml:"koordinierungsangebotsdaten,omitempty"`
	Integrationseinstellungen   string                           `xml:"integrationseinstellungen,omitempty"`
	Studiengang                 Studiengang                      `xml:"studiengang"`
}

// Kinds of Mehrfachstudienangebot (Sestco 0.2 and 0.3 support both). They
// travel as the Studienangebot's xsi:type; the names are Sestco's, their
// content is assumed (see the package documentation).
const (
	// FreieFachbezogeneStudiengangskombination: any combination of the
	// Teilstudienangebote (e.g. a Zwei-Fächer-Bachelor).
	FreieFachbezogeneStudiengangskombination = "FreieFachbezogeneStudiengangskombination"
	// ExpliziteStudiengangskombination: only the listed combinations
	// (Kombination) of Teilstudienangebote.
	ExpliziteStudiengangskombination = "ExpliziteStudiengangskombination"
)

// Mehrfachstudienangebot is a combination offer: one Mehrfachabschluss and
// the Teilfächer (Einfachstudienangebote) that may be combined in it.
type Mehrfachstudienangebot struct {
	// Art is the kind, FreieFachbezogeneStudiengangskombination or
	// ExpliziteStudiengangskombination (its xsi:type on the wire). Empty is
	// sent as ExpliziteStudiengangskombination when Kombination is set,
	// else as FreieFachbezogeneStudiengangskombination.
	Art                         string                             `xml:"-"`
	Schluessel                  MehrfachstudienangebotsSchluessel  `xml:"schluessel"`
	Status                      string                             `xml:"status"`
	NameDe                      string                             `xml:"nameDe"`
	BeschreibungDe              string                             `xml:"beschreibungDe,omitempty"`
	Koordinierungsangebotsdaten *Koordinierungsangebotsdaten       `xml:"koordinierungsangebotsdaten,omitempty"`
	Abschluss                   Schluesselwert                     `xml:"abschluss"`
	Teilstudienangebot          []EinfachstudienangebotsSchluessel `xml:"teilstudienangebot"`
	// Kombination lists the allowed combinations of an
	// ExpliziteStudiengangskombination (only there).
	Kombination []Studiengangskombination `xml:"kombination" xsdonly:"ExpliziteStudiengangskombination"`
}

// Studiengangskombination is one allowed combination of Teilfächer in an
// ExpliziteStudiengangskombination.
type Studiengangskombination struct {
	Teilstudienangebot []EinfachstudienangebotsSchluessel `xml:"teilstudienangebot"`
}

// xsiType is the kind the Mehrfachstudienangebot travels as.
func (m Mehrfachstudienangebot) xsiType() string {
	switch {
	case m.Art != "":
		return m.Art
	case len(m.Kombination) > 0:
		return ExpliziteStudiengangskombination
	}
	return FreieFachbezogeneStudiengangskombination
}

// xsiTypes are the xsi:types a Mehrfachstudienangebot is read from.
func (*Mehrfachstudienangebot) xsiTypes() []string {
	return []string{FreieFachbezogeneStudiengangskombination, ExpliziteStudiengangskombination}
}

func (m *Mehrfachstudienangebot) setXSIType(name string) { m.Art = name }

// Studienangebot is an Einfach- or a Mehrfachstudienangebot (exactly one set).
type Studienangebot struct {
	Einfach  *Einfachstudienangebot  `xml:"einfachstudienangebot,omitempty"`
	Mehrfach *Mehrfachstudienangebot `xml:"mehrfachstudienangebot,omitempty"`
}

func (Studienangebot) isChoice() {}

// Key returns the atomic key (see StudienangebotsSchluessel.Key).
func (s Studienangebot) Key() string {
	switch {
	case s.Einfach != nil:
		return s.Einfach.Schluessel.StudiengangSchluessel
	case s.Mehrfach != nil:
		return s.Mehrfach.Schluessel.AbschlussSchluessel
	}
	return ""
}

// ---- Bewerber ----

// Postanschrift is a postal address.
type Postanschrift struct {
	CareOf                    string         `xml:"careOf,omitempty"`
	StrasseHausNrOderPostfach string         `xml:"strasseHausNrOderPostfach"`
	Plz                       string         `xml:"plz"`
	Ort                       string         `xml:"ort"`
	Land                      Schluesselwert `xml:"land"`
	Region                    string         `xml:"region,omitempty"`
}

// Bewerber is an applicant's Stammdaten. Status is e.g. "aktiv" or
// BewerberStatusZurLoeschung.
type Bewerber struct {
	Status                             string          `xml:"status"`
	Anrede                             string          `xml:"anrede,omitempty"`
	Vorname                            string          `xml:"vorname"`
	WeitereVornamen                    string          `xml:"weitereVornamen,omitempty"`
	Nachname                           string          `xml:"nachname"`
	EmailAdresse                       string          `xml:"emailAdresse,omitempty"`
	Telefonnummer                      string          `xml:"telefonnummer,omitempty"`
	Mobilnummer                        string          `xml:"mobilnummer,omitempty"`
	ID                                 string          `xml:"id"`
	HatVerfahrensrichtlinienZugestimmt bool            `xml:"hatVerfahrensrichtlinienZugestimmt"`
	Geburtsname                        string          `xml:"geburtsname,omitempty"`
	Geburtsdatum                       string          `xml:"geburtsdatum,omitempty" xsd:"date"` // YYYY-MM-DD
	Geburtsort                         string          `xml:"geburtsort,omitempty"`
	Staatsangehoerigkeit               *Schluesselwert `xml:"staatsangehoerigkeit,omitempty"`
	Postanschrift                      Postanschrift   `xml:"postanschrift"`
	LetzteAenderung                    Timestamp       `xml:"letzteAenderung,omitempty"`
}

// BewerberStatusZurLoeschung is the Bewerber status of an account marked for
// deletion; Bewerbungen of such an applicant are rejected with code 30235.
const BewerberStatusZurLoeschung = "zur_Loeschung_vorgemerkt"

// ---- Bewerbungen ----

// Dokumentreferenz points at a Dokument fetched with abrufenDokumenteDurchHS.
type Dokumentreferenz struct {
	DokumentID string `xml:"dokumentId"`
	Dateiname  string `xml:"dateiname,omitempty"`
	MimeType   string `xml:"mimeType,omitempty"`
}

// Bewerbungsbestandteil is one field of an application form: a value or a
// document.
type Bewerbungsbestandteil struct {
	FeldangabeSchluessel string            `xml:"feldangabeSchluessel"`
	NameDe               string            `xml:"nameDe,omitempty"`
	Wert                 string            `xml:"wert,omitempty"`
	Dokument             *Dokumentreferenz `xml:"dokument,omitempty"`
}

// Bescheid is a decision letter.
type Bescheid struct {
	Bescheidart string            `xml:"bescheidart"`
	ErstelltAm  Timestamp         `xml:"erstelltAm,omitempty"`
	Dokument    *Dokumentreferenz `xml:"dokument,omitempty"`
}

// Einfachstudienangebotsbewerbung is an application for an
// Einfachstudienangebot.
type Einfachstudienangebotsbewerbung struct {
	EingangsZeitpunkt         Timestamp                        `xml:"eingangsZeitpunkt"`
	Bearbeitungsstatus        string                           `xml:"bearbeitungsstatus"`
	VersionSeSt               int                              `xml:"versionSeSt,omitempty"`
	BewerberBAN               string                           `xml:"bewerberBAN,omitempty"`
	BewerberEmailAdresse      string                           `xml:"bewerberEmailAdresse,omitempty"`
	BewerberID                string                           `xml:"bewerberId"`
	Studienangebot            EinfachstudienangebotsSchluessel `xml:"einfachstudienangebotsSchluessel"`
	OrtDesEingangs            string                           `xml:"ortDesEingangs,omitempty"`
	Aktivitaetsstatus         string                           `xml:"aktivitaetsstatus,omitempty"`
	Papierantragstatus        string                           `xml:"papierantragstatus,omitempty"`
	LetzteAenderung           Timestamp                        `xml:"letzteAenderung,omitempty"`
	Statusanmerkung           string                           `xml:"statusanmerkung,omitempty"`
	Sonderantragsentscheidung string                           `xml:"sonderantragsentscheidung,omitempty"`
	Bestandteil               []Bewerbungsbestandteil          `xml:"bestandteil"`
	Bescheid                  []Bescheid                       `xml:"bescheid"`
}

// Teilfachbewerbung is the part of a Mehrfachstudienangebotsbewerbung for
// one Teilfach.
type Teilfachbewerbung struct {
	EingangsZeitpunkt         Timestamp                         `xml:"eingangsZeitpunkt"`
	Bearbeitungsstatus        string                            `xml:"bearbeitungsstatus"`
	VersionSeSt               int                               `xml:"versionSeSt,omitempty"`
	Studienangebot            EinfachstudienangebotsSchluessel  `xml:"einfachstudienangebotsSchluessel"`
	HauptfachSchluessel       *EinfachstudienangebotsSchluessel `xml:"hauptfachSchluessel,omitempty"`
	ErsatzfachSchluessel      *EinfachstudienangebotsSchluessel `xml:"ersatzfachSchluessel,omitempty"`
	IstErsatzfachAkzeptabel   bool                              `xml:"istErsatzfachAkzeptabel"`
	IstFachwechsel            bool                              `xml:"istFachwechsel"`
	Aktivitaetsstatus         string                            `xml:"aktivitaetsstatus,omitempty"`
	LetzteAenderung           Timestamp                         `xml:"letzteAenderung,omitempty"`
	Statusanmerkung           string                            `xml:"statusanmerkung,omitempty"`
	Sonderantragsentscheidung string                            `xml:"sonderantragsentscheidung,omitempty"`
}

// Mehrfachstudienangebotsbewerbung is an application for a combination of
// Teilfächer under one Mehrfachabschluss.
type Mehrfachstudienangebotsbewerbung struct {
	EingangsZeitpunkt         Timestamp                         `xml:"eingangsZeitpunkt"`
	Bearbeitungsstatus        string                            `xml:"bearbeitungsstatus"`
	VersionSeSt               int                               `xml:"versionSeSt,omitempty"`
	BewerberBAN               string                            `xml:"bewerberBAN,omitempty"`
	BewerberEmailAdresse      string                            `xml:"bewerberEmailAdresse,omitempty"`
	BewerberID                string                            `xml:"bewerberId"`
	Studienangebot            MehrfachstudienangebotsSchluessel `xml:"mehrfachstudienangebotsSchluessel"`
	OrtDesEingangs            string                            `xml:"ortDesEingangs,omitempty"`
	Aktivitaetsstatus         string                            `xml:"aktivitaetsstatus,omitempty"`
	Papierantragstatus        string                            `xml:"papierantragstatus,omitempty"`
	LetzteAenderung           Timestamp                         `xml:"letzteAenderung,omitempty"`
	Statusanmerkung           string                            `xml:"statusanmerkung,omitempty"`
	Sonderantragsentscheidung string                            `xml:"sonderantragsentscheidung,omitempty"`
	Teilfachbewerbung         []Teilfachbewerbung               `xml:"teilfachbewerbung"`
	Bestandteil               []Bewerbungsbestandteil           `xml:"bestandteil"`
	Bescheid                  []Bescheid                        `xml:"bescheid"`
}

// Hauptfaecher returns the Teilfächer marked as Hauptfach (the
// hauptfachSchluessel of the Teilfachbewerbungen), sorted by key.
func (m *Mehrfachstudienangebotsbewerbung) Hauptfaecher() []EinfachstudienangebotsSchluessel {
	var out []EinfachstudienangebotsSchluessel
	for _, t := range m.Teilfachbewerbung {
		if t.HauptfachSchluessel != nil {
			out = append(out, *t.HauptfachSchluessel)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StudiengangSchluessel < out[j].StudiengangSchluessel })
	return out
}

// Bewerbung is an Einfach- or a Mehrfachstudienangebotsbewerbung (exactly
// one set).
type Bewerbung struct {
	Einfach  *Einfachstudienangebotsbewerbung  `xml:"einfachstudienangebotsbewerbung,omitempty"`
	Mehrfach *Mehrfachstudienangebotsbewerbung `xml:"mehrfachstudienangebotsbewerbung,omitempty"`
}

func (Bewerbung) isChoice() {}

// Schluessel returns the Bewerbung's key as the Servicestelle reports it in
// results.
func (b Bewerbung) Schluessel() BewerbungsSchluessel {
	switch {
	case b.Einfach != nil:
		return BewerbungsSchluessel{Einfach: &EinfachstudienangebotsbewerbungsSchluessel{
			BewerberID: b.Einfach.BewerberID, Studienangebot: b.Einfach.Studienangebot}}
	case b.Mehrfach != nil:
		return BewerbungsSchluessel{Mehrfach: &MehrfachstudienangebotsbewerbungsSchluessel{
			BewerberID: b.Mehrfach.BewerberID, AbschlussSchluessel: b.Mehrfach.Studienangebot.AbschlussSchluessel,
			HauptfachSchluessel: b.Mehrfach.Hauptfaecher()}}
	}
	return BewerbungsSchluessel{}
}

// Key is the Bewerbung's identity as one string (see
// BewerbungsSchluessel.Key).
func (b Bewerbung) Key() string { return b.Schluessel().Key() }

// BewerberID returns the applicant's id of either kind.
func (b Bewerbung) BewerberID() string {
	switch {
	case b.Einfach != nil:
		return b.Einfach.BewerberID
	case b.Mehrfach != nil:
		return b.Mehrfach.BewerberID
	}
	return ""
}

// Version returns versionSeSt of either kind.
func (b Bewerbung) Version() int {
	switch {
	case b.Einfach != nil:
		return b.Einfach.VersionSeSt
	case b.Mehrfach != nil:
		return b.Mehrfach.VersionSeSt
	}
	return 0
}

// Bearbeitungsstatus returns the status of either kind.
func (b Bewerbung) Bearbeitungsstatus() string {
	switch {
	case b.Einfach != nil:
		return b.Einfach.Bearbeitungsstatus
	case b.Mehrfach != nil:
		return b.Mehrfach.Bearbeitungsstatus
	}
	return ""
}

// LetzteAenderung returns the time of the last change of either kind.
func (b Bewerbung) LetzteAenderung() Timestamp {
	switch {
	case b.Einfach != nil:
		return b.Einfach.LetzteAenderung
	case b.Mehrfach != nil:
		return b.Mehrfach.LetzteAenderung
	}
	return Timestamp{}
}

// Bestandteile returns the Bewerbungsbestandteile of either kind.
func (b Bewerbung) Bestandteile() []Bewerbungsbestandteil {
	switch {
	case b.Einfach != nil:
		return b.Einfach.Bestandteil
	case b.Mehrfach != nil:
		return b.Mehrfach.Bestandteil
	}
	return nil
}

// EinfachstudienangebotsbewerbungsSchluessel identifies an
// Einfachstudienangebotsbewerbung.
type EinfachstudienangebotsbewerbungsSchluessel struct {
	BewerberID     string                           `xml:"bewerberId"`
	Studienangebot EinfachstudienangebotsSchluessel `xml:"einfachstudienangebotsSchluessel"`
}

// MehrfachstudienangebotsbewerbungsSchluessel identifies a
// Mehrfachstudienangebotsbewerbung: applicant, Abschluss, Hauptfächer.
type MehrfachstudienangebotsbewerbungsSchluessel struct {
	BewerberID          string                             `xml:"bewerberId"`
	AbschlussSchluessel string                             `xml:"abschlussSchluessel"`
	HauptfachSchluessel []EinfachstudienangebotsSchluessel `xml:"hauptfachSchluessel"`
}

// BewerbungsSchluessel is the key of either kind of Bewerbung.
type BewerbungsSchluessel struct {
	Einfach  *EinfachstudienangebotsbewerbungsSchluessel  `xml:"einfachstudienangebotsbewerbungsSchluessel,omitempty"`
	Mehrfach *MehrfachstudienangebotsbewerbungsSchluessel `xml:"mehrfachstudienangebotsbewerbungsSchluessel,omitempty"`
}

func (BewerbungsSchluessel) isChoice() {}

// Key renders the key as one string:
// `<bewerberId>/<studiengangSchluessel>` for Einfach- and
// `<bewerberId>/<abschluss>/<hauptfach>+<hauptfach>...` (sorted) for
// Mehrfachstudienangebotsbewerbungen. It is stable and suitable as a
// primary key in the mirror.
func (k BewerbungsSchluessel) Key() string {
	switch {
	case k.Einfach != nil:
		return k.Einfach.BewerberID + "/" + k.Einfach.Studienangebot.StudiengangSchluessel
	case k.Mehrfach != nil:
		hs := make([]string, 0, len(k.Mehrfach.HauptfachSchluessel))
		for _, h := range k.Mehrfach.HauptfachSchluessel {
			hs = append(hs, h.StudiengangSchluessel)
		}
		sort.Strings(hs)
		return k.Mehrfach.BewerberID + "/" + k.Mehrfach.AbschlussSchluessel + "/" + strings.Join(hs, "+")
	}
	return ""
}

// ---- Bewerberauswahl ----

// Bewerberplatzbedarf is the share of a place a Paketbestandteil needs.
type Bewerberplatzbedarf struct {
	Zaehler int `xml:"zaehler"`
	Nenner  int `xml:"nenner"`
}

// Paketbestandteil is one Studienangebot in a Studienpaket.
type Paketbestandteil struct {
	Studienangebot      EinfachstudienangebotsSchluessel `xml:"einfachstudienangebotsSchluessel"`
	Bewerberplatzbedarf Bewerberplatzbedarf              `xml:"bewerberplatzbedarf"`
}

// Studienpaket bundles Studienangebote that share places and Ranglisten.
type Studienpaket struct {
	Schluessel       string             `xml:"schluessel"`
	NameDe           string             `xml:"nameDe"`
	Kapazitaet       int                `xml:"kapazitaet"`
	Paketbestandteil []Paketbestandteil `xml:"paketbestandteil"`
}

// Binnenquotenklausel configures an inner quota.
type Binnenquotenklausel struct {
	Binnenquotenkennung          string `xml:"binnenquotenkennung"`
	IstBinnenquotendachrangliste bool   `xml:"istBinnenquotendachrangliste"`
}

// Mindestplatzklausel sets a minimum capacity.
type Mindestplatzklausel struct {
	Grenzkapazitaet int `xml:"grenzkapazitaet"`
}

// Unterbelegungsklausel passes unused places on to an Ebene or a Rangliste
// type (set one of the two).
type Unterbelegungsklausel struct {
	PlatzuebergabeEbene         string `xml:"platzuebergabeEbene,omitempty"`
	PlatzuebergabeRanglistentyp string `xml:"platzuebergabeRanglistentyp,omitempty"`
}

// Klauseln are the optional clauses of a Rangliste. A flag clause is set
// when true; a configured clause when non-nil.
type Klauseln struct {
	Binnenquotenklausel   *Binnenquotenklausel   `xml:"binnenquotenklausel,omitempty"`
	Mindestplatzklausel   *Mindestplatzklausel   `xml:"mindestplatzklausel,omitempty"`
	Limitierungsklausel   bool                   `xml:"limitierungsklausel,omitempty"`
	Unterbelegungsklausel *Unterbelegungsklausel `xml:"unterbelegungsklausel,omitempty"`
	Nichtauffuellklausel  bool                   `xml:"nichtauffuellklausel,omitempty"`
}

// Kopfdaten configure a Rangliste. Exactly one of PlaetzeProzentual and
// PlaetzeAbsolut is set.
type Kopfdaten struct {
	Abarbeitungsposition       int       `xml:"abarbeitungsposition"`
	PlaetzeProzentual          *float64  `xml:"plaetzeProzentual,omitempty"`
	PlaetzeAbsolut             *int      `xml:"plaetzeAbsolut,omitempty"`
	IstVorwegzulasserrangliste bool      `xml:"istVorwegzulasserrangliste"`
	IstChancenrangliste        bool      `xml:"istChancenrangliste"`
	Klauseln                   *Klauseln `xml:"klauseln,omitempty"`
}

// Ranglisteneintrag is one ranked applicant; Rang starts at 1.
type Ranglisteneintrag struct {
	Rang       int    `xml:"rang"`
	BewerberID string `xml:"bewerberId"`
}

// Rangliste is a ranking list. Without Kopfdaten the Servicestelle keeps
// the stored ones ("Kopfdaten beibehalten"). Ebene is Vorabquoten,
// geminderte_Vorabquoten or Hauptquoten; Status eingerichtet, befuellt or
// freigegeben.
type Rangliste struct {
	Schluessel             string              `xml:"schluessel"`
	StudienpaketSchluessel string              `xml:"studienpaketSchluessel"`
	NameDe                 string              `xml:"nameDe,omitempty"`
	NameEn                 string              `xml:"nameEn,omitempty"`
	Ebene                  string              `xml:"ebene"`
	Status                 string              `xml:"status"`
	Statusanmerkung        string              `xml:"statusanmerkung,omitempty"`
	Kopfdaten              *Kopfdaten          `xml:"kopfdaten,omitempty"`
	Eintrag                []Ranglisteneintrag `xml:"eintrag"`
}

// Ranglistenstatus is the state of a Rangliste at the Servicestelle.
type Ranglistenstatus struct {
	RanglistenSchluessel   string    `xml:"ranglistenSchluessel"`
	StudienpaketSchluessel string    `xml:"studienpaketSchluessel"`
	Status                 string    `xml:"status"`
	Statusanmerkung        string    `xml:"statusanmerkung,omitempty"`
	AnzahlEintraege        int       `xml:"anzahlEintraege"`
	LetzteAenderung        Timestamp `xml:"letzteAenderung,omitempty"`
}

// ---- Dokumente ----

// Dokument is a file attached to a Bewerbung or Bescheid. Dateiname comes
// from the applicant and must be treated as hostile (path traversal).
type Dokument struct {
	DokumentID  string       `xml:"dokumentId"`
	BewerberID  string       `xml:"bewerberId,omitempty"`
	Dateiname   string       `xml:"dateiname"`
	Dateiendung string       `xml:"dateiendung,omitempty"`
	MimeType    string       `xml:"mimeType,omitempty"`
	Inhalt      Base64Binary `xml:"inhalt"`
}

// ---- results ----

// Ergebnis status values.
const (
	ErgebnisNeu             = "neu"
	ErgebnisAktualisiert    = "aktualisiert"
	ErgebnisZurueckgewiesen = "zurueckgewiesen"
)

// Known rejection codes (in grundZurueckweisung).
const (
	// CodeVersionConflict: the Bewerbung's version is stale; fetch the
	// current one and retry.
	CodeVersionConflict = 30233
	// CodeBewerberZurLoeschung: the applicant's account is marked for
	// deletion.
	CodeBewerberZurLoeschung = 30235
)

// Ergebnis is what every per-item result shares. Code is parsed from
// GrundZurueckweisung (the first five-digit number in it), 0 when none.
type Ergebnis struct {
	ErgebnisStatus      string `xml:"ergebnisStatus"`
	GrundZurueckweisung string `xml:"grundZurueckweisung,omitempty"`
	Code                int    `xml:"-"`
}

// Rejected reports whether the item was zurueckgewiesen.
func (e Ergebnis) Rejected() bool { return e.ErgebnisStatus == ErgebnisZurueckgewiesen }

func (e *Ergebnis) fill() { e.Code = ParseCode(e.GrundZurueckweisung) }

// ParseCode returns the first run of exactly five digits in a
// grundZurueckweisung, or 0.
func ParseCode(reason string) int {
	for i := 0; i < len(reason); {
		if reason[i] < '0' || reason[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(reason) && reason[j] >= '0' && reason[j] <= '9' {
			j++
		}
		if j-i == 5 {
			n, _ := strconv.Atoi(reason[i:j])
			return n
		}
		i = j
	}
	return 0
}

// BewerbungErgebnis is the result for one sent Bewerbung. Key is
// Schluessel.Key(). VersionSeSt is the version now stored (0 when rejected).
type BewerbungErgebnis struct {
	Ergebnis
	Schluessel  BewerbungsSchluessel `xml:"bewerbungsSchluessel"`
	VersionSeSt int                  `xml:"versionSeSt,omitempty"`
	Key         string               `xml:"-"`
}

// StudienangebotErgebnis is the result for one sent Studienangebot.
type StudienangebotErgebnis struct {
	Ergebnis
	Schluessel StudienangebotsSchluessel `xml:"studienangebotsSchluessel"`
	Key        string                    `xml:"-"`
}

// StudienpaketErgebnis is the result for one Studienpaket (also for
// ausloesenFruehzeitigerZulassungsangeboteDurchHS).
type StudienpaketErgebnis struct {
	Ergebnis
	StudienpaketSchluessel string `xml:"studienpaketSchluessel"`
}

// RanglisteErgebnis is the result for one sent Rangliste.
type RanglisteErgebnis struct {
	Ergebnis
	RanglistenSchluessel string `xml:"ranglistenSchluessel"`
}
