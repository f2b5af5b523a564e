package wire

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html/charset"

	"sestd/internal/sestmodel"
)

// The decoder: tolerant for the Client, strict (ParseRequest) for the
// simulator.

// wireDecoder reads a message, a token at a time (next), from the scanner
// (the Client's bodies) or from encoding/xml (other encodings, the
// simulator's strict request parsing). It keeps the namespace
// declarations in scope, so that prefixed names and xsi:type values
// resolve, and the path of the element it reads, for errors and the
// list of unknown elements.
type wireDecoder struct {
	sc *scanner     // the token source, or
	xd *xml.Decoder // when the scanner declines the body

	// The current token (see next): its kind; the name of a start or end
	// element, its prefix resolved; the attributes of a start element,
	// prefixes resolved, valid until the next token; character data,
	// valid until the next token.
	kind tokKind
	name xml.Name
	attr []xml.Attr
	data []byte
	// raw is the scanned name of the current start element (nil from
	// encoding/xml).
	raw *rawName

	// bindings are the namespace declarations in scope, innermost last,
	// each with the depth of the element declaring it; depth counts the
	// open elements. gen changes with every change of the bindings: a
	// scanner name resolved at the same gen resolves the same.
	bindings []binding
	depth    int
	gen      uint64

	// path holds the local names from the root element (as the caller
	// names it) to the current element; joined only for an error or an
	// unknown element.
	path []string
	buf  []byte // the character data of a simple element (textBytes)
	// values interns short string values (str).
	values map[string]string

	// strict (the simulator) refuses elements in the wrong namespace and
	// unknown elements; otherwise (the Client) fields are matched by local
	// name and unknown elements are skipped and listed in unknown.
	strict  bool
	unknown []string
}

// ValidationError is a message that does not have the official shape
// (strict decoding). Element names the offending element.
type ValidationError struct {
	Element string
	Reason  string
}

func (e *ValidationError) Error() string { return "element " + e.Element + ": " + e.Reason }

// UnknownTypeError is an item whose xsi:type sestd does not know.
type UnknownTypeError struct {
	Element string
	Type    xml.Name
}

func (e *UnknownTypeError) Error() string {
	return fmt.Sprintf("element %s: unknown xsi:type %s (namespace %s)", e.Element, e.Type.Local, e.Type.Space)
}

func newWireDecoder(d *xml.Decoder, strict bool) *wireDecoder {
	return &wireDecoder{xd: d, strict: strict, gen: 1}
}

// newBodyDecoder returns a tolerant decoder of a response body: the
// scanner when it reads the body, encoding/xml otherwise (other
// encodings, declared in the prolog, are converted).
func newBodyDecoder(body []byte) *wireDecoder {
	if sc, ok := newScanner(body); ok {
		return &wireDecoder{sc: sc, gen: 1}
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = charset.NewReaderLabel // e.g. ISO-8859-1 declared in the prolog
	return newWireDecoder(d, false)
}

// pathTo returns the path of the current element's child local.
func (w *wireDecoder) pathTo(local string) string {
	return strings.Join(w.path, "/") + "/" + local
}

// here returns the path of the current element.
func (w *wireDecoder) here() string { return strings.Join(w.path, "/") }

// resolve turns a QName value (prefix:local, or local in the default
// namespace) into a namespace and local name.
func (w *wireDecoder) resolve(q string) (xml.Name, error) {
	prefix, local, ok := strings.Cut(strings.TrimSpace(q), ":")
	if !ok {
		prefix, local = "", prefix
	}
	if space, ok := w.lookup(prefix); ok {
		return xml.Name{Space: space, Local: local}, nil
	}
	if prefix == "" {
		return xml.Name{Local: local}, nil
	}
	return xml.Name{}, fmt.Errorf("prefix %q of %q is not declared", prefix, q)
}

func xsiType(se xml.StartElement) (string, bool) { return xsiTypeAttr(se.Attr) }

func xsiTypeAttr(attr []xml.Attr) (string, bool) {
	for _, a := range attr {
		if a.Name.Local == "type" && a.Name.Space == NSXSI {
			return a.Value, true
		}
	}
	return "", false
}

// decodeFields reads the children of the current element, which paths
// name root, into the struct v, whose fields are in namespace ns (see
// fields).
func (w *wireDecoder) decodeFields(v reflect.Value, ns, root, sub string) error {
	w.path = append(w.path[:0], root)
	return w.fields(v, ns, sub, fieldMap(v.Type(), ns))
}

// fields reads the children of the current element into the struct v,
// whose fields are in namespace ns, fs (fieldMap(v.Type(), ns)) when
// tolerant. sub is the xsi:type the element was sent as (it picks the
// xsdonly fields of a type shared by subtypes).
func (w *wireDecoder) fields(v reflect.Value, ns, sub string, fs *fieldSet) error {
	if w.strict {
		return w.sequence(v, ns, sub)
	}
	for {
		kind, err := w.next()
		if err != nil {
			return err
		}
		switch kind {
		case kindEnd:
			return nil
		case kindStart:
			local := w.name.Local
			f, ok := w.field(fs)
			if !ok {
				w.unknown = append(w.unknown, w.pathTo(local))
				if err := w.skip(); err != nil {
					return err
				}
				continue
			}
			if err := w.child(local, v.FieldByIndex(f.index), f.ns); err != nil {
				return err
			}
		}
	}
}

// child decodes the element just started, local, into v (decodeValue),
// with local on the path.
func (w *wireDecoder) child(local string, v reflect.Value, ns string) error {
	w.path = append(w.path, local)
	err := w.decodeValue(v, ns)
	w.path = w.path[:len(w.path)-1]
	return err
}

// sequence is fields for strict decoding: as the schema's xs:sequence,
// every element in its namespace and in order, each required element
// (minOccurs 1) present, only lists repeated.
func (w *wireDecoder) sequence(v reflect.Value, ns, sub string) error {
	seq := sequenceOf(v.Type(), ns, sub)
	seen := make([]bool, len(seq))
	last := -1 // position of the last element read
	for {
		kind, err := w.next()
		if err != nil {
			return err
		}
		switch kind {
		case kindEnd:
			for i, f := range seq {
				if f.required && !seen[i] {
					return &ValidationError{Element: w.pathTo(f.name), Reason: "required element is missing"}
				}
			}
			return nil
		case kindStart:
			name := w.name
			pos := slices.IndexFunc(seq, func(f seqField) bool { return f.name == name.Local })
			if pos < 0 {
				return &ValidationError{Element: w.pathTo(name.Local), Reason: "not allowed here"}
			}
			f := seq[pos]
			if name.Space != f.ns {
				return &ValidationError{Element: w.pathTo(name.Local), Reason: fmt.Sprintf("in namespace %q, want %q", name.Space, f.ns)}
			}
			switch {
			case pos < last:
				return &ValidationError{Element: w.pathTo(seq[last].name),
					Reason: "out of order: expected " + name.Local + " first"}
			case pos == last && !f.repeated:
				return &ValidationError{Element: w.pathTo(name.Local), Reason: "appears more than once"}
			}
			last = pos
			seen[pos] = true
			if err := w.child(name.Local, v.FieldByIndex(f.index), f.ns); err != nil {
				return err
			}
		}
	}
}

// decodeValue decodes the element just started (the current token,
// whose attributes decodeChoice reads) into v; ns is the namespace the
// element's own children inherit when v's type has none.
func (w *wireDecoder) decodeValue(v reflect.Value, ns string) error {
	t := v.Type()
	switch t {
	case ranglisteType:
		var rw ranglisteWire
		if err := w.fields(reflect.ValueOf(&rw).Elem(), NSBewerberauswahl, "", fieldMap(ranglisteWireType, NSBewerberauswahl)); err != nil {
			return err
		}
		v.Set(reflect.ValueOf(rw.rangliste()))
		return nil
	case timestampType, base64Type:
		text, err := w.textBytes()
		if err != nil {
			return err
		}
		if t == timestampType {
			if tm, ok := parseWallClock(bytes.TrimSpace(text)); ok {
				v.Addr().Interface().(*sestmodel.Timestamp).Time = tm
				return nil
			}
		}
		// Both copy what they keep of text.
		if err := v.Addr().Interface().(interface{ UnmarshalText([]byte) error }).UnmarshalText(text); err != nil {
			return fmt.Errorf("%s: %w", w.here(), err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return w.decodeValue(v.Elem(), ns)
	case reflect.Slice:
		// As reflect.Append, without its copy of the slice header.
		n := v.Len()
		if n == v.Cap() {
			v.Grow(1)
		}
		v.SetLen(n + 1)
		e := v.Index(n)
		e.SetZero()
		return w.decodeValue(e, ns)
	case reflect.Struct:
		si := w.structOf(t, ns)
		if si.choice {
			return w.decodeChoice(v, si.alts)
		}
		return w.fields(v, si.ns, "", si.fields)
	}
	text, err := w.textBytes()
	if err != nil {
		return err
	}
	text = bytes.TrimSpace(text)
	switch t.Kind() {
	case reflect.String:
		v.SetString(w.str(text))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if len(text) == 0 {
			return nil
		}
		n, err := strconv.ParseInt(string(text), 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %w", w.here(), err)
		}
		v.SetInt(n)
	case reflect.Bool:
		if len(text) == 0 {
			return nil
		}
		b, err := strconv.ParseBool(string(text))
		if err != nil {
			return fmt.Errorf("%s: %w", w.here(), err)
		}
		v.SetBool(b)
	case reflect.Float32, reflect.Float64:
		if len(text) == 0 {
			return nil
		}
		f, err := strconv.ParseFloat(string(text), 64)
		if err != nil {
			return fmt.Errorf("%s: %w", w.here(), err)
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("%s: unsupported kind %s", w.here(), t.Kind())
	}
	return nil
}

// parseWallClock reads a timestamp in the Servicestelle's own form
// (sestmodel.TimestampLayout, the form of nearly every one) as UTC wall
// clock, as Timestamp.UnmarshalText does, without its string and layout
// parsing; false for any other form, which UnmarshalText reads or refuses.
func parseWallClock(b []byte) (time.Time, bool) {
	if len(b) != len(sestmodel.TimestampLayout) || b[4] != '-' || b[7] != '-' || b[10] != 'T' ||
		b[13] != ':' || b[16] != ':' || (b[19] != '.' && b[19] != ',') { // time.Parse takes either
		return time.Time{}, false
	}
	ok := true
	num := func(from, to int) int {
		n := 0
		for _, c := range b[from:to] {
			if c < '0' || c > '9' {
				ok = false
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec, ms := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19), num(20, 23)
	if !ok || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ms*1_000_000, time.UTC), true
}

// daysIn returns the number of days of month mo (1-12) of year y.
func daysIn(mo, y int) int {
	switch mo {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// decodeChoice reads a polymorphic item (just started): its xsi:type
// picks the concrete type.
func (w *wireDecoder) decodeChoice(v reflect.Value, alts []alternative) error {
	q, ok := xsiTypeAttr(w.attr)
	if !ok {
		return &ValidationError{Element: w.here(), Reason: "xsi:type missing (want one of " + strings.Join(choiceNames(v.Type()), ", ") + ")"}
	}
	name, err := w.resolve(q)
	if err != nil {
		return &ValidationError{Element: w.here(), Reason: "xsi:type: " + err.Error()}
	}
	for _, alt := range alts {
		if alt.ns != name.Space || !slices.Contains(alt.names, name.Local) {
			continue
		}
		p := reflect.New(alt.typ)
		if err := w.fields(p.Elem(), alt.ns, name.Local, alt.fields); err != nil {
			return err
		}
		if m, ok := p.Interface().(multiTyped); ok {
			m.SetXSIType(name.Local)
		}
		v.Field(alt.field).Set(p)
		return nil
	}
	return &UnknownTypeError{Element: w.here(), Type: name}
}

func choiceNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if ft := t.Field(i).Type; ft.Kind() == reflect.Pointer {
			out = append(out, xsiNames(ft.Elem())...)
		}
	}
	return out
}

// str returns text as a string; short ones, mostly codes and states
// that repeat in every item, interned per message (a third fewer
// allocations in BenchmarkDecode500 at the same speed; longer ones repeat
// less and cost more to look up than to allocate).
func (w *wireDecoder) str(text []byte) string {
	if len(text) > internMax {
		return string(text)
	}
	if s, ok := w.values[string(text)]; ok {
		return s
	}
	s := string(text)
	if w.values == nil {
		w.values = map[string]string{}
	}
	w.values[s] = s
	return s
}

// internMax is the longest string value str interns.
const internMax = 8

// text reads the character data of a simple element up to its end; paths
// name the element root.
func (w *wireDecoder) text(root string) (string, error) {
	w.path = append(w.path[:0], root)
	b, err := w.textBytes()
	return string(b), err
}

// textBytes reads the character data of the current simple element up to
// its end. The result is valid until the next call.
func (w *wireDecoder) textBytes() ([]byte, error) {
	w.buf = w.buf[:0]
	for {
		kind, err := w.next()
		if err != nil {
			return nil, err
		}
		switch kind {
		case kindText:
			w.buf = append(w.buf, w.data...)
		case kindEnd:
			return w.buf, nil
		case kindStart:
			child := w.pathTo(w.name.Local)
			if w.strict {
				return nil, &ValidationError{Element: child, Reason: "not allowed in a simple value"}
			}
			w.unknown = append(w.unknown, child)
			if err := w.skip(); err != nil {
				return nil, err
			}
		}
	}
}

// ParseRequest reads a request envelope strictly, as a schema-validating
// server does: the request element <operation>Request of service in the
// service's namespace, every element below it in its official namespace,
// every polymorphic item with a known xsi:type, nothing unknown. It
// returns the operation (zero when not identified) and the decoded message;
// shape errors are *ValidationError or *UnknownTypeError naming the
// element. Timestamps are read as UTC wall clock (see InLocation).
func ParseRequest(body []byte, service string) (Operation, any, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = charset.NewReaderLabel
	w := newWireDecoder(d, true)
	for {
		kind, err := w.next()
		if err != nil {
			return Operation{}, nil, &ValidationError{Element: "Body", Reason: "no request element: " + err.Error()}
		}
		if kind != kindStart {
			continue
		}
		se := w.name
		switch {
		case (se.Local == "Envelope" || se.Local == "Body") && se.Space == NSSOAP:
			continue
		case se.Local == "Header" && se.Space == NSSOAP:
			if err := w.skip(); err != nil {
				return Operation{}, nil, err
			}
			continue
		}
		name, isReq := strings.CutSuffix(se.Local, "Request")
		op, known := operations[name]
		if !isReq || !known || op.Service != service {
			return Operation{}, nil, &ValidationError{Element: se.Local, Reason: "no operation of " + service}
		}
		ns := Namespace(service)
		if se.Space != ns {
			return op, nil, &ValidationError{Element: se.Local, Reason: fmt.Sprintf("in namespace %q, want %q", se.Space, ns)}
		}
		req := op.NewRequest()
		if err := w.decodeFields(reflect.ValueOf(req).Elem(), ns, se.Local, ""); err != nil {
			return op, nil, err
		}
		return op, req, nil
	}
}
