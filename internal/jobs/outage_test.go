package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/mirrortest"
	"sestd/internal/sest/sim"
	"sestd/internal/store"
)

// deltaOutcomes reads job events until done says the delta poll outcomes
// seen so far (per stream, in order) are enough.
func deltaOutcomes(t *testing.T, b *bundle, done func(map[string][]river.EventKind) bool) map[string][]river.EventKind {
	t.Helper()
	seen := map[string][]river.EventKind{}
	timeout := time.After(5 * time.Minute)
	for !done(seen) {
		select {
		case ev := <-b.rig.events:
			if ev.Job.Kind != (jobs.DeltaArgs{}).Kind() {
				continue
			}
			var a jobs.DeltaArgs
			require.NoError(t, json.Unmarshal(ev.Job.EncodedArgs, &a))
			seen[a.Stream.String()] = append(seen[a.Stream.String()], ev.Kind)
		case <-timeout:
			t.Fatalf("delta polls did not get there within 5 minutes: %v", seen)
		}
	}
	return seen
}

// everyStream says whether every stream has n outcomes of kind.
func everyStream(n int, kind river.EventKind) func(map[string][]river.EventKind) bool {
	return func(seen map[string][]river.EventKind) bool {
		for _, s := range store.AllStreams() {
			c := 0
			for _, k := range seen[s.String()] {
				if k == kind {
					c++
				}
			}
			if c < n {
				return false
			}
		}
		return true
	}
}

// outage is a world whose delta polls run on a schedule of interval.
func outage(t *testing.T, seed int64, interval time.Duration) *bundle {
	t.Helper()
	b := setup(t, options{sim: sim.Config{Seed: seed, Bewerbungen: 200}, packageSize: 50, configure: func(c *config.Config) {
		c.Sync.Schedules.Delta = fmt.Sprintf("@every %s", interval)
	}})
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.StudienangeboteArgs{}).Kind)
	deltaOutcomes(t, b, everyStream(1, river.EventKindJobCompleted))
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
	return b
}

// goDown makes every call fail with HTTP 503 and moves the simulator's
// clock on by d while its data changes.
func goDown(t *testing.T, b *bundle, d time.Duration) {
	t.Helper()
	require.NoError(t, b.sim.SetFault("*", sim.Fault{HTTPErrorRate: 1, HTTPStatus: 503}))
	b.sim.Clock().Advance(d)
	require.Positive(t, b.sim.Churn(40))
}

// recover ends the outage and waits until every stream completed a poll;
// it returns how many polls each stream needed (the completed one
// included).
func recoverFromOutage(t *testing.T, b *bundle) map[string]int {
	t.Helper()
	b.sim.ClearFaults()
	seen := deltaOutcomes(t, b, everyStream(1, river.EventKindJobCompleted))
	polls := map[string]int{}
	for s, kinds := range seen {
		for _, k := range kinds {
			polls[s]++
			if k == river.EventKindJobCompleted {
				break
			}
		}
	}
	return polls
}

func TestSyncResumesWithinTwoPollsAfterThreeDaysDown(t *testing.T) {
	t.Parallel()
	const interval = 2 * time.Second
	b := outage(t, 25, interval)

	// Three simulated days down, the data changing meanwhile; the polls
	// keep failing.
	goDown(t, b, 72*time.Hour)
	deltaOutcomes(t, b, everyStream(4, river.EventKindJobFailed))

	// However often a poll failed, its next attempt is the next scheduled
	// poll, not River's growing backoff (after four failures that would be
	// 4^4 s = 256 s). The failures stay failures (counted, in the job's
	// errors).
	rows, err := b.pool.Query(context.Background(), `SELECT args->>'stream', cardinality(errors), scheduled_at - attempted_at
		FROM river_job WHERE kind = 'delta_poll' AND state IN ('retryable', 'available') AND attempted_at IS NOT NULL`)
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		var stream string
		var errs int
		var wait time.Duration
		require.NoError(t, rows.Scan(&stream, &errs, &wait))
		require.LessOrEqual(t, wait, interval+time.Second, "stream %s: next try within one poll interval", stream)
		require.Positive(t, errs, "stream %s: the failure is recorded", stream)
		n++
	}
	require.NoError(t, rows.Err())
	require.Positive(t, n, "the failing polls wait for their next turn")

	polls := recoverFromOutage(t, b)
	for _, s := range store.AllStreams() {
		require.LessOrEqual(t, polls[s.String()], 2, "stream %s syncs within two polls of the Servicestelle's return", s)
	}
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
}

func TestPermanentFaultCancelsAScheduledPoll(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sim: sim.Config{Seed: 1, Bewerbungen: 20}, configure: func(c *config.Config) {
		c.Sync.Schedules.Delta = "@every 2s"
		c.Servicestelle.Password = "wrong"
	}})
	seen := deltaOutcomes(t, b, func(seen map[string][]river.EventKind) bool { return len(seen[store.StreamBewerbungen.String()]) > 0 })
	require.Equal(t, river.EventKindJobCancelled, seen[store.StreamBewerbungen.String()][0], "wrong credentials stop the poll; it is not snoozed")
}

// TestOutageRecoveryFigures measures, for outages of 90 s, 5 min and 1 h
// at a poll interval of 5 min, how long the mirror takes to equal the
// Servicestelle once it answers again. Time is scaled 1:150 (the 5-minute
// poll runs every 2 s; the outages last 0.6 s, 2 s and 24 s of real time,
// and the simulator's clock moves on by their full length). Run it with
// SESTD_OUTAGE_FIGURES=1 go test ./internal/jobs -run OutageRecoveryFigures -v
func TestOutageRecoveryFigures(t *testing.T) {
	if os.Getenv("SESTD_OUTAGE_FIGURES") == "" {
		t.Skip("a measurement: set SESTD_OUTAGE_FIGURES=1")
	}
	const scale = 150
	interval := 5 * time.Minute / scale
	for _, d := range []time.Duration{90 * time.Second, 5 * time.Minute, time.Hour} {
		b := outage(t, 26, interval)
		goDown(t, b, d)
		// Wait out the outage by the failing polls it causes (at least
		// one), not by sleeping.
		polls := max(1, int(d/scale/interval))
		deltaOutcomes(t, b, everyStream(polls, river.EventKindJobFailed))
		began := time.Now()
		n := recoverFromOutage(t, b)
		took := time.Since(began)
		mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
		// The waiting scales with the poll interval, the work does not.
		var work time.Duration
		require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT coalesce(max(finalized_at - attempted_at), '0')
			FROM river_job WHERE kind = 'delta_poll' AND state = 'completed' AND finalized_at >= $1`, began).Scan(&work))
		wait := max(took-work, 0)
		t.Logf("outage %-6s: mirror equal %s after the Servicestelle's return (waiting %.2f poll intervals, working %s); at a 5-minute poll ≈ %s; polls per stream %v",
			d, took.Round(time.Millisecond), wait.Seconds()/interval.Seconds(), work.Round(time.Millisecond), (wait*scale + work).Round(time.Second), n)
	}
}
