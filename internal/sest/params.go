package sest

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/tiaguinho/gosoap"
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

// encodeParams turns a message struct into ordered gosoap parameters, every
// value in its lexical form (gosoap writes non-string values as empty
// elements), Timestamps in loc. The order is the struct's, which is the
// WSDL's xs:sequence.
func encodeParams(msg any, loc *time.Location) (gosoap.ArrayParams, error) {
	v := reflect.ValueOf(msg)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("encoding %T: want a struct", msg)
	}
	out := gosoap.ArrayParams{}
	if err := appendStruct(&out, v, loc); err != nil {
		return nil, err
	}
	return out, nil
}

func appendStruct(out *gosoap.ArrayParams, v reflect.Value, loc *time.Location) error {
	for _, f := range xmlFields(v.Type()) {
		fv := v.Field(f.index)
		if f.name == "" {
			if err := appendStruct(out, fv, loc); err != nil {
				return err
			}
			continue
		}
		if err := appendValue(out, f.name, fv, f.omitEmpty, loc); err != nil {
			return fmt.Errorf("field %s: %w", f.name, err)
		}
	}
	return nil
}

func appendValue(out *gosoap.ArrayParams, name string, v reflect.Value, omitEmpty bool, loc *time.Location) error {
	switch v.Type() {
	case timestampType:
		ts := v.Interface().(Timestamp)
		if ts.IsZero() {
			return nil
		}
		*out = append(*out, [2]any{name, FormatTimestamp(ts.Time, loc)})
		return nil
	case reflect.TypeFor[Base64Binary]():
		*out = append(*out, [2]any{name, base64.StdEncoding.EncodeToString(v.Bytes())})
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return appendValue(out, name, v.Elem(), false, loc)
	case reflect.Slice:
		for i := range v.Len() {
			if err := appendValue(out, name, v.Index(i), false, loc); err != nil {
				return err
			}
		}
		return nil
	case reflect.Struct:
		inner := gosoap.ArrayParams{}
		if err := appendStruct(&inner, v, loc); err != nil {
			return err
		}
		*out = append(*out, [2]any{name, inner})
		return nil
	}
	if omitEmpty && v.IsZero() {
		return nil
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
		return fmt.Errorf("unsupported kind %s", v.Kind())
	}
	*out = append(*out, [2]any{name, s})
	return nil
}
