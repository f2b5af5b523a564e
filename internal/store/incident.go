package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Incident is a job that failed for good or keeps failing, identified by
// its key (job kind and subject, e.g. "delta_poll stream=bewerbungen").
type Incident struct {
	Key        string     `json:"key"`
	Kind       string     `json:"kind"`
	OpenedAt   time.Time  `json:"opened_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Failures   int        `json:"failures"`
	LastError  string     `json:"last_error"`
	LastJobID  int64      `json:"last_job_id"`
	Mailed     bool       `json:"mailed"`
	LastMailAt *time.Time `json:"last_mail_at,omitempty"`
}

const incidentColumns = `key, kind, opened_at, resolved_at, failures, last_error, coalesce(last_job_id, 0), mailed, last_mail_at`

func scanIncident(row pgx.Row) (Incident, error) {
	var i Incident
	err := row.Scan(&i.Key, &i.Kind, &i.OpenedAt, &i.ResolvedAt, &i.Failures, &i.LastError, &i.LastJobID, &i.Mailed, &i.LastMailAt)
	return i, err
}

// IncidentFail records a failure of key: it opens an incident (or reopens
// the key's resolved one) or counts one more failure of the open one. With
// claim, it also claims the incident's opening mail and reports whether
// the caller is to send it: once per incident, and not within quiet of the
// key's last mail (a flapping job mails at most once per quiet; a later
// failure of the still open incident mails then).
func (s *Store) IncidentFail(ctx context.Context, key, kind, lastError string, jobID int64, claim bool, quiet time.Duration) (Incident, bool, error) {
	inc, err := scanIncident(s.pool.QueryRow(ctx, `INSERT INTO incident AS i (key, kind, last_error, last_job_id)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET
			opened_at = CASE WHEN i.resolved_at IS NULL THEN i.opened_at ELSE now() END,
			failures = CASE WHEN i.resolved_at IS NULL THEN i.failures + 1 ELSE 1 END,
			mailed = i.mailed AND i.resolved_at IS NULL,
			resolved_at = NULL, kind = $2, last_error = $3, last_job_id = $4
		RETURNING `+incidentColumns, key, kind, lastError, jobID))
	if err != nil {
		return Incident{}, false, fmt.Errorf("recording incident %s: %w", key, err)
	}
	if !claim {
		return inc, false, nil
	}
	claimed, err := scanIncident(s.pool.QueryRow(ctx, `UPDATE incident SET mailed = true, last_mail_at = now()
		WHERE key = $1 AND resolved_at IS NULL AND NOT mailed
		AND (last_mail_at IS NULL OR last_mail_at <= now() - make_interval(secs => $2))
		RETURNING `+incidentColumns, key, quiet.Seconds()))
	if errors.Is(err, pgx.ErrNoRows) {
		return inc, false, nil
	}
	if err != nil {
		return inc, false, fmt.Errorf("claiming the mail of incident %s: %w", key, err)
	}
	return claimed, true, nil
}

// IncidentRecover resolves the open incident of key, if any, and reports
// whether a recovery mail is due (its opening was mailed). It returns
// ErrNotFound when key has no open incident.
func (s *Store) IncidentRecover(ctx context.Context, key string) (Incident, bool, error) {
	inc, err := scanIncident(s.pool.QueryRow(ctx, `UPDATE incident SET resolved_at = now(),
			last_mail_at = CASE WHEN mailed THEN now() ELSE last_mail_at END
		WHERE key = $1 AND resolved_at IS NULL
		RETURNING `+incidentColumns, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return Incident{}, false, fmt.Errorf("open incident %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Incident{}, false, fmt.Errorf("resolving incident %s: %w", key, err)
	}
	return inc, inc.Mailed, nil
}

// IncidentGet returns the incident of key, or ErrNotFound.
func (s *Store) IncidentGet(ctx context.Context, key string) (Incident, error) {
	inc, err := scanIncident(s.pool.QueryRow(ctx, `SELECT `+incidentColumns+` FROM incident WHERE key = $1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return Incident{}, fmt.Errorf("incident %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Incident{}, fmt.Errorf("reading incident %s: %w", key, err)
	}
	return inc, nil
}
