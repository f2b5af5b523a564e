package coltest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"sestd/internal/coltest"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// recorder is a testing.TB that records failures instead of failing, so
// that the oracle's own failures can be tested.
type recorder struct {
	testing.TB
	errors []string
}

type stop struct{}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) FailNow() { panic(stop{}) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.FailNow()
}

// failures runs fn against a recorder and returns what it reported.
func failures(t *testing.T, fn func(tb testing.TB)) string {
	t.Helper()
	r := &recorder{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(stop); !ok {
					panic(v)
				}
			}
		}()
		fn(r)
	}()
	return strings.Join(r.errors, "\n")
}

func setup(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := testdb.New(t)
	_, err := pool.Exec(context.Background(), `CREATE TABLE oracle_probe (k text PRIMARY KEY, n integer, at timestamptz, d date, b boolean, x numeric(6,2));
INSERT INTO oracle_probe VALUES ('a', 7, '2026-07-16 09:00:00+02', '2026-02-28', true, 1.5), ('b', NULL, now(), NULL, false, NULL)`)
	require.NoError(t, err)
	return pool
}

func probe(n, at any) []coltest.Col {
	return []coltest.Col{
		coltest.C("k", "a", "key"), coltest.C("n", n, "n"), coltest.C("at", at, "at"),
		coltest.C("d", "2026-02-28", "d"), coltest.C("b", "true", "b"), coltest.C("x", "1.50", "x"),
	}
}

func TestRequireRow(t *testing.T) {
	t.Parallel()
	p := setup(t)
	rel := coltest.T("oracle_probe")

	// Values in psql's text form, times in UTC.
	require.Empty(t, failures(t, func(tb testing.TB) {
		coltest.RequireRow(tb, p, rel, "k = $1", []any{"a"}, probe("7", "2026-07-16 07:00:00+00"))
	}))
	require.Empty(t, failures(t, func(tb testing.TB) {
		coltest.RequireRow(tb, p, rel, "k = 'b'", nil, []coltest.Col{
			coltest.C("k", "b", ""), coltest.C("n", nil, ""), coltest.C("at", coltest.Recent(time.Now().Add(-time.Hour)), ""),
			coltest.C("d", nil, ""), coltest.C("b", "false", ""), coltest.C("x", nil, ""),
		})
	}))

	// A wrong value names the column, both values and the reason.
	got := failures(t, func(tb testing.TB) {
		coltest.RequireRow(tb, p, rel, "k = 'a'", nil, probe("8", "2026-07-16 07:00:00+00"))
	})
	require.Contains(t, got, `public.oracle_probe.n: got "7", want "8" (expected because: n)`)
	// NULL is not the empty string, nor the empty string NULL.
	require.Contains(t, failures(t, func(tb testing.TB) {
		coltest.RequireRow(tb, p, rel, "k = 'a'", nil, probe(nil, "2026-07-16 07:00:00+00"))
	}), `got "7", want NULL`)
	// A check that does not hold fails.
	require.Contains(t, failures(t, func(tb testing.TB) {
		coltest.RequireRow(tb, p, rel, "k = 'a'", nil, probe("7", coltest.Recent(time.Now().Add(-time.Minute))))
	}), "want a time since")

	// A column the oracle does not name fails: no new column goes unchecked.
	require.Contains(t, failures(t, func(tb testing.TB) {
		coltest.RequireRow(tb, p, rel, "k = 'a'", nil, probe("7", "2026-07-16 07:00:00+00")[:5])
	}), "without an expected value")
	// A column the relation lacks fails.
	require.Contains(t, failures(t, func(tb testing.TB) {
		coltest.RequireRow(tb, p, rel, "k = 'a'", nil, append(probe("7", "2026-07-16 07:00:00+00"), coltest.C("gone", "1", "")))
	}), "gone")
	// No row, or more than one, fails.
	require.NotEmpty(t, failures(t, func(tb testing.TB) {
		coltest.RequireRow(tb, p, rel, "k = 'z'", nil, probe("7", "2026-07-16 07:00:00+00"))
	}))
	require.NotEmpty(t, failures(t, func(tb testing.TB) {
		coltest.RequireRow(tb, p, rel, "true", nil, probe("7", "2026-07-16 07:00:00+00"))
	}))
}
