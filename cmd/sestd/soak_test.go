package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"sestd/internal/fsutil"
	"sestd/internal/mail/mailtest"
	"sestd/internal/mirrortest"
	"sestd/internal/pgcluster"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// soakDuration is how long the soak's fault phase lasts: short in the
// normal test run, as long as asked with SESTD_SOAK_DURATION (e.g. 2h).
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("SESTD_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "SESTD_SOAK_DURATION")
		return d
	}
	return 40 * time.Second
}

// soakEnv is the daemon's environment for the soak: every job on a short
// schedule, a short Servicestelle timeout against injected hangs.
func soakEnv(dbURL, simURL, dir string, smtp *mailtest.Server) []string {
	return []string{
		"SESTD_DATABASE_URL=" + dbURL,
		"SESTD_LOG_FORMAT=json",
		"SESTD_SERVICESTELLE_BASE_URL=" + simURL + "/hochschule/webservice/3",
		"SESTD_SERVICESTELLE_HOCHSCHULNUMMER=4411",
		"SESTD_SERVICESTELLE_USERNAME=hs4411",
		"SESTD_SERVICESTELLE_PASSWORD=sim-pw",
		"SESTD_SERVICESTELLE_VERMITTLUNGSPROZESS_JAHR=2026",
		"SESTD_SERVICESTELLE_PACKAGE_SIZE=100",
		"SESTD_SERVICESTELLE_TIMEOUT=2s",
		"SESTD_SYNC_DOCUMENT_ROOT=" + filepath.Join(dir, "documents"),
		"SESTD_SYNC_DOKUMENT_DOWNLOAD=false",
		"SESTD_IMPORT_INBOX_DIR=" + filepath.Join(dir, "inbox"),
		"SESTD_EXPORT_DIR=" + filepath.Join(dir, "export"),
		"SESTD_SYNC_SCHEDULES_DELTA=@every 3s", "SESTD_SYNC_SCHEDULES_STUDIENANGEBOTE=@every 20s",
		"SESTD_SYNC_SCHEDULES_FULL=off", "SESTD_SYNC_SCHEDULES_OUTBOUND=@every 3s",
		"SESTD_SYNC_SCHEDULES_INBOX=@every 2s", "SESTD_SYNC_SCHEDULES_RETENTION=off",
		"SESTD_OUTBOX_BACKOFF=1s", "SESTD_OUTBOX_DIGEST=off",
		"SESTD_RIVER_SHUTDOWN_GRACE=5s",
		"SESTD_MAIL_HOST=" + smtp.Host, "SESTD_MAIL_PORT=" + strconv.Itoa(smtp.Port), "SESTD_MAIL_TLS=none",
		"SESTD_MAIL_FROM=sestd@test.invalid", "SESTD_MAIL_TO=admins@test.invalid",
	}
}

// applications writes a university-applications file for n applicants of
// the simulator; every tenth application names a Studienangebot the
// Servicestelle does not know (rejected there, so it ends failed and
// mailed), and one row is broken (rejected by the import). It returns the
// file, its applications and how many of them name the unknown offer.
func applications(t *testing.T, s *sim.Sim, batch, n int, used map[string]bool) (string, int, int) {
	var b strings.Builder
	b.WriteString("HS_BEWERBUNG_ID;TYP;BEWERBER_ID;BAN;STUDIENGANG_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS;AKTIVITAETSSTATUS\r\n")
	var angebote []string
	for _, a := range s.Studienangebote() {
		if a.Einfach != nil && a.Einfach.Status == "oeffentlich_sichtbar" {
			angebote = append(angebote, a.Einfach.Schluessel.StudiengangSchluessel)
		}
	}
	applied := map[string]bool{}
	for _, x := range s.Bewerbungen() {
		applied[x.Key()] = true
	}
	rows, unknown := 0, 0
	for _, p := range s.AllBewerber() {
		if rows >= n || p.Status == sestmodel.BewerberStatusZurLoeschung {
			continue
		}
		key := angebote[(rows*7+batch)%len(angebote)]
		if used[p.ID] || applied[p.ID+"/"+key] {
			continue
		}
		used[p.ID] = true
		rows++
		id := fmt.Sprintf("S%02d-%04d", batch, rows)
		if rows%10 == 0 {
			key = "999-999" // unknown at the Servicestelle
			unknown++
		}
		_, ban, err := s.Bewerber(p.ID)
		require.NoError(t, err)
		fmt.Fprintf(&b, "%s;einfach;%s;%s;%s;2026-06-01T10:00:00+02:00;eingegangen;aktiv\r\n", id, p.ID, ban, key)
		if rows == n/2 {
			fmt.Fprintf(&b, "S%02d-BROKEN;vielfach;%s;;%s;gestern;eingegangen;aktiv\r\n", batch, p.ID, key)
		}
	}
	return b.String(), rows, unknown
}

// TestSoakUnderFaults runs the real binary against a simulator that
// churns and injects errors, latency, hangs and malformed answers, kills
// it with SIGKILL at random moments, restarts PostgreSQL once and keeps
// dropping files into the inbox; then it checks that nothing was lost and
// nothing sent twice.
func TestSoakUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	t.Parallel()
	ctx := context.Background()
	duration := soakDuration(t)

	pgDir, err := os.MkdirTemp("", "sestd-testpg-soak")
	require.NoError(t, err)
	cluster, err := pgcluster.New(pgDir, 0)
	require.NoError(t, err)
	require.NoError(t, cluster.Init(ctx))
	require.NoError(t, cluster.Start(ctx))
	t.Cleanup(func() { _ = cluster.Stop(context.Background()); _ = cluster.Remove() })
	require.NoError(t, cluster.CreateDatabase(ctx, "sestd"))
	dbURL := cluster.URL("sestd")

	s, err := sim.New(sim.Config{Seed: 9, Bewerbungen: 1500, Hochschulnummer: "4411", Username: "hs4411", Password: "sim-pw", RealTimeClock: true})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	smtp := mailtest.New(t)
	dir := t.TempDir()
	env := soakEnv(dbURL, srv.URL, dir, smtp)
	logPath := filepath.Join(dir, "sestd.log")
	inbox := filepath.Join(dir, "inbox", "uni_bewerbungen")
	require.NoError(t, fsutil.MkdirPrivate(inbox))

	p := startSestdProcess(t, env, logPath)
	readyTimes := []time.Duration{p.waitReady(t)}

	// The fault phase.
	require.NoError(t, s.SetFault("*", sim.Fault{Latency: 5 * time.Millisecond, HTTPErrorRate: 0.03, HTTPStatus: 503,
		TruncateRate: 0.02, MalformedRate: 0.02, HangRate: 0.01, HangFor: 3 * time.Second}))
	rnd := rand.New(rand.NewPCG(7, 7))
	used := map[string]bool{}
	expectedApps, unknownApps, files, kills, pgRestarted := 0, 0, 0, 0, false
	end := time.Now().Add(duration)
	nextKill := time.Now().Add(time.Duration(3+rnd.IntN(6)) * time.Second)
	// The last third of the fault phase has faults and churn but no kills
	// and no PostgreSQL restart: one process lives through it, and its
	// memory and goroutines are sampled every second (faultSamples).
	var faultSamples []processSample
	for time.Now().Before(end) {
		time.Sleep(time.Second)
		s.Churn(3)
		if time.Until(end) < duration/3 {
			if smp, ok := tryScrapeProcess(p.admin); ok {
				faultSamples = append(faultSamples, smp)
			}
		}
		if files < 8 && rnd.IntN(3) == 0 {
			files++
			content, n, unknown := applications(t, s, files, 25, used)
			expectedApps += n
			unknownApps += unknown
			path := filepath.Join(inbox, fmt.Sprintf("bewerbungen_%02d.csv", files))
			require.NoError(t, fsutil.WriteFileAtomic(path, []byte(content)))
			old := time.Now().Add(-time.Minute)
			require.NoError(t, os.Chtimes(path, old, old))
		}
		if !pgRestarted && time.Until(end) < duration/2 {
			pgRestarted = true
			require.NoError(t, cluster.Stop(ctx))
			time.Sleep(time.Second)
			require.NoError(t, cluster.Start(ctx))
			t.Log("PostgreSQL restarted")
		}
		if time.Now().After(nextKill) && time.Until(end) > duration/3+time.Second {
			require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
			_, _ = p.cmd.Process.Wait()
			kills++
			p = startSestdProcess(t, env, logPath)
			readyTimes = append(readyTimes, p.waitReady(t))
			nextKill = time.Now().Add(time.Duration(3+rnd.IntN(8)) * time.Second)
		}
	}

	// Calm: no more faults or churn; sestd must converge by itself.
	s.ClearFaults()
	pool, err := pgxpool.New(ctx, dbURL)
	require.NoError(t, err)
	defer pool.Close()
	rssStart, goroutinesStart := scrapeProcess(t, p.admin)
	settled := waitSettled(t, pool, 3*time.Minute)
	require.True(t, settled, "sestd did not converge after the faults stopped; log: %s", logPath)
	rssEnd, goroutinesEnd := scrapeProcess(t, p.admin)

	// Nothing lost: the mirror equals the Servicestelle.
	mirrortest.RequireMirrorEqualsSim(t, pool, s)

	// Every application accepted exactly once, or failed/rejected with a
	// reason and mailed exactly once.
	applied := map[string]int{}
	for _, c := range s.Received(sestmodel.OpUebermittelnNeueBewerbungen) {
		if c.Injected != "" && c.Injected != "truncate" && c.Injected != "malformed" {
			continue // refused before the Servicestelle applied it
		}
		for _, x := range c.Request.(*wire.BewerbungenRequest).Bewerbung {
			applied[x.Key()]++
		}
	}
	duplicates := 0
	mails := decodedMails(t, smtp)
	// Failed items are still retried: read the outbox between two sends.
	type outboxRow struct {
		id                                int64
		kind, key, sestKey, state, reason string
	}
	var items []outboxRow
	for try := 0; ; try++ {
		rows, err := pool.Query(ctx, `SELECT id, kind, item_key, coalesce(sest_key, ''), state, reason FROM outbox_item WHERE kind = 'bewerbung'`)
		require.NoError(t, err)
		items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (outboxRow, error) {
			var o outboxRow
			return o, r.Scan(&o.id, &o.kind, &o.key, &o.sestKey, &o.state, &o.reason)
		})
		require.NoError(t, err)
		if try == 50 || !slices.ContainsFunc(items, func(o outboxRow) bool { return o.state == "sent" }) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	accepted, failed := 0, 0
	for _, o := range items {
		id, kind, key, sestKey, state, reason := o.id, o.kind, o.key, o.sestKey, o.state, o.reason
		switch state {
		case "accepted":
			accepted++
			// Created exactly once at the Servicestelle. (Refused items
			// are sent again by design, also once failed.)
			_, err := s.Bewerbung(sestKey)
			require.NoError(t, err, "accepted item %s is at the Servicestelle", key)
			if applied[sestKey] != 1 {
				duplicates++
				t.Errorf("Bewerbung %s (item %s) created %d times", sestKey, key, applied[sestKey])
			}
		case "failed", "rejected":
			failed++
			require.NotEmpty(t, reason, "item %s has its reason", key)
			require.Equal(t, 1, strings.Count(mails, fmt.Sprintf("#%d %s %s ", id, kind, key)), "item %s mailed exactly once", key)
		default:
			t.Errorf("item %s still %s", key, state)
		}
	}
	require.Equal(t, expectedApps, accepted+failed, "every application in the files reached the outbox")
	require.Positive(t, expectedApps-unknownApps, "the soak sent applications for offers the Servicestelle knows")
	require.GreaterOrEqual(t, accepted, expectedApps-unknownApps,
		"every application for an offer the Servicestelle knows is accepted (only the %d for the unknown offer may fail)", unknownApps)

	// Every import adds up, and every bad row is in a rejects file.
	irows, err := pool.Query(ctx, `SELECT rows_read, created, updated, removed, rejected, skipped, rejects_path FROM import_runs`)
	require.NoError(t, err)
	imports, rejectedRows := 0, 0
	for irows.Next() {
		var read, created, updated, removed, rejected, skipped int64
		var rejects string
		require.NoError(t, irows.Scan(&read, &created, &updated, &removed, &rejected, &skipped, &rejects))
		imports++
		require.Equal(t, read, created+updated+removed+rejected+skipped, "import counts add up")
		if rejected > 0 {
			require.Equal(t, int(rejected), dataLines(t, rejects), "every rejected row is in %s", rejects)
			rejectedRows += int(rejected)
		}
	}
	require.NoError(t, irows.Err())
	require.Equal(t, files, imports, "every file imported once")
	require.Equal(t, files, rejectedRows, "the one broken row of each file rejected")

	// A clean stop leaves no job running.
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	_, _ = p.cmd.Process.Wait()
	var running int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state = 'running'`).Scan(&running))
	require.Zero(t, running, "no job stuck running")

	require.Less(t, rssEnd, rssStart*2, "RSS did not grow: %.0f → %.0f MB", rssStart/(1<<20), rssEnd/(1<<20))
	require.Less(t, goroutinesEnd, goroutinesStart+50, "goroutines did not grow: %.0f → %.0f", goroutinesStart, goroutinesEnd)
	faultTrend := requireNoGrowth(t, faultSamples)

	var bewerbungen int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM bewerbung`).Scan(&bewerbungen))
	t.Logf("soak report: %s under faults, %d kills survived, PostgreSQL restarted %v, restart-to-ready %v", duration, kills, pgRestarted, readyTimes)
	t.Logf("soak report: %d Bewerbungen checked field by field, %d applications: %d accepted, %d failed and mailed once; duplicates 0, lost 0", bewerbungen, expectedApps, accepted, failed)
	t.Logf("soak report: %d imports, %d bad rows in rejects files; RSS %.0f→%.0f MB, goroutines %.0f→%.0f", imports, rejectedRows, rssStart/(1<<20), rssEnd/(1<<20), goroutinesStart, goroutinesEnd)
	t.Logf("soak report: under faults without kills: %s", faultTrend)
	fmt.Printf("soak: kills survived %d, items checked %d, duplicates %d, lost 0\n", kills, bewerbungen, duplicates)
}

// waitSettled waits until the outbox is done, no import is under way, the
// Studienangebote were downloaded, and the delta polls of every stream
// completed after the calm began.
func waitSettled(t *testing.T, pool *pgxpool.Pool, within time.Duration) bool {
	t.Helper()
	ctx := context.Background()
	calm := time.Now()
	deadline := calm.Add(within)
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		var open, freshCursors, runningImports int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox_item WHERE state IN ('pending', 'sent')`).Scan(&open); err != nil {
			continue
		}
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM sync_cursor WHERE stream IN ('bewerber', 'bewerbungen', 'ranglistenstatus') AND updated_at > $1`, calm.Add(4*time.Second)).Scan(&freshCursors); err != nil {
			continue
		}
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind IN ('import', 'inbox_scan') AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&runningImports); err != nil {
			continue
		}
		var angebote int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'studienangebote_download' AND state = 'completed'`).Scan(&angebote); err != nil {
			continue
		}
		if open == 0 && freshCursors == 3 && runningImports == 0 && angebote > 0 {
			// One more round of polls, so that what the last sends
			// created at the Servicestelle is mirrored too.
			time.Sleep(4 * time.Second)
			return true
		}
	}
	return false
}

// processSample is the daemon's resident memory and goroutines at one moment.
type processSample struct {
	rss, goroutines float64
}

// tryScrapeProcess reads a sample; a daemon that does not answer (it is
// busy reconnecting, say) gives none.
func tryScrapeProcess(admin string) (processSample, bool) {
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		return processSample{}, false
	}
	defer resp.Body.Close()
	var smp processSample
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "process_resident_memory_bytes "); ok {
			smp.rss, _ = strconv.ParseFloat(v, 64)
		}
		if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			smp.goroutines, _ = strconv.ParseFloat(v, 64)
		}
	}
	return smp, resp.StatusCode == http.StatusOK && smp.rss > 0 && smp.goroutines > 0
}

// requireNoGrowth checks the trend of samples taken under faults: the
// median of the last quarter against the median of the first quarter
// (the first quarter absorbs the warm-up after the last restart). It
// returns the trend for the report.
func requireNoGrowth(t *testing.T, samples []processSample) string {
	t.Helper()
	require.GreaterOrEqual(t, len(samples), 8, "samples of the daemon under faults (one a second over the last third)")
	q := len(samples) / 4
	median := func(part []processSample, f func(processSample) float64) float64 {
		vals := make([]float64, len(part))
		for i, smp := range part {
			vals[i] = f(smp)
		}
		slices.Sort(vals)
		return vals[len(vals)/2]
	}
	rss := func(smp processSample) float64 { return smp.rss }
	gor := func(smp processSample) float64 { return smp.goroutines }
	rssFirst, rssLast := median(samples[:q], rss), median(samples[len(samples)-q:], rss)
	gorFirst, gorLast := median(samples[:q], gor), median(samples[len(samples)-q:], gor)
	require.Less(t, rssLast, rssFirst*1.5, "RSS under faults did not grow: %.0f → %.0f MB", rssFirst/(1<<20), rssLast/(1<<20))
	require.Less(t, gorLast, gorFirst+50, "goroutines under faults did not grow: %.0f → %.0f", gorFirst, gorLast)
	return fmt.Sprintf("%d samples, RSS %.0f→%.0f MB, goroutines %.0f→%.0f", len(samples), rssFirst/(1<<20), rssLast/(1<<20), gorFirst, gorLast)
}

// scrapeProcess reads the daemon's resident memory and goroutines.
func scrapeProcess(t *testing.T, admin string) (rss, goroutines float64) {
	t.Helper()
	resp, err := http.Get("http://" + admin + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "process_resident_memory_bytes "); ok {
			rss, _ = strconv.ParseFloat(v, 64)
		}
		if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			goroutines, _ = strconv.ParseFloat(v, 64)
		}
	}
	require.Positive(t, rss)
	return rss, goroutines
}

func decodedMails(t *testing.T, smtp *mailtest.Server) string {
	t.Helper()
	var all strings.Builder
	for _, m := range smtp.Messages() {
		body, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.Data)))
		if err != nil {
			body = []byte(m.Data)
		}
		all.Write(body)
		all.WriteString("\n")
	}
	return all.String()
}

// dataLines counts a CSV file's lines after the header.
func dataLines(t *testing.T, path string) int {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	n := strings.Count(strings.TrimRight(string(raw), "\r\n"), "\n")
	return n
}
