package batch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"sestd/internal/importers/charset"
	"sestd/internal/importers/csvx"
)

// CSVSource reads records from a decoded CSV stream.
type CSVSource struct {
	r *csvx.Reader
}

// NewCSVSource reads the header of r (UTF-8).
func NewCSVSource(r io.Reader) (*CSVSource, error) {
	cr, err := csvx.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	return &CSVSource{r: cr}, nil
}

// Next implements Source.
func (s *CSVSource) Next() (Record, error) {
	rec, err := s.r.Read()
	if err != nil {
		return Record{}, err
	}
	return Record{Line: rec.Line, Names: s.r.Header(), Values: rec.Fields, Err: rec.Err}, nil
}

// FixedNames implements Source: all records share the header.
func (s *CSVSource) FixedNames() bool { return true }

// Header returns the file's column names.
func (s *CSVSource) Header() []string { return s.r.Header() }

// Comma returns the file's separator.
func (s *CSVSource) Comma() rune { return s.r.Comma() }

// CreatePrivate creates (truncates) the file path readable by its owner
// only (0600), whatever the umask; a missing directory is created 0700.
func CreatePrivate(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// RejectsFile is the file a Rejecter writes: created owner-only as
// Path+".part" when the first record is rejected, written through an
// encoder into the source's encoding, and renamed to Path by Finish (or
// removed by Abort), so that a half-written rejects file is never taken
// for a whole one.
type RejectsFile struct {
	Path string
	f    *os.File
	w    io.Writer // the encoder over f
}

// Open creates the file and returns the writer that encodes into it; once
// open it returns that writer again.
func (p *RejectsFile) Open(encoding string, bom bool) (io.Writer, error) {
	if p.f != nil {
		return p.w, nil
	}
	f, err := CreatePrivate(p.Path + ".part")
	if err != nil {
		return nil, fmt.Errorf("creating rejects file: %w", err)
	}
	w, err := charset.NewWriter(f, encoding, bom)
	if err != nil {
		_ = f.Close()
		_ = os.Remove(p.Path + ".part")
		return nil, fmt.Errorf("creating rejects file: %w", err)
	}
	p.f, p.w = f, w
	return w, nil
}

// Opened reports whether anything was rejected.
func (p *RejectsFile) Opened() bool { return p.f != nil }

// Finish completes an opened file: err is the caller's own last write
// error, if any. It flushes the encoder, closes and renames the file and
// returns its path; on any error the partial file is removed.
func (p *RejectsFile) Finish(err error) (string, error) {
	if c, ok := p.w.(io.Closer); ok && err == nil {
		err = c.Close() // the encoder's last bytes
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(p.Path+".part", p.Path)
	}
	if err != nil {
		_ = os.Remove(p.Path + ".part")
		return "", fmt.Errorf("writing rejects file: %w", err)
	}
	return p.Path, nil
}

// Abort removes a partial file.
func (p *RejectsFile) Abort() {
	if p.f != nil {
		_ = p.f.Close()
		_ = os.Remove(p.Path + ".part")
	}
}

// CSVRejects writes rejected records as CSV: the file's columns (without
// earlier line and error columns, so that a fixed rejects file can be
// imported again and rejected again) plus line and error, in the file's
// encoding and separator. The file appears at its path only when Close is
// called and something was rejected; it is created 0600.
type CSVRejects struct {
	file     RejectsFile
	encoding string
	bom      bool
	comma    rune
	names    []string
	keep     []int
	w        *csvx.Writer
}

// NewCSVRejects prepares a rejects file at path for a file with the given
// column names.
func NewCSVRejects(path, encoding string, bom bool, comma rune, names []string) *CSVRejects {
	r := &CSVRejects{file: RejectsFile{Path: path}, encoding: encoding, bom: bom, comma: comma}
	for i, n := range names {
		if strings.EqualFold(n, "line") || strings.EqualFold(n, "error") {
			continue
		}
		r.keep = append(r.keep, i)
		r.names = append(r.names, n)
	}
	return r
}

// Reject implements Rejecter.
func (r *CSVRejects) Reject(rec Record, reason string) error {
	if r.w == nil {
		enc, err := r.file.Open(r.encoding, r.bom)
		if err != nil {
			return err
		}
		r.w = csvx.NewWriter(enc, r.comma)
		if err := r.w.Write(append(append([]string{}, r.names...), "line", "error")); err != nil {
			return err
		}
	}
	row := make([]string, 0, len(r.keep)+2)
	for _, i := range r.keep {
		if i < len(rec.Values) {
			row = append(row, rec.Values[i])
		} else {
			row = append(row, "")
		}
	}
	row = append(row, strconv.FormatInt(rec.Line, 10), reason)
	return r.w.Write(row)
}

// Close implements Rejecter.
func (r *CSVRejects) Close() (string, error) {
	if !r.file.Opened() {
		return "", nil
	}
	return r.file.Finish(r.w.Flush())
}

// Abort implements Rejecter: the partial rejects file is removed.
func (r *CSVRejects) Abort() { r.file.Abort() }
