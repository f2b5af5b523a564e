// Package daemon wires sestd's parts into the long-running process behind
// `sestd run`: the database pool, the schema check, the River client with
// sestd's jobs, the admin HTTP API, systemd notification and the watchdog.
//
// Run never crash-loops on a database outage: it waits for the database
// with backoff before starting River, and after start River and /readyz
// follow the database going away and coming back. On ctx's cancellation
// (SIGTERM) it stops fetching jobs, lets running jobs finish within the
// configured grace period, cancels what is left, and returns nil.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"sestd/internal/admin"
	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/logging"
	"sestd/internal/metrics"
	"sestd/internal/sest"
	"sestd/internal/store"
)

// Options configure one daemon run.
type Options struct {
	Config config.Config
	Log    *zap.Logger
	Build  metrics.BuildInfo
	// Migrate applies pending migrations at start instead of refusing.
	Migrate bool
	// OnReady is called once River runs and the admin API listens, with the
	// admin API's address.
	OnReady func(adminAddr net.Addr)
	// Notify sends a systemd state ("READY=1", …); nil uses sd_notify.
	Notify func(state string)
	// ConfigureWorkers lets tests add workers of their own.
	ConfigureWorkers func(*river.Workers)
}

// Run runs the daemon until ctx is cancelled.
func Run(ctx context.Context, opts Options) error {
	cfg, log := opts.Config, opts.Log
	notify := opts.Notify
	if notify == nil {
		notify = func(state string) { _, _ = daemon.SdNotify(false, state) }
	}
	m := metrics.New(opts.Build)

	pool, err := store.Connect(ctx, cfg.Database.URL, cfg.Database.Password.Value(), cfg.Database.MaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	m.AddGaugeFunc(metrics.GaugeFunc{
		Name: "sestd_river_jobs", Help: "River jobs by state (queue depth).", Label: "state",
		Collect: st.RiverJobCountsByState,
	})

	m.AddGaugeFunc(metrics.GaugeFunc{
		Name: "sestd_sync_cursor_age_seconds", Help: "Seconds since each delta stream's cursor last moved (sync lag).", Label: "stream",
		Collect: st.CursorAges,
	})

	var phase atomic.Value // why not ready; "" when ready
	phase.Store("starting: waiting for the database")
	ready := func(ctx context.Context) error {
		if p := phase.Load().(string); p != "" {
			return errors.New(p)
		}
		if err := st.Ping(ctx); err != nil {
			return fmt.Errorf("database unreachable: %w", err)
		}
		return nil
	}

	adm, err := admin.New(admin.Options{
		Listen: cfg.Admin.Listen, Token: cfg.Admin.Token, Log: log, Ready: ready, Metrics: m.Handler(),
	})
	if err != nil {
		return err
	}
	listener, err := adm.Listen()
	if err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- adm.Serve(listener) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = adm.Shutdown(sctx)
	}()
	log.Info("admin API listening", zap.String("addr", listener.Addr().String()))

	if !waitForDatabase(ctx, st, log) {
		return nil // stopped while waiting: a clean exit
	}
	if err := ensureSchema(ctx, st, opts.Migrate, log); err != nil {
		return err
	}

	deps := jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: m}
	if cfg.Servicestelle.Hochschulnummer != "" {
		client, err := NewSestClient(cfg, log, m)
		if err != nil {
			return err
		}
		defer client.Close()
		deps.Sest = client
	}
	kit, err := jobs.Build(deps)
	if err != nil {
		return fmt.Errorf("building jobs: %w", err)
	}
	if opts.ConfigureWorkers != nil {
		opts.ConfigureWorkers(kit.Workers)
	}
	queues := map[string]river.QueueConfig{}
	for name, n := range cfg.River.Queues {
		queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	clientID := riverClientID()
	releaseAlive, err := st.ClientAlive(ctx, clientID)
	if err != nil {
		return err
	}
	defer releaseAlive()
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		ID:                   clientID,
		RescueStuckJobsAfter: cfg.River.RescueAfter,
		Logger:               logging.Slog(log),
		Queues:               queues,
		Workers:              kit.Workers,
		PeriodicJobs:         kit.Periodic,
		MaxAttempts:          cfg.River.MaxAttempts,
		JobTimeout:           -1, // jobs bound themselves; shutdown cancels them
		Middleware:           append([]rivertype.Middleware{&jobs.LogMiddleware{Log: log}, m.JobMiddleware()}, kit.Middleware...),
	})
	if err != nil {
		return fmt.Errorf("creating River client: %w", err)
	}
	// River's own context outlives ctx: cancelling it would cancel running
	// jobs at once, before their grace period.
	riverCtx, cancelRiver := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRiver()
	phase.Store("starting: the job queue")
	if err := startRiver(ctx, riverCtx, client, st, log); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if n, err := st.RiverRescueOrphaned(ctx); err != nil {
		log.Warn("looking for jobs of crashed instances", zap.Error(err))
	} else if n > 0 {
		log.Warn("resumed jobs left running by a crashed instance", zap.Int("jobs", n))
	}
	if err := adm.MountAPI(ctx, admin.APIDeps{Config: cfg, Store: st, River: client, Triggers: kit.Triggers}); err != nil {
		return err
	}
	if err := mountConsole(adm, cfg, st, client, kit, log); err != nil {
		return err
	}
	// Import runs whose process died show as failed, not running forever.
	if n, err := st.ImportRunFailStale(ctx, time.Now().Add(-cfg.River.RescueAfter)); err != nil {
		log.Warn("marking abandoned import runs", zap.Error(err))
	} else if n > 0 {
		log.Warn("import runs of ended processes marked failed", zap.Int64("runs", n))
	}
	phase.Store("")
	notify(daemon.SdNotifyReady)
	log.Info("sestd ready", zap.Strings("queues", queueNames(cfg)), zap.Int("periodic_jobs", len(kit.Periodic)))
	if opts.OnReady != nil {
		opts.OnReady(listener.Addr())
	}

	watchdog := watchdogInterval()
	var tick <-chan time.Time
	if watchdog > 0 {
		t := time.NewTicker(watchdog)
		defer t.Stop()
		tick = t.C
	}
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-serveErr:
			return err
		case <-tick:
			notify(daemon.SdNotifyWatchdog)
		}
	}

	phase.Store("shutting down")
	notify(daemon.SdNotifyStopping)
	log.Info("shutting down: no new jobs are fetched; running jobs may finish", zap.Duration("grace", cfg.River.ShutdownGrace))
	softCtx, cancelSoft := context.WithTimeout(context.WithoutCancel(ctx), cfg.River.ShutdownGrace)
	defer cancelSoft()
	if err := client.Stop(softCtx); err != nil {
		log.Warn("grace period over: cancelling running jobs", zap.Error(err))
		hardCtx, cancelHard := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancelHard()
		if err := client.StopAndCancel(hardCtx); err != nil {
			log.Error("jobs did not stop after cancellation", zap.Error(err))
		}
	}
	log.Info("sestd stopped")
	return nil
}

// waitForDatabase pings until the database answers, backing off up to 30s.
// It reports false when ctx ended first.
func waitForDatabase(ctx context.Context, st *store.Store, log *zap.Logger) bool {
	backoff := time.Second
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := st.Ping(pctx)
		cancel()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		log.Warn("database unreachable, retrying", zap.Error(err), zap.Duration("retry_in", backoff))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// startRiver starts the client, retrying while the database flickers; any
// other failure is returned.
func startRiver(ctx, riverCtx context.Context, client *river.Client[pgx.Tx], st *store.Store, log *zap.Logger) error {
	backoff := time.Second
	for {
		err := client.Start(riverCtx)
		if err == nil {
			return nil
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		pingErr := st.Ping(pctx)
		cancel()
		if pingErr == nil {
			return fmt.Errorf("starting the job queue: %w", err)
		}
		log.Warn("starting the job queue failed, retrying", zap.Error(err), zap.Duration("retry_in", backoff))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// ensureSchema refuses a schema that is behind unless told to migrate.
func ensureSchema(ctx context.Context, st *store.Store, migrate bool, log *zap.Logger) error {
	pending, err := st.Pending(ctx)
	if err != nil {
		return fmt.Errorf("checking the database schema: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	if !migrate {
		names := make([]string, 0, len(pending))
		for _, p := range pending {
			names = append(names, fmt.Sprintf("%s/%d_%s", p.Line, p.Version, p.Name))
		}
		return fmt.Errorf("the database schema is behind (%d pending migrations: %s): run `sestd migrate` first, or start with `sestd run --migrate`",
			len(pending), strings.Join(names, ", "))
	}
	applied, err := st.Migrate(ctx, logging.Slog(log))
	if err != nil {
		return err
	}
	log.Info("migrations applied", zap.Int("count", len(applied)))
	return nil
}

// watchdogInterval is half of systemd's WatchdogSec, or 0 when unset.
func watchdogInterval() time.Duration {
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil || d <= 0 {
		return 0
	}
	return d / 2
}

func queueNames(cfg config.Config) []string {
	out := make([]string, 0, len(cfg.River.Queues))
	for q := range cfg.River.Queues {
		out = append(out, q)
	}
	return out
}

// NewSestClient builds the Servicestelle client from the config.
func NewSestClient(cfg config.Config, log *zap.Logger, m *metrics.Metrics) (*sest.Client, error) {
	s := cfg.Servicestelle
	client, err := sest.New(sest.Config{
		BaseURL: s.BaseURL, InterfaceVersion: s.InterfaceVersion,
		Username: s.Username, Password: s.Password.Value(), Hochschulnummer: s.Hochschulnummer,
		Jahr: s.Vermittlungsprozess.Jahr, Semester: s.Vermittlungsprozess.Semester,
		VermittlungsprozessTyp: s.Vermittlungsprozess.Typ,
		ProxyURL:               s.ProxyURL, CAFile: s.CAFile, InsecureSkipVerify: s.InsecureSkipVerify,
		Timeout: s.Timeout, Location: s.Location(), DebugBodies: s.DebugBodies,
	}, log, sest.NewMetrics(m.Registry))
	if err != nil {
		return nil, fmt.Errorf("servicestelle client: %w", err)
	}
	return client, nil
}

// riverClientID names this process in River's job rows (attempted_by) and
// its liveness lock.
func riverClientID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("sestd_%s_%d_%d", host, os.Getpid(), time.Now().UnixNano())
}
