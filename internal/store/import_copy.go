package store

import (
	"bytes"
	"context"
	"fmt"
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
	var b bytes.Buffer
	b.Grow(n * 128)
	buf := make([]any, len(names))
	for i := range n {
		clear(buf)
		if !row(i, buf) {
			continue
		}
		for j, v := range buf {
			if j > 0 {
				b.WriteByte('\t')
			}
			if err := appendCopyValue(&b, v, types[j]); err != nil {
				return 0, fmt.Errorf("column %s: %w", names[j], err)
			}
		}
		b.WriteByte('\n')
	}
	sql := fmt.Sprintf("COPY %s (%s) FROM STDIN", pgx.Identifier{table}.Sanitize(), strings.Join(names, ", "))
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, &b, sql)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func appendCopyValue(b *bytes.Buffer, v any, typ string) error {
	switch x := v.(type) {
	case nil:
		b.WriteString(`\N`)
	case string:
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
