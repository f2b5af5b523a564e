package importers_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"sestd/internal/importers"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

// writeExamFile writes an S-BEAT exam-results file of n rows in
// windows-1252 with CRLF line ends (umlauts as single bytes).
func writeExamFile(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := w.WriteString("IDENTNR;PNR;PDTXT;ABSCHL;STG;PSEM;BONUS;NACHNAME;VORNAME;PSTATUS;PART;PNOTE;PVERMERK;PVERSUCH;PFORM;PANERK;PFLICHT;PABSCHN;PVERSION\r\n"); err != nil {
		return err
	}
	status := []string{"BE", "BE", "BE", "NB", "AN", "BE", "EN", "BE", "BE", "AN"}
	var line []byte
	for i := range n {
		line = line[:0]
		line = strconv.AppendInt(line, int64(100000+i/20), 10)
		line = append(line, ';')
		line = strconv.AppendInt(line, int64(1000+i%20), 10)
		line = append(line, ";Einf\xfchrung in die Pr\xfcfungslehre "...)
		line = strconv.AppendInt(line, int64(i%20), 10)
		line = append(line, ";84;WR;"...)
		line = strconv.AppendInt(line, int64(2016+(i%10)/2)*10+int64(1+i%2), 10)
		line = append(line, ";5;M\xfcller;J\xfcrgen;"...)
		st := status[i%len(status)]
		line = append(line, st...)
		line = append(line, ";PL;"...)
		if st != "AN" {
			line = strconv.AppendInt(line, int64(100+(i%31)*10), 10)
		}
		line = append(line, ";;1;KL;N;P;G;2015\r\n"...)
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// peakRSS returns the process's peak resident set size (VmHWM) in bytes.
func peakRSS() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range bytes.Split(raw, []byte("\n")) {
		if v, ok := bytes.CutPrefix(l, []byte("VmHWM:")); ok {
			kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return -1
}

// BenchmarkImportExamResults1M imports a generated 1,000,000-row S-BEAT
// exam-results file in windows-1252 and reports rows/s and the peak RSS,
// and times psql's \copy of the same file into an equivalent plain table
// in the same run (target: at most 2× psql's time, peak RSS under 100 MB).
// SESTD_BENCH_ROWS overrides the row count, SESTD_BENCH_BATCH the batch
// size. Run with
//
//	go test ./internal/importers -run '^$' -bench ImportExamResults1M -benchtime 1x
func BenchmarkImportExamResults1M(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("SESTD_BENCH_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		n = v
	}
	batchSize := 0 // Import's default
	if s := os.Getenv("SESTD_BENCH_BATCH"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		batchSize = v
	}
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "exams_1m.csv")
	if err := writeExamFile(path, n); err != nil {
		b.Fatal(err)
	}
	info, _ := os.Stat(path)
	url := testdb.URL(b)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	st := store.New(pool)

	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Each run starts from an empty table and a fresh checkpoint, so
		// that no run pays for the WAL of the one before.
		if _, err := pool.Exec(ctx, "TRUNCATE sbeat_exam"); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.Exec(ctx, "CHECKPOINT"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		sum, err := importers.Import(ctx, st, path, importers.Options{Kind: importers.KindSbeatExams, Force: true, BatchSize: batchSize}, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		if sum.Created != int64(n) || sum.Encoding != "windows-1252" {
			b.Fatalf("created %d of %d rows (%s)", sum.Created, n, sum.Encoding)
		}
	}
	b.StopTimer()
	per := total / time.Duration(b.N)
	rss := peakRSS()
	b.ReportMetric(float64(n)/per.Seconds(), "rows/s")
	b.ReportMetric(float64(rss)/(1<<20), "peak_RSS_MB")
	b.Logf("sestd import: %d rows (%.1f MB) in %v = %.0f rows/s, peak RSS %.1f MB",
		n, float64(info.Size())/(1<<20), per.Round(time.Millisecond), float64(n)/per.Seconds(), float64(rss)/(1<<20))

	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Logf("psql not found: skipping the \\copy comparison")
		return
	}
	// Two tables for psql's \copy of the same file, with the file's
	// columns: a plain one (no key, no index), and one equivalent to
	// sbeat_exam (its primary key and collation, its index, its run and
	// time columns), which is what PostgreSQL alone needs to keep what
	// sestd keeps. Each is loaded b.N times, like sestd's import.
	const cols = `identnr text COLLATE "C" NOT NULL, pnr text COLLATE "C" NOT NULL, pdtxt text, abschl integer,
		stg text COLLATE "C", psem integer NOT NULL, bonus numeric(6,2), nachname text, vorname text, pstatus text,
		part text, pnote integer, pvermerk text, pversuch integer NOT NULL, pform text, panerk text, pflicht text,
		pabschn text, pversion text`
	for _, ddl := range []string{
		`CREATE TABLE bench_plain (` + cols + `)`,
		`CREATE TABLE bench_equiv (` + cols + `, import_run_id bigint, updated_at timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (identnr, pnr, psem, pversuch))`,
		`CREATE INDEX ON bench_equiv (psem) WHERE pstatus = 'AN'`,
	} {
		if _, err := pool.Exec(ctx, ddl); err != nil {
			b.Fatal(err)
		}
	}
	psqlCopy := func(table string) time.Duration {
		var sum time.Duration
		for range b.N {
			if _, err := pool.Exec(ctx, "TRUNCATE "+table); err != nil {
				b.Fatal(err)
			}
			if _, err := pool.Exec(ctx, "CHECKPOINT"); err != nil {
				b.Fatal(err)
			}
			cmd := exec.Command(psql, url, "-v", "ON_ERROR_STOP=1", "-q", "-c", fmt.Sprintf(`\copy %s (identnr, pnr, pdtxt,
				abschl, stg, psem, bonus, nachname, vorname, pstatus, part, pnote, pvermerk, pversuch, pform, panerk, pflicht,
				pabschn, pversion) FROM '%s' WITH (FORMAT csv, DELIMITER ';', HEADER true, ENCODING 'WIN1252')`, table, path))
			start := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("psql: %v: %s", err, out)
			}
			sum += time.Since(start)
		}
		return sum / time.Duration(b.N)
	}
	plain := psqlCopy("bench_plain")
	equiv := psqlCopy("bench_equiv")
	b.ReportMetric(plain.Seconds(), "psql_s")
	b.ReportMetric(per.Seconds()/plain.Seconds(), "x_psql")
	b.ReportMetric(per.Seconds()/equiv.Seconds(), "x_psql_equiv")
	b.Logf("psql \\copy into a plain table: %v = %.0f rows/s; sestd takes %.2f× that", plain.Round(time.Millisecond),
		float64(n)/plain.Seconds(), per.Seconds()/plain.Seconds())
	b.Logf("psql \\copy into a table equivalent to sbeat_exam (key, index): %v; sestd takes %.2f× that (PostgreSQL's own cost of the key and index: %.2f× the plain load)",
		equiv.Round(time.Millisecond), per.Seconds()/equiv.Seconds(), equiv.Seconds()/plain.Seconds())
}
