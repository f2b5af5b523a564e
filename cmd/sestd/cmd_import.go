package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"sestd/internal/importers"
	"sestd/internal/jobs"
	"sestd/internal/logging"
	"sestd/internal/metrics"
	"sestd/internal/store"
)

func importHelp() string {
	var b strings.Builder
	b.WriteString(`Imports FILE as a River job and waits for it, printing progress and the
summary. Rows that fail validation go to a rejects file beside FILE (the
original columns plus line and error), so a clerk can fix and re-import it.
A file imported before (same bytes, kind and mode) is skipped unless --force.

Kinds:
`)
	for _, k := range importers.Kinds() {
		fmt.Fprintf(&b, "  %-18s %s\n", k.Kind, k.Description)
	}
	b.WriteString("\nThe job runs in this process, on a queue of its own; `sestd run` need not be running.")
	return b.String()
}

func cmdImport(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "import", "--kind KIND [--mode MODE] [--encoding ENC] [--force] FILE", importHelp())
	cfgPath := configFlag(fs, e)
	kind := fs.String("kind", "", "file `kind` (default: detected from the folder or file name)")
	mode := fs.String("mode", "", "create, update, remove or upsert (default: the kind's default)")
	encoding := fs.String("encoding", "", "auto, utf8, windows-1252, cp437, ascii or latin_1 (default: import.encoding)")
	force := fs.Bool("force", false, "import again although the same file was imported before")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.SetOutput(e.stderr)
		fs.Usage()
		return fmt.Errorf("%w: give exactly one FILE", errUsage)
	}
	path, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("resolving %s: %w", fs.Arg(0), err)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("cannot read the file to import: %w", err)
	}
	a := jobs.ImportArgs{Path: path, FileKind: *kind, Mode: *mode, Encoding: *encoding, Force: *force}
	if a.FileKind != "" {
		if _, err := importers.ParseKind(a.FileKind); err != nil {
			return err
		}
	} else if _, err := importers.DetectKind(path); err != nil {
		return fmt.Errorf("%w (or give --kind)", err)
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
	if pending, err := st.Pending(ctx); err != nil {
		return err
	} else if len(pending) > 0 {
		return fmt.Errorf("the database schema is behind (%d pending migrations): run `sestd migrate` first", len(pending))
	}

	kit, err := jobs.Build(jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: metrics.New(metrics.BuildInfo{Version: version})})
	if err != nil {
		return err
	}
	queue := fmt.Sprintf("import_cli_%d", os.Getpid())
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Logger:     logging.Slog(log),
		Queues:     map[string]river.QueueConfig{queue: {MaxWorkers: 1}},
		Workers:    kit.Workers,
		Middleware: []rivertype.Middleware{&jobs.LogMiddleware{Log: log}},
	})
	if err != nil {
		return fmt.Errorf("creating job client: %w", err)
	}
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled, river.EventKindJobFailed)
	defer cancel()
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	if err := client.Start(runCtx); err != nil {
		return fmt.Errorf("starting job client: %w", err)
	}
	defer func() {
		sctx, c := context.WithTimeout(context.Background(), 30*time.Second)
		defer c()
		_ = client.Stop(sctx)
	}()
	if err := st.AuditInsert(ctx, "cli:"+e.getenv("USER"), "import.cli", filepath.Base(path),
		map[string]any{"kind": a.FileKind, "mode": a.Mode, "force": a.Force}); err != nil {
		return err
	}
	res, err := client.Insert(ctx, a, &river.InsertOpts{Queue: queue, MaxAttempts: 1})
	if err != nil {
		return fmt.Errorf("enqueueing the import: %w", err)
	}
	fmt.Fprintf(e.stderr, "import of %s enqueued as job %d; waiting…\n", filepath.Base(path), res.Job.ID)
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted; the import job %d is cancelled and can be run again", res.Job.ID)
		case ev := <-events:
			if ev.Job.ID != res.Job.ID {
				continue
			}
			if ev.Kind != river.EventKindJobCompleted {
				msg := "unknown error"
				if n := len(ev.Job.Errors); n > 0 {
					msg = ev.Job.Errors[n-1].Error
				}
				return errors.New("import failed: " + msg)
			}
			var sum importers.Summary
			if err := json.Unmarshal(ev.Job.Output(), &sum); err != nil {
				return fmt.Errorf("reading the import's summary: %w", err)
			}
			return printImportSummary(e, sum, *asJSON)
		}
	}
}

func printImportSummary(e env, s importers.Summary, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	if s.AlreadyImported {
		fmt.Fprintf(e.stdout, "%s was imported before as %s/%s (run %d); nothing done. Use --force to import it again.\n", s.File, s.Kind, s.Mode, s.RunID)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "file\t%s\nkind / mode\t%s / %s\nencoding\t%s\nstatus\t%s\nread\t%d\ncreated\t%d\nupdated\t%d\nremoved\t%d\nskipped\t%d\nrejected\t%d\nduration\t%s\nrun\t%d\n",
		s.File, s.Kind, s.Mode, s.Encoding, s.Status, s.Read, s.Created, s.Updated, s.Removed, s.Skipped, s.Rejected, s.Duration.Round(time.Millisecond), s.RunID)
	if s.RejectsFile != "" {
		fmt.Fprintf(tw, "rejects\t%s (fix the rows and import this file again)\n", s.RejectsFile)
	}
	return tw.Flush()
}
