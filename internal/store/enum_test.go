package store_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

// TestEnumsMatchTheCheckConstraints compares each typed enum with the
// CHECK constraint on its column as the migrated database holds it, so
// that a value added on one side only fails here.
func TestEnumsMatchTheCheckConstraints(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	for _, tc := range []struct {
		table, column string
		inGo          []string
	}{
		{"outbox_item", "state", strs(store.OutboxStates())},
		{"import_runs", "status", strs(store.ImportStatuses())},
	} {
		t.Run(tc.table+"."+tc.column, func(t *testing.T) {
			var def string
			require.NoError(t, pool.QueryRow(context.Background(), `
SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
WHERE c.conrelid = $1::regclass AND c.contype = 'c' AND a.attname = $2`, tc.table, tc.column).Scan(&def))
			// PostgreSQL shows IN (...) as = ANY (ARRAY['pending'::text, ...]).
			var inDB []string
			for _, m := range regexp.MustCompile(`'([^']*)'::text`).FindAllStringSubmatch(def, -1) {
				inDB = append(inDB, m[1])
			}
			require.NotEmpty(t, inDB, "constraint %s", def)
			inGo := slices.Clone(tc.inGo)
			slices.Sort(inDB)
			slices.Sort(inGo)
			require.Equal(t, inDB, inGo, "constraint %s", def)
		})
	}
}

func strs[S ~string](vs []S) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func TestOutboxStateValid(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"pending", "sent", "accepted", "rejected", "failed", "discarded"} {
		require.True(t, store.OutboxState(s).Valid(), s)
	}
	for _, s := range []string{"", "Pending", "done", "retryable"} {
		require.False(t, store.OutboxState(s).Valid(), s)
	}
}
