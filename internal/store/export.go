package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// The kinds of changes exported to the university are the views of the
// uni schema listed in the table export_kind (migration
// 0095_uni_export_more.sql): a migration that adds a view registers it
// there, and every export run writes it.

// ExportRun is one export: the window [Lo, Hi) of changes it covers.
type ExportRun struct {
	ID     int64
	Lo, Hi time.Time
	Files  []string
	// Rows counts the exported rows per kind.
	Rows map[string]int
}

// ExportWriter receives the rows of one kind (header first, values as
// text: dates as YYYY-MM-DD, times in RFC 3339 UTC, booleans J/N, NULL as
// "") and returns the file it wrote, or "" when it wrote none.
type ExportWriter func(run ExportRun, kind string, header []string, rows [][]string) (string, error)

// ExportChanges starts an export run whose window reaches from the previous
// run's end to the newest instant before which every change is committed
// (the start of the oldest writing transaction still open in this
// database, else now), and
// hands each kind's rows of the uni views to write inside the same
// transaction; the run and its files commit after every kind is written.
// Every change lands in exactly one run's window.
func (s *Store) ExportChanges(ctx context.Context, write ExportWriter) (ExportRun, error) {
	run := ExportRun{Rows: map[string]int{}, Files: []string{}}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
WITH prev AS (SELECT coalesce((SELECT hi FROM export_run ORDER BY id DESC LIMIT 1), '1970-01-01T00:00:00Z'::timestamptz) AS lo),
open AS (SELECT min(xact_start) AS t FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
    AND datname = current_database())
INSERT INTO export_run (lo, hi)
SELECT prev.lo, greatest(prev.lo, least(now(), coalesce(open.t, now()))) FROM prev, open
RETURNING id, lo, hi`).Scan(&run.ID, &run.Lo, &run.Hi)
		if err != nil {
			return fmt.Errorf("starting export run: %w", err)
		}
		kinds, err := exportKinds(ctx, tx)
		if err != nil {
			return err
		}
		for _, kind := range kinds {
			header, rows, err := exportRows(ctx, tx, kind)
			if err != nil {
				return err
			}
			run.Rows[kind] = len(rows)
			file, err := write(run, kind, header, rows)
			if err != nil {
				return fmt.Errorf("exporting %s: %w", kind, err)
			}
			if file != "" {
				run.Files = append(run.Files, file)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE export_run SET files = $2 WHERE id = $1`, run.ID, run.Files); err != nil {
			return fmt.Errorf("recording export files: %w", err)
		}
		return nil
	})
	if err != nil {
		return ExportRun{}, err
	}
	return run, nil
}

// exportKinds lists the registered kinds in their order.
func exportKinds(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT name FROM export_kind ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("listing export kinds: %w", err)
	}
	kinds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("listing export kinds: %w", err)
	}
	return kinds, nil
}

// exportRows reads the rows of uni.<kind>, ordered by the first two
// columns (a key and, for a Bewerbung's parts, the part).
func exportRows(ctx context.Context, tx pgx.Tx, kind string) ([]string, [][]string, error) {
	rows, err := tx.Query(ctx, `SELECT * FROM uni.`+pgx.Identifier{kind}.Sanitize()+` ORDER BY 1, 2`)
	if err != nil {
		return nil, nil, fmt.Errorf("reading uni.%s: %w", kind, err)
	}
	defer rows.Close()
	var header []string
	var isDate []bool
	for _, f := range rows.FieldDescriptions() {
		header = append(header, f.Name)
		isDate = append(isDate, f.DataTypeOID == pgtype.DateOID)
	}
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, nil, fmt.Errorf("reading uni.%s: %w", kind, err)
		}
		rec := make([]string, len(vals))
		for i, v := range vals {
			if t, ok := v.(time.Time); ok && isDate[i] {
				rec[i] = t.Format(time.DateOnly)
				continue
			}
			rec[i] = exportText(v)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading uni.%s: %w", kind, err)
	}
	return header, out, nil
}

func exportText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case bool:
		if v {
			return "J"
		}
		return "N"
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	}
	return fmt.Sprint(v)
}

// ExportRunLatest returns the newest export run, or ErrNotFound.
func (s *Store) ExportRunLatest(ctx context.Context) (ExportRun, error) {
	var r ExportRun
	err := s.pool.QueryRow(ctx, `SELECT id, lo, hi, files FROM export_run ORDER BY id DESC LIMIT 1`).Scan(&r.ID, &r.Lo, &r.Hi, &r.Files)
	if errors.Is(err, pgx.ErrNoRows) {
		return ExportRun{}, fmt.Errorf("export run: %w", ErrNotFound)
	}
	if err != nil {
		return ExportRun{}, fmt.Errorf("reading export run: %w", err)
	}
	return r, nil
}
