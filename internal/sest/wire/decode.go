package wire

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/net/html/charset"
)

// The decoder: tolerant for the Client, strict (ParseRequest) for the
// simulator.

// wireDecoder reads a message. It keeps the namespace declarations in
// scope, so that xsi:type values resolve through their prefixes.
type wireDecoder struct {
	d tokenSource
	// raw: d returns untranslated names (the scanner); token resolves
	// their prefixes through scopes, as xml.Decoder.Token would.
	raw    bool
	scopes []map[string]string
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

// tokenSource is an *xml.Decoder or a *scanner.
type tokenSource interface {
	Token() (xml.Token, error)
}

func newWireDecoder(d *xml.Decoder, strict bool) *wireDecoder {
	return &wireDecoder{d: d, strict: strict, scopes: []map[string]string{{}}}
}

// newBodyDecoder returns a tolerant decoder of a response body: the
// scanner when it reads the body, encoding/xml otherwise (other
// encodings, declared in the prolog, are converted).
func newBodyDecoder(body []byte) *wireDecoder {
	if sc, ok := newScanner(body); ok {
		return &wireDecoder{d: sc, raw: true, scopes: []map[string]string{{}}}
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = charset.NewReaderLabel // e.g. ISO-8859-1 declared in the prolog
	return newWireDecoder(d, false)
}

// xmlNS is the namespace of the xml prefix.
const xmlNS = "http://www.w3.org/XML/1998/namespace"

// translate resolves a raw name's prefix as xml.Decoder.Token does: an
// unprefixed element is in the default namespace, an unprefixed attribute
// in none, xmlns declarations keep their prefix, an undeclared prefix is
// left as it is.
func (w *wireDecoder) translate(n *xml.Name, isElement bool) {
	switch {
	case n.Space == "xmlns":
		return
	case n.Space == "" && !isElement:
		return
	case n.Space == "xml":
		n.Space = xmlNS
		return
	}
	for i := len(w.scopes) - 1; i >= 0; i-- {
		if ns, ok := w.scopes[i][n.Space]; ok {
			n.Space = ns
			return
		}
	}
}

// token returns the next token and maintains the namespace scopes.
func (w *wireDecoder) token() (xml.Token, error) {
	tok, err := w.d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case xml.StartElement:
		var m map[string]string
		for _, a := range t.Attr {
			switch {
			case a.Name.Space == "xmlns":
				if m == nil {
					m = map[string]string{}
				}
				m[a.Name.Local] = a.Value
			case a.Name.Space == "" && a.Name.Local == "xmlns":
				if m == nil {
					m = map[string]string{}
				}
				m[""] = a.Value
			}
		}
		w.scopes = append(w.scopes, m)
		if w.raw {
			w.translate(&t.Name, true)
			for i := range t.Attr {
				w.translate(&t.Attr[i].Name, false)
			}
			return t, nil
		}
	case xml.EndElement:
		if w.raw {
			w.translate(&t.Name, true)
			w.scopes = w.scopes[:len(w.scopes)-1]
			return t, nil
		}
		w.scopes = w.scopes[:len(w.scopes)-1]
	}
	return tok, nil
}

// skip consumes the rest of the current element.
func (w *wireDecoder) skip() error {
	depth := 1
	for depth > 0 {
		tok, err := w.token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// resolve turns a QName value (prefix:local, or local in the default
// namespace) into a namespace and local name.
func (w *wireDecoder) resolve(q string) (xml.Name, error) {
	prefix, local, ok := strings.Cut(strings.TrimSpace(q), ":")
	if !ok {
		prefix, local = "", prefix
	}
	for i := len(w.scopes) - 1; i >= 0; i-- {
		if ns, ok := w.scopes[i][prefix]; ok {
			return xml.Name{Space: ns, Local: local}, nil
		}
	}
	if prefix == "" {
		return xml.Name{Local: local}, nil
	}
	return xml.Name{}, fmt.Errorf("prefix %q of %q is not declared", prefix, q)
}

func xsiType(se xml.StartElement) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == "type" && a.Name.Space == NSXSI {
			return a.Value, true
		}
	}
	return "", false
}

// decodeFields reads the children of the current element into the struct
// v, whose fields are in namespace ns. sub is the xsi:type the element was
// sent as (it picks the xsdonly fields of a type shared by subtypes).
func (w *wireDecoder) decodeFields(v reflect.Value, ns, path, sub string) error {
	if w.strict {
		return w.decodeSequence(v, ns, path, sub)
	}
	fields := fieldMap(v.Type(), ns)
	for {
		tok, err := w.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			f, ok := fields[t.Name.Local]
			child := path + "/" + t.Name.Local
			if !ok {
				w.unknown = append(w.unknown, child)
				if err := w.skip(); err != nil {
					return err
				}
				continue
			}
			if err := w.decodeValue(t, v.FieldByIndex(f.index), f.ns, child); err != nil {
				return err
			}
		}
	}
}

// decodeSequence is decodeFields for strict decoding: as the schema's
// xs:sequence, every element in its namespace and in order, each required
// element (minOccurs 1) present, only lists repeated.
func (w *wireDecoder) decodeSequence(v reflect.Value, ns, path, sub string) error {
	seq := sequence(v.Type(), ns, sub)
	seen := make([]bool, len(seq))
	last := -1 // position of the last element read
	for {
		tok, err := w.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			for i, f := range seq {
				if f.required && !seen[i] {
					return &ValidationError{Element: path + "/" + f.name, Reason: "required element is missing"}
				}
			}
			return nil
		case xml.StartElement:
			child := path + "/" + t.Name.Local
			pos := slices.IndexFunc(seq, func(f seqField) bool { return f.name == t.Name.Local })
			if pos < 0 {
				return &ValidationError{Element: child, Reason: "not allowed here"}
			}
			f := seq[pos]
			if t.Name.Space != f.ns {
				return &ValidationError{Element: child, Reason: fmt.Sprintf("in namespace %q, want %q", t.Name.Space, f.ns)}
			}
			switch {
			case pos < last:
				return &ValidationError{Element: path + "/" + seq[last].name,
					Reason: "out of order: expected " + t.Name.Local + " first"}
			case pos == last && !f.repeated:
				return &ValidationError{Element: child, Reason: "appears more than once"}
			}
			last = pos
			seen[pos] = true
			if err := w.decodeValue(t, v.FieldByIndex(f.index), f.ns, child); err != nil {
				return err
			}
		}
	}
}

// seqField is an element of a complexType's sequence.
type seqField struct {
	name               string
	index              []int
	ns                 string
	required, repeated bool
}

type sequenceKey struct {
	t       reflect.Type
	ns, sub string
}

// sequences memoises sequence (immutable type metadata).
var sequences sync.Map

// sequence returns the elements of t as the generated schema declares
// them, in order: an embedded base type's first, then t's own, then those
// only the subtype sub has (tag xsdonly), with the occurrence bounds the
// generator writes (occurs).
func sequence(t reflect.Type, ns, sub string) []seqField {
	key := sequenceKey{t, ns, sub}
	if s, ok := sequences.Load(key); ok {
		return s.([]seqField)
	}
	var out []seqField
	var walk func(t reflect.Type, ns string, prefix []int)
	walk = func(t reflect.Type, ns string, prefix []int) {
		var own []seqField
		for _, f := range xmlFields(t) {
			idx := append(append([]int(nil), prefix...), f.index)
			sf := t.Field(f.index)
			if f.name == "" {
				walk(sf.Type, nsOf(sf.Type, ns), idx)
				continue
			}
			req, rep := occurs(sf, f)
			sq := seqField{name: f.name, index: idx, ns: ns, required: req, repeated: rep}
			switch sf.Tag.Get("xsdonly") {
			case "":
				out = append(out, sq)
			case sub:
				own = append(own, sq)
			}
		}
		out = append(out, own...)
	}
	walk(t, ns, nil)
	sequences.Store(key, out)
	return out
}

type wireField struct {
	index []int
	ns    string
}

type fieldMapKey struct {
	t  reflect.Type
	ns string
}

// fieldMaps memoises fieldMap (immutable type metadata, like encoding/xml's
// own cache).
var fieldMaps sync.Map

// fieldMap maps local element names to the (embedded) fields of t.
func fieldMap(t reflect.Type, ns string) map[string]wireField {
	key := fieldMapKey{t, ns}
	if m, ok := fieldMaps.Load(key); ok {
		return m.(map[string]wireField)
	}
	m := map[string]wireField{}
	var walk func(t reflect.Type, ns string, prefix []int)
	walk = func(t reflect.Type, ns string, prefix []int) {
		for _, f := range xmlFields(t) {
			idx := append(append([]int(nil), prefix...), f.index)
			if f.name == "" {
				ft := t.Field(f.index).Type
				walk(ft, nsOf(ft, ns), idx)
				continue
			}
			m[f.name] = wireField{index: idx, ns: ns}
		}
	}
	walk(t, ns, nil)
	fieldMaps.Store(key, m)
	return m
}

// decodeValue decodes the element start (already read) into v; ns is the
// namespace the element's own children inherit when v's type has none.
func (w *wireDecoder) decodeValue(start xml.StartElement, v reflect.Value, ns string, path string) error {
	t := v.Type()
	switch t {
	case ranglisteType:
		var rw ranglisteWire
		if err := w.decodeFields(reflect.ValueOf(&rw).Elem(), NSBewerberauswahl, path, ""); err != nil {
			return err
		}
		v.Set(reflect.ValueOf(rw.rangliste()))
		return nil
	case timestampType, base64Type:
		text, err := w.text(path)
		if err != nil {
			return err
		}
		if err := v.Addr().Interface().(interface{ UnmarshalText([]byte) error }).UnmarshalText([]byte(text)); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return w.decodeValue(start, v.Elem(), ns, path)
	case reflect.Slice:
		v.Set(reflect.Append(v, reflect.Zero(t.Elem())))
		return w.decodeValue(start, v.Index(v.Len()-1), ns, path)
	case reflect.Struct:
		if choiceTypes[t] {
			return w.decodeChoice(start, v, ns, path)
		}
		return w.decodeFields(v, nsOf(t, ns), path, "")
	}
	text, err := w.text(path)
	if err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	switch t.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if text == "" {
			return nil
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		v.SetInt(n)
	case reflect.Bool:
		if text == "" {
			return nil
		}
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		v.SetBool(b)
	case reflect.Float32, reflect.Float64:
		if text == "" {
			return nil
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("%s: unsupported kind %s", path, t.Kind())
	}
	return nil
}

// decodeChoice reads a polymorphic item: its xsi:type picks the concrete
// type.
func (w *wireDecoder) decodeChoice(start xml.StartElement, v reflect.Value, ns string, path string) error {
	q, ok := xsiType(start)
	if !ok {
		return &ValidationError{Element: path, Reason: "xsi:type missing (want one of " + strings.Join(choiceNames(v.Type()), ", ") + ")"}
	}
	name, err := w.resolve(q)
	if err != nil {
		return &ValidationError{Element: path, Reason: "xsi:type: " + err.Error()}
	}
	for i := range v.NumField() {
		ft := v.Type().Field(i).Type
		if ft.Kind() != reflect.Pointer {
			continue
		}
		ct := ft.Elem()
		tns := nsOf(ct, ns)
		if tns != name.Space || !slices.Contains(xsiNames(ct), name.Local) {
			continue
		}
		p := reflect.New(ct)
		if err := w.decodeFields(p.Elem(), tns, path, name.Local); err != nil {
			return err
		}
		if m, ok := p.Interface().(multiTyped); ok {
			m.SetXSIType(name.Local)
		}
		v.Field(i).Set(p)
		return nil
	}
	return &UnknownTypeError{Element: path, Type: name}
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

// text reads the character data of a simple element up to its end.
func (w *wireDecoder) text(path string) (string, error) {
	var b strings.Builder
	for {
		tok, err := w.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			return b.String(), nil
		case xml.StartElement:
			child := path + "/" + t.Name.Local
			if w.strict {
				return "", &ValidationError{Element: child, Reason: "not allowed in a simple value"}
			}
			w.unknown = append(w.unknown, child)
			if err := w.skip(); err != nil {
				return "", err
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
		tok, err := w.token()
		if err != nil {
			return Operation{}, nil, &ValidationError{Element: "Body", Reason: "no request element: " + err.Error()}
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case (se.Name.Local == "Envelope" || se.Name.Local == "Body") && se.Name.Space == NSSOAP:
			continue
		case se.Name.Local == "Header" && se.Name.Space == NSSOAP:
			if err := w.skip(); err != nil {
				return Operation{}, nil, err
			}
			continue
		}
		name, isReq := strings.CutSuffix(se.Name.Local, "Request")
		op, known := operations[name]
		if !isReq || !known || op.Service != service {
			return Operation{}, nil, &ValidationError{Element: se.Name.Local, Reason: "no operation of " + service}
		}
		ns := Namespace(service)
		if se.Name.Space != ns {
			return op, nil, &ValidationError{Element: se.Name.Local, Reason: fmt.Sprintf("in namespace %q, want %q", se.Name.Space, ns)}
		}
		req := op.NewRequest()
		if err := w.decodeFields(reflect.ValueOf(req).Elem(), ns, se.Name.Local, ""); err != nil {
			return op, nil, err
		}
		return op, req, nil
	}
}
