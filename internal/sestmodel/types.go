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
// Stored JSON keys: see "Stored JSON" in the package documentation.
//
import (
	"sort"
	"strconv"
	"strings"
)

// Kontext is the context block every request starts with.
type Kontext struct {
	Version                int              `xml:"version" json:"version"`
	Hochschulnummer        string           `xml:"hochschulnummer" json:"hochschulnummer"`
	Serviceverfahren       Serviceverfahren `xml:"serviceverfahren" json:"serviceverfahren"`
	VermittlungsprozessTyp string           `xml:"vermittlungsprozessTyp" json:"vermittlungsprozess_typ"`
}

// Serviceverfahren names the admission round: year and semester (WS or SS).
type Serviceverfahren struct {
	Jahr     int    `xml:"jahr" json:"jahr"`
	Semester string `xml:"semester" json:"semester"`
}

// Schluesselwert is a key with its German name (Abschluss, Studienfach,
// Land, Staatsangehörigkeit, ...).
type Schluesselwert struct {
	Schluessel string `xml:"schluessel" json:"schluessel"`
	NameDe     string `xml:"nameDe,omitempty" json:"name_de"`
}

// ---- Studienangebote ----

// EinfachstudienangebotsSchluessel identifies an Einfachstudienangebot (and a
// Teilfach). StudiengangSchluessel is the atomic key
// `<abschluss>-<fach>[-<fkz>]` and the only one to identify it by; the
// compound parts travel alongside.
type EinfachstudienangebotsSchluessel struct {
	StudiengangSchluessel     string `xml:"studiengangSchluessel" json:"studiengang_schluessel"`
	AbschlussSchluessel       string `xml:"abschlussSchluessel" json:"abschluss_schluessel"`
	StudienfachSchluessel     string `xml:"studienfachSchluessel" json:"studienfach_schluessel"`
	FachkennzeichenSchluessel string `xml:"fachkennzeichenSchluessel,omitempty" json:"fachkennzeichen_schluessel"`
}

// MehrfachstudienangebotsSchluessel identifies a Mehrfachstudienangebot by
// its (Mehrfach-)Abschluss.
type MehrfachstudienangebotsSchluessel struct {
	AbschlussSchluessel string `xml:"abschlussSchluessel" json:"abschluss_schluessel"`
}

// StudienangebotsSchluessel is the key of either kind of Studienangebot.
type StudienangebotsSchluessel struct {
	Einfach  *EinfachstudienangebotsSchluessel  `xml:"einfachstudienangebotsSchluessel,omitempty" json:"einfach"`
	Mehrfach *MehrfachstudienangebotsSchluessel `xml:"mehrfachstudienangebotsSchluessel,omitempty" json:"mehrfach"`
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
	Schluessel       string          `xml:"schluessel" json:"schluessel"`
	NameDe           string          `xml:"nameDe" json:"name_de"`
	IstNCStudiengang bool            `xml:"istNCStudiengang" json:"ist_nc_studiengang"`
	Abschluss        Schluesselwert  `xml:"abschluss" json:"abschluss"`
	Studienfach      Schluesselwert  `xml:"studienfach" json:"studienfach"`
	Fachkennzeichen  *Schluesselwert `xml:"fachkennzeichen,omitempty" json:"fachkennzeichen"`
}

// Koordinierungsangebotsdaten are the application period and portal.
type Koordinierungsangebotsdaten struct {
	AnfangBewerbungsfrist Timestamp `xml:"anfangBewerbungsfrist" json:"anfang_bewerbungsfrist"`
	EndeBewerbungsfrist   Timestamp `xml:"endeBewerbungsfrist" json:"ende_bewerbungsfrist"`
	URLHSBewerbungsportal string    `xml:"urlHSBewerbungsportal,omitempty" json:"url_hs_bewerbungsportal"`
}

// Einfachstudienangebot is a single-subject programme offer.
type Einfachstudienangebot struct {
	Schluessel                  EinfachstudienangebotsSchluessel `xml:"schluessel" json:"schluessel"`
	Status                      string                           `xml:"status" json:"status"` // in_Vorbereitung, oeffentlich_sichtbar
	NameDe                      string                           `xml:"nameDe" json:"name_de"`
	BeschreibungDe              string                           `xml:"beschreibungDe,omitempty" json:"beschreibung_de"`
	Koordinierungsangebotsdaten *Koordinierungsangebotsdaten     `xml:"koordinierungsangebotsdaten,omitempty" json:"koordinierungsangebotsdaten"`
	Integrationseinstellungen   string                           `xml:"integrationseinstellungen,omitempty" json:"integrationseinstellungen"`
	Studiengang                 Studiengang                      `xml:"studiengang" json:"studiengang"`
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
	Art                         string                             `xml:"-" json:"art"`
	Schluessel                  MehrfachstudienangebotsSchluessel  `xml:"schluessel" json:"schluessel"`
	Status                      string                             `xml:"status" json:"status"`
	NameDe                      string                             `xml:"nameDe" json:"name_de"`
	BeschreibungDe              string                             `xml:"beschreibungDe,omitempty" json:"beschreibung_de"`
	Koordinierungsangebotsdaten *Koordinierungsangebotsdaten       `xml:"koordinierungsangebotsdaten,omitempty" json:"koordinierungsangebotsdaten"`
	Abschluss                   Schluesselwert                     `xml:"abschluss" json:"abschluss"`
	Teilstudienangebot          []EinfachstudienangebotsSchluessel `xml:"teilstudienangebot" json:"teilstudienangebot"`
	// Kombination lists the allowed combinations of an
	// ExpliziteStudiengangskombination (only there).
	Kombination []Studiengangskombination `xml:"kombination" xsdonly:"ExpliziteStudiengangskombination" json:"kombination"`
}

// Studiengangskombination is one allowed combination of Teilfächer in an
// ExpliziteStudiengangskombination.
type Studiengangskombination struct {
	Teilstudienangebot []EinfachstudienangebotsSchluessel `xml:"teilstudienangebot" json:"teilstudienangebot"`
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
	Einfach  *Einfachstudienangebot  `xml:"einfachstudienangebot,omitempty" json:"einfach"`
	Mehrfach *Mehrfachstudienangebot `xml:"mehrfachstudienangebot,omitempty" json:"mehrfach"`
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
	CareOf                    string         `xml:"careOf,omitempty" json:"care_of"`
	StrasseHausNrOderPostfach string         `xml:"strasseHausNrOderPostfach" json:"strasse_haus_nr_oder_postfach"`
	Plz                       string         `xml:"plz" json:"plz"`
	Ort                       string         `xml:"ort" json:"ort"`
	Land                      Schluesselwert `xml:"land" json:"land"`
	Region                    string         `xml:"region,omitempty" json:"region"`
}

// Bewerber is an applicant's Stammdaten. Status is e.g. "aktiv" or
// BewerberStatusZurLoeschung.
type Bewerber struct {
	Status                             string          `xml:"status" json:"status"`
	Anrede                             string          `xml:"anrede,omitempty" json:"anrede"`
	Vorname                            string          `xml:"vorname" json:"vorname"`
	WeitereVornamen                    string          `xml:"weitereVornamen,omitempty" json:"weitere_vornamen"`
	Nachname                           string          `xml:"nachname" json:"nachname"`
	EmailAdresse                       string          `xml:"emailAdresse,omitempty" json:"email_adresse"`
	Telefonnummer                      string          `xml:"telefonnummer,omitempty" json:"telefonnummer"`
	Mobilnummer                        string          `xml:"mobilnummer,omitempty" json:"mobilnummer"`
	ID                                 string          `xml:"id" json:"id"`
	HatVerfahrensrichtlinienZugestimmt bool            `xml:"hatVerfahrensrichtlinienZugestimmt" json:"hat_verfahrensrichtlinien_zugestimmt"`
	Geburtsname                        string          `xml:"geburtsname,omitempty" json:"geburtsname"`
	Geburtsdatum                       string          `xml:"geburtsdatum,omitempty" xsd:"date" json:"geburtsdatum"` // YYYY-MM-DD
	Geburtsort                         string          `xml:"geburtsort,omitempty" json:"geburtsort"`
	Staatsangehoerigkeit               *Schluesselwert `xml:"staatsangehoerigkeit,omitempty" json:"staatsangehoerigkeit"`
	Postanschrift                      Postanschrift   `xml:"postanschrift" json:"postanschrift"`
	LetzteAenderung                    Timestamp       `xml:"letzteAenderung,omitempty" json:"letzte_aenderung"`
}

// BewerberStatusZurLoeschung is the Bewerber status of an account marked for
// deletion; Bewerbungen of such an applicant are rejected with code 30235.
const BewerberStatusZurLoeschung = "zur_Loeschung_vorgemerkt"

// ---- Bewerbungen ----

// Dokumentreferenz points at a Dokument fetched with abrufenDokumenteDurchHS.
type Dokumentreferenz struct {
	DokumentID string `xml:"dokumentId" json:"dokument_id"`
	Dateiname  string `xml:"dateiname,omitempty" json:"dateiname"`
	MimeType   string `xml:"mimeType,omitempty" json:"mime_type"`
}

// Bewerbungsbestandteil is one field of an application form: a value or a
// document.
type Bewerbungsbestandteil struct {
	FeldangabeSchluessel string            `xml:"feldangabeSchluessel" json:"feldangabe_schluessel"`
	NameDe               string            `xml:"nameDe,omitempty" json:"name_de"`
	Wert                 string            `xml:"wert,omitempty" json:"wert"`
	Dokument             *Dokumentreferenz `xml:"dokument,omitempty" json:"dokument"`
}

// Bescheid is a decision letter.
type Bescheid struct {
	Bescheidart string            `xml:"bescheidart" json:"bescheidart"`
	ErstelltAm  Timestamp         `xml:"erstelltAm,omitempty" json:"erstellt_am"`
	Dokument    *Dokumentreferenz `xml:"dokument,omitempty" json:"dokument"`
}

// Einfachstudienangebotsbewerbung is an application for an
// Einfachstudienangebot.
type Einfachstudienangebotsbewerbung struct {
	EingangsZeitpunkt         Timestamp                        `xml:"eingangsZeitpunkt" json:"eingangs_zeitpunkt"`
	Bearbeitungsstatus        string                           `xml:"bearbeitungsstatus" json:"bearbeitungsstatus"`
	VersionSeSt               int                              `xml:"versionSeSt,omitempty" json:"version_sest"`
	BewerberBAN               string                           `xml:"bewerberBAN,omitempty" json:"bewerber_ban"`
	BewerberEmailAdresse      string                           `xml:"bewerberEmailAdresse,omitempty" json:"bewerber_email_adresse"`
	BewerberID                string                           `xml:"bewerberId" json:"bewerber_id"`
	Studienangebot            EinfachstudienangebotsSchluessel `xml:"einfachstudienangebotsSchluessel" json:"studienangebot"`
	OrtDesEingangs            string                           `xml:"ortDesEingangs,omitempty" json:"ort_des_eingangs"`
	Aktivitaetsstatus         string                           `xml:"aktivitaetsstatus,omitempty" json:"aktivitaetsstatus"`
	Papierantragstatus        string                           `xml:"papierantragstatus,omitempty" json:"papierantragstatus"`
	LetzteAenderung           Timestamp                        `xml:"letzteAenderung,omitempty" json:"letzte_aenderung"`
	Statusanmerkung           string                           `xml:"statusanmerkung,omitempty" json:"statusanmerkung"`
	Sonderantragsentscheidung string                           `xml:"sonderantragsentscheidung,omitempty" json:"sonderantragsentscheidung"`
	Bestandteil               []Bewerbungsbestandteil          `xml:"bestandteil" json:"bestandteil"`
	Bescheid                  []Bescheid                       `xml:"bescheid" json:"bescheid"`
}

// Teilfachbewerbung is the part of a Mehrfachstudienangebotsbewerbung for
// one Teilfach.
type Teilfachbewerbung struct {
	EingangsZeitpunkt         Timestamp                         `xml:"eingangsZeitpunkt" json:"eingangs_zeitpunkt"`
	Bearbeitungsstatus        string                            `xml:"bearbeitungsstatus" json:"bearbeitungsstatus"`
	VersionSeSt               int                               `xml:"versionSeSt,omitempty" json:"version_sest"`
	Studienangebot            EinfachstudienangebotsSchluessel  `xml:"einfachstudienangebotsSchluessel" json:"studienangebot"`
	HauptfachSchluessel       *EinfachstudienangebotsSchluessel `xml:"hauptfachSchluessel,omitempty" json:"hauptfach_schluessel"`
	ErsatzfachSchluessel      *EinfachstudienangebotsSchluessel `xml:"ersatzfachSchluessel,omitempty" json:"ersatzfach_schluessel"`
	IstErsatzfachAkzeptabel   bool                              `xml:"istErsatzfachAkzeptabel" json:"ist_ersatzfach_akzeptabel"`
	IstFachwechsel            bool                              `xml:"istFachwechsel" json:"ist_fachwechsel"`
	Aktivitaetsstatus         string                            `xml:"aktivitaetsstatus,omitempty" json:"aktivitaetsstatus"`
	LetzteAenderung           Timestamp                         `xml:"letzteAenderung,omitempty" json:"letzte_aenderung"`
	Statusanmerkung           string                            `xml:"statusanmerkung,omitempty" json:"statusanmerkung"`
	Sonderantragsentscheidung string                            `xml:"sonderantragsentscheidung,omitempty" json:"sonderantragsentscheidung"`
}

// Mehrfachstudienangebotsbewerbung is an application for a combination of
// Teilfächer under one Mehrfachabschluss.
type Mehrfachstudienangebotsbewerbung struct {
	EingangsZeitpunkt         Timestamp                         `xml:"eingangsZeitpunkt" json:"eingangs_zeitpunkt"`
	Bearbeitungsstatus        string                            `xml:"bearbeitungsstatus" json:"bearbeitungsstatus"`
	VersionSeSt               int                               `xml:"versionSeSt,omitempty" json:"version_sest"`
	BewerberBAN               string                            `xml:"bewerberBAN,omitempty" json:"bewerber_ban"`
	BewerberEmailAdresse      string                            `xml:"bewerberEmailAdresse,omitempty" json:"bewerber_email_adresse"`
	BewerberID                string                            `xml:"bewerberId" json:"bewerber_id"`
	Studienangebot            MehrfachstudienangebotsSchluessel `xml:"mehrfachstudienangebotsSchluessel" json:"studienangebot"`
	OrtDesEingangs            string                            `xml:"ortDesEingangs,omitempty" json:"ort_des_eingangs"`
	Aktivitaetsstatus         string                            `xml:"aktivitaetsstatus,omitempty" json:"aktivitaetsstatus"`
	Papierantragstatus        string                            `xml:"papierantragstatus,omitempty" json:"papierantragstatus"`
	LetzteAenderung           Timestamp                         `xml:"letzteAenderung,omitempty" json:"letzte_aenderung"`
	Statusanmerkung           string                            `xml:"statusanmerkung,omitempty" json:"statusanmerkung"`
	Sonderantragsentscheidung string                            `xml:"sonderantragsentscheidung,omitempty" json:"sonderantragsentscheidung"`
	Teilfachbewerbung         []Teilfachbewerbung               `xml:"teilfachbewerbung" json:"teilfachbewerbung"`
	Bestandteil               []Bewerbungsbestandteil           `xml:"bestandteil" json:"bestandteil"`
	Bescheid                  []Bescheid                        `xml:"bescheid" json:"bescheid"`
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
	Einfach  *Einfachstudienangebotsbewerbung  `xml:"einfachstudienangebotsbewerbung,omitempty" json:"einfach"`
	Mehrfach *Mehrfachstudienangebotsbewerbung `xml:"mehrfachstudienangebotsbewerbung,omitempty" json:"mehrfach"`
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
	BewerberID     string                           `xml:"bewerberId" json:"bewerber_id"`
	Studienangebot EinfachstudienangebotsSchluessel `xml:"einfachstudienangebotsSchluessel" json:"studienangebot"`
}

// MehrfachstudienangebotsbewerbungsSchluessel identifies a
// Mehrfachstudienangebotsbewerbung: applicant, Abschluss, Hauptfächer.
type MehrfachstudienangebotsbewerbungsSchluessel struct {
	BewerberID          string                             `xml:"bewerberId" json:"bewerber_id"`
	AbschlussSchluessel string                             `xml:"abschlussSchluessel" json:"abschluss_schluessel"`
	HauptfachSchluessel []EinfachstudienangebotsSchluessel `xml:"hauptfachSchluessel" json:"hauptfach_schluessel"`
}

// BewerbungsSchluessel is the key of either kind of Bewerbung.
type BewerbungsSchluessel struct {
	Einfach  *EinfachstudienangebotsbewerbungsSchluessel  `xml:"einfachstudienangebotsbewerbungsSchluessel,omitempty" json:"einfach"`
	Mehrfach *MehrfachstudienangebotsbewerbungsSchluessel `xml:"mehrfachstudienangebotsbewerbungsSchluessel,omitempty" json:"mehrfach"`
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
	Zaehler int `xml:"zaehler" json:"zaehler"`
	Nenner  int `xml:"nenner" json:"nenner"`
}

// Paketbestandteil is one Studienangebot in a Studienpaket.
type Paketbestandteil struct {
	Studienangebot      EinfachstudienangebotsSchluessel `xml:"einfachstudienangebotsSchluessel" json:"studienangebot"`
	Bewerberplatzbedarf Bewerberplatzbedarf              `xml:"bewerberplatzbedarf" json:"bewerberplatzbedarf"`
}

// Studienpaket bundles Studienangebote that share places and Ranglisten.
type Studienpaket struct {
	Schluessel       string             `xml:"schluessel" json:"schluessel"`
	NameDe           string             `xml:"nameDe" json:"name_de"`
	Kapazitaet       int                `xml:"kapazitaet" json:"kapazitaet"`
	Paketbestandteil []Paketbestandteil `xml:"paketbestandteil" json:"paketbestandteil"`
}

// Binnenquotenklausel configures an inner quota.
type Binnenquotenklausel struct {
	Binnenquotenkennung          string `xml:"binnenquotenkennung" json:"binnenquotenkennung"`
	IstBinnenquotendachrangliste bool   `xml:"istBinnenquotendachrangliste" json:"ist_binnenquotendachrangliste"`
}

// Mindestplatzklausel sets a minimum capacity.
type Mindestplatzklausel struct {
	Grenzkapazitaet int `xml:"grenzkapazitaet" json:"grenzkapazitaet"`
}

// Unterbelegungsklausel passes unused places on to an Ebene or a Rangliste
// type (set one of the two).
type Unterbelegungsklausel struct {
	PlatzuebergabeEbene         string `xml:"platzuebergabeEbene,omitempty" json:"platzuebergabe_ebene"`
	PlatzuebergabeRanglistentyp string `xml:"platzuebergabeRanglistentyp,omitempty" json:"platzuebergabe_ranglistentyp"`
}

// Klauseln are the optional clauses of a Rangliste. A flag clause is set
// when true; a configured clause when non-nil.
type Klauseln struct {
	Binnenquotenklausel   *Binnenquotenklausel   `xml:"binnenquotenklausel,omitempty" json:"binnenquotenklausel"`
	Mindestplatzklausel   *Mindestplatzklausel   `xml:"mindestplatzklausel,omitempty" json:"mindestplatzklausel"`
	Limitierungsklausel   bool                   `xml:"limitierungsklausel,omitempty" json:"limitierungsklausel"`
	Unterbelegungsklausel *Unterbelegungsklausel `xml:"unterbelegungsklausel,omitempty" json:"unterbelegungsklausel"`
	Nichtauffuellklausel  bool                   `xml:"nichtauffuellklausel,omitempty" json:"nichtauffuellklausel"`
}

// Kopfdaten configure a Rangliste. Exactly one of PlaetzeProzentual and
// PlaetzeAbsolut is set.
type Kopfdaten struct {
	Abarbeitungsposition       int       `xml:"abarbeitungsposition" json:"abarbeitungsposition"`
	PlaetzeProzentual          *float64  `xml:"plaetzeProzentual,omitempty" json:"plaetze_prozentual"`
	PlaetzeAbsolut             *int      `xml:"plaetzeAbsolut,omitempty" json:"plaetze_absolut"`
	IstVorwegzulasserrangliste bool      `xml:"istVorwegzulasserrangliste" json:"ist_vorwegzulasserrangliste"`
	IstChancenrangliste        bool      `xml:"istChancenrangliste" json:"ist_chancenrangliste"`
	Klauseln                   *Klauseln `xml:"klauseln,omitempty" json:"klauseln"`
}

// Ranglisteneintrag is one ranked applicant; Rang starts at 1.
type Ranglisteneintrag struct {
	Rang       int    `xml:"rang" json:"rang"`
	BewerberID string `xml:"bewerberId" json:"bewerber_id"`
}

// Rangliste is a ranking list. Without Kopfdaten the Servicestelle keeps
// the stored ones ("Kopfdaten beibehalten"). Ebene is Vorabquoten,
// geminderte_Vorabquoten or Hauptquoten; Status eingerichtet, befuellt or
// freigegeben.
type Rangliste struct {
	Schluessel             string              `xml:"schluessel" json:"schluessel"`
	StudienpaketSchluessel string              `xml:"studienpaketSchluessel" json:"studienpaket_schluessel"`
	NameDe                 string              `xml:"nameDe,omitempty" json:"name_de"`
	NameEn                 string              `xml:"nameEn,omitempty" json:"name_en"`
	Ebene                  string              `xml:"ebene" json:"ebene"`
	Status                 string              `xml:"status" json:"status"`
	Statusanmerkung        string              `xml:"statusanmerkung,omitempty" json:"statusanmerkung"`
	Kopfdaten              *Kopfdaten          `xml:"kopfdaten,omitempty" json:"kopfdaten"`
	Eintrag                []Ranglisteneintrag `xml:"eintrag" json:"eintrag"`
}

// Ranglistenstatus is the state of a Rangliste at the Servicestelle.
type Ranglistenstatus struct {
	RanglistenSchluessel   string    `xml:"ranglistenSchluessel" json:"ranglisten_schluessel"`
	StudienpaketSchluessel string    `xml:"studienpaketSchluessel" json:"studienpaket_schluessel"`
	Status                 string    `xml:"status" json:"status"`
	Statusanmerkung        string    `xml:"statusanmerkung,omitempty" json:"statusanmerkung"`
	AnzahlEintraege        int       `xml:"anzahlEintraege" json:"anzahl_eintraege"`
	LetzteAenderung        Timestamp `xml:"letzteAenderung,omitempty" json:"letzte_aenderung"`
}

// ---- Dokumente ----

// Dokument is a file attached to a Bewerbung or Bescheid. Dateiname comes
// from the applicant and must be treated as hostile (path traversal).
type Dokument struct {
	DokumentID  string       `xml:"dokumentId" json:"dokument_id"`
	BewerberID  string       `xml:"bewerberId,omitempty" json:"bewerber_id"`
	Dateiname   string       `xml:"dateiname" json:"dateiname"`
	Dateiendung string       `xml:"dateiendung,omitempty" json:"dateiendung"`
	MimeType    string       `xml:"mimeType,omitempty" json:"mime_type"`
	Inhalt      Base64Binary `xml:"inhalt" json:"inhalt"`
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
	ErgebnisStatus      string `xml:"ergebnisStatus" json:"ergebnis_status"`
	GrundZurueckweisung string `xml:"grundZurueckweisung,omitempty" json:"grund_zurueckweisung"`
	Code                int    `xml:"-" json:"code"`
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
	Schluessel  BewerbungsSchluessel `xml:"bewerbungsSchluessel" json:"schluessel"`
	VersionSeSt int                  `xml:"versionSeSt,omitempty" json:"version_sest"`
	Key         string               `xml:"-" json:"key"`
}

// StudienangebotErgebnis is the result for one sent Studienangebot.
type StudienangebotErgebnis struct {
	Ergebnis
	Schluessel StudienangebotsSchluessel `xml:"studienangebotsSchluessel" json:"schluessel"`
	Key        string                    `xml:"-" json:"key"`
}

// StudienpaketErgebnis is the result for one Studienpaket (also for
// ausloesenFruehzeitigerZulassungsangeboteDurchHS).
type StudienpaketErgebnis struct {
	Ergebnis
	StudienpaketSchluessel string `xml:"studienpaketSchluessel" json:"studienpaket_schluessel"`
}

// RanglisteErgebnis is the result for one sent Rangliste.
type RanglisteErgebnis struct {
	Ergebnis
	RanglistenSchluessel string `xml:"ranglistenSchluessel" json:"ranglisten_schluessel"`
}
