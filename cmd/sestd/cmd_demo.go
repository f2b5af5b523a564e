package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/daemon"
	"sestd/internal/logging"
	"sestd/internal/metrics"
	"sestd/internal/pgcluster"
)

func cmdDemo(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "demo", "[--dir DIR] [--reset] [--admin ADDR]", `
Runs the whole of sestd on this machine with nothing but the checkout and
PostgreSQL's binaries: a throwaway PostgreSQL cluster in DIR, the database
migrated, and the daemon with its admin API. Prints where to look. Ctrl-C
stops everything and leaves no process behind; a second run reuses DIR's
state unless --reset is given.`)
	dir := fs.String("dir", ".sestd-demo", "state `directory` (PostgreSQL data, documents, inbox, exports)")
	reset := fs.Bool("reset", false, "delete the state directory first")
	adminAddr := fs.String("admin", "127.0.0.1:8787", "admin API listen `address`")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	log, err := logging.New(e.stderr, "info", "console")
	if err != nil {
		return err
	}
	if *reset {
		if err := os.RemoveAll(*dir); err != nil {
			return fmt.Errorf("resetting %s: %w", *dir, err)
		}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", *dir, err)
	}
	pgcluster.CleanStale(ctx, filepath.Join(*dir, "pg"))
	cluster, err := pgcluster.New(filepath.Join(*dir, "pg"), 0)
	if err != nil {
		return err
	}
	log.Info("starting a throwaway PostgreSQL", zap.String("dir", cluster.Dir), zap.Int("port", cluster.Port))
	if err := cluster.Init(ctx); err != nil {
		return err
	}
	if err := cluster.Start(ctx); err != nil {
		return fmt.Errorf("%w (its log: %s)", err, cluster.LogFile())
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := cluster.Stop(sctx); err != nil {
			log.Warn("stopping PostgreSQL", zap.Error(err))
		}
		log.Info("demo stopped; state kept in " + *dir + " (use --reset to start afresh)")
	}()
	if err := cluster.CreateDatabase(ctx, "sestd"); err != nil {
		return err
	}

	cfg := config.Default()
	cfg.Database.URL = cluster.URL("sestd")
	cfg.Admin.Listen = *adminAddr
	cfg.River.ShutdownGrace = 10 * time.Second
	abs, _ := filepath.Abs(*dir)
	cfg.Sync.DocumentRoot = filepath.Join(abs, "documents")
	cfg.Import.InboxDir = filepath.Join(abs, "inbox")
	cfg.Export.Dir = filepath.Join(abs, "export")
	if err := cfg.Validate(); err != nil {
		return err
	}
	return daemon.Run(ctx, daemon.Options{
		Config: cfg, Log: log, Migrate: true,
		Build: metrics.BuildInfo{Version: version, Commit: buildCommit()},
		OnReady: func(addr net.Addr) {
			fmt.Fprintf(e.stdout, `
sestd demo is running. Press Ctrl-C to stop.
  admin API   http://%[1]s/readyz   http://%[1]s/healthz
  metrics     http://%[1]s/metrics
  database    %[2]s
  state       %[3]s
`, addr, cfg.Database.URL, abs)
		},
	})
}
