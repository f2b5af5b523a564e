package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
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

// clientLock names the advisory lock a sestd instance holds while alive.
func clientLock(clientID string) string { return "river-client:" + clientID }

// ClientAlive takes the liveness lock of this instance's River client, to
// be held for the process's lifetime. Other instances find its jobs
// orphaned once the lock is gone (the process died).
func (s *Store) ClientAlive(ctx context.Context, clientID string) (release func(), err error) {
	release, ok, err := s.TryLock(ctx, clientLock(clientID))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("river client id %s is in use by another process", clientID)
	}
	return release, nil
}

// RiverRescueOrphaned makes jobs left running by a dead instance (killed,
// crashed: its liveness lock is free) available again at once, instead of
// after River's stuck-job rescue timeout. It returns how many it rescued.
func (s *Store) RiverRescueOrphaned(ctx context.Context) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT attempted_by[cardinality(attempted_by)] FROM river_job
WHERE state = 'running' AND cardinality(attempted_by) > 0`)
	if err != nil {
		return 0, fmt.Errorf("finding running jobs: %w", err)
	}
	clients, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("finding running jobs: %w", err)
	}
	var dead []string
	for _, c := range clients {
		unlock, free, err := s.TryLock(ctx, clientLock(c))
		if err != nil {
			return 0, err
		}
		if free {
			unlock()
			dead = append(dead, c)
		}
	}
	if len(dead) == 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
WHERE state = 'running' AND attempted_by[cardinality(attempted_by)] = ANY($1)`, dead)
	if err != nil {
		return 0, fmt.Errorf("rescuing orphaned jobs: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
