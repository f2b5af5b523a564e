package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

const rangTestConfig = `
vergabeschema:
  Vorabquoten:
    - {id_nr: HF, name: Härtefälle, plaetze: {prozentual: 5}, ist_vorwegzulasser: true}
  Hauptquoten:
    - {id_nr: HQ, name: Hauptquote, plaetze: {prozentual: 95}, klauseln: {Nichtauffuellklausel: true}}
`

func TestRangCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, dir, env := simCLI(t, sim.Config{Seed: 5})
	cfgFile := filepath.Join(dir, "sestd.yaml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(rangTestConfig), 0o600))
	env["SESTD_CONFIG"] = cfgFile

	out, _, err := runCLI(t, env, "rang", "studienpakete")
	require.NoError(t, err)
	require.Contains(t, out, "no Studienpakete")

	// The mirror as the delta polls would leave it.
	st := store.New(pool)
	pakete := s.Studienpakete()
	_, err = st.StudienpaketReplaceAll(ctx, pakete)
	require.NoError(t, err)
	_, err = st.BewerbungUpsertBatch(ctx, s.Bewerbungen(), store.Step{})
	require.NoError(t, err)
	paket := pakete[0]

	out, _, err = runCLI(t, env, "rang", "studienpakete")
	require.NoError(t, err)
	require.Contains(t, out, "SCHLUESSEL")
	require.Contains(t, out, paket.Schluessel)
	require.Contains(t, out, paket.Paketbestandteil[0].Studienangebot.StudiengangSchluessel+" (1/1)")
	out, _, err = runCLI(t, env, "rang", "studienpakete", "--json")
	require.NoError(t, err)
	var listed []store.RangStudienpaket
	require.NoError(t, json.Unmarshal([]byte(out), &listed))
	require.Len(t, listed, len(pakete))

	// Usage errors.
	_, _, err = runCLI(t, env, "rang", "upload-eintraege", paket.Schluessel)
	require.True(t, errors.Is(err, errUsage))
	require.ErrorContains(t, err, "status must be one of")
	_, _, err = runCLI(t, env, "rang", "upload-schema")
	require.ErrorContains(t, err, "name the Studienpakete")
	_, _, err = runCLI(t, env, "rang", "bogus")
	require.True(t, errors.Is(err, errUsage))

	// Schema, then the entries of applicants who applied for the Paket.
	out, errOut, err := runCLI(t, env, "rang", "upload-schema", paket.Schluessel)
	require.NoError(t, err, errOut)
	require.Regexp(t, `neu\s+2`, out)
	var applicants []string
	for _, b := range s.Bewerbungen() {
		if b.Einfach != nil && b.Einfach.Studienangebot.StudiengangSchluessel == paket.Paketbestandteil[0].Studienangebot.StudiengangSchluessel {
			applicants = append(applicants, b.BewerberID())
		}
	}
	require.NotEmpty(t, applicants)
	hq := paket.Schluessel + "-HQ"
	for i, id := range applicants {
		_, err = pool.Exec(ctx, `INSERT INTO ranking_entry (rangliste, bewerber_id, rang) VALUES ($1, $2, $3)`, hq, id, i+1)
		require.NoError(t, err)
	}
	out, errOut, err = runCLI(t, env, "rang", "upload-eintraege", "--status", "befuellt", "--rangliste", hq)
	require.NoError(t, err, errOut)
	require.Regexp(t, `aktualisiert\s+1`, out)
	var got sestmodel.Rangliste
	for _, r := range s.Ranglisten() {
		if r.Schluessel == hq {
			got = r
		}
	}
	require.Equal(t, "befuellt", got.Status)
	require.Len(t, got.Eintrag, len(applicants))
	require.Equal(t, applicants[0], got.Eintrag[0].BewerberID)

	// A refused entry is listed and fails the command.
	_, err = pool.Exec(ctx, `INSERT INTO ranking_entry (rangliste, bewerber_id, rang) VALUES ($1, 'B-NIEMAND', 9999)`, hq)
	require.NoError(t, err)
	out, _, err = runCLI(t, env, "rang", "upload-eintraege", "--status", "freigegeben", paket.Schluessel)
	require.ErrorContains(t, err, "B-NIEMAND (rang 9999)")
	require.Contains(t, out, "refused "+hq+": B-NIEMAND (rang 9999)")

	// Status back.
	_, err = st.RanglistenstatusUpsertBatch(ctx, s.Ranglistenstatus(), store.Step{})
	require.NoError(t, err)
	out, _, err = runCLI(t, env, "rang", "status")
	require.NoError(t, err)
	require.Contains(t, out, hq)
	out, errOut, err = runCLI(t, env, "rang", "export-status")
	require.NoError(t, err, errOut)
	require.Contains(t, out, "rang_status.csv")
	raw, err := os.ReadFile(filepath.Join(dir, "export", "rang_status.csv"))
	require.NoError(t, err)
	require.Contains(t, string(raw), hq+";"+paket.Schluessel+";")

	// outbox.abschluss_filter without the Paket's Abschluss: nothing is
	// sent, the output says what was held back and why.
	abschluss := paket.Paketbestandteil[0].Studienangebot.AbschlussSchluessel
	require.NotEqual(t, "99", abschluss)
	require.NoError(t, os.WriteFile(cfgFile, []byte(rangTestConfig+"outbox:\n  abschluss_filter: [\"99\"]\n"), 0o600))
	calls := len(s.Received(sestmodel.OpUebermittelnRanglisten))
	out, errOut, err = runCLI(t, env, "rang", "upload-schema", paket.Schluessel)
	require.NoError(t, err, errOut)
	require.Len(t, s.Received(sestmodel.OpUebermittelnRanglisten), calls, "nothing sent")
	require.Regexp(t, `ranglisten sent\s+0\n`, out)
	require.Regexp(t, `outside abschluss_filter\s+2 Ranglisten of 1 Studienpakete, not sent\n`, out)
	require.Contains(t, out, "not sent: Studienpaket "+paket.Schluessel+" has Studienangebote of Abschluss "+abschluss+
		", not in outbox.abschluss_filter (99): updates at the Servicestelle are limited to those Abschlüsse ("+paket.Schluessel+"-HF, "+hq+")\n")
}
