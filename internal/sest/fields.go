package sest

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
