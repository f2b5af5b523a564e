package sestmodel_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"sestd/internal/sestmodel"
)

// TestStoredJSONShape pins the JSON keys of the SOAP data types. They are
// stored as JSON in the mirror (bewerbung.data, bewerber.data,
// studienangebot.data, studienpaket.data, ranglistenstatus.data), in outbox
// payloads and in the upload log; the SQL views read those keys and the
// change detection hashes the bytes. A changed key, an added omitempty or a
// reordered field fails here. The golden file is not written by this test:
// its first edition was the encoding before the types declared json tags
// (key = Go field name); the snake_case edition was made from it by
// renaming each key by the rule in the package documentation and checked
// by hand. Renaming keys needs a migration of the stored data
// (store.Migrate) and a new golden file in the same change.
func TestStoredJSONShape(t *testing.T) {
	items := []any{
		sestmodel.Kontext{}, sestmodel.Serviceverfahren{}, sestmodel.Schluesselwert{},
		sestmodel.EinfachstudienangebotsSchluessel{}, sestmodel.MehrfachstudienangebotsSchluessel{},
		sestmodel.StudienangebotsSchluessel{}, sestmodel.Studiengang{}, sestmodel.Koordinierungsangebotsdaten{},
		sestmodel.Einfachstudienangebot{}, sestmodel.Mehrfachstudienangebot{}, sestmodel.Studiengangskombination{},
		sestmodel.Studienangebot{}, sestmodel.Postanschrift{}, sestmodel.Bewerber{}, sestmodel.Dokumentreferenz{},
		sestmodel.Bewerbungsbestandteil{}, sestmodel.Bescheid{}, sestmodel.Einfachstudienangebotsbewerbung{},
		sestmodel.Teilfachbewerbung{}, sestmodel.Mehrfachstudienangebotsbewerbung{}, sestmodel.Bewerbung{},
		sestmodel.EinfachstudienangebotsbewerbungsSchluessel{}, sestmodel.MehrfachstudienangebotsbewerbungsSchluessel{},
		sestmodel.BewerbungsSchluessel{}, sestmodel.Bewerberplatzbedarf{}, sestmodel.Paketbestandteil{},
		sestmodel.Studienpaket{}, sestmodel.Binnenquotenklausel{}, sestmodel.Mindestplatzklausel{},
		sestmodel.Unterbelegungsklausel{}, sestmodel.Klauseln{}, sestmodel.Kopfdaten{}, sestmodel.Ranglisteneintrag{},
		sestmodel.Rangliste{}, sestmodel.Ranglistenstatus{}, sestmodel.Dokument{}, sestmodel.Ergebnis{},
		sestmodel.BewerbungErgebnis{}, sestmodel.StudienangebotErgebnis{}, sestmodel.StudienpaketErgebnis{},
		sestmodel.RanglisteErgebnis{},
	}
	var out bytes.Buffer
	for _, zero := range items {
		typ := reflect.TypeOf(zero)
		raw, err := json.Marshal(zero)
		if err != nil {
			t.Fatalf("encoding zero %s: %v", typ.Name(), err)
		}
		fmt.Fprintf(&out, "%s zero: %s\n", typ.Name(), raw)
		full := reflect.New(typ).Elem()
		fill(full, typ.Name(), 0)
		raw, err = json.Marshal(full.Interface())
		if err != nil {
			t.Fatalf("encoding filled %s: %v", typ.Name(), err)
		}
		fmt.Fprintf(&out, "%s full: %s\n", typ.Name(), raw)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "stored_json.golden"))
	if err != nil {
		t.Fatal(err)
	}
	got := bytes.Split(out.Bytes(), []byte("\n"))
	for i, w := range bytes.Split(want, []byte("\n")) {
		if i >= len(got) || !bytes.Equal(got[i], w) {
			g := []byte("(missing)")
			if i < len(got) {
				g = got[i]
			}
			t.Fatalf("stored JSON shape changed at line %d:\nwant %s\ngot  %s", i+1, w, g)
		}
	}
	if len(got) != len(bytes.Split(want, []byte("\n"))) {
		t.Fatalf("stored JSON shape: %d lines, golden has %d", len(got), len(bytes.Split(want, []byte("\n"))))
	}
}

// fill sets every field of v to a value that is not the zero value (a
// string names its field's position, numbers and times differ per field, slices hold
// one element, pointers point), so that omitempty cannot hide a key.
func fill(v reflect.Value, name string, depth int) {
	if depth > 6 {
		return
	}
	if v.Type() == reflect.TypeOf(sestmodel.Timestamp{}) {
		v.Set(reflect.ValueOf(sestmodel.Timestamp{Time: time.Date(2026, 1, 2, 3, 4, 5+depth, 0, time.UTC)}))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(name)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(int64(len(name)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), name, depth+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), name, depth+1)
		v.Set(s)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), fmt.Sprintf("%s.%d", name, i), depth+1)
			}
		}
	}
}
