package store

// This file is the adapter to River's tables: the only SQL statements of
// sestd's that read or write River's schema (river_job) directly, for what
// River's client has no API for. Everything else about River's jobs goes
// through River's client (JobList, JobDeleteMany, JobGet, Insert) and
// takes the job states from rivertype; the one predicate on River's
// columns handed to the client (args, errors, metadata, in
// riverDeleteFinishedNaming) was checked with this file.
//
// Checked against River v0.51.2 (its client.go, job_list_params.go,
// delete_many_params.go, riverdriver and the job rescuer), the version
// go.mod pins; TestRiverAdapterPinnedVersion fails when River changes, so
// that this file is checked again:
//
//   - Releasing the running jobs of a dead instance: River's client has no
//     call that moves a running job. JobRetry leaves running jobs
//     untouched (its documentation says so), JobCancel cancels, JobUpdate
//     sets the output only; River's own remedy is the stuck-job rescuer
//     after Config.RescueStuckJobsAfter (sestd's river.rescue_after),
//     which treats the job as a failed attempt. The driver's JobRescueMany
//     and JobUpdateFull would do it, but riverdriver "should not be
//     implemented or invoked by user code" and its interface changes
//     without notice. (A heartbeat-based active rescue was proposed to
//     River after v0.51.2, riverqueue/river pull request 1256.)
//   - Counting jobs per state: the client can list jobs (JobList, paged)
//     but not count them; the driver's JobCountByAllStates is the driver's
//     again.
//
// The SQL names River's columns as River's schema of v0.51.2 has them
// (state of type river_job_state, attempted_by text[], scheduled_at).

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/rivertype"
)

// riverReleaseRunning makes the running jobs last attempted by one of
// clients available at once: state available, scheduled now. It changes
// nothing else, as a job River has not fetched yet: attempt, attempted_at,
// attempted_by and errors keep the lost attempt; River's next fetch counts
// the next attempt (attempt + 1) and appends its client to attempted_by.
// Call it only for clients known to be dead (their liveness lock is free):
// a live client would go on working a job that is available again.
func (s *Store) riverReleaseRunning(ctx context.Context, clients []string) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE river_job SET state = $1, scheduled_at = now()
WHERE state = $2 AND attempted_by[cardinality(attempted_by)] = ANY($3)`,
		string(rivertype.JobStateAvailable), string(rivertype.JobStateRunning), clients)
	if err != nil {
		return 0, fmt.Errorf("releasing the running jobs of %v: %w", clients, err)
	}
	return int(tag.RowsAffected()), nil
}

// riverCountByState counts River's jobs per state; states without jobs are
// missing.
func (s *Store) riverCountByState(ctx context.Context) (map[rivertype.JobState]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT state::text, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("counting River jobs: %w", err)
	}
	out := map[rivertype.JobState]int64{}
	var (
		state string
		n     int64
	)
	_, err = pgx.ForEachRow(rows, []any{&state, &n}, func() error {
		out[rivertype.JobState(state)] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("counting River jobs: %w", err)
	}
	return out, nil
}
