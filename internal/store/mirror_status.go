package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ForbiddenTransition is a change of a mirrored Bewerbung's
// Bearbeitungsstatus that the Bearbeitungsstatus table does not allow the
// Servicestelle (sync.bearbeitungsstatus, sest_in / sest_out).
type ForbiddenTransition struct {
	ID           int64     `json:"id"`
	BewerbungKey string    `json:"bewerbung_key"`
	BewerberID   string    `json:"bewerber_id"`
	OldStatus    string    `json:"old_status"`
	NewStatus    string    `json:"new_status"`
	Version      int       `json:"version"`
	Reason       string    `json:"reason"`
	DetectedAt   time.Time `json:"detected_at"`
}

// recordForbiddenTransitions judges the status changes this transaction
// made to the replaced Bewerbungen (the rows the status-history trigger
// wrote, migration 0040) and records those judge forbids. A change to the
// status the university itself sent and the Servicestelle accepted (an
// accepted outbox item with that status) is the university's, not judged.
func recordForbiddenTransitions(ctx context.Context, tx pgx.Tx, replaced []string, judge func(from, to string) string) ([]ForbiddenTransition, error) {
	rows, err := tx.Query(ctx, `
SELECT c.bewerbung_key, c.bewerber_id, c.old_status, c.new_status, c.version
FROM bewerbung_status_change c
WHERE c.xmin = pg_current_xact_id()::xid AND c.bewerbung_key = ANY($1) AND c.old_status IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM outbox_item o
                  WHERE o.kind = 'bewerbung' AND o.sest_key = c.bewerbung_key
                    AND o.state = 'accepted' AND o.result_status = c.new_status)
ORDER BY c.id`, replaced)
	if err != nil {
		return nil, fmt.Errorf("reading status changes: %w", err)
	}
	changes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ForbiddenTransition, error) {
		var f ForbiddenTransition
		return f, r.Scan(&f.BewerbungKey, &f.BewerberID, &f.OldStatus, &f.NewStatus, &f.Version)
	})
	if err != nil {
		return nil, fmt.Errorf("reading status changes: %w", err)
	}
	var out []ForbiddenTransition
	for _, f := range changes {
		if f.Reason = judge(f.OldStatus, f.NewStatus); f.Reason == "" {
			continue
		}
		if err := tx.QueryRow(ctx, `INSERT INTO bewerbung_status_forbidden (bewerbung_key, bewerber_id, old_status, new_status, version, reason)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, detected_at`, f.BewerbungKey, f.BewerberID, f.OldStatus, f.NewStatus, f.Version, f.Reason).Scan(&f.ID, &f.DetectedAt); err != nil {
			return nil, fmt.Errorf("recording forbidden status change of %s: %w", f.BewerbungKey, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// BewerbungStatusForbiddenList returns the recorded forbidden status
// changes, oldest first.
func (s *Store) BewerbungStatusForbiddenList(ctx context.Context) ([]ForbiddenTransition, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, bewerbung_key, bewerber_id, old_status, new_status, version, reason, detected_at
FROM bewerbung_status_forbidden ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing forbidden status changes: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ForbiddenTransition, error) {
		var f ForbiddenTransition
		return f, r.Scan(&f.ID, &f.BewerbungKey, &f.BewerberID, &f.OldStatus, &f.NewStatus, &f.Version, &f.Reason, &f.DetectedAt)
	})
}
