package batch

import (
	"fmt"
	"strings"
	"time"

	"sestd/internal/store"
)

// Mode is Kofa's import mode (create, update, remove; upsert creates or
// updates).
type Mode = store.ImportMode

// IgnoreMarker in a field leaves the stored value unchanged in update
// mode, as in Kofa. In create mode it counts as an absent field.
const IgnoreMarker = "<IGNORE>"

// Field is one importable field of a kind, in Kofa's terms: Location
// fields find an existing record and are required in every mode; Required
// fields must be present and non-empty when creating. Names are matched
// case-insensitively against the file's column (or attribute) names,
// Aliases too (MTKNR for MATRIKELNR, deprecated columns).
type Field struct {
	Name     string
	Aliases  []string
	Location bool
	Required bool
	// Doc is shown in `sestd import --help`.
	Doc string
}

type state int

const (
	absent state = iota
	ignored
	empty
	present
)

// Conv is the conversion of one record, handed to a Spec's Convert. Its
// helpers read fields by index in Spec.Fields, apply the mode's rules
// (absent, empty, <IGNORE>, required) and the conversion, and record the
// first failure: after Fail the row is rejected with that reason.
type Conv struct {
	Mode Mode
	Rec  *Record
	// Loc is the time zone for points in time without one.
	Loc  *time.Location
	spec *Spec
	idx  []int
	err  string
	skip string
	slab *slab
}

// slab hands out values and rows in chunks: one allocation for many rows
// instead of two per row. Chunks are garbage once their batch is written.
type slab struct {
	vals []any
	rows []Values
}

func (s *slab) values(n int) []any {
	if len(s.vals) < n {
		s.vals = make([]any, max(n, 1<<14))
	}
	v := s.vals[:n:n]
	s.vals = s.vals[n:]
	return v
}

func (s *slab) row() *Values {
	if len(s.rows) == 0 {
		s.rows = make([]Values, 1<<10)
	}
	v := &s.rows[0]
	s.rows = s.rows[1:]
	return v
}

// Values is a row for one target under construction.
type Values struct {
	Target *store.ImportTarget
	Row    store.ImportRow
}

// Row starts a row for target t on the current record; Convert returns
// the rows it made as Outs. In update and upsert mode every column starts
// out kept (unchanged): only what Set or Put stores is written.
func (c *Conv) Row(t *store.ImportTarget) *Values {
	var v *Values
	if c.slab != nil {
		v = c.slab.row()
		*v = Values{Target: t, Row: store.ImportRow{Line: c.Rec.seq, Values: c.slab.values(len(t.Columns))}}
	} else {
		v = &Values{Target: t, Row: store.ImportRow{Line: c.Rec.seq, Values: make([]any, len(t.Columns))}}
	}
	if c.Mode == store.ModeUpdate || c.Mode == store.ModeUpsert {
		v.Row.Ignore = 1<<uint(len(t.Columns)) - 1
	}
	return v
}

// Set stores a value for column col (and undoes Keep).
func (v *Values) Set(col int, val any) {
	v.Row.Values[col] = val
	v.Row.Ignore &^= 1 << uint(col)
}

// Keep marks column col unchanged on update.
func (v *Values) Keep(col int) { v.Row.Ignore |= 1 << uint(col) }

// Failed reports whether the row is rejected already.
func (c *Conv) Failed() bool { return c.err != "" }

// Fail rejects the row with a reason (the first one given wins).
func (c *Conv) Fail(format string, args ...any) {
	if c.err == "" {
		c.err = fmt.Sprintf(format, args...)
	}
}

// Skip leaves the row out on purpose (counted as skipped, not rejected).
func (c *Conv) Skip(reason string) {
	if c.skip == "" {
		c.skip = reason
	}
}

func (c *Conv) name(f int) string { return c.spec.Fields[f].Name }

func (c *Conv) get(f int) (string, state) {
	i := c.idx[f]
	if i < 0 || i >= len(c.Rec.Values) {
		return "", absent
	}
	s := strings.TrimSpace(c.Rec.Values[i])
	switch s {
	case IgnoreMarker:
		return "", ignored
	case "":
		return "", empty
	}
	return s, present
}

// Has reports whether field f is in the file (column or attribute).
func (c *Conv) Has(f int) bool {
	i := c.idx[f]
	return i >= 0 && i < len(c.Rec.Values)
}

// Ignored reports whether field f holds the <IGNORE> marker.
func (c *Conv) Ignored(f int) bool {
	_, st := c.get(f)
	return st == ignored
}

// Str returns the trimmed value of field f and whether it is given
// (present, not empty, not <IGNORE>).
func (c *Conv) Str(f int) (string, bool) {
	s, st := c.get(f)
	return s, st == present
}

func (c *Conv) required(f int) bool {
	fd := c.spec.Fields[f]
	if fd.Location {
		return true
	}
	return fd.Required && c.Mode != store.ModeUpdate
}

// Put converts field f with conv and stores it in column col of v,
// following Kofa's rules: an absent or <IGNORE> field leaves the column
// unchanged on update (and NULL on create); an empty one is NULL; a
// required field absent or empty rejects the row, as does a failed
// conversion. It returns the converted value (nil when none).
func (c *Conv) Put(v *Values, col, f int, conv func(string) (any, error)) any {
	s, st := c.get(f)
	switch st {
	case absent, ignored:
		if c.required(f) {
			c.Fail("%s is required", c.name(f))
			return nil
		}
		v.Keep(col)
		return nil
	case empty:
		if c.required(f) || (c.spec.Fields[f].Required && c.Mode == store.ModeUpdate) {
			c.Fail("%s is required", c.name(f))
		}
		v.Set(col, nil)
		return nil
	}
	if strings.IndexByte(s, 0) >= 0 {
		c.Fail("%s contains a NUL character", c.name(f))
		return nil
	}
	val, err := conv(s)
	if err != nil {
		c.Fail("%s: %v", c.name(f), err)
		return nil
	}
	v.Set(col, val)
	return val
}

// The conversions for Put.

// Text keeps the value as it is.
func Text(s string) (any, error) { return s, nil }

// Upper upper-cases the value.
func Upper(s string) (any, error) { return strings.ToUpper(s), nil }

// Date converts with ParseDate.
func Date(s string) (any, error) {
	t, err := ParseDate(s)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Int converts with ParseInt.
func Int(s string) (any, error) {
	n, err := ParseInt(s)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Semester converts with ParseSemester.
func Semester(s string) (any, error) {
	n, err := ParseSemester(s)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Grade100 converts with ParseGrade100.
func Grade100(s string) (any, error) {
	n, err := ParseGrade100(s)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Bool converts with ParseBool.
func Bool(s string) (any, error) {
	b, err := ParseBool(s)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Decimal converts with ParseDecimal.
func Decimal(s string) (any, error) {
	f, err := ParseDecimal(s)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// OneOf accepts only the listed values (compared case-insensitively and
// stored as listed).
func OneOf(allowed ...string) func(string) (any, error) {
	return func(s string) (any, error) {
		for _, a := range allowed {
			if strings.EqualFold(a, s) {
				return a, nil
			}
		}
		return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(allowed, ", "))
	}
}
