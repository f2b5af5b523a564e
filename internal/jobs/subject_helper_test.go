package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

// dpWorld is a data-protection test's world: the simulator over real
// HTTP, a real database, sestd's jobs on a real River client, and the
// directories sestd writes (documents, export, inbox).
type dpWorld struct {
	sim    *sim.Sim
	pool   *pgxpool.Pool
	store  *store.Store
	deps   jobs.Deps
	client *river.Client[pgx.Tx]
	rig    *rig
}

func newDPWorld(t *testing.T, sc sim.Config, configure func(*config.Config)) *dpWorld {
	t.Helper()
	s, url := testSim(t, sc, nil)
	pool := testdb.New(t)
	cfg := testConfig(t, pool, url)
	// The round of 2026 closes on 1 Dec 2026: not due before mid-2027.
	cfg.Retention.ClosedAt = time.Now().Add(24 * time.Hour)
	if configure != nil {
		configure(&cfg)
	}
	require.NoError(t, cfg.Validate())
	st := store.New(pool)
	r := startRig(t, cfg, jobs.Deps{Store: st}, pool)
	return &dpWorld{sim: s, pool: pool, store: st, deps: r.deps, client: r.client, rig: r}
}

// work runs args to completion and returns the job's row.
func (w *dpWorld) work(t *testing.T, args river.JobArgs) *rivertype.JobRow {
	t.Helper()
	ev := w.rig.await(t, args, 1, false)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "%s: %v", args.Kind(), ev.Job.Errors)
	return ev.Job
}

// deltaAll polls every stream.
func (w *dpWorld) deltaAll(t *testing.T) {
	t.Helper()
	for _, s := range store.AllStreams() {
		w.work(t, jobs.DeltaArgs{Stream: s})
	}
}

// rowsMentioning counts, per table of the public schema, the rows whose
// text contains needle (every column, as PostgreSQL renders the row).
func rowsMentioning(t *testing.T, pool *pgxpool.Pool, needle string, except ...string) map[string]int {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT table_name FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	skip := map[string]bool{}
	for _, e := range except {
		skip[e] = true
	}
	out := map[string]int{}
	for _, tb := range tables {
		if skip[tb] {
			continue
		}
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{tb}.Sanitize()+` t WHERE strpos(t::text, $1) > 0`, needle).Scan(&n))
		if n > 0 {
			out[tb] = n
		}
	}
	return out
}
