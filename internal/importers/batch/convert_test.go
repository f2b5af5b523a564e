package batch_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers/batch"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Time{
		"01.03.2012":  time.Date(2012, 3, 1, 0, 0, 0, 0, time.UTC),
		"1.3.2012":    time.Date(2012, 3, 1, 0, 0, 0, 0, time.UTC),
		"03-Mrz-98":   time.Date(1998, 3, 3, 0, 0, 0, 0, time.UTC),
		"03-mrz-98":   time.Date(1998, 3, 3, 0, 0, 0, 0, time.UTC),
		"31-Dez-39":   time.Date(2039, 12, 31, 0, 0, 0, 0, time.UTC),
		"01-Jan-40":   time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC),
		"15-Okt-00":   time.Date(2000, 10, 15, 0, 0, 0, 0, time.UTC),
		"07-Mai-17":   time.Date(2017, 5, 7, 0, 0, 0, 0, time.UTC),
		"2026-11-25":  time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
		" 29.02.2024": time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), //nolint:gocritic // mapKey: the leading space is the case (input is trimmed)
	} {
		got, err := batch.ParseDate(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "31.02.2017", "29.02.2023", "01-Mar-17", "01-Mär-17", "01.13.2017", "1.3.17", "01-Mrz-2017", "2017-1-01", "00.01.2017", "aa.bb.cccc"} {
		_, err := batch.ParseDate(in)
		require.Error(t, err, in)
	}
}

func TestSemesters(t *testing.T) {
	t.Parallel()
	for d, want := range map[string]int64{
		"01.03.2012": 20121, "31.08.2013": 20131, "01.09.2013": 20132, "28.02.2014": 20132, "01.01.2017": 20162,
	} {
		tm, err := batch.ParseDate(d)
		require.NoError(t, err)
		require.Equal(t, want, batch.SemesterOf(tm), d)
	}
	require.EqualValues(t, 20172, batch.NextSemester(20171))
	require.EqualValues(t, 20181, batch.NextSemester(20172))
	n, err := batch.ParseSemester("20172")
	require.NoError(t, err)
	require.EqualValues(t, 20172, n)
	for _, bad := range []string{"20173", "2017", "201721", "1899 1", "abcde", "18001"} {
		_, err := batch.ParseSemester(bad)
		require.Error(t, err, bad)
	}
}

func TestGrades(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"2,6": 260, "2.6": 260, "260": 260, "2": 200, "1,0": 100, "4.0": 400, "200": 200} {
		got, err := batch.ParseHZBNote(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, none := range []string{"", "9.9", "9,9", "990", " 9,90 "} {
		_, err := batch.ParseHZBNote(none)
		require.ErrorIs(t, err, batch.ErrNoGrade, none)
	}
	for _, bad := range []string{"26", "0,5", "7,0", "x", "NaN", "1e400"} {
		_, err := batch.ParseHZBNote(bad)
		require.Error(t, err, bad)
		require.NotErrorIs(t, err, batch.ErrNoGrade, bad)
	}
	for in, want := range map[string]int64{"170": 170, "1,7": 170, "500": 500, "0": 0} {
		got, err := batch.ParseGrade100(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := batch.ParseGrade100("1700")
	require.Error(t, err)
}

func TestParseBool(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"J", "ja", "Y", "true", "1"} {
		b, err := batch.ParseBool(s)
		require.NoError(t, err)
		require.True(t, b)
	}
	for _, s := range []string{"N", "nein", "no", "false", "0"} {
		b, err := batch.ParseBool(s)
		require.NoError(t, err)
		require.False(t, b)
	}
	_, err := batch.ParseBool("vielleicht")
	require.Error(t, err)
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"01.03.2012", "03-Mrz-98", "31-Dez-39", "2026-11-25", "29.02.2023", "1.1.0001", "99-Mrz-99", "..", "--", "01-ÄÖÜ-12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := batch.ParseDate(s)
		if err != nil {
			return
		}
		// A parsed date is a real calendar day at midnight UTC.
		if d.Hour() != 0 || d.Location() != time.UTC || d.Year() < 1 || d.Year() > 9999 {
			t.Fatalf("ParseDate(%q) = %v", s, d)
		}
		// SemesterOf never panics and yields a YYYYS form.
		if sem := batch.SemesterOf(d); sem%10 != 1 && sem%10 != 2 {
			t.Fatalf("SemesterOf(%v) = %d", d, sem)
		}
	})
}

func FuzzParseGrades(f *testing.F) {
	for _, s := range []string{"2,6", "260", "9.9", "", "170", "1e9", "NaN", "-0", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := batch.ParseHZBNote(s); err == nil && (n < 100 || n > 600) {
			t.Fatalf("ParseHZBNote(%q) = %d", s, n)
		}
		if n, err := batch.ParseGrade100(s); err == nil && (n < 0 || n > 1000) {
			t.Fatalf("ParseGrade100(%q) = %d", s, n)
		}
	})
}
