package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/riverqueue/river"

	"sestd/internal/daemon"
	"sestd/internal/jobs"
	"sestd/internal/metrics"
	"sestd/internal/store"
)

// syncSubcommands are Sestco's management commands as one-shot rounds:
// each runs in this process, like `sestd import`, prints a summary and
// exits non-zero when the round fails.
func syncSubcommands() []command {
	return []command{
		{"download", "mirror the Servicestelle now: its changes, or everything with --all (Sestco's download_sest)", cmdSyncDownload},
		// ---- sync uni: runSyncUni lives in cmd_sync_uni.go ----
		{"uni", "send the university's changes to the Servicestelle now (Sestco's sync_uni)", runSyncUni},
	}
}

const syncHelp = `Runs one sync round now, in this process, and waits for it; the daemon
need not be running (a running daemon's jobs of the same stream are waited
for, never run twice). Prints a summary; the exit code is non-zero when the
round fails. A site migrating from Sestco's cron keeps its habits:

  download_sest          → sestd sync download
  download_sest --all    → sestd sync download --all
  sync_uni               → sestd sync uni

Subcommands:
`

func cmdSync(ctx context.Context, e env, args []string) error {
	subs := syncSubcommands()
	help := func(w interface{ Write([]byte) (int, error) }) {
		var b strings.Builder
		b.WriteString("Usage: sestd sync <subcommand> [flags]\n\n" + syncHelp)
		for _, c := range subs {
			fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
		}
		b.WriteString("\nRun 'sestd sync <subcommand> --help' for its flags.\n")
		_, _ = w.Write([]byte(b.String()))
	}
	if len(args) == 0 {
		help(e.stderr)
		return errUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		help(e.stdout)
		return nil
	}
	for _, c := range subs {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "sestd sync: unknown subcommand %q\n\n", args[0])
	help(e.stderr)
	return errUsage
}

// syncStreams are what `sync download --stream` accepts.
func syncStreams() []string {
	out := []string{"studienangebote"}
	for _, s := range store.AllStreams() {
		out = append(out, s.String())
	}
	return out
}

func cmdSyncDownload(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "sync download", "[--all] [--stream S] [--json]", `Mirrors the Servicestelle now and prints what changed.

Without flags: the Studienangebote (when sync.studienangebot_download is
on), then the changes of every delta stream since its cursor (Bewerber,
Bewerbungen, Ranglistenstatus), one after the other. --stream S runs one of
them. --all is the full download: everything since the start of the
Vermittlungsprozess, documents included (sync.dokument_download); when it
completes without a Fach filter it removes from the mirror what the
Servicestelle no longer has, and says so.

A failure (the Servicestelle unreachable, a fault) ends the round with its
error and a non-zero exit code; what was committed stays, and the next
round resumes there.`)
	cfgPath := configFlag(fs, e)
	all := fs.Bool("all", false, "download everything, documents included (Sestco's download_sest --all)")
	stream := fs.String("stream", "", "only this `stream`: "+strings.Join(syncStreams(), ", "))
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *stream != "" && !slices.Contains(syncStreams(), *stream) {
		return fmt.Errorf("%w: --stream must be one of %s, got %q", errUsage, strings.Join(syncStreams(), ", "), *stream)
	}
	if *all && *stream != "" {
		return fmt.Errorf("%w: --all downloads every stream; give --all or --stream, not both", errUsage)
	}
	cfg, log, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	if cfg.Servicestelle.Hochschulnummer == "" {
		return errors.New("the Servicestelle is not configured (servicestelle.hochschulnummer is empty): nothing to download")
	}
	st, closeStore, err := openStore(ctx, cfg, 8)
	if err != nil {
		return err
	}
	defer closeStore()
	m := metrics.New(metrics.BuildInfo{Version: version})
	client, err := daemon.NewSestClient(cfg, log, m)
	if err != nil {
		return err
	}
	kit, err := jobs.Build(jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: m, Sest: client})
	if err != nil {
		return err
	}

	var round []river.JobArgs
	switch {
	case *all:
		round = []river.JobArgs{jobs.FullArgs{}}
	case *stream == "studienangebote":
		round = []river.JobArgs{jobs.StudienangeboteArgs{}}
	case *stream != "":
		round = []river.JobArgs{jobs.DeltaArgs{Stream: store.Stream(*stream), OneShot: true}}
	default:
		if cfg.Sync.StudienangebotDownload {
			round = append(round, jobs.StudienangeboteArgs{})
		}
		for _, s := range store.AllStreams() {
			round = append(round, jobs.DeltaArgs{Stream: s, OneShot: true})
		}
	}
	total := jobs.Summary{Streams: map[string]jobs.StreamSummary{}}
	for _, args := range round {
		name := args.Kind()
		if d, ok := args.(jobs.DeltaArgs); ok {
			name += " " + d.Stream.String()
		}
		job, outcome, err := runLocal(ctx, st, log, kit, args, func(id int64) {
			fmt.Fprintf(e.stderr, "%s: job %d…\n", name, id)
		}, func() {
			fmt.Fprintf(e.stderr, "%s: another run of it is active; waiting for it…\n", name)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if outcome != river.EventKindJobCompleted {
			return fmt.Errorf("%s failed: %s", name, lastError(job))
		}
		if len(job.Output()) > 0 {
			var s jobs.Summary
			if err := json.Unmarshal(job.Output(), &s); err != nil {
				return fmt.Errorf("reading the summary of %s: %w", name, err)
			}
			for k, v := range s.Streams {
				total.Streams[k] = v
			}
			total.Removed = s.Removed
		}
	}
	return printSyncSummary(e, total, *asJSON)
}

func printSyncSummary(e env, s jobs.Summary, asJSON bool) error {
	if asJSON {
		return writeJSON(e.stdout, s)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "stream\tcreated\tupdated\tunchanged\tremoved\tfiltered\ttransitions forbidden")
	for _, name := range syncStreams() {
		c, ok := s.Streams[name]
		if !ok {
			continue
		}
		removed := "-" // a delta stream removes nothing (see the full download)
		if name == "studienangebote" {
			removed = fmt.Sprint(c.Removed)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%d\n", name, c.Created, c.Updated, c.Unchanged, removed, c.Filtered, c.TransitionsForbidden)
	}
	if s.Removed != nil {
		fmt.Fprintf(tw, "\nremoved from the mirror (no longer at the Servicestelle)\tbewerbungen %d\tbewerber %d\n", s.Removed["bewerbung"], s.Removed["bewerber"])
	}
	return tw.Flush()
}
