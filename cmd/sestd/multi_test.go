package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"sestd/internal/fsutil"
	"sestd/internal/mail/mailtest"
	"sestd/internal/mirrortest"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
	"sestd/internal/testdb"
)

// TestThreeInstancesShareOneDatabase runs three sestd processes on one
// PostgreSQL: each periodic job runs once per schedule across them, the
// work is shared, and nothing is sent to the Servicestelle twice.
func TestThreeInstancesShareOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three daemons")
	}
	t.Parallel()
	ctx := context.Background()
	s, err := sim.New(sim.Config{Seed: 3, Bewerbungen: 1000, Hochschulnummer: "4411", Username: "hs4411", Password: "sim-pw", RealTimeClock: true})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	smtp := mailtest.New(t)
	dbURL := testdb.URL(t)
	dir := t.TempDir()
	env := soakEnv(dbURL, srv.URL, dir, smtp)
	inbox := filepath.Join(dir, "inbox", "uni_bewerbungen")
	require.NoError(t, fsutil.MkdirPrivate(inbox))

	start := time.Now()
	var procs []*daemonProc
	for i := range 3 {
		p := startSestdProcess(t, env, filepath.Join(dir, fmt.Sprintf("sestd-%d.log", i)))
		p.waitReady(t)
		procs = append(procs, p)
	}
	content, n, _ := applications(t, s, 1, 60, map[string]bool{})
	path := filepath.Join(inbox, "bewerbungen.csv")
	require.NoError(t, fsutil.WriteFileAtomic(path, []byte(content)))
	old := time.Now().Add(-time.Minute)
	require.NoError(t, os.Chtimes(path, old, old))

	pool, err := pgxpool.New(ctx, dbURL)
	require.NoError(t, err)
	defer pool.Close()
	// Settled means nothing left to do: first the file must have been
	// imported at all (a loaded machine may take a while to scan the inbox).
	require.Eventually(t, func() bool {
		var done int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM import_runs WHERE file_name = 'bewerbungen.csv' AND status IN ('succeeded', 'partial')`).Scan(&done)
		return err == nil && done > 0
	}, 2*time.Minute, time.Second, "the inbox file was not imported")
	// … and the outbound sync must have taken up every staged application.
	require.Eventually(t, func() bool {
		var waiting int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM uni_bewerbung u WHERE NOT EXISTS
			(SELECT 1 FROM outbox_item o WHERE o.kind = 'bewerbung' AND o.item_key = u.hs_bewerbung_id)`).Scan(&waiting)
		return err == nil && waiting == 0
	}, 2*time.Minute, time.Second, "the outbound sync did not take up the staged applications")
	require.True(t, waitSettled(t, pool, 2*time.Minute), "the instances did not converge")
	window := time.Since(start)
	for _, p := range procs {
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		_, _ = p.cmd.Process.Wait()
	}

	// Once per schedule: a delta poll of one stream every 3 s across all
	// three instances, not three times as many.
	var polls int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'delta_poll' AND args->>'stream' = 'bewerbungen'`).Scan(&polls))
	maxPolls := int(window/(3*time.Second)) + 3
	require.LessOrEqual(t, polls, maxPolls, "periodic jobs are scheduled once, by the leader (%d polls in %s)", polls, window)
	require.Positive(t, polls)

	// Shared work: jobs were worked by more than one instance.
	var workers int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(DISTINCT attempted_by[cardinality(attempted_by)]) FROM river_job WHERE state = 'completed'`).Scan(&workers))
	require.GreaterOrEqual(t, workers, 2, "the instances share the work")

	// Nothing sent twice.
	applied := map[string]int{}
	for _, c := range s.Received(sestmodel.OpUebermittelnNeueBewerbungen) {
		for _, x := range c.Request.(*wire.BewerbungenRequest).Bewerbung {
			applied[x.Key()]++
		}
	}
	rows, err := pool.Query(ctx, `SELECT sest_key FROM outbox_item WHERE kind = 'bewerbung' AND state = 'accepted'`)
	require.NoError(t, err)
	accepted := 0
	for rows.Next() {
		var key string
		require.NoError(t, rows.Scan(&key))
		accepted++
		require.Equal(t, 1, applied[key], "Bewerbung %s sent once", key)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, n-n/10, accepted, "every valid application accepted")
	mirrortest.RequireMirrorEqualsSim(t, pool, s)
	t.Logf("3 instances, %s: %d polls of one stream, %d instances worked jobs, %d applications sent once each", window.Round(time.Second), polls, workers, accepted)
}
