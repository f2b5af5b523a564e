package store_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// freshDB returns a store on an empty database (no migrations applied).
func freshDB(t *testing.T) *store.Store {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), testdb.EmptyURL(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return store.New(pool)
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := freshDB(t)

	pending, err := s.Pending(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, pending, "an empty database has pending migrations")

	applied, err := s.Migrate(ctx, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Len(t, applied, len(pending), "the first run applies every pending migration")

	again, err := s.Migrate(ctx, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.Empty(t, again, "the second run applies nothing")

	pending, err = s.Pending(ctx)
	require.NoError(t, err)
	require.Empty(t, pending)

	status, err := s.MigrationStatus(ctx)
	require.NoError(t, err)
	var lines = map[string]int{}
	for _, m := range status {
		require.True(t, m.Applied, "%s %d applied", m.Line, m.Version)
		lines[m.Line]++
	}
	require.Positive(t, lines["river"])
	require.Positive(t, lines["sestd"])
}

func TestMigrateConcurrentCallsTakeTurns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := freshDB(t)

	// Hold the migration lock from outside, as a first instance would.
	blocker, err := pgxpool.New(ctx, s.Pool().Config().ConnString())
	require.NoError(t, err)
	defer blocker.Close()
	conn, err := blocker.Acquire(ctx)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(0x7365737464))
	require.NoError(t, err)

	results := make([][]store.MigrationState, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			results[i], errs[i] = s.Migrate(ctx, slog.New(slog.DiscardHandler))
		})
	}
	// Both wait for the lock: nothing is applied while it is held.
	requireLockWaiters(t, s.Pool(), 2)
	pending, err := s.Pending(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, pending, "migrations must wait for the lock")

	_, err = conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", int64(0x7365737464))
	require.NoError(t, err)
	conn.Release()
	wg.Wait()

	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	// Exactly one of them applied the migrations, the other found them done.
	require.True(t, (len(results[0]) == 0) != (len(results[1]) == 0),
		"one call applies, the other is a no-op: got %d and %d", len(results[0]), len(results[1]))
}

func TestMigrationFilesAreNumbered(t *testing.T) {
	t.Parallel()
	ms, err := store.Migrations()
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	for i := 1; i < len(ms); i++ {
		require.Greater(t, ms[i].Version, ms[i-1].Version)
	}
}
