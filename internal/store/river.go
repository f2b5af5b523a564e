package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// riverClient returns an insert-only River client on the store's pool (no
// queues, no workers, never started), for River's job API: listing and
// deleting jobs. The client that works jobs is the daemon's.
func (s *Store) riverClient() (*river.Client[pgx.Tx], error) {
	c, err := river.NewClient(riverpgxv5.New(s.pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("creating River client: %w", err)
	}
	return c, nil
}

// RiverJobCountsByState counts River's jobs per state, every state of
// rivertype.JobStates() present (0 when none), for the queue-depth gauge
// and the status.
func (s *Store) RiverJobCountsByState(ctx context.Context) (map[string]float64, error) {
	counts, err := s.riverCountByState(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(rivertype.JobStates()))
	for _, st := range rivertype.JobStates() {
		out[string(st)] = 0
	}
	for st, n := range counts {
		out[string(st)] = float64(n)
	}
	return out, nil
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
// It finds the running jobs through River's client; the release itself is
// the one write River has no API for (river_adapter.go).
func (s *Store) RiverRescueOrphaned(ctx context.Context) (int, error) {
	clients, err := s.riverRunningClients(ctx)
	if err != nil {
		return 0, err
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
	return s.riverReleaseRunning(ctx, dead)
}

// riverRunningClients returns the clients that work River's running jobs
// (each job's last attempted_by), sorted, through River's JobList.
func (s *Store) riverRunningClients(ctx context.Context) ([]string, error) {
	client, err := s.riverClient()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	params := river.NewJobListParams().States(rivertype.JobStateRunning).First(1000)
	for {
		res, err := client.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("listing running jobs: %w", err)
		}
		for _, j := range res.Jobs {
			if n := len(j.AttemptedBy); n > 0 && !seen[j.AttemptedBy[n-1]] {
				seen[j.AttemptedBy[n-1]] = true
				out = append(out, j.AttemptedBy[n-1])
			}
		}
		if res.LastCursor == nil || len(res.Jobs) < 1000 {
			break
		}
		params = params.After(res.LastCursor)
	}
	slices.Sort(out)
	return out, nil
}

// riverFinishedStates are the states River finalizes a job in.
var riverFinishedStates = []rivertype.JobState{rivertype.JobStateCancelled, rivertype.JobStateCompleted, rivertype.JobStateDiscarded}

// riverDeleteFinishedNaming deletes, in tx, River's finished jobs whose
// arguments, errors or metadata (with the output) contain one of ids, with
// River's JobDeleteMany; it returns how many it deleted.
func (s *Store) riverDeleteFinishedNaming(ctx context.Context, tx pgx.Tx, ids []string) (int64, error) {
	client, err := s.riverClient()
	if err != nil {
		return 0, err
	}
	const page = 1000
	params := river.NewJobDeleteManyParams().States(riverFinishedStates...).First(page).
		Where(`EXISTS (SELECT 1 FROM unnest(@ids::text[]) i WHERE strpos(concat_ws(' ', args::text, errors::text, metadata::text), i) > 0)`,
			river.NamedArgs{"ids": ids})
	var total int64
	for {
		res, err := client.JobDeleteManyTx(ctx, tx, params)
		if err != nil {
			return total, fmt.Errorf("deleting finished jobs: %w", err)
		}
		total += int64(len(res.Jobs))
		if len(res.Jobs) < page {
			return total, nil
		}
	}
}
