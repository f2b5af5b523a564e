package store

import (
	"context"
	"fmt"
)

// ImportRunRejectsMoved records that a rejects file (or report of missing
// rows) moved (the inbox scan moves it beside the processed or failed
// file): every import run whose rejects_path is from, or whose error names
// it, from now names to.
func (s *Store) ImportRunRejectsMoved(ctx context.Context, from, to string) error {
	_, err := s.pool.Exec(ctx, `
UPDATE import_runs SET rejects_path = CASE WHEN rejects_path = $1 THEN $2 ELSE rejects_path END,
    error = replace(error, $1, $2)
WHERE rejects_path = $1 OR strpos(error, $1) > 0`, from, to)
	if err != nil {
		return fmt.Errorf("recording the moved rejects file %s: %w", from, err)
	}
	return nil
}
