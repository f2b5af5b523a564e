package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/daemon"
	"sestd/internal/importers"
	"sestd/internal/logging"
	"sestd/internal/metrics"
)

// configFlag adds --config to fs, defaulting to SESTD_CONFIG.
func configFlag(fs *flag.FlagSet, e env) *string {
	return fs.String("config", e.getenv("SESTD_CONFIG"), "YAML config `file` (default $SESTD_CONFIG; none: defaults and environment only)")
}

// loadConfig loads the config and builds the logger it asks for.
func loadConfig(e env, path string) (config.Config, *zap.Logger, error) {
	cfg, err := config.Load(path, e.getenv)
	if err == nil {
		err = cfg.CheckImportModes(importKinds())
	}
	if e.environ != nil {
		err = errors.Join(err, config.CheckEnviron(e.environ()))
	}
	if err != nil {
		return config.Config{}, nil, fmt.Errorf("invalid configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	log, err := logging.New(e.stderr, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		return config.Config{}, nil, err
	}
	return cfg, log, nil
}

// importKinds are the declared import kinds as config checks import.modes
// against them.
func importKinds() []config.ImportKind {
	kinds := importers.Kinds()
	out := make([]config.ImportKind, len(kinds))
	for i, k := range kinds {
		out[i] = config.ImportKind{Name: string(k.Kind)}
		for _, m := range k.Modes {
			out[i].Modes = append(out[i].Modes, string(m))
		}
	}
	return out
}

func keysHelp() string {
	var b strings.Builder
	b.WriteString("Configuration keys (YAML key, environment variable; secrets also as <VAR>_FILE):\n")
	for _, k := range config.Keys() {
		fmt.Fprintf(&b, "  %-45s %s\n", k[0], k[1])
	}
	b.WriteString("\nEvery key is documented in deploy/sestd.example.yaml.")
	return b.String()
}

func cmdRun(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "run", "[--config FILE] [--migrate]", `
Runs the daemon: the periodic sync jobs on River, the admin API with /healthz,
/readyz and /metrics, systemd notification and watchdog. SIGTERM or SIGINT
stop it cleanly: no new jobs are fetched, running jobs get river.shutdown_grace
to finish, then they are cancelled and retried on the next start.

The daemon refuses to start on a database schema that is behind; run
'sestd migrate' first or pass --migrate.

Go's garbage collector runs with GOGC=300 and a soft memory limit of 128 MiB
(less CPU for the full download, peak RSS under 150 MB); GOGC or GOMEMLIMIT
in the environment replace these.

`+keysHelp())
	cfgPath := configFlag(fs, e)
	migrate := fs.Bool("migrate", false, "apply pending database migrations before starting")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	cfg, log, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	if cfg.Servicestelle.InsecureSkipVerify {
		log.Warn("TLS verification of the Servicestelle is OFF (servicestelle.insecure_skip_verify): never use this in production")
	}
	if cfg.Servicestelle.DebugBodies {
		log.Warn("SOAP bodies are logged at debug level (servicestelle.debug_bodies): they contain applicants' personal data")
	}
	log.Info("sestd starting", zap.String("version", version), zap.String("config", *cfgPath))
	daemonGC(e.getenv).apply(log)
	return daemon.Run(ctx, daemon.Options{
		Config: cfg, Log: log, Migrate: *migrate,
		Build: metrics.BuildInfo{Version: version, Commit: buildCommit()},
	})
}
