package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/riverqueue/river"

	"sestd/internal/daemon"
	"sestd/internal/jobs"
	"sestd/internal/metrics"
)

// runSyncUni is `sestd sync uni`: one outbound round (Sestco's sync_uni)
// in this process, like `sestd import`; it prints what the round did and
// returns an error when the round failed.
func runSyncUni(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "sync uni", "[--config FILE] [--json]", `
Runs one outbound round now, in this process (Sestco's 'sync_uni'): the
university's staged applications and authorisations become outbox items,
every item due is sent to the Servicestelle (refused items that are not due
yet wait for their backoff), the results are recorded and the changes are
exported to export.dir. Rounds never overlap: this one waits while a delta
poll of the Bewerbungen or another round runs; while the daemon's own round
is queued, running or waiting for a retry, it names that job and starts
none.

It prints a summary: sent, accepted, refused (with the Servicestelle's or
sestd's reason), discarded (outside outbox.abschluss_filter). Refused items
stay queued and are retried; the admins' mail about items past
outbox.max_attempts is queued for the daemon to deliver.

Exit status: 0 when the round ran (refused items included), 1 when it
failed (e.g. the Servicestelle did not answer at all), 2 on a usage error.`)
	cfgPath := configFlag(fs, e)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	cfg, log, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	if cfg.Servicestelle.Hochschulnummer == "" {
		return errors.New("the Servicestelle is not configured (servicestelle.hochschulnummer is empty): nothing can be sent")
	}
	st, closeDB, err := openStore(ctx, cfg, 8)
	if err != nil {
		return err
	}
	defer closeDB()
	m := metrics.New(metrics.BuildInfo{Version: version})
	client, err := daemon.NewSestClient(cfg, log, m)
	if err != nil {
		return err
	}
	defer client.Close()
	kit, err := jobs.Build(jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: m, Sest: client})
	if err != nil {
		return err
	}
	job, kind, err := runLocal(ctx, st, log, kit, jobs.OutboundArgs{}, func(id int64) {
		fmt.Fprintf(e.stderr, "outbound round started as job %d\n", id)
	}, func() {
		fmt.Fprintln(e.stderr, "another outbound round or a delta poll of the Bewerbungen is running; waiting for it…")
	})
	if err != nil {
		return err
	}
	if kind != river.EventKindJobCompleted {
		return fmt.Errorf("outbound round failed: %s", lastError(job))
	}
	var res jobs.OutboundResult
	if err := json.Unmarshal(job.Output(), &res); err != nil {
		return fmt.Errorf("reading the round's result: %w", err)
	}
	if *asJSON {
		_, err := fmt.Fprintf(e.stdout, "%s\n", job.Output())
		return err
	}
	return printOutboundResult(e.stdout, res)
}

// printOutboundResult writes a round's summary for people.
func printOutboundResult(w io.Writer, r jobs.OutboundResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "sent\t%d\naccepted\t%d\nrefused\t%d\ndiscarded\t%d\nfailed (past outbox.max_attempts, still retried)\t%d\n",
		r.Sent, r.Accepted, r.RefusedCount, r.DiscardedCount, r.Failed)
	if r.VersionConflicts > 0 {
		fmt.Fprintf(tw, "version conflicts resolved\t%d\n", r.VersionConflicts)
	}
	if r.Recovered > 0 {
		fmt.Fprintf(tw, "interrupted sends looked up\t%d\n", r.Recovered)
	}
	if r.CallErrors > 0 {
		fmt.Fprintf(tw, "calls that failed (items stay queued)\t%d\n", r.CallErrors)
	}
	fmt.Fprintf(tw, "export files\t%d\n", len(r.ExportFiles))
	if err := tw.Flush(); err != nil {
		return err
	}
	list := func(what string, items []jobs.OutboundItem, total int) {
		for _, it := range items {
			fmt.Fprintf(w, "%s #%d %s %s (Bewerber %s, now %s): %s\n", what, it.ID, it.Kind, it.ItemKey, it.BewerberID, it.State, oneLineText(it.Reason))
		}
		if total > len(items) {
			fmt.Fprintf(w, "%s: %d more (sestd status, GET /api/outbox)\n", what, total-len(items))
		}
	}
	list("refused", r.Refused, r.RefusedCount)
	list("discarded", r.Discarded, r.DiscardedCount)
	for _, f := range r.ExportFiles {
		fmt.Fprintf(w, "exported %s\n", f)
	}
	return nil
}

func oneLineText(s string) string {
	out := make([]rune, 0, len(s))
	space := false
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' || r == ' ' {
			space = true
			continue
		}
		if space && len(out) > 0 {
			out = append(out, ' ')
		}
		space = false
		out = append(out, r)
	}
	if len(out) == 0 {
		return "(no reason given)"
	}
	return string(out)
}
