package store

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// copyText writes rows to table (columns names) with COPY … FROM STDIN in
// text format, encoding the values itself: cheaper per value than pgx's
// generic encoders, which matters at a million rows. types are the
// columns' PostgreSQL types (date vs timestamptz decide a time's form);
// row(i, buf) fills buf with the values of row i and reports false to
// skip it. It returns the rows copied.
func copyText(ctx context.Context, tx pgx.Tx, table string, names, types []string, n int, row func(i int, buf []Value) bool) (int64, error) {
	r := &copyReader{n: n, row: row, names: names, buf: make([]Value, len(names)), date: make([]bool, len(types))}
	for i, t := range types {
		r.date[i] = t == "date"
	}
	sql := fmt.Sprintf("COPY %s (%s) FROM STDIN", pgx.Identifier{table}.Sanitize(), strings.Join(names, ", "))
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, r, sql)
	if r.err != nil {
		return 0, r.err
	}
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// copyReader encodes rows as COPY text while it is read, as many as fit
// the reader's buffer: pgconn sends what it read while the next rows are
// encoded, and the encoding overlaps the server's work.
type copyReader struct {
	n, i  int
	row   func(i int, buf []Value) bool
	names []string
	date  []bool // column j is a date
	buf   []Value
	b     []byte // encoded rows not yet read
	off   int
	err   error
}

func (r *copyReader) Read(p []byte) (int, error) {
	for r.off == len(r.b) {
		if r.err != nil {
			return 0, r.err
		}
		if r.i >= r.n {
			return 0, io.EOF
		}
		r.b, r.off = r.b[:0], 0
		for len(r.b) < len(p) && r.i < r.n && r.err == nil {
			r.encode()
		}
	}
	k := copy(p, r.b[r.off:])
	r.off += k
	return k, nil
}

func (r *copyReader) encode() {
	clear(r.buf)
	i := r.i
	r.i++
	if !r.row(i, r.buf) {
		return
	}
	b := r.b
	for j := range r.buf {
		if j > 0 {
			b = append(b, '\t')
		}
		var err error
		if b, err = appendCopyValue(b, &r.buf[j], r.date[j]); err != nil {
			r.err = fmt.Errorf("column %s: %w", r.names[j], err)
			return
		}
	}
	r.b = append(b, '\n')
}

// appendCopyValue appends v in COPY's text form (date: v is written as a
// calendar day).
func appendCopyValue(b []byte, v *Value, date bool) ([]byte, error) {
	switch v.kind {
	case KindNull:
		return append(b, `\N`...), nil
	case KindText:
		return appendCopyText(b, v.s)
	case KindInt:
		return strconv.AppendInt(b, v.n, 10), nil
	case KindFloat:
		f, _ := v.AsFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return b, fmt.Errorf("%v is not a number to store", f)
		}
		return strconv.AppendFloat(b, f, 'f', -1, 64), nil
	case KindBool:
		if v.n != 0 {
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	case KindTime:
		if date {
			return v.day().AppendFormat(b, time.DateOnly), nil
		}
		return time.UnixMicro(v.n).UTC().AppendFormat(b, time.RFC3339Nano), nil
	}
	return b, fmt.Errorf("a value of an unsupported Go type cannot be stored")
}

// appendCopyText appends s with COPY's escapes for backslash, tab, line
// ends; NUL cannot be stored at all.
func appendCopyText(b []byte, s string) ([]byte, error) {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > '\\' || (c != '\\' && c >= ' ') {
			continue
		}
		var esc string
		switch c {
		case '\\':
			esc = `\\`
		case '\t':
			esc = `\t`
		case '\n':
			esc = `\n`
		case '\r':
			esc = `\r`
		case 0:
			return b, fmt.Errorf("a NUL character cannot be stored")
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	return append(b, s[start:]...), nil
}
