package wire

import (
	"reflect"
	"strings"
)

// xmlField is a struct field as encoding/xml sees it.
type xmlField struct {
	name      string
	omitEmpty bool
	index     int
}

// xmlFields returns the encoded fields of a struct type in order;
// anonymous (embedded) struct fields are returned with name "" and must be
// flattened by the caller.
func xmlFields(t reflect.Type) []xmlField {
	var out []xmlField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("xml")
		if tag == "-" || f.Name == "XMLName" || !f.IsExported() {
			continue
		}
		if f.Anonymous && tag == "" {
			out = append(out, xmlField{index: i})
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, xmlField{name: name, omitEmpty: strings.Contains(opts, "omitempty"), index: i})
	}
	return out
}

// occurs returns the occurrence bounds of an element field as the WSDL
// generator writes them and the strict decoder checks them: required
// (minOccurs 1) unless omitempty, a pointer or a list; repeated
// (maxOccurs unbounded) for a list.
func occurs(sf reflect.StructField, f xmlField) (required, repeated bool) {
	required = !f.omitEmpty
	ft := sf.Type
	if ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
		required = false
	}
	if ft.Kind() == reflect.Slice && ft != base64Type {
		required, repeated = false, true
	}
	return required, repeated
}
