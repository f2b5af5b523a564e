package wire

import (
	"reflect"
	"sync"
)

// The decoder's type metadata, memoised per type and namespace
// (immutable, like encoding/xml's own cache): the schema sequence of a
// type (strict decoding), its fields by element name, how a struct
// element is read; and the caches on a scanned name that spare the
// lookups.

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

// sequences memoises sequenceOf (immutable type metadata).
var sequences sync.Map

// sequenceOf returns the elements of t as the generated schema declares
// them, in order: an embedded base type's first, then t's own, then those
// only the subtype sub has (tag xsdonly), with the occurrence bounds the
// generator writes (occurs).
func sequenceOf(t reflect.Type, ns, sub string) []seqField {
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

// fieldSet maps local element names to the (embedded) fields of a type.
type fieldSet struct {
	byName map[string]wireField
}

type fieldMapKey struct {
	t  reflect.Type
	ns string
}

// fieldSets memoises fieldMap (immutable type metadata, like encoding/xml's
// own cache).
var fieldSets sync.Map

// fieldMap returns the fields of t, whose own elements are in ns.
func fieldMap(t reflect.Type, ns string) *fieldSet {
	key := fieldMapKey{t, ns}
	if fs, ok := fieldSets.Load(key); ok {
		return fs.(*fieldSet)
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
	fs, _ := fieldSets.LoadOrStore(key, &fieldSet{byName: m})
	return fs.(*fieldSet)
}

// field returns the field of fs the current element (just started) is
// read into, through the scanned name's cache (see rawName).
func (w *wireDecoder) field(fs *fieldSet) (wireField, bool) {
	r := w.raw
	if r != nil && r.fields == fs {
		return r.field, r.fieldOK
	}
	f, ok := fs.byName[w.name.Local]
	if r != nil {
		r.fields, r.field, r.fieldOK = fs, f, ok
	}
	return f, ok
}

// structInfo says how an element of a struct type is read, in the
// namespace its parent gives it: into its fields, in its own namespace,
// or, for a choice type, into the alternative its xsi:type names.
type structInfo struct {
	ns     string
	fields *fieldSet
	choice bool
	alts   []alternative
}

// alternative is a concrete type of a choice type: the field pointing to
// it, its namespace and fields and the xsi:types it is read from.
type alternative struct {
	field  int
	typ    reflect.Type
	ns     string
	fields *fieldSet
	names  []string
}

// structInfos memoises structInfoOf (immutable type metadata).
var structInfos sync.Map

// structInfoOf returns how an element of struct type t is read whose
// parent gives it namespace ns.
func structInfoOf(t reflect.Type, ns string) *structInfo {
	key := fieldMapKey{t, ns}
	if si, ok := structInfos.Load(key); ok {
		return si.(*structInfo)
	}
	si := &structInfo{ns: nsOf(t, ns), choice: choiceTypes[t]}
	if !si.choice {
		si.fields = fieldMap(t, si.ns)
	}
	for i := range t.NumField() {
		if ft := t.Field(i).Type; si.choice && ft.Kind() == reflect.Pointer {
			ct := ft.Elem()
			cns := nsOf(ct, ns)
			si.alts = append(si.alts, alternative{field: i, typ: ct, ns: cns, fields: fieldMap(ct, cns), names: xsiNames(ct)})
		}
	}
	actual, _ := structInfos.LoadOrStore(key, si)
	return actual.(*structInfo)
}

// structOf returns structInfoOf(t, ns) for the current element (just
// started), through the scanned name's cache (see rawName).
func (w *wireDecoder) structOf(t reflect.Type, ns string) *structInfo {
	r := w.raw
	if r != nil && r.structType == t && r.structNS == ns {
		return r.structInfo
	}
	si := structInfoOf(t, ns)
	if r != nil {
		r.structType, r.structNS, r.structInfo = t, ns, si
	}
	return si
}
