package bulk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// EkvvVeranstaltungExists reports whether the Veranstaltung id is stored.
func (t *Tx) EkvvVeranstaltungExists(ctx context.Context, id string) (bool, error) {
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
func (t *Tx) EkvvVeranstaltungDelete(ctx context.Context, id string) (bool, error) {
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

// EkvvState is what tells whether a Veranstaltung delivered again
// changed: a digest of its row and all its children's, and the stamp its
// row carries.
type EkvvState struct {
	Digest    string
	UpdatedAt time.Time
	RunID     *int64
}

// EkvvVeranstaltungState returns the state of the stored Veranstaltung id
// (found false when there is none).
func (t *Tx) EkvvVeranstaltungState(ctx context.Context, id string) (s EkvvState, found bool, err error) {
	if err := t.endStream(); err != nil {
		return s, false, err
	}
	head := make([]string, len(TargetEkvvVeranstaltung.Columns))
	for i, c := range TargetEkvvVeranstaltung.Columns {
		head[i] = "v." + ident(c.Name)
	}
	parts := []string{"row(" + strings.Join(head, ", ") + ")::text"}
	for _, c := range []*Target{TargetEkvvDozent, TargetEkvvFachzuordnung, TargetEkvvUntergliederung,
		TargetEkvvTeilnehmer, TargetEkvvEinschreibung, TargetEkvvTermin} {
		parts = append(parts, fmt.Sprintf("(SELECT string_agg(c::text, '|' ORDER BY c::text) FROM %s c WHERE c.veranstaltung_id = v.id)", ident(c.Table)))
	}
	q := fmt.Sprintf(`SELECT md5(concat_ws('#', %s)), v.updated_at, v.import_run_id FROM ekvv_veranstaltung v WHERE v.id = $1`,
		strings.Join(parts, ", "))
	err = t.tx.QueryRow(ctx, q, id).Scan(&s.Digest, &s.UpdatedAt, &s.RunID)
	if errors.Is(err, pgx.ErrNoRows) {
		return EkvvState{}, false, nil
	}
	if err != nil {
		return EkvvState{}, false, fmt.Errorf("reading the state of Veranstaltung %s: %w", id, err)
	}
	return s, true, nil
}

// EkvvVeranstaltungKeepStamp gives the Veranstaltung id back the stamp
// (updated_at, import_run_id) of s: it was written again unchanged.
func (t *Tx) EkvvVeranstaltungKeepStamp(ctx context.Context, id string, s EkvvState) error {
	if _, err := t.tx.Exec(ctx, `UPDATE ekvv_veranstaltung SET updated_at = $2, import_run_id = $3 WHERE id = $1`,
		id, s.UpdatedAt, s.RunID); err != nil {
		return fmt.Errorf("keeping the stamp of Veranstaltung %s: %w", id, err)
	}
	return nil
}
