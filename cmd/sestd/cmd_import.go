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

	"sestd/internal/importers"
	"sestd/internal/jobs"
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
	b.WriteString(`
Modes: every kind's file is a full export of a scope, so without --mode it
is imported in mode sync (import.modes sets another default per kind): new
rows are created, changed rows updated, unchanged rows left alone, and the
stored rows of the scope that the file lacks are handled as follows. A file
that would remove more than import.max_removal_share of its scope is
refused unless --force. For partial deliveries (a fixed rejects file) use
--mode upsert (create or update, nothing removed), or Kofa's create, update,
remove.

`)
	for _, k := range importers.Kinds() {
		fmt.Fprintf(&b, "  %-18s %s\n", k.Kind, k.Sync)
	}
	b.WriteString(`
The job runs in this process, on a queue of its own; ` + "`sestd run`" + ` need not be running.
Interrupted (Ctrl-C, SIGTERM), the job is cancelled and the import rolled
back: nothing of the file is imported.

Encodings: auto reads a file as UTF-8 when all of it is valid UTF-8, as
windows-1252 when it holds no UTF-8 character at all, and refuses a file
that mixes both (naming the lines). A file given as windows-1252, latin_1,
cp437 or ascii that holds UTF-8 characters is refused too, unless
--trust-encoding. UTF-16 (Excel's "Unicode text", tab separated) is read
when it starts with its byte order mark (or, without one, when every
second byte of its start is a NUL); a truncated one is refused, naming
the line; its rejects file is UTF-8 with a BOM.

Exit status: 0 every row imported (or the file was imported before),
1 failed: nothing imported (the file is unreadable, lacks a required
column, every row was rejected, a full export was refused by the removal
guard, or the import was interrupted),
2 usage, 3 some rows rejected (see the rejects file), the rest imported.`)
	return b.String()
}

func cmdImport(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "import", "[--kind KIND] [--mode MODE] [--encoding ENC] [--force] FILE", importHelp())
	cfgPath := configFlag(fs, e)
	kind := fs.String("kind", "", "file `kind` (default: detected from the folder or file name)")
	mode := fs.String("mode", "", "sync (a full export), create, update, remove or upsert (default: import.modes, else sync)")
	encoding := fs.String("encoding", "", "auto, utf8, windows-1252, cp437, ascii, latin_1, utf-16le, utf-16be or utf-16 (default: import.encoding)")
	force := fs.Bool("force", false, "import again although the same file was imported before, and let a full export remove more than import.max_removal_share of its scope")
	trust := fs.Bool("trust-encoding", false, "read the file in the single-byte --encoding given although it holds what looks like UTF-8")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.SetOutput(e.stderr)
		fs.Usage()
		return fmt.Errorf("%w: give exactly one FILE", errUsage)
	}
	if err := jobs.CheckImportArgs(*kind, *mode, *encoding); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	path, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("resolving %s: %w", fs.Arg(0), err)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("cannot read the file to import: %w", err)
	}
	a := jobs.ImportArgs{Path: path, FileKind: *kind, Mode: *mode, Encoding: *encoding, Force: *force, TrustEncoding: *trust}
	if a.FileKind == "" {
		if _, err := importers.DetectKind(path); err != nil {
			return fmt.Errorf("%w (or give --kind)", err)
		}
	}
	cfg, log, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	st, closeStore, err := openStore(ctx, cfg, 4)
	if err != nil {
		return err
	}
	defer closeStore()

	kit, err := jobs.Build(jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: metrics.New(metrics.BuildInfo{Version: version}), LocalFiles: true})
	if err != nil {
		return err
	}
	if err := st.AuditInsert(ctx, "cli:"+e.getenv("USER"), "import.cli", filepath.Base(path),
		map[string]any{"kind": a.FileKind, "mode": a.Mode, "force": a.Force}); err != nil {
		return err
	}
	var lastRun int64 // the newest import run before this one
	if runs, err := st.ImportRunList(ctx, 1); err == nil && len(runs) > 0 {
		lastRun = runs[0].ID
	}
	job, outcome, err := runLocal(ctx, st, log, kit, a, func(id int64) {
		fmt.Fprintf(e.stderr, "import of %s enqueued as job %d; waiting…\n", filepath.Base(path), id)
	}, nil)
	if errors.Is(err, errInterrupted) && job != nil {
		err = fmt.Errorf("%w; the import was rolled back: nothing of %s is imported. Run the command again to import it", err, filepath.Base(path))
		if *asJSON {
			_ = writeJSON(e.stdout, failedSummary(context.WithoutCancel(ctx), st, lastRun, a, err.Error()))
		}
		return err
	}
	if err != nil {
		return err
	}
	if outcome != river.EventKindJobCompleted {
		msg := lastError(job)
		if *asJSON {
			if err := writeJSON(e.stdout, failedSummary(ctx, st, lastRun, a, msg)); err != nil {
				return err
			}
		}
		return errors.New("import failed, nothing imported: " + msg)
	}
	var sum importers.Summary
	if err := json.Unmarshal(job.Output(), &sum); err != nil {
		return fmt.Errorf("reading the import's summary: %w", err)
	}
	if err := printImportSummary(e, sum, *asJSON); err != nil {
		return err
	}
	if sum.Status == store.ImportPartial && !sum.AlreadyImported {
		return &exitError{exitPartial, fmt.Errorf("%d of %d rows rejected (listed in %s); the rest is imported", sum.Rejected, sum.Read, sum.RejectsFile)}
	}
	return nil
}

func printImportSummary(e env, s importers.Summary, asJSON bool) error {
	if asJSON {
		return writeJSON(e.stdout, s)
	}
	if s.AlreadyImported {
		fmt.Fprintln(e.stdout, importedBeforeText(s, "--force"))
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "file\t%s\nkind / mode\t%s / %s\nencoding\t%s\nstatus\t%s\nread\t%d\ncreated\t%d\nupdated\t%d\nunchanged\t%d\nremoved\t%d\nskipped\t%d\nrejected\t%d\nduration\t%s\nrun\t%d\n",
		s.File, s.Kind, s.Mode, s.Encoding, s.Status, s.Read, s.Created, s.Updated, s.Unchanged, s.Removed, s.Skipped, s.Rejected, s.Duration.Round(time.Millisecond), s.RunID)
	if s.Missing > 0 {
		fmt.Fprintf(tw, "missing\t%d stored rows the file lacks, kept: %s\n", s.Missing, s.MissingFile)
	}
	if s.Note != "" {
		fmt.Fprintf(tw, "note\t%s\n", s.Note)
	}
	if s.RejectsFile != "" {
		fmt.Fprintf(tw, "rejects\t%s (fix the rows and import this file again with --mode upsert)\n", s.RejectsFile)
	}
	return tw.Flush()
}

// failedSummary is the summary of an import whose job failed: what the
// import run it recorded says (the newest run of the file after run
// lastRun), else what the command knows; status failed, error msg.
func failedSummary(ctx context.Context, st *store.Store, lastRun int64, a jobs.ImportArgs, msg string) importers.Summary {
	sum := importers.Summary{Kind: importers.Kind(a.FileKind), Mode: importers.Mode(a.Mode), File: filepath.Base(a.Path),
		Status: store.ImportFailed, Error: msg}
	if sum.Kind == "" {
		sum.Kind, _ = importers.DetectKind(a.Path)
	}
	runs, err := st.ImportRunList(ctx, 20)
	if err != nil {
		return sum
	}
	for _, r := range runs {
		if r.ID <= lastRun || r.FileName != sum.File {
			continue
		}
		sum.RunID, sum.Kind, sum.Mode, sum.SHA256, sum.Encoding = r.ID, importers.Kind(r.Kind), importers.Mode(r.Mode), r.SHA256, r.Encoding
		sum.Read, sum.Rejected, sum.RejectsFile, sum.RejectsEncoding = r.Read, r.Rejected, r.RejectsPath, r.RejectsEncoding
		break
	}
	return sum
}
