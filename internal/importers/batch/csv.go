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
		return nil, fmt.Errorf("%w: %v", ErrPermanent, err)
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

// CSVRejects writes rejected records as CSV: the file's columns (without
// earlier line and error columns, so that a fixed rejects file can be
// imported again and rejected again) plus line and error, in the file's
// encoding and separator. The file appears at Path only when Close is
// called and something was rejected; it is created 0600.
type CSVRejects struct {
	path     string
	encoding string
	bom      bool
	comma    rune
	names    []string
	keep     []int
	f        *os.File
	enc      io.Writer
	w        *csvx.Writer
}

// NewCSVRejects prepares a rejects file at path for a file with the given
// column names.
func NewCSVRejects(path, encoding string, bom bool, comma rune, names []string) *CSVRejects {
	r := &CSVRejects{path: path, encoding: encoding, bom: bom, comma: comma}
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
		f, err := CreatePrivate(r.path + ".part")
		if err != nil {
			return fmt.Errorf("creating rejects file: %w", err)
		}
		enc, err := charset.NewWriter(f, r.encoding, r.bom)
		if err != nil {
			_ = f.Close()
			return fmt.Errorf("creating rejects file: %w", err)
		}
		r.f = f
		r.enc = enc
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
	if r.w == nil {
		return "", nil
	}
	err := r.w.Flush()
	if c, ok := r.enc.(io.Closer); ok && err == nil {
		err = c.Close() // the encoder's last bytes
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(r.path+".part", r.path)
	}
	if err != nil {
		_ = os.Remove(r.path + ".part")
		return "", fmt.Errorf("writing rejects file: %w", err)
	}
	return r.path, nil
}

// Abort implements Rejecter: the partial rejects file is removed.
func (r *CSVRejects) Abort() {
	if r.f != nil {
		_ = r.f.Close()
		_ = os.Remove(r.path + ".part")
	}
}
