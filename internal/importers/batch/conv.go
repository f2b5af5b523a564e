package batch

import (
	"fmt"
	"strings"
	"time"

	"sestd/internal/store/bulk"
)

// Mode is Kofa's import mode (create, update, remove; upsert creates or
// updates).
type Mode = bulk.Mode

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
// helpers read fields by FieldRef and write columns by ColRef (both
// resolved by name, see Names), apply the mode's rules (absent, empty,
// <IGNORE>, required) and the conversion, and record the first failure:
// after Fail the row is rejected with that reason.
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

// arena hands out slices of T from chunks it keeps. reset frees them all
// at once, so that batch after batch reuses the same memory instead of
// allocating per row: what keeps a million-row import's garbage collector
// idle. A slice taken stays valid until the next reset.
type arena[T any] struct {
	chunks [][]T
	ci     int // chunk being filled
	off    int // next free element in it
}

const arenaChunk = 1 << 14

func (a *arena[T]) take(n int) []T {
	for {
		if a.ci < len(a.chunks) {
			c := a.chunks[a.ci]
			if a.off+n <= len(c) {
				s := c[a.off : a.off+n : a.off+n]
				a.off += n
				return s
			}
			if a.off > 0 || len(c) == 0 {
				a.ci++
				a.off = 0
				continue
			}
			// n exceeds an empty chunk: replace it by a bigger one.
			a.chunks[a.ci] = make([]T, n)
			continue
		}
		a.chunks = append(a.chunks, make([]T, max(n, arenaChunk)))
	}
}

// reset zeroes what was handed out (dropping its references) and makes it
// free again.
func (a *arena[T]) reset() {
	for i := 0; i <= a.ci && i < len(a.chunks); i++ {
		clear(a.chunks[i])
	}
	a.ci, a.off = 0, 0
}

// slab is a batch's memory for rows: their values, their Values headers
// and the fields of the records they came from.
type slab struct {
	vals   arena[bulk.Value]
	rows   arena[Values]
	fields arena[string]
}

func (s *slab) reset() {
	s.vals.reset()
	s.rows.reset()
	s.fields.reset()
}

// Values is a row for one target under construction.
type Values struct {
	Target *bulk.Target
	Row    bulk.Row
}

// Row starts a row for target t on the current record; Convert returns
// the rows it made as Outs. In update and upsert mode every column starts
// out kept (unchanged): only what Set or Put stores is written.
func (c *Conv) Row(t *bulk.Target) *Values {
	var v *Values
	if c.slab != nil {
		v = &c.slab.rows.take(1)[0]
		*v = Values{Target: t, Row: bulk.Row{Line: c.Rec.seq, SrcLine: c.Rec.Line, Values: c.slab.vals.take(len(t.Columns))}}
	} else {
		v = &Values{Target: t, Row: bulk.Row{Line: c.Rec.seq, SrcLine: c.Rec.Line, Values: make([]bulk.Value, len(t.Columns))}}
	}
	if c.Mode == bulk.ModeUpdate || c.Mode == bulk.ModeUpsert {
		v.Row.Ignore = 1<<uint(len(t.Columns)) - 1
	}
	return v
}

// Set stores a value for column col (and undoes Keep): nil or of the Go
// type the column takes (see bulk.Column), or a bulk.Value.
func (v *Values) Set(col ColRef, val any) { v.SetValue(col, bulk.ValueOf(val)) }

// SetValue stores a value for column col (and undoes Keep).
func (v *Values) SetValue(col ColRef, val bulk.Value) {
	v.Row.Values[col] = val
	v.Row.Ignore &^= 1 << uint(col)
}

// Get returns the value set for column col.
func (v *Values) Get(col ColRef) bulk.Value { return v.Row.Values[col] }

// Keep marks column col unchanged on update.
func (v *Values) Keep(col ColRef) { v.Row.Ignore |= 1 << uint(col) }

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

func (c *Conv) name(f FieldRef) string { return c.spec.Fields[f].Name }

func (c *Conv) get(f FieldRef) (string, state) {
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
func (c *Conv) Has(f FieldRef) bool {
	i := c.idx[f]
	return i >= 0 && i < len(c.Rec.Values)
}

// Ignored reports whether field f holds the <IGNORE> marker.
func (c *Conv) Ignored(f FieldRef) bool {
	_, st := c.get(f)
	return st == ignored
}

// Str returns the trimmed value of field f and whether it is given
// (present, not empty, not <IGNORE>).
func (c *Conv) Str(f FieldRef) (string, bool) {
	s, st := c.get(f)
	return s, st == present
}

func (c *Conv) required(f FieldRef) bool {
	fd := c.spec.Fields[f]
	if fd.Location {
		return true
	}
	return fd.Required && c.Mode != bulk.ModeUpdate
}

// Put converts field f with conv and stores it in column col of v,
// following Kofa's rules: an absent or <IGNORE> field leaves the column
// unchanged on update (and NULL on create); an empty one is NULL; a
// required field absent or empty rejects the row, as does a failed
// conversion. It returns the converted value (NULL when none).
func (c *Conv) Put(v *Values, col ColRef, f FieldRef, conv Converter) bulk.Value {
	s, st := c.get(f)
	switch st {
	case absent, ignored:
		if c.required(f) {
			c.Fail("%s is required", c.name(f))
			return bulk.Value{}
		}
		v.Keep(col)
		return bulk.Value{}
	case empty:
		if c.required(f) || (c.spec.Fields[f].Required && c.Mode == bulk.ModeUpdate) {
			c.Fail("%s is required", c.name(f))
		}
		v.SetValue(col, bulk.Value{})
		return bulk.Value{}
	}
	if strings.IndexByte(s, 0) >= 0 {
		c.Fail("%s contains a NUL character", c.name(f))
		return bulk.Value{}
	}
	val, err := conv(s)
	if err != nil {
		c.Fail("%s: %v", c.name(f), err)
		return bulk.Value{}
	}
	v.SetValue(col, val)
	return val
}

// Converter converts a field's text for Put.
type Converter func(string) (bulk.Value, error)

// The conversions for Put.

// Text keeps the value as it is.
func Text(s string) (bulk.Value, error) { return bulk.Text(s), nil }

// Upper upper-cases the value.
func Upper(s string) (bulk.Value, error) { return bulk.Text(strings.ToUpper(s)), nil }

// Date converts with ParseDate.
func Date(s string) (bulk.Value, error) {
	t, err := ParseDate(s)
	if err != nil {
		return bulk.Value{}, err
	}
	return bulk.Time(t), nil
}

// Int converts with ParseInt.
func Int(s string) (bulk.Value, error) {
	n, err := ParseInt(s)
	if err != nil {
		return bulk.Value{}, err
	}
	return bulk.Int(n), nil
}

// Semester converts with ParseSemester.
func Semester(s string) (bulk.Value, error) {
	n, err := ParseSemester(s)
	if err != nil {
		return bulk.Value{}, err
	}
	return bulk.Int(n), nil
}

// Grade100 converts with ParseGrade100.
func Grade100(s string) (bulk.Value, error) {
	n, err := ParseGrade100(s)
	if err != nil {
		return bulk.Value{}, err
	}
	return bulk.Int(n), nil
}

// Bool converts with ParseBool.
func Bool(s string) (bulk.Value, error) {
	b, err := ParseBool(s)
	if err != nil {
		return bulk.Value{}, err
	}
	return bulk.Bool(b), nil
}

// Decimal converts with ParseDecimal.
func Decimal(s string) (bulk.Value, error) {
	f, err := ParseDecimal(s)
	if err != nil {
		return bulk.Value{}, err
	}
	return bulk.Float(f), nil
}

// OneOf accepts only the listed values (compared case-insensitively and
// stored as listed).
func OneOf(allowed ...string) Converter {
	return func(s string) (bulk.Value, error) {
		for _, a := range allowed {
			if strings.EqualFold(a, s) {
				return bulk.Text(a), nil
			}
		}
		return bulk.Value{}, fmt.Errorf("%q is not one of %s", s, strings.Join(allowed, ", "))
	}
}
