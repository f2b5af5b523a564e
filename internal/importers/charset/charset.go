// Package charset names the character encodings sestd's import files may
// use (S-BEAT's list: windows-1252, utf8, cp437, ascii, latin_1; and
// UTF-16, Excel's "Unicode text"), detects the encoding of a file, and
// decodes and encodes through golang.org/x/text, never by hand.
package charset

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The encoding names, as S-BEAT spells them. Auto asks for detection.
const (
	Auto        = "auto"
	UTF8        = "utf8"
	Windows1252 = "windows-1252"
	CP437       = "cp437"
	ASCII       = "ascii"
	Latin1      = "latin_1"
	// UTF16LE and UTF16BE are UTF-16 in a byte order; UTF16 asks for
	// UTF-16 in the order its byte order mark tells. sestd reads UTF-16
	// but writes none: a file "in" a UTF-16 encoding is written in UTF-8
	// with a BOM (see Written).
	UTF16LE = "utf-16le"
	UTF16BE = "utf-16be"
	UTF16   = "utf-16"
)

// ErrUnknown is returned for an encoding name that is not supported.
var ErrUnknown = errors.New("unknown encoding")

// Names lists the supported encodings (without Auto).
func Names() []string {
	return []string{UTF8, Windows1252, CP437, ASCII, Latin1, UTF16LE, UTF16BE, UTF16}
}

// IsUTF16 reports whether name (normalised) is one of the UTF-16 names.
func IsUTF16(name string) bool { return name == UTF16LE || name == UTF16BE || name == UTF16 }

// Written returns the encoding a file to be written in encoding name is
// really written in: UTF-8 for the UTF-16 names (NewWriter), name itself
// otherwise.
func Written(name string) string {
	if n, err := Normalize(name); err == nil && IsUTF16(n) {
		return UTF8
	}
	return name
}

// Normalize maps a name or a common alias (utf-8, cp1252, iso-8859-1,
// latin1, us-ascii, ibm437, utf-16le, unicode, …; case-insensitive) to one of the constants.
// The empty name is Auto.
func Normalize(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.ReplaceAll(n, "_", "-")
	switch n {
	case "", "auto":
		return Auto, nil
	case "utf8", "utf-8", "utf-8-sig", "utf8-bom", "utf-8-bom":
		return UTF8, nil
	case "windows-1252", "cp1252", "win-1252", "windows1252", "ansi":
		return Windows1252, nil
	case "cp437", "ibm437", "437", "cp-437", "dos":
		return CP437, nil
	case "ascii", "us-ascii", "us":
		return ASCII, nil
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1", "iso-latin-1":
		return Latin1, nil
	case "utf-16le", "utf16le", "utf-16-le", "ucs-2le":
		return UTF16LE, nil
	case "utf-16be", "utf16be", "utf-16-be", "ucs-2be":
		return UTF16BE, nil
	case "utf-16", "utf16", "ucs-2", "unicode":
		return UTF16, nil
	}
	return "", fmt.Errorf("%w %q (known: %s)", ErrUnknown, name, strings.Join(Names(), ", "))
}

func lookup(name string) (encoding.Encoding, error) {
	n, err := Normalize(name)
	if err != nil {
		return nil, err
	}
	switch n {
	case UTF8:
		return unicode.UTF8BOM, nil // strips a BOM when decoding
	case Windows1252:
		return charmap.Windows1252, nil
	case CP437:
		return charmap.CodePage437, nil
	case ASCII:
		// x/text has no strict ASCII; like WHATWG's encoding standard,
		// read it as windows-1252, its superset.
		return charmap.Windows1252, nil
	case Latin1:
		return charmap.ISO8859_1, nil
	case UTF16LE:
		// A BOM is dropped; Sniffer.Decide refuses one of the other order.
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), nil
	case UTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), nil
	case UTF16:
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), nil
	}
	return nil, fmt.Errorf("%w %q: name an encoding or detect it first", ErrUnknown, name)
}

// NewReader decodes r from encoding name to UTF-8, streaming. For UTF-8, a
// leading BOM is dropped and invalid bytes make Read fail with an error
// wrapping encoding.ErrInvalidUTF8. For UTF-16, a leading BOM is dropped
// (UTF16 needs one); a truncated file or an unpaired surrogate reads as
// U+FFFD: Sniffer.Decide refuses such files before they are read.
func NewReader(r io.Reader, name string) (io.Reader, error) {
	enc, err := lookup(name)
	if err != nil {
		return nil, err
	}
	if n, _ := Normalize(name); n == UTF8 {
		return transform.NewReader(r, transform.Chain(encoding.UTF8Validator, enc.NewDecoder())), nil
	}
	return transform.NewReader(r, enc.NewDecoder()), nil
}

// standIns are readable ASCII forms of characters sestd's own messages
// use, for files whose encoding lacks them.
var standIns = map[rune]string{
	'×': "x", '–': "-", '—': "-", '…': "...", '→': "->", '←': "<-", '≤': "<=", '≥': ">=", '≠': "!=",
	'‘': "'", '’': "'", '‚': "'", '“': "\"", '”': "\"", '„': "\"", '«': "\"", '»': "\"", '•': "*", '\u00a0': " ",
}

// Readable returns s with every character that encoding name cannot
// represent replaced by a readable stand-in (× as x, … as ..., else ?),
// so that a message written into a file of that encoding reads well
// instead of showing the encoder's substitute byte (0x1A). UTF-8 and
// unknown names leave s as it is.
func Readable(name, s string) string {
	enc, err := lookup(name)
	if err != nil {
		return s
	}
	cm, ok := enc.(*charmap.Charmap)
	if !ok {
		return s
	}
	var b strings.Builder
	changed := false
	for _, r := range s {
		if _, ok := cm.EncodeRune(r); ok {
			b.WriteRune(r)
			continue
		}
		changed = true
		if st, ok := standIns[r]; ok {
			b.WriteString(st)
		} else {
			b.WriteByte('?')
		}
	}
	if !changed {
		return s
	}
	return b.String()
}

// NewWriter encodes UTF-8 written to it into encoding name on w. Characters
// the encoding cannot represent become a replacement character. With bom, a UTF-8 writer
// starts with a byte order mark. A UTF-16 name writes UTF-8 with a byte
// order mark (Excel opens it as Unicode, and every other tool reads it):
// see Written.
func NewWriter(w io.Writer, name string, bom bool) (io.Writer, error) {
	n, err := Normalize(name)
	if err != nil {
		return nil, err
	}
	if IsUTF16(n) {
		n, bom = UTF8, true
	}
	if n == UTF8 {
		if bom {
			if _, err := w.Write([]byte("\uFEFF")); err != nil {
				return nil, err
			}
		}
		return struct{ io.Writer }{w}, nil // no Close: the caller owns w
	}
	enc, err := lookup(n)
	if err != nil {
		return nil, err
	}
	return transform.NewWriter(w, encoding.ReplaceUnsupported(enc.NewEncoder())), nil
}
