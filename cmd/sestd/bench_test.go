package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/testdb"
)

// peakRSS reads a process's peak resident set size (VmHWM) in bytes.
func peakRSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// Profile of the full download (issue 19), 20,000 Bewerbungen + 10,000
// Bewerber in packages of 500, on the shared 2-core machine:
//
//   - Daemon CPU (go test ./internal/jobs -bench FullDownloadInProcess
//     -cpuprofile): about 2.4 s, of which decoding the responses took
//     1.7 s, four fifths of it in encoding/xml's Token (reading rune by
//     rune through a bufio layer, translating names); the store's Go side
//     (JSON, pgx array encoding) 0.3 s. The Client now reads responses with
//     its own scanner over the body's bytes (sest/wire/scan.go):
//     BenchmarkDecode500 58 ms -> 30 ms per package.
//   - PostgreSQL CPU, read from /proc/<backend pid>/stat around the
//     store's upserts (robust against the machine's load, unlike wall
//     time): 20,000 new Bewerbungen 1.9-2.0 s, 10,000 Bewerber 0.8-0.9 s,
//     20,000 unchanged Bewerbungen 0.85 s. With every user trigger disabled
//     1.3 s / 0.3 s, with foreign keys off as well 0.8 s / 0.16 s: per-row
//     PL/pgSQL triggers (the console's name folding, the status history,
//     the subject tombstone check) and foreign-key checks of the child rows
//     are most of it; dropping the secondary indexes saved little. The
//     writes were already set-based (one unnest upsert per package, the
//     data_sha skip of unchanged items, children replaced only for changed
//     items), so COPY into a staging table would not touch those costs.
//     Migration 0170 makes the AFTER INSERT triggers statement triggers
//     (transition tables): about 10% less PostgreSQL CPU for new
//     Bewerbungen.
//   - Wall time: the package writes of the Bewerbungen stream are the
//     critical path (fetch and decode of the next package overlap them);
//     on this machine, shared with other builds (load 10-17 while
//     measuring), wall time is two to three times the CPU time. A package
//     of Bewerbungen now takes two round trips for its rows instead of up
//     to nine (each one waits for the database's turn on a CPU).
//
// Same-run figures, 20k shape, load average 6-8 (2026-11-27): before these
// changes sestd 8.36 s, replay floor 1.23 s (6.8x), refclient 17.4 s
// (2.1x); after them sestd 3.5-4.1 s, floor 0.72-0.94 s (4.4-4.9x),
// refclient 11.7-12.1 s (2.9-3.5x). 100k shape after them, load 8:
// sestd 26.2 s (3,811 Bewerbungen/s), floor 5.1 s (5.1x), refclient 94 s
// (3.6x), daemon peak RSS 79 MB. Single runs on this machine vary by a
// third; compare runs made side by side.
//
// Second round (the benchmark now logs the daemon's and its backends' CPU
// time and each stream's waited_for_fetch and writing; store's
// BenchmarkMirrorBackendCPU reads one backend's CPU per phase, and with
// BENCH_SQL set runs that SQL first, e.g. to disable a trigger):
//
//   - Where the time goes, 20k shape, load 7-9: daemon CPU 1.7-1.9 s,
//     backends 2.0-2.4 s, wall 5-8 s. The Bewerbungen stream's writer
//     waited 0.13 s for the fetcher and wrote for 4.7 s of its 4.8 s: the
//     writes are the critical path, and wall time is CPU time stretched by
//     the machine's load (both processes wait for a core).
//   - Backend CPU by phase (store benchmark): 20k new Bewerbungen 1.46-1.57
//     s, without the tombstone row trigger 1.41 s, without any user trigger
//     1.24 s, without foreign keys as well 0.91 s; 10k Bewerber completing
//     their stubs 0.76-0.81 s, 0.23 s without the per-row name-folding
//     UPDATE trigger, 0.66 s without the trigram index. Migration 0220
//     replaces the tombstone row trigger with one set-based check per
//     package; 0221 keeps the UPDATE triggers per row but with WHEN (the
//     transition-table version was measured slower, see there).
//   - Not changed: the foreign keys of the child rows (0.3 s per 20k;
//     dropping them would lose ON DELETE CASCADE, which erasure and the
//     sweep rely on) and the name folding itself (the console's, most of
//     the Bewerber stream's database time). synchronous_commit off for a
//     run's packages (store.inTx) is not visible here: the test clusters
//     run with it off already.
//   - Same-run figures after 0220/0221, 20k shape: sestd 7.16 s, floor
//     1.55 s (4.6x), refclient 28.5 s (4.0x), load 7.7; sestd 6.96 s, floor
//     1.84 s (3.8x), refclient 16.1 s (2.3x), load 6.7. 100k shape: sestd
//     25.5 s (3,924 Bewerbungen/s), floor 5.37 s (4.7x), refclient 65.9 s
//     (2.6x), RSS 76 MB, load 3.6-6.3; sestd 24.2 s (4,125/s), floor
//     3.65 s (6.7x), refclient 53.9 s (2.2x), RSS 80 MB, load 2.9-3.6.
//     At 100k the download is CPU-bound on its own: daemon 10.5-10.7 s,
//     backends 14.5-16.5 s of CPU in 24-25 s on two cores, so 10,000/s
//     needs both halves about halved (the daemon's is mostly decoding).
//
// Third round (the machine is CPU-bound: daemon, backends and the
// in-process simulator together used about 19 s of CPU in 12 s on two
// cores, so every CPU second cut is wall time won):
//
//   - The Client's decoder reads tokens into its own fields instead of
//     boxed xml.Tokens, joins element paths only for errors, resolves
//     namespaces through one slice with a per-name cache and memoises how
//     each type is read (BenchmarkDecode500: 10.8 ms, 104,000 allocations
//     -> 2.7 ms, 7,800); response bodies are read into one buffer sized
//     from Content-Length. Daemon CPU at 100k: 6.8 s -> 3.4 s.
//   - `sestd run` collects garbage at GOGC=300 with a 128 MiB soft limit
//     (cmd/sestd/gc.go): a fifth less daemon CPU, peak RSS under 150 MB.
//   - The fetcher prepares each package for the store (JSON, hashes,
//     column arrays) ahead of its write; two packages are written at once
//     (jobs.packageWriters, shared by the streams of a download), and the
//     run's progress stays a prefix of committed packages (jobs.progress).
//     Two writers per stream without the shared limit cost more backend
//     CPU than they saved (the backends spun on locks with more writers
//     than cores).
//   - Each package's commit read cardinality(refs), unpacking the run's
//     TOASTed reference array (0.65 ms per package of a 100k run): the
//     run keeps its total (migration 0270). Applicants' search rows fold
//     names with one translate() (0251) and completed stubs get theirs
//     set-based (0252); a redundant bewerbung index is gone (0271).
//   - Where the backends' time goes now (perf, 100k run): foreign-key
//     checks 21 %, PL/pgSQL statement triggers (status history, stubs'
//     search rows) 18 %, index inserts 17 %, heap inserts 7 %, JSON
//     validation 3 %, the rest parsing, planning and executing.
//   - Same-run figures, quiet machine (load 1.0-1.6), final code: 20k
//     shape, 6 runs, 2.03-2.73 s, floor 2.9-4.0x (median 3.3x), refclient
//     3.8-5.4x; 100k shape, 11 runs, median 10,764 Bewerbungen/s, from
//     9,059 to 11,382 as the host's speed varied (its floor from 2.81 to
//     3.76 s; the ratio stayed 2.5-3.4x), refclient 4.6-5.9x, daemon peak
//     RSS 125-140 MB. Tried and dropped: the Bewerber stream before the
//     Bewerbungen (no stubs to complete) was not faster.

// downloadShape is one data set the full download benchmarks run on.
type downloadShape struct {
	bewerbungen, bewerber, packageSize int
}

// BenchmarkFullDownload20k is issue 19's table: a full mirror from empty of
// 20,000 Bewerbungen and 10,000 Bewerber in packages of 500, beside its
// references from the same run (see benchFullDownload). Run with
//
//	go test ./cmd/sestd -run '^$' -bench FullDownload -benchtime 1x
func BenchmarkFullDownload20k(b *testing.B) {
	benchFullDownload(b, downloadShape{bewerbungen: 20_000, bewerber: 10_000, packageSize: 500})
}

// BenchmarkFullDownload100k downloads 100,000 Bewerbungen (and the
// simulator's default 50,000 applicants) in packages of 500; the target is
// 10,000 Bewerbungen/s or more with the daemon's peak RSS under 150 MB.
func BenchmarkFullDownload100k(b *testing.B) {
	benchFullDownload(b, downloadShape{bewerbungen: 100_000, packageSize: 500})
}

// benchFullDownload runs the real daemon binary as a child process against
// the simulator (in this process, over loopback HTTP) and times a full
// download into an empty database, from the job's insertion to its
// completion (daemon start not included). Beside it, in the same run:
//
//   - replay-floor-s: the SOAP requests sestd made (recorded by the
//     simulator) sent again one after the other with plain net/http,
//     reading every response body, no parsing, no database;
//   - refclient-s: testdata/refclient.py, a straightforward Python client
//     (zeep + psycopg2) doing the same work into an empty database
//     (skipped with a note when python3-zeep or python3-psycopg2 are
//     missing);
//
// and the ratios x-floor (sestd / floor, target at most 4) and
// x-faster-than-refclient (refclient / sestd, target at least 3), the
// daemon's peak RSS (VmHWM) and the machine's load average.
func benchFullDownload(b *testing.B, sh downloadShape) {
	s, err := sim.New(sim.Config{Seed: 1, Bewerbungen: sh.bewerbungen, Bewerber: sh.bewerber,
		Hochschulnummer: "4411", Username: "u", Password: "p"})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	base := srv.URL + "/hochschule/webservice/3"
	sh.bewerbungen, sh.bewerber = len(s.Bewerbungen()), len(s.AllBewerber())
	python := refClientCheck()
	if python != nil {
		b.Logf("SKIP reference client: %v (apt-get install python3-zeep python3-psycopg2)", python)
	}
	for range b.N {
		b.StopTimer()
		s.ResetReceived()
		elapsed, rss := runDaemonDownload(b, base, sh)
		calls := s.Received("")
		floor, replayed := replay(b, srv.URL, calls)
		var ref time.Duration
		if python == nil {
			ref = runRefClient(b, base, sh)
		}
		load, _ := os.ReadFile("/proc/loadavg")

		b.ReportMetric(elapsed.Seconds(), "sestd-s")
		b.ReportMetric(float64(sh.bewerbungen)/elapsed.Seconds(), "bewerbungen/s")
		b.ReportMetric(float64(sh.bewerbungen+sh.bewerber)/elapsed.Seconds(), "items/s")
		b.ReportMetric(floor.Seconds(), "replay-floor-s")
		b.ReportMetric(elapsed.Seconds()/floor.Seconds(), "x-floor")
		b.ReportMetric(float64(rss)/(1<<20), "daemon-peak-rss-MB")
		line := fmt.Sprintf("%d Bewerbungen + %d Bewerber, package size %d: sestd %.2fs (%.0f Bewerbungen/s, peak RSS %.0f MB); "+
			"replay floor %.2fs (%d requests, %.0f MB) = %.1fx",
			sh.bewerbungen, sh.bewerber, sh.packageSize, elapsed.Seconds(), float64(sh.bewerbungen)/elapsed.Seconds(),
			float64(rss)/(1<<20), floor.Seconds(), len(calls), float64(replayed)/(1<<20), elapsed.Seconds()/floor.Seconds())
		if ref > 0 {
			b.ReportMetric(ref.Seconds(), "refclient-s")
			b.ReportMetric(ref.Seconds()/elapsed.Seconds(), "x-faster-than-refclient")
			line += fmt.Sprintf("; refclient %.2fs = sestd %.1fx faster", ref.Seconds(), ref.Seconds()/elapsed.Seconds())
		}
		b.Logf("%s; load average %s", line, strings.TrimSpace(string(load)))
	}
}

// cpuTime reads a process's user and system CPU time from /proc (zero
// when the process is gone).
func cpuTime(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces): state is 3,
	// utime 14, stime 15.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * (time.Second / 100) // USER_HZ is 100 on Linux
}

// backendsCPU sums the CPU time of the database's backends (the daemon's
// connections), by pid.
func backendsCPU(ctx context.Context, b *testing.B, pool *pgxpool.Pool) map[int]time.Duration {
	rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	out := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		out[pid] = cpuTime(pid)
	}
	return out
}

// runDaemonDownload starts `sestd run` on a fresh database, runs one full
// download and returns its duration and the daemon's peak RSS.
func runDaemonDownload(b *testing.B, base string, sh downloadShape) (time.Duration, int64) {
	ctx := context.Background()
	dbURL := testdb.URL(b)
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	dir := b.TempDir()
	env := []string{
		"SESTD_DATABASE_URL=" + dbURL, "SESTD_LOG_FORMAT=json", "SESTD_LOG_LEVEL=info",
		"SESTD_SERVICESTELLE_BASE_URL=" + base,
		"SESTD_SERVICESTELLE_HOCHSCHULNUMMER=4411", "SESTD_SERVICESTELLE_USERNAME=u", "SESTD_SERVICESTELLE_PASSWORD=p",
		"SESTD_SERVICESTELLE_VERMITTLUNGSPROZESS_JAHR=2026",
		"SESTD_SERVICESTELLE_PACKAGE_SIZE=" + strconv.Itoa(sh.packageSize),
		"SESTD_SYNC_DOCUMENT_ROOT=" + filepath.Join(dir, "documents"), "SESTD_SYNC_DOKUMENT_DOWNLOAD=false",
		"SESTD_SYNC_SCHEDULES_DELTA=off", "SESTD_SYNC_SCHEDULES_STUDIENANGEBOTE=off", "SESTD_SYNC_SCHEDULES_FULL=off",
		"SESTD_SYNC_SCHEDULES_OUTBOUND=off", "SESTD_SYNC_SCHEDULES_INBOX=off", "SESTD_SYNC_SCHEDULES_RETENTION=off",
	}
	p := startSestdProcess(b, env, filepath.Join(dir, "sestd.log"))
	defer func() {
		_ = p.cmd.Process.Kill()
		_, _ = p.cmd.Process.Wait()
	}()
	p.waitReady(b)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		b.Fatal(err)
	}
	daemonCPU0, pgCPU0 := cpuTime(p.cmd.Process.Pid), backendsCPU(ctx, b, pool)
	b.StartTimer()
	start := time.Now()
	res, err := client.Insert(ctx, jobs.FullArgs{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for {
		var state string
		if err := pool.QueryRow(ctx, `SELECT state FROM river_job WHERE id = $1`, res.Job.ID).Scan(&state); err != nil {
			b.Fatal(err)
		}
		if state == "completed" {
			break
		}
		if state == "discarded" || state == "cancelled" || state == "retryable" {
			raw, _ := os.ReadFile(filepath.Join(dir, "sestd.log"))
			b.Fatalf("full download %s; log:\n%s", state, raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	var pgCPU time.Duration
	for pid, t := range backendsCPU(ctx, b, pool) {
		pgCPU += t - pgCPU0[pid]
	}
	b.Logf("CPU during the download: daemon %.2fs, its PostgreSQL backends %.2fs (wall %.2fs)",
		(cpuTime(p.cmd.Process.Pid) - daemonCPU0).Seconds(), pgCPU.Seconds(), elapsed.Seconds())
	// Is the writer waiting on the fetcher or the other way round?
	logged, _ := os.ReadFile(filepath.Join(dir, "sestd.log"))
	for _, line := range strings.Split(string(logged), "\n") {
		if strings.Contains(line, `"stream up to date"`) {
			b.Log(line)
		}
	}
	rss, err := peakRSS(p.cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	var mirrored, bewerber int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM bewerbung), (SELECT count(*) FROM bewerber WHERE complete)`).Scan(&mirrored, &bewerber); err != nil {
		b.Fatal(err)
	}
	if mirrored != sh.bewerbungen || bewerber != sh.bewerber {
		b.Fatalf("mirrored %d Bewerbungen and %d Bewerber, want %d and %d", mirrored, bewerber, sh.bewerbungen, sh.bewerber)
	}
	return elapsed, rss
}

// replay sends the recorded calls again, one after the other, with plain
// net/http (keep-alive, basic auth, SOAPAction), reading each response
// body whole and nothing else. It returns the time taken and the response
// bytes read.
func replay(b *testing.B, serverURL string, calls []sim.Call) (time.Duration, int64) {
	hc := &http.Client{}
	var n int64
	start := time.Now()
	for _, c := range calls {
		op, ok := wire.LookupOperation(c.Operation)
		if !ok {
			b.Fatalf("recorded call of unknown operation %q", c.Operation)
		}
		req, err := http.NewRequest(http.MethodPost, serverURL+"/hochschule/webservice/3/"+c.Service, bytes.NewReader(c.Body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/xml;charset=UTF-8")
		req.Header.Set("SOAPAction", `"`+op.SOAPAction()+`"`)
		req.SetBasicAuth("u", "p")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		m, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("replaying %s: status %d, %v", c.Operation, resp.StatusCode, err)
		}
		n += m
	}
	return time.Since(start), n
}

// refClientCheck says why the Python reference client cannot run (nil when
// it can).
func refClientCheck() error {
	if out, err := exec.Command("/usr/bin/python3", "-c", "import zeep, psycopg2").CombinedOutput(); err != nil {
		return fmt.Errorf("/usr/bin/python3 cannot import zeep and psycopg2: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// runRefClient runs testdata/refclient.py into a fresh database and
// returns its duration (Python's start included: a second at most).
func runRefClient(b *testing.B, base string, sh downloadShape) time.Duration {
	dsn := testdb.URL(b)
	start := time.Now()
	out, err := exec.Command("/usr/bin/python3", "testdata/refclient.py", base, "u", "p", "4411", dsn,
		strconv.Itoa(sh.packageSize), "2026-01-01").CombinedOutput()
	elapsed := time.Since(start)
	if err != nil {
		b.Fatalf("refclient.py: %v\n%s", err, out)
	}
	want := sh.bewerbungen
	if !strings.Contains(string(out), "items ") {
		b.Fatalf("refclient.py printed no item count:\n%s", out)
	}
	items, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "items")))
	if items < want {
		b.Fatalf("refclient.py stored %d items, want at least %d:\n%s", items, want, out)
	}
	return elapsed
}
