package store

import (
	"math"
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

func copyForm(t *testing.T, v Value, date bool) (string, error) {
	t.Helper()
	b, err := appendCopyValue([]byte("|"), &v, date)
	return string(b), err
}

func TestCopyTextForm(t *testing.T) {
	for _, c := range []struct {
		v    Value
		date bool
		want string
	}{
		{Null(), false, `|\N`},
		{Text("plain Prüfung"), false, "|plain Prüfung"},
		{Text("a\\b\tc\nd\re"), false, `|a\\b\tc\nd\re`},
		{Int(-12), false, "|-12"},
		{Float(1.5), false, "|1.5"},
		{Bool(true), false, "|t"},
		{Bool(false), false, "|f"},
		// 00:30 on 1 March in UTC+2 is still 28 February in UTC: a date
		// column keeps the day it was given in.
		{Time(time.Date(2024, 3, 1, 0, 30, 0, 0, time.FixedZone("", 7200))), true, "|2024-03-01"},
		{Time(time.Date(2024, 3, 1, 0, 30, 0, 0, time.FixedZone("", 7200))), false, "|2024-02-29T22:30:00Z"},
	} {
		got, err := copyForm(t, c.v, c.date)
		require.NoError(t, err)
		require.Equal(t, c.want, got)
	}
	for _, v := range []Value{Text("nul\x00"), Float(math.NaN()), Float(math.Inf(1)), ValueOf(struct{}{})} {
		_, err := copyForm(t, v, false)
		require.Error(t, err, "%#v", v)
	}
}
