package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"go.uber.org/zap"

	"sestd/internal/logging"
	"sestd/internal/store"
)

func cmdMigrate(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "migrate", "[--config FILE] [--status]", `
Applies River's and sestd's pending database migrations, each in its own
transaction, under an advisory lock (instances starting together take turns).
Running it again is a no-op. With --status, lists applied and pending
migrations without changing anything.`)
	cfgPath := configFlag(fs, e)
	status := fs.Bool("status", false, "list applied and pending migrations, change nothing")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	cfg, log, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	pool, err := store.Connect(ctx, cfg.Database.URL, cfg.Database.Password.Value(), 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	if err := st.Ping(ctx); err != nil {
		return fmt.Errorf("%w (check database.url / SESTD_DATABASE_URL)", err)
	}
	if *status {
		all, err := st.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LINE\tVERSION\tNAME\tSTATE\tAPPLIED AT")
		pending := 0
		for _, m := range all {
			state, at := "applied", ""
			if !m.Applied {
				state = "pending"
				pending++
			} else if !m.AppliedAt.IsZero() {
				at = m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", m.Line, m.Version, m.Name, state, at)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\n%d applied, %d pending\n", len(all)-pending, pending)
		return nil
	}
	applied, err := st.Migrate(ctx, logging.Slog(log))
	if err != nil {
		return err
	}
	for _, m := range applied {
		log.Info("migration applied", zap.String("line", m.Line), zap.Int("version", m.Version), zap.String("name", m.Name))
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "database schema is up to date; nothing to apply")
	} else {
		fmt.Fprintf(e.stdout, "applied %d migrations\n", len(applied))
	}
	return nil
}
