// Package csvx reads and writes the CSV files of sestd's imports as S-BEAT
// specifies them: ';' between fields (when the header line has no ';': a
// tab if it has one, as in Excel's "Unicode text", else ',', for
// Kofa-style files), '"' quoting, CRLF, LF or lone CR
// (classic Mac) line ends, names in the first line. It streams: memory does not grow with the file.
package csvx

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MaxFieldBytes bounds one field and MaxFields the fields of one record; a
// record beyond either is an error for that record's line.
const (
	MaxFieldBytes = 1 << 20
	MaxFields     = 1024
)

// Reader reads records after the header line. Not safe for concurrent use.
type Reader struct {
	r      *csv.Reader
	header []string
	comma  rune
}

// Record is one data record: the file line where it starts and its fields.
// Err is set, and Fields may be nil, when the line could not be parsed;
// reading goes on with the next record. Fields is reused by the next Read:
// copy it to keep it (the strings themselves stay valid).
type Record struct {
	Line   int64
	Fields []string
	Err    error
}

// ErrNoHeader is returned for a file without a header line.
var ErrNoHeader = errors.New("no header line")

// NewReader reads the header line of r (already decoded to UTF-8) and
// picks the separator from it.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(&lineEnds{r: r}, 64<<10)
	first, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	headLine := string(first)
	if i := strings.IndexAny(headLine, "\r\n"); i >= 0 {
		headLine = headLine[:i]
	}
	comma := separator(headLine)
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true // Record.Fields is valid until the next Read
	hdr, err := cr.Read()
	hdr = slices.Clone(hdr)
	if errors.Is(err, io.EOF) {
		return nil, ErrNoHeader
	}
	if err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	for i, h := range hdr {
		hdr[i] = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
	}
	if len(hdr) > MaxFields {
		return nil, fmt.Errorf("header has %d fields, at most %d allowed", len(hdr), MaxFields)
	}
	return &Reader{r: cr, header: hdr, comma: comma}, nil
}

// separator picks the separator from the header line: ';' (S-BEAT's),
// else a tab when the line has one (Excel's "Unicode text" export is tab
// separated; a header name may hold a comma, "Name, Vorname"), else ','
// when the line has one (Kofa), else ';'.
func separator(headLine string) rune {
	switch {
	case strings.ContainsRune(headLine, ';'):
		return ';'
	case strings.ContainsRune(headLine, '\t'):
		return '\t'
	case strings.ContainsRune(headLine, ','):
		return ','
	}
	return ';'
}

// lineEnds turns every line end (CRLF, LF, a lone CR) into LF:
// encoding/csv takes a lone CR for part of a field, so that a classic Mac
// file would read as one header line and no rows.
type lineEnds struct {
	r       io.Reader
	afterCR bool
}

func (l *lineEnds) Read(p []byte) (int, error) {
	for {
		n, err := l.r.Read(p)
		out := 0
		for _, b := range p[:n] {
			switch {
			case b == '\r':
				p[out] = '\n'
				out++
				l.afterCR = true
				continue
			case b == '\n' && l.afterCR:
				// the LF of a CRLF: already written
			default:
				p[out] = b
				out++
			}
			l.afterCR = false
		}
		if out > 0 || err != nil || n == 0 {
			return out, err
		}
	}
}

// Header returns the names of the header line, trimmed, in file order.
func (r *Reader) Header() []string { return r.header }

// Comma returns the separator in use.
func (r *Reader) Comma() rune { return r.comma }

// Read returns the next record, or io.EOF at the end. A record that cannot
// be parsed comes back with Err set (a *csv.ParseError naming its line);
// other errors (reading or decoding the file) end the reading.
func (r *Reader) Read() (Record, error) {
	fields, err := r.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Record{Line: int64(pe.StartLine), Err: fmt.Errorf("line %d: %w", pe.StartLine, pe.Err)}, nil
		}
		return Record{}, err
	}
	line, _ := r.r.FieldPos(0)
	if len(fields) > MaxFields {
		return Record{Line: int64(line), Err: fmt.Errorf("%d fields, at most %d allowed", len(fields), MaxFields)}, nil
	}
	for _, f := range fields {
		if len(f) > MaxFieldBytes {
			return Record{Line: int64(line), Err: fmt.Errorf("a field longer than %d bytes", MaxFieldBytes)}, nil
		}
	}
	return Record{Line: int64(line), Fields: fields}, nil
}

// Writer writes records with a separator, quoting where needed, and CRLF
// line ends (S-BEAT's form).
type Writer struct{ w *csv.Writer }

// NewWriter returns a writer on w (which encodes, if needed).
func NewWriter(w io.Writer, comma rune) *Writer {
	cw := csv.NewWriter(w)
	cw.Comma = comma
	cw.UseCRLF = true
	return &Writer{w: cw}
}

// Write writes one record.
func (w *Writer) Write(fields []string) error { return w.w.Write(fields) }

// Flush writes buffered data and returns any error so far.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}
