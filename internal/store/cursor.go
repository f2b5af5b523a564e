package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cursor is a delta stream's watermark.
type Cursor struct {
	Stream    string    `json:"stream"`
	Position  time.Time `json:"position"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CursorGet returns a stream's cursor, or ErrNotFound when the stream never
// completed a run (start from the Vermittlungsprozess then).
func (s *Store) CursorGet(ctx context.Context, stream string) (Cursor, error) {
	c := Cursor{Stream: stream}
	err := s.pool.QueryRow(ctx, `SELECT position, updated_at FROM sync_cursor WHERE stream = $1`, stream).Scan(&c.Position, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("reading cursor %s: %w", stream, err)
	}
	return c, nil
}

// CursorList returns every stored cursor.
func (s *Store) CursorList(ctx context.Context) ([]Cursor, error) {
	rows, err := s.pool.Query(ctx, `SELECT stream, position, updated_at FROM sync_cursor ORDER BY stream`)
	if err != nil {
		return nil, fmt.Errorf("listing cursors: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Cursor, error) {
		var c Cursor
		return c, r.Scan(&c.Stream, &c.Position, &c.UpdatedAt)
	})
}

// CursorSet moves a stream's cursor (used by the Studienangebote-free
// streams' runs through Step, and by operators).
func (s *Store) CursorSet(ctx context.Context, stream string, pos time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sync_cursor (stream, position) VALUES ($1, $2)
ON CONFLICT (stream) DO UPDATE SET position = excluded.position, updated_at = now()`, stream, pos)
	if err != nil {
		return fmt.Errorf("setting cursor %s: %w", stream, err)
	}
	return nil
}

// CursorReset deletes a stream's cursor and any run in progress: the next
// poll starts from the beginning of the Vermittlungsprozess.
func (s *Store) CursorReset(ctx context.Context, stream string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sync_run WHERE stream = $1`, stream); err != nil {
			return fmt.Errorf("resetting run of %s: %w", stream, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sync_cursor WHERE stream = $1`, stream); err != nil {
			return fmt.Errorf("resetting cursor %s: %w", stream, err)
		}
		return nil
	})
}

// CursorAges returns, per stream, seconds since its cursor last moved, for
// the sync-lag gauge. Streams without a cursor are absent.
func (s *Store) CursorAges(ctx context.Context) (map[string]float64, error) {
	rows, err := s.pool.Query(ctx, `SELECT stream, extract(epoch FROM now() - updated_at)::float8 FROM sync_cursor WHERE stream = ANY($1)`, streamNames())
	if err != nil {
		return nil, fmt.Errorf("reading cursor ages: %w", err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var stream string
		var age float64
		if err := rows.Scan(&stream, &age); err != nil {
			return nil, fmt.Errorf("reading cursor ages: %w", err)
		}
		out[stream] = age
	}
	return out, rows.Err()
}

// Run is a delta run in progress.
type Run struct {
	Stream string
	Start  time.Time
	Ende   time.Time
	Refs   []string
	Done   int
}

// RunGet returns the stream's run in progress, or ErrNotFound.
func (s *Store) RunGet(ctx context.Context, stream string) (Run, error) {
	r := Run{Stream: stream}
	err := s.pool.QueryRow(ctx, `SELECT start, ende, refs, done FROM sync_run WHERE stream = $1`, stream).Scan(&r.Start, &r.Ende, &r.Refs, &r.Done)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("reading run of %s: %w", stream, err)
	}
	return r, nil
}

// RunBegin records a new run's references. With no references the run is
// complete at once and the cursor moves to ende.
func (s *Store) RunBegin(ctx context.Context, r Run) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if len(r.Refs) == 0 {
			return setCursorTx(ctx, tx, r.Stream, r.Ende)
		}
		_, err := tx.Exec(ctx, `INSERT INTO sync_run (stream, start, ende, refs, total) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (stream) DO UPDATE SET start = excluded.start, ende = excluded.ende, refs = excluded.refs, total = excluded.total,
    done = 0, started_at = now()`,
			r.Stream, r.Start, r.Ende, r.Refs, len(r.Refs))
		if err != nil {
			return fmt.Errorf("recording run of %s: %w", r.Stream, err)
		}
		return nil
	})
}

// RunAbandon drops a run in progress (its references expired): the next
// poll asks again from the unchanged cursor.
func (s *Store) RunAbandon(ctx context.Context, stream string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sync_run WHERE stream = $1`, stream); err != nil {
		return fmt.Errorf("abandoning run of %s: %w", stream, err)
	}
	return nil
}

// advanceRun records a package's progress; the package completing the
// run moves the cursor to the run's watermark and ends the run, in the
// same transaction as the package's rows.
func advanceRun(ctx context.Context, tx pgx.Tx, step Step) error {
	set, arg := "done = done + $2", step.Items
	if step.Done != nil {
		if arg = step.Done(); arg == 0 {
			// Nothing to record; the run must still be there.
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM sync_run WHERE stream = $1)`, step.Stream).Scan(&exists); err != nil {
				return fmt.Errorf("checking run of %s: %w", step.Stream, err)
			}
			if !exists {
				return fmt.Errorf("no run of %s in progress (reset meanwhile?)", step.Stream)
			}
			return nil
		}
		set = "done = greatest(done, $2)"
	}
	var done, total int
	var ende time.Time
	err := tx.QueryRow(ctx, `UPDATE sync_run SET `+set+` WHERE stream = $1 RETURNING done, total, ende`,
		step.Stream, arg).Scan(&done, &total, &ende)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("no run of %s in progress (reset meanwhile?)", step.Stream)
	}
	if err != nil {
		return fmt.Errorf("advancing run of %s: %w", step.Stream, err)
	}
	if done < total {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sync_run WHERE stream = $1`, step.Stream); err != nil {
		return fmt.Errorf("ending run of %s: %w", step.Stream, err)
	}
	return setCursorTx(ctx, tx, step.Stream, ende)
}

// RunAdvance records that the first done references of the stream's run
// are committed (when the packages that committed them could not record
// it themselves: see Step.Done); reaching the run's end moves the cursor
// and ends the run.
func (s *Store) RunAdvance(ctx context.Context, stream string, done int) error {
	return s.inTx(ctx, Step{Stream: stream, Done: func() int { return done }}, func(pgx.Tx) error { return nil })
}

func setCursorTx(ctx context.Context, tx pgx.Tx, stream string, pos time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO sync_cursor (stream, position) VALUES ($1, $2)
ON CONFLICT (stream) DO UPDATE SET position = excluded.position, updated_at = now()`, stream, pos)
	if err != nil {
		return fmt.Errorf("moving cursor %s: %w", stream, err)
	}
	return nil
}
