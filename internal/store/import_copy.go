package store

import (
	"bytes"
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
// columns' PostgreSQL types (date vs timestamptz decide time.Time's form);
// row(i, buf) fills buf with the values of row i and reports false to
// skip it. It returns the rows copied.
func copyText(ctx context.Context, tx pgx.Tx, table string, names, types []string, n int, row func(i int, buf []any) bool) (int64, error) {
	r := &copyReader{n: n, row: row, names: names, types: types, buf: make([]any, len(names))}
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

// copyReader encodes rows as COPY text while it is read, a few hundred at
// a time: pgconn sends what it read while the next rows are encoded, and
// the encoding overlaps the server's work.
type copyReader struct {
	n, i         int
	row          func(i int, buf []any) bool
	names, types []string
	buf          []any
	b            bytes.Buffer
	err          error
}

func (r *copyReader) Read(p []byte) (int, error) {
	for r.b.Len() == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.i >= r.n {
			return 0, io.EOF
		}
		for k := 0; k < 256 && r.i < r.n && r.err == nil; k++ {
			r.encode()
		}
	}
	return r.b.Read(p)
}

func (r *copyReader) encode() {
	clear(r.buf)
	i := r.i
	r.i++
	if !r.row(i, r.buf) {
		return
	}
	for j, v := range r.buf {
		if j > 0 {
			r.b.WriteByte('\t')
		}
		if err := appendCopyValue(&r.b, v, r.types[j]); err != nil {
			r.err = fmt.Errorf("column %s: %w", r.names[j], err)
			return
		}
	}
	r.b.WriteByte('\n')
}

func appendCopyValue(b *bytes.Buffer, v any, typ string) error {
	switch x := v.(type) {
	case nil:
		b.WriteString(`\N`)
	case string:
		if strings.IndexAny(x, "\\\t\n\r\x00") < 0 {
			b.WriteString(x) // the common case: nothing to escape
			break
		}
		for i := 0; i < len(x); i++ {
			switch c := x[i]; c {
			case '\\':
				b.WriteString(`\\`)
			case '\t':
				b.WriteString(`\t`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case 0:
				return fmt.Errorf("a NUL character cannot be stored")
			default:
				b.WriteByte(c)
			}
		}
	case int64:
		b.Write(strconv.AppendInt(b.AvailableBuffer(), x, 10))
	case int:
		b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(x), 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%v is not a number to store", x)
		}
		b.Write(strconv.AppendFloat(b.AvailableBuffer(), x, 'f', -1, 64))
	case bool:
		if x {
			b.WriteByte('t')
		} else {
			b.WriteByte('f')
		}
	case time.Time:
		if typ == "date" {
			b.Write(x.AppendFormat(b.AvailableBuffer(), "2006-01-02"))
		} else {
			b.Write(x.AppendFormat(b.AvailableBuffer(), time.RFC3339Nano))
		}
	default:
		return fmt.Errorf("cannot store a %T", v)
	}
	return nil
}
