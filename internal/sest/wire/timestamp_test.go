package wire

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
)

// TestParseWallClockAsUnmarshalText: the decoder's fast path for
// timestamps reads what sestmodel's parser (time.Parse) reads, to the
// same instant, and leaves everything else to it: invalid dates and
// times, other forms.
func TestParseWallClockAsUnmarshalText(t *testing.T) {
	t.Parallel()
	got, ok := parseWallClock([]byte("2026-12-01T08:59:59.999"))
	require.True(t, ok)
	require.Equal(t, time.Date(2026, 12, 1, 8, 59, 59, 999_000_000, time.UTC), got)

	inputs := []string{
		"2024-02-29T00:00:00.000", "2000-02-29T12:00:00.000", "2026-02-29T12:00:00.000", "1900-02-29T12:00:00.000",
		"2026-04-31T12:00:00.000", "2026-04-30T23:59:59.999", "2026-12-31T24:00:00.000", "2026-12-31T23:60:00.000",
		"2026-12-31T23:59:60.000", "2026-00-10T10:00:00.000", "2026-13-10T10:00:00.000", "2026-01-00T10:00:00.000",
		"2026-01-32T10:00:00.000", "0000-01-01T00:00:00.000", "9999-12-31T23:59:59.999", "2026-07-01T10:00:00,005",
		"2026-07-01 10:00:00.005", "2026-7-01T10:00:00.0050", "+026-07-01T10:00:00.005", "2026-07-01T1a:00:00.005",
		"2026-07-01T10:00:00.00x", "2026-07-01T10:00:00", "2026-07-01T10:00:00.005+02:00", "2026-07-01T10:00:00.005Z",
		"", "2026-07-01T-1:00:00.005", "2026-07-01T10:00:00.-05",
	}
	// Every day of a leap year, a century year that is none and one that
	// is, at odd times.
	for _, y := range []int{1900, 2000, 2024, 2026} {
		for d := time.Date(y, 1, 1, 7, 8, 9, 10_000_000, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			inputs = append(inputs, d.Format(sestmodel.TimestampLayout))
		}
	}
	fast := 0
	for _, in := range inputs {
		want, wantErr := sestmodel.ParseTimestamp(in, time.UTC)
		got, ok := parseWallClock([]byte(in))
		if ok {
			fast++
			require.NoError(t, wantErr, "%q read by the fast path only", in)
			require.True(t, want.Equal(got) && got.Location() == time.UTC, "%q: %v, want %v", in, got, want)
			continue
		}
		if wantErr == nil && len(in) == len(sestmodel.TimestampLayout) {
			_, layoutErr := time.Parse(sestmodel.TimestampLayout, in)
			require.Error(t, layoutErr, "%q is in the layout and valid but not read by the fast path", in)
		}
	}
	require.Greater(t, fast, 4*365, "the valid timestamps take the fast path")
}

func FuzzParseWallClock(f *testing.F) {
	f.Add("2026-12-01T08:59:59.999")
	f.Add("2024-02-29T23:59:59.000")
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := parseWallClock([]byte(in))
		if !ok {
			return
		}
		want, err := sestmodel.ParseTimestamp(in, time.UTC)
		if err != nil || !want.Equal(got) {
			t.Fatalf("%q: fast path %v, sestmodel %v, %v", in, got, want, err)
		}
	})
}
