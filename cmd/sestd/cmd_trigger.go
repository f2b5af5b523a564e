package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"sestd/internal/admin"
	"sestd/internal/importers"
)

// adminClient talks to a running daemon's admin API.
type adminClient struct {
	base  string
	token string
	http  *http.Client
}

// adminFlags adds --config, --admin and --timeout; connect then builds the
// client from them and the config (token from admin.token,
// SESTD_ADMIN_TOKEN or SESTD_ADMIN_TOKEN_FILE).
func adminFlags(fs *flag.FlagSet, e env) func() (*adminClient, error) {
	cfgPath := configFlag(fs, e)
	base := fs.String("admin", "", "admin API `URL` (default http://<admin.listen> of the config)")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of each request to the admin API")
	return func() (*adminClient, error) {
		cfg, log, err := loadConfig(e, *cfgPath)
		if err != nil {
			return nil, err
		}
		_ = log.Sync()
		u := *base
		if u == "" {
			u = "http://" + dialable(cfg.Admin.Listen)
		}
		parsed, err := url.Parse(u)
		if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			return nil, fmt.Errorf("%w: --admin must be an http(s) URL, got %q", errUsage, u)
		}
		return &adminClient{
			base:  strings.TrimSuffix(u, "/"),
			token: cfg.Admin.Token.Value(),
			http:  &http.Client{Timeout: *timeout},
		}, nil
	}
}

// dialable turns a listen address into one to connect to: a wildcard host
// becomes loopback.
func dialable(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// apiError is a non-2xx answer of the admin API.
type apiError struct {
	Status int
	Msg    string
	Known  []string
	// TokenSent: the request carried a token (a 401 then means a wrong one).
	TokenSent bool
}

func (e *apiError) Error() string {
	if e.Status == http.StatusUnauthorized {
		return unauthorizedText(e.TokenSent)
	}
	msg := fmt.Sprintf("admin API: %d %s: %s", e.Status, http.StatusText(e.Status), e.Msg)
	if len(e.Known) > 0 {
		msg += " (known: " + strings.Join(e.Known, ", ") + ")"
	}
	return msg
}

// do sends a request with the token and decodes a JSON answer into out.
func (c *adminClient) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encoding request: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("admin API request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the admin API at %s (is `sestd run` running there?): %w", c.base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("reading the admin API's answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string   `json:"error"`
			Known []string `json:"known"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(raw))
		}
		return &apiError{Status: resp.StatusCode, Msg: e.Error, Known: e.Known, TokenSent: c.token != ""}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("decoding the admin API's answer: %w", err)
		}
	}
	return nil
}

// argList collects repeated --arg key=value flags.
type argList map[string]any

func (a argList) String() string { return "" }

// Set takes key=value; the value is JSON when it parses as JSON (true, 42,
// ["a"]), else a string.
func (a argList) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	var j any
	if err := json.Unmarshal([]byte(v), &j); err == nil {
		a[k] = j
	} else {
		a[k] = v
	}
	return nil
}

func cmdTrigger(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "trigger", "[flags] JOB [--arg key=value …| --json '{…}'] [--wait]", `
Asks a running daemon (its admin API) to run a job now, and prints the
River job's id. The job runs on the daemon's queue like a scheduled one; a
job already queued or running with the same arguments is not queued twice
(its id is printed, marked as duplicate); such a job waiting in its retry
backoff or scheduled for later is made to run now. With --wait, waits until
the job is finished and fails unless it completed; an import that waits for
a running import of its kind names that one.

  sestd trigger --list
  sestd trigger selftest --wait
  sestd trigger delta_poll --arg stream=bewerbungen
  sestd trigger full_download
  sestd trigger import --json '{"path": "/var/lib/sestd/inbox/ranking.csv", "mode": "create"}'

The token is admin.token of the config (SESTD_ADMIN_TOKEN,
SESTD_ADMIN_TOKEN_FILE).

Exit status: 0 queued (with --wait: completed), 1 failed (with --wait: the
job was cancelled or discarded, or waiting stopped before it finished),
2 usage, 3 with --wait: an import completed but rejected some rows.`)
	connect := adminFlags(fs, e)
	kv := argList{}
	fs.Var(kv, "arg", "job argument `key=value` (repeatable; value as JSON when it parses, else a string)")
	rawJSON := fs.String("json", "", "job arguments as one JSON `object` (instead of --arg)")
	wait := fs.Bool("wait", false, "wait until the job is finished; fail unless it completed")
	poll := fs.Duration("poll", 500*time.Millisecond, "how often --wait asks for the job's state")
	list := fs.Bool("list", false, "list the jobs the daemon can run, with their arguments")
	output := fs.String("output", "text", "`format` of the answer: text, or json (the job, or with --wait the finished run)")
	var positional []string
	for rest := args; ; {
		if err := parse(fs, e, rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if *list {
		c, err := connect()
		if err != nil {
			return err
		}
		var jobs struct {
			Jobs []admin.JobInfo `json:"jobs"`
		}
		if err := c.do(ctx, http.MethodGet, "/api/jobs", nil, &jobs); err != nil {
			return c.withReadiness(ctx, err)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "JOB\tARGUMENTS")
		for _, j := range jobs.Jobs {
			fmt.Fprintf(tw, "%s\t%s\n", j.Name, j.Help)
		}
		return tw.Flush()
	}
	if len(positional) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: want exactly one JOB (sestd trigger --list shows them), got %d", errUsage, len(positional))
	}
	if *output != "text" && *output != "json" {
		return fmt.Errorf("%w: --output must be text or json, got %q", errUsage, *output)
	}
	asJSON := *output == "json"
	job := positional[0]
	var body any = map[string]any(kv)
	if *rawJSON != "" {
		if len(kv) > 0 {
			return fmt.Errorf("%w: use --arg or --json, not both", errUsage)
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(*rawJSON), &obj); err != nil {
			return fmt.Errorf("%w: --json must be a JSON object: %w", errUsage, err)
		}
		body = obj
	}
	c, err := connect()
	if err != nil {
		return err
	}
	var enq admin.Enqueued
	if err := c.do(ctx, http.MethodPost, "/api/jobs/"+url.PathEscape(job), body, &enq); err != nil {
		return c.withReadiness(ctx, err)
	}
	if !*wait {
		if asJSON {
			return writeJSON(e.stdout, enq)
		}
		switch {
		case enq.RunNow:
			fmt.Fprintf(e.stdout, "%s was waiting to be retried or scheduled for later: job %d runs now\n", job, enq.JobID)
		case enq.Duplicate:
			fmt.Fprintf(e.stdout, "%s is already queued or running: job %d (%s)\n", job, enq.JobID, enq.State)
		default:
			fmt.Fprintf(e.stdout, "%s queued: job %d on queue %s\n", job, enq.JobID, enq.Queue)
		}
		return nil
	}
	if !asJSON {
		dup := ""
		switch {
		case enq.RunNow:
			dup = " (it was waiting to be retried or scheduled for later; it runs now)"
		case enq.Duplicate:
			dup = " (already queued or running)"
		}
		fmt.Fprintf(e.stderr, "waiting for %s, job %d%s …\n", job, enq.JobID, dup)
	}
	var onPoll func(admin.Run)
	if !asJSON {
		onPoll = sameKindImportNotice(ctx, c, e.stderr)
	}
	run, err := waitRunNoting(ctx, c, enq.JobID, *poll, onPoll)
	if err != nil {
		return c.withReadiness(ctx, err)
	}
	if asJSON {
		if err := writeJSON(e.stdout, run); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "job %d (%s) %s after %d attempt(s) in %s\n", run.ID, run.Kind, run.State, run.Attempt, seconds(run.DurationSeconds))
		for _, er := range run.Errors {
			fmt.Fprintf(e.stdout, "  attempt %d at %s: %s\n", er.Attempt, er.At.Local().Format(time.DateTime), er.Error)
		}
	}
	if run.State != "completed" {
		return fmt.Errorf("job %d %s: %s", run.ID, run.State, run.LastError())
	}
	if run.Kind != "import" {
		return nil
	}
	var out importers.Summary
	if json.Unmarshal(run.Output, &out) != nil {
		return nil
	}
	if out.AlreadyImported {
		// The job did nothing: the status is the earlier run's.
		if !asJSON {
			fmt.Fprintln(e.stdout, importedBeforeText(out, "force"))
		}
		return nil
	}
	if out.Status == "partial" {
		return &exitError{exitPartial, fmt.Errorf("job %d: the import rejected %d of %d rows; the rest is imported", run.ID, out.Rejected, out.Read)}
	}
	return nil
}

// importedBeforeText tells that an import was skipped as the same bytes
// were imported before, under the name they had then (a copy has another);
// force names the way to import it again.
func importedBeforeText(s importers.Summary, force string) string {
	prev := s.PreviousFile
	if prev == "" {
		prev = s.File
	}
	when := ""
	if !s.PreviousAt.IsZero() {
		when = s.PreviousAt.Local().Format(time.DateTime) + ", "
	}
	return fmt.Sprintf("the same bytes as %s were imported in run %d (%s%s); skipped — use %s to import it again", prev, s.RunID, when, s.Status, force)
}

// waitRun polls the job until it is finished or ctx ends.
func waitRun(ctx context.Context, c *adminClient, id int64, every time.Duration) (admin.Run, error) {
	return waitRunNoting(ctx, c, id, every, nil)
}

// waitRunNoting is waitRun calling onPoll (when not nil) with the job at
// each poll while it is not finished.
func waitRunNoting(ctx context.Context, c *adminClient, id int64, every time.Duration, onPoll func(admin.Run)) (admin.Run, error) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		var run admin.Run
		if err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/runs/%d", id), nil, &run); err != nil {
			return run, err
		}
		if run.Finished() {
			return run, nil
		}
		if onPoll != nil {
			onPoll(run)
		}
		select {
		case <-ctx.Done():
			return run, fmt.Errorf("stopped waiting for job %d (%s, still %s): %w", id, run.Kind, run.State, ctx.Err())
		case <-t.C:
		}
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// seconds formats an optional duration in seconds for people.
func seconds(s *float64) string {
	if s == nil {
		return "-"
	}
	return durationText(time.Duration(*s * float64(time.Second)))
}

func durationText(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < 48*time.Hour:
		return d.Round(time.Second).String()
	default:
		return fmt.Sprintf("%dd%s", d/(24*time.Hour), (d % (24 * time.Hour)).Round(time.Hour))
	}
}

// importArgsOf reads the kind and file of an import job's arguments: the
// kind given, else the one its path tells ("" when none does).
func importArgsOf(raw json.RawMessage) (kind, file string) {
	var a struct {
		Path string `json:"path"`
		Kind string `json:"kind"`
	}
	if json.Unmarshal(raw, &a) != nil {
		return "", ""
	}
	kind = a.Kind
	if kind == "" {
		if k, err := importers.DetectKind(a.Path); err == nil {
			kind = string(k)
		}
	}
	return kind, filepath.Base(a.Path)
}

// sameKindImportNotice returns an onPoll for waiting on an import: while
// the import waits, another import of its kind that is running and
// started before it is named (once each): imports of one kind run one
// after the other.
func sameKindImportNotice(ctx context.Context, c *adminClient, w io.Writer) func(admin.Run) {
	told := map[int64]bool{}
	return func(run admin.Run) {
		if run.Kind != "import" {
			return
		}
		kind, _ := importArgsOf(run.Args)
		if kind == "" {
			return
		}
		var others struct {
			Runs []admin.Run `json:"runs"`
		}
		if c.do(ctx, http.MethodGet, "/api/runs?kind=import&state=running&limit=100", nil, &others) != nil {
			return // only a notice: the wait goes on
		}
		for _, o := range others.Runs {
			if o.ID == run.ID || told[o.ID] {
				continue
			}
			if run.AttemptedAt != nil && (o.AttemptedAt == nil || !o.AttemptedAt.Before(*run.AttemptedAt)) {
				continue // started after this one: it is the one that waits
			}
			if k, file := importArgsOf(o.Args); k == kind {
				told[o.ID] = true
				fmt.Fprintf(w, "waiting: another import of %s (job %d, file %s) is running; this one starts when it ends\n", kind, o.ID, file)
			}
		}
	}
}
