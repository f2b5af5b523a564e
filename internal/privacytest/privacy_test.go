// Package privacytest checks sestd end to end for personal data where it
// must not be (logs above debug, River's job rows, /metrics) and for files
// that others could read, under a permissive umask. It has tests only; the
// umask is process-wide, so its tests do not run in parallel and the
// package is a test binary of its own.
package privacytest

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/daemon"
	"sestd/internal/jobs"
	"sestd/internal/logging"
	"sestd/internal/logging/logtest"
	"sestd/internal/metrics"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestNoPersonalDataOutsideItsPlaces runs a full sync with documents, the
// delta polls, an outbound run with its export, an inbox import of
// identities (one row rejected) and a subject export, all with the
// production log level and SOAP body logging off, under umask 0. Then no
// applicant's name, e-mail address or birth date is in the log output,
// River's job rows or /metrics, and every directory and file sestd created
// is its owner's only.
func TestNoPersonalDataOutsideItsPlaces(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })

	s, err := sim.New(sim.Config{Seed: 31, Bewerbungen: 300, Hochschulnummer: "4411", Username: "hs4411", Password: "sim-password"})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	pool := testdb.New(t)
	dir := filepath.Join(t.TempDir(), "var")
	cfg := config.Default()
	cfg.Database.URL = pool.Config().ConnString()
	cfg.Servicestelle.BaseURL = srv.URL + "/hochschule/webservice/3"
	cfg.Servicestelle.Hochschulnummer = "4411"
	cfg.Servicestelle.Username = "hs4411"
	cfg.Servicestelle.Password = "sim-password"
	cfg.Servicestelle.Vermittlungsprozess.Jahr = 2026
	cfg.Servicestelle.Timeout = 10 * time.Second
	cfg.Servicestelle.DebugBodies = false
	cfg.Log.Level = "info"
	cfg.Sync.DocumentRoot = filepath.Join(dir, "documents")
	cfg.Sync.DokumentDownload = true
	cfg.Export.Dir = filepath.Join(dir, "export")
	cfg.Import.InboxDir = filepath.Join(dir, "inbox")
	cfg.Sync.Schedules = config.Schedules{Delta: "off", Studienangebote: "off", Full: "off", Outbound: "off", Inbox: "off", Retention: "off"}
	require.NoError(t, cfg.Validate())

	var logs logtest.Buffer
	log, err := logging.New(&logs, cfg.Log.Level, "json")
	require.NoError(t, err)
	m := metrics.New(metrics.BuildInfo{Version: "test"})
	client, err := daemon.NewSestClient(cfg, log, m)
	require.NoError(t, err)
	st := store.New(pool)
	deps := jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: m, Sest: client}
	kit, err := jobs.Build(deps)
	require.NoError(t, err)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Logger: logging.Slog(log),
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}, jobs.QueueSync: {MaxWorkers: 2},
			jobs.QueueImport: {MaxWorkers: 2}, jobs.QueueOutbound: {MaxWorkers: 1}},
		Workers:    kit.Workers,
		Middleware: []rivertype.Middleware{&jobs.LogMiddleware{Log: log}, m.JobMiddleware()},
		TestOnly:   true,
	})
	require.NoError(t, err)
	events, cancel := rc.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	defer cancel()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	require.NoError(t, rc.Start(ctx))
	stopped := false
	stopRiver := func() {
		if !stopped {
			stopped = true
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			_ = rc.Stop(sctx)
		}
	}
	t.Cleanup(stopRiver)

	// waitKind waits for the next finished job of kind.
	waitKind := func(kind string) *rivertype.JobRow {
		t.Helper()
		timeout := time.After(2 * time.Minute)
		for {
			select {
			case ev := <-events:
				if ev.Job.Kind == kind {
					require.Equal(t, river.EventKindJobCompleted, ev.Kind, "%s: %v", kind, ev.Job.Errors)
					return ev.Job
				}
			case <-timeout:
				t.Fatalf("job %s did not finish", kind)
			}
		}
	}
	work := func(args river.JobArgs) {
		t.Helper()
		_, err := rc.Insert(ctx, args, &river.InsertOpts{MaxAttempts: 1})
		require.NoError(t, err)
		waitKind(args.Kind())
	}

	// Full sync with documents, then the delta polls.
	work(jobs.StudienangeboteArgs{})
	work(jobs.FullArgs{})
	for _, stream := range store.AllStreams() {
		work(jobs.DeltaArgs{Stream: stream})
	}
	// Changes polled by the delta.
	s.Clock().Advance(time.Minute)
	people := s.AllBewerber()
	for i := 0; i < 5; i++ {
		require.NoError(t, s.ChangeBewerber(people[i].ID, func(b *sestmodel.Bewerber) { b.Postanschrift.Ort = "Bielefeld" }))
	}
	require.NoError(t, s.MarkBewerberForDeletion(people[5].ID))
	work(jobs.DeltaArgs{Stream: store.StreamBewerber})
	// The outbound run exports the mirror's changes to export.dir.
	work(jobs.OutboundArgs{})

	// An identities file with the applicants' names and addresses arrives
	// in the inbox; one row is broken.
	var csv strings.Builder
	csv.WriteString("IDENTNR;MATRIKELNR;VORNAME;NACHNAME;KUERZEL;EMAIL;LAND;PLZ;STANG;EU\n")
	for i, p := range people[:20] {
		eu := "J"
		if i == 7 {
			eu = "vielleicht " + p.Nachname
		}
		fmt.Fprintf(&csv, "ID%04d;%07d;%s;%s;;%s;D;%s;D;%s\n", i, 1000000+i, p.Vorname, p.Nachname, p.EmailAdresse, p.Postanschrift.Plz, eu)
	}
	inbox := filepath.Join(cfg.Import.InboxDir, "sbeat_identities")
	require.NoError(t, os.MkdirAll(inbox, 0o700))
	in := filepath.Join(inbox, "identities.csv")
	require.NoError(t, os.WriteFile(in, []byte(csv.String()), 0o600))
	past := time.Now().Add(-time.Minute)
	require.NoError(t, os.Chtimes(in, past, past))
	work(jobs.InboxArgs{})
	imp := waitKind(jobs.ImportArgs{}.Kind())
	var sum struct {
		Rejected int `json:"rejected"`
		Created  int `json:"created"`
	}
	require.NoError(t, json.Unmarshal(imp.Output(), &sum))
	require.Equal(t, 1, sum.Rejected, "the broken row is rejected: %s", imp.Output())
	require.Equal(t, 19, sum.Created)

	// An access request's export.
	exportZip := filepath.Join(dir, "requests", "subject.zip")
	_, err = jobs.SubjectExportFile(ctx, st, cfg.Sync.DocumentRoot, people[0].ID, "cli:test", exportZip)
	require.NoError(t, err)

	// /metrics as scraped.
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	metricsText := rec.Body.String()
	require.Contains(t, metricsText, "sestd_")

	stopRiver()
	var jobRows string
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT coalesce(string_agg(concat_ws(' ', kind, args::text, errors::text, metadata::text), E'\n'), '') FROM river_job`).Scan(&jobRows))
	require.NotEmpty(t, jobRows)
	logText := logs.String()
	require.Contains(t, logText, "job completed", "the logs were captured")

	// The applicants' personal data is nowhere of these.
	for where, text := range map[string]string{"log output": logText, "river_job rows": jobRows, "/metrics": metricsText} {
		for _, p := range people {
			for _, pat := range personalPatterns(p) {
				if loc := pat.FindStringIndex(text); loc != nil {
					t.Errorf("%s holds personal data of %s (%s): …%s…", where, p.ID, pat, excerpt(text, loc))
				}
			}
		}
	}

	// Every directory and file sestd wrote is its owner's only.
	var checked int
	require.NoError(t, filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s is mode %v under umask 0: want 0700 directories and 0600 files", strings.TrimPrefix(path, dir), perm)
		}
		checked++
		return nil
	}))
	for _, want := range []string{cfg.Sync.DocumentRoot, cfg.Export.Dir, filepath.Join(inbox, "processed"), exportZip} {
		_, err := os.Stat(want)
		require.NoError(t, err, "%s was written", want)
	}
	entries, err := os.ReadDir(cfg.Export.Dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries, "the outbound run exported files")
	processed, err := os.ReadDir(filepath.Join(inbox, "processed"))
	require.NoError(t, err)
	require.Len(t, processed, 2, "the imported file and its rejects file")
	require.Greater(t, checked, 20)
}

// personalPatterns matches an applicant's surname (as a word), full name,
// e-mail address and birth date (ISO and German notation).
func personalPatterns(p sestmodel.Bewerber) []*regexp.Regexp {
	var out []*regexp.Regexp
	word := func(s string) {
		if len(s) >= 3 {
			out = append(out, regexp.MustCompile(`(^|[^\p{L}])`+regexp.QuoteMeta(s)+`($|[^\p{L}])`))
		}
	}
	word(p.Nachname)
	word(p.Vorname + " " + p.Nachname)
	if p.EmailAdresse != "" {
		out = append(out, regexp.MustCompile(regexp.QuoteMeta(p.EmailAdresse)))
	}
	if d, err := time.Parse(time.DateOnly, p.Geburtsdatum); err == nil {
		out = append(out, regexp.MustCompile(regexp.QuoteMeta(d.Format(time.DateOnly))+`($|[^T\d])`),
			regexp.MustCompile(regexp.QuoteMeta(d.Format("02.01.2006"))))
	}
	return out
}

func excerpt(s string, loc []int) string {
	return s[max(0, loc[0]-80):min(len(s), loc[1]+80)]
}
