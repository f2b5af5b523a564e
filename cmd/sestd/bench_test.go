package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
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

// BenchmarkFullDownload100k runs the real daemon binary against the
// simulator (in this process, over loopback HTTP) and downloads 100,000
// Bewerbungen with their applicants into PostgreSQL. It reports
// Bewerbungen per second and the daemon's peak RSS. Run with
//
//	go test ./cmd/sestd -run '^$' -bench FullDownload100k -benchtime 1x
func BenchmarkFullDownload100k(b *testing.B) {
	const n = 100_000
	s, err := sim.New(sim.Config{Seed: 1, Bewerbungen: n, Hochschulnummer: "4411", Username: "u", Password: "p"})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dbURL := testdb.URL(b)
		pool, err := pgxpool.New(context.Background(), dbURL)
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		env := []string{
			"SESTD_DATABASE_URL=" + dbURL, "SESTD_LOG_FORMAT=json", "SESTD_LOG_LEVEL=warn",
			"SESTD_SERVICESTELLE_BASE_URL=" + srv.URL + "/hochschule/webservice/3",
			"SESTD_SERVICESTELLE_HOCHSCHULNUMMER=4411", "SESTD_SERVICESTELLE_USERNAME=u", "SESTD_SERVICESTELLE_PASSWORD=p",
			"SESTD_SERVICESTELLE_VERMITTLUNGSPROZESS_JAHR=2026",
			"SESTD_SYNC_DOCUMENT_ROOT=" + filepath.Join(dir, "documents"), "SESTD_SYNC_DOKUMENT_DOWNLOAD=false",
			"SESTD_SYNC_SCHEDULES_DELTA=off", "SESTD_SYNC_SCHEDULES_STUDIENANGEBOTE=off", "SESTD_SYNC_SCHEDULES_FULL=off",
			"SESTD_SYNC_SCHEDULES_OUTBOUND=off", "SESTD_SYNC_SCHEDULES_INBOX=off", "SESTD_SYNC_SCHEDULES_RETENTION=off",
		}
		p := startSestdProcess(b, env, filepath.Join(dir, "sestd.log"))
		p.waitReady(b)
		client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		res, err := client.Insert(context.Background(), jobs.FullArgs{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		for {
			var state string
			if err := pool.QueryRow(context.Background(), `SELECT state FROM river_job WHERE id = $1`, res.Job.ID).Scan(&state); err != nil {
				b.Fatal(err)
			}
			if state == "completed" {
				break
			}
			if state == "discarded" || state == "cancelled" || state == "retryable" {
				raw, _ := os.ReadFile(filepath.Join(dir, "sestd.log"))
				b.Fatalf("full download %s; log:\n%s", state, raw)
			}
			time.Sleep(100 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		rss, err := peakRSS(p.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		var mirrored int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM bewerbung`).Scan(&mirrored); err != nil {
			b.Fatal(err)
		}
		if mirrored != n {
			b.Fatalf("mirrored %d Bewerbungen, want %d", mirrored, n)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "bewerbungen/s")
		b.ReportMetric(float64(rss)/(1<<20), "daemon-peak-rss-MB")
		b.ReportMetric(elapsed.Seconds(), "seconds")
		_ = p.cmd.Process.Kill()
		_, _ = p.cmd.Process.Wait()
		pool.Close()
	}
}
