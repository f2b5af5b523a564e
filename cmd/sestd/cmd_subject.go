package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"sestd/internal/config"
	"sestd/internal/fsutil"
	"sestd/internal/jobs"
	"sestd/internal/metrics"
)

const subjectHelp = `
Answers data-protection requests about one applicant (a data subject, named
by the Servicestelle's bewerberId) and runs the retention purge by hand.

  export     writes everything sestd holds about the applicant — mirror rows
             (Bewerber, Bewerbungen and their parts, documents), ranking
             entries, upload-log entries, import staging rows, outbox items,
             S-BEAT rows whose identnr is the id, the audit log about it —
             as subject.json plus the document files in one zip (mode 0600).
  erase      removes all of it (rows, document files, the applicant's lines
             in export.dir and the import inbox), keeping only an audit
             record (id, time, operator) and a tombstone (id, times) that
             keeps the mirror from taking the data back unless the
             Servicestelle changes the applicant again. Needs --yes.
  retention  runs the retention purge now (retention.* keys); with
             --dry-run lists the applicants and counts that would go.

Every export and erasure is recorded in the audit log with the operator
(--operator, default the login name as cli:<name>).

Usage:
  sestd subject export --bewerber-id ID [--out FILE.zip]
  sestd subject erase --bewerber-id ID [--dry-run | --yes]
  sestd subject retention [--dry-run] [--json]`

func cmdSubject(ctx context.Context, e env, args []string) error {
	top := newFlags(e, "subject", "export|erase|retention [flags]", subjectHelp)
	if len(args) == 0 || !slices.Contains([]string{"export", "erase", "retention"}, args[0]) {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "-help" || args[0] == "help") {
			top.SetOutput(e.stdout)
			top.Usage()
			return flag.ErrHelp
		}
		top.Usage()
		return fmt.Errorf("%w: give a subcommand: export, erase or retention", errUsage)
	}
	sub := args[0]
	fs := newFlags(e, "subject "+sub, "[flags]", subjectHelp)
	cfgPath := configFlag(fs, e)
	operator := fs.String("operator", defaultOperator(e), "who asks (recorded in the audit log)")
	var id, out *string
	var dryRun, yes, asJSON *bool
	switch sub {
	case "export":
		id = fs.String("bewerber-id", "", "the applicant's `bewerberId`")
		out = fs.String("out", "", "zip `file` to write (default subject-<bewerberId>.zip)")
	case "erase":
		id = fs.String("bewerber-id", "", "the applicant's `bewerberId`")
		dryRun = fs.Bool("dry-run", false, "report what would be erased, change nothing")
		yes = fs.Bool("yes", false, "really erase (required unless --dry-run)")
	case "retention":
		dryRun = fs.Bool("dry-run", false, "list what would be purged, change nothing")
		asJSON = fs.Bool("json", false, "print the report as JSON")
	}
	if err := parse(fs, e, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %v", errUsage, fs.Args())
	}
	if id != nil && strings.TrimSpace(*id) == "" {
		return fmt.Errorf("%w: --bewerber-id is required", errUsage)
	}
	if sub == "erase" && !*dryRun && !*yes {
		return fmt.Errorf("%w: erasing cannot be undone: add --yes (or --dry-run to see what would go)", errUsage)
	}
	cfg, log, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	st, closeDB, err := openStore(ctx, cfg, 4)
	if err != nil {
		return err
	}
	defer closeDB()
	actor := "cli:" + *operator
	switch sub {
	case "export":
		path := *out
		if path == "" {
			path = "subject-" + fsutil.SafeName(*id) + ".zip"
		}
		sum, err := jobs.SubjectExportFile(ctx, st, cfg.Sync.DocumentRoot, *id, actor, path)
		if err != nil {
			return err
		}
		return printSubjectExport(e.stdout, path, sum)
	case "erase":
		d := jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: metrics.New(metrics.BuildInfo{Version: version})}
		sum, err := jobs.SubjectErase(ctx, d, *id, actor, *dryRun)
		if err != nil {
			return err
		}
		verb := "erased"
		if *dryRun {
			verb = "would erase (dry run)"
		}
		fmt.Fprintf(e.stdout, "applicant %s: %s\n", *id, verb)
		printRows(e.stdout, sum.Rows)
		files := sum.FilesRemoved
		if *dryRun {
			files = len(sum.Files)
		}
		fmt.Fprintf(e.stdout, "document files: %d\n", files)
		for _, f := range sum.Scrubbed {
			fmt.Fprintf(e.stdout, "scrubbed: %s\n", f)
		}
		return nil
	default:
		d := jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: metrics.New(metrics.BuildInfo{Version: version})}
		rep, err := jobs.Retention(ctx, d, *dryRun, time.Now())
		if err != nil {
			return err
		}
		return printRetention(e.stdout, rep, cfg.Retention, *asJSON)
	}
}

// defaultOperator is the login name running the command.
func defaultOperator(e env) string {
	for _, k := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if v := e.getenv(k); v != "" {
			return v
		}
	}
	return "unknown"
}

func printSubjectExport(w io.Writer, path string, sum jobs.SubjectExportSummary) error {
	abs, _ := filepath.Abs(path)
	fmt.Fprintf(w, "applicant %s exported to %s (mode 0600)\n", sum.BewerberID, abs)
	rows := map[string]int64{}
	for t, n := range sum.Rows {
		rows[t] = int64(n)
	}
	printRows(w, rows)
	fmt.Fprintf(w, "document files: %d\n", sum.Documents)
	if len(sum.Missing) > 0 {
		fmt.Fprintf(w, "documents known but not on disk: %s\n", strings.Join(sum.Missing, ", "))
	}
	return nil
}

func printRows(w io.Writer, rows map[string]int64) {
	names := make([]string, 0, len(rows))
	for t, n := range rows {
		if n > 0 {
			names = append(names, t)
		}
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, t := range names {
		fmt.Fprintf(tw, "  %s\t%d\n", t, rows[t])
	}
	_ = tw.Flush()
}

func printRetention(w io.Writer, rep jobs.RetentionReport, cfg config.Retention, asJSON bool) error {
	if asJSON {
		return writeJSON(w, rep)
	}
	verb := "purged"
	if rep.DryRun {
		verb = "would purge (dry run)"
	}
	switch {
	case rep.Closed:
		fmt.Fprintf(w, "the Vermittlungsprozess' data was due on %s: %s all of it\n", rep.PurgeAt.Format(time.DateOnly), verb)
	case rep.PurgeAt.IsZero():
		fmt.Fprintln(w, "the Vermittlungsprozess' close is unknown (set servicestelle.vermittlungsprozess.jahr or retention.closed_at)")
	default:
		fmt.Fprintf(w, "the Vermittlungsprozess' data is due on %s (retention.after_close %s after its close)\n", rep.PurgeAt.Format(time.DateOnly), cfg.AfterClose)
	}
	if !rep.Closed && !cfg.PurgeMarked {
		fmt.Fprintln(w, "applicants marked for deletion are kept (retention.purge_marked: false)")
	}
	fmt.Fprintf(w, "applicants: %d, %s\n", rep.Purged, verb)
	if rep.DryRun {
		for _, id := range rep.Subjects {
			fmt.Fprintf(w, "  %s\n", id)
		}
	}
	printRows(w, rep.Rows)
	fmt.Fprintf(w, "document files: %d\n", rep.Files)
	return nil
}
