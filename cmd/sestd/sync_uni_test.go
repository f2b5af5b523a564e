package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// TestSyncUniRunsOneRound imports four applications with `sestd import`
// and runs one round with `sestd sync uni`: two accepted, one refused by
// the Servicestelle, one discarded by outbox.abschluss_filter, as the
// summary says and as the simulator received; a round against a
// Servicestelle that does not answer exits 1; without
// servicestelle.base_url the commands name the key.
func TestSyncUniRunsOneRound(t *testing.T) {
	t.Parallel()
	s, pool, dir, env := simCLI(t, sim.Config{Seed: 31, Bewerber: 20, Bewerbungen: 5})
	env["SESTD_OUTBOX_ABSCHLUSS_FILTER"] = "82"

	// Four applicants apply at the university: two for public offers of
	// the Abschluss 82, one for 82-999 (not public: refused), one for an
	// offer of the Abschluss 84 (outside the filter: discarded).
	people := s.AllBewerber()
	studiengaenge := []string{"82-079", "82-128", "82-999", "84-008"}
	var csv strings.Builder
	csv.WriteString("HS_BEWERBUNG_ID;TYP;BEWERBER_ID;BAN;STUDIENGANG_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS\n")
	keys := make([]string, len(studiengaenge))
	for i, sg := range studiengaenge {
		p := people[len(people)-1-i]
		_, ban, err := s.Bewerber(p.ID)
		require.NoError(t, err)
		fmt.Fprintf(&csv, "U-%d;einfach;%s;%s;%s;2026-07-01T10:00:00+02:00;eingegangen\n", i+1, p.ID, ban, sg)
		keys[i] = p.ID + "/" + sg
		_, err = s.Bewerbung(keys[i])
		require.ErrorIs(t, err, sim.ErrNotFound, "a new application")
	}
	file := filepath.Join(dir, "bewerbungen.csv")
	require.NoError(t, os.WriteFile(file, []byte(csv.String()), 0o600))
	out, errOut, err := runCLI(t, env, "import", "--kind", "uni_bewerbungen", file)
	require.NoError(t, err, errOut)
	require.Regexp(t, `created\s+4\b`, out)

	out, errOut, err = runCLI(t, env, "sync", "uni")
	require.NoError(t, err, errOut)
	require.Regexp(t, `(?m)^sent\s+3$`, out)
	require.Regexp(t, `(?m)^accepted\s+2$`, out)
	require.Regexp(t, `(?m)^refused\s+1$`, out)
	require.Regexp(t, `(?m)^discarded\s+1$`, out)
	require.Regexp(t, `(?m)^refused #\d+ bewerbung U-3 \(Bewerber [^)]+, now pending\): .*82-999`, out, "the Servicestelle's reason")
	require.Contains(t, out, "discarded #4 bewerbung U-4")
	require.Contains(t, out, "Abschluss 84 is not in outbox.abschluss_filter (82)")
	require.Contains(t, errOut, "outbound round started as job")

	got := map[string]int{}
	for _, c := range s.Received(sestmodel.OpUebermittelnNeueBewerbungen) {
		for _, b := range c.Request.(*wire.BewerbungenRequest).Bewerbung {
			got[b.Key()]++
		}
	}
	require.Equal(t, map[string]int{keys[0]: 1, keys[1]: 1, keys[2]: 1}, got, "the simulator received U-1 to U-3 once, nothing for U-4")

	// A second round at once: the refused item waits for its backoff.
	out, _, err = runCLI(t, env, "sync", "uni", "--json")
	require.NoError(t, err)
	var res jobs.OutboundResult
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Zero(t, res.Sent)
	require.Len(t, s.Received(sestmodel.OpUebermittelnNeueBewerbungen), 1, "one call in all")

	// A Servicestelle that does not answer: the round fails, exit 1.
	down := map[string]string{}
	for k, v := range env {
		down[k] = v
	}
	dead := httptest.NewServer(nil)
	dead.Close()
	down["SESTD_SERVICESTELLE_BASE_URL"] = dead.URL + "/hochschule/webservice/3"
	_, err = pool.Exec(t.Context(), `UPDATE outbox_item SET next_attempt_at = now() - interval '1 day' WHERE state = 'pending'`)
	require.NoError(t, err)
	_, _, err = runCLI(t, down, "sync", "uni")
	require.ErrorContains(t, err, "outbound round failed")
	require.Equal(t, 1, exitCode(err))

	// No silent endpoint: without servicestelle.base_url sync uni, run and
	// config check name the key.
	delete(down, "SESTD_SERVICESTELLE_BASE_URL")
	for _, args := range [][]string{{"sync", "uni"}, {"config", "check"}, {"run"}} {
		_, _, err = runCLI(t, down, args...)
		require.ErrorContains(t, err, "servicestelle.base_url: must be set", "sestd %s", strings.Join(args, " "))
	}

	_, _, err = runCLI(t, env, "sync", "uni", "extra")
	require.ErrorIs(t, err, errUsage)
}
