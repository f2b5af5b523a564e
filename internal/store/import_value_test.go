package store

import (
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
