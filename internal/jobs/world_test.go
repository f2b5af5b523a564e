package jobs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"sestd/internal/config"
	"sestd/internal/daemon"
	"sestd/internal/jobs"
	"sestd/internal/metrics"
	"sestd/internal/sest/sim"
	"sestd/internal/store"
)

// The pieces every test world of this package is made of: a simulator
// over real HTTP, a configuration pointing at it and at a real database,
// and sestd's jobs on a real River client.

const (
	testUser     = "hs4411"
	testPassword = "sim-password"
)

// testSim starts a simulator with sestd's test credentials; wrap, when
// set, stands between the client and the simulator (fault injection).
func testSim(t testing.TB, sc sim.Config, wrap func(*sim.Sim, http.Handler) http.Handler) (*sim.Sim, string) {
	t.Helper()
	sc.Hochschulnummer = "4411"
	sc.Username, sc.Password = testUser, testPassword
	s, err := sim.New(sc)
	require.NoError(t, err)
	h := s.Handler()
	if wrap != nil {
		h = wrap(s, h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// testConfig is the configuration of a test: the Servicestelle at
// simURL, the database of pool, files in temporary directories, every
// schedule off (tests run jobs themselves).
func testConfig(t testing.TB, pool *pgxpool.Pool, simURL string) config.Config {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Database.URL = pool.Config().ConnString()
	cfg.Servicestelle.BaseURL = simURL + "/hochschule/webservice/3"
	cfg.Servicestelle.Hochschulnummer = "4411"
	cfg.Servicestelle.Username = testUser
	cfg.Servicestelle.Password = testPassword
	cfg.Servicestelle.Vermittlungsprozess.Jahr = 2026
	cfg.Servicestelle.Timeout = 10 * time.Second
	cfg.Sync.DocumentRoot = filepath.Join(dir, "documents")
	cfg.Sync.DokumentDownload = true // off by default (Sestco's default); the tests of documents switch it on here
	cfg.Export.Dir = filepath.Join(dir, "export")
	cfg.Import.InboxDir = filepath.Join(dir, "inbox")
	cfg.Sync.Schedules = config.Schedules{Delta: "off", Studienangebote: "off", Full: "off", Outbound: "off", Inbox: "off", Retention: "off"}
	return cfg
}

// rig is sestd's jobs on a running River client.
type rig struct {
	deps    jobs.Deps
	kit     *jobs.Kit
	log     *zap.Logger
	metrics *metrics.Metrics
	client  *river.Client[pgx.Tx]
	events  <-chan *river.Event
	// stop stops the client, cancelling running jobs (also at cleanup).
	stop func()
}

// startRig builds the jobs for cfg and works them on every queue.
func startRig(t testing.TB, cfg config.Config, deps jobs.Deps, pool *pgxpool.Pool) *rig {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(logLevel()))
	if deps.Log != nil {
		log = zap.New(zapcore.NewTee(log.Core(), deps.Log.Core())) // the test also reads the log
	}
	m := metrics.New(metrics.BuildInfo{Version: "test"})
	client, err := daemon.NewSestClient(cfg, log, m)
	require.NoError(t, err)
	deps.Config, deps.Log, deps.Metrics, deps.Sest = cfg, log, m, client
	kit, err := jobs.Build(deps)
	require.NoError(t, err)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}, jobs.QueueSync: {MaxWorkers: 3},
			jobs.QueueImport: {MaxWorkers: 2}, jobs.QueueOutbound: {MaxWorkers: 1}},
		Workers:      kit.Workers,
		PeriodicJobs: kit.Periodic, // none unless a test turns a schedule on
		MaxAttempts:  5,
		Middleware:   append([]rivertype.Middleware{&jobs.LogMiddleware{Log: log}, m.JobMiddleware()}, kit.Middleware...),
		TestOnly:     true,
	})
	require.NoError(t, err)
	events, cancelSub := rc.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled, river.EventKindJobSnoozed)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, rc.Start(ctx))
	var once sync.Once
	stop := func() {
		once.Do(func() {
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			_ = rc.StopAndCancel(sctx)
			cancelSub()
			cancel()
		})
	}
	t.Cleanup(stop)
	return &rig{deps: deps, kit: kit, log: log, metrics: m, client: rc, events: events, stop: stop}
}

// await inserts args and waits for that job's outcome; snoozes are
// skipped when skipSnoozed.
func (r *rig) await(t testing.TB, args river.JobArgs, maxAttempts int, skipSnoozed bool) *river.Event {
	t.Helper()
	res, err := r.client.Insert(context.Background(), args, &river.InsertOpts{MaxAttempts: maxAttempts})
	require.NoError(t, err)
	return r.awaitID(t, res.Job.ID, skipSnoozed)
}

// awaitID waits for job id's next outcome.
func (r *rig) awaitID(t testing.TB, id int64, skipSnoozed bool) *river.Event {
	t.Helper()
	timeout := time.After(3 * time.Minute)
	for {
		select {
		case ev := <-r.events:
			if ev.Job.ID == id && (!skipSnoozed || ev.Kind != river.EventKindJobSnoozed) {
				return ev
			}
		case <-timeout:
			t.Fatalf("job %d did not finish within 3 minutes", id)
		}
	}
}

// syncAll brings the whole mirror up to date: the Studienangebote, then a
// delta poll of every stream, each required to complete.
func (r *rig) syncAll(t testing.TB) {
	t.Helper()
	ev := r.await(t, jobs.StudienangeboteArgs{}, 5, true)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "studienangebote: %v", ev.Job.Errors)
	for _, s := range store.AllStreams() {
		ev := r.await(t, jobs.DeltaArgs{Stream: s}, 5, true)
		require.Equal(t, river.EventKindJobCompleted, ev.Kind, "delta %s: %v", s, ev.Job.Errors)
	}
}
