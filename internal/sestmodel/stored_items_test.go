package sestmodel_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"sestd/internal/sestmodel"
)

func ts(s string) sestmodel.Timestamp {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return sestmodel.Timestamp{Time: t}
}

func esk(sg, ab, sf, fk string) sestmodel.EinfachstudienangebotsSchluessel {
	return sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: sg, AbschlussSchluessel: ab, StudienfachSchluessel: sf, FachkennzeichenSchluessel: fk}
}

// storedItems are one item of every shape the store keeps as JSON, with
// the file in testdata/stored_items that holds its expected JSON, written
// by hand (indented for reading; compared compact). An outbox item of kind
// bewerbung carries a Bewerbung as its payload (the two Bewerbung files).
func storedItems() []struct {
	file string
	item any
} {
	z2008 := esk("Z2-008", "Z2", "008", "")
	laD, laG := esk("LA-D", "LA", "D", ""), esk("LA-G", "LA", "G", "")
	return []struct {
		file string
		item any
	}{
		{"bewerbung_einfach.json", sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
			EingangsZeitpunkt: ts("2026-07-01T09:30:00Z"), Bearbeitungsstatus: "eingegangen", VersionSeSt: 3,
			BewerberBAN: "BAN-4711", BewerberEmailAdresse: "erika.muster@example.org", BewerberID: "B-1001",
			Studienangebot: esk("82-079-H", "82", "079", "H"), OrtDesEingangs: "Portal", Aktivitaetsstatus: "aktiv",
			LetzteAenderung: ts("2026-07-02T10:00:00Z"), Statusanmerkung: "Zeugnis fehlt",
			Bestandteil: []sestmodel.Bewerbungsbestandteil{
				{FeldangabeSchluessel: "hzb_note", NameDe: "HZB-Note", Wert: "1,7"},
				{FeldangabeSchluessel: "zeugnis", Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D-1", Dateiname: "zeugnis.pdf", MimeType: "application/pdf"}},
			},
		}}},
		{"bewerbung_mehrfach.json", sestmodel.Bewerbung{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{
			EingangsZeitpunkt: ts("2026-07-03T08:00:00Z"), Bearbeitungsstatus: "in_Bearbeitung", VersionSeSt: 5,
			BewerberEmailAdresse: "max@example.org", BewerberID: "B-1002",
			Studienangebot:    sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "Z2"},
			Aktivitaetsstatus: "aktiv", Papierantragstatus: "eingegangen", LetzteAenderung: ts("2026-07-04T12:15:30Z"),
			Sonderantragsentscheidung: "Haerteantrag_genehmigt",
			Teilfachbewerbung: []sestmodel.Teilfachbewerbung{
				{EingangsZeitpunkt: ts("2026-07-03T08:00:00Z"), Bearbeitungsstatus: "in_Bearbeitung", VersionSeSt: 2,
					Studienangebot: z2008, HauptfachSchluessel: &z2008, IstFachwechsel: true, Aktivitaetsstatus: "aktiv",
					LetzteAenderung: ts("2026-07-04T12:15:30Z"), Statusanmerkung: "Note fehlt"},
				{EingangsZeitpunkt: ts("2026-07-03T08:00:00Z"), Bearbeitungsstatus: "eingegangen", VersionSeSt: 1,
					Studienangebot: esk("Z2-068", "Z2", "068", ""), ErsatzfachSchluessel: ptr(esk("Z2-105", "Z2", "105", "")),
					IstErsatzfachAkzeptabel: true, Sonderantragsentscheidung: "Nachteilsausgleich_abgelehnt"},
			},
			Bescheid: []sestmodel.Bescheid{{Bescheidart: "Zulassungsbescheid", ErstelltAm: ts("2026-08-01T06:00:00Z"),
				Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D-9", Dateiname: "bescheid.pdf", MimeType: "application/pdf"}}},
		}}},
		{"bewerber.json", sestmodel.Bewerber{
			Status: "aktiv", Anrede: "Frau", Vorname: "Erika", WeitereVornamen: "Luise", Nachname: "Müller & Söhne",
			EmailAdresse: "erika.muster@example.org", Telefonnummer: "+49 30 1234", ID: "B-1001",
			HatVerfahrensrichtlinienZugestimmt: true, Geburtsname: "Muster", Geburtsdatum: "2005-04-03", Geburtsort: "Köln",
			Staatsangehoerigkeit: &sestmodel.Schluesselwert{Schluessel: "000", NameDe: "deutsch"},
			Postanschrift: sestmodel.Postanschrift{CareOf: "bei Schmidt", StrasseHausNrOderPostfach: "Hauptstraße 1", Plz: "10115",
				Ort: "Berlin", Land: sestmodel.Schluesselwert{Schluessel: "000", NameDe: "Deutschland"}},
			LetzteAenderung: ts("2026-06-30T23:59:59Z"),
		}},
		{"studienangebot_einfach.json", sestmodel.Studienangebot{Einfach: &sestmodel.Einfachstudienangebot{
			Schluessel: esk("82-079-H", "82", "079", "H"), Status: "oeffentlich_sichtbar", NameDe: "Informatik (Bachelor) <Hauptfach>",
			Koordinierungsangebotsdaten: &sestmodel.Koordinierungsangebotsdaten{AnfangBewerbungsfrist: ts("2026-05-01T00:00:00Z"),
				EndeBewerbungsfrist: ts("2026-07-15T23:59:59Z"), URLHSBewerbungsportal: "https://bewerbung.example.org/?a=1&b=2"},
			Studiengang: sestmodel.Studiengang{Schluessel: "82-079-H", NameDe: "Informatik", IstNCStudiengang: true,
				Abschluss:       sestmodel.Schluesselwert{Schluessel: "82", NameDe: "Bachelor"},
				Studienfach:     sestmodel.Schluesselwert{Schluessel: "079", NameDe: "Informatik"},
				Fachkennzeichen: &sestmodel.Schluesselwert{Schluessel: "H", NameDe: "Hauptfach"}},
		}}},
		{"studienangebot_mehrfach_frei.json", sestmodel.Studienangebot{Mehrfach: &sestmodel.Mehrfachstudienangebot{
			Art: sestmodel.FreieFachbezogeneStudiengangskombination, Schluessel: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "Z2"},
			Status: "in_Vorbereitung", NameDe: "Zwei-Fächer-Bachelor", BeschreibungDe: "frei kombinierbar",
			Abschluss:          sestmodel.Schluesselwert{Schluessel: "Z2", NameDe: "Zwei-Fächer-Bachelor"},
			Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{z2008, esk("Z2-068", "Z2", "068", "")},
		}}},
		{"studienangebot_mehrfach_explizit.json", sestmodel.Studienangebot{Mehrfach: &sestmodel.Mehrfachstudienangebot{
			Art: sestmodel.ExpliziteStudiengangskombination, Schluessel: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "LA"},
			Status: "oeffentlich_sichtbar", NameDe: "Lehramt Deutsch & Geschichte",
			Koordinierungsangebotsdaten: &sestmodel.Koordinierungsangebotsdaten{AnfangBewerbungsfrist: ts("2026-06-01T00:00:00Z"),
				EndeBewerbungsfrist: ts("2026-07-15T00:00:00Z")},
			Abschluss:          sestmodel.Schluesselwert{Schluessel: "LA", NameDe: "Lehramt"},
			Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{laD, laG},
			Kombination:        []sestmodel.Studiengangskombination{{Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{laD, laG}}},
		}}},
		{"studienpaket.json", sestmodel.Studienpaket{Schluessel: "P-INF", NameDe: "Informatik", Kapazitaet: 120,
			Paketbestandteil: []sestmodel.Paketbestandteil{{Studienangebot: esk("82-079-H", "82", "079", "H"),
				Bewerberplatzbedarf: sestmodel.Bewerberplatzbedarf{Zaehler: 1, Nenner: 2}}}}},
		{"ranglistenstatus.json", sestmodel.Ranglistenstatus{RanglistenSchluessel: "P-INF-HQ", StudienpaketSchluessel: "P-INF",
			Status: "befuellt", AnzahlEintraege: 42, LetzteAenderung: ts("2026-08-10T14:00:00Z")}},
	}
}

func ptr[T any](v T) *T { return &v }

// TestStoredItemsGolden pins the stored JSON of one realistic item of
// every stored shape byte for byte (the mirror hashes these bytes), and
// that the stored text decodes back to the same item.
func TestStoredItemsGolden(t *testing.T) {
	for _, c := range storedItems() {
		t.Run(c.file, func(t *testing.T) {
			indented, err := os.ReadFile(filepath.Join("testdata", "stored_items", c.file))
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := json.Compact(&want, indented); err != nil {
				t.Fatalf("golden file: %v", err)
			}
			got, err := json.Marshal(c.item)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("stored JSON differs from the golden file\nwant %s\ngot  %s", want.Bytes(), got)
			}
			back := reflect.New(reflect.TypeOf(c.item))
			dec := json.NewDecoder(bytes.NewReader(want.Bytes()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(back.Interface()); err != nil {
				t.Fatalf("decoding the golden text: %v", err)
			}
			if !reflect.DeepEqual(back.Elem().Interface(), c.item) {
				t.Fatalf("the golden text decodes to\n%+v\nwant\n%+v", back.Elem().Interface(), c.item)
			}
		})
	}
}
