package wire

import (
	"bytes"
	"encoding/xml"
	"slices"
)

// The wireDecoder's tokens: read one at a time (next) into the decoder's
// fields, from the scanner or from encoding/xml, with the namespace
// bindings in scope.

// tokKind is the kind of a token: a start element, an end element or
// character data.
type tokKind uint8

const (
	kindStart tokKind = iota + 1
	kindEnd
	kindText
)

// binding is a namespace declaration: xmlns:prefix="space" (prefix ""
// for the default namespace) on an element at depth.
type binding struct {
	prefix, space string
	depth         int
}

// xmlNS is the namespace of the xml prefix.
const xmlNS = "http://www.w3.org/XML/1998/namespace"

// next reads the next token into w.kind, w.name, w.attr and w.data and
// maintains the namespace bindings, as xml.Decoder.Token does: comments,
// processing instructions and directives are skipped.
func (w *wireDecoder) next() (tokKind, error) {
	if w.sc != nil {
		return w.nextScanned()
	}
	for {
		tok, err := w.xd.Token()
		if err != nil {
			return 0, err
		}
		switch t := tok.(type) {
		case xml.StartElement: // names resolved by encoding/xml
			w.kind, w.name, w.attr = kindStart, t.Name, t.Attr
			w.depth++
			for _, a := range t.Attr {
				w.declare(a.Name.Space, a.Name.Local, a.Value)
			}
		case xml.EndElement:
			w.kind, w.name = kindEnd, t.Name
			w.unbind()
		case xml.CharData:
			w.kind, w.data = kindText, t
		default:
			continue
		}
		return w.kind, nil
	}
}

// nextScanned is next from the scanner: it resolves the prefixes of the
// raw names, an element's through the name's cache.
func (w *wireDecoder) nextScanned() (tokKind, error) {
	s := w.sc
	if err := s.next(); err != nil {
		return 0, err
	}
	switch s.kind {
	case kindStart:
		w.depth++
		for _, a := range s.attrs {
			w.declare(a.name.prefix, a.name.local, a.value)
		}
		w.name, w.raw = w.elementName(s.name), s.name
		w.attr = w.attr[:0]
		for _, a := range s.attrs {
			w.attr = append(w.attr, xml.Attr{Name: xml.Name{Space: w.translate(a.name.prefix, false), Local: a.name.local}, Value: a.value})
		}
	case kindEnd:
		w.name = w.elementName(s.name)
		w.unbind()
	case kindText:
		w.data = s.text
	}
	w.kind = s.kind
	return s.kind, nil
}

// bind declares prefix for the element just opened.
func (w *wireDecoder) bind(prefix, space string) {
	w.bindings = append(w.bindings, binding{prefix: prefix, space: space, depth: w.depth})
	w.gen++
}

// unbind drops the declarations of the element just closed.
func (w *wireDecoder) unbind() {
	n := len(w.bindings)
	for n > 0 && w.bindings[n-1].depth == w.depth {
		n--
	}
	if n != len(w.bindings) {
		w.bindings = w.bindings[:n]
		w.gen++
	}
	w.depth--
}

// lookup returns the namespace prefix is bound to.
func (w *wireDecoder) lookup(prefix string) (string, bool) {
	for i := len(w.bindings) - 1; i >= 0; i-- {
		if w.bindings[i].prefix == prefix {
			return w.bindings[i].space, true
		}
	}
	return "", false
}

// translate resolves a raw name's prefix as xml.Decoder.Token does: an
// unprefixed element is in the default namespace, an unprefixed attribute
// in none, xmlns declarations keep their prefix, an undeclared prefix is
// left as it is.
func (w *wireDecoder) translate(prefix string, isElement bool) string {
	switch {
	case prefix == "xmlns":
		return prefix
	case prefix == "" && !isElement:
		return prefix
	case prefix == "xml":
		return xmlNS
	}
	if space, ok := w.lookup(prefix); ok {
		return space
	}
	return prefix
}

// elementName resolves the name of a scanned element, through its cache
// while the bindings have not changed.
func (w *wireDecoder) elementName(n *rawName) xml.Name {
	if n.gen != w.gen {
		n.space, n.gen = w.translate(n.prefix, true), w.gen
	}
	return xml.Name{Space: n.space, Local: n.local}
}

// token returns the next token as encoding/xml's Token does (for the
// envelope and the fault, read a few tokens each; the messages go through
// next).
func (w *wireDecoder) token() (xml.Token, error) {
	kind, err := w.next()
	if err != nil {
		return nil, err
	}
	switch kind {
	case kindStart:
		return xml.StartElement{Name: w.name, Attr: slices.Clone(w.attr)}, nil
	case kindEnd:
		return xml.EndElement{Name: w.name}, nil
	}
	return xml.CharData(bytes.Clone(w.data)), nil
}

// skip consumes the rest of the current element.
func (w *wireDecoder) skip() error {
	for depth := 1; depth > 0; {
		kind, err := w.next()
		if err != nil {
			return err
		}
		switch kind {
		case kindStart:
			depth++
		case kindEnd:
			depth--
		}
	}
	return nil
}

// declare binds a namespace when the attribute prefix:local="value" is a
// declaration (xmlns:p or xmlns).
func (w *wireDecoder) declare(prefix, local, value string) {
	switch {
	case prefix == "xmlns":
		w.bind(local, value)
	case prefix == "" && local == "xmlns":
		w.bind("", value)
	}
}
