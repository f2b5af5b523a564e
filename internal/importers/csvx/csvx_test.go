package csvx_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers/csvx"
)

func readAll(data string) ([]string, []csvx.Record, error) {
	r, err := csvx.NewReader(strings.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	var recs []csvx.Record
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return r.Header(), recs, nil
		}
		if err != nil {
			return r.Header(), recs, err
		}
		rec.Fields = slices.Clone(rec.Fields) // Read reuses it
		recs = append(recs, rec)
	}
}

func TestSbeatForm(t *testing.T) {
	t.Parallel()
	hdr, recs, err := readAll("\uFEFFIDENTNR; stg ;PDTXT\r\n1;WR;\"a;b\"\r\n\r\n2;BWL;\"x \"\"y\"\"\"\r\n3;MB;\"zwei\r\nZeilen\"\n4;X;ohne Ende")
	require.NoError(t, err)
	require.Equal(t, []string{"IDENTNR", "stg", "PDTXT"}, hdr)
	require.Len(t, recs, 4)
	require.Equal(t, csvx.Record{Line: 2, Fields: []string{"1", "WR", "a;b"}}, recs[0])
	require.Equal(t, csvx.Record{Line: 4, Fields: []string{"2", "BWL", `x "y"`}}, recs[1], "empty lines are skipped, line numbers kept")
	require.Equal(t, []string{"3", "MB", "zwei\nZeilen"}, recs[2].Fields)
	require.EqualValues(t, 7, recs[3].Line)
}

func TestBrokenRecordDoesNotStopReading(t *testing.T) {
	t.Parallel()
	_, recs, err := readAll("A;B\n1;x\"y\n2;ok\n")
	require.NoError(t, err)
	require.Len(t, recs, 2)
	require.Error(t, recs[0].Err)
	require.EqualValues(t, 2, recs[0].Line)
	require.Equal(t, []string{"2", "ok"}, recs[1].Fields)
}

// Kofa's sample files: comma separated (detected from the header), quoted
// fields over several lines, some without a final newline.
func TestKofaSamples(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]int{
		"sample_applicant_data.csv":        4,
		"sample_container_data.csv":        2,
		"sample_student_data.csv":          9,
		"sample_student_data_update2.csv":  3,
		"sample_student_data_extascii.csv": 2,
		"sample_courseticket_data.csv":     9,
		"sample_faculty_data_update.csv":   4,
		"sample_course_data_update.csv":    1,
	} {
		raw, err := os.ReadFile(filepath.Join("..", "testdata", "kofa", file))
		require.NoError(t, err)
		r, err := csvx.NewReader(bytes.NewReader(raw))
		require.NoError(t, err)
		require.Equal(t, ',', r.Comma(), file)
		n := 0
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			require.NoError(t, rec.Err, file)
			require.Len(t, rec.Fields, len(r.Header()), file)
			n++
		}
		require.Equal(t, want, n, file)
	}
}

func TestWriterRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := csvx.NewWriter(&buf, ';')
	require.NoError(t, w.Write([]string{"a;b", `"q"`, "plain"}))
	require.NoError(t, w.Flush())
	require.Equal(t, "\"a;b\";\"\"\"q\"\"\";plain\r\n", buf.String())
	_, recs, err := readAll("X;Y;Z\r\n" + buf.String())
	require.NoError(t, err)
	require.Equal(t, []string{"a;b", `"q"`, "plain"}, recs[0].Fields)
}

func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{
		"IDENTNR;STG\r\n1;WR\r\n",
		"a,b\n\"x\ny\",2\n",
		"A;B\n1;x\"y\n2;ok\n",
		"\uFEFFA\n\"",
		"",
		";;;\n;;;;;;\n",
		"A\t\tB\n1\t2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := csvx.NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		last := int64(0)
		for i := 0; ; i++ {
			rec, err := r.Read()
			if err != nil {
				return
			}
			if rec.Err == nil && rec.Line < last {
				t.Fatalf("line numbers go back: %d after %d", rec.Line, last)
			}
			last = max(last, rec.Line)
			if i > len(data)+1 {
				t.Fatalf("more records than bytes")
			}
		}
	})
}

func TestLoneCRIsALineEnd(t *testing.T) {
	t.Parallel()
	hdr, recs, err := readAll("H1;H2\r1;2\r\r3;\"a\rb\"\r4;5\r\n6;7")
	require.NoError(t, err)
	require.Equal(t, []string{"H1", "H2"}, hdr)
	require.Len(t, recs, 4)
	require.Equal(t, []string{"1", "2"}, recs[0].Fields)
	require.Equal(t, int64(2), recs[0].Line)
	require.Equal(t, []string{"3", "a\nb"}, recs[1].Fields)
	require.Equal(t, int64(4), recs[1].Line)
	require.Equal(t, []string{"4", "5"}, recs[2].Fields)
	require.Equal(t, int64(6), recs[2].Line)
	require.Equal(t, []string{"6", "7"}, recs[3].Fields)
	require.Equal(t, int64(7), recs[3].Line)
}

// Excel's "Unicode text" is tab separated; a tab in the header line wins
// over a comma in a header name, a ';' over both.
func TestSeparator(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		data  string
		comma rune
		hdr   []string
		row   []string
	}{
		{"IDENTNR\tSTG\tNAME, VORNAME\r\n1\tWR\tMüller, Jörg\r\n", '\t', []string{"IDENTNR", "STG", "NAME, VORNAME"}, []string{"1", "WR", "Müller, Jörg"}},
		{"IDENTNR\tSTG\n1\t\"a\tb\"\n", '\t', []string{"IDENTNR", "STG"}, []string{"1", "a\tb"}},
		{"A;B\tC\n1;2\t3\n", ';', []string{"A", "B\tC"}, []string{"1", "2\t3"}},
		{"A,B\n1,2\n", ',', []string{"A", "B"}, []string{"1", "2"}},
		{"A\n1\n", ';', []string{"A"}, []string{"1"}},
	} {
		hdr, recs, err := readAll(tc.data)
		require.NoError(t, err, tc.data)
		require.Equal(t, tc.hdr, hdr, tc.data)
		require.Len(t, recs, 1, tc.data)
		require.Equal(t, tc.row, recs[0].Fields, tc.data)
		require.EqualValues(t, 2, recs[0].Line)
		r, err := csvx.NewReader(strings.NewReader(tc.data))
		require.NoError(t, err)
		require.Equal(t, tc.comma, r.Comma(), tc.data)
	}
}
