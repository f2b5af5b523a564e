package store

import (
	"context"
	"fmt"
)

// EkvvVeranstaltungExists reports whether the Veranstaltung id is stored.
func (t *ImportTx) EkvvVeranstaltungExists(ctx context.Context, id string) (bool, error) {
	var ok bool
	if err := t.endStream(); err != nil {
		return false, err
	}
	err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ekvv_veranstaltung WHERE id = $1)`, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("looking up Veranstaltung %s: %w", id, err)
	}
	return ok, nil
}

// EkvvVeranstaltungDelete deletes the Veranstaltung id with everything that
// belongs to it (lecturers, subject assignments, participants, dates). It
// reports whether there was one.
func (t *ImportTx) EkvvVeranstaltungDelete(ctx context.Context, id string) (bool, error) {
	// The children go by ON DELETE CASCADE (referential actions are
	// immediate even on deferrable foreign keys).
	if err := t.endStream(); err != nil {
		return false, err
	}
	tag, err := t.tx.Exec(ctx, `DELETE FROM ekvv_veranstaltung WHERE id = $1`, id)
	if err != nil {
		return false, fmt.Errorf("deleting Veranstaltung %s: %w", id, err)
	}
	return tag.RowsAffected() > 0, nil
}
