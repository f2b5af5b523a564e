package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// requireLockWaiters waits until n sessions of pool's database wait for an
// advisory lock, as pg_locks shows them: a test that means "the other
// side is blocked now" asks PostgreSQL instead of sleeping.
func requireLockWaiters(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	ctx := context.Background()
	var waiting int
	require.Eventually(t, func() bool {
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`).Scan(&waiting)
		return err == nil && waiting == n
	}, time.Minute, 10*time.Millisecond, "waiting for %d sessions to wait for an advisory lock (last count %d)", n, waiting)
}
