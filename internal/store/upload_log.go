package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// UploadLogEntry is one attempt to send one item to the Servicestelle.
type UploadLogEntry struct {
	ID             int64     `json:"id"`
	At             time.Time `json:"at"`
	Operation      string    `json:"operation"`
	ItemKind       string    `json:"item_kind"`
	ItemKey        string    `json:"item_key"`
	BewerberID     string    `json:"bewerber_id,omitempty"`
	Attempt        int       `json:"attempt"`
	Request        string    `json:"request,omitempty"`
	Response       string    `json:"response,omitempty"`
	ErgebnisStatus string    `json:"ergebnis_status,omitempty"`
	Reason         string    `json:"reason,omitempty"`
	Code           int       `json:"code,omitempty"`
}

// UploadLogInsert records attempts in one round trip.
func (s *Store) UploadLogInsert(ctx context.Context, entries []UploadLogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([][]any, len(entries))
	for i, e := range entries {
		rows[i] = []any{e.Operation, e.ItemKind, e.ItemKey, nullStr(e.BewerberID), e.Attempt,
			nullStr(e.Request), nullStr(e.Response), nullStr(e.ErgebnisStatus), e.Reason, nullInt(e.Code)}
	}
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"upload_log"},
		[]string{"operation", "item_kind", "item_key", "bewerber_id", "attempt", "request", "response", "ergebnis_status", "reason", "code"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("writing %d upload log entries: %w", len(entries), err)
	}
	return nil
}

// UploadLogList returns an item's attempts, oldest first; an empty kind or
// key lists the newest entries of all items, at most limit.
func (s *Store) UploadLogList(ctx context.Context, kind, key string, limit int) ([]UploadLogEntry, error) {
	q := `SELECT id, at, operation, item_kind, item_key, coalesce(bewerber_id, ''), attempt, coalesce(request, ''),
	coalesce(response, ''), coalesce(ergebnis_status, ''), reason, coalesce(code, 0) FROM upload_log`
	var args []any
	if kind != "" && key != "" {
		q += ` WHERE item_kind = $1 AND item_key = $2 ORDER BY id LIMIT $3`
		args = []any{kind, key, limit}
	} else {
		q += ` ORDER BY id DESC LIMIT $1`
		args = []any{limit}
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing upload log: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (UploadLogEntry, error) {
		var e UploadLogEntry
		err := r.Scan(&e.ID, &e.At, &e.Operation, &e.ItemKind, &e.ItemKey, &e.BewerberID, &e.Attempt, &e.Request,
			&e.Response, &e.ErgebnisStatus, &e.Reason, &e.Code)
		return e, err
	})
}

func nullInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}
