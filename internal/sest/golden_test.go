package sest_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest"
)

// TestGoldenRequestEnvelopes pins the exact request envelope of every
// operation (element order, namespaces, lexical values) in
// testdata/golden/<operation>.xml. Regenerate with
//
//	SEST_UPDATE_GOLDEN=1 go test ./internal/sest -run TestGoldenRequestEnvelopes
//
// It also checks that gosoap's element order equals encoding/xml's for the
// same message type, which is the order of the generated XSD.
func TestGoldenRequestEnvelopes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client
	ctx := context.Background()
	start := time.Date(2026, 7, 1, 8, 15, 30, 123_000_000, time.UTC) // 10:15:30.123 in Berlin
	pct := 12.5
	einfach := sest.Bewerbung{Einfach: &sest.Einfachstudienangebotsbewerbung{
		EingangsZeitpunkt: sest.NewTimestamp(start), Bearbeitungsstatus: "eingegangen", VersionSeSt: 3, BewerberBAN: "ABCDEFGH23",
		BewerberEmailAdresse: "jörg.müller@example.org", BewerberID: "B109064079213",
		Studienangebot:  sest.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "84-021-1", AbschlussSchluessel: "84", StudienfachSchluessel: "021", FachkennzeichenSchluessel: "1"},
		Statusanmerkung: "Noten & Nachweise <geprüft>", Aktivitaetsstatus: "aktiv"}}
	hf := sest.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "25-007", AbschlussSchluessel: "25", StudienfachSchluessel: "007"}
	mehrfach := sest.Bewerbung{Mehrfach: &sest.Mehrfachstudienangebotsbewerbung{
		EingangsZeitpunkt: sest.NewTimestamp(start), Bearbeitungsstatus: "eingegangen", BewerberID: "B109064079213",
		Studienangebot: sest.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"},
		Teilfachbewerbung: []sest.Teilfachbewerbung{
			{EingangsZeitpunkt: sest.NewTimestamp(start), Bearbeitungsstatus: "eingegangen", Studienangebot: hf, HauptfachSchluessel: &hf},
			{EingangsZeitpunkt: sest.NewTimestamp(start), Bearbeitungsstatus: "eingegangen", IstFachwechsel: true,
				Studienangebot: sest.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "25-059", AbschlussSchluessel: "25", StudienfachSchluessel: "059"}},
		}}}
	calls := []struct {
		op   string
		call func() error
	}{
		{sest.OpAbrufenStudienangebote, func() error {
			_, err := c.StudienangeboteAbrufen(ctx, sest.StudienangebotSuche{AbschlussSchluessel: "82"})
			return err
		}},
		{sest.OpAnlegenAendernStudienangebote, func() error {
			_, err := c.StudienangeboteAnlegenAendern(ctx, []sest.Studienangebot{{Mehrfach: &sest.Mehrfachstudienangebot{
				Schluessel: sest.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"}, Status: "oeffentlich_sichtbar", NameDe: "Zwei-Fächer-Bachelor",
				Abschluss: sest.Schluesselwert{Schluessel: "25"}, Teilstudienangebot: []sest.EinfachstudienangebotsSchluessel{hf}}}})
			return err
		}},
		{sest.OpAbrufenStammdaten, func() error { _, err := c.StammdatenAbrufen(ctx, "B109064079213", "ABCDEFGH23"); return err }},
		{sest.OpAnfragenStammdatenaenderungen, func() error { _, err := c.StammdatenaenderungenAnfragen(ctx, start); return err }},
		{sest.OpUebermittelnStammdatenaenderung, func() error {
			_, err := c.StammdatenaenderungenUebermitteln(ctx, []string{"S1", "S2"})
			return err
		}},
		{sest.OpAbrufenStammdatenOhneAuth, func() error {
			_, err := c.StammdatenOhneAutorisierungAbrufen(ctx, sest.Suche{AbschlussSchluessel: "82", StudienfachSchluessel: "079"})
			return err
		}},
		{sest.OpUebermittelnNeueBewerbungen, func() error {
			_, err := c.NeueBewerbungenUebermitteln(ctx, []sest.Bewerbung{einfach, mehrfach})
			return err
		}},
		{sest.OpUebermittelnGeaenderteBew, func() error {
			_, err := c.GeaenderteBewerbungenUebermitteln(ctx, []sest.Bewerbung{einfach})
			return err
		}},
		{sest.OpAnfragenBewerbungen, func() error { _, err := c.BewerbungenAnfragen(ctx, start); return err }},
		{sest.OpUebermittelnBewerbungen, func() error { _, err := c.BewerbungenUebermitteln(ctx, []string{"B1", "B2", "B3"}); return err }},
		{sest.OpAbrufenBewerbungen, func() error {
			_, err := c.BewerbungenAbrufen(ctx, sest.Suche{BewerberID: "B109064079213"})
			return err
		}},
		{sest.OpAnlegenAendernStudienpakete, func() error {
			_, err := c.StudienpaketeAnlegenAendern(ctx, []sest.Studienpaket{{Schluessel: "SP-1", NameDe: "Paket", Kapazitaet: 40,
				Paketbestandteil: []sest.Paketbestandteil{{Studienangebot: hf, Bewerberplatzbedarf: sest.Bewerberplatzbedarf{Zaehler: 1, Nenner: 2}}}}})
			return err
		}},
		{sest.OpUebermittelnRanglisten, func() error {
			_, err := c.RanglistenUebermitteln(ctx, []sest.Rangliste{
				{Schluessel: "RL-1", StudienpaketSchluessel: "SP-1", NameDe: "Hauptquote", Ebene: "Hauptquoten", Status: "befuellt",
					Kopfdaten: &sest.Kopfdaten{Abarbeitungsposition: 2, PlaetzeProzentual: &pct, IstChancenrangliste: true,
						Klauseln: &sest.Klauseln{Binnenquotenklausel: &sest.Binnenquotenklausel{Binnenquotenkennung: "BQ", IstBinnenquotendachrangliste: true},
							Limitierungsklausel: true, Unterbelegungsklausel: &sest.Unterbelegungsklausel{PlatzuebergabeEbene: "Hauptquoten"}}},
					Eintrag: []sest.Ranglisteneintrag{{Rang: 1, BewerberID: "B1"}, {Rang: 2, BewerberID: "B2"}}},
				{Schluessel: "RL-2", StudienpaketSchluessel: "SP-1", Ebene: "Vorabquoten", Status: "eingerichtet"},
			})
			return err
		}},
		{sest.OpAnfragenRanglistenstatus, func() error { _, err := c.RanglistenstatusAnfragen(ctx, start); return err }},
		{sest.OpUebermittelnRanglistenstatus, func() error { _, err := c.RanglistenstatusUebermitteln(ctx, []string{"R1"}); return err }},
		{sest.OpAbrufenRanglistenstatus, func() error { _, err := c.RanglistenstatusAbrufen(ctx, "RL-1", "RL-2"); return err }},
		{sest.OpAusloesenZulassungsangebote, func() error {
			_, err := c.FruehzeitigeZulassungsangeboteAusloesen(ctx, []string{"SP-1"})
			return err
		}},
		{sest.OpAbrufenStudienpakete, func() error { _, err := c.StudienpaketeAbrufen(ctx); return err }},
		{sest.OpAbrufenDokumente, func() error { _, err := c.DokumenteAbrufen(ctx, []string{"D1000000001", "D1000000002"}); return err }},
	}
	seen := map[string]bool{}
	for _, tc := range calls {
		_ = tc.call() // errors (unknown refs, …) are fine: the request is what counts
		got := b.sim.Received(tc.op)
		require.Len(t, got, 1, tc.op)
		body := got[0].Body
		seen[tc.op] = true
		path := filepath.Join("testdata", "golden", tc.op+".xml")
		if os.Getenv("SEST_UPDATE_GOLDEN") != "" {
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, body, 0o644))
		} else {
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run SEST_UPDATE_GOLDEN=1 go test ./internal/sest -run TestGoldenRequestEnvelopes")
			require.Equal(t, string(want), string(body), tc.op)
		}
		require.NotContains(t, string(body), "geheim", "no credentials in the body")

		// gosoap's order equals encoding/xml's for the decoded message.
		op, _ := sest.LookupOperation(tc.op)
		req := got[0].Request
		require.NotNil(t, req, tc.op)
		re, err := xml.Marshal(req)
		require.NoError(t, err)
		require.Equal(t, elementPath(t, re, 1), elementPath(t, body, 3), "element order of %s", tc.op)
		require.Contains(t, string(body), `<`+op.RequestElement()+` xmlns="`+sest.Namespace(op.Service)+`">`)
	}
	require.Len(t, seen, len(sest.Operations("")), "every operation has a golden envelope")
}

// elementPath lists the start elements below depth skip as
// "depth:name", ignoring namespaces.
func elementPath(t *testing.T, doc []byte, skip int) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var out []string
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch se := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > skip {
				out = append(out, strings.Repeat(" ", depth-skip)+se.Name.Local)
			}
		case xml.EndElement:
			depth--
		}
	}
	return out
}
