package sest_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// TestGoldenMessages checks every operation sestd calls against messages
// written by hand in the official shape (testdata/golden/<operation>.
// request.xml and .response.xml; each file says what it is taken from and
// what is assumed): the Client must send exactly the request (compared
// after canonicalisation: namespaces resolved, prefixes, declarations,
// comments and indentation ignored, xsi:type values resolved through their
// prefixes) and read the response into the Go values written below. A
// replay server answers with the golden response; the simulator's strict
// request parser must accept every golden request.
func TestGoldenMessages(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		sent = map[string][]byte{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := strings.Trim(r.Header.Get("SOAPAction"), `"`)
		op := action[strings.LastIndex(action, "/")+1:]
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		sent[op] = body
		mu.Unlock()
		resp, err := os.ReadFile(filepath.Join("testdata", "golden", op+".response.xml"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	c, err := sest.New(clientConfig(srv.URL), nil, nil)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	ctx := context.Background()

	berlin := func(y int, mo time.Month, d, h, mi, s, ms int) sestmodel.Timestamp {
		loc, err := time.LoadLocation("Europe/Berlin")
		require.NoError(t, err)
		return sestmodel.NewTimestamp(time.Date(y, mo, d, h, mi, s, ms*1_000_000, loc).UTC())
	}
	start := time.Date(2026, 7, 1, 8, 15, 30, 123_000_000, time.UTC) // 10:15:30.123 in Berlin
	pct := 12.5
	hf := sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "25-007", AbschlussSchluessel: "25", StudienfachSchluessel: "007"}
	lg := func(fach string) sestmodel.EinfachstudienangebotsSchluessel {
		return sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "26-" + fach, AbschlussSchluessel: "26", StudienfachSchluessel: fach}
	}
	bio := sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "84-021-1", AbschlussSchluessel: "84", StudienfachSchluessel: "021", FachkennzeichenSchluessel: "1"}
	einfach := sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
		EingangsZeitpunkt: sestmodel.NewTimestamp(start), Bearbeitungsstatus: "eingegangen", VersionSeSt: 3, BewerberBAN: "ABCDEFGH23",
		BewerberEmailAdresse: "jörg.müller@example.org", BewerberID: "B109064079213", Studienangebot: bio,
		Statusanmerkung: "Noten & Nachweise <geprüft>", Aktivitaetsstatus: "aktiv"}}
	mehrfach := sestmodel.Bewerbung{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{
		EingangsZeitpunkt: sestmodel.NewTimestamp(start), Bearbeitungsstatus: "eingegangen", BewerberID: "B109064079213",
		Studienangebot: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"},
		Teilfachbewerbung: []sestmodel.Teilfachbewerbung{
			{EingangsZeitpunkt: sestmodel.NewTimestamp(start), Bearbeitungsstatus: "eingegangen", Studienangebot: hf, HauptfachSchluessel: &hf},
			{EingangsZeitpunkt: sestmodel.NewTimestamp(start), Bearbeitungsstatus: "eingegangen", IstFachwechsel: true,
				Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "25-059", AbschlussSchluessel: "25", StudienfachSchluessel: "059"}},
		}}}
	joerdis := sestmodel.Bewerber{Status: "aktiv", Anrede: "Frau", Vorname: "Jördis", Nachname: "Müller-Weiß", EmailAdresse: "joerdis@example.org",
		ID: "B109064079213", HatVerfahrensrichtlinienZugestimmt: true, Geburtsdatum: "2006-02-16", Geburtsort: "Görlitz",
		Staatsangehoerigkeit: &sestmodel.Schluesselwert{Schluessel: "000", NameDe: "deutsch"},
		Postanschrift: sestmodel.Postanschrift{StrasseHausNrOderPostfach: "Königstraße 1", Plz: "02826", Ort: "Görlitz",
			Land: sestmodel.Schluesselwert{Schluessel: "000", NameDe: "Deutschland"}},
		LetzteAenderung: sestmodel.NewTimestamp(start)}
	ali := sestmodel.Bewerber{Status: sestmodel.BewerberStatusZurLoeschung, Vorname: "Ali", Nachname: "Öztürk", ID: "B200000000001",
		Postanschrift: sestmodel.Postanschrift{CareOf: "bei Schmidt", StrasseHausNrOderPostfach: "Postfach 12", Plz: "1010", Ort: "Wien",
			Land: sestmodel.Schluesselwert{Schluessel: "168"}, Region: "Wien"}}
	rejected := func(status, reason string, code int) sestmodel.Ergebnis {
		return sestmodel.Ergebnis{ErgebnisStatus: status, GrundZurueckweisung: reason, Code: code}
	}

	cases := []struct {
		op   string
		call func() (any, error)
		want any
	}{
		{sestmodel.OpAbrufenStudienangebote, func() (any, error) {
			return c.StudienangeboteAbrufen(ctx, sest.StudienangebotSuche{AbschlussSchluessel: "82"})
		}, []sestmodel.Studienangebot{
			{Einfach: &sestmodel.Einfachstudienangebot{
				Schluessel: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-079", AbschlussSchluessel: "82", StudienfachSchluessel: "079"},
				Status:     "oeffentlich_sichtbar", NameDe: "Informatik (Master)", BeschreibungDe: "Informatik & Gesellschaft",
				Koordinierungsangebotsdaten: &sestmodel.Koordinierungsangebotsdaten{AnfangBewerbungsfrist: berlin(2026, 5, 1, 0, 0, 0, 0),
					EndeBewerbungsfrist: berlin(2026, 7, 15, 23, 59, 59, 0), URLHSBewerbungsportal: "https://bewerbung.example.org/"},
				Studiengang: sestmodel.Studiengang{Schluessel: "82-079", NameDe: "Informatik", IstNCStudiengang: true,
					Abschluss: sestmodel.Schluesselwert{Schluessel: "82", NameDe: "Master"}, Studienfach: sestmodel.Schluesselwert{Schluessel: "079", NameDe: "Informatik"}}}},
			{Mehrfach: &sestmodel.Mehrfachstudienangebot{Art: sestmodel.FreieFachbezogeneStudiengangskombination,
				Schluessel: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"},
				Status:     "in_Vorbereitung", NameDe: "Zwei-Fächer-Bachelor", Abschluss: sestmodel.Schluesselwert{Schluessel: "25", NameDe: "Bachelor Zwei-Fach"},
				Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{hf}}},
			{Mehrfach: &sestmodel.Mehrfachstudienangebot{Art: sestmodel.ExpliziteStudiengangskombination,
				Schluessel: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "26"},
				Status:     "oeffentlich_sichtbar", NameDe: "Lehramt an Gymnasien", Abschluss: sestmodel.Schluesselwert{Schluessel: "26", NameDe: "Lehramt Gymnasium"},
				Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{lg("021"), lg("084"), lg("128")},
				Kombination:        []sestmodel.Studiengangskombination{{Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{lg("021"), lg("084")}}}}},
		}},
		{sestmodel.OpAnlegenAendernStudienangebote, func() (any, error) {
			return c.StudienangeboteAnlegenAendern(ctx, []sestmodel.Studienangebot{
				{Einfach: &sestmodel.Einfachstudienangebot{Schluessel: bio, Status: "in_Vorbereitung", NameDe: "Biologie & Umwelt", BeschreibungDe: "Lehramt",
					Koordinierungsangebotsdaten: &sestmodel.Koordinierungsangebotsdaten{AnfangBewerbungsfrist: sestmodel.NewTimestamp(start),
						EndeBewerbungsfrist: berlin(2026, 7, 15, 23, 59, 59, 0), URLHSBewerbungsportal: "https://bewerbung.example.org/"},
					Studiengang: sestmodel.Studiengang{Schluessel: "84-021-1", NameDe: "Biologie",
						Abschluss: sestmodel.Schluesselwert{Schluessel: "84", NameDe: "Master of Education"}, Studienfach: sestmodel.Schluesselwert{Schluessel: "021", NameDe: "Biologie"},
						Fachkennzeichen: &sestmodel.Schluesselwert{Schluessel: "1"}}}},
				{Mehrfach: &sestmodel.Mehrfachstudienangebot{Schluessel: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"},
					Status: "oeffentlich_sichtbar", NameDe: "Zwei-Fächer-Bachelor", Abschluss: sestmodel.Schluesselwert{Schluessel: "25"},
					Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{hf}}},
			})
		}, []sestmodel.StudienangebotErgebnis{
			{Ergebnis: sestmodel.Ergebnis{ErgebnisStatus: "neu"}, Schluessel: sestmodel.StudienangebotsSchluessel{Einfach: &bio}, Key: "84-021-1"},
			{Ergebnis: rejected("zurueckgewiesen", "Das Teilstudienangebot 25-007 ist nicht öffentlich sichtbar. [Fehlercode: 30120]", 30120),
				Schluessel: sestmodel.StudienangebotsSchluessel{Mehrfach: &sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"}}, Key: "25"},
		}},
		{sestmodel.OpAbrufenStammdaten, func() (any, error) { return c.StammdatenAbrufen(ctx, "B109064079213", "ABCDEFGH23") }, joerdis},
		{sestmodel.OpAnfragenStammdatenaenderungen, func() (any, error) { return c.StammdatenaenderungenAnfragen(ctx, start) },
			sest.Delta{Referenzen: []string{"S1", "S2"}, Ende: berlin(2026, 7, 1, 10, 20, 0, 0).Time}},
		{sestmodel.OpUebermittelnStammdatenaenderung, func() (any, error) { return c.StammdatenaenderungenUebermitteln(ctx, []string{"S1", "S2"}) },
			[]sestmodel.Bewerber{joerdis, ali}},
		{sestmodel.OpAbrufenStammdatenOhneAuth, func() (any, error) {
			return c.StammdatenOhneAutorisierungAbrufen(ctx, sest.Suche{AbschlussSchluessel: "82", StudienfachSchluessel: "079"})
		}, []sestmodel.Bewerber{joerdis}},
		{sestmodel.OpUebermittelnNeueBewerbungen, func() (any, error) {
			return c.NeueBewerbungenUebermitteln(ctx, []sestmodel.Bewerbung{einfach, mehrfach})
		}, []sestmodel.BewerbungErgebnis{
			{Ergebnis: sestmodel.Ergebnis{ErgebnisStatus: "neu"}, VersionSeSt: 1, Key: "B109064079213/84-021-1",
				Schluessel: sestmodel.BewerbungsSchluessel{Einfach: &sestmodel.EinfachstudienangebotsbewerbungsSchluessel{BewerberID: "B109064079213", Studienangebot: bio}}},
			{Ergebnis: rejected("zurueckgewiesen", "Der Account des Bewerbers ist zur Löschung vorgesehen. [Fehlercode: 30235]", 30235), Key: "B109064079213/25/25-007",
				Schluessel: sestmodel.BewerbungsSchluessel{Mehrfach: &sestmodel.MehrfachstudienangebotsbewerbungsSchluessel{BewerberID: "B109064079213",
					AbschlussSchluessel: "25", HauptfachSchluessel: []sestmodel.EinfachstudienangebotsSchluessel{hf}}}},
		}},
		{sestmodel.OpUebermittelnGeaenderteBew, func() (any, error) {
			return c.GeaenderteBewerbungenUebermitteln(ctx, []sestmodel.Bewerbung{einfach})
		}, []sestmodel.BewerbungErgebnis{
			{Ergebnis: rejected("zurueckgewiesen", "Die Bewerbung wurde zwischenzeitlich geändert (Versionskonflikt). [Fehlercode: 30233]", 30233),
				Key:        "B109064079213/84-021-1",
				Schluessel: sestmodel.BewerbungsSchluessel{Einfach: &sestmodel.EinfachstudienangebotsbewerbungsSchluessel{BewerberID: "B109064079213", Studienangebot: bio}}},
		}},
		{sestmodel.OpAnfragenBewerbungen, func() (any, error) { return c.BewerbungenAnfragen(ctx, start) },
			sest.Delta{Referenzen: []string{"B1", "B2", "B3"}, Ende: berlin(2026, 12, 1, 9, 0, 0, 0).Time}},
		{sestmodel.OpUebermittelnBewerbungen, func() (any, error) { return c.BewerbungenUebermitteln(ctx, []string{"B1", "B2"}) }, []sestmodel.Bewerbung{
			{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{EingangsZeitpunkt: berlin(2026, 6, 2, 9, 0, 0, 0), Bearbeitungsstatus: "gueltig", VersionSeSt: 4,
				BewerberID: "B109064079213", Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-079", AbschlussSchluessel: "82", StudienfachSchluessel: "079"},
				OrtDesEingangs: "Servicestelle", Aktivitaetsstatus: "aktiv", LetzteAenderung: berlin(2026, 12, 1, 8, 59, 59, 999),
				Statusanmerkung: "Unterlagen vollständig", Sonderantragsentscheidung: "keine",
				Bestandteil: []sestmodel.Bewerbungsbestandteil{
					{FeldangabeSchluessel: "HZB_NOTE", NameDe: "Note der HZB", Wert: "1,7"},
					{FeldangabeSchluessel: "HZB_ZEUGNIS", Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D1000000001", Dateiname: "zeugnis.pdf", MimeType: "application/pdf"}},
				},
				Bescheid: []sestmodel.Bescheid{{Bescheidart: "Zulassungsbescheid", ErstelltAm: berlin(2026, 8, 1, 12, 0, 0, 0), Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D1000000002"}}}}},
			{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{EingangsZeitpunkt: berlin(2026, 6, 3, 9, 0, 0, 0), Bearbeitungsstatus: "eingegangen", VersionSeSt: 1,
				BewerberID: "B200000000001", Studienangebot: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"},
				LetzteAenderung: berlin(2026, 12, 1, 8, 0, 0, 0),
				Teilfachbewerbung: []sestmodel.Teilfachbewerbung{{EingangsZeitpunkt: berlin(2026, 6, 3, 9, 0, 0, 0), Bearbeitungsstatus: "eingegangen",
					Studienangebot: hf, HauptfachSchluessel: &hf, IstErsatzfachAkzeptabel: true}}}},
		}},
		{sestmodel.OpAbrufenBewerbungen, func() (any, error) { return c.BewerbungenAbrufen(ctx, sest.Suche{BewerberID: "B109064079213"}) }, []sestmodel.Bewerbung{
			{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{EingangsZeitpunkt: berlin(2026, 6, 2, 9, 0, 0, 0), Bearbeitungsstatus: "zurueckgezogen", VersionSeSt: 7,
				BewerberID: "B109064079213", Studienangebot: bio, LetzteAenderung: berlin(2026, 1, 15, 12, 0, 0, 0)}},
		}},
		{sestmodel.OpAnlegenAendernStudienpakete, func() (any, error) {
			return c.StudienpaketeAnlegenAendern(ctx, []sestmodel.Studienpaket{{Schluessel: "SP-1", NameDe: "Paket", Kapazitaet: 40,
				Paketbestandteil: []sestmodel.Paketbestandteil{{Studienangebot: hf, Bewerberplatzbedarf: sestmodel.Bewerberplatzbedarf{Zaehler: 1, Nenner: 2}}}}})
		}, []sestmodel.StudienpaketErgebnis{{Ergebnis: sestmodel.Ergebnis{ErgebnisStatus: "aktualisiert"}, StudienpaketSchluessel: "SP-1"}}},
		{sestmodel.OpUebermittelnRanglisten, func() (any, error) {
			return c.RanglistenUebermitteln(ctx, []sestmodel.Rangliste{
				{Schluessel: "RL-1", StudienpaketSchluessel: "SP-1", NameDe: "Hauptquote", Ebene: "Hauptquoten", Status: "befuellt",
					Kopfdaten: &sestmodel.Kopfdaten{Abarbeitungsposition: 2, PlaetzeProzentual: &pct, IstChancenrangliste: true,
						Klauseln: &sestmodel.Klauseln{Binnenquotenklausel: &sestmodel.Binnenquotenklausel{Binnenquotenkennung: "BQ", IstBinnenquotendachrangliste: true},
							Limitierungsklausel: true, Unterbelegungsklausel: &sestmodel.Unterbelegungsklausel{PlatzuebergabeEbene: "Hauptquoten"}}},
					Eintrag: []sestmodel.Ranglisteneintrag{{Rang: 1, BewerberID: "B1"}, {Rang: 2, BewerberID: "B2"}}},
				{Schluessel: "RL-2", StudienpaketSchluessel: "SP-1", Ebene: "Vorabquoten", Status: "eingerichtet"},
			})
		}, []sestmodel.RanglisteErgebnis{
			{Ergebnis: sestmodel.Ergebnis{ErgebnisStatus: "aktualisiert"}, RanglistenSchluessel: "RL-1"},
			{Ergebnis: rejected("zurueckgewiesen", "Die Rangliste RL-2 hat keine Kopfdaten. [Fehlercode: 40210]", 40210), RanglistenSchluessel: "RL-2"},
		}},
		{sestmodel.OpAnfragenRanglistenstatus, func() (any, error) { return c.RanglistenstatusAnfragen(ctx, start) },
			sest.Delta{Referenzen: []string{"R1"}, Ende: berlin(2026, 7, 1, 10, 16, 0, 0).Time}},
		{sestmodel.OpUebermittelnRanglistenstatus, func() (any, error) { return c.RanglistenstatusUebermitteln(ctx, []string{"R1"}) }, []sestmodel.Ranglistenstatus{
			{RanglistenSchluessel: "RL-1", StudienpaketSchluessel: "SP-1", Status: "freigegeben", Statusanmerkung: "geprüft", AnzahlEintraege: 2,
				LetzteAenderung: berlin(2026, 7, 1, 10, 15, 59, 0)},
		}},
		{sestmodel.OpAbrufenRanglistenstatus, func() (any, error) { return c.RanglistenstatusAbrufen(ctx, "RL-1", "RL-2") }, []sestmodel.Ranglistenstatus{
			{RanglistenSchluessel: "RL-1", StudienpaketSchluessel: "SP-1", Status: "befuellt", AnzahlEintraege: 2},
			{RanglistenSchluessel: "RL-2", StudienpaketSchluessel: "SP-1", Status: "eingerichtet"},
		}},
		{sestmodel.OpAusloesenZulassungsangebote, func() (any, error) { return c.FruehzeitigeZulassungsangeboteAusloesen(ctx, []string{"SP-1"}) },
			[]sestmodel.StudienpaketErgebnis{{Ergebnis: rejected("zurueckgewiesen", "Für das Studienpaket SP-1 liegt keine freigegebene Rangliste vor. [Fehlercode: 40501]", 40501),
				StudienpaketSchluessel: "SP-1"}}},
		{sestmodel.OpAbrufenStudienpakete, func() (any, error) { return c.StudienpaketeAbrufen(ctx) }, []sestmodel.Studienpaket{{Schluessel: "SP-1", NameDe: "Paket", Kapazitaet: 40,
			Paketbestandteil: []sestmodel.Paketbestandteil{{Studienangebot: hf, Bewerberplatzbedarf: sestmodel.Bewerberplatzbedarf{Zaehler: 1, Nenner: 2}}}}}},
		{sestmodel.OpAbrufenDokumente, func() (any, error) { return c.DokumenteAbrufen(ctx, []string{"D1000000001", "D1000000002"}) }, []sestmodel.Dokument{
			{DokumentID: "D1000000001", BewerberID: "B109064079213", Dateiname: "zeugnis.pdf", Dateiendung: "pdf", MimeType: "application/pdf",
				Inhalt: sestmodel.Base64Binary("%PDF-1.4\n%%EOF\n")},
		}},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			got, err := tc.call()
			require.NoError(t, err)
			require.Equal(t, tc.want, got, "response read into Go values")

			want, err := os.ReadFile(filepath.Join("testdata", "golden", tc.op+".request.xml"))
			require.NoError(t, err)
			mu.Lock()
			body := sent[tc.op]
			mu.Unlock()
			require.Equal(t, canonicalXML(t, want), canonicalXML(t, body), "request after canonicalisation")

			op, ok := wire.LookupOperation(tc.op)
			require.True(t, ok)
			_, _, err = wire.ParseRequest(want, op.Service)
			require.NoError(t, err, "the simulator accepts the golden request")
		})
		seen[tc.op] = true
	}
	require.Len(t, seen, len(wire.Operations("")), "every operation has golden messages")
}

// TestRequestPaths pins which operations gosoap encodes and which the
// Client encodes itself because they carry xsi:type (see the package
// documentation).
func TestRequestPaths(t *testing.T) {
	t.Parallel()
	var own []string
	for _, op := range wire.Operations("") {
		if !op.ViaGosoap() {
			own = append(own, op.Name)
		}
	}
	require.Equal(t, []string{sestmodel.OpAnlegenAendernStudienangebote, sestmodel.OpUebermittelnGeaenderteBew, sestmodel.OpUebermittelnNeueBewerbungen}, own)
}

// canonicalXML renders a document as one line per element: its expanded
// name, its xsi:type resolved to {namespace}local, other attributes
// sorted, and its trimmed text. Namespace declarations, prefixes,
// comments, the prolog and whitespace between elements do not count.
func canonicalXML(t *testing.T, doc []byte) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var (
		out    strings.Builder
		scopes = []map[string]string{{}}
		depth  int
		text   strings.Builder
		open   bool // the last token was a start element
	)
	resolve := func(q string) string {
		prefix, local, ok := strings.Cut(q, ":")
		if !ok {
			prefix, local = "", q
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			if ns, ok := scopes[i][prefix]; ok {
				return "{" + ns + "}" + local
			}
		}
		t.Fatalf("prefix %q of %q not declared", prefix, q)
		return ""
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		switch tk := tok.(type) {
		case xml.StartElement:
			if open {
				out.WriteString("\n")
			}
			m := map[string]string{}
			var attrs []string
			for _, a := range tk.Attr {
				switch {
				case a.Name.Space == "xmlns":
					m[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					m[""] = a.Value
				}
			}
			scopes = append(scopes, m)
			for _, a := range tk.Attr {
				switch {
				case a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns":
				case a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" && a.Name.Local == "type":
					attrs = append(attrs, "xsi:type="+resolve(a.Value))
				default:
					attrs = append(attrs, fmt.Sprintf("{%s}%s=%s", a.Name.Space, a.Name.Local, a.Value))
				}
			}
			sort.Strings(attrs)
			fmt.Fprintf(&out, "%s{%s}%s", strings.Repeat("  ", depth), tk.Name.Space, tk.Name.Local)
			if len(attrs) > 0 {
				out.WriteString(" [" + strings.Join(attrs, " ") + "]")
			}
			depth++
			text.Reset()
			open = true
		case xml.CharData:
			text.Write(tk)
		case xml.EndElement:
			if open {
				if s := strings.TrimSpace(text.String()); s != "" {
					out.WriteString(" = " + s)
				}
				out.WriteString("\n")
			}
			open = false
			text.Reset()
			depth--
			scopes = scopes[:len(scopes)-1]
		}
	}
	return out.String()
}
