// Package xmlx decodes sestd's XML import files as a stream with
// encoding/xml, within limits: nesting deeper than MaxDepth or a single
// token (tag, text, comment) longer than MaxTokenBytes refuses the file
// with a clear error, so that memory stays bounded whatever the input.
// The document's declared encoding is honoured through package charset.
package xmlx

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/charset"
)

// Limits bound the input; zero values mean 64 levels and 1 MiB.
type Limits struct {
	MaxDepth      int
	MaxTokenBytes int
}

// Errors for input beyond the limits; both wrap batch.ErrPermanent.
var (
	ErrTooDeep      = fmt.Errorf("%w: XML nested too deeply", batch.ErrPermanent)
	ErrTokenTooLong = fmt.Errorf("%w: XML token too long", batch.ErrPermanent)
)

// guard counts the bytes since the last '<' or '>' and fails when a run
// exceeds the limit: no single token can then be larger.
type guard struct {
	r     io.Reader
	limit int
	run   int
	err   error
}

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '<' || p[i] == '>' {
			g.run = 0
			continue
		}
		g.run++
		if g.run > g.limit {
			g.err = fmt.Errorf("%w: more than %d bytes without markup", ErrTokenTooLong, g.limit)
			return i, g.err
		}
	}
	return n, err
}

// Decoder yields tokens with the limits applied. Not safe for concurrent
// use.
type Decoder struct {
	d        *xml.Decoder
	lim      Limits
	depth    int
	encoding string
	forced   bool
}

// NewDecoder decodes r. With encoding Auto (or ""), the document's
// declaration names the encoding (UTF-8 without one); otherwise r is
// decoded from encoding and the declaration is not consulted.
func NewDecoder(r io.Reader, encoding string, lim Limits) (*Decoder, error) {
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = 64
	}
	if lim.MaxTokenBytes <= 0 {
		lim.MaxTokenBytes = 1 << 20
	}
	enc, err := charset.Normalize(encoding)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", batch.ErrPermanent, err)
	}
	x := &Decoder{lim: lim, encoding: charset.UTF8}
	var src io.Reader = &guard{r: r, limit: lim.MaxTokenBytes}
	if enc != charset.Auto {
		x.forced = true
		x.encoding = enc
		if src, err = charset.NewReader(src, enc); err != nil {
			return nil, fmt.Errorf("%w: %w", batch.ErrPermanent, err)
		}
	}
	x.d = xml.NewDecoder(src)
	x.d.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		if x.forced {
			return input, nil
		}
		name, err := charset.Normalize(label)
		if err != nil || name == charset.Auto {
			return nil, fmt.Errorf("declared encoding %q is not supported", label)
		}
		x.encoding = name
		return charset.NewReader(input, name)
	}
	return x, nil
}

// Encoding returns the encoding in use: given, declared or UTF-8.
func (x *Decoder) Encoding() string { return x.encoding }

// Line returns the current line in the input.
func (x *Decoder) Line() int64 {
	l, _ := x.d.InputPos()
	return int64(l)
}

// Depth returns the number of open elements.
func (x *Decoder) Depth() int { return x.depth }

// Token returns the next token (copied: it stays valid), io.EOF at the
// end. Errors name the line and wrap batch.ErrPermanent.
func (x *Decoder) Token() (xml.Token, error) {
	tok, err := x.d.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			if x.depth > 0 {
				return nil, fmt.Errorf("%w: XML ends inside an element at line %d", batch.ErrPermanent, x.Line())
			}
			return nil, io.EOF
		}
		if errors.Is(err, batch.ErrPermanent) {
			return nil, fmt.Errorf("line %d: %w", x.Line(), err)
		}
		return nil, fmt.Errorf("%w: XML at line %d: %w", batch.ErrPermanent, x.Line(), err)
	}
	switch tok.(type) {
	case xml.StartElement:
		x.depth++
		if x.depth > x.lim.MaxDepth {
			return nil, fmt.Errorf("%w: more than %d levels at line %d", ErrTooDeep, x.lim.MaxDepth, x.Line())
		}
	case xml.EndElement:
		x.depth--
	}
	return xml.CopyToken(tok), nil
}

// Attr returns the value of the attribute named name (local name,
// case-insensitive) and whether it is there.
func Attr(e xml.StartElement, name string) (string, bool) {
	for _, a := range e.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value, true
		}
	}
	return "", false
}

// Label returns the name to declare encoding name with in an XML
// declaration.
func Label(name string) string {
	switch n, _ := charset.Normalize(name); n {
	case charset.Latin1:
		return "ISO-8859-1"
	case charset.Windows1252, charset.ASCII:
		return "windows-1252"
	case charset.CP437:
		return "IBM437"
	}
	return "UTF-8"
}
