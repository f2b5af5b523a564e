package bulk_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/store/bulk"
	"sestd/internal/testdb"
)

// copyOne writes one row of values into a fresh table of the given
// column types through the binary COPY and returns what PostgreSQL
// stored, as text.
func copyOne(t *testing.T, types []string, vals []bulk.Value) ([]*string, error) {
	t.Helper()
	ctx := context.Background()
	pool := testdb.New(t)
	names := make([]string, len(types))
	ddl := "CREATE TEMP TABLE c ("
	for i, typ := range types {
		names[i] = fmt.Sprintf("c%d", i)
		if i > 0 {
			ddl += ", "
		}
		ddl += names[i] + " " + typ
	}
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit the rollback is a no-op; a failed test rolls back here
	_, err = tx.Exec(ctx, ddl+")")
	require.NoError(t, err)
	copyTypes := make([]string, len(types))
	for i, typ := range types {
		copyTypes[i], _, _ = strings.Cut(typ, "(") // numeric(6,2) is written as numeric
	}
	if _, err := bulk.CopyRows(ctx, tx, "c", names, copyTypes, 1, func(_ int, buf []bulk.Value) bool {
		copy(buf, vals)
		return true
	}); err != nil {
		return nil, err
	}
	out := make([]*string, len(types))
	args := make([]any, len(types))
	sel := "SELECT "
	for i := range types {
		args[i] = &out[i]
		if i > 0 {
			sel += ", "
		}
		sel += names[i] + "::text"
	}
	require.NoError(t, tx.QueryRow(ctx, sel+" FROM c").Scan(args...))
	return out, nil
}

func TestBinaryCopyStoresEveryKind(t *testing.T) {
	t.Parallel()
	plus2 := time.FixedZone("", 7200)
	types := []string{"text", "text", "integer", "bigint", "numeric", "numeric(6,2)", "boolean", "date", "date", "timestamptz", "integer", "text", "date"}
	got, err := copyOne(t, types, []bulk.Value{
		bulk.Text("Prüfung \\ \t \n \"quoted\""), bulk.Null(), bulk.Int(-2147483648), bulk.Int(math.MaxInt64), bulk.Float(-1234.5678),
		bulk.Float(2.5), bulk.Bool(true),
		// 00:30 on 1 March in UTC+2 is 28 February in UTC: a date column
		// keeps the day it was given in.
		bulk.Time(time.Date(2024, 3, 1, 0, 30, 0, 0, plus2)), bulk.Time(time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)),
		bulk.Time(time.Date(2024, 3, 1, 0, 30, 0, 123456000, plus2)), bulk.Text(" 42 "), bulk.Int(17),
		bulk.Time(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)),
	})
	require.NoError(t, err)
	want := []string{"Prüfung \\ \t \n \"quoted\"", "", "-2147483648", "9223372036854775807", "-1234.5678", "2.50", "true",
		"2024-03-01", "1899-12-31", "2024-02-29 22:30:00.123456+00", "42", "17", "2000-01-01"}
	require.Nil(t, got[1], "NULL")
	for i, w := range want {
		if i == 1 {
			continue
		}
		require.NotNil(t, got[i], "column %d", i)
		require.Equal(t, w, *got[i], "column %d (%s)", i, types[i])
	}
}

// Numbers in binary form are exactly what PostgreSQL reads from their
// decimal text.
func TestBinaryNumericIsTheDecimalText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	cases := []string{"0", "-0", "1", "-1", "0.5", "0.0005", "0.00005", "123.45", "12345", "10000", "100000000",
		"9999.9999", "1.10", "-0.000000001", "123456789012345678901234567890.123456789", "0.0", "00012.3400"}
	for i := range 200 {
		f := math.Float64frombits(uint64(i) * 0x9E3779B97F4A7C15) // spread over the float range
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e300 || (f != 0 && math.Abs(f) < 1e-300) {
			continue
		}
		cases = append(cases, strconv.FormatFloat(f, 'f', -1, 64))
	}
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit the rollback is a no-op; a failed test rolls back here
	_, err = tx.Exec(ctx, `CREATE TEMP TABLE n (i integer, n numeric)`)
	require.NoError(t, err)
	_, err = bulk.CopyRows(ctx, tx, "n", []string{"i", "n"}, []string{"integer", "numeric"}, len(cases), func(i int, buf []bulk.Value) bool {
		buf[0], buf[1] = bulk.Int(int64(i)), bulk.Text(cases[i])
		return true
	})
	require.NoError(t, err)
	for i, c := range cases {
		var fromBinary, fromText string
		require.NoError(t, tx.QueryRow(ctx, `SELECT n::text, $2::numeric::text FROM n WHERE i = $1`, i, c).Scan(&fromBinary, &fromText))
		require.Equal(t, fromText, fromBinary, c)
	}
}

func TestBinaryCopyRefusesWhatCannotBeStored(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		typ string
		v   bulk.Value
	}{
		{"text", bulk.Text("nul\x00")},
		{"numeric", bulk.Float(math.NaN())},
		{"numeric", bulk.Float(math.Inf(1))},
		{"integer", bulk.Int(math.MaxInt32 + 1)},
		{"integer", bulk.Text("zwölf")},
		{"boolean", bulk.Text("ja")},
		{"date", bulk.Text("2024-03-01")},
		{"text", bulk.ValueOf(struct{}{})},
	} {
		_, err := copyOne(t, []string{c.typ}, []bulk.Value{c.v})
		require.Error(t, err, "%s %#v", c.typ, c.v)
	}
	_, err := copyOne(t, []string{"smallint"}, []bulk.Value{bulk.Int(1)})
	require.ErrorContains(t, err, "cannot write a column of type smallint")
}

// The binary COPY sends each value in the form of its Column type:
// every target's columns must have exactly those types in the database.
func TestImportColumnsHaveTheirTablesTypes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	same := map[string]string{"text": "text", "integer": "integer", "bigint": "bigint", "numeric": "numeric",
		"boolean": "boolean", "date": "date", "timestamptz": "timestamp with time zone"}
	for _, tgt := range []*bulk.Target{
		bulk.TargetSbeatStudent, bulk.TargetSbeatExam, bulk.TargetSbeatCourse, bulk.TargetSbeatApplicant,
		bulk.TargetSbeatIdentity, bulk.TargetFSPerson, bulk.TargetRankingEntry, bulk.TargetUniBewerbung,
		bulk.TargetUniTeilfachbewerbung, bulk.TargetUniBewerberAuth, bulk.TargetEkvvVeranstaltung,
		bulk.TargetEkvvDozent, bulk.TargetEkvvFachzuordnung, bulk.TargetEkvvUntergliederung,
		bulk.TargetEkvvTeilnehmer, bulk.TargetEkvvEinschreibung, bulk.TargetEkvvTermin,
	} {
		for _, c := range tgt.Columns {
			var typ string
			require.NoError(t, pool.QueryRow(ctx, `SELECT format_type(atttypid, NULL) FROM pg_attribute
				WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped`, tgt.Table, c.Name).Scan(&typ), "%s.%s", tgt.Table, c.Name)
			require.Equal(t, same[c.Type], typ, "%s.%s is declared %s", tgt.Table, c.Name, c.Type)
		}
	}
}
