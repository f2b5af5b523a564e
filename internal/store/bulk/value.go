package bulk

import (
	"hash/maphash"
	"math"
	"time"
)

// ValueKind is the Go type an import Value holds.
type ValueKind uint8

// The kinds of Value. The zero Value is Null.
const (
	KindNull ValueKind = iota
	KindText
	KindInt
	KindFloat
	KindBool
	KindTime
	// kindInvalid is what ValueOf makes of a Go type it does not know;
	// writing it fails with an error naming the column.
	kindInvalid
)

// Value is one column value of an imported row. It is a small struct
// rather than an interface so that a million rows of twenty columns cost
// no allocation per value: the importers hand out Values from slabs they
// reuse batch after batch. A time keeps its instant (microseconds, the
// resolution of timestamptz) and its zone offset, so that a date column
// gets the calendar day it was given in.
type Value struct {
	s    string
	n    int64 // int; bool 0/1; float64 bits; time: Unix microseconds
	off  int32 // time: zone offset in seconds east of UTC
	kind ValueKind
}

// Null is the SQL NULL.
func Null() Value { return Value{} }

// Text is a text value.
func Text(s string) Value { return Value{s: s, kind: KindText} }

// Int is an integer value (integer, bigint columns).
func Int(n int64) Value { return Value{n: n, kind: KindInt} }

// Float is a numeric value.
func Float(f float64) Value { return Value{n: int64(math.Float64bits(f)), kind: KindFloat} }

// Bool is a boolean value.
func Bool(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.n = 1
	}
	return v
}

// Time is a point in time (timestamptz) or, for a date column, the
// calendar day of t in t's own zone.
func Time(t time.Time) Value {
	_, off := t.Zone()
	return Value{n: t.UnixMicro(), off: int32(off), kind: KindTime}
}

// ValueOf converts a Go value of the types Column names (string,
// int64, int, float64, bool, time.Time; nil for NULL). Another type makes
// a Value that cannot be written: the write fails naming the column.
func ValueOf(x any) Value {
	switch x := x.(type) {
	case nil:
		return Value{}
	case Value:
		return x
	case string:
		return Text(x)
	case int64:
		return Int(x)
	case int:
		return Int(int64(x))
	case int32:
		return Int(int64(x))
	case float64:
		return Float(x)
	case bool:
		return Bool(x)
	case time.Time:
		return Time(x)
	}
	return Value{kind: kindInvalid}
}

// String names the kind.
func (k ValueKind) String() string {
	switch k {
	case KindNull:
		return "NULL"
	case KindText:
		return "text"
	case KindInt:
		return "integer"
	case KindFloat:
		return "number"
	case KindBool:
		return "boolean"
	case KindTime:
		return "time"
	}
	return "unsupported Go"
}

// Kind returns the kind of value v holds.
func (v Value) Kind() ValueKind { return v.kind }

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.kind == KindNull }

// AsText returns v's text and whether v is text.
func (v Value) AsText() (string, bool) { return v.s, v.kind == KindText }

// AsInt returns v's integer and whether v is an integer.
func (v Value) AsInt() (int64, bool) { return v.n, v.kind == KindInt }

// AsFloat returns v's number and whether v is a number.
func (v Value) AsFloat() (float64, bool) {
	return math.Float64frombits(uint64(v.n)), v.kind == KindFloat
}

// AsBool returns v's truth and whether v is a boolean.
func (v Value) AsBool() (bool, bool) { return v.n != 0, v.kind == KindBool }

// AsTime returns v's point in time, in its original zone offset, and
// whether v is a time.
func (v Value) AsTime() (time.Time, bool) {
	if v.kind != KindTime {
		return time.Time{}, false
	}
	t := time.UnixMicro(v.n)
	if v.off == 0 {
		return t.UTC(), true
	}
	return t.In(time.FixedZone("", int(v.off))), true
}

// day returns the calendar day of a time value in its zone, as a UTC
// midnight: what a date column stores.
func (v Value) day() time.Time {
	return time.UnixMicro(v.n + int64(v.off)*1e6).UTC()
}

// Any returns v as the Go value ValueOf takes (nil for NULL).
func (v Value) Any() any {
	switch v.kind {
	case KindText:
		return v.s
	case KindInt:
		return v.n
	case KindFloat:
		f, _ := v.AsFloat()
		return f
	case KindBool:
		return v.n != 0
	case KindTime:
		t, _ := v.AsTime()
		return t
	}
	return nil
}

// WriteHash writes v to h such that equal values hash alike: for telling
// keys apart before the database sees them.
func (v Value) WriteHash(h *maphash.Hash) {
	h.WriteByte(byte(v.kind))
	if v.kind == KindText {
		h.WriteString(v.s)
		return
	}
	n := v.n
	if v.kind == KindTime {
		n += int64(v.off) * 1e6 // the day a date column keeps
	}
	var b [8]byte
	for k := range b {
		b[k] = byte(n >> (8 * k))
	}
	h.Write(b[:])
}
