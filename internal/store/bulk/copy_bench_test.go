package bulk_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sestd/internal/store/bulk"
	"sestd/internal/testdb"
)

// examValues makes n rows of sbeat_exam's import columns, as the exam
// importer hands them over.
func examValues(n int) [][]bulk.Value {
	out := make([][]bulk.Value, n)
	for i := range n {
		v := make([]bulk.Value, len(bulk.TargetSbeatExam.Columns))
		set := func(col string, x bulk.Value) { v[bulk.TargetSbeatExam.Col(col)] = x }
		set("identnr", bulk.Text(strconv.Itoa(100000+i/20)))
		set("pnr", bulk.Text(strconv.Itoa(1000+i%20)))
		set("psem", bulk.Int(int64(20161+i%10)))
		set("pversuch", bulk.Int(1))
		set("pdtxt", bulk.Text("Einführung in die Prüfungslehre "+strconv.Itoa(i%20)))
		set("abschlart", bulk.Text("Bachelor"))
		set("stg", bulk.Text("WR"))
		set("bonus", bulk.Float(5))
		set("pruefer_nachname", bulk.Text("Müller"))
		set("pruefer_vorname", bulk.Text("Jürgen"))
		set("pstatus", bulk.Text("BE"))
		set("part", bulk.Text("PL"))
		set("pnote", bulk.Int(int64(100+(i%31)*10)))
		set("pform", bulk.Text("KL"))
		set("panerk", bulk.Bool(false))
		set("pflicht", bulk.Text("P"))
		set("pabschn", bulk.Text("G"))
		set("pversion", bulk.Text("2015"))
		out[i] = v
	}
	return out
}

// valueSource is a streaming pgx.CopyFromSource over rows: each row's
// values become Go values for pgx to encode.
type valueSource struct {
	rows [][]bulk.Value
	i    int
	buf  []any
}

func (s *valueSource) Next() bool { s.i++; return s.i <= len(s.rows) }
func (s *valueSource) Err() error { return nil }
func (s *valueSource) Values() ([]any, error) {
	for j, v := range s.rows[s.i-1] {
		switch v.Kind() {
		case bulk.KindText:
			s.buf[j], _ = v.AsText()
		case bulk.KindInt:
			s.buf[j], _ = v.AsInt()
		case bulk.KindFloat:
			s.buf[j], _ = v.AsFloat()
		case bulk.KindBool:
			s.buf[j], _ = v.AsBool()
		case bulk.KindTime:
			s.buf[j], _ = v.AsTime()
		default:
			s.buf[j] = nil
		}
	}
	return s.buf, nil
}

// BenchmarkImportCopyEncoders copies the same exam rows into a temporary
// table twice in one run: through sestd's own binary COPY encoding
// (copyRows) and through pgx's CopyFrom with a streaming CopyFromSource,
// which encodes binary COPY from Go values. SESTD_BENCH_ROWS sets the rows
// (default 200,000). Run with
//
//	go test ./internal/store -run '^$' -bench ImportCopyEncoders -benchtime 3x
func BenchmarkImportCopyEncoders(b *testing.B) {
	n := 200_000
	if s := os.Getenv("SESTD_BENCH_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		n = v
	}
	rows := examValues(n)
	ctx := context.Background()
	pool := testdb.New(b)
	target := bulk.TargetSbeatExam
	names := make([]string, len(target.Columns))
	types := make([]string, len(target.Columns))
	cols := make([]string, len(target.Columns))
	for i, c := range target.Columns {
		names[i], types[i] = c.Name, c.Type
		cols[i] = c.Name + " " + c.Type
	}
	run := func(b *testing.B, copyFn func(tx pgx.Tx) (int64, error)) {
		var total time.Duration
		for range b.N {
			tx, err := pool.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE c (%s) ON COMMIT DROP", strings.Join(cols, ", "))); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			got, err := copyFn(tx)
			total += time.Since(start)
			if err != nil || got != int64(n) {
				b.Fatalf("copied %d of %d rows: %v", got, n, err)
			}
			if err := tx.Rollback(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "rows/s")
	}
	b.Run("sestd", func(b *testing.B) {
		run(b, func(tx pgx.Tx) (int64, error) {
			return bulk.CopyRows(ctx, tx, "c", names, types, n, func(i int, buf []bulk.Value) bool {
				copy(buf, rows[i])
				return true
			})
		})
	})
	b.Run("pgx", func(b *testing.B) {
		run(b, func(tx pgx.Tx) (int64, error) {
			return tx.CopyFrom(ctx, pgx.Identifier{"c"}, names, &valueSource{rows: rows, buf: make([]any, len(names))})
		})
	})
}
