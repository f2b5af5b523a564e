package sestmodel_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
)

var timeType = reflect.TypeFor[time.Time]()

// fillAll sets every field reachable from v (a settable value) to a value
// that is not zero: pointers allocated, slices of two elements. The
// values depend only on the order of the walk, so two fills of the same
// type are equal. A kind the Bewerbung types do not use yet fails, so
// that a new one gets its handling here.
func fillAll(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	if v.Type() == timeType {
		v.Set(reflect.ValueOf(time.Date(2026, 7, 1, 10, 0, *n, 0, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("v%d", *n))
	case reflect.Int:
		v.SetInt(int64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(t, v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fillAll(t, v.Index(i), n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fillAll(t, v.Field(i), n)
		}
	default:
		t.Fatalf("fillAll: %s of kind %s is not handled", v.Type(), v.Kind())
	}
}

// mutateAll changes every field reachable from v in place: through
// pointers and slice elements, never by replacing a pointer or a slice.
// It returns how many fields it changed.
func mutateAll(t *testing.T, v reflect.Value) int {
	t.Helper()
	if v.Type() == timeType {
		v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Hour)))
		return 1
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "-changed")
		return 1
	case reflect.Int:
		v.SetInt(v.Int() + 1000)
		return 1
	case reflect.Bool:
		v.SetBool(!v.Bool())
		return 1
	case reflect.Pointer:
		require.False(t, v.IsNil(), "%s is nil in the clone", v.Type())
		return mutateAll(t, v.Elem())
	case reflect.Slice:
		n := 0
		for i := range v.Len() {
			n += mutateAll(t, v.Index(i))
		}
		return n
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += mutateAll(t, v.Field(i))
		}
		return n
	}
	t.Fatalf("mutateAll: %s of kind %s is not handled", v.Type(), v.Kind())
	return 0
}

// TestBewerbungCloneSharesNothing fills every field of a Bewerbung (both
// kinds at once, every pointer set, every slice with two elements),
// clones it, changes every field of the clone through its pointers and
// slices, and requires the original to be as it was.
func TestBewerbungCloneSharesNothing(t *testing.T) {
	t.Parallel()
	var orig, want sestmodel.Bewerbung
	n, m := 0, 0
	fillAll(t, reflect.ValueOf(&orig).Elem(), &n)
	fillAll(t, reflect.ValueOf(&want).Elem(), &m)
	require.Equal(t, want, orig)

	c := orig.Clone()
	require.Equal(t, want, c, "the clone equals the original")
	changed := mutateAll(t, reflect.ValueOf(&c).Elem())
	require.Greater(t, changed, 100, "the walk reached the nested fields")
	require.NotEqual(t, want, c)
	require.Equal(t, want, orig, "changing the clone left the original alone")

	// And the other way round.
	c = orig.Clone()
	mutateAll(t, reflect.ValueOf(&orig).Elem())
	require.Equal(t, want, c, "changing the original left the clone alone")
}

// TestBewerbungCloneKeepsNil: what is absent stays absent (nil, not
// empty), so that a clone encodes as its original does.
func TestBewerbungCloneKeepsNil(t *testing.T) {
	t.Parallel()
	require.Equal(t, sestmodel.Bewerbung{}, sestmodel.Bewerbung{}.Clone())
	e := sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{BewerberID: "B-1"}}
	c := e.Clone()
	require.Nil(t, c.Mehrfach)
	require.Nil(t, c.Einfach.Bestandteil)
	require.Nil(t, c.Einfach.Bescheid)
	m := sestmodel.Bewerbung{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{Teilfachbewerbung: []sestmodel.Teilfachbewerbung{{}}}}
	c = m.Clone()
	require.Nil(t, c.Einfach)
	require.Nil(t, c.Mehrfach.Teilfachbewerbung[0].HauptfachSchluessel)
	require.Nil(t, c.Mehrfach.Bestandteil)
	require.Len(t, c.Mehrfach.Teilfachbewerbung, 1)
}
