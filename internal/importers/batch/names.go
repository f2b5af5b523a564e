package batch

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"sestd/internal/store/bulk"
)

// FieldRef is a field of a spec: its index in Spec.Fields, as
// Names.Field resolves it.
type FieldRef int

// ColRef is a column of a target: its index in ImportTarget.Columns, as
// Names.Col resolves it.
type ColRef int

// Names resolves a kind's field and column names into the indexes
// Conv.Put, Conv.Str and Values.Set take, once, when the kind's spec is
// built: a misspelt name makes the spec's builder fail with an error
// naming kind and name (and so Kind.Check, which every test building the
// kind list runs), never an import at run time.
//
//	n := batch.NewNames("ranking", fields)
//	fRang, cRang := n.Field("RANG"), n.Col(t, "rang")
//	if err := n.Err(); err != nil { return nil, err }
//
// An unknown name resolves to -1; use none of them once Err is not nil.
type Names struct {
	kind   string
	fields []Field
	errs   []error
}

// NewNames resolves names for kind, whose fields are fields.
func NewNames(kind string, fields []Field) *Names {
	return &Names{kind: kind, fields: fields}
}

// Field returns the index of the field called name (its Name, compared
// case-insensitively).
func (n *Names) Field(name string) FieldRef {
	i := slices.IndexFunc(n.fields, func(f Field) bool { return strings.EqualFold(f.Name, name) })
	if i < 0 {
		n.errs = append(n.errs, fmt.Errorf("kind %s: no field %s", n.kind, name))
	}
	return FieldRef(i)
}

// Col returns the index of column name of target t (its Columns).
func (n *Names) Col(t *bulk.Target, name string) ColRef {
	i := slices.IndexFunc(t.Columns, func(c bulk.Column) bool { return c.Name == name })
	if i < 0 {
		n.errs = append(n.errs, fmt.Errorf("kind %s: table %s has no column %s", n.kind, t.Table, name))
	}
	return ColRef(i)
}

// Cols returns the indexes of columns names of target t, in order.
func (n *Names) Cols(t *bulk.Target, names ...string) []ColRef {
	out := make([]ColRef, len(names))
	for i, name := range names {
		out[i] = n.Col(t, name)
	}
	return out
}

// Err reports every name that did not resolve, or nil.
func (n *Names) Err() error { return errors.Join(n.errs...) }
