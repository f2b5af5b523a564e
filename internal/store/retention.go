package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"sestd/internal/sestmodel"
)

// RetentionMarked returns the applicants the Servicestelle marks for
// deletion: Bewerber status sest.BewerberStatusZurLoeschung in the
// mirror, or a send rejected with code 30235 after the applicant's last
// erasure. Sorted.
func (s *Store) RetentionMarked(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
SELECT bewerber_id FROM bewerber WHERE status = $1
UNION
SELECT l.bewerber_id FROM upload_log l
WHERE l.code = $2 AND l.bewerber_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM subject_tombstone t WHERE t.bewerber_id = l.bewerber_id AND t.erased_at >= l.at)
ORDER BY 1`, sestmodel.BewerberStatusZurLoeschung, sestmodel.CodeBewerberZurLoeschung)
	if err != nil {
		return nil, fmt.Errorf("listing applicants marked for deletion: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("listing applicants marked for deletion: %w", err)
	}
	return ids, nil
}

// RetentionSubjects returns every applicant any table holds data of (the
// mirror, the outbound sync, ranking entries, the upload log), sorted: the
// whole of a Vermittlungsprozess that is over.
func (s *Store) RetentionSubjects(ctx context.Context) ([]string, error) {
	var ids []string
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		tables, err := existingSubjectTables(ctx, tx)
		if err != nil {
			return err
		}
		q := ``
		for _, t := range tables {
			switch t.name {
			case "bewerber", "bewerbung", "dokument", "bewerbung_status_change", "ranking_entry", "uni_bewerbung",
				"uni_bewerber_auth", "outbox_item", "upload_log", "bewerbung_status_forbidden", "mirror_removal":
				if q != "" {
					q += "\nUNION "
				}
				q += `SELECT bewerber_id FROM ` + t.name + ` WHERE bewerber_id IS NOT NULL`
			}
		}
		rows, err := tx.Query(ctx, q+"\nORDER BY 1")
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing applicants: %w", err)
	}
	return ids, nil
}

// UploadLogClearBodies clears the request and response of every upload
// log entry (the entries stay) and returns how many held one; dryRun only
// counts.
func (s *Store) UploadLogClearBodies(ctx context.Context, dryRun bool) (int64, error) {
	where := ` WHERE request IS NOT NULL OR response IS NOT NULL`
	if dryRun {
		var n int64
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM upload_log`+where).Scan(&n); err != nil {
			return 0, fmt.Errorf("counting upload log bodies: %w", err)
		}
		return n, nil
	}
	tag, err := s.pool.Exec(ctx, `UPDATE upload_log SET request = NULL, response = NULL`+where)
	if err != nil {
		return 0, fmt.Errorf("clearing upload log bodies: %w", err)
	}
	return tag.RowsAffected(), nil
}

// DokumentPaths returns the set of document paths (relative to the
// document root) the mirror refers to.
func (s *Store) DokumentPaths(ctx context.Context) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT path FROM dokument WHERE path IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("listing document paths: %w", err)
	}
	paths, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("listing document paths: %w", err)
	}
	out := make(map[string]bool, len(paths))
	for _, p := range paths {
		out[p] = true
	}
	return out, nil
}
