package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MirrorRemoval is an item a complete, unfiltered full download removed
// from the mirror because the Servicestelle no longer returned it.
type MirrorRemoval struct {
	ID                       int64     `json:"id"`
	Kind                     string    `json:"kind"` // bewerbung or bewerber
	ItemKey                  string    `json:"item_key"`
	BewerberID               string    `json:"bewerber_id"`
	StudienangebotSchluessel string    `json:"studienangebot_schluessel,omitempty"`
	Bearbeitungsstatus       string    `json:"bearbeitungsstatus,omitempty"`
	Version                  int       `json:"version,omitempty"`
	LastSeenAt               time.Time `json:"last_seen_at"`
	Run                      string    `json:"run"`
	RemovedAt                time.Time `json:"removed_at"`
}

// FullRunSince returns when the full download run began, recording now
// (the database's clock, the one seen_at is written with) on its first
// call: every item the run returns is seen at or after it, also when the
// run is interrupted and resumed by a later attempt. FullRunEnd forgets it.
func (s *Store) FullRunSince(ctx context.Context, run string) (time.Time, error) {
	var since time.Time
	err := s.pool.QueryRow(ctx, `
WITH ins AS (INSERT INTO sync_cursor (stream, position) VALUES ($1, now()) ON CONFLICT (stream) DO NOTHING RETURNING position)
SELECT position FROM ins UNION ALL SELECT position FROM sync_cursor WHERE stream = $1 LIMIT 1`, run+"_since").Scan(&since)
	if err != nil {
		return time.Time{}, fmt.Errorf("recording the start of %s: %w", run, err)
	}
	return since, nil
}

// FullRunEnd forgets the bookkeeping of a full download run: its start and
// the cursors and runs of its streams (named run_<stream>).
func (s *Store) FullRunEnd(ctx context.Context, run string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sync_run WHERE stream LIKE $1 || '\_%'`, run); err != nil {
		return fmt.Errorf("ending %s: %w", run, err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM sync_cursor WHERE stream LIKE $1 || '\_%'`, run); err != nil {
		return fmt.Errorf("ending %s: %w", run, err)
	}
	return nil
}

// ErrSweepNothingSeen is MirrorSweep's answer when the full download
// returned no Bewerbung at all although the mirror holds some: an empty
// answer is more likely a fault than a Servicestelle without Bewerbungen,
// so nothing is removed.
var ErrSweepNothingSeen = errors.New("the full download returned no Bewerbung although the mirror holds some; nothing removed")

// MirrorSweep removes, in one transaction, what a complete, unfiltered
// full download that began at since did not return: the Bewerbungen not
// seen since then (their Teilfachbewerbungen, Bestandteile and Bescheide
// with them), then the applicants not seen since then that have no
// Bewerbung left. Each removal is recorded in mirror_removal with run. The
// caller must have fetched every stream completely since since; a sweep
// after a filtered or interrupted download would remove what the
// Servicestelle still has. When the download returned no Bewerbung at all
// it removes nothing and returns ErrSweepNothingSeen.
func (s *Store) MirrorSweep(ctx context.Context, since time.Time, run string) ([]MirrorRemoval, error) {
	var out []MirrorRemoval
	err := s.inTx(ctx, Step{}, func(tx pgx.Tx) error {
		out = out[:0]
		var seen, stale bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bewerbung WHERE seen_at >= $1),
    EXISTS (SELECT 1 FROM bewerbung WHERE seen_at < $1)`, since).Scan(&seen, &stale); err != nil {
			return fmt.Errorf("checking the full download: %w", err)
		}
		if !seen && stale {
			return ErrSweepNothingSeen
		}
		rows, err := tx.Query(ctx, `
WITH gone AS (
    DELETE FROM bewerbung WHERE seen_at < $1
    RETURNING bewerbung_key, bewerber_id, studienangebot_schluessel, bearbeitungsstatus, version, seen_at
), rec AS (
    INSERT INTO mirror_removal (kind, item_key, bewerber_id, studienangebot_schluessel, bearbeitungsstatus, version, last_seen_at, run)
    SELECT 'bewerbung', bewerbung_key, bewerber_id, studienangebot_schluessel, bearbeitungsstatus, version, seen_at, $2 FROM gone
    RETURNING *
)
SELECT id, kind, item_key, bewerber_id, coalesce(studienangebot_schluessel, ''), coalesce(bearbeitungsstatus, ''),
    coalesce(version, 0), last_seen_at, run, removed_at FROM rec ORDER BY item_key`, since, run)
		if err != nil {
			return fmt.Errorf("removing Bewerbungen the Servicestelle no longer has: %w", err)
		}
		bewerbungen, err := pgx.CollectRows(rows, scanRemoval)
		if err != nil {
			return fmt.Errorf("removing Bewerbungen the Servicestelle no longer has: %w", err)
		}
		rows, err = tx.Query(ctx, `
WITH gone AS (
    DELETE FROM bewerber r WHERE r.seen_at < $1
        AND NOT EXISTS (SELECT 1 FROM bewerbung b WHERE b.bewerber_id = r.bewerber_id)
    RETURNING bewerber_id, seen_at
), rec AS (
    INSERT INTO mirror_removal (kind, item_key, bewerber_id, last_seen_at, run)
    SELECT 'bewerber', bewerber_id, bewerber_id, seen_at, $2 FROM gone
    RETURNING *
)
SELECT id, kind, item_key, bewerber_id, '', '', 0, last_seen_at, run, removed_at FROM rec ORDER BY item_key`, since, run)
		if err != nil {
			return fmt.Errorf("removing applicants the Servicestelle no longer has: %w", err)
		}
		bewerber, err := pgx.CollectRows(rows, scanRemoval)
		if err != nil {
			return fmt.Errorf("removing applicants the Servicestelle no longer has: %w", err)
		}
		out = append(append(out, bewerbungen...), bewerber...)
		return nil
	})
	return out, err
}

func scanRemoval(r pgx.CollectableRow) (MirrorRemoval, error) {
	var m MirrorRemoval
	return m, r.Scan(&m.ID, &m.Kind, &m.ItemKey, &m.BewerberID, &m.StudienangebotSchluessel, &m.Bearbeitungsstatus,
		&m.Version, &m.LastSeenAt, &m.Run, &m.RemovedAt)
}

// MirrorRemovalList returns the recorded removals, oldest first.
func (s *Store) MirrorRemovalList(ctx context.Context) ([]MirrorRemoval, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, kind, item_key, bewerber_id, coalesce(studienangebot_schluessel, ''),
    coalesce(bearbeitungsstatus, ''), coalesce(version, 0), last_seen_at, run, removed_at FROM mirror_removal ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing mirror removals: %w", err)
	}
	return pgx.CollectRows(rows, scanRemoval)
}
