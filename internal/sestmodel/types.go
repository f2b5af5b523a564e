package sestmodel

// This file holds the Servicestelle's data types. They are the wire types
// and the domain types at once: the struct field order is the xs:sequence
// order of the schemas (generated from these types by the codec's tests in
// internal/sest), and the codec in internal/sest encodes and decodes them in
// that order, each type's fields in its schema's namespace.
//
// Conventions: `omitempty` means minOccurs="0"; a slice is a repeated
// element (minOccurs="0" maxOccurs="unbounded"); a pointer is an optional
// element. StudienangebotsSchluessel, Studienangebot, Bewerbung and
// BewerbungsSchluessel stand in for abstract official types: exactly one of
// their pointer fields is set, and the item travels with the xsi:type of
// that field's type (the codec lists these choice types). A type behind
// several xsi:types (Mehrfachstudienangebot) says which one it travels as
// with XSIType, which ones it is read from with XSITypes, and remembers the
// one it was read as with SetXSIType. Fields tagged `xml:"-"` never travel
// as elements (they are filled by the client after decoding, or carry the
// xsi:type).
//
import (
	"sort"
	"strconv"
	"strings"
)

// Kontext is the context block every request starts with.
type Kontext struct {
	Version                int              `xml:"version" json:"Version"`
	Hochschulnummer        string           `xml:"hochschulnummer" json:"Hochschulnummer"`
	Serviceverfahren       Serviceverfahren `xml:"serviceverfahren" json:"Serviceverfahren"`
	VermittlungsprozessTyp string           `xml:"vermittlungsprozessTyp" json:"VermittlungsprozessTyp"`
}

// Serviceverfahren names the admission round: year and semester (WS or SS).
type Serviceverfahren struct {
	Jahr     int    `xml:"jahr" json:"Jahr"`
	Semester string `xml:"semester" json:"Semester"`
}

// Schluesselwert is a key with its German name (Abschluss, Studienfach,
// Land, Staatsangehörigkeit, ...).
type Schluesselwert struct {
	Schluessel string `xml:"schluessel" json:"Schluessel"`
	NameDe     string `xml:"nameDe,omitempty" json:"NameDe"`
}

// ---- Studienangebote ----

// EinfachstudienangebotsSchluessel identifies an Einfachstudienangebot (and a
// Teilfach). StudiengangSchluessel is the atomic key
// `<abschluss>-<fach>[-<fkz>]` and the only one to identify it by; the
// compound parts travel alongside.
type EinfachstudienangebotsSchluessel struct {
	StudiengangSchluessel     string `xml:"studiengangSchluessel" json:"StudiengangSchluessel"`
	AbschlussSchluessel       string `xml:"abschlussSchluessel" json:"AbschlussSchluessel"`
	StudienfachSchluessel     string `xml:"studienfachSchluessel" json:"StudienfachSchluessel"`
	FachkennzeichenSchluessel string `xml:"fachkennzeichenSchluessel,omitempty" json:"FachkennzeichenSchluessel"`
}

// MehrfachstudienangebotsSchluessel identifies a Mehrfachstudienangebot by
// its (Mehrfach-)Abschluss.
type MehrfachstudienangebotsSchluessel struct {
	AbschlussSchluessel string `xml:"abschlussSchluessel" json:"AbschlussSchluessel"`
}

// StudienangebotsSchluessel is the key of either kind of Studienangebot.
type StudienangebotsSchluessel struct {
	Einfach  *EinfachstudienangebotsSchluessel  `xml:"einfachstudienangebotsSchluessel,omitempty" json:"Einfach"`
	Mehrfach *MehrfachstudienangebotsSchluessel `xml:"mehrfachstudienangebotsSchluessel,omitempty" json:"Mehrfach"`
}

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
	Schluessel       string          `xml:"schluessel" json:"Schluessel"`
	NameDe           string          `xml:"nameDe" json:"NameDe"`
	IstNCStudiengang bool            `xml:"istNCStudiengang" json:"IstNCStudiengang"`
	Abschluss        Schluesselwert  `xml:"abschluss" json:"Abschluss"`
	Studienfach      Schluesselwert  `xml:"studienfach" json:"Studienfach"`
	Fachkennzeichen  *Schluesselwert `xml:"fachkennzeichen,omitempty" json:"Fachkennzeichen"`
}

// Koordinierungsangebotsdaten are the application period and portal.
type Koordinierungsangebotsdaten struct {
	AnfangBewerbungsfrist Timestamp `xml:"anfangBewerbungsfrist" json:"AnfangBewerbungsfrist"`
	EndeBewerbungsfrist   Timestamp `xml:"endeBewerbungsfrist" json:"EndeBewerbungsfrist"`
	URLHSBewerbungsportal string    `xml:"urlHSBewerbungsportal,omitempty" json:"UrlHSBewerbungsportal"`
}

// Einfachstudienangebot is a single-subject programme offer.
type Einfachstudienangebot struct {
	Schluessel                  EinfachstudienangebotsSchluessel `xml:"schluessel" json:"Schluessel"`
	Status                      string                           `xml:"status" json:"Status"` // in_Vorbereitung, oeffentlich_sichtbar
	NameDe                      string                           `xml:"nameDe" json:"NameDe"`
	BeschreibungDe              string                           `xml:"beschreibungDe,omitempty" json:"BeschreibungDe"`
	Koordinierungsangebotsdaten *Koordinierungsangebotsdaten     `xml:"koordinierungsangebotsdaten,omitempty" json:"Koordinierungsangebotsdaten"`
	Integrationseinstellungen   string                           `xml:"integrationseinstellungen,omitempty" json:"Integrationseinstellungen"`
	Studiengang                 Studiengang                      `xml:"studiengang" json:"Studiengang"`
}

// Kinds of Mehrfachstudienangebot (Sestco 0.2 and 0.3 support both). They
// travel as the Studienangebot's xsi:type; the names are Sestco's, their
// content is assumed (see internal/sest's package documentation).
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
	Art                         string                             `xml:"-" json:"Art"`
	Schluessel                  MehrfachstudienangebotsSchluessel  `xml:"schluessel" json:"Schluessel"`
	Status                      string                             `xml:"status" json:"Status"`
	NameDe                      string                             `xml:"nameDe" json:"NameDe"`
	BeschreibungDe              string                             `xml:"beschreibungDe,omitempty" json:"BeschreibungDe"`
	Koordinierungsangebotsdaten *Koordinierungsangebotsdaten       `xml:"koordinierungsangebotsdaten,omitempty" json:"Koordinierungsangebotsdaten"`
	Abschluss                   Schluesselwert                     `xml:"abschluss" json:"Abschluss"`
	Teilstudienangebot          []EinfachstudienangebotsSchluessel `xml:"teilstudienangebot" json:"Teilstudienangebot"`
	// Kombination lists the allowed combinations of an
	// ExpliziteStudiengangskombination (only there).
	Kombination []Studiengangskombination `xml:"kombination" xsdonly:"ExpliziteStudiengangskombination" json:"Kombination"`
}

// Studiengangskombination is one allowed combination of Teilfächer in an
// ExpliziteStudiengangskombination.
type Studiengangskombination struct {
	Teilstudienangebot []EinfachstudienangebotsSchluessel `xml:"teilstudienangebot" json:"Teilstudienangebot"`
}

// XSIType is the xsi:type (local name) the Mehrfachstudienangebot travels
// as: Art, or when Art is empty ExpliziteStudiengangskombination with
// Kombination set and FreieFachbezogeneStudiengangskombination without.
func (m Mehrfachstudienangebot) XSIType() string {
	switch {
	case m.Art != "":
		return m.Art
	case len(m.Kombination) > 0:
		return ExpliziteStudiengangskombination
	}
	return FreieFachbezogeneStudiengangskombination
}

// XSITypes are the xsi:types (local names) a Mehrfachstudienangebot is read
// from: the kinds of Mehrfachstudienangebot.
func (*Mehrfachstudienangebot) XSITypes() []string {
	return []string{FreieFachbezogeneStudiengangskombination, ExpliziteStudiengangskombination}
}

// SetXSIType records the xsi:type the Mehrfachstudienangebot was read as
// (one of XSITypes) in Art.
func (m *Mehrfachstudienangebot) SetXSIType(name string) { m.Art = name }

// Studienangebot is an Einfach- or a Mehrfachstudienangebot (exactly one set).
type Studienangebot struct {
	Einfach  *Einfachstudienangebot  `xml:"einfachstudienangebot,omitempty" json:"Einfach"`
	Mehrfach *Mehrfachstudienangebot `xml:"mehrfachstudienangebot,omitempty" json:"Mehrfach"`
}

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
	CareOf                    string         `xml:"careOf,omitempty" json:"CareOf"`
	StrasseHausNrOderPostfach string         `xml:"strasseHausNrOderPostfach" json:"StrasseHausNrOderPostfach"`
	Plz                       string         `xml:"plz" json:"Plz"`
	Ort                       string         `xml:"ort" json:"Ort"`
	Land                      Schluesselwert `xml:"land" json:"Land"`
	Region                    string         `xml:"region,omitempty" json:"Region"`
}

// Bewerber is an applicant's Stammdaten. Status is e.g. "aktiv" or
// BewerberStatusZurLoeschung.
type Bewerber struct {
	Status                             string          `xml:"status" json:"Status"`
	Anrede                             string          `xml:"anrede,omitempty" json:"Anrede"`
	Vorname                            string          `xml:"vorname" json:"Vorname"`
	WeitereVornamen                    string          `xml:"weitereVornamen,omitempty" json:"WeitereVornamen"`
	Nachname                           string          `xml:"nachname" json:"Nachname"`
	EmailAdresse                       string          `xml:"emailAdresse,omitempty" json:"EmailAdresse"`
	Telefonnummer                      string          `xml:"telefonnummer,omitempty" json:"Telefonnummer"`
	Mobilnummer                        string          `xml:"mobilnummer,omitempty" json:"Mobilnummer"`
	ID                                 string          `xml:"id" json:"ID"`
	HatVerfahrensrichtlinienZugestimmt bool            `xml:"hatVerfahrensrichtlinienZugestimmt" json:"HatVerfahrensrichtlinienZugestimmt"`
	Geburtsname                        string          `xml:"geburtsname,omitempty" json:"Geburtsname"`
	Geburtsdatum                       string          `xml:"geburtsdatum,omitempty" xsd:"date" json:"Geburtsdatum"` // YYYY-MM-DD
	Geburtsort                         string          `xml:"geburtsort,omitempty" json:"Geburtsort"`
	Staatsangehoerigkeit               *Schluesselwert `xml:"staatsangehoerigkeit,omitempty" json:"Staatsangehoerigkeit"`
	Postanschrift                      Postanschrift   `xml:"postanschrift" json:"Postanschrift"`
	LetzteAenderung                    Timestamp       `xml:"letzteAenderung,omitempty" json:"LetzteAenderung"`
}

// BewerberStatusZurLoeschung is the Bewerber status of an account marked for
// deletion; Bewerbungen of such an applicant are rejected with code 30235.
const BewerberStatusZurLoeschung = "zur_Loeschung_vorgemerkt"

// ---- Bewerbungen ----

// Dokumentreferenz points at a Dokument fetched with abrufenDokumenteDurchHS.
type Dokumentreferenz struct {
	DokumentID string `xml:"dokumentId" json:"DokumentID"`
	Dateiname  string `xml:"dateiname,omitempty" json:"Dateiname"`
	MimeType   string `xml:"mimeType,omitempty" json:"MimeType"`
}

// Bewerbungsbestandteil is one field of an application form: a value or a
// document.
type Bewerbungsbestandteil struct {
	FeldangabeSchluessel string            `xml:"feldangabeSchluessel" json:"FeldangabeSchluessel"`
	NameDe               string            `xml:"nameDe,omitempty" json:"NameDe"`
	Wert                 string            `xml:"wert,omitempty" json:"Wert"`
	Dokument             *Dokumentreferenz `xml:"dokument,omitempty" json:"Dokument"`
}

// Bescheid is a decision letter.
type Bescheid struct {
	Bescheidart string            `xml:"bescheidart" json:"Bescheidart"`
	ErstelltAm  Timestamp         `xml:"erstelltAm,omitempty" json:"ErstelltAm"`
	Dokument    *Dokumentreferenz `xml:"dokument,omitempty" json:"Dokument"`
}

// Einfachstudienangebotsbewerbung is an application for an
// Einfachstudienangebot.
type Einfachstudienangebotsbewerbung struct {
	EingangsZeitpunkt         Timestamp                        `xml:"eingangsZeitpunkt" json:"EingangsZeitpunkt"`
	Bearbeitungsstatus        string                           `xml:"bearbeitungsstatus" json:"Bearbeitungsstatus"`
	VersionSeSt               int                              `xml:"versionSeSt,omitempty" json:"VersionSeSt"`
	BewerberBAN               string                           `xml:"bewerberBAN,omitempty" json:"BewerberBAN"`
	BewerberEmailAdresse      string                           `xml:"bewerberEmailAdresse,omitempty" json:"BewerberEmailAdresse"`
	BewerberID                string                           `xml:"bewerberId" json:"BewerberID"`
	Studienangebot            EinfachstudienangebotsSchluessel `xml:"einfachstudienangebotsSchluessel" json:"Studienangebot"`
	OrtDesEingangs            string                           `xml:"ortDesEingangs,omitempty" json:"OrtDesEingangs"`
	Aktivitaetsstatus         string                           `xml:"aktivitaetsstatus,omitempty" json:"Aktivitaetsstatus"`
	Papierantragstatus        string                           `xml:"papierantragstatus,omitempty" json:"Papierantragstatus"`
	LetzteAenderung           Timestamp                        `xml:"letzteAenderung,omitempty" json:"LetzteAenderung"`
	Statusanmerkung           string                           `xml:"statusanmerkung,omitempty" json:"Statusanmerkung"`
	Sonderantragsentscheidung string                           `xml:"sonderantragsentscheidung,omitempty" json:"Sonderantragsentscheidung"`
	Bestandteil               []Bewerbungsbestandteil          `xml:"bestandteil" json:"Bestandteil"`
	Bescheid                  []Bescheid                       `xml:"bescheid" json:"Bescheid"`
}

// Teilfachbewerbung is the part of a Mehrfachstudienangebotsbewerbung for
// one Teilfach.
type Teilfachbewerbung struct {
	EingangsZeitpunkt         Timestamp                         `xml:"eingangsZeitpunkt" json:"EingangsZeitpunkt"`
	Bearbeitungsstatus        string                            `xml:"bearbeitungsstatus" json:"Bearbeitungsstatus"`
	VersionSeSt               int                               `xml:"versionSeSt,omitempty" json:"VersionSeSt"`
	Studienangebot            EinfachstudienangebotsSchluessel  `xml:"einfachstudienangebotsSchluessel" json:"Studienangebot"`
	HauptfachSchluessel       *EinfachstudienangebotsSchluessel `xml:"hauptfachSchluessel,omitempty" json:"HauptfachSchluessel"`
	ErsatzfachSchluessel      *EinfachstudienangebotsSchluessel `xml:"ersatzfachSchluessel,omitempty" json:"ErsatzfachSchluessel"`
	IstErsatzfachAkzeptabel   bool                              `xml:"istErsatzfachAkzeptabel" json:"IstErsatzfachAkzeptabel"`
	IstFachwechsel            bool                              `xml:"istFachwechsel" json:"IstFachwechsel"`
	Aktivitaetsstatus         string                            `xml:"aktivitaetsstatus,omitempty" json:"Aktivitaetsstatus"`
	LetzteAenderung           Timestamp                         `xml:"letzteAenderung,omitempty" json:"LetzteAenderung"`
	Statusanmerkung           string                            `xml:"statusanmerkung,omitempty" json:"Statusanmerkung"`
	Sonderantragsentscheidung string                            `xml:"sonderantragsentscheidung,omitempty" json:"Sonderantragsentscheidung"`
}

// Mehrfachstudienangebotsbewerbung is an application for a combination of
// Teilfächer under one Mehrfachabschluss.
type Mehrfachstudienangebotsbewerbung struct {
	EingangsZeitpunkt         Timestamp                         `xml:"eingangsZeitpunkt" json:"EingangsZeitpunkt"`
	Bearbeitungsstatus        string                            `xml:"bearbeitungsstatus" json:"Bearbeitungsstatus"`
	VersionSeSt               int                               `xml:"versionSeSt,omitempty" json:"VersionSeSt"`
	BewerberBAN               string                            `xml:"bewerberBAN,omitempty" json:"BewerberBAN"`
	BewerberEmailAdresse      string                            `xml:"bewerberEmailAdresse,omitempty" json:"BewerberEmailAdresse"`
	BewerberID                string                            `xml:"bewerberId" json:"BewerberID"`
	Studienangebot            MehrfachstudienangebotsSchluessel `xml:"mehrfachstudienangebotsSchluessel" json:"Studienangebot"`
	OrtDesEingangs            string                            `xml:"ortDesEingangs,omitempty" json:"OrtDesEingangs"`
	Aktivitaetsstatus         string                            `xml:"aktivitaetsstatus,omitempty" json:"Aktivitaetsstatus"`
	Papierantragstatus        string                            `xml:"papierantragstatus,omitempty" json:"Papierantragstatus"`
	LetzteAenderung           Timestamp                         `xml:"letzteAenderung,omitempty" json:"LetzteAenderung"`
	Statusanmerkung           string                            `xml:"statusanmerkung,omitempty" json:"Statusanmerkung"`
	Sonderantragsentscheidung string                            `xml:"sonderantragsentscheidung,omitempty" json:"Sonderantragsentscheidung"`
	Teilfachbewerbung         []Teilfachbewerbung               `xml:"teilfachbewerbung" json:"Teilfachbewerbung"`
	Bestandteil               []Bewerbungsbestandteil           `xml:"bestandteil" json:"Bestandteil"`
	Bescheid                  []Bescheid                        `xml:"bescheid" json:"Bescheid"`
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
	Einfach  *Einfachstudienangebotsbewerbung  `xml:"einfachstudienangebotsbewerbung,omitempty" json:"Einfach"`
	Mehrfach *Mehrfachstudienangebotsbewerbung `xml:"mehrfachstudienangebotsbewerbung,omitempty" json:"Mehrfach"`
}

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
	BewerberID     string                           `xml:"bewerberId" json:"BewerberID"`
	Studienangebot EinfachstudienangebotsSchluessel `xml:"einfachstudienangebotsSchluessel" json:"Studienangebot"`
}

// MehrfachstudienangebotsbewerbungsSchluessel identifies a
// Mehrfachstudienangebotsbewerbung: applicant, Abschluss, Hauptfächer.
type MehrfachstudienangebotsbewerbungsSchluessel struct {
	BewerberID          string                             `xml:"bewerberId" json:"BewerberID"`
	AbschlussSchluessel string                             `xml:"abschlussSchluessel" json:"AbschlussSchluessel"`
	HauptfachSchluessel []EinfachstudienangebotsSchluessel `xml:"hauptfachSchluessel" json:"HauptfachSchluessel"`
}

// BewerbungsSchluessel is the key of either kind of Bewerbung.
type BewerbungsSchluessel struct {
	Einfach  *EinfachstudienangebotsbewerbungsSchluessel  `xml:"einfachstudienangebotsbewerbungsSchluessel,omitempty" json:"Einfach"`
	Mehrfach *MehrfachstudienangebotsbewerbungsSchluessel `xml:"mehrfachstudienangebotsbewerbungsSchluessel,omitempty" json:"Mehrfach"`
}

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
	Zaehler int `xml:"zaehler" json:"Zaehler"`
	Nenner  int `xml:"nenner" json:"Nenner"`
}

// Paketbestandteil is one Studienangebot in a Studienpaket.
type Paketbestandteil struct {
	Studienangebot      EinfachstudienangebotsSchluessel `xml:"einfachstudienangebotsSchluessel" json:"Studienangebot"`
	Bewerberplatzbedarf Bewerberplatzbedarf              `xml:"bewerberplatzbedarf" json:"Bewerberplatzbedarf"`
}

// Studienpaket bundles Studienangebote that share places and Ranglisten.
type Studienpaket struct {
	Schluessel       string             `xml:"schluessel" json:"Schluessel"`
	NameDe           string             `xml:"nameDe" json:"NameDe"`
	Kapazitaet       int                `xml:"kapazitaet" json:"Kapazitaet"`
	Paketbestandteil []Paketbestandteil `xml:"paketbestandteil" json:"Paketbestandteil"`
}

// Binnenquotenklausel configures an inner quota.
type Binnenquotenklausel struct {
	Binnenquotenkennung          string `xml:"binnenquotenkennung" json:"Binnenquotenkennung"`
	IstBinnenquotendachrangliste bool   `xml:"istBinnenquotendachrangliste" json:"IstBinnenquotendachrangliste"`
}

// Mindestplatzklausel sets a minimum capacity.
type Mindestplatzklausel struct {
	Grenzkapazitaet int `xml:"grenzkapazitaet" json:"Grenzkapazitaet"`
}

// Unterbelegungsklausel passes unused places on to an Ebene or a Rangliste
// type (set one of the two).
type Unterbelegungsklausel struct {
	PlatzuebergabeEbene         string `xml:"platzuebergabeEbene,omitempty" json:"PlatzuebergabeEbene"`
	PlatzuebergabeRanglistentyp string `xml:"platzuebergabeRanglistentyp,omitempty" json:"PlatzuebergabeRanglistentyp"`
}

// Klauseln are the optional clauses of a Rangliste. A flag clause is set
// when true; a configured clause when non-nil.
type Klauseln struct {
	Binnenquotenklausel   *Binnenquotenklausel   `xml:"binnenquotenklausel,omitempty" json:"Binnenquotenklausel"`
	Mindestplatzklausel   *Mindestplatzklausel   `xml:"mindestplatzklausel,omitempty" json:"Mindestplatzklausel"`
	Limitierungsklausel   bool                   `xml:"limitierungsklausel,omitempty" json:"Limitierungsklausel"`
	Unterbelegungsklausel *Unterbelegungsklausel `xml:"unterbelegungsklausel,omitempty" json:"Unterbelegungsklausel"`
	Nichtauffuellklausel  bool                   `xml:"nichtauffuellklausel,omitempty" json:"Nichtauffuellklausel"`
}

// Kopfdaten configure a Rangliste. Exactly one of PlaetzeProzentual and
// PlaetzeAbsolut is set.
type Kopfdaten struct {
	Abarbeitungsposition       int       `xml:"abarbeitungsposition" json:"Abarbeitungsposition"`
	PlaetzeProzentual          *float64  `xml:"plaetzeProzentual,omitempty" json:"PlaetzeProzentual"`
	PlaetzeAbsolut             *int      `xml:"plaetzeAbsolut,omitempty" json:"PlaetzeAbsolut"`
	IstVorwegzulasserrangliste bool      `xml:"istVorwegzulasserrangliste" json:"IstVorwegzulasserrangliste"`
	IstChancenrangliste        bool      `xml:"istChancenrangliste" json:"IstChancenrangliste"`
	Klauseln                   *Klauseln `xml:"klauseln,omitempty" json:"Klauseln"`
}

// Ranglisteneintrag is one ranked applicant; Rang starts at 1.
type Ranglisteneintrag struct {
	Rang       int    `xml:"rang" json:"Rang"`
	BewerberID string `xml:"bewerberId" json:"BewerberID"`
}

// Rangliste is a ranking list. Without Kopfdaten the Servicestelle keeps
// the stored ones ("Kopfdaten beibehalten"). Ebene is Vorabquoten,
// geminderte_Vorabquoten or Hauptquoten; Status eingerichtet, befuellt or
// freigegeben.
type Rangliste struct {
	Schluessel             string              `xml:"schluessel" json:"Schluessel"`
	StudienpaketSchluessel string              `xml:"studienpaketSchluessel" json:"StudienpaketSchluessel"`
	NameDe                 string              `xml:"nameDe,omitempty" json:"NameDe"`
	NameEn                 string              `xml:"nameEn,omitempty" json:"NameEn"`
	Ebene                  string              `xml:"ebene" json:"Ebene"`
	Status                 string              `xml:"status" json:"Status"`
	Statusanmerkung        string              `xml:"statusanmerkung,omitempty" json:"Statusanmerkung"`
	Kopfdaten              *Kopfdaten          `xml:"kopfdaten,omitempty" json:"Kopfdaten"`
	Eintrag                []Ranglisteneintrag `xml:"eintrag" json:"Eintrag"`
}

// Ranglistenstatus is the state of a Rangliste at the Servicestelle.
type Ranglistenstatus struct {
	RanglistenSchluessel   string    `xml:"ranglistenSchluessel" json:"RanglistenSchluessel"`
	StudienpaketSchluessel string    `xml:"studienpaketSchluessel" json:"StudienpaketSchluessel"`
	Status                 string    `xml:"status" json:"Status"`
	Statusanmerkung        string    `xml:"statusanmerkung,omitempty" json:"Statusanmerkung"`
	AnzahlEintraege        int       `xml:"anzahlEintraege" json:"AnzahlEintraege"`
	LetzteAenderung        Timestamp `xml:"letzteAenderung,omitempty" json:"LetzteAenderung"`
}

// ---- Dokumente ----

// Dokument is a file attached to a Bewerbung or Bescheid. Dateiname comes
// from the applicant and must be treated as hostile (path traversal).
type Dokument struct {
	DokumentID  string       `xml:"dokumentId" json:"DokumentID"`
	BewerberID  string       `xml:"bewerberId,omitempty" json:"BewerberID"`
	Dateiname   string       `xml:"dateiname" json:"Dateiname"`
	Dateiendung string       `xml:"dateiendung,omitempty" json:"Dateiendung"`
	MimeType    string       `xml:"mimeType,omitempty" json:"MimeType"`
	Inhalt      Base64Binary `xml:"inhalt" json:"Inhalt"`
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
	ErgebnisStatus      string `xml:"ergebnisStatus" json:"ErgebnisStatus"`
	GrundZurueckweisung string `xml:"grundZurueckweisung,omitempty" json:"GrundZurueckweisung"`
	Code                int    `xml:"-" json:"Code"`
}

// Rejected reports whether the item was zurueckgewiesen.
func (e Ergebnis) Rejected() bool { return e.ErgebnisStatus == ErgebnisZurueckgewiesen }

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
	Schluessel  BewerbungsSchluessel `xml:"bewerbungsSchluessel" json:"Schluessel"`
	VersionSeSt int                  `xml:"versionSeSt,omitempty" json:"VersionSeSt"`
	Key         string               `xml:"-" json:"Key"`
}

// StudienangebotErgebnis is the result for one sent Studienangebot.
type StudienangebotErgebnis struct {
	Ergebnis
	Schluessel StudienangebotsSchluessel `xml:"studienangebotsSchluessel" json:"Schluessel"`
	Key        string                    `xml:"-" json:"Key"`
}

// StudienpaketErgebnis is the result for one Studienpaket (also for
// ausloesenFruehzeitigerZulassungsangeboteDurchHS).
type StudienpaketErgebnis struct {
	Ergebnis
	StudienpaketSchluessel string `xml:"studienpaketSchluessel" json:"StudienpaketSchluessel"`
}

// RanglisteErgebnis is the result for one sent Rangliste.
type RanglisteErgebnis struct {
	Ergebnis
	RanglistenSchluessel string `xml:"ranglistenSchluessel" json:"RanglistenSchluessel"`
}
