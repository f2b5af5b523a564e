package jobs_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"sestd/internal/config"
	"sestd/internal/daemon"
	"sestd/internal/jobs"
	"sestd/internal/metrics"
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
	events <-chan *river.Event
}

func newDPWorld(t *testing.T, sc sim.Config, configure func(*config.Config)) *dpWorld {
	t.Helper()
	sc.Hochschulnummer = "4411"
	sc.Username, sc.Password = "hs4411", "sim-password"
	s, err := sim.New(sc)
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	pool := testdb.New(t)
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Database.URL = pool.Config().ConnString()
	cfg.Servicestelle.BaseURL = srv.URL + "/hochschule/webservice/3"
	cfg.Servicestelle.Hochschulnummer = "4411"
	cfg.Servicestelle.Username = "hs4411"
	cfg.Servicestelle.Password = "sim-password"
	cfg.Servicestelle.Vermittlungsprozess.Jahr = 2026
	cfg.Servicestelle.Timeout = 10 * time.Second
	cfg.Sync.DocumentRoot = filepath.Join(dir, "documents")
	cfg.Export.Dir = filepath.Join(dir, "export")
	cfg.Import.InboxDir = filepath.Join(dir, "inbox")
	cfg.Sync.Schedules = config.Schedules{Delta: "off", Studienangebote: "off", Full: "off", Outbound: "off", Inbox: "off", Retention: "off"}
	// The round of 2026 closes on 1 Dec 2026: not due before mid-2027.
	cfg.Retention.ClosedAt = time.Now().Add(24 * time.Hour)
	if configure != nil {
		configure(&cfg)
	}
	require.NoError(t, cfg.Validate())

	log := zaptest.NewLogger(t, zaptest.Level(logLevel()))
	m := metrics.New(metrics.BuildInfo{Version: "test"})
	client, err := daemon.NewSestClient(cfg, log, m)
	require.NoError(t, err)
	st := store.New(pool)
	deps := jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: m, Sest: client}
	kit, err := jobs.Build(deps)
	require.NoError(t, err)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:     map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}, jobs.QueueSync: {MaxWorkers: 2}},
		Workers:    kit.Workers,
		Middleware: []rivertype.Middleware{&jobs.LogMiddleware{Log: log}, m.JobMiddleware()},
		TestOnly:   true,
	})
	require.NoError(t, err)
	events, cancel := rc.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled, river.EventKindJobSnoozed)
	t.Cleanup(cancel)
	ctx, stop := context.WithCancel(context.Background())
	require.NoError(t, rc.Start(ctx))
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = rc.Stop(sctx)
		stop()
	})
	return &dpWorld{sim: s, pool: pool, store: st, deps: deps, client: rc, events: events}
}

// work runs args to completion and returns the job's row.
func (w *dpWorld) work(t *testing.T, args river.JobArgs) *rivertype.JobRow {
	t.Helper()
	res, err := w.client.Insert(context.Background(), args, &river.InsertOpts{MaxAttempts: 1})
	require.NoError(t, err)
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case ev := <-w.events:
			if ev.Job.ID != res.Job.ID {
				continue
			}
			require.Equal(t, river.EventKindJobCompleted, ev.Kind, "%s: %v", args.Kind(), ev.Job.Errors)
			return ev.Job
		case <-timeout:
			t.Fatalf("job %s did not finish within 2 minutes", args.Kind())
		}
	}
}

// deltaAll polls every stream.
func (w *dpWorld) deltaAll(t *testing.T) {
	t.Helper()
	for _, s := range store.Streams {
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
