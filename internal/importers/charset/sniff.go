package charset

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrMixed is wrapped by the error for a file that holds UTF-8 characters
// beside bytes that are not UTF-8: no one encoding reads it correctly.
var ErrMixed = errors.New("the file mixes UTF-8 with another encoding")

// ErrLooksUTF8 is wrapped by the error for a file declared in a
// single-byte encoding (windows-1252, latin_1, cp437, ascii) that holds
// UTF-8 multi-byte sequences: read as declared, every umlaut would turn
// into two wrong characters (ü as Ã¼).
var ErrLooksUTF8 = errors.New("the file holds UTF-8 characters")

// ErrNotUTF8 is wrapped by the error for a file declared UTF-8 that holds
// bytes that are not UTF-8.
var ErrNotUTF8 = errors.New("the file is not valid UTF-8")

// ErrNotText is wrapped by the error for a file holding a NUL or another
// control byte no text file has: a binary, compressed or padded file.
var ErrNotText = errors.New("not a text file")

// maxLines is how many line numbers an error names.
const maxLines = 5

// headSize is how much of the start a Sniffer keeps (BOM, XML declaration).
const headSize = 512

// lineSet records the first few lines with a property, and how many lines
// have it.
type lineSet struct {
	first []int64
	last  int64
	count int64
}

func (l *lineSet) add(line int64) {
	if line == l.last {
		return
	}
	l.last = line
	l.count++
	if len(l.first) < maxLines {
		l.first = append(l.first, line)
	}
}

// String renders "line 4", "lines 4, 9" or "lines 4, 9, 12, 20, 31 and 7 more".
func (l lineSet) String() string {
	parts := make([]string, len(l.first))
	for i, n := range l.first {
		parts[i] = strconv.FormatInt(n, 10)
	}
	word := "lines "
	if l.count == 1 {
		word = "line "
	}
	s := word + strings.Join(parts, ", ")
	if more := l.count - int64(len(l.first)); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// Sniffer watches a file's bytes go by (it is an io.Writer, to be fed
// through io.MultiWriter next to a hash, so the file is never held in
// memory) and records, by line, where UTF-8 multi-byte sequences and bytes
// that are not UTF-8 occur. Decide then tells the encoding to read the
// file with, or why no encoding reads it correctly.
type Sniffer struct {
	n       int64
	head    []byte
	carry   []byte
	line    int64 // current line, 1-based (lines end with '\n')
	multi   lineSet
	invalid lineSet
	// ctrl is the first control byte no text holds, at line ctrlLine and
	// byte offset ctrlAt (0-based); ctrlSeen tells whether there is one.
	ctrl     byte
	ctrlSeen bool
	ctrlLine int64
	ctrlAt   int64
}

// binaryByte reports whether c is a control byte that no CSV or XML text
// holds: NUL, the C0 controls other than tab, line feed, vertical tab,
// form feed, carriage return and SUB (0x1A, DOS's end-of-file mark), and
// DEL.
func binaryByte(c byte) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', 0x1A:
		return false
	}
	return c < 0x20 || c == 0x7F
}

// Write implements io.Writer; it never fails.
func (s *Sniffer) Write(p []byte) (int, error) {
	if s.line == 0 {
		s.line = 1
	}
	if len(s.head) < headSize {
		k := min(headSize-len(s.head), len(p))
		s.head = append(s.head, p[:k]...)
	}
	base := s.n - int64(len(s.carry)) // file offset of buf[0]
	s.n += int64(len(p))
	buf := p
	if len(s.carry) > 0 {
		buf = append(append([]byte{}, s.carry...), p...)
		s.carry = s.carry[:0]
	}
	for i := 0; i < len(buf); {
		c := buf[i]
		if c < utf8.RuneSelf {
			if c == '\n' {
				s.line++
			} else if !s.ctrlSeen && binaryByte(c) {
				s.ctrl, s.ctrlSeen, s.ctrlLine, s.ctrlAt = c, true, s.line, base+int64(i)
			}
			i++
			continue
		}
		if !utf8.FullRune(buf[i:]) {
			// An incomplete sequence at the end: wait for the next write.
			s.carry = append(s.carry, buf[i:]...)
			break
		}
		r, size := utf8.DecodeRune(buf[i:])
		if r == utf8.RuneError && size == 1 {
			s.invalid.add(s.line)
		} else {
			s.multi.add(s.line)
		}
		i += size
	}
	return len(p), nil
}

// settle counts an incomplete sequence at the end of the file as bytes
// that are not UTF-8.
func (s *Sniffer) settle() {
	if len(s.carry) > 0 {
		s.invalid.add(max(s.line, 1))
		s.carry = s.carry[:0]
	}
}

// BOM reports whether the content starts with a UTF-8 byte order mark.
func (s *Sniffer) BOM() bool { return bytes.HasPrefix(s.head, []byte("\xEF\xBB\xBF")) }

// Size returns the number of bytes seen.
func (s *Sniffer) Size() int64 { return s.n }

// Encoding returns what auto detection finds, without judging: UTF8 for a
// BOM or content that is valid UTF-8 throughout, Windows1252 otherwise.
// Use Decide to refuse files no encoding reads correctly.
func (s *Sniffer) Encoding() string {
	s.settle()
	if s.BOM() || s.invalid.count == 0 {
		return UTF8
	}
	return Windows1252
}

// xmlDecl finds the encoding of an XML declaration.
var xmlDecl = regexp.MustCompile(`^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// XMLDeclared returns the encoding an XML document declares in its
// prolog, Auto when it declares none (XML's default is UTF-8), or the
// label as written when it is not one sestd knows.
func (s *Sniffer) XMLDeclared() string {
	m := xmlDecl.FindSubmatch(bytes.TrimPrefix(s.head, []byte("\xEF\xBB\xBF")))
	if m == nil {
		return UTF8
	}
	if n, err := Normalize(string(m[1])); err == nil {
		return n
	}
	return string(m[1])
}

// Decide returns the encoding to read the file with. requested is Auto or
// an encoding name (normalised). It refuses, naming the lines:
//   - whatever the encoding, a file holding a NUL or another control byte
//     no text holds (ErrNotText, naming the first one's line and offset);
//   - with Auto, a file with UTF-8 characters and bytes that are not UTF-8
//     (ErrMixed); a file valid as UTF-8 throughout is UTF-8, a file
//     without any UTF-8 multi-byte sequence windows-1252;
//   - with UTF8, a file with bytes that are not UTF-8 (ErrNotUTF8, or
//     ErrMixed when it holds UTF-8 characters too);
//   - with a single-byte encoding, a file holding UTF-8 multi-byte
//     sequences (ErrLooksUTF8), unless trust is set: the rare file whose
//     windows-1252 text really reads like UTF-8.
func (s *Sniffer) Decide(requested string, trust bool) (string, error) {
	s.settle()
	n, err := Normalize(requested)
	if err != nil {
		return "", err
	}
	if s.ctrlSeen {
		what := fmt.Sprintf("a control byte 0x%02X", s.ctrl)
		if s.ctrl == 0 {
			what = "a NUL byte (0x00)"
		}
		return "", fmt.Errorf("%w: %s at line %d (byte offset %d); sestd imports CSV and XML text: "+
			"is it the right file (not a compressed, binary or padded one)? Export it again", ErrNotText, what, s.ctrlLine, s.ctrlAt)
	}
	mixed := func() error {
		return fmt.Errorf("%w: bytes that are not UTF-8 at %s, UTF-8 characters at %s; "+
			"save the file again as UTF-8 (or correct the lines that are not) and import it again",
			ErrMixed, s.invalid, s.multi)
	}
	switch n {
	case Auto:
		switch {
		case s.invalid.count == 0:
			return UTF8, nil
		case s.multi.count > 0:
			return "", mixed()
		}
		return Windows1252, nil
	case UTF8:
		switch {
		case s.invalid.count == 0:
			return UTF8, nil
		case s.multi.count > 0:
			return "", mixed()
		}
		return "", fmt.Errorf("%w (at %s); it looks like windows-1252: "+
			"import it with encoding windows-1252 (or auto)", ErrNotUTF8, s.invalid)
	}
	if s.multi.count == 0 || trust {
		return n, nil
	}
	if s.invalid.count > 0 {
		return "", mixed()
	}
	return "", fmt.Errorf("%w (at %s) but is to be read as %s, which would garble them (ü as Ã¼): "+
		"import it with encoding utf8 (or auto); only if the file really is %s, import it with trust_encoding (--trust-encoding)",
		ErrLooksUTF8, s.multi, n, n)
}

// MIMEName returns the charset parameter for a file written in encoding
// name (a Content-Type's charset=…).
func MIMEName(name string) string {
	switch n, _ := Normalize(name); n {
	case Windows1252, ASCII:
		return "windows-1252" // ASCII files are read and written as windows-1252
	case Latin1:
		return "ISO-8859-1"
	case CP437:
		return "IBM437"
	}
	return "utf-8"
}
