package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

// examValues makes n rows of sbeat_exam's import columns, as the exam
// importer hands them over.
func examValues(n int) [][]store.Value {
	out := make([][]store.Value, n)
	for i := range n {
		v := make([]store.Value, len(store.TargetSbeatExam.Columns))
		set := func(col string, x store.Value) { v[store.TargetSbeatExam.Col(col)] = x }
		set("identnr", store.Text(strconv.Itoa(100000+i/20)))
		set("pnr", store.Text(strconv.Itoa(1000+i%20)))
		set("psem", store.Int(int64(20161+i%10)))
		set("pversuch", store.Int(1))
		set("pdtxt", store.Text("Einführung in die Prüfungslehre "+strconv.Itoa(i%20)))
		set("abschlart", store.Text("Bachelor"))
		set("stg", store.Text("WR"))
		set("bonus", store.Float(5))
		set("pruefer_nachname", store.Text("Müller"))
		set("pruefer_vorname", store.Text("Jürgen"))
		set("pstatus", store.Text("BE"))
		set("part", store.Text("PL"))
		set("pnote", store.Int(int64(100+(i%31)*10)))
		set("pform", store.Text("KL"))
		set("panerk", store.Bool(false))
		set("pflicht", store.Text("P"))
		set("pabschn", store.Text("G"))
		set("pversion", store.Text("2015"))
		out[i] = v
	}
	return out
}

// valueSource is a streaming pgx.CopyFromSource over rows: each row's
// values become Go values for pgx to encode.
type valueSource struct {
	rows [][]store.Value
	i    int
	buf  []any
}

func (s *valueSource) Next() bool { s.i++; return s.i <= len(s.rows) }
func (s *valueSource) Err() error { return nil }
func (s *valueSource) Values() ([]any, error) {
	for j, v := range s.rows[s.i-1] {
		switch v.Kind() {
		case store.KindText:
			s.buf[j], _ = v.AsText()
		case store.KindInt:
			s.buf[j], _ = v.AsInt()
		case store.KindFloat:
			s.buf[j], _ = v.AsFloat()
		case store.KindBool:
			s.buf[j], _ = v.AsBool()
		case store.KindTime:
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
	target := store.TargetSbeatExam
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
			return store.CopyRows(ctx, tx, "c", names, types, n, func(i int, buf []store.Value) bool {
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
