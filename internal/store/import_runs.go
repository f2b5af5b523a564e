package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ImportRun is one row of import_runs: one import of one file.
type ImportRun struct {
	ID       int64        `json:"id"`
	Kind     string       `json:"kind"`
	Mode     string       `json:"mode"`
	FileName string       `json:"file_name"`
	SHA256   string       `json:"sha256"`
	Encoding string       `json:"encoding"`
	Forced   bool         `json:"forced"`
	Status   ImportStatus `json:"status"`
	ImportCounts
	// Note explains removals left out.
	Note        string `json:"note,omitempty"`
	RejectsPath string `json:"rejects_path,omitempty"`
	// RejectsEncoding is the encoding the rejects file is written in.
	RejectsEncoding string `json:"rejects_encoding,omitempty"`
	Error           string `json:"error,omitempty"`
	// Interrupted: the run was cut short (sestd stopped, the job was
	// cancelled, the process ended) and rolled back; RetriedBy is the run
	// that imported the same file again, once there is one.
	Interrupted bool       `json:"interrupted,omitempty"`
	RetriedBy   *int64     `json:"retried_by,omitempty"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	// Duration is written as duration_seconds.
	Duration time.Duration `json:"-"`
}

// MarshalJSON writes the run with its duration in seconds
// (duration_seconds), the unit of the admin API's job runs.
func (r ImportRun) MarshalJSON() ([]byte, error) {
	type plain ImportRun
	return json.Marshal(struct {
		plain
		DurationSeconds float64 `json:"duration_seconds"`
	}{plain(r), r.Duration.Seconds()})
}

const importRunColumns = `id, kind, mode, file_name, sha256, encoding, forced, status,
	rows_read, created, updated, removed, rejected, skipped, rejects_path, error,
	started_at, finished_at, duration_ms, rejects_encoding, interrupted, retried_by, unchanged, missing, note`

func scanImportRun(row pgx.Row) (ImportRun, error) {
	var r ImportRun
	var ms int64
	err := row.Scan(&r.ID, &r.Kind, &r.Mode, &r.FileName, &r.SHA256, &r.Encoding, &r.Forced, &r.Status,
		&r.Read, &r.Created, &r.Updated, &r.Removed, &r.Rejected, &r.Skipped, &r.RejectsPath, &r.Error,
		&r.StartedAt, &r.FinishedAt, &ms, &r.RejectsEncoding, &r.Interrupted, &r.RetriedBy, &r.Unchanged, &r.Missing, &r.Note)
	r.Duration = time.Duration(ms) * time.Millisecond
	return r, err
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *ImportRun) UnmarshalJSON(raw []byte) error {
	type plain ImportRun
	var v struct {
		plain
		DurationSeconds float64 `json:"duration_seconds"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	*r = ImportRun(v.plain)
	r.Duration = time.Duration(v.DurationSeconds * float64(time.Second))
	return nil
}

// ImportRunStart records the start of an import (status running) and
// returns its id. Kind, Mode, FileName and SHA256 must be set. Earlier
// interrupted runs of the same file, kind and mode not yet retried point
// to the new run (retried_by).
func (s *Store) ImportRunStart(ctx context.Context, r ImportRun) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `WITH run AS (
			INSERT INTO import_runs (kind, mode, file_name, sha256, encoding, forced, started_at)
			VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp()) RETURNING id
		), retried AS (
			UPDATE import_runs SET retried_by = (SELECT id FROM run)
			WHERE sha256 = $4 AND kind = $1 AND mode = $2 AND interrupted AND retried_by IS NULL
		)
		SELECT id FROM run`,
		r.Kind, r.Mode, r.FileName, r.SHA256, r.Encoding, r.Forced).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("recording start of import of %s: %w", r.FileName, err)
	}
	return id, nil
}

// ImportRunFinish stores the outcome of run r.ID: status, counts, encoding,
// rejects path and error; finished_at becomes now, and the duration is the
// span from started_at to finished_at (r.Duration is not used), which it
// returns.
func (s *Store) ImportRunFinish(ctx context.Context, r ImportRun) (time.Duration, error) {
	return finishRun(ctx, s.pool, r)
}

// ImportTx runs the store's own queries of an import (the record of its
// run, the kinds' lookups and deletions) inside the import's transaction.
// That transaction belongs to the bulk-import engine (internal/store/bulk),
// which makes an ImportTx with NewImportTx and embeds it in its bulk.Tx.
type ImportTx struct {
	tx pgx.Tx
	// ready is called before each query: the engine ends the COPY it may
	// have open on the connection.
	ready func() error
}

// NewImportTx wraps tx, a transaction of an import; ready is called
// before each query and its error returned.
func NewImportTx(tx pgx.Tx, ready func() error) *ImportTx {
	return &ImportTx{tx: tx, ready: ready}
}

// ImportRunFinish is Store.ImportRunFinish inside the import's
// transaction: the outcome becomes visible with the data, so that an
// import of the same file waiting for the lock sees it done.
func (t *ImportTx) ImportRunFinish(ctx context.Context, r ImportRun) (time.Duration, error) {
	if err := t.ready(); err != nil {
		return 0, err
	}
	return finishRun(ctx, t.tx, r)
}

// ImportFindDone is ImportRunFindDone inside the import's transaction,
// after the kind's lock was taken, so that two imports of one file cannot
// both pass the check. An empty mode matches a run in any mode.
func (t *ImportTx) ImportFindDone(ctx context.Context, sha256, kind, mode string) (ImportRun, error) {
	if err := t.ready(); err != nil {
		return ImportRun{}, err
	}
	r, err := scanImportRun(t.tx.QueryRow(ctx, `SELECT `+importRunColumns+` FROM import_runs
		WHERE sha256 = $1 AND kind = $2 AND ($3 = '' OR mode = $3) AND status IN ('succeeded', 'partial')
		ORDER BY id DESC LIMIT 1`, sha256, kind, mode))
	if errors.Is(err, pgx.ErrNoRows) {
		return ImportRun{}, fmt.Errorf("import of %s as %s/%s: %w", sha256, kind, mode, ErrNotFound)
	}
	if err != nil {
		return ImportRun{}, fmt.Errorf("looking up earlier imports: %w", err)
	}
	return r, nil
}

func finishRun(ctx context.Context, db interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, r ImportRun) (time.Duration, error) {
	// clock_timestamp, not now(): inside the import's transaction now() is
	// the transaction's start, before the run's. Taken once, so that the
	// duration is exactly finished_at - started_at.
	var ms int64
	err := db.QueryRow(ctx, `WITH clock AS (SELECT clock_timestamp() AS t)
		UPDATE import_runs SET status = $2, encoding = $3, rows_read = $4,
		created = $5, updated = $6, removed = $7, rejected = $8, skipped = $9, rejects_path = $10,
		error = $11, rejects_encoding = $12, interrupted = $13,
		unchanged = $14, missing = $15, note = $16,
		finished_at = greatest(clock.t, started_at),
		duration_ms = floor(extract(epoch FROM greatest(clock.t, started_at) - started_at) * 1000)::bigint
		FROM clock WHERE id = $1
		RETURNING duration_ms`,
		r.ID, r.Status, r.Encoding, r.Read, r.Created, r.Updated, r.Removed, r.Rejected, r.Skipped,
		r.RejectsPath, r.Error, r.RejectsEncoding, r.Interrupted,
		r.Unchanged, r.Missing, r.Note).Scan(&ms)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("recording end of import run %d: %w", r.ID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("recording end of import run %d: %w", r.ID, err)
	}
	return time.Duration(ms) * time.Millisecond, nil
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

// ImportRunEndDead ends the runs of kind still recorded as running other
// than run: their process died (kill -9, power loss) without an outcome,
// and their transaction was rolled back with it. They become failed and
// interrupted, and those of the same file and mode point to run
// (retried_by). Call it only holding the kind's import lock (after
// bulk.Begin): a live import of the kind would hold it, so every other
// running run of the kind is dead. It returns how many it ended.
func (s *Store) ImportRunEndDead(ctx context.Context, kind, sha256, mode string, run int64) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE import_runs SET status = 'failed', interrupted = true,
		finished_at = greatest(clock_timestamp(), started_at),
		created = 0, updated = 0, removed = 0, skipped = 0,
		error = 'interrupted: the importing process ended without an outcome; rolled back, nothing imported',
		retried_by = CASE WHEN sha256 = $2 AND mode = $3 THEN $4::bigint END
		WHERE kind = $1 AND status = 'running' AND id <> $4`, kind, sha256, mode, run)
	if err != nil {
		return 0, fmt.Errorf("ending dead import runs of %s: %w", kind, err)
	}
	return tag.RowsAffected(), nil
}

// ImportRunFailStale marks runs still running that started before before
// as failed ("abandoned"): their process ended without recording an
// outcome, and their transaction was rolled back with it. Call it at
// startup with a time before which no import of this instance can still
// run. It returns how many it marked.
func (s *Store) ImportRunFailStale(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE import_runs SET status = 'failed',
		finished_at = greatest(clock_timestamp(), started_at), interrupted = true,
		created = 0, updated = 0, removed = 0, skipped = 0,
		error = 'interrupted: the importing process ended without an outcome; rolled back, nothing imported'
		WHERE status = 'running' AND started_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("marking abandoned import runs: %w", err)
	}
	return tag.RowsAffected(), nil
}
