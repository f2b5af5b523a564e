package sim_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
)

// The credentials of the sims that sest clients talk to.
const simUser, simPassword = "hs1810", "geheim+#9/"

// versionClient returns a client of the sim at srvURL speaking interface
// version iface (taken from the base URL, as sestd configures it).
func versionClient(t *testing.T, srvURL string, iface int) *sest.Client {
	t.Helper()
	c, err := sest.New(sest.Config{BaseURL: fmt.Sprintf("%s/hochschule/webservice/%d", srvURL, iface),
		Username: simUser, Password: simPassword, Hochschulnummer: "1810", Jahr: 2026, Semester: "WS", Timeout: 5 * time.Second}, nil, nil)
	require.NoError(t, err)
	require.Equal(t, iface, c.Config().InterfaceVersion)
	t.Cleanup(c.Close)
	return c
}

// gueltigeBewerbung returns a Bewerbung of the kind (einfach, mehrfach),
// other than skip, whose status the sim has set to gueltig, as the
// Servicestelle holds it.
func gueltigeBewerbung(t *testing.T, s *sim.Sim, mehrfach bool, skip string) sestmodel.Bewerbung {
	t.Helper()
	for _, b := range s.Bewerbungen() {
		if (b.Mehrfach != nil) != mehrfach || b.Key() == skip {
			continue
		}
		_, err := s.SetBearbeitungsstatus(b.Key(), "gueltig")
		require.NoError(t, err)
		cur, err := s.Bewerbung(b.Key())
		require.NoError(t, err)
		return cur
	}
	t.Fatalf("the sim holds no Bewerbung with mehrfach=%v", mehrfach)
	return sestmodel.Bewerbung{}
}

// neueBewerbungen returns two new Einfachstudienangebotsbewerbungen of a
// new applicant for two visible Studienangebote, in the given statuses.
func neueBewerbungen(t *testing.T, s *sim.Sim, status1, status2 string) (sestmodel.Bewerbung, sestmodel.Bewerbung) {
	t.Helper()
	const id = "B000000000042"
	require.NoError(t, s.AddBewerber(sestmodel.Bewerber{ID: id, Vorname: "Jörg", Nachname: "Müller"}, "BAN42BAN42"))
	var out []sestmodel.Bewerbung
	for _, a := range s.Studienangebote() {
		if a.Einfach != nil && a.Einfach.Status == "oeffentlich_sichtbar" && len(out) < 2 {
			out = append(out, sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{BewerberID: id,
				EingangsZeitpunkt: sestmodel.NewTimestamp(s.Clock().Now()), Studienangebot: a.Einfach.Schluessel}})
		}
	}
	require.Len(t, out, 2, "visible Einfachstudienangebote")
	out[0].Einfach.Bearbeitungsstatus, out[1].Einfach.Bearbeitungsstatus = status1, status2
	return out[0], out[1]
}

// TestBearbeitungsstatusPerInterfaceVersion: the statuses version 4
// brought (eingeschrieben, nicht_eingeschrieben, Frist_ueberschritten) are
// rejected per item when the call speaks version 2 or 3; the other items
// of the call are still processed.
func TestBearbeitungsstatusPerInterfaceVersion(t *testing.T) {
	t.Parallel()
	type kind int
	const (
		neu      kind = iota // uebermittelnNeueBewerbungenAnSeSt
		einfach              // uebermittelnGeaenderteBewerbungenAnSeSt, Einfach
		mehrfach             // the same, status of the Mehrfach and its Teilfachbewerbungen
		teilfach             // the same, only one Teilfachbewerbung's status
	)
	tests := []struct {
		name     string
		iface    int
		kind     kind
		status   string
		want     string // ergebnisStatus
		wantCode int
	}{
		{"v2 new eingeschrieben", 2, neu, "eingeschrieben", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		{"v3 new eingeschrieben", 3, neu, "eingeschrieben", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		{"v4 new eingeschrieben", 4, neu, "eingeschrieben", sestmodel.ErgebnisNeu, 0},
		{"v3 new nicht_eingeschrieben", 3, neu, "nicht_eingeschrieben", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		{"v4 new nicht_eingeschrieben", 4, neu, "nicht_eingeschrieben", sestmodel.ErgebnisNeu, 0},
		{"v3 new Frist_ueberschritten", 3, neu, "Frist_ueberschritten", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		// Known in version 4, but not a status the university may set.
		{"v4 new Frist_ueberschritten", 4, neu, "Frist_ueberschritten", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusuebergang},
		{"v2 new eingegangen", 2, neu, "eingegangen", sestmodel.ErgebnisNeu, 0},
		{"v3 new eingegangen", 3, neu, "eingegangen", sestmodel.ErgebnisNeu, 0},

		{"v2 changed eingeschrieben", 2, einfach, "eingeschrieben", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		{"v3 changed eingeschrieben", 3, einfach, "eingeschrieben", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		{"v4 changed eingeschrieben", 4, einfach, "eingeschrieben", sestmodel.ErgebnisAktualisiert, 0},
		{"v3 changed nicht_eingeschrieben", 3, einfach, "nicht_eingeschrieben", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		{"v4 changed nicht_eingeschrieben", 4, einfach, "nicht_eingeschrieben", sestmodel.ErgebnisAktualisiert, 0},
		{"v2 changed Frist_ueberschritten", 2, einfach, "Frist_ueberschritten", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		{"v4 changed Frist_ueberschritten", 4, einfach, "Frist_ueberschritten", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusuebergang},
		{"v3 changed ausgeschlossen", 3, einfach, "ausgeschlossen", sestmodel.ErgebnisAktualisiert, 0},

		{"v3 mehrfach eingeschrieben", 3, mehrfach, "eingeschrieben", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		{"v4 mehrfach eingeschrieben", 4, mehrfach, "eingeschrieben", sestmodel.ErgebnisAktualisiert, 0},
		{"v2 teilfach eingeschrieben", 2, teilfach, "eingeschrieben", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		{"v3 teilfach nicht_eingeschrieben", 3, teilfach, "nicht_eingeschrieben", sestmodel.ErgebnisZurueckgewiesen, sim.CodeStatusUnbekannt},
		{"v4 teilfach nicht_eingeschrieben", 4, teilfach, "nicht_eingeschrieben", sestmodel.ErgebnisAktualisiert, 0},
		{"v3 teilfach gueltig", 3, teilfach, "gueltig", sestmodel.ErgebnisAktualisiert, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newSim(t, sim.Config{Bewerbungen: 60, Seed: 3, Username: simUser, Password: simPassword})
			c := versionClient(t, srv.URL, tc.iface)
			ctx := context.Background()

			// Every call also carries an item that is fine in every
			// version: a rejection stays with its item.
			var b, other sestmodel.Bewerbung
			wantOther := sestmodel.ErgebnisAktualisiert
			switch tc.kind {
			case neu:
				b, other = neueBewerbungen(t, s, tc.status, "eingegangen")
				wantOther = sestmodel.ErgebnisNeu
			case einfach:
				other = gueltigeBewerbung(t, s, false, "")
				b = gueltigeBewerbung(t, s, false, other.Key())
				b.Einfach.Bearbeitungsstatus = tc.status
			case mehrfach, teilfach:
				other = gueltigeBewerbung(t, s, false, "")
				b = gueltigeBewerbung(t, s, true, "")
				if tc.kind == mehrfach {
					b.Mehrfach.Bearbeitungsstatus = tc.status
				}
				for i := range b.Mehrfach.Teilfachbewerbung {
					if tc.kind == mehrfach || i == 0 {
						b.Mehrfach.Teilfachbewerbung[i].Bearbeitungsstatus = tc.status
					}
				}
			}
			if other.Einfach != nil && tc.kind != neu {
				other.Einfach.Statusanmerkung = "geprüft"
			}
			send := c.GeaenderteBewerbungenUebermitteln
			if tc.kind == neu {
				send = c.NeueBewerbungenUebermitteln
			}
			res, err := send(ctx, []sestmodel.Bewerbung{b, other})
			require.NoError(t, err)
			require.Len(t, res, 2)
			require.Equal(t, tc.want, res[0].ErgebnisStatus, res[0].GrundZurueckweisung)
			require.Equal(t, tc.wantCode, res[0].Code, res[0].GrundZurueckweisung)
			require.Equal(t, wantOther, res[1].ErgebnisStatus, "the other item: %s", res[1].GrundZurueckweisung)

			cur, err := s.Bewerbung(b.Key())
			if tc.want == sestmodel.ErgebnisZurueckgewiesen {
				if tc.wantCode == sim.CodeStatusUnbekannt {
					require.Contains(t, res[0].GrundZurueckweisung, fmt.Sprintf("erst ab der Schnittstellenversion 4, die Anfrage verwendet Version %d", tc.iface))
				}
				if tc.kind == neu {
					require.ErrorIs(t, err, sim.ErrNotFound, "nothing stored")
				} else {
					require.NoError(t, err)
					require.Equal(t, b.Version(), cur.Version(), "nothing stored")
					require.Equal(t, "gueltig", cur.Bearbeitungsstatus())
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, b.Bearbeitungsstatus(), cur.Bearbeitungsstatus())
			if tc.kind == teilfach || tc.kind == mehrfach {
				require.Equal(t, tc.status, cur.Mehrfach.Teilfachbewerbung[0].Bearbeitungsstatus)
			}
		})
	}
}

// TestStudienangeboteSentBackUnchanged: every Studienangebot the sim holds,
// sent back unchanged by a client (SAF 101), is accepted as an update.
func TestStudienangeboteSentBackUnchanged(t *testing.T) {
	t.Parallel()
	s, srv := newSim(t, sim.Config{Bewerbungen: 10})
	c := versionClient(t, srv.URL, 4)
	ctx := context.Background()
	angebote, err := c.StudienangeboteAbrufen(ctx, sest.StudienangebotSuche{})
	require.NoError(t, err)
	require.Len(t, angebote, len(s.Studienangebote()))
	var arten []string
	for _, a := range angebote {
		if a.Mehrfach != nil {
			arten = append(arten, a.Mehrfach.Schluessel.AbschlussSchluessel+" "+a.Mehrfach.Art)
		}
	}
	require.ElementsMatch(t, []string{"25 " + sestmodel.FreieFachbezogeneStudiengangskombination, "26 " + sestmodel.ExpliziteStudiengangskombination}, arten)
	res, err := c.StudienangeboteAnlegenAendern(ctx, angebote)
	require.NoError(t, err)
	require.Len(t, res, len(angebote))
	for i, r := range res {
		require.Equal(t, sestmodel.ErgebnisAktualisiert, r.ErgebnisStatus, "Studienangebot %d: %+v", i, r.GrundZurueckweisung)
	}
	require.Equal(t, angebote, s.Studienangebote())
}
