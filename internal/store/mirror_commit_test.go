package store_test

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

// A package of a stream's run commits without waiting for the WAL's flush;
// every other transaction of the store waits, as PostgreSQL's default says.
func TestMirrorPackagesCommitAsynchronously(t *testing.T) {
	t.Parallel()
	// The test clusters run with synchronous_commit off; the store's
	// sessions here start with PostgreSQL's default, on.
	cfg := testdb.New(t).Config().Copy()
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s := store.New(pool)
	errSeen := errors.New("seen") // rolls back before the run's progress
	for want, step := range map[string]store.Step{"off": {Stream: "bewerber"}, "on": {}} {
		var got string
		err := s.InTx(t.Context(), step, func(tx pgx.Tx) error {
			if err := tx.QueryRow(t.Context(), `SELECT current_setting('synchronous_commit')`).Scan(&got); err != nil {
				return err
			}
			return errSeen
		})
		require.ErrorIs(t, err, errSeen)
		require.Equal(t, want, got, "step %+v", step)
	}
}
