package sest

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// TestReadBody: a body is read whole into one buffer of the announced
// length (plus the byte that reads EOF), or grown when the length is not
// announced or wrong; more than limit is read as limit+1 bytes, for the
// caller to refuse; a read error is returned.
func TestReadBody(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("0123456789"), 10_000) // 100,000 bytes
	for name, tc := range map[string]struct {
		announced, limit int64
		wantLen, wantCap int // wantCap 0: any
	}{
		"announced":                    {100_000, 1 << 20, 100_000, 100_001},
		"announced, exactly the limit": {100_000, 100_000, 100_000, 100_001},
		"not announced":                {-1, 1 << 20, 100_000, 0},
		"announced too short":          {10, 1 << 20, 100_000, 0},
		"over the limit":               {100_000, 99_999, 100_000, 0},
		"over the limit, unannounced":  {-1, 50_000, 50_001, 0},
		"announced over the limit":     {100_000, 50_000, 50_001, 0},
	} {
		// HalfReader: the buffer must survive short reads.
		got, err := readBody(iotest.HalfReader(bytes.NewReader(body)), tc.announced, tc.limit)
		require.NoError(t, err, name)
		require.Len(t, got, tc.wantLen, name)
		require.Equal(t, body[:tc.wantLen], got, name)
		if tc.wantCap != 0 {
			require.Equal(t, tc.wantCap, cap(got), "%s: one buffer of the announced size", name)
		}
	}
	got, err := readBody(strings.NewReader(""), 0, 100)
	require.NoError(t, err)
	require.Empty(t, got)

	broken := errors.New("connection reset")
	_, err = readBody(io.MultiReader(bytes.NewReader(body[:1000]), iotest.ErrReader(broken)), 100_000, 1<<20)
	require.ErrorIs(t, err, broken)
}

// BenchmarkReadBody reads a 1 MB body with its Content-Length, as a
// package of 500 Bewerbungen arrives: io.ReadAll (what the Client did)
// against readBody.
func BenchmarkReadBody(b *testing.B) {
	body := bytes.Repeat([]byte("<b>0123456789</b>"), 1<<20/17)
	b.Run("io.ReadAll", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got, err := io.ReadAll(io.LimitReader(bytes.NewReader(body), 256<<20+1))
			if err != nil || len(got) != len(body) {
				b.Fatal(err, len(got))
			}
		}
	})
	b.Run("readBody", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got, err := readBody(bytes.NewReader(body), int64(len(body)), 256<<20)
			if err != nil || len(got) != len(body) {
				b.Fatal(err, len(got))
			}
		}
	})
}
