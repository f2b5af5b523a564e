package importers_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
	"sestd/internal/importers/charset"
)

// utf16Bytes spells s in UTF-16 through unicode/utf16 (not the code under
// test), little- or big-endian, with bom the byte order mark first.
func utf16Bytes(s string, little, bom bool) []byte {
	var b []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		if little {
			b = append(b, byte(u), byte(u>>8))
		} else {
			b = append(b, byte(u>>8), byte(u))
		}
	}
	return b
}

// An identities file as Excel saves it as "Unicode text": tab separated,
// CRLF. Line 4 is empty; line 5 has an EU value that is neither J nor N.
const unicodeText = "IDENTNR\tMTKNR\tVORNAME\tNACHNAME\tEMAIL\tEU\r\n" +
	"U1\t1111111\tJörg\tMüller\tj.mueller@example.org\tja\r\n" +
	"U2\t2222222\tÄnne\tGroß-Şahin\t\tnein\r\n" +
	"\r\n" +
	"U3\t3333333\tÖzlem\tYılmaz\t\tvielleicht\r\n"

func TestUTF16ExcelUnicodeText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		little, bom  bool
		encoding     string
		wantEncoding string
	}{
		{"le-bom", true, true, "", charset.UTF16LE},
		{"be-bom", false, true, "", charset.UTF16BE},
		{"le-bom-declared", true, true, "utf-16le", charset.UTF16LE},
		{"be-bom-declared-unicode", false, true, "unicode", charset.UTF16BE},
		{"le-no-bom", true, false, "", charset.UTF16LE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			file := "ident_" + tc.name + ".csv"
			sum := b.run(t, b.put(t, file, utf16Bytes(unicodeText, tc.little, tc.bom)),
				importers.Options{Kind: importers.KindSbeatIdentities, Encoding: tc.encoding})
			require.Equal(t, tc.wantEncoding, sum.Encoding)
			require.EqualValues(t, "partial", sum.Status)
			require.EqualValues(t, 3, sum.Read)
			require.EqualValues(t, 2, sum.Created)
			require.EqualValues(t, 1, sum.Rejected)
			require.Equal(t, []any{"2222222", "Änne", "Groß-Şahin", nil, false},
				b.one(t, `SELECT matrikelnr, vorname, nachname, email, eu FROM sbeat_identity WHERE identnr = 'U2'`))
			require.Equal(t, []any{"Jörg", "Müller", "j.mueller@example.org"},
				b.one(t, `SELECT vorname, nachname, email FROM sbeat_identity WHERE identnr = 'U1'`))

			// The rejects file: beside the file and named after it, in
			// UTF-8 with a BOM (sestd writes no UTF-16), tab separated
			// like the file, the row with its line (5) and a reason
			// naming the column.
			require.Equal(t, filepath.Join(b.dir, "ident_"+tc.name+".rejects.csv"), sum.RejectsFile)
			require.Equal(t, charset.UTF8, sum.RejectsEncoding)
			raw, err := os.ReadFile(sum.RejectsFile)
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")), "UTF-8 BOM")
			require.True(t, utf8.Valid(raw))
			lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(string(raw), "\uFEFF")), "\r\n")
			require.Len(t, lines, 2)
			require.Equal(t, "IDENTNR\tMTKNR\tVORNAME\tNACHNAME\tEMAIL\tEU\tline\terror", lines[0])
			require.Equal(t, "U3\t3333333\tÖzlem\tYılmaz\t\tvielleicht\t5\t\"EU: \"\"vielleicht\"\" is not J or N\"", lines[1])
			run, err := b.st.ImportRunGet(b.ctx, sum.RunID)
			require.NoError(t, err)
			require.Equal(t, charset.UTF8, run.RejectsEncoding, "served as utf-8")

			// Fixed, the rejects file imports (UTF-8, tabs; line and
			// error ignored).
			fixed := bytes.Replace(raw, []byte("\tvielleicht\t"), []byte("\tN\t"), 1)
			sum = b.run(t, b.put(t, "fixed.csv", fixed), importers.Options{Kind: importers.KindSbeatIdentities, Mode: importers.ModeUpsert})
			require.EqualValues(t, "succeeded", sum.Status)
			require.Equal(t, charset.UTF8, sum.Encoding)
			require.Equal(t, []any{"Özlem", "Yılmaz", false}, b.one(t, `SELECT vorname, nachname, eu FROM sbeat_identity WHERE identnr = 'U3'`))
		})
	}
}

// Damaged, doubtful or mis-declared UTF-16 files are refused whole, naming
// the file, the line and what to do; nothing is imported.
func TestUTF16Refused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	full := utf16Bytes(unicodeText, true, true)
	surrogate := append(utf16Bytes("IDENTNR\tVORNAME\r\nU1\tJörg\r\nU2\t", true, true), 0x00, 0xDC, 'X', 0, '\r', 0, '\n', 0)
	for _, tc := range []struct {
		file     string
		data     []byte
		encoding string
		trust    bool
		want     string
	}{
		{"truncated.csv", full[:len(full)-3], "", false,
			"importing truncated.csv as sbeat_identities (import run %d): permanent import failure: damaged UTF-16: truncated.csv is utf-16le (its byte order mark) but ends in half a character at line 5: it has an odd number of bytes"},
		{"surrogate.csv", surrogate, "", false,
			"surrogate.csv is utf-16le (its byte order mark) but holds an unpaired surrogate 0xDC00 at line 3 (byte offset 60), half of a character"},
		{"declared.csv", full, "windows-1252", true,
			"declared.csv is utf-16le (its byte order mark) but is to be read as windows-1252, which would read a NUL byte beside every letter; import it with encoding auto (or utf-16le)"},
		{"order.csv", utf16Bytes(unicodeText, false, true), "utf-16le", false,
			"order.csv is utf-16be (its byte order mark) but is to be read as utf-16le"},
		// Without a BOM, and too few ASCII letters to tell: not text.
		{"euro.csv", utf16Bytes("€€€€€€€€€€€€€\t€\r\n", true, false), "", false,
			"not a text file: a NUL byte (0x00) at line 1 (byte offset 27); sestd imports CSV and XML text: is it the right file (not a compressed, binary or padded one)? Export it again; a UTF-16 (\"Unicode text\") file needs its byte order mark: save it again as CSV UTF-8, CSV (windows-1252) or Unicode text, and import that"},
	} {
		sum, err := importers.Import(b.ctx, b.st, b.put(t, tc.file, tc.data),
			importers.Options{Kind: importers.KindSbeatIdentities, Encoding: tc.encoding, TrustEncoding: tc.trust}, nil, nil)
		require.ErrorIs(t, err, importers.ErrPermanent, tc.file)
		want := strings.Replace(tc.want, "%d", strconv.FormatInt(sum.RunID, 10), 1)
		require.ErrorContains(t, err, want, tc.file)
		require.EqualValues(t, "failed", sum.Status, tc.file)
		require.Empty(t, sum.RejectsFile, tc.file)
	}
	require.Zero(t, b.count(t, "sbeat_identity"))
}

// FS person XML in UTF-16 with a BOM (declaring UTF-16, as such files do)
// is read in the order of its BOM; its rejects are XML in UTF-8.
func TestUTF16FSPersons(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)
	doc := `<?xml version="1.0" encoding="UTF-16"?>
<data>
<student fodselsdato="010190" personnr="12345" etternavn="Ærlig-Şen" fornavn="Øystein"
 adrlin1_semadr="" adrlin1_hjemsted="Hjemme 1" postnr_hjemsted="0101"/>
<student fodselsdato="06069X" personnr="62345" etternavn="Fäil"/>
</data>
`
	for _, little := range []bool{true, false} {
		sum, err := importers.Import(b.ctx, b.st, b.put(t, "FS-persons.dat", utf16Bytes(doc, little, true)),
			importers.Options{Kind: importers.KindFSPersons, Now: func() time.Time { return now }, Force: true}, nil, nil)
		require.NoError(t, err)
		require.Equal(t, map[bool]string{true: charset.UTF16LE, false: charset.UTF16BE}[little], sum.Encoding)
		require.EqualValues(t, 2, sum.Read)
		require.EqualValues(t, 1, sum.Rejected)
		require.Equal(t, []any{"Ærlig-Şen", "Øystein"}, b.one(t, `SELECT etternavn, fornavn FROM fs_person WHERE personnr = '12345'`))
		require.Equal(t, charset.UTF8, sum.RejectsEncoding)
		rej, err := os.ReadFile(sum.RejectsFile)
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(rej, []byte("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>")), string(rej))
		require.Contains(t, string(rej), `<student fodselsdato="06069X" personnr="62345" etternavn="Fäil" line="5" error="fodselsdato: &#34;06069X&#34; is not 6 digits"/>`)
		fixed := bytes.Replace(rej, []byte(`06069X`), []byte(`060690`), 1)
		sum = b.run(t, b.put(t, "fixed.dat", fixed), importers.Options{Kind: importers.KindFSPersons, Now: func() time.Time { return now }, Mode: importers.ModeUpsert, Force: true})
		require.EqualValues(t, 1, sum.Created+sum.Updated+sum.Unchanged, "%+v", sum)
		require.Equal(t, []any{"Fäil"}, b.one(t, `SELECT etternavn FROM fs_person WHERE personnr = '62345'`))
	}
}
