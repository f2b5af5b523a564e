package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
)

func TestSyncDownloadRunsOneRound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, dir, env := simCLI(t, sim.Config{Seed: 6, Bewerbungen: 100})
	env["SESTD_SYNC_DOCUMENT_ROOT"] = filepath.Join(dir, "documents")
	count := func() int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM bewerbung`).Scan(&n))
		return n
	}

	// A round of deltas: the simulator's 100 Bewerbungen arrive.
	out, _, err := runCLI(t, env, "sync", "download", "--json")
	require.NoError(t, err)
	var sum jobs.Summary
	require.NoError(t, json.Unmarshal([]byte(out), &sum))
	require.Equal(t, 100, sum.Streams["bewerbungen"].Created)
	require.Contains(t, sum.Streams, "bewerber")
	require.Contains(t, sum.Streams, "ranglistenstatus")
	require.Equal(t, 100, count())
	require.NotEmpty(t, s.Studienangebote())
	require.Equal(t, jobs.StreamSummary{Created: len(s.Studienangebote())}, sum.Streams["studienangebote"], "the Studienangebote are reported too")

	// An offer the Servicestelle no longer has leaves the mirror, counted.
	_, err = pool.Exec(ctx, `INSERT INTO studienangebot (schluessel, art, studiengang_schluessel, abschluss_schluessel, status, name_de, data)
		SELECT 'WITHDRAWN-1', art, studiengang_schluessel, abschluss_schluessel, status, name_de, data FROM studienangebot WHERE art = 'einfach' LIMIT 1`)
	require.NoError(t, err)
	out, _, err = runCLI(t, env, "sync", "download", "--stream", "studienangebote")
	require.NoError(t, err)
	require.Regexp(t, fmt.Sprintf(`(?m)^stream\s+created\s+updated\s+unchanged\s+removed\s+filtered\s+transitions forbidden\n`+
		`studienangebote\s+0\s+0\s+%d\s+1\s+0\s+0\n$`, len(s.Studienangebote())), out)
	var left int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM studienangebot WHERE schluessel = 'WITHDRAWN-1'`).Scan(&left))
	require.Zero(t, left)

	// One stream, for people: nothing changed since.
	out, _, err = runCLI(t, env, "sync", "download", "--stream", "bewerbungen")
	require.NoError(t, err)
	require.Regexp(t, `bewerbungen\s+0\s+0\s+0`, out)

	// The full download removes what the Servicestelle no longer has, and
	// says so.
	require.NoError(t, s.DeleteBewerbung(s.Bewerbungen()[0].Key()))
	out, _, err = runCLI(t, env, "sync", "download", "--all", "--json")
	require.NoError(t, err)
	sum = jobs.Summary{}
	require.NoError(t, json.Unmarshal([]byte(out), &sum))
	require.Equal(t, map[string]int{"bewerbung": 1}, map[string]int{"bewerbung": sum.Removed["bewerbung"]})
	require.Equal(t, 99, count())

	// A failing round exits non-zero with the cause.
	require.NoError(t, s.SetFault("*", sim.Fault{HTTPErrorRate: 1, HTTPStatus: 503}))
	_, _, err = runCLI(t, env, "sync", "download", "--stream", "bewerber")
	require.Error(t, err)
	require.Equal(t, 1, exitCode(err))
	require.ErrorContains(t, err, "503")
	s.ClearFaults()

	for _, sub := range []string{"download", "uni"} {
		out, _, err = runCLI(t, nil, "sync", sub, "--help")
		require.NoError(t, err)
		require.Contains(t, out, "Usage: sestd sync "+sub)
	}

	// Mistakes are usage errors.
	for _, args := range [][]string{{"sync"}, {"sync", "nonsense"}, {"sync", "download", "--stream", "nonsense"}, {"sync", "download", "--all", "--stream", "bewerber"}} {
		_, _, err = runCLI(t, env, args...)
		require.True(t, errors.Is(err, errUsage), "%v: %v", args, err)
	}
}
