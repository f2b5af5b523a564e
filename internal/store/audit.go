package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry is one recorded admin action.
type AuditEntry struct {
	ID      int64          `json:"id"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Subject string         `json:"subject"`
	Detail  map[string]any `json:"detail,omitempty"`
}

// AuditInsert records an admin action.
func (s *Store) AuditInsert(ctx context.Context, actor, action, subject string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("encoding audit detail: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO audit_log (actor, action, subject, detail) VALUES ($1, $2, $3, $4)`,
		actor, action, subject, raw)
	if err != nil {
		return fmt.Errorf("recording audit entry %s: %w", action, err)
	}
	return nil
}

// AuditList returns the newest audit entries, at most limit.
func (s *Store) AuditList(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, at, actor, action, subject, detail FROM audit_log ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("listing audit entries: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Subject, &e.Detail); err != nil {
			return nil, fmt.Errorf("reading audit entry: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
