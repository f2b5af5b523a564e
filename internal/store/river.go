package store

import (
	"context"
	"fmt"
)

// RiverJobCountsByState counts River's jobs per state (available,
// scheduled, running, retryable, …) for the queue-depth gauge.
func (s *Store) RiverJobCountsByState(ctx context.Context) (map[string]float64, error) {
	rows, err := s.pool.Query(ctx, `SELECT state::text, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("counting River jobs: %w", err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for _, st := range []string{"available", "scheduled", "running", "retryable", "completed", "cancelled", "discarded", "pending"} {
		out[st] = 0
	}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("counting River jobs: %w", err)
		}
		out[state] = float64(n)
	}
	return out, rows.Err()
}
