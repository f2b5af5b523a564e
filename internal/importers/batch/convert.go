package batch

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// germanMonths are S-BEAT's three-letter month names: the first three
// letters of the German name with umlauts skipped (März → Mrz).
var germanMonths = map[string]time.Month{
	"jan": time.January, "feb": time.February, "mrz": time.March, "apr": time.April,
	"mai": time.May, "jun": time.June, "jul": time.July, "aug": time.August,
	"sep": time.September, "okt": time.October, "nov": time.November, "dez": time.December,
}

// ParseDate parses S-BEAT's two date formats: TT.MM.YYYY, and TT-MMM-YY
// with a German month abbreviation without umlauts (Mrz) where a two-digit
// year below 40 is 20YY and 40 or above 19YY. It also accepts ISO
// YYYY-MM-DD. Impossible dates (31.02.) are errors.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	var d, m, y int
	var ok bool
	switch {
	case len(s) >= 8 && len(s) <= 10 && strings.Count(s, ".") == 2:
		parts := strings.Split(s, ".")
		d, ok = atoiN(parts[0], 1, 2)
		if ok {
			m, ok = atoiN(parts[1], 1, 2)
		}
		if ok {
			y, ok = atoiN(parts[2], 4, 4)
		}
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		y, ok = atoiN(s[:4], 4, 4)
		if ok {
			m, ok = atoiN(s[5:7], 2, 2)
		}
		if ok {
			d, ok = atoiN(s[8:], 2, 2)
		}
	case strings.Count(s, "-") == 2:
		parts := strings.Split(s, "-")
		d, ok = atoiN(parts[0], 1, 2)
		if ok {
			var mm time.Month
			mm, ok = germanMonths[strings.ToLower(parts[1])]
			m = int(mm)
		}
		if ok {
			y, ok = atoiN(parts[2], 2, 2)
			if y < 40 {
				y += 2000
			} else {
				y += 1900
			}
		}
	}
	if !ok {
		return time.Time{}, fmt.Errorf("%q is not a date (TT.MM.YYYY or TT-MMM-YY)", s)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m || y < 1 {
		return time.Time{}, fmt.Errorf("%q is not a valid date", s)
	}
	return t, nil
}

// ParseTimestamp parses a point in time: RFC 3339, "YYYY-MM-DD HH:MM[:SS]"
// or "TT.MM.YYYY HH:MM[:SS]" (those two in loc), or a date alone (midnight
// in loc).
func ParseTimestamp(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04",
		"02.01.2006 15:04:05", "02.01.2006 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	d, err := ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a point in time (YYYY-MM-DDTHH:MM:SS+01:00, YYYY-MM-DD HH:MM or TT.MM.YYYY HH:MM)", s)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc), nil
}

func atoiN(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ParseSemester parses a semester YYYYS (S = 1 summer, 2 winter starting
// in YYYY) and returns it as the integer YYYYS.
func ParseSemester(s string) (int64, error) {
	s = strings.TrimSpace(s)
	n, ok := atoiN(s, 5, 5)
	if !ok || (n%10 != 1 && n%10 != 2) || n/10 < 1900 || n/10 > 2199 {
		return 0, fmt.Errorf("%q is not a semester YYYYS (S = 1 summer, 2 winter)", s)
	}
	return int64(n), nil
}

// SemesterOf returns the semester a date falls in, by S-BEAT's rule:
// summer semester 1 March – 31 August (YYYY1), winter semester 1 September
// – end of February (YYYY2, YYYY the year it starts in).
func SemesterOf(t time.Time) int64 {
	y := int64(t.Year())
	switch m := t.Month(); {
	case m < time.March:
		return (y-1)*10 + 2
	case m < time.September:
		return y*10 + 1
	default:
		return y*10 + 2
	}
}

// NextSemester returns the semester after sem (YYYYS).
func NextSemester(sem int64) int64 {
	if sem%10 == 1 {
		return sem + 1
	}
	return (sem/10+1)*10 + 1
}

// ErrNoGrade is returned by ParseHZBNote for the "no grade" values.
var ErrNoGrade = errors.New("no grade")

// ParseGrade100 parses an exam grade into hundredths: PNOTE is delivered ×100
// as an integer ("170" = 1,7); a decimal "1,7" or "1.7" is accepted too.
func ParseGrade100(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, ".,") {
		f, err := parseFinite(s)
		if err != nil || f < 0 || f > 10 {
			return 0, fmt.Errorf("%q is not a grade", s)
		}
		return int64(f*100 + 0.5), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1000 {
		return 0, fmt.Errorf("%q is not a grade ×100 (e.g. 170 for 1,7)", s)
	}
	return n, nil
}

// ParseHZBNote parses the grade of the university entrance qualification
// into hundredths. It comes as a decimal ("2,6", "2.6"), a whole grade
// ("2") or ×100 ("260", as S-BEAT's own files have it). 9.9 (or 990) means
// no grade and returns ErrNoGrade, as does the empty string.
func ParseHZBNote(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrNoGrade
	}
	var n int64
	if strings.ContainsAny(s, ".,") {
		f, err := parseFinite(s)
		if err != nil || f < 0 || f >= 100 {
			return 0, fmt.Errorf("%q is not a grade", s)
		}
		n = int64(f*100 + 0.5)
	} else {
		v, err := strconv.ParseInt(s, 10, 64)
		switch {
		case err != nil || v < 0:
			return 0, fmt.Errorf("%q is not a grade", s)
		case v < 10:
			n = v * 100
		case v >= 100 && v <= 990:
			n = v
		default:
			return 0, fmt.Errorf("%q is not a grade (give 2,6 or 260)", s)
		}
	}
	if n == 990 {
		return 0, ErrNoGrade
	}
	if n < 100 || n > 600 {
		return 0, fmt.Errorf("%q is not a grade between 1,0 and 6,0", s)
	}
	return n, nil
}

// ParseBool reads J/N, ja/nein, Y/N, yes/no, true/false, 1/0
// (case-insensitive).
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "j", "ja", "y", "yes", "true", "t", "1", "x":
		return true, nil
	case "n", "nein", "no", "false", "f", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not J or N", s)
}

// ParseInt reads a decimal integer.
func ParseInt(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}

// ParseDecimal reads a decimal number with ',' or '.' as decimal mark.
func ParseDecimal(s string) (float64, error) {
	f, err := parseFinite(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

func parseFinite(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return 0, errors.New("out of range")
	}
	return f, nil
}
