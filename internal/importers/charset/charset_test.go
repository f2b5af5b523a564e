package charset_test

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf16"

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

// The first control byte is named by line and file offset, across writes
// and an incomplete UTF-8 sequence carried between them.
func TestDecideNotText(t *testing.T) {
	t.Parallel()
	s := &charset.Sniffer{}
	for _, part := range []string{"A;B\r\nx;\xc3", "\xbc\x1a\t\f\n1;2\n", "3;\x00\x00"} {
		_, _ = s.Write([]byte(part))
	}
	_, err := s.Decide(charset.Auto, false)
	require.ErrorIs(t, err, charset.ErrNotText)
	require.ErrorContains(t, err, "not a text file: a NUL byte (0x00) at line 4 (byte offset 19)")
	s = &charset.Sniffer{}
	_, _ = s.Write([]byte("A;B\n\x1b[0m"))
	_, err = s.Decide(charset.Windows1252, true)
	require.ErrorContains(t, err, "a control byte 0x1B at line 2 (byte offset 4)")
}

func TestReadable(t *testing.T) {
	t.Parallel()
	require.Equal(t, "grade x100 - Prüfung ... ? ->", charset.Readable(charset.CP437, "grade ×100 – Prüfung … ☃ →"))
	require.Equal(t, "grade ×100 … €", charset.Readable(charset.Windows1252, "grade ×100 … €"), "windows-1252 has them")
	require.Equal(t, "grade ×100 ☃", charset.Readable(charset.UTF8, "grade ×100 ☃"))
}

// le and be spell s in UTF-16 (without a BOM) through unicode/utf16, not
// through the code under test.
func le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func be(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func TestUTF16LiteralBytes(t *testing.T) {
	t.Parallel()
	// "Mü\n" by hand: M = 4D, ü = FC, LF = 0A.
	require.Equal(t, []byte{0x4D, 0x00, 0xFC, 0x00, 0x0A, 0x00}, le("Mü\n"))
	require.Equal(t, []byte{0x00, 0x4D, 0x00, 0xFC, 0x00, 0x0A}, be("Mü\n"))
}

func TestUTF16Detection(t *testing.T) {
	t.Parallel()
	text := "NAME\tORT\r\nMüller\tKöln\r\nÖzdemir\tGießen 😀\r\n"
	leBOM := append([]byte{0xFF, 0xFE}, le(text)...)
	beBOM := append([]byte{0xFE, 0xFF}, be(text)...)
	for chunk := 1; chunk <= len(leBOM); chunk += 3 {
		for _, tc := range []struct {
			data []byte
			want string
		}{{leBOM, charset.UTF16LE}, {beBOM, charset.UTF16BE}, {le(text), charset.UTF16LE}, {be(text), charset.UTF16BE}} {
			s := sniff(tc.data, chunk)
			require.Equal(t, tc.want, s.Encoding(), "chunk %d", chunk)
			require.False(t, s.BOM(), "BOM() is the UTF-8 BOM")
			got, err := s.Decide(charset.Auto, false)
			require.NoError(t, err, "chunk %d", chunk)
			require.Equal(t, tc.want, got)
			got, err = s.Decide("unicode", false)
			require.NoError(t, err)
			require.Equal(t, tc.want, got, "utf-16 takes the byte order found")
		}
	}
	// A few characters beyond U+00FF (here €, “, ”) do not hide the pattern.
	got, err := sniff(le("NAME;BETRAG\n“Meier”;12 €\nSchmidt;13 €\nSchulze;14 €\nM;1\n"), 7).Decide(charset.Auto, false)
	require.NoError(t, err)
	require.Equal(t, charset.UTF16LE, got)
	// UTF-8 with its BOM is no UTF-16.
	require.Equal(t, charset.UTF8, sniff([]byte("\xef\xbb\xbfA;B\n"), 1).Encoding())
}

func TestUTF16Decide(t *testing.T) {
	t.Parallel()
	text := "NAME;ORT\nMüller;Köln\nMeier;Bonn\n"
	leBOM := append([]byte{0xFF, 0xFE}, le(text)...)
	beBOM := append([]byte{0xFE, 0xFF}, be(text)...)
	odd := leBOM[:len(leBOM)-1]
	// Line 3 holds a low surrogate (DE00) alone; "😀" is D83D DE00.
	lone := append(append([]byte{0xFF, 0xFE}, le("A;B\nx;1\n")...), 0x00, 0xDE, 'y', 0, '\n', 0)
	halfPair := append(append([]byte{0xFF, 0xFE}, le("A;B\nx;1\n")...), 0x3D, 0xD8)
	short := le("A;B\n")        // 8 bytes: too few to tell UTF-16 by its pattern
	euro := le("€€€€€€€€€;B\n") // no NUL in every second byte
	for _, tc := range []struct {
		name, requested string
		data            []byte
		trust           bool
		want            string
		is              error
		err             string
	}{
		{"declared utf-16le, BOM LE", "utf-16le", leBOM, false, charset.UTF16LE, nil, ""},
		{"declared utf16be, BOM BE", "UTF16BE", beBOM, false, charset.UTF16BE, nil, ""},
		{"declared windows-1252, BOM LE", "windows-1252", leBOM, false, "", charset.ErrNotDeclared,
			"not in the encoding given: s.csv is utf-16le (its byte order mark) but is to be read as windows-1252, which would read a NUL byte beside every letter; import it with encoding auto (or utf-16le); --trust-encoding does not read UTF-16 as windows-1252"},
		{"declared windows-1252, BOM LE, trusted", "cp1252", leBOM, true, "", charset.ErrNotDeclared, "s.csv is utf-16le (its byte order mark) but is to be read as windows-1252"},
		{"declared utf8, BOM BE", "utf8", beBOM, false, "", charset.ErrNotDeclared, "s.csv is utf-16be (its byte order mark) but is to be read as utf8"},
		{"declared utf-16be, BOM LE", "utf-16be", leBOM, true, "", charset.ErrNotDeclared,
			"s.csv is utf-16le (its byte order mark) but is to be read as utf-16be, which would garble every character; import it with encoding auto (or utf-16le); --trust-encoding does not override a byte order mark"},
		{"declared utf-16be, pattern LE", "utf-16be", le(text), false, "", charset.ErrNotDeclared, "s.csv is utf-16le (a NUL in every second byte) but is to be read as utf-16be"},
		{"declared utf-16be, pattern LE, trusted", "utf-16be", le(text), true, charset.UTF16BE, nil, ""},
		{"odd byte count", "auto", odd, false, "", charset.ErrDamaged,
			"damaged UTF-16: s.csv is utf-16le (its byte order mark) but ends in half a character at line 3: it has an odd number of bytes (65) where UTF-16 has two per character; it is truncated: export it again"},
		{"odd byte count, declared", "utf-16le", odd, false, "", charset.ErrDamaged, "line 3"},
		{"unpaired low surrogate", "auto", lone, false, "", charset.ErrDamaged,
			"s.csv is utf-16le (its byte order mark) but holds an unpaired surrogate 0xDE00 at line 3 (byte offset 18), half of a character: the file is damaged; export it again"},
		{"half a pair at the end", "auto", halfPair, false, "", charset.ErrDamaged,
			"s.csv is utf-16le (its byte order mark) but ends in half a surrogate pair at line 3 (byte offset 18); it is truncated"},
		{"NUL character", "auto", append([]byte{0xFF, 0xFE}, le("A;B\nx\x00;1\n")...), false, "", charset.ErrNotText,
			"s.csv is utf-16le (its byte order mark) but holds a control character U+0000 at line 2 (byte offset 12)"},
		{"no BOM, too short to tell", "auto", short, false, "", charset.ErrNotText,
			"not a text file: a NUL byte (0x00) at line 1 (byte offset 1); sestd imports CSV and XML text: is it the right file (not a compressed, binary or padded one)? Export it again; a UTF-16 (\"Unicode text\") file needs its byte order mark: save it again as CSV UTF-8, CSV (windows-1252) or Unicode text, and import that"},
		{"no BOM, not ASCII-heavy", "utf-16le", euro, false, "", charset.ErrNotDeclared,
			"not in the encoding given: s.csv is to be read as utf-16le but is no UTF-16: it has no byte order mark and not UTF-16's pattern of a NUL in every second byte; import it with encoding auto, or save it again as Unicode text (UTF-16 with a byte order mark) or UTF-8"},
		{"declared utf-16, is UTF-8", "utf-16", []byte("A;B\nM\xc3\xbcller;1\n"), true, "", charset.ErrNotDeclared, "s.csv is to be read as utf-16 but is no UTF-16"},
	} {
		for _, chunk := range []int{1, 2, 3, 7, 4096} {
			s := &charset.Sniffer{Name: "s.csv"}
			for p := tc.data; len(p) > 0; p = p[min(chunk, len(p)):] {
				_, _ = s.Write(p[:min(chunk, len(p))])
			}
			got, err := s.Decide(tc.requested, tc.trust)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is, "%s, chunk %d", tc.name, chunk)
				require.ErrorContains(t, err, tc.err, "%s, chunk %d", tc.name, chunk)
				continue
			}
			require.NoError(t, err, "%s, chunk %d", tc.name, chunk)
			require.Equal(t, tc.want, got, "%s, chunk %d", tc.name, chunk)
		}
	}
}

func TestUTF16Decode(t *testing.T) {
	t.Parallel()
	text := "NAME;ORT\r\nMüller;Köln 😀\r\n"
	for name, raw := range map[string][]byte{
		"utf-16le": append([]byte{0xFF, 0xFE}, le(text)...),
		"utf-16be": append([]byte{0xFE, 0xFF}, be(text)...),
		"utf-16":   append([]byte{0xFE, 0xFF}, be(text)...),
	} {
		r, err := charset.NewReader(iotest.OneByteReader(bytes.NewReader(raw)), name)
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err, name)
		require.Equal(t, text, string(got), name)
	}
	r, err := charset.NewReader(bytes.NewReader(le("Gießen")), charset.UTF16LE)
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, "Gießen", string(got), "no BOM: the order declared")

	// Written in UTF-8 with a BOM, served as utf-8.
	var buf bytes.Buffer
	w, err := charset.NewWriter(&buf, charset.UTF16LE, false)
	require.NoError(t, err)
	_, err = io.WriteString(w, "Müller")
	require.NoError(t, err)
	require.Equal(t, []byte("\xef\xbb\xbfM\xc3\xbcller"), buf.Bytes())
	require.Equal(t, charset.UTF8, charset.Written(charset.UTF16BE))
	require.Equal(t, charset.CP437, charset.Written(charset.CP437))
	require.Equal(t, "utf-8", charset.MIMEName(charset.UTF16LE))
	for alias, want := range map[string]string{"UTF-16LE": charset.UTF16LE, "utf_16_be": charset.UTF16BE, "Unicode": charset.UTF16, "utf16": charset.UTF16} {
		got, err := charset.Normalize(alias)
		require.NoError(t, err, alias)
		require.Equal(t, want, got, alias)
	}
}

// BenchmarkSniffer16 measures the first pass over a UTF-16LE file with a
// BOM (Excel's "Unicode text").
func BenchmarkSniffer16(b *testing.B) {
	line := le("210863\tWR\t01.03.2012\t31.08.2013\t\t\t\tW\t19.11.1989\t200\t04.03.2008\t3\tallgemeine Hochschulreife Gymnasium Müller\tadmin\r\n")
	data := append([]byte{0xFF, 0xFE}, bytes.Repeat(line, 10000)...)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s := &charset.Sniffer{}
		for p := data; len(p) > 0; p = p[min(len(p), 32<<10):] {
			_, _ = s.Write(p[:min(len(p), 32<<10)])
		}
		if s.Encoding() != charset.UTF16LE {
			b.Fatal("not detected")
		}
	}
}
