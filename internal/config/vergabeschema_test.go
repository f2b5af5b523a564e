package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
)

// loadSchema loads a config whose vergabeschema section is body (indented
// by two spaces under vergabeschema:).
func loadSchema(t *testing.T, body string) (config.Config, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sestd.yaml")
	require.NoError(t, os.WriteFile(p, []byte("vergabeschema:\n"+body), 0o600))
	return config.Load(p, func(string) string { return "" })
}

// hq is a valid Hauptquoten level to append to cases about other levels.
const hq = `
  Hauptquoten:
    - {id_nr: HQ, name: Hauptquote, plaetze: {prozentual: 100}}
`

func TestVergabeschemaValid(t *testing.T) {
	t.Parallel()
	cfg, err := loadSchema(t, `
  Vorabquoten:
    - id_nr: HF
      name: Härtefälle
      plaetze: {prozentual: 2.5}
      ist_vorwegzulasser: true
      klauseln:
        Unterbelegungsklausel: {platzuebergabe: {ebene: Hauptquoten}}
    - id_nr: 66
      name: Zweitstudium
      plaetze: {absolut: 4}
      klauseln:
        Mindestplatzklausel: {grenzkapazitaet: 20}
        Limitierungsklausel: true
        Unterbelegungsklausel: {platzuebergabe: {ranglisten_typ: WZ}}
  geminderte_Vorabquoten:
    - {id_nr: BQ, name: Beruf, plaetze: {prozentual: 10}, klauseln: {Binnenquotenklausel: {binnenquotenkennung: b, ist_binnenquotendachrangliste: true}}}
    - {id_nr: BQ2, name: Meister, plaetze: {prozentual: 50}, klauseln: {Binnenquotenklausel: {binnenquotenkennung: b}}}
  Hauptquoten:
    - {id_nr: HQ, name: Hauptquote, plaetze: {prozentual: 80}, klauseln: {Nichtauffuellklausel: true}}
    - {id_nr: WZ, name: Wartezeit, plaetze: {prozentual: 20}, ist_chance: true}
`)
	require.NoError(t, err)
	typen := cfg.Vergabeschema.Typen()
	require.Len(t, typen, 6)
	var got []string
	for _, ty := range typen {
		got = append(got, ty.Ebene+"/"+ty.IDNr)
		require.Equal(t, len(got), ty.Abarbeitungsposition, "positions count across the levels")
	}
	require.Equal(t, []string{"Vorabquoten/HF", "Vorabquoten/66", "geminderte_Vorabquoten/BQ", "geminderte_Vorabquoten/BQ2", "Hauptquoten/HQ", "Hauptquoten/WZ"}, got)
	hf, ok := cfg.Vergabeschema.Typ("HF")
	require.True(t, ok)
	require.True(t, hf.IstVorwegzulasser)
	require.Equal(t, 2.5, *hf.Plaetze.Prozentual)
	require.Equal(t, "Hauptquoten", hf.Klauseln.Unterbelegungsklausel.Platzuebergabe.Ebene)
	require.Equal(t, "SP-1-HQ", config.RanglisteKey("SP-1", "HQ"))

	// The schema survives the redacted dump (YAML round trip).
	require.Contains(t, cfg.Redacted(), "grenzkapazitaet: 20")
	require.Contains(t, cfg.Redacted(), "geminderte_Vorabquoten:")
}

func TestVergabeschemaEmptyIsValid(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("", func(string) string { return "" })
	require.NoError(t, err)
	require.True(t, cfg.Vergabeschema.Empty())
}

func TestVergabeschemaNotFromEnvironment(t *testing.T) {
	t.Parallel()
	_, err := config.Load("", func(k string) string {
		if k == "SESTD_VERGABESCHEMA_HAUPTQUOTEN" {
			return "HQ"
		}
		return ""
	})
	require.NoError(t, err, "the schema has no environment keys (and setting one does not crash)")
	for _, k := range config.Keys() {
		require.False(t, strings.HasPrefix(k[0], "vergabeschema."), k[0])
	}
}

func TestVergabeschemaViolations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		// id_nr and name
		{"id_nr with umlaut", `
  Hauptquoten:
    - {id_nr: "Härte", name: H, plaetze: {absolut: 1}}`, []string{"vergabeschema.Hauptquoten[0].id_nr: must be ASCII letters and digits only"}},
		{"id_nr with dash", `
  Hauptquoten:
    - {id_nr: "H-Q", name: H, plaetze: {absolut: 1}}`, []string{"vergabeschema.Hauptquoten[0].id_nr: must be ASCII letters and digits only"}},
		{"id_nr empty", `
  Hauptquoten:
    - {name: H, plaetze: {absolut: 1}}`, []string{"vergabeschema.Hauptquoten[0].id_nr: must be ASCII letters and digits only"}},
		{"id_nr duplicate across levels", `
  Vorabquoten:
    - {id_nr: X, name: A, plaetze: {absolut: 1}}
  Hauptquoten:
    - {id_nr: X, name: B, plaetze: {absolut: 1}}`, []string{"vergabeschema.Hauptquoten[0].id_nr: \"X\" is used by vergabeschema.Vorabquoten[0] already"}},
		{"name missing", `
  Hauptquoten:
    - {id_nr: HQ, plaetze: {absolut: 1}}`, []string{"vergabeschema.Hauptquoten[0].name: must be set"}},
		// Plätze
		{"plaetze missing", `
  Hauptquoten:
    - {id_nr: HQ, name: H}`, []string{"vergabeschema.Hauptquoten[0].plaetze: must set exactly one of absolut"}},
		{"plaetze both", `
  Hauptquoten:
    - {id_nr: HQ, name: H, plaetze: {absolut: 3, prozentual: 4}}`, []string{"vergabeschema.Hauptquoten[0].plaetze: must set exactly one"}},
		{"plaetze negative", `
  Hauptquoten:
    - {id_nr: HQ, name: H, plaetze: {absolut: -1}}`, []string{"vergabeschema.Hauptquoten[0].plaetze.absolut: must be a whole number"}},
		{"plaetze over 100 percent", `
  Hauptquoten:
    - {id_nr: HQ, name: H, plaetze: {prozentual: 120}}`, []string{"vergabeschema.Hauptquoten[0].plaetze.prozentual: must be between 0 and 100"}},
		{"plaetze absolut not an integer", `
  Hauptquoten:
    - {id_nr: HQ, name: H, plaetze: {absolut: 2.5}}`, []string{"vergabeschema.Hauptquoten[0].plaetze.absolut: must be a whole number of places, 0 or more, got 2.5"}},
		{"level percentages over 100", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {prozentual: 60}}
    - {id_nr: B, name: B, plaetze: {prozentual: 50}}`, []string{"vergabeschema.Hauptquoten: the prozentual places of the level add up to 110%"}},
		{"unknown plaetze kind", `
  Hauptquoten:
    - {id_nr: HQ, name: H, plaetze: {relativ: 3}}`, []string{"unknown key \"relativ\""}},
		// levels
		{"unknown level", `
  Hauptquote:
    - {id_nr: HQ, name: H, plaetze: {absolut: 1}}`, []string{"unknown key \"Hauptquote\""}},
		{"no Hauptquoten", `
  Vorabquoten:
    - {id_nr: V, name: V, plaetze: {absolut: 1}}`, []string{"vergabeschema.Hauptquoten: must list at least one Ranglisten type"}},
		{"vorwegzulasser on Hauptquoten", `
  Hauptquoten:
    - {id_nr: HQ, name: H, plaetze: {absolut: 1}, ist_vorwegzulasser: true}`, []string{"vergabeschema.Hauptquoten[0].ist_vorwegzulasser: is only allowed on level Vorabquoten"}},
		{"vorwegzulasser on geminderte Vorabquoten", `
  geminderte_Vorabquoten:
    - {id_nr: G, name: G, plaetze: {absolut: 1}, ist_vorwegzulasser: true}` + hq, []string{"vergabeschema.geminderte_Vorabquoten[0].ist_vorwegzulasser: is only allowed on level Vorabquoten"}},
		{"two vorwegzulasser", `
  Vorabquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, ist_vorwegzulasser: true}
    - {id_nr: B, name: B, plaetze: {absolut: 1}, ist_vorwegzulasser: true}` + hq, []string{"vergabeschema.Vorabquoten[1].ist_vorwegzulasser: only one Vorwegzulasserrangliste is allowed"}},
		{"unknown option", `
  Hauptquoten:
    - {id_nr: HQ, name: H, plaetze: {absolut: 1}, ist_chancen: true}`, []string{"unknown key \"ist_chancen\""}},
		// Binnenquotenklausel
		{"binnenquote without kennung", `
  Hauptquoten:
    - {id_nr: HQ, name: H, plaetze: {absolut: 1}, klauseln: {Binnenquotenklausel: {ist_binnenquotendachrangliste: true}}}`,
			[]string{"vergabeschema.Hauptquoten[0].klauseln.Binnenquotenklausel.binnenquotenkennung: must be set"}},
		{"binnenquote without dach", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Binnenquotenklausel: {binnenquotenkennung: k}}}
    - {id_nr: B, name: B, plaetze: {absolut: 1}, klauseln: {Binnenquotenklausel: {binnenquotenkennung: k}}}`,
			[]string{"vergabeschema.Hauptquoten[0].klauseln.Binnenquotenklausel: binnenquotenkennung \"k\" has no Binnenquotendachrangliste"}},
		{"binnenquote with two dach", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Binnenquotenklausel: {binnenquotenkennung: k, ist_binnenquotendachrangliste: true}}}
    - {id_nr: B, name: B, plaetze: {absolut: 1}, klauseln: {Binnenquotenklausel: {binnenquotenkennung: k, ist_binnenquotendachrangliste: true}}}`,
			[]string{"vergabeschema.Hauptquoten[1].klauseln.Binnenquotenklausel.ist_binnenquotendachrangliste: binnenquotenkennung \"k\" has more than one"}},
		{"binnenquote dach alone", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Binnenquotenklausel: {binnenquotenkennung: k, ist_binnenquotendachrangliste: true}}}`,
			[]string{"vergabeschema.Hauptquoten[0].klauseln.Binnenquotenklausel: binnenquotenkennung \"k\" has no Ranglisten type besides"}},
		{"binnenquote across levels", `
  Vorabquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Binnenquotenklausel: {binnenquotenkennung: k, ist_binnenquotendachrangliste: true}}}
  Hauptquoten:
    - {id_nr: B, name: B, plaetze: {absolut: 1}, klauseln: {Binnenquotenklausel: {binnenquotenkennung: k}}}`,
			[]string{"vergabeschema.Hauptquoten[0].klauseln.Binnenquotenklausel.binnenquotenkennung: \"k\" is used on another level (vergabeschema.Vorabquoten[0])"}},
		// Mindestplatzklausel
		{"mindestplatz zero", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}}
    - {id_nr: B, name: B, plaetze: {absolut: 1}}
    - {id_nr: C, name: C, plaetze: {absolut: 1}, klauseln: {Mindestplatzklausel: {grenzkapazitaet: 0}}}`,
			[]string{"vergabeschema.Hauptquoten[2].klauseln.Mindestplatzklausel.grenzkapazitaet: must be a positive integer"}},
		{"mindestplatz missing value", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Mindestplatzklausel: {}}}`,
			[]string{"vergabeschema.Hauptquoten[0].klauseln.Mindestplatzklausel.grenzkapazitaet: must be a positive integer"}},
		{"mindestplatz fraction", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Mindestplatzklausel: {grenzkapazitaet: 2.5}}}`,
			[]string{"vergabeschema.Hauptquoten[0].klauseln.Mindestplatzklausel.grenzkapazitaet: must be a positive integer, got 2.5"}},
		{"mindestplatz negative", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Mindestplatzklausel: {grenzkapazitaet: -5}}}`,
			[]string{"vergabeschema.Hauptquoten[0].klauseln.Mindestplatzklausel.grenzkapazitaet: must be a positive integer, got -5"}},
		// Limitierungsklausel and Nichtauffuellklausel are flags
		{"limitierung not a flag", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Limitierungsklausel: {grenze: 3}}}`, []string{"vergabeschema.Hauptquoten[0].klauseln.Limitierungsklausel: cannot read a mapping as true or false (line 4)"}},
		{"nichtauffuell not a flag", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Nichtauffuellklausel: ja bitte}}`, []string{"vergabeschema.Hauptquoten[0].klauseln.Nichtauffuellklausel: cannot read ja bitte as true or false (line 4)"}},
		{"unknown klausel", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Auffuellklausel: true}}`, []string{"unknown key \"Auffuellklausel\""}},
		// Unterbelegungsklausel
		{"unterbelegung without target", `
  Vorabquoten:
    - {id_nr: V, name: V, plaetze: {absolut: 1}, klauseln: {Unterbelegungsklausel: {}}}` + hq,
			[]string{"vergabeschema.Vorabquoten[0].klauseln.Unterbelegungsklausel.platzuebergabe: must name exactly one target"}},
		{"unterbelegung with two targets", `
  Vorabquoten:
    - {id_nr: V, name: V, plaetze: {absolut: 1}, klauseln: {Unterbelegungsklausel: {platzuebergabe: {ebene: Hauptquoten, ranglisten_typ: HQ}}}}` + hq,
			[]string{"vergabeschema.Vorabquoten[0].klauseln.Unterbelegungsklausel.platzuebergabe: must name exactly one target"}},
		{"unterbelegung to unknown level", `
  Vorabquoten:
    - {id_nr: V, name: V, plaetze: {absolut: 1}, klauseln: {Unterbelegungsklausel: {platzuebergabe: {ebene: Nebenquoten}}}}` + hq,
			[]string{"vergabeschema.Vorabquoten[0].klauseln.Unterbelegungsklausel.platzuebergabe.ebene: must be one of [Vorabquoten geminderte_Vorabquoten Hauptquoten], got \"Nebenquoten\""}},
		{"unterbelegung to own level", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Unterbelegungsklausel: {platzuebergabe: {ebene: Hauptquoten}}}}`,
			[]string{"vergabeschema.Hauptquoten[0].klauseln.Unterbelegungsklausel.platzuebergabe.ebene: must be a level processed after Hauptquoten"}},
		{"unterbelegung to earlier level", `
  geminderte_Vorabquoten:
    - {id_nr: G, name: G, plaetze: {absolut: 1}, klauseln: {Unterbelegungsklausel: {platzuebergabe: {ebene: Vorabquoten}}}}` + hq,
			[]string{"vergabeschema.geminderte_Vorabquoten[0].klauseln.Unterbelegungsklausel.platzuebergabe.ebene: must be a level processed after geminderte_Vorabquoten"}},
		{"unterbelegung to unknown type", `
  Vorabquoten:
    - {id_nr: V, name: V, plaetze: {absolut: 1}, klauseln: {Unterbelegungsklausel: {platzuebergabe: {ranglisten_typ: "66"}}}}` + hq,
			[]string{"vergabeschema.Vorabquoten[0].klauseln.Unterbelegungsklausel.platzuebergabe.ranglisten_typ: \"66\" is no id_nr of the schema"}},
		{"unterbelegung to earlier type", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}}
    - {id_nr: B, name: B, plaetze: {absolut: 1}, klauseln: {Unterbelegungsklausel: {platzuebergabe: {ranglisten_typ: A}}}}`,
			[]string{"vergabeschema.Hauptquoten[1].klauseln.Unterbelegungsklausel.platzuebergabe.ranglisten_typ: \"A\" must be a Ranglisten type processed after this one"}},
		{"unterbelegung to itself", `
  Hauptquoten:
    - {id_nr: A, name: A, plaetze: {absolut: 1}, klauseln: {Unterbelegungsklausel: {platzuebergabe: {ranglisten_typ: A}}}}`,
			[]string{"vergabeschema.Hauptquoten[0].klauseln.Unterbelegungsklausel.platzuebergabe.ranglisten_typ: \"A\" must be a Ranglisten type processed after this one"}},
		{"unterbelegung with nichtauffuell", `
  Vorabquoten:
    - {id_nr: V, name: V, plaetze: {absolut: 1}, klauseln: {Nichtauffuellklausel: true, Unterbelegungsklausel: {platzuebergabe: {ebene: Hauptquoten}}}}` + hq,
			[]string{"vergabeschema.Vorabquoten[0].klauseln.Unterbelegungsklausel: excludes the Nichtauffuellklausel"}},
		{"every violation at once", `
  Vorabquoten:
    - {id_nr: "a b", plaetze: {absolut: -2}}
  Hauptquoten:
    - {id_nr: HQ, name: H, plaetze: {absolut: 1}, ist_vorwegzulasser: true, klauseln: {Mindestplatzklausel: {grenzkapazitaet: 0}}}`,
			[]string{"vergabeschema.Vorabquoten[0].id_nr:", "vergabeschema.Vorabquoten[0].name:", "vergabeschema.Vorabquoten[0].plaetze.absolut:",
				"vergabeschema.Hauptquoten[0].ist_vorwegzulasser:", "vergabeschema.Hauptquoten[0].klauseln.Mindestplatzklausel.grenzkapazitaet:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadSchema(t, tc.body)
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}
