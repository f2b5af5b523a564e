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

// Download records where a document was written.
type Download struct {
	DokumentID string
	Path       string
	SHA256     string
	Size       int64
}

// DokumentMarkDownloaded records a package of written documents.
func (s *Store) DokumentMarkDownloaded(ctx context.Context, ds []Download) error {
	ids, paths, sums := make([]string, len(ds)), make([]string, len(ds)), make([]string, len(ds))
	sizes := make([]int64, len(ds))
	for i, d := range ds {
		ids[i], paths[i], sums[i], sizes[i] = d.DokumentID, d.Path, d.SHA256, d.Size
	}
	_, err := s.pool.Exec(ctx, `UPDATE dokument SET path = u.path, sha256 = u.sha, size = u.size, downloaded_at = now()
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(id, path, sha, size) WHERE dokument_id = u.id`, ids, paths, sums, sizes)
	if err != nil {
		return fmt.Errorf("recording %d downloaded documents: %w", len(ds), err)
	}
	return nil
}
