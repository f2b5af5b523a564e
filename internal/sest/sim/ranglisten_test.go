package sim_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
)

// TestUnterbelegungsklauselZiel: an Unterbelegungsklausel passes places to
// an Ebene or to a Ranglisten type of the Vergabeschema; a type the
// Servicestelle does not know is rejected like the other Klausel errors.
// The sim's Vergabeschema is the types of the Ranglisten it holds (the
// generated ones are of types VQ and HQ) and of those sent with Kopfdaten
// in the same call.
func TestUnterbelegungsklauselZiel(t *testing.T) {
	t.Parallel()
	type ziel struct{ ebene, typ string }
	tests := []struct {
		name string
		// earlier are Ranglisten types sent (and stored) in a call before.
		earlier []string
		ziel    ziel
		// with are Ranglisten keys sent after the one under test in the
		// same call, with Kopfdaten unless their key ends in "-OHNE".
		with     []string
		wantCode int // 0: accepted
	}{
		{name: "unknown type", ziel: ziel{typ: "66"}, wantCode: sim.CodeKlauseln},
		{name: "unknown type, others sent", ziel: ziel{typ: "66"}, with: []string{"WZ"}, wantCode: sim.CodeKlauseln},
		{name: "type of the generated data", ziel: ziel{typ: "HQ"}},
		{name: "type sent later in the same call", ziel: ziel{typ: "WZ"}, with: []string{"WZ"}},
		{name: "type stored by an earlier call", earlier: []string{"WZ"}, ziel: ziel{typ: "WZ"}},
		{name: "type whose Rangliste is sent without Kopfdaten", ziel: ziel{typ: "OHNE"}, with: []string{"OHNE"}, wantCode: sim.CodeKlauseln},
		{name: "type names are case-sensitive", ziel: ziel{typ: "hq"}, wantCode: sim.CodeKlauseln},
		{name: "the list's own type", ziel: ziel{typ: "HF"}},
		{name: "ebene", ziel: ziel{ebene: "Hauptquoten"}},
		{name: "unknown ebene", ziel: ziel{ebene: "Nebenquoten"}, wantCode: sim.CodeKlauseln},
		{name: "ebene and type", ziel: ziel{ebene: "Hauptquoten", typ: "HQ"}, wantCode: sim.CodeKlauseln},
		{name: "neither", wantCode: sim.CodeKlauseln},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newSim(t, sim.Config{Bewerbungen: 40, Seed: 9, Username: simUser, Password: simPassword})
			c := versionClient(t, srv.URL, 3)
			ctx := context.Background()
			pakete := s.Studienpakete()
			require.GreaterOrEqual(t, len(pakete), 2)
			sp := pakete[0].Schluessel
			pct := 10.0
			liste := func(key, ebene string, kl *sestmodel.Klauseln) sestmodel.Rangliste {
				return sestmodel.Rangliste{Schluessel: key, StudienpaketSchluessel: sp, NameDe: key, Ebene: ebene, Status: "eingerichtet",
					Kopfdaten: &sestmodel.Kopfdaten{Abarbeitungsposition: 1, PlaetzeProzentual: &pct, Klauseln: kl}}
			}
			if len(tc.earlier) > 0 {
				var lists []sestmodel.Rangliste
				for _, typ := range tc.earlier {
					// Stored for another Studienpaket: the Vergabeschema
					// is the same for all.
					l := liste(pakete[1].Schluessel+"-"+typ, "Hauptquoten", nil)
					l.StudienpaketSchluessel = pakete[1].Schluessel
					lists = append(lists, l)
				}
				res, err := c.RanglistenUebermitteln(ctx, lists)
				require.NoError(t, err)
				for _, r := range res {
					require.False(t, r.Rejected(), "%s: %s", r.RanglistenSchluessel, r.GrundZurueckweisung)
				}
			}

			key := sp + "-HF"
			lists := []sestmodel.Rangliste{liste(key, "Vorabquoten", &sestmodel.Klauseln{
				Unterbelegungsklausel: &sestmodel.Unterbelegungsklausel{PlatzuebergabeEbene: tc.ziel.ebene, PlatzuebergabeRanglistentyp: tc.ziel.typ}})}
			for _, typ := range tc.with {
				l := liste(sp+"-"+typ, "Hauptquoten", nil)
				if typ == "OHNE" {
					l.Kopfdaten = nil
				}
				lists = append(lists, l)
			}
			res, err := c.RanglistenUebermitteln(ctx, lists)
			require.NoError(t, err)
			require.Len(t, res, len(lists))
			got := res[0]
			require.Equal(t, key, got.RanglistenSchluessel)
			stored := false
			for _, r := range s.Ranglisten() {
				stored = stored || r.Schluessel == key
			}
			if tc.wantCode == 0 {
				require.Equal(t, sestmodel.ErgebnisNeu, got.ErgebnisStatus, got.GrundZurueckweisung)
				require.True(t, stored)
				return
			}
			require.True(t, got.Rejected())
			require.Equal(t, tc.wantCode, got.Code, got.GrundZurueckweisung)
			require.False(t, stored, "a rejected Rangliste is not stored")
			if tc.ziel.typ != "" && tc.ziel.ebene == "" {
				require.Equal(t, `Der Ranglistentyp "`+tc.ziel.typ+`" der Unterbelegungsklausel ist im Vergabeschema nicht vorhanden. [Fehlercode: 40202]`, got.GrundZurueckweisung)
			}
			for _, r := range res[1:] {
				require.Equal(t, r.RanglistenSchluessel == sp+"-OHNE", r.Rejected(), "%s: %s", r.RanglistenSchluessel, r.GrundZurueckweisung)
			}
		})
	}
}

// TestGeneratedRanglistenPassValidation: the generated data satisfies the
// sim's own checks. Every generated Rangliste, sent back as it is stored
// (with its Kopfdaten and entries), is accepted.
func TestGeneratedRanglistenPassValidation(t *testing.T) {
	t.Parallel()
	for _, seed := range []int64{1, 2, 7} {
		s, srv := newSim(t, sim.Config{Bewerbungen: 300, Seed: seed, Username: simUser, Password: simPassword})
		c := versionClient(t, srv.URL, 3)
		lists := s.Ranglisten()
		require.NotEmpty(t, lists)
		res, err := c.RanglistenUebermitteln(context.Background(), lists)
		require.NoError(t, err)
		require.Len(t, res, len(lists))
		for _, r := range res {
			require.Equal(t, sestmodel.ErgebnisAktualisiert, r.ErgebnisStatus, "seed %d, %s: %s", seed, r.RanglistenSchluessel, r.GrundZurueckweisung)
		}
		require.Equal(t, lists, s.Ranglisten(), "seed %d: stored unchanged", seed)
	}
}
