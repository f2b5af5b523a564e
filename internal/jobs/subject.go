package jobs

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sestd/internal/fsutil"
	"sestd/internal/store"
)

// Audit actions of the data-protection operations.
const (
	AuditSubjectExport = "subject.export"
	AuditSubjectErase  = "subject.erase"
	AuditRetention     = "retention.purge"
)

// SubjectExportSummary says what an access request's export holds.
type SubjectExportSummary struct {
	BewerberID string         `json:"bewerber_id"`
	Rows       map[string]int `json:"rows"`
	Documents  int            `json:"documents"`
	// Missing lists documents known to the mirror but not on disk.
	Missing []string `json:"missing,omitempty"`
}

// SubjectExport writes everything sestd holds about the applicant id to w
// as a zip: subject.json (every row of every table that concerns the
// applicant, see store.SubjectCollect) and documents/<file> for each of
// the applicant's documents on disk below documentRoot. It records the
// export in the audit log as actor's.
func SubjectExport(ctx context.Context, st *store.Store, documentRoot, id, actor string, w io.Writer) (SubjectExportSummary, error) {
	data, err := st.SubjectCollect(ctx, id)
	if err != nil {
		return SubjectExportSummary{}, err
	}
	sum := SubjectExportSummary{BewerberID: id, Rows: map[string]int{}}
	for t, rows := range data.Tables {
		sum.Rows[t] = len(rows)
	}
	zw := zip.NewWriter(w)
	raw, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return sum, fmt.Errorf("encoding subject data: %w", err)
	}
	if err := zipAdd(zw, "subject.json", data.Collected, raw); err != nil {
		return sum, err
	}
	for _, d := range data.Dokumente {
		if d.Path == "" {
			continue
		}
		if !filepath.IsLocal(d.Path) {
			return sum, fmt.Errorf("document %s: path %q leaves the document root", d.DokumentID, d.Path)
		}
		content, err := os.ReadFile(filepath.Join(documentRoot, d.Path))
		if errors.Is(err, fs.ErrNotExist) {
			sum.Missing = append(sum.Missing, d.DokumentID)
			continue
		}
		if err != nil {
			return sum, fmt.Errorf("reading document %s: %w", d.DokumentID, err)
		}
		if err := zipAdd(zw, "documents/"+filepath.Base(d.Path), data.Collected, content); err != nil {
			return sum, err
		}
		sum.Documents++
	}
	if err := zw.Close(); err != nil {
		return sum, fmt.Errorf("writing zip: %w", err)
	}
	if err := st.AuditInsert(ctx, actor, AuditSubjectExport, id, map[string]any{"rows": data.Rows(), "documents": sum.Documents}); err != nil {
		return sum, err
	}
	return sum, nil
}

func zipAdd(zw *zip.Writer, name string, at time.Time, content []byte) error {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at}
	h.SetMode(0o600)
	f, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("adding %s to zip: %w", name, err)
	}
	if _, err := f.Write(content); err != nil {
		return fmt.Errorf("adding %s to zip: %w", name, err)
	}
	return nil
}

// SubjectExportFile is SubjectExport into the file path, written
// atomically with mode 0600 (its directory, when created, 0700; an
// existing directory keeps its mode).
func SubjectExportFile(ctx context.Context, st *store.Store, documentRoot, id, actor, path string) (SubjectExportSummary, error) {
	var buf bytes.Buffer
	sum, err := SubjectExport(ctx, st, documentRoot, id, actor, &buf)
	if err != nil {
		return sum, err
	}
	if err := writePrivate(path, buf.Bytes()); err != nil {
		return sum, err
	}
	return sum, nil
}

// writePrivate writes data to path atomically with mode 0600. A missing
// directory is created 0700; an existing one is left as it is (it may be
// the operator's working directory or a shared drop folder).
func writePrivate(path string, data []byte) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := fsutil.MkdirPrivate(dir); err != nil {
			return err
		}
	}
	if err := fsutil.WriteFileNoDirSync(path, data); err != nil {
		return err
	}
	return fsutil.SyncDir(dir)
}

// SubjectEraseSummary says what an erasure removed.
type SubjectEraseSummary struct {
	store.EraseResult
	// FilesRemoved counts deleted document files; Scrubbed lists files of
	// export.dir and the import inbox rewritten without the applicant's
	// lines.
	FilesRemoved int      `json:"files_removed"`
	Scrubbed     []string `json:"scrubbed,omitempty"`
}

// SubjectErase removes everything sestd holds about the applicant id: its
// rows (store.SubjectErase, leaving a tombstone), its document files, and
// its lines in the files sestd wrote for the university (export.dir) and
// the import files it keeps (import.inbox_dir). It records the erasure in
// the audit log as actor's (id, time, counts), which is all that remains.
// dryRun reports what would go and changes nothing.
func SubjectErase(ctx context.Context, d Deps, id, actor string, dryRun bool) (SubjectEraseSummary, error) {
	res, err := d.Store.SubjectErase(ctx, []string{id}, store.EraseOptions{Reason: store.TombstoneErase, IncludeSBEAT: true, IncludeJobs: true, DryRun: dryRun})
	if err != nil {
		return SubjectEraseSummary{}, err
	}
	sum := SubjectEraseSummary{EraseResult: res}
	if dryRun {
		return sum, nil
	}
	n, ferr := removeDocuments(d.Config.Sync.DocumentRoot, res.Files)
	sum.FilesRemoved = n
	for _, dir := range []string{d.Config.Export.Dir, d.Config.Import.InboxDir} {
		scrubbed, err := scrubFiles(dir, id)
		sum.Scrubbed = append(sum.Scrubbed, scrubbed...)
		ferr = errors.Join(ferr, err)
	}
	detail := map[string]any{"rows": res.Total(), "files_removed": sum.FilesRemoved, "files_scrubbed": len(sum.Scrubbed)}
	if err := d.Store.AuditInsert(ctx, actor, AuditSubjectErase, id, detail); err != nil {
		return sum, errors.Join(err, ferr)
	}
	return sum, ferr
}

// removeDocuments deletes files (relative to root); files already gone
// are fine. It returns how many it deleted.
func removeDocuments(root string, files []string) (int, error) {
	var errs []error
	n := 0
	for _, f := range files {
		if !filepath.IsLocal(f) {
			errs = append(errs, fmt.Errorf("document path %q leaves the document root: not removed", f))
			continue
		}
		err := os.Remove(filepath.Join(root, f))
		switch {
		case err == nil:
			n++
		case errors.Is(err, fs.ErrNotExist):
		default:
			errs = append(errs, fmt.Errorf("removing document: %w", err))
		}
	}
	if n > 0 {
		if err := fsutil.SyncDir(root); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// scrubFiles rewrites every regular file below dir that contains id
// without the lines that contain it (CSV exports and import files are
// line-based), atomically and 0600, and returns the paths it rewrote. A
// missing dir is fine.
func scrubFiles(dir, id string) ([]string, error) {
	if dir == "" || id == "" {
		return nil, nil
	}
	needle := []byte(id)
	var out []string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".tmp-") {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Contains(raw, needle) {
			return nil
		}
		var kept bytes.Buffer
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 0, 64<<10), len(raw)+1)
		sc.Split(scanLinesKeepEnd)
		for sc.Scan() {
			if !bytes.Contains(sc.Bytes(), needle) {
				kept.Write(sc.Bytes())
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		if err := writePrivate(path, kept.Bytes()); err != nil {
			return err
		}
		out = append(out, path)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("scrubbing files below %s: %w", dir, err)
	}
	return out, nil
}

// scanLinesKeepEnd splits after each '\n', keeping it (and a '\r').
func scanLinesKeepEnd(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
