package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/riverqueue/river/rivertype"

	"sestd/internal/admin"
	"sestd/internal/store"
)

func cmdStatus(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "status", "[--config FILE] [--admin URL] [--json]", `
Shows a running daemon's state through its admin API: each sync stream's
cursor and lag (time since the cursor last moved) with the run in progress,
River's jobs by state, the outbox by state, the last finished jobs, the
failing jobs with their last error, and the last imports.

The token is admin.token of the config (SESTD_ADMIN_TOKEN,
SESTD_ADMIN_TOKEN_FILE). --json prints the admin API's GET /api/status
answer for scripts.`)
	connect := adminFlags(fs, e)
	asJSON := fs.Bool("json", false, "print JSON (GET /api/status) instead of tables")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: unexpected arguments %v", errUsage, fs.Args())
	}
	c, err := connect()
	if err != nil {
		return err
	}
	var st admin.Status
	if err := c.do(ctx, http.MethodGet, "/api/status", nil, &st); err != nil {
		return c.withReadiness(ctx, err)
	}
	if *asJSON {
		return writeJSON(e.stdout, st)
	}
	return printStatus(e.stdout, st)
}

func printStatus(w io.Writer, st admin.Status) error {
	at := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	}
	// section prints a title and a table of its own.
	section := func(title, header string, rows func(tw *tabwriter.Writer)) error {
		fmt.Fprintln(w, title)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, header)
		rows(tw)
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
		return nil
	}

	err := section("SYNC", "STREAM\tCURSOR\tLAG\tRUN IN PROGRESS", func(tw *tabwriter.Writer) {
		for _, c := range st.Cursors {
			lag, run := "never synced", "-"
			if c.AgeSeconds != nil {
				lag = seconds(c.AgeSeconds)
			}
			if c.Run != nil {
				run = fmt.Sprintf("%d/%d references, since %s", c.Run.Done, c.Run.References, durationText(st.At.Sub(c.Run.StartedAt)))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Stream, at(c.Position), lag, run)
		}
	})
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "JOBS    %s\n", counts(st.Jobs, jobStateOrder()))
	if st.Outbox != nil {
		var order []string
		for _, s := range store.OutboxStates() {
			order = append(order, string(s))
		}
		fmt.Fprintf(w, "OUTBOX  %s\n", counts(st.Outbox, order))
	}
	fmt.Fprintln(w)

	err = section("LAST RUNS", "ID\tKIND\tSTATE\tFINISHED\tDURATION\tATTEMPTS", func(tw *tabwriter.Writer) {
		for _, r := range st.LastRuns {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\n", r.ID, r.Kind, r.State, at(r.FinalizedAt), seconds(r.DurationSeconds), r.Attempt)
		}
		if len(st.LastRuns) == 0 {
			fmt.Fprintln(tw, "(none)")
		}
	})
	if err != nil {
		return err
	}

	err = section("FAILING JOBS", "ID\tKIND\tSTATE\tATTEMPTS\tLAST ERROR", func(tw *tabwriter.Writer) {
		for _, r := range st.Failing {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d/%d\t%s\n", r.ID, r.Kind, r.State, r.Attempt, r.MaxAttempts, oneLine(r.LastError(), 100))
		}
		if len(st.Failing) == 0 {
			fmt.Fprintln(tw, "(none)")
		}
	})
	if err != nil || len(st.Imports) == 0 {
		return err
	}

	return section("IMPORTS", "ID\tKIND\tSTATUS\tFILE\tREAD\tCREATED\tUPDATED\tREMOVED\tREJECTED\tSTARTED", func(tw *tabwriter.Writer) {
		for _, r := range st.Imports {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.Kind, r.Status, r.FileName,
				r.Read, r.Created, r.Updated, r.Removed, r.Rejected, at(&r.StartedAt))
		}
	})
}

// counts prints "state n" pairs, the known states first in their order.
// jobStateOrder is the order River's job states are shown in: the ones
// still to work first, then the finished ones. The status has a count for
// every state of rivertype.JobStates(); counts shows any other after these.
func jobStateOrder() []string {
	var out []string
	for _, s := range []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateScheduled,
		rivertype.JobStateRetryable, rivertype.JobStatePending, rivertype.JobStateCompleted, rivertype.JobStateCancelled,
		rivertype.JobStateDiscarded} {
		out = append(out, string(s))
	}
	return out
}

func counts(m map[string]int64, order []string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if !slices.Contains(order, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range append(order, keys...) {
		if n, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, "  ")
}

func oneLine(s string, most int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > most {
		return string(r[:most-1]) + "…"
	}
	return s
}
