package admin

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/riverqueue/river/rivertype"

	"sestd/internal/store"
)

// The API's JSON bodies. `sestd trigger` and `sestd status` decode them too.

// JobInfo is a job an operator may trigger (GET /api/jobs).
type JobInfo struct {
	Name string `json:"name"`
	Help string `json:"help"`
}

// Enqueued answers a trigger or an upload: the River job inserted, or the
// one already queued or running with the same arguments (Duplicate).
type Enqueued struct {
	JobID     int64  `json:"job_id"`
	Kind      string `json:"kind"`
	Queue     string `json:"queue"`
	State     string `json:"state"`
	Duplicate bool   `json:"duplicate"`
	// RunNow: the duplicate was waiting (in its retry backoff or
	// scheduled for later) and was made available to run now.
	RunNow bool `json:"run_now,omitempty"`
}

// Upload is the answer to an import upload.
type Upload struct {
	Enqueued
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Run is one River job as operators see it (GET /api/runs).
type Run struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Queue       string          `json:"queue"`
	State       string          `json:"state"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	Args        json.RawMessage `json:"args"`
	CreatedAt   time.Time       `json:"created_at"`
	ScheduledAt time.Time       `json:"scheduled_at"`
	AttemptedAt *time.Time      `json:"attempted_at,omitempty"`
	FinalizedAt *time.Time      `json:"finalized_at,omitempty"`
	// DurationSeconds is finalized_at - attempted_at of a finished job, or
	// the time since attempted_at of a running one.
	DurationSeconds *float64        `json:"duration_seconds,omitempty"`
	Errors          []RunError      `json:"errors,omitempty"`
	Output          json.RawMessage `json:"output,omitempty"`
}

// RunError is one failed attempt.
type RunError struct {
	At      time.Time `json:"at"`
	Attempt int       `json:"attempt"`
	Error   string    `json:"error"`
}

// Finished reports whether the job reached a final state.
func (r Run) Finished() bool {
	switch rivertype.JobState(r.State) {
	case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		return true
	}
	return false
}

// LastError is the newest attempt's error, or "".
func (r Run) LastError() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[len(r.Errors)-1].Error
}

// ErrorText is a job's recorded error as people read it: without River's
// "JobCancelError: " prefix (a cancelled job's state says it already).
func ErrorText(recorded string) string {
	return strings.TrimPrefix(recorded, "JobCancelError: ")
}

// Status is the overview behind `sestd status` (GET /api/status).
type Status struct {
	At      time.Time            `json:"at"`
	Cursors []store.CursorStatus `json:"cursors"`
	// Jobs counts River's jobs by state (queue depth).
	Jobs map[string]int64 `json:"jobs"`
	// Outbox counts outbox items by state; absent when this build has no
	// outbox.
	Outbox map[string]int64 `json:"outbox,omitempty"`
	// LastRuns are the newest finished jobs.
	LastRuns []Run `json:"last_runs"`
	// Failing are jobs waiting to retry after an error, and jobs
	// discarded or cancelled with errors in the last day.
	Failing []Run             `json:"failing"`
	Imports []store.ImportRun `json:"imports"`
}

func runFromRow(j *rivertype.JobRow, now time.Time) Run {
	r := Run{
		ID: j.ID, Kind: j.Kind, Queue: j.Queue, State: string(j.State),
		Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, Args: json.RawMessage(j.EncodedArgs),
		CreatedAt: j.CreatedAt, ScheduledAt: j.ScheduledAt, AttemptedAt: j.AttemptedAt, FinalizedAt: j.FinalizedAt,
	}
	if len(r.Args) == 0 {
		r.Args = json.RawMessage("{}")
	}
	if j.AttemptedAt != nil {
		end := now
		if j.FinalizedAt != nil {
			end = *j.FinalizedAt
		}
		if j.FinalizedAt != nil || j.State == rivertype.JobStateRunning {
			d := end.Sub(*j.AttemptedAt).Seconds()
			r.DurationSeconds = &d
		}
	}
	for _, e := range j.Errors {
		r.Errors = append(r.Errors, RunError{At: e.At, Attempt: e.Attempt, Error: ErrorText(e.Error)})
	}
	if out := j.Output(); len(out) > 0 {
		r.Output = json.RawMessage(out)
	}
	return r
}
