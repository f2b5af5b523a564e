// Package coltest compares rows of sestd's tables and views with expected
// values written by hand, column by column. It is for tests only.
//
// Every column is read by name as PostgreSQL's text form (in a transaction
// with TimeZone UTC and DateStyle ISO), so expected values are written as
// psql would print them: timestamptz "2026-07-15 08:00:00+00", date
// "2026-07-15", boolean "true", numeric "1.50"; nil stands for NULL. A
// column the oracle names that the relation lacks fails the query; a
// column the relation has that the oracle does not name fails the test, so
// a new column cannot go unchecked.
package coltest

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// Col is one expected column value and why it is what it is.
type Col struct {
	Name string
	// Want is a string (the text form), nil (NULL) or a Check.
	Want any
	Why  string
}

// Check decides about a value it cannot state exactly (a time the
// database chose); got is nil for NULL.
type Check struct {
	What string
	OK   func(got *string) bool
}

// C is shorthand for a Col.
func C(name string, want any, why string) Col { return Col{Name: name, Want: want, Why: why} }

// Recent accepts a timestamptz within [since, now+1 min].
func Recent(since time.Time) Check {
	return Check{What: "a time since " + since.UTC().Format(time.RFC3339), OK: func(got *string) bool {
		if got == nil {
			return false
		}
		t, err := time.Parse("2006-01-02 15:04:05.999999-07", *got)
		if err != nil {
			return false
		}
		return !t.Before(since.Add(-time.Second)) && t.Before(time.Now().Add(time.Minute))
	}}
}

// Matches accepts a non-NULL value matching the regular expression.
func Matches(re string) Check {
	r := regexp.MustCompile(re)
	return Check{What: "matching " + re, OK: func(got *string) bool { return got != nil && r.MatchString(*got) }}
}

// NotNull accepts any non-NULL value; use it only with a reason why no
// exact value can be stated.
func NotNull() Check {
	return Check{What: "not NULL", OK: func(got *string) bool { return got != nil }}
}

// Relation is a table or view, schema-qualified when not in public.
type Relation struct {
	Schema, Name string
}

// T names a relation: "uni.bewerbungen" or "bewerbung".
func T(name string) Relation {
	if s, n, ok := strings.Cut(name, "."); ok {
		return Relation{Schema: s, Name: n}
	}
	return Relation{Schema: "public", Name: name}
}

func (r Relation) String() string { return r.Schema + "." + r.Name }

// Columns returns the relation's column names in order.
func Columns(t testing.TB, pool *pgxpool.Pool, rel Relation) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT column_name FROM information_schema.columns
WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, rel.Schema, rel.Name)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.NotEmpty(t, names, "relation %s does not exist", rel)
	return names
}

// RequireRow requires that exactly one row of rel matches where (SQL with
// $1.. args) and that its columns hold the expected values; the oracle
// must name every column of rel.
func RequireRow(t testing.TB, pool *pgxpool.Pool, rel Relation, where string, args []any, cols []Col) {
	t.Helper()
	got := readRow(t, pool, rel, where, args, cols)
	var msgs []string
	for i, c := range cols {
		if d := differs(c.Want, got[i]); d != "" {
			msgs = append(msgs, fmt.Sprintf("  %s.%s: %s (expected because: %s)", rel, c.Name, d, c.Why))
		}
	}
	if len(msgs) > 0 {
		t.Errorf("row of %s where %s %v:\n%s", rel, where, args, strings.Join(msgs, "\n"))
	}
}

// RequireNoRow requires that no row of rel matches where.
func RequireNoRow(t testing.TB, pool *pgxpool.Pool, rel Relation, where string, args ...any) {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM `+ident(rel)+` WHERE `+where, args...).Scan(&n))
	require.Zero(t, n, "rows of %s where %s %v", rel, where, args)
}

// Count returns the number of rows of rel matching where.
func Count(t testing.TB, pool *pgxpool.Pool, rel Relation, where string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM `+ident(rel)+` WHERE `+where, args...).Scan(&n))
	return n
}

func ident(rel Relation) string { return pgx.Identifier{rel.Schema, rel.Name}.Sanitize() }

func readRow(t testing.TB, pool *pgxpool.Pool, rel Relation, where string, args []any, cols []Col) []*string {
	t.Helper()
	named := map[string]bool{}
	exprs := make([]string, len(cols))
	for i, c := range cols {
		require.False(t, named[c.Name], "oracle of %s names column %s twice", rel, c.Name)
		named[c.Name] = true
		exprs[i] = pgx.Identifier{c.Name}.Sanitize() + "::text"
	}
	var missing []string
	for _, name := range Columns(t, pool, rel) {
		if !named[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "columns of %s without an expected value in the oracle", rel)

	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, `SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 0`)
	require.NoError(t, err)
	rows, err := tx.Query(ctx, `SELECT `+strings.Join(exprs, ", ")+` FROM `+ident(rel)+` WHERE `+where, args...)
	require.NoError(t, err, "reading %s (a column the oracle names is missing?)", rel)
	var out [][]*string
	for rows.Next() {
		vals := make([]*string, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(dest...))
		out = append(out, vals)
	}
	require.NoError(t, rows.Err())
	require.Len(t, out, 1, "rows of %s where %s %v", rel, where, args)
	return out[0]
}

func differs(want any, got *string) string {
	show := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		return fmt.Sprintf("%q", *p)
	}
	switch w := want.(type) {
	case nil:
		if got != nil {
			return "got " + show(got) + ", want NULL"
		}
	case string:
		if got == nil || *got != w {
			return fmt.Sprintf("got %s, want %q", show(got), w)
		}
	case Check:
		if !w.OK(got) {
			return fmt.Sprintf("got %s, want %s", show(got), w.What)
		}
	default:
		return fmt.Sprintf("oracle error: expected value %#v is neither string, nil nor Check", want)
	}
	return ""
}
