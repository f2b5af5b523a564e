package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"sestd/internal/daemon"
	"sestd/internal/jobs"
	"sestd/internal/metrics"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// The daemon's outbound round is queued (not running): `sestd sync uni`
// sends now all the same, and the daemon's round, run afterwards, finds
// nothing to send: the simulator received each application once. While a
// round runs (it holds the outbound lock) sync uni names it and starts
// none; a job row left running without the lock (a crashed process) does
// not stop it.
func TestSyncUniSendsWhileTheDaemonsRoundIsQueued(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, dir, env := simCLI(t, sim.Config{Seed: 32, Bewerber: 20, Bewerbungen: 5})
	people := s.AllBewerber()
	var csv strings.Builder
	csv.WriteString("HS_BEWERBUNG_ID;TYP;BEWERBER_ID;BAN;STUDIENGANG_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS\n")
	var keys []string
	for i, sg := range []string{"82-079", "82-128"} {
		p := people[len(people)-1-i]
		_, ban, err := s.Bewerber(p.ID)
		require.NoError(t, err)
		fmt.Fprintf(&csv, "Q-%d;einfach;%s;%s;%s;2026-07-01T10:00:00+02:00;eingegangen\n", i+1, p.ID, ban, sg)
		keys = append(keys, p.ID+"/"+sg)
	}
	file := filepath.Join(dir, "bewerbungen.csv")
	require.NoError(t, os.WriteFile(file, []byte(csv.String()), 0o600))
	_, errOut, err := runCLI(t, env, "import", "--kind", "uni_bewerbungen", file)
	require.NoError(t, err, errOut)

	// The daemon's periodic round, queued on the outbound queue.
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)
	queued, err := inserter.Insert(ctx, jobs.OutboundArgs{}, nil)
	require.NoError(t, err)
	require.False(t, queued.UniqueSkippedAsDuplicate)

	out, errOut, err := runCLI(t, env, "sync", "uni")
	require.NoError(t, err, errOut)
	require.Regexp(t, `(?m)^sent\s+2$`, out)
	require.Regexp(t, `(?m)^accepted\s+2$`, out)
	received := func() map[string]int {
		got := map[string]int{}
		for _, c := range s.Received(sestmodel.OpUebermittelnNeueBewerbungen) {
			for _, b := range c.Request.(*wire.BewerbungenRequest).Bewerbung {
				got[b.Key()]++
			}
		}
		return got
	}
	require.Equal(t, map[string]int{keys[0]: 1, keys[1]: 1}, received())

	// The daemon's round runs now: nothing left to send.
	cfg, _, err := loadConfig(env2(env), "")
	require.NoError(t, err)
	m := metrics.New(metrics.BuildInfo{Version: "test"})
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	client, err := daemon.NewSestClient(cfg, log, m)
	require.NoError(t, err)
	t.Cleanup(client.Close)
	st := store.New(pool)
	kit, err := jobs.Build(jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: m, Sest: client})
	require.NoError(t, err)
	worker, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:  map[string]river.QueueConfig{jobs.QueueOutbound: {MaxWorkers: 1}},
		Workers: kit.Workers, TestOnly: true,
	})
	require.NoError(t, err)
	events, cancel := worker.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	defer cancel()
	require.NoError(t, worker.Start(ctx))
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = worker.StopAndCancel(sctx)
	})
	var ev *river.Event
	for ev == nil || ev.Job.ID != queued.Job.ID {
		select {
		case ev = <-events:
		case <-time.After(2 * time.Minute):
			t.Fatal("the daemon's round did not finish")
		}
	}
	require.Equal(t, river.EventKindJobCompleted, ev.Kind)
	var res jobs.OutboundResult
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &res))
	require.Zero(t, res.Sent, "the daemon's round found nothing to send")
	require.Equal(t, map[string]int{keys[0]: 1, keys[1]: 1}, received(), "each application sent once")
	require.Len(t, s.Received(sestmodel.OpUebermittelnNeueBewerbungen), 1, "one call in all")

	// A round that runs holds the lock: sync uni names it and starts none.
	running, err := inserter.Insert(ctx, jobs.OutboundArgs{}, nil)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() WHERE id = $1`, running.Job.ID)
	require.NoError(t, err)
	unlock, ok, err := st.TryLock(ctx, "outbound")
	require.NoError(t, err)
	require.True(t, ok)
	_, _, err = runCLI(t, env, "sync", "uni")
	require.ErrorContains(t, err, fmt.Sprintf("an outbound round is running (job %d)", running.Job.ID))
	require.ErrorContains(t, err, "sestd trigger outbound_sync --wait")
	require.Equal(t, 1, exitCode(err))
	// The lock released (the process that ran it is gone), the job row
	// still says running: sync uni runs.
	unlock()
	out, errOut, err = runCLI(t, env, "sync", "uni")
	require.NoError(t, err, errOut)
	require.Regexp(t, `(?m)^sent\s+0$`, out)
	require.Len(t, s.Received(sestmodel.OpUebermittelnNeueBewerbungen), 1, "still one call in all")
}

// env2 is the CLI environment of a test as loadConfig reads it.
func env2(vars map[string]string) env {
	return env{getenv: func(k string) string { return vars[k] }, stdout: io.Discard, stderr: io.Discard}
}
