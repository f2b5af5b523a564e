package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// CursorStatus is what an operator sees of one stream's sync state: its
// cursor (absent before the first complete run) and the run in progress.
type CursorStatus struct {
	Stream    string     `json:"stream"`
	Position  *time.Time `json:"position,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	// AgeSeconds is the time since the cursor last moved: the sync lag.
	AgeSeconds *float64     `json:"age_seconds,omitempty"`
	Run        *RunProgress `json:"run,omitempty"`
}

// RunProgress is a delta run in progress.
type RunProgress struct {
	Start      time.Time `json:"start"`
	Ende       time.Time `json:"ende"`
	References int       `json:"references"`
	Done       int       `json:"done"`
	StartedAt  time.Time `json:"started_at"`
}

// CursorStatusList returns the delta streams (always listed, also before
// their first run) and every other stored cursor or run (the full
// download's), sorted by stream.
func (s *Store) CursorStatusList(ctx context.Context) ([]CursorStatus, error) {
	rows, err := s.pool.Query(ctx, `
SELECT n.stream, c.position, c.updated_at, extract(epoch FROM now() - c.updated_at)::float8,
       r.start, r.ende, r.total, r.done, r.started_at
FROM (SELECT unnest($1::text[]) AS stream UNION SELECT stream FROM sync_cursor UNION SELECT stream FROM sync_run) n
LEFT JOIN sync_cursor c ON c.stream = n.stream
LEFT JOIN sync_run r ON r.stream = n.stream
ORDER BY n.stream`, streamNames())
	if err != nil {
		return nil, fmt.Errorf("listing cursors: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CursorStatus, error) {
		var c CursorStatus
		var start, ende, startedAt *time.Time
		var refs, done *int
		if err := row.Scan(&c.Stream, &c.Position, &c.UpdatedAt, &c.AgeSeconds, &start, &ende, &refs, &done, &startedAt); err != nil {
			return c, err
		}
		if start != nil {
			c.Run = &RunProgress{Start: *start, Ende: *ende, References: *refs, Done: *done, StartedAt: *startedAt}
		}
		return c, nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing cursors: %w", err)
	}
	return out, nil
}
