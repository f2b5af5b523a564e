package wire

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// scanner tokenizes a response body held in memory for the Client's
// decoder. encoding/xml reads a document rune by rune through a buffered
// reader and spends most of the Client's decoding time doing so
// (BenchmarkDecode500); the scanner reads the body's bytes in place. Each
// call of next reads the token xml.Decoder.RawToken would return (names
// untranslated; the wireDecoder resolves their prefixes through its
// bindings) into the scanner's fields, without boxing it in an xml.Token,
// and refuses what is not well-formed: an end tag that does not match its
// start, an unknown entity, invalid UTF-8 or control characters, a body
// that ends inside an element. Comments and processing instructions are
// skipped.
//
// newScanner declines bodies it does not read (a declared encoding other
// than UTF-8, a byte-order mark other than UTF-8's, a DOCTYPE): those go
// through encoding/xml as before.
type scanner struct {
	b   []byte
	pos int
	// open holds the names of the open elements, for the end-tag check.
	open []*rawName
	// names interns element and attribute names, values attribute values
	// (a response repeats a few dozen names, namespaces and xsi:types
	// thousands of times).
	names  map[string]*rawName
	values map[string]string
	// prev is the name of the last start tag (see startName).
	prev *rawName
	// selfClosed is set after <x/>: its end element comes next.
	selfClosed bool
	scratch    []byte // for character data that needs rewriting

	// The token read by next, valid until the next call: its kind; the
	// name of a start or end element; the attributes of a start element;
	// character data.
	kind  tokKind
	name  *rawName
	attrs []rawAttr
	text  []byte
}

// rawName is an element or attribute name as written, interned by the
// scanner: prefix and local are Space and Local of the xml.Name
// RawToken returns.
type rawName struct {
	raw, prefix, local string
	// next is the name of the start tag that followed this one's last
	// time (see startName).
	next *rawName
	// space caches the namespace the wireDecoder resolved the prefix of
	// an element name to, while its bindings are at generation gen.
	space string
	gen   uint64
	// The decoder's caches: the field of fields an element of this name
	// was last read into (fieldOK false: it was unknown there), and how
	// it was read when it was a struct of structType in structNS.
	fields     *fieldSet
	field      wireField
	fieldOK    bool
	structType reflect.Type
	structNS   string
	structInfo *structInfo
}

// rawAttr is an attribute of a start element, its value unescaped.
type rawAttr struct {
	name  *rawName
	value string
}

// newScanner returns a scanner for body, or false when the body must go
// through encoding/xml.
func newScanner(body []byte) (*scanner, bool) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if len(body) > 1 && (body[0] == 0xfe || body[0] == 0xff || body[0] == 0) {
		return nil, false // UTF-16 or UTF-32
	}
	if bytes.HasPrefix(body, []byte("<?xml")) {
		end := bytes.Index(body, []byte("?>"))
		if end < 0 {
			return nil, false
		}
		if enc, ok := pseudoAttr(string(body[5:end]), "encoding"); ok && !strings.EqualFold(enc, "utf-8") && !strings.EqualFold(enc, "utf8") {
			return nil, false
		}
	}
	if hasDoctype(body) {
		return nil, false
	}
	return &scanner{b: body, names: map[string]*rawName{}, values: map[string]string{}}, true
}

// hasDoctype reports whether the prolog (what stands before the root
// element) holds a document type declaration, or other markup the scanner
// does not read. A DOCTYPE can stand nowhere else: one inside the root
// element is not well-formed, and the scanner refuses it.
func hasDoctype(body []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(body[i:], '<')
		if j < 0 {
			return false
		}
		rest := body[i+j:]
		var end int
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			end = bytes.Index(rest, []byte("?>"))
		case bytes.HasPrefix(rest, []byte("<!--")):
			end = bytes.Index(rest, []byte("-->"))
		case bytes.HasPrefix(rest, []byte("<!")):
			return true
		default:
			return false // the root element
		}
		if end < 0 {
			return false // unterminated: the scanner reports it
		}
		i += j + end + 2
	}
}

// pseudoAttr reads name="value" from an XML declaration.
func pseudoAttr(decl, name string) (string, bool) {
	i := strings.Index(decl, name)
	if i < 0 {
		return "", false
	}
	rest := strings.TrimLeft(decl[i+len(name):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return "", false
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return "", false
	}
	v, _, ok := strings.Cut(rest[1:], rest[:1])
	return v, ok
}

func (s *scanner) errorf(format string, args ...any) error {
	line := 1 + bytes.Count(s.b[:min(s.pos, len(s.b))], []byte("\n"))
	return &xml.SyntaxError{Msg: fmt.Sprintf(format, args...), Line: line}
}

// next reads the next token into s.kind, s.name, s.attrs and s.text;
// io.EOF after the last.
func (s *scanner) next() error {
	if s.selfClosed {
		s.selfClosed = false
		s.kind = kindEnd // named as its start
		return nil
	}
	for {
		if s.pos >= len(s.b) {
			if len(s.open) > 0 {
				return s.errorf("unexpected EOF: element <%s> not closed", s.open[len(s.open)-1].raw)
			}
			return io.EOF
		}
		if s.b[s.pos] != '<' {
			return s.charData()
		}
		rest := s.b[s.pos:]
		var next byte
		if len(rest) > 1 {
			next = rest[1]
		}
		switch {
		case next != '/' && next != '!' && next != '?':
			return s.startElement()
		case next == '/':
			return s.endElement()
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				return s.errorf("unexpected EOF in comment")
			}
			s.pos += 4 + end + 3
		case next == '?':
			end := bytes.Index(rest, []byte("?>"))
			if end < 0 {
				return s.errorf("unexpected EOF in processing instruction")
			}
			s.pos += end + 2
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end := bytes.Index(rest[9:], []byte("]]>"))
			if end < 0 {
				return s.errorf("unexpected EOF in CDATA section")
			}
			raw := rest[9 : 9+end]
			s.pos += 9 + end + 3
			if err := s.checkChars(raw); err != nil {
				return err
			}
			s.kind, s.text = kindText, s.normalizeNewlines(raw)
			return nil
		default:
			return s.errorf("unsupported markup %.20q", rest)
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// nameEnd returns the end of the name starting at i.
func (s *scanner) nameEnd(i int) int {
	for i < len(s.b) && !nameStop[s.b[i]] {
		i++
	}
	return i
}

// nameStop marks the bytes that end a name: space, '>', '/', '=', '<'
// and quotes (a constant table).
var nameStop = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '>': true, '/': true, '=': true, '<': true, '"': true, '\'': true}

func (s *scanner) intern(b []byte) *rawName {
	if n, ok := s.names[string(b)]; ok {
		return n
	}
	n := &rawName{raw: string(b)}
	n.local = n.raw
	if prefix, local, ok := strings.Cut(n.raw, ":"); ok && prefix != "" && local != "" {
		n.prefix, n.local = prefix, local
	}
	s.names[n.raw] = n
	return n
}

func (s *scanner) internValue(b []byte) string {
	if v, ok := s.values[string(b)]; ok {
		return v
	}
	v := string(b)
	s.values[v] = v
	return v
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.b) && isSpace(s.b[s.pos]) {
		s.pos++
	}
}

func (s *scanner) startElement() error {
	s.pos++ // <
	name, err := s.startName()
	if err != nil {
		return err
	}
	s.kind, s.name, s.attrs = kindStart, name, s.attrs[:0]
	for {
		s.skipSpace()
		if s.pos >= len(s.b) {
			return s.errorf("unexpected EOF in element <%s>", name.raw)
		}
		switch s.b[s.pos] {
		case '>':
			s.pos++
			s.open = append(s.open, name)
			return nil
		case '/':
			if s.pos+1 >= len(s.b) || s.b[s.pos+1] != '>' {
				return s.errorf("expected /> in element <%s>", name.raw)
			}
			s.pos += 2
			s.selfClosed = true
			return nil
		}
		end := s.nameEnd(s.pos)
		if end == s.pos {
			return s.errorf("expected attribute name in element <%s>", name.raw)
		}
		an := s.intern(s.b[s.pos:end])
		s.pos = end
		s.skipSpace()
		if s.pos >= len(s.b) || s.b[s.pos] != '=' {
			return s.errorf("attribute %s without value in element <%s>", an.raw, name.raw)
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(s.b) || (s.b[s.pos] != '"' && s.b[s.pos] != '\'') {
			return s.errorf("unquoted value of attribute %s in element <%s>", an.raw, name.raw)
		}
		q := s.b[s.pos]
		vend := bytes.IndexByte(s.b[s.pos+1:], q)
		if vend < 0 {
			return s.errorf("unexpected EOF in attribute %s", an.raw)
		}
		val := s.b[s.pos+1 : s.pos+1+vend]
		s.pos += vend + 2
		if bytes.IndexByte(val, '<') >= 0 {
			return s.errorf("unescaped < in attribute %s", an.raw)
		}
		v, err := s.unescape(val)
		if err != nil {
			return err
		}
		s.attrs = append(s.attrs, rawAttr{name: an, value: s.internValue(v)})
	}
}

// startName reads the name of a start tag. The elements of a response
// repeat in the same order item after item: the name that followed the
// previous start tag's name last time is compared in place first, and
// only another name is delimited and looked up.
func (s *scanner) startName() (*rawName, error) {
	if p := s.prev; p != nil && p.next != nil {
		n := p.next
		if end := s.pos + len(n.raw); end < len(s.b) && nameStop[s.b[end]] && string(s.b[s.pos:end]) == n.raw {
			s.pos, s.prev = end, n
			return n, nil
		}
	}
	end := s.nameEnd(s.pos)
	if end == s.pos {
		return nil, s.errorf("expected element name after <")
	}
	n := s.intern(s.b[s.pos:end])
	s.pos = end
	if s.prev != nil {
		s.prev.next = n
	}
	s.prev = n
	return n, nil
}

func (s *scanner) endElement() error {
	s.pos += 2 // </
	if n := len(s.open); n > 0 {
		// The common case: the name of the open element, then '>'.
		top := s.open[n-1]
		if end := s.pos + len(top.raw); end < len(s.b) && s.b[end] == '>' && string(s.b[s.pos:end]) == top.raw {
			s.pos = end + 1
			s.open = s.open[:n-1]
			s.kind, s.name = kindEnd, top
			return nil
		}
	}
	end := s.nameEnd(s.pos)
	name := s.b[s.pos:end]
	s.pos = end
	s.skipSpace()
	if s.pos >= len(s.b) || s.b[s.pos] != '>' {
		return s.errorf("invalid characters between </%s and >", name)
	}
	s.pos++
	if len(s.open) == 0 {
		return s.errorf("unexpected end element </%s>", name)
	}
	top := s.open[len(s.open)-1]
	if top.raw != string(name) {
		return s.errorf("element <%s> closed by </%s>", top.raw, name)
	}
	s.open = s.open[:len(s.open)-1]
	s.kind, s.name = kindEnd, top
	return nil
}

func (s *scanner) charData() error {
	end := bytes.IndexByte(s.b[s.pos:], '<')
	if end < 0 {
		end = len(s.b) - s.pos
	}
	raw := s.b[s.pos : s.pos+end]
	s.pos += end
	if err := s.checkChars(raw); err != nil {
		return err
	}
	v, err := s.unescape(raw)
	if err != nil {
		return err
	}
	s.kind, s.text = kindText, v
	return nil
}

// checkChars refuses invalid UTF-8 and the control characters XML does
// not allow.
func (s *scanner) checkChars(b []byte) error {
	ascii := true
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return s.errorf("illegal character code U+%04X", c)
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	if !ascii && !utf8.Valid(b) {
		return s.errorf("invalid UTF-8")
	}
	return nil
}

// normalizeNewlines turns \r\n and \r into \n, as XML requires.
func (s *scanner) normalizeNewlines(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	out := s.scratch[:0]
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' {
			out = append(out, '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			continue
		}
		out = append(out, b[i])
	}
	s.scratch = out
	return out
}

// unescape resolves the entities and character references of text or an
// attribute value and normalizes newlines. Text without either is
// returned as it is (no copy).
func (s *scanner) unescape(b []byte) ([]byte, error) {
	if bytes.IndexByte(b, '&') < 0 {
		return s.normalizeNewlines(b), nil
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			out = append(out, b...)
			break
		}
		out = append(out, b[:i]...)
		b = b[i:]
		semi := bytes.IndexByte(b, ';')
		if semi < 0 {
			return nil, s.errorf("invalid character entity %.12s (no semicolon)", b)
		}
		ent := string(b[1:semi])
		b = b[semi+1:]
		switch ent {
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "amp":
			out = append(out, '&')
		case "apos":
			out = append(out, '\'')
		case "quot":
			out = append(out, '"')
		default:
			r, ok := charRef(ent)
			if !ok {
				return nil, s.errorf("invalid character entity &%s;", ent)
			}
			out = utf8.AppendRune(out, r)
		}
	}
	if bytes.IndexByte(out, '\r') >= 0 {
		return append([]byte(nil), s.normalizeNewlines(out)...), nil
	}
	return out, nil
}

// charRef reads #123 or #x7B as a character XML allows.
func charRef(ent string) (rune, bool) {
	var n uint64
	var err error
	switch {
	case strings.HasPrefix(ent, "#x"):
		n, err = strconv.ParseUint(ent[2:], 16, 32)
	case strings.HasPrefix(ent, "#"):
		n, err = strconv.ParseUint(ent[1:], 10, 32)
	default:
		return 0, false
	}
	r := rune(n)
	if err != nil || !(r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
		return 0, false
	}
	return r, true
}
