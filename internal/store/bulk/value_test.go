package bulk

import (
	"hash/maphash"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestValueOfKeepsEveryImportType(t *testing.T) {
	at := time.Date(2026, 3, 6, 13, 3, 4, 5000, time.FixedZone("CET", 3600))
	for _, x := range []any{nil, "Müller", int64(-7), 2.75, true, false} {
		require.Equal(t, x, ValueOf(x).Any(), "%T", x)
	}
	require.Equal(t, int64(42), ValueOf(42).Any())
	got, ok := ValueOf(at).AsTime()
	require.True(t, ok)
	require.True(t, got.Equal(at), "%v is not %v", got, at)
	_, off := got.Zone()
	require.Equal(t, 3600, off, "the zone offset is kept")
	require.True(t, ValueOf(nil).IsNull())
	require.Equal(t, Text("x"), ValueOf(Text("x")))
}

// Each accessor answers for its own kind only, with the value given.
func TestValueAccessorsAnswerForTheirKind(t *testing.T) {
	n, ok := Int(-7).AsInt()
	require.True(t, ok)
	require.Equal(t, int64(-7), n)
	_, ok = Text("7").AsInt()
	require.False(t, ok, "text is not an integer")

	b, ok := Bool(true).AsBool()
	require.True(t, ok)
	require.True(t, b)
	b, ok = Bool(false).AsBool()
	require.True(t, ok)
	require.False(t, b)
	_, ok = Int(1).AsBool()
	require.False(t, ok, "an integer is not a boolean")

	f, ok := Float(2.75).AsFloat()
	require.True(t, ok)
	require.Equal(t, 2.75, f)
	_, ok = Int(2).AsFloat()
	require.False(t, ok, "an integer is not a number here")

	s, ok := Text("Müller").AsText()
	require.True(t, ok)
	require.Equal(t, "Müller", s)
	_, ok = Null().AsText()
	require.False(t, ok, "NULL is not text")
	_, ok = Text("2026-03-06").AsTime()
	require.False(t, ok, "text is not a time")
}

// A date column gets the calendar day the time was given in, east and
// west of UTC, not the day of its instant in UTC.
func TestValueDayIsTheDayOfItsZone(t *testing.T) {
	east := time.Date(2026, 3, 6, 0, 30, 0, 0, time.FixedZone("CET", 3600))     // 2026-03-05 23:30 UTC
	west := time.Date(2026, 3, 5, 23, 30, 0, 0, time.FixedZone("EST", -5*3600)) // 2026-03-06 04:30 UTC
	require.Equal(t, "2026-03-06", Time(east).day().Format(time.DateOnly))
	require.Equal(t, "2026-03-05", Time(west).day().Format(time.DateOnly))
	require.Equal(t, "2026-03-05", Time(east.UTC()).day().Format(time.DateOnly), "the same instant given in UTC")
}

// Keys are told apart by WriteHash: equal values hash alike, values that
// differ in kind, text, number or calendar day do not (with this seed).
func TestValueHashTellsKeysApart(t *testing.T) {
	seed := maphash.MakeSeed()
	sum := func(v Value) uint64 {
		var h maphash.Hash
		h.SetSeed(seed)
		v.WriteHash(&h)
		return h.Sum64()
	}
	require.Equal(t, sum(Text("Weiß")), sum(Text("Weiß")))
	require.NotEqual(t, sum(Text("Weiß")), sum(Text("Weiss")), "texts differ")
	require.NotEqual(t, sum(Text("")), sum(Null()), "empty text is not NULL")
	require.NotEqual(t, sum(Int(1)), sum(Int(2)), "integers differ")
	require.NotEqual(t, sum(Int(1)), sum(Int(1<<40)), "integers differ in a high byte")
	require.NotEqual(t, sum(Int(1)), sum(Bool(true)), "kinds differ")
	require.Equal(t, sum(Int(256)), sum(Int(256)))
	// A time hashes by the calendar day and time of day it was given in:
	// 00:30 in CET and 00:30 in UTC are one date key.
	cet := time.Date(2026, 3, 6, 0, 30, 0, 0, time.FixedZone("CET", 3600))
	utc := time.Date(2026, 3, 6, 0, 30, 0, 0, time.UTC)
	require.Equal(t, sum(Time(cet)), sum(Time(utc)), "the same wall clock is the same date key")
	require.NotEqual(t, sum(Time(cet)), sum(Time(cet.UTC())), "the same instant on another day is another date key")
}
