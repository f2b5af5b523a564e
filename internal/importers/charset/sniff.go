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

// ErrDamaged is wrapped by the error for a UTF-16 file that is truncated
// (an odd number of bytes, or half a surrogate pair at its end) or holds
// an unpaired surrogate.
var ErrDamaged = errors.New("damaged UTF-16")

// ErrNotDeclared is wrapped by the error for a file whose encoding is
// certain (a UTF-16 byte order mark, or UTF-16's pattern of bytes) and not
// the one it is to be read in, or that is to be read as UTF-16 and is none.
var ErrNotDeclared = errors.New("not in the encoding given")

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

// probeSize is how much of the start decides whether a file is UTF-16 by
// its pattern of bytes (no byte order mark).
const probeSize = 1024

// The ways a Sniffer reads the bytes: undecided (the first probeSize bytes
// are held), byte-wise (UTF-8 and the single-byte encodings) or as UTF-16
// code units in one byte order.
const (
	modeUndecided = iota
	modeBytes
	modeLE
	modeBE
)

// Sniffer watches a file's bytes go by (it is an io.Writer, to be fed
// through io.MultiWriter next to a hash, so the file is never held in
// memory) and records, by line, where UTF-8 multi-byte sequences and bytes
// that are not UTF-8 occur. Decide then tells the encoding to read the
// file with, or why no encoding reads it correctly.
//
// A file starting with a UTF-16 byte order mark (FF FE, FE FF), or whose
// first KB has a NUL in every second byte and in no other (ASCII-heavy
// UTF-16 without a BOM), is read as UTF-16 code units instead: lines,
// control characters and unpaired surrogates are recorded in them.
type Sniffer struct {
	// Name is the file's name for messages ("" for "the file").
	Name string

	n       int64
	fed     int64 // bytes analysed (n less the pending ones)
	head    []byte
	pending []byte // the first bytes, held until the mode is decided
	mode    int
	bom16   bool // UTF-16 told by a byte order mark (not by the pattern)
	carry   []byte
	line    int64 // current line, 1-based (lines end with '\n')
	multi   lineSet
	invalid lineSet
	// ctrl is the first control byte no text holds (in UTF-16: control
	// character), at line ctrlLine and byte offset ctrlAt (0-based);
	// ctrlSeen tells whether there is one.
	ctrl     byte
	ctrlSeen bool
	ctrlLine int64
	ctrlAt   int64
	// UTF-16: a high surrogate waiting for its low one (hiAt >= 0, its
	// offset, on line hiLine), and the first unpaired surrogate.
	hi, hiLine, hiAt int64
	lone             uint16
	loneSeen         bool
	loneLine         int64
	loneAt           int64
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
		s.hiAt = -1
	}
	if len(s.head) < headSize {
		k := min(headSize-len(s.head), len(p))
		s.head = append(s.head, p[:k]...)
	}
	s.n += int64(len(p))
	if s.mode == modeUndecided {
		s.pending = append(s.pending, p...)
		if len(s.pending) < probeSize {
			return len(p), nil
		}
		s.decideMode()
		return len(p), nil
	}
	s.feed(p)
	return len(p), nil
}

// decideMode picks the mode from the pending bytes and analyses them.
func (s *Sniffer) decideMode() {
	s.mode = probeMode(s.pending)
	s.bom16 = s.mode != modeBytes && (bytes.HasPrefix(s.pending, []byte{0xFF, 0xFE}) || bytes.HasPrefix(s.pending, []byte{0xFE, 0xFF}))
	p := s.pending
	s.pending = nil
	s.feed(p)
}

// probeMode tells from a file's first bytes whether it is UTF-16: a byte
// order mark says so, and so does a NUL in every second byte among at
// least 16 bytes, for ASCII-heavy text: at least 90% of the high bytes NUL
// (a few characters beyond U+00FF are allowed) and fewer than 10% of the
// low ones (U+xx00, as in a surrogate DE00).
func probeMode(p []byte) int {
	switch {
	case bytes.HasPrefix(p, []byte{0xEF, 0xBB, 0xBF}):
		return modeBytes
	case bytes.HasPrefix(p, []byte{0xFF, 0xFE}):
		return modeLE
	case bytes.HasPrefix(p, []byte{0xFE, 0xFF}):
		return modeBE
	}
	units := len(p) / 2
	if units < 8 {
		return modeBytes
	}
	var nulEven, nulOdd int
	for i := 0; i < units*2; i += 2 {
		if p[i] == 0 {
			nulEven++
		}
		if p[i+1] == 0 {
			nulOdd++
		}
	}
	switch {
	case nulOdd*10 >= units*9 && nulEven*10 < units:
		return modeLE
	case nulEven*10 >= units*9 && nulOdd*10 < units:
		return modeBE
	}
	return modeBytes
}

func (s *Sniffer) feed(p []byte) {
	if s.mode == modeBytes {
		s.feedBytes(p)
	} else {
		s.feed16(p)
	}
	s.fed += int64(len(p))
}

// feedBytes analyses bytes of a UTF-8 or single-byte file.
func (s *Sniffer) feedBytes(p []byte) {
	base := s.fed - int64(len(s.carry)) // file offset of buf[0]
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
}

// feed16 analyses the code units of a UTF-16 file; an odd byte waits in
// carry for its partner.
func (s *Sniffer) feed16(p []byte) {
	base := s.fed - int64(len(s.carry))
	buf := p
	if len(s.carry) > 0 {
		buf = append(append([]byte{}, s.carry...), p...)
		s.carry = s.carry[:0]
	}
	i := 0
	for ; i+1 < len(buf); i += 2 {
		var u uint16
		if s.mode == modeLE {
			u = uint16(buf[i]) | uint16(buf[i+1])<<8
		} else {
			u = uint16(buf[i])<<8 | uint16(buf[i+1])
		}
		at := base + int64(i)
		if s.hiAt >= 0 {
			if u >= 0xDC00 && u <= 0xDFFF {
				s.hiAt = -1
				continue
			}
			s.unpaired(uint16(s.hi), s.hiLine, s.hiAt)
			s.hiAt = -1
		}
		switch {
		case u >= 0xD800 && u <= 0xDBFF:
			s.hi, s.hiLine, s.hiAt = int64(u), s.line, at
		case u >= 0xDC00 && u <= 0xDFFF:
			s.unpaired(u, s.line, at)
		case u == '\n':
			s.line++
		case u < utf8.RuneSelf && !s.ctrlSeen && binaryByte(byte(u)):
			s.ctrl, s.ctrlSeen, s.ctrlLine, s.ctrlAt = byte(u), true, s.line, at
		}
	}
	s.carry = append(s.carry, buf[i:]...)
}

func (s *Sniffer) unpaired(u uint16, line, at int64) {
	if !s.loneSeen {
		s.lone, s.loneSeen, s.loneLine, s.loneAt = u, true, line, at
	}
}

// settle counts an incomplete sequence at the end of the file as bytes
// that are not UTF-8.
func (s *Sniffer) settle() {
	if s.line == 0 {
		s.line = 1
		s.hiAt = -1
	}
	if s.mode == modeUndecided {
		s.decideMode()
	}
	if s.mode != modeBytes {
		return // an odd byte or a pending high surrogate is judged by Decide
	}
	if len(s.carry) > 0 {
		s.invalid.add(max(s.line, 1))
		s.carry = s.carry[:0]
	}
}

// BOM reports whether the content starts with a UTF-8 byte order mark.
func (s *Sniffer) BOM() bool { return bytes.HasPrefix(s.head, []byte("\xEF\xBB\xBF")) }

// Size returns the number of bytes seen.
func (s *Sniffer) Size() int64 { return s.n }

// UTF16 returns UTF16LE or UTF16BE when the file is read as UTF-16 (a
// byte order mark or the pattern of its bytes says so), else "".
func (s *Sniffer) UTF16() string {
	s.settle()
	switch s.mode {
	case modeLE:
		return UTF16LE
	case modeBE:
		return UTF16BE
	}
	return ""
}

// Encoding returns what auto detection finds, without judging: UTF-16 for
// a UTF-16 file (see UTF16), UTF8 for a BOM or content that is valid UTF-8
// throughout, Windows1252 otherwise. Use Decide to refuse files no
// encoding reads correctly.
func (s *Sniffer) Encoding() string {
	if u := s.UTF16(); u != "" {
		return u
	}
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
//   - a UTF-16 file (see UTF16) that is truncated (an odd number of bytes)
//     or holds an unpaired surrogate (ErrDamaged), or that is to be read
//     in another encoding (ErrNotDeclared); Auto and UTF16 read it in its
//     byte order;
//   - a file to be read as UTF-16 that is none (ErrNotDeclared);
//   - with Auto, a file with UTF-8 characters and bytes that are not UTF-8
//     (ErrMixed); a file valid as UTF-8 throughout is UTF-8, a file
//     without any UTF-8 multi-byte sequence windows-1252;
//   - with UTF8, a file with bytes that are not UTF-8 (ErrNotUTF8, or
//     ErrMixed when it holds UTF-8 characters too);
//   - with a single-byte encoding, a file holding UTF-8 multi-byte
//     sequences (ErrLooksUTF8), unless trust is set: the rare file whose
//     windows-1252 text really reads like UTF-8.
//
// trust overrides guesses only: not a byte order mark, and not NUL bytes
// (which a UTF-16 file read as single bytes is full of). A UTF-16 file
// without a BOM, told by its pattern, may be read in the other byte order
// with trust.
func (s *Sniffer) Decide(requested string, trust bool) (string, error) {
	s.settle()
	n, err := Normalize(requested)
	if err != nil {
		return "", err
	}
	if s.mode != modeBytes {
		return s.decide16(n, trust)
	}
	if IsUTF16(n) {
		return "", fmt.Errorf("%w: %s is to be read as %s but is no UTF-16: it has no byte order mark and not UTF-16's pattern "+
			"of a NUL in every second byte; import it with encoding auto, or save it again as Unicode text (UTF-16 with a byte order mark) or UTF-8",
			ErrNotDeclared, s.file(), n)
	}
	if s.ctrlSeen {
		what := fmt.Sprintf("a control byte 0x%02X", s.ctrl)
		hint := "sestd imports CSV and XML text: is it the right file (not a compressed, binary or padded one)? Export it again"
		if s.ctrl == 0 {
			what = "a NUL byte (0x00)"
			hint += "; a UTF-16 (\"Unicode text\") file needs its byte order mark: save it again as CSV UTF-8, CSV (windows-1252) " +
				"or Unicode text, and import that"
		}
		return "", fmt.Errorf("%w: %s at line %d (byte offset %d); %s", ErrNotText, what, s.ctrlLine, s.ctrlAt, hint)
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

// decide16 is Decide for a UTF-16 file.
func (s *Sniffer) decide16(n string, trust bool) (string, error) {
	order, how := UTF16LE, "its byte order mark"
	if s.mode == modeBE {
		order = UTF16BE
	}
	if !s.bom16 {
		how = "a NUL in every second byte"
	}
	switch {
	case s.n%2 == 1:
		return "", fmt.Errorf("%w: %s is %s (%s) but ends in half a character at line %d: "+
			"it has an odd number of bytes (%d) where UTF-16 has two per character; it is truncated: export it again",
			ErrDamaged, s.file(), order, how, s.line, s.n)
	case s.hiAt >= 0 && !s.loneSeen:
		return "", fmt.Errorf("%w: %s is %s (%s) but ends in half a surrogate pair at line %d (byte offset %d); "+
			"it is truncated: export it again", ErrDamaged, s.file(), order, how, s.hiLine, s.hiAt)
	case s.loneSeen:
		return "", fmt.Errorf("%w: %s is %s (%s) but holds an unpaired surrogate 0x%04X at line %d (byte offset %d), "+
			"half of a character: the file is damaged; export it again", ErrDamaged, s.file(), order, how, s.lone, s.loneLine, s.loneAt)
	case s.ctrlSeen:
		return "", fmt.Errorf("%w: %s is %s (%s) but holds a control character U+%04X at line %d (byte offset %d); "+
			"sestd imports CSV and XML text: is it the right file? Export it again", ErrNotText, s.file(), order, how, s.ctrl, s.ctrlLine, s.ctrlAt)
	}
	switch {
	case n == Auto || n == UTF16 || n == order:
		return order, nil
	case IsUTF16(n) && trust && !s.bom16:
		return n, nil
	case IsUTF16(n):
		fix := "import it with encoding auto (or " + order + ")"
		if s.bom16 {
			fix += "; --trust-encoding does not override a byte order mark"
		}
		return "", fmt.Errorf("%w: %s is %s (%s) but is to be read as %s, which would garble every character; %s",
			ErrNotDeclared, s.file(), order, how, n, fix)
	}
	return "", fmt.Errorf("%w: %s is %s (%s) but is to be read as %s, which would read a NUL byte beside every letter; "+
		"import it with encoding auto (or %s); --trust-encoding does not read UTF-16 as %s",
		ErrNotDeclared, s.file(), order, how, n, order, n)
}

// file names the file in messages.
func (s *Sniffer) file() string {
	if s.Name == "" {
		return "the file"
	}
	return s.Name
}

// MIMEName returns the charset parameter for a file written in encoding
// name (a Content-Type's charset=…): utf-8 for the UTF-16 names, which
// are written in UTF-8 (see Written).
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
