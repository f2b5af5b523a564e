package wire

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"time"

	"sestd/internal/sestmodel"
)

// The encoder: a message to wire nodes, then to an XML envelope (or, in
// the Client, to gosoap parameters).

// Node is one element to write.
type Node struct {
	Name xml.Name  // namespace URI and local name
	Type *xml.Name // xsi:type, when set
	Text string    // the value of a leaf
	Leaf bool      // a simple element: Text, no Kids
	Kids []Node
}

// EncodeMessage turns a message struct into the children of its request or
// response element; ns is the service's …ServiceParamV1_0 namespace.
// Timestamps are written in loc.
func EncodeMessage(msg any, ns string, loc *time.Location) ([]Node, error) {
	v := reflect.ValueOf(msg)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("encoding %T: want a struct", msg)
	}
	return encodeFields(v, ns, loc)
}

func encodeFields(v reflect.Value, ns string, loc *time.Location) ([]Node, error) {
	var out []Node
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

func encodeValue(out []Node, name xml.Name, v reflect.Value, omitEmpty bool, ns string, loc *time.Location) ([]Node, error) {
	switch v.Type() {
	case timestampType:
		ts := v.Interface().(sestmodel.Timestamp)
		if ts.IsZero() {
			return out, nil
		}
		return append(out, Node{Name: name, Leaf: true, Text: sestmodel.FormatTimestamp(ts.Time, loc)}), nil
	case base64Type:
		b, _ := v.Interface().(sestmodel.Base64Binary).MarshalText()
		return append(out, Node{Name: name, Leaf: true, Text: string(b)}), nil
	case ranglisteType:
		return encodeValue(out, name, reflect.ValueOf(ranglisteToWire(v.Interface().(sestmodel.Rangliste))), false, ns, loc)
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
		if choiceTypes[v.Type()] {
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
					local = m.XSIType()
				}
				return append(out, Node{Name: name, Type: &xml.Name{Space: tns, Local: local}, Kids: kids}), nil
			}
			return nil, fmt.Errorf("%s: none of %s is set", name.Local, v.Type().Name())
		}
		kids, err := encodeFields(v, nsOf(v.Type(), ns), loc)
		if err != nil {
			return nil, err
		}
		return append(out, Node{Name: name, Kids: kids}), nil
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
	return append(out, Node{Name: name, Leaf: true, Text: s}), nil
}

// writeNodes writes nodes as XML with the prefixes in pfx (declared by the
// caller on an enclosing element).
func writeNodes(b *bytes.Buffer, nodes []Node, pfx map[string]string) {
	for _, n := range nodes {
		q := pfx[n.Name.Space] + ":" + n.Name.Local
		b.WriteString("<" + q)
		if n.Type != nil {
			b.WriteString(` xsi:type="` + pfx[n.Type.Space] + ":" + n.Type.Local + `"`)
		}
		b.WriteString(">")
		if n.Leaf {
			_ = xml.EscapeText(b, []byte(n.Text))
		} else {
			writeNodes(b, n.Kids, pfx)
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
	nodes, err := EncodeMessage(msg, ns, loc)
	if err != nil {
		return nil, err
	}
	pfx := Prefixes()
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<soap:Envelope")
	writeDecls(&b, pfx)
	b.WriteString("><soap:Body><" + pfx[ns] + ":" + local + ">")
	writeNodes(&b, nodes, pfx)
	b.WriteString("</" + pfx[ns] + ":" + local + "></soap:Body></soap:Envelope>")
	return b.Bytes(), nil
}

// RequestEnvelope wraps encoded request nodes in the envelope gosoap
// would write: every prefix declared on soap:Envelope, the request element
// local in the service's namespace ns (its default namespace). The Client
// sends the requests gosoap cannot encode with it.
func RequestEnvelope(ns, local string, nodes []Node) []byte {
	pfx := Prefixes()
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<soap:Envelope")
	writeDecls(&b, pfx)
	b.WriteString("><soap:Body><" + local + ` xmlns="` + ns + `">`)
	writeNodes(&b, nodes, pfx)
	b.WriteString("</" + local + "></soap:Body></soap:Envelope>")
	return b.Bytes()
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
	if choiceTypes[t] {
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
