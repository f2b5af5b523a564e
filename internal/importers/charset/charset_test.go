package charset_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers/charset"
)

func sniff(data []byte, chunk int) *charset.Sniffer {
	s := &charset.Sniffer{}
	for len(data) > 0 {
		n := min(chunk, len(data))
		_, _ = s.Write(data[:n])
		data = data[n:]
	}
	return s
}

func TestDetection(t *testing.T) {
	t.Parallel()
	utf := []byte("Prüfung – Übung €")
	for chunk := 1; chunk <= len(utf); chunk++ {
		require.Equal(t, charset.UTF8, sniff(utf, chunk).Encoding(), "chunk %d", chunk)
	}
	require.Equal(t, charset.Windows1252, sniff([]byte("Pr\xfcfung"), 3).Encoding())
	require.Equal(t, charset.Windows1252, sniff([]byte("ends in half a rune \xc3"), 4).Encoding())
	bom := sniff([]byte("\xef\xbb\xbfA;B"), 1)
	require.True(t, bom.BOM())
	require.Equal(t, charset.UTF8, bom.Encoding())
	require.Equal(t, charset.UTF8, sniff([]byte("plain ascii"), 2).Encoding())
}

func TestDecodeEncode(t *testing.T) {
	t.Parallel()
	for name, raw := range map[string][]byte{
		"windows-1252": []byte("Gr\xf6\xdfe \x80"),
		"latin_1":      []byte("Gr\xf6\xdfe"),
		"cp437":        []byte("Gr\x94\xe1e"),
		"utf8":         []byte("\xef\xbb\xbfGröße"),
	} {
		r, err := charset.NewReader(bytes.NewReader(raw), name)
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err, name)
		require.Contains(t, string(got), "Größe", name)
		require.NotContains(t, string(got), "\uFEFF", name)
	}
	r, err := charset.NewReader(bytes.NewReader([]byte("Gr\xf6")), "utf8")
	require.NoError(t, err)
	_, err = io.ReadAll(r)
	require.Error(t, err, "invalid UTF-8 is an error, not U+FFFD")

	var buf bytes.Buffer
	w, err := charset.NewWriter(&buf, "cp437", false)
	require.NoError(t, err)
	_, err = io.WriteString(w, "Größe")
	require.NoError(t, err)
	require.NoError(t, w.(io.Closer).Close())
	require.Equal(t, []byte("Gr\x94\xe1e"), buf.Bytes())

	for _, alias := range []string{"UTF-8", "cp1252", "ISO-8859-1", "latin1", "us-ascii", "IBM437", ""} {
		_, err := charset.Normalize(alias)
		require.NoError(t, err, alias)
	}
	_, err = charset.Normalize("ebcdic")
	require.ErrorIs(t, err, charset.ErrUnknown)
}
