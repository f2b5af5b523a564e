package sest

// This file is the wire codec: which namespace every element lives in, how
// polymorphic items carry xsi:type, the encoder (to gosoap parameters or to
// XML) and the decoder (tolerant for the Client, strict for the
// simulator). See the package documentation, section "Wire format".

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tiaguinho/gosoap"
	"golang.org/x/net/html/charset"
)

// Namespaces of the Servicestelle's schemas. The first five and the
// …ServiceParamV1_0 ones are seen in public request templates; the others
// are assumed (see the package documentation).
const (
	NSCommon           = "http://CommonV1_0.HochschulSchnittstelle.hochschulstart.de"
	NSServiceverfahren = "http://ServiceverfahrenV1_0.HochschulSchnittstelle.hochschulstart.de"
	NSStudiengaenge    = "http://StudiengaengeV1_0.HochschulSchnittstelle.hochschulstart.de"
	NSBewerbungen      = "http://BewerbungenV1_0.HochschulSchnittstelle.hochschulstart.de"
	NSBewerberauswahl  = "http://BewerberauswahlV1_0.HochschulSchnittstelle.hochschulstart.de"
	NSBenutzer         = "http://BenutzerV1_0.HochschulSchnittstelle.hochschulstart.de"       // assumed
	NSUnterstuetzung   = "http://UnterstuetzungV1_0.HochschulSchnittstelle.hochschulstart.de" // assumed
	NSXSI              = "http://www.w3.org/2001/XMLSchema-instance"
	NSSOAP             = "http://schemas.xmlsoap.org/soap/envelope/"
)

// dataSchemas are the namespaces of the data types with the prefix sestd
// declares for them and the file name of their schema in wsdl/.
var dataSchemas = []struct{ NS, Prefix, File string }{
	{NSCommon, "common", "CommonV1_0.xsd"},
	{NSServiceverfahren, "serviceverfahren", "ServiceverfahrenV1_0.xsd"},
	{NSStudiengaenge, "studiengaenge", "StudiengaengeV1_0.xsd"},
	{NSBewerbungen, "bewerbungen", "BewerbungenV1_0.xsd"},
	{NSBewerberauswahl, "bewerberauswahl", "BewerberauswahlV1_0.xsd"},
	{NSBenutzer, "benutzer", "BenutzerV1_0.xsd"},
	{NSUnterstuetzung, "unterstuetzung", "UnterstuetzungV1_0.xsd"},
}

// typeNamespace places every data type in its schema. A struct field is an
// element in the namespace of the type that declares it (XSD's
// elementFormDefault="qualified"); an embedded struct is the XSD base type
// the outer type extends, its fields keep their own namespace (so the
// context block of every request is in CommonV1_0). Types not listed (the
// request and response messages and the per-item results) live in the
// namespace of the service they are used in (…ServiceParamV1_0).
var typeNamespace = map[reflect.Type]string{
	reflect.TypeFor[Kontext]():          NSCommon,
	reflect.TypeFor[Ergebnis]():         NSCommon,
	reflect.TypeFor[Serviceverfahren](): NSServiceverfahren,

	reflect.TypeFor[Schluesselwert]():                    NSStudiengaenge,
	reflect.TypeFor[EinfachstudienangebotsSchluessel]():  NSStudiengaenge,
	reflect.TypeFor[MehrfachstudienangebotsSchluessel](): NSStudiengaenge,
	reflect.TypeFor[StudienangebotsSchluessel]():         NSStudiengaenge,
	reflect.TypeFor[Studiengang]():                       NSStudiengaenge,
	reflect.TypeFor[Koordinierungsangebotsdaten]():       NSStudiengaenge,
	reflect.TypeFor[Einfachstudienangebot]():             NSStudiengaenge,
	reflect.TypeFor[Mehrfachstudienangebot]():            NSStudiengaenge,
	reflect.TypeFor[Studiengangskombination]():           NSStudiengaenge,
	reflect.TypeFor[Studienangebot]():                    NSStudiengaenge,

	reflect.TypeFor[Dokumentreferenz]():                            NSBewerbungen,
	reflect.TypeFor[Bewerbungsbestandteil]():                       NSBewerbungen,
	reflect.TypeFor[Bescheid]():                                    NSBewerbungen,
	reflect.TypeFor[Einfachstudienangebotsbewerbung]():             NSBewerbungen,
	reflect.TypeFor[Teilfachbewerbung]():                           NSBewerbungen,
	reflect.TypeFor[Mehrfachstudienangebotsbewerbung]():            NSBewerbungen,
	reflect.TypeFor[Bewerbung]():                                   NSBewerbungen,
	reflect.TypeFor[EinfachstudienangebotsbewerbungsSchluessel]():  NSBewerbungen,
	reflect.TypeFor[MehrfachstudienangebotsbewerbungsSchluessel](): NSBewerbungen,
	reflect.TypeFor[BewerbungsSchluessel]():                        NSBewerbungen,

	reflect.TypeFor[Bewerberplatzbedarf]():   NSBewerberauswahl,
	reflect.TypeFor[Paketbestandteil]():      NSBewerberauswahl,
	reflect.TypeFor[Studienpaket]():          NSBewerberauswahl,
	reflect.TypeFor[Binnenquotenklausel]():   NSBewerberauswahl,
	reflect.TypeFor[Mindestplatzklausel]():   NSBewerberauswahl,
	reflect.TypeFor[Unterbelegungsklausel](): NSBewerberauswahl,
	reflect.TypeFor[Klauseln]():              NSBewerberauswahl,
	reflect.TypeFor[Ranglisteneintrag]():     NSBewerberauswahl,
	reflect.TypeFor[Rangliste]():             NSBewerberauswahl,
	reflect.TypeFor[ranglisteWire]():         NSBewerberauswahl,
	reflect.TypeFor[Ranglistenstatus]():      NSBewerberauswahl,

	reflect.TypeFor[Bewerber]():      NSBenutzer,
	reflect.TypeFor[Postanschrift](): NSBenutzer,

	reflect.TypeFor[Dokument](): NSUnterstuetzung,
}

// nsOf returns the namespace of t's fields: its schema's, or inherit for
// message types.
func nsOf(t reflect.Type, inherit string) string {
	if ns, ok := typeNamespace[t]; ok {
		return ns
	}
	return inherit
}

// prefixes maps every namespace sestd writes to its prefix. They are all
// declared once, on the envelope.
func prefixes() map[string]string {
	m := map[string]string{NSXSI: "xsi", NSSOAP: "soap"}
	for _, s := range dataSchemas {
		m[s.NS] = s.Prefix
	}
	for _, svc := range Services() {
		m[Namespace(svc)] = svc
	}
	return m
}

// envelopeAttrs are the namespace declarations on every envelope sestd
// writes, as gosoap.SetCustomEnvelope wants them.
func envelopeAttrs() map[string]string {
	out := map[string]string{}
	for ns, p := range prefixes() {
		out["xmlns:"+p] = ns
	}
	return out
}

var setEnvelopeOnce sync.Once

// setGosoapEnvelope declares sestd's prefixes on gosoap's envelope. gosoap
// keeps this in package variables (SetCustomEnvelope); sestd sets it once
// per process, always to the same value, before its first call.
func setGosoapEnvelope() {
	setEnvelopeOnce.Do(func() { gosoap.SetCustomEnvelope("soap", envelopeAttrs()) })
}

// choiceType marks the Go stand-ins of the official abstract types: a
// struct of pointers, exactly one set, each pointing at a concrete type
// that travels as xsi:type.
type choiceType interface{ isChoice() }

var choiceIface = reflect.TypeFor[choiceType]()

func isChoiceType(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.Implements(choiceIface)
}

// multiTyped is a concrete Go type behind several xsi:types (an abstract
// official type whose subtypes sestd holds in one struct, e.g. the kinds
// of Mehrfachstudienangebot): it says which one to write and remembers
// which one it was read as.
type multiTyped interface {
	xsiType() string
	xsiTypes() []string
	setXSIType(string)
}

var multiTypedIface = reflect.TypeFor[multiTyped]()

// xsiNames returns the xsi:type local names a choice alternative ct is
// read from.
func xsiNames(ct reflect.Type) []string {
	if reflect.PointerTo(ct).Implements(multiTypedIface) {
		return reflect.New(ct).Interface().(multiTyped).xsiTypes()
	}
	return []string{ct.Name()}
}

// ---- Rangliste on the wire ----

// ranglisteWire is a Rangliste as the public clients send it: the
// Kopfdaten fields directly in the rangliste element, in their order.
// A Rangliste without Kopfdaten omits them (the Servicestelle keeps its
// stored ones).
type ranglisteWire struct {
	Schluessel                 string              `xml:"schluessel"`
	StudienpaketSchluessel     string              `xml:"studienpaketSchluessel"`
	NameDe                     string              `xml:"nameDe,omitempty"`
	NameEn                     string              `xml:"nameEn,omitempty"`
	Status                     string              `xml:"status"`
	Statusanmerkung            string              `xml:"statusanmerkung,omitempty"`
	Abarbeitungsposition       *int                `xml:"abarbeitungsposition,omitempty"`
	PlaetzeProzentual          *float64            `xml:"plaetzeProzentual,omitempty"`
	PlaetzeAbsolut             *int                `xml:"plaetzeAbsolut,omitempty"`
	Ebene                      string              `xml:"ebene"`
	IstVorwegzulasserrangliste *bool               `xml:"istVorwegzulasserrangliste,omitempty"`
	IstChancenrangliste        *bool               `xml:"istChancenrangliste,omitempty"`
	Klauseln                   *Klauseln           `xml:"klauseln,omitempty"`
	Eintrag                    []Ranglisteneintrag `xml:"eintrag"`
}

func (r Rangliste) wire() ranglisteWire {
	w := ranglisteWire{Schluessel: r.Schluessel, StudienpaketSchluessel: r.StudienpaketSchluessel, NameDe: r.NameDe,
		NameEn: r.NameEn, Status: r.Status, Statusanmerkung: r.Statusanmerkung, Ebene: r.Ebene, Eintrag: r.Eintrag}
	if k := r.Kopfdaten; k != nil {
		pos, vorweg, chancen := k.Abarbeitungsposition, k.IstVorwegzulasserrangliste, k.IstChancenrangliste
		w.Abarbeitungsposition, w.PlaetzeProzentual, w.PlaetzeAbsolut = &pos, k.PlaetzeProzentual, k.PlaetzeAbsolut
		w.IstVorwegzulasserrangliste, w.IstChancenrangliste, w.Klauseln = &vorweg, &chancen, k.Klauseln
	}
	return w
}

func (w ranglisteWire) rangliste() Rangliste {
	r := Rangliste{Schluessel: w.Schluessel, StudienpaketSchluessel: w.StudienpaketSchluessel, NameDe: w.NameDe,
		NameEn: w.NameEn, Status: w.Status, Statusanmerkung: w.Statusanmerkung, Ebene: w.Ebene, Eintrag: w.Eintrag}
	if w.Abarbeitungsposition != nil || w.PlaetzeProzentual != nil || w.PlaetzeAbsolut != nil ||
		w.IstVorwegzulasserrangliste != nil || w.IstChancenrangliste != nil || w.Klauseln != nil {
		k := &Kopfdaten{PlaetzeProzentual: w.PlaetzeProzentual, PlaetzeAbsolut: w.PlaetzeAbsolut, Klauseln: w.Klauseln}
		if w.Abarbeitungsposition != nil {
			k.Abarbeitungsposition = *w.Abarbeitungsposition
		}
		if w.IstVorwegzulasserrangliste != nil {
			k.IstVorwegzulasserrangliste = *w.IstVorwegzulasserrangliste
		}
		if w.IstChancenrangliste != nil {
			k.IstChancenrangliste = *w.IstChancenrangliste
		}
		r.Kopfdaten = k
	}
	return r
}

var (
	ranglisteType     = reflect.TypeFor[Rangliste]()
	ranglisteWireType = reflect.TypeFor[ranglisteWire]()
	base64Type        = reflect.TypeFor[Base64Binary]()
)

// ---- encoding ----

// wnode is one element to write.
type wnode struct {
	name xml.Name  // namespace URI and local name
	typ  *xml.Name // xsi:type, when set
	text string
	leaf bool
	kids []wnode
}

// encodeMessage turns a message struct into the children of its request or
// response element; ns is the service's …ServiceParamV1_0 namespace.
func encodeMessage(msg any, ns string, loc *time.Location) ([]wnode, error) {
	v := reflect.ValueOf(msg)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("encoding %T: want a struct", msg)
	}
	return encodeFields(v, ns, loc)
}

func encodeFields(v reflect.Value, ns string, loc *time.Location) ([]wnode, error) {
	var out []wnode
	for _, f := range xmlFields(v.Type()) {
		fv := v.Field(f.index)
		if f.name == "" {
			kids, err := encodeFields(fv, nsOf(fv.Type(), ns), loc)
			if err != nil {
				return nil, err
			}
			out = append(out, kids...)
			continue
		}
		var err error
		out, err = encodeValue(out, xml.Name{Space: ns, Local: f.name}, fv, f.omitEmpty, ns, loc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return out, nil
}

func encodeValue(out []wnode, name xml.Name, v reflect.Value, omitEmpty bool, ns string, loc *time.Location) ([]wnode, error) {
	switch v.Type() {
	case timestampType:
		ts := v.Interface().(Timestamp)
		if ts.IsZero() {
			return out, nil
		}
		return append(out, wnode{name: name, leaf: true, text: FormatTimestamp(ts.Time, loc)}), nil
	case base64Type:
		b, _ := v.Interface().(Base64Binary).MarshalText()
		return append(out, wnode{name: name, leaf: true, text: string(b)}), nil
	case ranglisteType:
		return encodeValue(out, name, reflect.ValueOf(v.Interface().(Rangliste).wire()), false, ns, loc)
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return out, nil
		}
		return encodeValue(out, name, v.Elem(), false, ns, loc)
	case reflect.Slice:
		for i := range v.Len() {
			var err error
			if out, err = encodeValue(out, name, v.Index(i), false, ns, loc); err != nil {
				return nil, err
			}
		}
		return out, nil
	case reflect.Struct:
		if isChoiceType(v.Type()) {
			for i := range v.NumField() {
				fv := v.Field(i)
				if fv.Kind() != reflect.Pointer || fv.IsNil() {
					continue
				}
				ct := fv.Type().Elem()
				tns := nsOf(ct, ns)
				kids, err := encodeFields(fv.Elem(), tns, loc)
				if err != nil {
					return nil, err
				}
				local := ct.Name()
				if m, ok := fv.Interface().(multiTyped); ok {
					local = m.xsiType()
				}
				return append(out, wnode{name: name, typ: &xml.Name{Space: tns, Local: local}, kids: kids}), nil
			}
			return nil, fmt.Errorf("%s: none of %s is set", name.Local, v.Type().Name())
		}
		kids, err := encodeFields(v, nsOf(v.Type(), ns), loc)
		if err != nil {
			return nil, err
		}
		return append(out, wnode{name: name, kids: kids}), nil
	}
	if omitEmpty && v.IsZero() {
		return out, nil
	}
	var s string
	switch v.Kind() {
	case reflect.String:
		s = v.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s = strconv.FormatInt(v.Int(), 10)
	case reflect.Bool:
		s = strconv.FormatBool(v.Bool())
	case reflect.Float32, reflect.Float64:
		s = strconv.FormatFloat(v.Float(), 'f', -1, 64)
	default:
		return nil, fmt.Errorf("unsupported kind %s", v.Kind())
	}
	return append(out, wnode{name: name, leaf: true, text: s}), nil
}

// hasXSIType reports whether any node carries an xsi:type.
func hasXSIType(nodes []wnode) bool {
	for _, n := range nodes {
		if n.typ != nil || hasXSIType(n.kids) {
			return true
		}
	}
	return false
}

// toParams renders nodes as gosoap parameters with prefixed names.
func toParams(nodes []wnode, pfx map[string]string) (gosoap.ArrayParams, error) {
	out := gosoap.ArrayParams{}
	for _, n := range nodes {
		if n.typ != nil {
			return nil, fmt.Errorf("%s needs xsi:type, which gosoap cannot write", n.name.Local)
		}
		key := pfx[n.name.Space] + ":" + n.name.Local
		if n.leaf {
			out = append(out, [2]any{key, n.text})
			continue
		}
		kids, err := toParams(n.kids, pfx)
		if err != nil {
			return nil, err
		}
		out = append(out, [2]any{key, kids})
	}
	return out, nil
}

// writeNodes writes nodes as XML with the prefixes in pfx (declared by the
// caller on an enclosing element).
func writeNodes(b *bytes.Buffer, nodes []wnode, pfx map[string]string) {
	for _, n := range nodes {
		q := pfx[n.name.Space] + ":" + n.name.Local
		b.WriteString("<" + q)
		if n.typ != nil {
			b.WriteString(` xsi:type="` + pfx[n.typ.Space] + ":" + n.typ.Local + `"`)
		}
		b.WriteString(">")
		if n.leaf {
			_ = xml.EscapeText(b, []byte(n.text))
		} else {
			writeNodes(b, n.kids, pfx)
		}
		b.WriteString("</" + q + ">")
	}
}

// Envelope renders a SOAP envelope whose body holds one element, named
// local in the namespace ns, with the encoded message msg as its content;
// every prefix is declared on the envelope. Timestamps are written in loc.
// The Client sends requests with it when gosoap cannot produce them, the
// simulator answers with it.
func Envelope(ns, local string, msg any, loc *time.Location) ([]byte, error) {
	nodes, err := encodeMessage(msg, ns, loc)
	if err != nil {
		return nil, err
	}
	pfx := prefixes()
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<soap:Envelope")
	writeDecls(&b, pfx)
	b.WriteString("><soap:Body><" + pfx[ns] + ":" + local + ">")
	writeNodes(&b, nodes, pfx)
	b.WriteString("</" + pfx[ns] + ":" + local + "></soap:Body></soap:Envelope>")
	return b.Bytes(), nil
}

// writeDecls writes the namespace declarations of pfx, sorted by prefix.
func writeDecls(b *bytes.Buffer, pfx map[string]string) {
	keys := make([]string, 0, len(pfx))
	for ns := range pfx {
		keys = append(keys, ns)
	}
	sort.Slice(keys, func(i, j int) bool { return pfx[keys[i]] < pfx[keys[j]] })
	for _, ns := range keys {
		b.WriteString(` xmlns:` + pfx[ns] + `="` + ns + `"`)
	}
}

// ViaGosoap reports whether the Client sends the operation's request
// through gosoap: every request without a polymorphic item. Requests with
// one (Bewerbungen, Studienangebote) need xsi:type attributes, which
// gosoap cannot write; they are encoded by the Client and sent through the
// same http.Client.
func (o Operation) ViaGosoap() bool { return !containsChoice(o.request, map[reflect.Type]bool{}) }

func containsChoice(t reflect.Type, seen map[reflect.Type]bool) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return false
	}
	seen[t] = true
	if isChoiceType(t) {
		return true
	}
	if t == ranglisteType {
		t = ranglisteWireType
	}
	for i := range t.NumField() {
		if containsChoice(t.Field(i).Type, seen) {
			return true
		}
	}
	return false
}

// ---- decoding ----

// wireDecoder reads a message. It keeps the namespace declarations in
// scope, so that xsi:type values resolve through their prefixes.
type wireDecoder struct {
	d      *xml.Decoder
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

func newWireDecoder(d *xml.Decoder, strict bool) *wireDecoder {
	return &wireDecoder{d: d, strict: strict, scopes: []map[string]string{{}}}
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
	case xml.EndElement:
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
// v, whose fields are in namespace ns.
func (w *wireDecoder) decodeFields(v reflect.Value, ns string, path string) error {
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
				if w.strict {
					return &ValidationError{Element: child, Reason: "not allowed here"}
				}
				w.unknown = append(w.unknown, child)
				if err := w.skip(); err != nil {
					return err
				}
				continue
			}
			if w.strict && t.Name.Space != f.ns {
				return &ValidationError{Element: child, Reason: fmt.Sprintf("in namespace %q, want %q", t.Name.Space, f.ns)}
			}
			if err := w.decodeValue(t, v.FieldByIndex(f.index), f.ns, child); err != nil {
				return err
			}
		}
	}
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
	switch {
	case t == ranglisteType:
		var rw ranglisteWire
		if err := w.decodeFields(reflect.ValueOf(&rw).Elem(), NSBewerberauswahl, path); err != nil {
			return err
		}
		v.Set(reflect.ValueOf(rw.rangliste()))
		return nil
	case t == timestampType || t == base64Type:
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
		if isChoiceType(t) {
			return w.decodeChoice(start, v, ns, path)
		}
		return w.decodeFields(v, nsOf(t, ns), path)
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
		if err := w.decodeFields(p.Elem(), tns, path); err != nil {
			return err
		}
		if m, ok := p.Interface().(multiTyped); ok {
			m.setXSIType(name.Local)
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
	w := newWireDecoder(xml.NewDecoder(bytes.NewReader(body)), true)
	w.d.CharsetReader = charset.NewReaderLabel
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
		if err := w.decodeFields(reflect.ValueOf(req).Elem(), ns, se.Name.Local); err != nil {
			return op, nil, err
		}
		return op, req, nil
	}
}
