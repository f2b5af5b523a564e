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

// TestOutboxStatesMatchTheDatabase compares OutboxStates with the CHECK
// constraint on outbox_item.state as the migrated database holds it, so
// that a state added on one side only fails here.
func TestOutboxStatesMatchTheDatabase(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	var def string
	require.NoError(t, pool.QueryRow(context.Background(), `
SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
WHERE c.conrelid = 'outbox_item'::regclass AND c.contype = 'c' AND a.attname = 'state'`).Scan(&def))
	// PostgreSQL shows IN (...) as = ANY (ARRAY['pending'::text, ...]).
	var inDB []string
	for _, m := range regexp.MustCompile(`'([^']*)'::text`).FindAllStringSubmatch(def, -1) {
		inDB = append(inDB, m[1])
	}
	require.NotEmpty(t, inDB, "constraint %s", def)
	var inGo []string
	for _, s := range store.OutboxStates() {
		inGo = append(inGo, string(s))
	}
	slices.Sort(inDB)
	slices.Sort(inGo)
	require.Equal(t, inDB, inGo, "constraint %s", def)
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
