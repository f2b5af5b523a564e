package store

import "testing"

// TestRenameLegacyKeys: keys are renamed at every depth, in their order;
// values (strings equal to an old key, numbers as written, escapes) and
// unknown or already new keys stay; renaming twice changes nothing.
func TestRenameLegacyKeys(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		renamed        bool
	}{
		{"nested", `{"Einfach": {"BewerberID": "B-1", "Bestandteil": [{"Wert": "Einfach"}, {}]}, "Mehrfach": null}`,
			`{"einfach":{"bewerber_id":"B-1","bestandteil":[{"wert":"Einfach"},{}]},"mehrfach":null}`, true},
		{"arrays of arrays", `[[{"Rang": 1e3, "BewerberID": "x"}], [], [true, false, null, -0.5]]`,
			`[[{"rang":1e3,"bewerber_id":"x"}],[],[true,false,null,-0.5]]`, true},
		{"order kept", `{"Status":"a","ID":"b","Anrede":"c"}`, `{"status":"a","id":"b","anrede":"c"}`, true},
		{"escapes", `{"NameDe":"a \u0026 b \"c\" <d>"}`, `{"name_de":"a \u0026 b \"c\" \u003cd\u003e"}`, true},
		{"new and unknown keys stay", `{"ban":"X","bewerber_id":"B-1","Unbekannt":1}`, `{"ban":"X","bewerber_id":"B-1","Unbekannt":1}`, false},
		{"scalar", `"EmailAdresse"`, `"EmailAdresse"`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, renamed, err := renameLegacyKeys([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want || renamed != c.renamed {
				t.Fatalf("got %s (renamed %v), want %s (renamed %v)", got, renamed, c.want, c.renamed)
			}
			again, renamed, err := renameLegacyKeys(got)
			if err != nil || string(again) != c.want || renamed {
				t.Fatalf("second run: %s (renamed %v, %v)", again, renamed, err)
			}
		})
	}
	for _, bad := range []string{`(not shown: …)`, `{"ID":1} {"ID":2}`, `{"ID":`, `[{}`, ``} {
		if _, _, err := renameLegacyKeys([]byte(bad)); err == nil {
			t.Fatalf("%s: no JSON value, must be an error", bad)
		}
	}
}
