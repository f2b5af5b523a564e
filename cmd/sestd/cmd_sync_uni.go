package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"sestd/internal/daemon"
	"sestd/internal/jobs"
	"sestd/internal/metrics"
	"sestd/internal/store"
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
exported to export.dir. Rounds never overlap: while an outbound round runs
(the daemon's own, or another 'sync uni'), it names that job and starts
none: wait for it, or run 'sestd trigger outbound_sync --wait'. A round of
the daemon that is only queued (or waiting for a retry) does not stop it:
this round sends now, and the daemon's finds nothing left to send (no item
is sent twice). It waits while a delta poll of the Bewerbungen runs.

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
	if err := refuseWhileOutboundRuns(ctx, st); err != nil {
		return err
	}
	job, kind, err := runLocal(ctx, st, log, kit, jobs.OutboundArgs{By: jobs.OutboundBySyncUni}, func(id int64) {
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

// refuseWhileOutboundRuns returns an error naming the outbound round that
// runs now, or nil when none runs. A round runs while it holds the
// advisory lock "outbound" (the worker takes it for the whole run); a
// queued one does not count: whichever round takes the lock first sends,
// the other finds the items settled. A job row left "running" by a
// crashed process holds no lock and does not stop this round.
func refuseWhileOutboundRuns(ctx context.Context, st *store.Store) error {
	unlock, free, err := st.TryLock(ctx, "outbound")
	if err != nil {
		return err
	}
	if free {
		unlock()
		return nil
	}
	which := "an outbound round is running"
	client, err := river.NewClient(riverpgxv5.New(st.Pool()), &river.Config{})
	if err != nil {
		return fmt.Errorf("creating job client: %w", err)
	}
	res, err := client.JobList(ctx, river.NewJobListParams().Kinds(jobs.OutboundArgs{}.Kind()).
		States(rivertype.JobStateRunning).OrderBy(river.JobListOrderByID, river.SortOrderAsc).First(1))
	if err != nil {
		return fmt.Errorf("looking for the running outbound round: %w", err)
	}
	if len(res.Jobs) > 0 {
		which = fmt.Sprintf("an outbound round is running (job %d)", res.Jobs[0].ID)
	}
	return fmt.Errorf("%s; not started twice: wait for it to finish, or run 'sestd trigger outbound_sync --wait' to follow the daemon's round", which)
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
			fmt.Fprintf(w, "%s #%d %s %s (Bewerber %s, now %s): %s\n", what, it.ID, it.Kind, it.ItemKey, it.BewerberID, it.State, reasonText(it.Reason))
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

// reasonText is an item's reason on one line, or says there was none.
func reasonText(s string) string {
	if r := oneLine(s, 1000); r != "" {
		return r
	}
	return "(no reason given)"
}
