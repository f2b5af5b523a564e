package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Import run statuses as stored in import_runs.status.
const (
	ImportRunning   = "running"
	ImportSucceeded = "succeeded" // every row written or skipped
	ImportPartial   = "partial"   // done, some rows rejected
	ImportFailed    = "failed"    // nothing written
)

// ImportRun is one row of import_runs: one import of one file.
type ImportRun struct {
	ID          int64         `json:"id"`
	Kind        string        `json:"kind"`
	Mode        string        `json:"mode"`
	FileName    string        `json:"file_name"`
	SHA256      string        `json:"sha256"`
	Encoding    string        `json:"encoding"`
	Forced      bool          `json:"forced"`
	Status      string        `json:"status"`
	Read        int64         `json:"read"`
	Created     int64         `json:"created"`
	Updated     int64         `json:"updated"`
	Removed     int64         `json:"removed"`
	Rejected    int64         `json:"rejected"`
	Skipped     int64         `json:"skipped"`
	Unchanged   int64         `json:"unchanged"`
	Missing     int64         `json:"missing"`
	Note        string        `json:"note,omitempty"`
	RejectsPath string        `json:"rejects_path,omitempty"`
	Error       string        `json:"error,omitempty"`
	StartedAt   time.Time     `json:"started_at"`
	FinishedAt  *time.Time    `json:"finished_at,omitempty"`
	Duration    time.Duration `json:"duration"`
}

const importRunColumns = `id, kind, mode, file_name, sha256, encoding, forced, status,
	rows_read, created, updated, removed, rejected, skipped, rejects_path, error,
	started_at, finished_at, duration_ms, unchanged, missing, note`

func scanImportRun(row pgx.Row) (ImportRun, error) {
	var r ImportRun
	var ms int64
	err := row.Scan(&r.ID, &r.Kind, &r.Mode, &r.FileName, &r.SHA256, &r.Encoding, &r.Forced, &r.Status,
		&r.Read, &r.Created, &r.Updated, &r.Removed, &r.Rejected, &r.Skipped, &r.RejectsPath, &r.Error,
		&r.StartedAt, &r.FinishedAt, &ms, &r.Unchanged, &r.Missing, &r.Note)
	r.Duration = time.Duration(ms) * time.Millisecond
	return r, err
}

// ImportRunStart records the start of an import (status running) and
// returns its id. Kind, Mode, FileName and SHA256 must be set.
func (s *Store) ImportRunStart(ctx context.Context, r ImportRun) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO import_runs (kind, mode, file_name, sha256, encoding, forced)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		r.Kind, r.Mode, r.FileName, r.SHA256, r.Encoding, r.Forced).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("recording start of import of %s: %w", r.FileName, err)
	}
	return id, nil
}

// ImportRunFinish stores the outcome of run r.ID: status, counts, encoding,
// rejects path, error and duration; finished_at becomes now.
func (s *Store) ImportRunFinish(ctx context.Context, r ImportRun) error {
	return finishRun(ctx, s.pool, r)
}

// ImportRunFinish is Store.ImportRunFinish inside the import's
// transaction: the outcome becomes visible with the data, so that an
// import of the same file waiting for the lock sees it done.
func (t *ImportTx) ImportRunFinish(ctx context.Context, r ImportRun) error {
	if err := t.endStream(); err != nil {
		return err
	}
	return finishRun(ctx, t.tx, r)
}

func finishRun(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, r ImportRun) error {
	tag, err := db.Exec(ctx, `UPDATE import_runs SET status = $2, encoding = $3, rows_read = $4,
		created = $5, updated = $6, removed = $7, rejected = $8, skipped = $9, rejects_path = $10,
		error = $11, duration_ms = $12, unchanged = $13, missing = $14, note = $15, finished_at = now() WHERE id = $1`,
		r.ID, r.Status, r.Encoding, r.Read, r.Created, r.Updated, r.Removed, r.Rejected, r.Skipped,
		r.RejectsPath, r.Error, r.Duration.Milliseconds(), r.Unchanged, r.Missing, r.Note)
	if err != nil {
		return fmt.Errorf("recording end of import run %d: %w", r.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("recording end of import run %d: %w", r.ID, ErrNotFound)
	}
	return nil
}

// ImportRunGet returns the import run id, or ErrNotFound.
func (s *Store) ImportRunGet(ctx context.Context, id int64) (ImportRun, error) {
	r, err := scanImportRun(s.pool.QueryRow(ctx, `SELECT `+importRunColumns+` FROM import_runs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return ImportRun{}, fmt.Errorf("import run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return ImportRun{}, fmt.Errorf("reading import run %d: %w", id, err)
	}
	return r, nil
}

// ImportRunFindDone returns the latest finished (succeeded or partial) run
// of a file with this hash, kind and mode, or ErrNotFound.
func (s *Store) ImportRunFindDone(ctx context.Context, sha256, kind, mode string) (ImportRun, error) {
	r, err := scanImportRun(s.pool.QueryRow(ctx, `SELECT `+importRunColumns+` FROM import_runs
		WHERE sha256 = $1 AND kind = $2 AND mode = $3 AND status IN ('succeeded', 'partial')
		ORDER BY id DESC LIMIT 1`, sha256, kind, mode))
	if errors.Is(err, pgx.ErrNoRows) {
		return ImportRun{}, fmt.Errorf("import of %s as %s/%s: %w", sha256, kind, mode, ErrNotFound)
	}
	if err != nil {
		return ImportRun{}, fmt.Errorf("looking up earlier imports: %w", err)
	}
	return r, nil
}

// ImportRunList returns the newest import runs, at most limit.
func (s *Store) ImportRunList(ctx context.Context, limit int) ([]ImportRun, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+importRunColumns+` FROM import_runs ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("listing import runs: %w", err)
	}
	defer rows.Close()
	var out []ImportRun
	for rows.Next() {
		r, err := scanImportRun(rows)
		if err != nil {
			return nil, fmt.Errorf("reading import run: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing import runs: %w", err)
	}
	return out, nil
}

// ImportRunFailStale marks runs still running that started before before
// as failed ("abandoned"): their process ended without recording an
// outcome, and their transaction was rolled back with it. Call it at
// startup with a time before which no import of this instance can still
// run. It returns how many it marked.
func (s *Store) ImportRunFailStale(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE import_runs SET status = 'failed', finished_at = now(),
		error = 'abandoned: the importing process ended without an outcome'
		WHERE status = 'running' AND started_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("marking abandoned import runs: %w", err)
	}
	return tag.RowsAffected(), nil
}
