package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// InTx lets the external tests run a transaction as the mirror does.
func (s *Store) InTx(ctx context.Context, step Step, fn func(pgx.Tx) error) error {
	return s.inTx(ctx, step, fn)
}
