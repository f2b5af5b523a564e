package store

import (
	"context"
	"fmt"
)

// DokumentRef is a mirrored document reference with its download state.
type DokumentRef struct {
	DokumentID string
	BewerberID string
	Dateiname  string
	Path       string // relative to the document root; empty until downloaded
	SHA256     string
}

// DokumentList returns every document reference, ordered by id.
func (s *Store) DokumentList(ctx context.Context) ([]DokumentRef, error) {
	rows, err := s.pool.Query(ctx, `SELECT dokument_id, coalesce(bewerber_id, ''), dateiname, coalesce(path, ''), coalesce(sha256, '')
FROM dokument ORDER BY dokument_id`)
	if err != nil {
		return nil, fmt.Errorf("listing documents: %w", err)
	}
	defer rows.Close()
	var out []DokumentRef
	for rows.Next() {
		var d DokumentRef
		if err := rows.Scan(&d.DokumentID, &d.BewerberID, &d.Dateiname, &d.Path, &d.SHA256); err != nil {
			return nil, fmt.Errorf("listing documents: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DokumentMarkDownloaded records where a document was written.
func (s *Store) DokumentMarkDownloaded(ctx context.Context, id, path, sha string, size int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE dokument SET path = $2, sha256 = $3, size = $4, downloaded_at = now() WHERE dokument_id = $1`, id, path, sha, size)
	if err != nil {
		return fmt.Errorf("recording download of document %s: %w", id, err)
	}
	return nil
}
