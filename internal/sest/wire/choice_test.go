package wire

import (
	"reflect"
	"strings"
	"testing"
)

// TestChoiceTypesComplete: the codec's table of choice types (the model's
// stand-ins for abstract official types) lists exactly the model types
// made of optional alternatives only (every field a pointer to a struct
// with omitempty), so that a new one in internal/sestmodel is not encoded
// as a plain struct.
func TestChoiceTypesComplete(t *testing.T) {
	t.Parallel()
	looksLikeChoice := func(rt reflect.Type) bool {
		if rt.Kind() != reflect.Struct || rt.NumField() < 2 {
			return false
		}
		for i := range rt.NumField() {
			f := rt.Field(i)
			if f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct {
				return false
			}
			if _, opts, _ := strings.Cut(f.Tag.Get("xml"), ","); opts != "omitempty" {
				return false
			}
		}
		return true
	}
	found := 0
	for rt := range typeNamespace {
		if looksLikeChoice(rt) != choiceTypes[rt] {
			t.Errorf("%s: made of alternatives %v, in choiceTypes %v", rt, looksLikeChoice(rt), choiceTypes[rt])
		}
		if choiceTypes[rt] {
			found++
		}
	}
	if found != len(choiceTypes) {
		t.Errorf("choiceTypes has %d types, %d of them in typeNamespace", len(choiceTypes), found)
	}
	// The four abstract types of the official schemas.
	if len(choiceTypes) != 4 {
		t.Errorf("choiceTypes has %d types, want 4 (Bewerbung, BewerbungsSchluessel, Studienangebot, StudienangebotsSchluessel)", len(choiceTypes))
	}
}
