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

func TestDecide(t *testing.T) {
	t.Parallel()
	// Line 1 ASCII header; "ü" in UTF-8 is C3 BC, in windows-1252 FC.
	utf8File := []byte("NAME;ORT\nM\xc3\xbcller;K\xc3\xb6ln\nMeier;Bonn\n")
	cp1252File := []byte("NAME;ORT\nM\xfcller;K\xf6ln\nMeier;Bonn\n")
	mixed := []byte("NAME;ORT\nM\xc3\xbcller;K\xc3\xb6ln\n\xd6zdemir;Bonn\nA;B\n\xc3\x96zt\xfcrk;C\n")
	for _, tc := range []struct {
		name, requested string
		data            []byte
		trust           bool
		want, err       string
	}{
		{"auto utf8", "auto", utf8File, false, "utf8", ""},
		{"auto cp1252", "auto", cp1252File, false, "windows-1252", ""},
		{"auto ascii", "auto", []byte("A;B\n1;2\n"), false, "utf8", ""},
		{"auto mixed", "auto", mixed, false, "", "the file mixes UTF-8 with another encoding: bytes that are not UTF-8 at lines 3, 5, UTF-8 characters at lines 2, 5; save the file again as UTF-8 (or correct the lines that are not) and import it again"},
		{"utf8 given, cp1252 file", "utf8", cp1252File, false, "", "the file is not valid UTF-8 (at line 2); it looks like windows-1252: import it with encoding windows-1252 (or auto)"},
		{"utf8 given, mixed file", "utf-8", mixed, false, "", "the file mixes UTF-8 with another encoding: bytes that are not UTF-8 at lines 3, 5, UTF-8 characters at lines 2, 5; save the file again as UTF-8 (or correct the lines that are not) and import it again"},
		{"cp1252 given, utf8 file", "windows-1252", utf8File, false, "", "the file holds UTF-8 characters (at line 2) but is to be read as windows-1252, which would garble them (ü as Ã¼): import it with encoding utf8 (or auto); only if the file really is windows-1252, import it with trust_encoding (--trust-encoding)"},
		{"cp1252 given, utf8 file, trusted", "cp1252", utf8File, true, "windows-1252", ""},
		{"latin1 given, cp1252 file", "latin_1", cp1252File, false, "latin_1", ""},
		{"cp437 given, mixed file", "cp437", mixed, false, "", "the file mixes UTF-8 with another encoding"},
		{"truncated sequence at the end", "auto", []byte("A\nB\xc3"), false, "windows-1252", ""},
	} {
		for _, chunk := range []int{1, 2, 3, 7, 4096} {
			got, err := sniff(tc.data, chunk).Decide(tc.requested, tc.trust)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err, "%s, chunk %d", tc.name, chunk)
				continue
			}
			require.NoError(t, err, "%s, chunk %d", tc.name, chunk)
			require.Equal(t, tc.want, got, "%s, chunk %d", tc.name, chunk)
		}
	}
	many := bytes.Repeat([]byte("\xfc\n"), 9)
	many = append([]byte("\xc3\xbc\n"), many...)
	_, err := sniff(many, 5).Decide("auto", false)
	require.ErrorContains(t, err, "bytes that are not UTF-8 at lines 2, 3, 4, 5, 6 and 4 more, UTF-8 characters at line 1;")
}

func TestXMLDeclared(t *testing.T) {
	t.Parallel()
	require.Equal(t, "latin_1", sniff([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`), 4).XMLDeclared())
	require.Equal(t, "windows-1252", sniff([]byte("\xef\xbb\xbf<?xml version='1.0' encoding='windows-1252' ?>\n<a/>"), 4).XMLDeclared())
	require.Equal(t, "utf8", sniff([]byte(`<?xml version="1.0"?><a/>`), 4).XMLDeclared())
	require.Equal(t, "utf8", sniff([]byte(`<a/>`), 4).XMLDeclared())
}

func TestMIMEName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"utf8": "utf-8", "windows-1252": "windows-1252", "ascii": "windows-1252", "latin_1": "ISO-8859-1", "cp437": "IBM437"} {
		require.Equal(t, want, charset.MIMEName(name), name)
	}
}

// BenchmarkSniffer measures the first pass over a windows-1252 S-BEAT-like
// file (bytes per second: -benchmem -bench Sniffer).
func BenchmarkSniffer(b *testing.B) {
	line := []byte("210863;WR;01.03.2012;31.08.2013;;;;W;19.11.1989;200;04.03.2008;3;allgemeine Hochschulreife Gymnasium M\xfcller;admin\r\n")
	data := bytes.Repeat(line, 10000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s := &charset.Sniffer{}
		for p := data; len(p) > 0; p = p[min(len(p), 32<<10):] {
			_, _ = s.Write(p[:min(len(p), 32<<10)])
		}
		if s.Encoding() != charset.Windows1252 {
			b.Fatal("not detected")
		}
	}
}
