package sest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest"
	"sestd/internal/sestmodel"
)

// TestSimulatorAppliesTheUniversitysChangeAsTheClientDoes sends changes
// of an Einfach- and a Mehrfachstudienangebotsbewerbung through the
// client to the simulator and reads them back: the simulator holds what
// ApplyUniversity, as sestd runs it after a version conflict, predicts
// (apart from the version and the time of the change, which the
// simulator stamps), and the fields checked by hand below.
func TestSimulatorAppliesTheUniversitysChangeAsTheClientDoes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var einfach, mehrfach string
	for _, x := range b.sim.Bewerbungen() {
		switch {
		case einfach == "" && x.Einfach != nil && x.Bearbeitungsstatus() == "eingegangen":
			einfach = x.Key()
		case mehrfach == "" && x.Mehrfach != nil && x.Bearbeitungsstatus() == "eingegangen" && len(x.Mehrfach.Teilfachbewerbung) == 2:
			mehrfach = x.Key()
		}
	}
	require.NotEmpty(t, einfach)
	require.NotEmpty(t, mehrfach)
	// The Servicestelle's side holds remarks of its own first.
	_, err := b.sim.ChangeBewerbung(einfach, func(x *sestmodel.Bewerbung) {
		x.Einfach.Statusanmerkung, x.Einfach.Sonderantragsentscheidung, x.Einfach.Papierantragstatus = "alt", "offen", "nicht_eingegangen"
	})
	require.NoError(t, err)
	_, err = b.sim.ChangeBewerbung(mehrfach, func(x *sestmodel.Bewerbung) {
		m := x.Mehrfach
		m.Statusanmerkung, m.Sonderantragsentscheidung, m.Papierantragstatus = "alt", "offen", "nicht_eingegangen"
		for i := range m.Teilfachbewerbung {
			m.Teilfachbewerbung[i].Statusanmerkung, m.Teilfachbewerbung[i].Sonderantragsentscheidung = "Teilfach alt", "offen"
		}
	})
	require.NoError(t, err)
	fetch := func(key string) sestmodel.Bewerbung {
		t.Helper()
		var bid string
		for _, x := range b.sim.Bewerbungen() {
			if x.Key() == key {
				bid = x.BewerberID()
			}
		}
		all, err := b.client.BewerbungenAbrufen(ctx, sest.Suche{BewerberID: bid})
		require.NoError(t, err)
		for _, x := range all {
			if x.Key() == key {
				return x
			}
		}
		t.Fatalf("%s not found", key)
		return sestmodel.Bewerbung{}
	}

	// Einfach: a new status, Papierantragstatus and Sonderantragsentscheidung
	// given, Statusanmerkung left empty.
	curE := fetch(einfach)
	uniE := curE.Clone()
	e := uniE.Einfach
	e.Bearbeitungsstatus, e.Statusanmerkung, e.Sonderantragsentscheidung, e.Papierantragstatus = "ausgeschlossen", "", "angenommen", "eingegangen"
	e.Bestandteil, e.Bescheid = nil, nil

	// Mehrfach: a new status, a Statusanmerkung, the other fields empty;
	// the first Teilfach with everything of its own, the second with its
	// status only.
	curM := fetch(mehrfach)
	uniM := curM.Clone()
	m := uniM.Mehrfach
	m.Bearbeitungsstatus, m.Statusanmerkung, m.Sonderantragsentscheidung, m.Papierantragstatus, m.Aktivitaetsstatus = "ausgeschlossen", "neu", "", "", ""
	t0, t1 := &m.Teilfachbewerbung[0], &m.Teilfachbewerbung[1]
	t0.Bearbeitungsstatus, t0.Statusanmerkung, t0.Sonderantragsentscheidung, t0.Aktivitaetsstatus = "ausgeschlossen", "Teilfach neu", "angenommen", "inaktiv"
	t1.Bearbeitungsstatus, t1.Statusanmerkung, t1.Sonderantragsentscheidung = "ausgeschlossen", "", ""

	res, err := b.client.GeaenderteBewerbungenUebermitteln(ctx, []sestmodel.Bewerbung{uniE, uniM})
	require.NoError(t, err)
	require.Len(t, res, 2)
	for _, r := range res {
		require.Equal(t, sestmodel.ErgebnisAktualisiert, r.ErgebnisStatus, r.GrundZurueckweisung)
	}
	gotE, gotM := fetch(einfach), fetch(mehrfach)

	// By hand, from the rule.
	require.Equal(t, "ausgeschlossen", gotE.Einfach.Bearbeitungsstatus)
	require.Equal(t, "alt", gotE.Einfach.Statusanmerkung, "empty: kept")
	require.Equal(t, "angenommen", gotE.Einfach.Sonderantragsentscheidung)
	require.Equal(t, "eingegangen", gotE.Einfach.Papierantragstatus)
	require.Equal(t, curE.Einfach.Bestandteil, gotE.Einfach.Bestandteil, "not the university's")
	require.Equal(t, "ausgeschlossen", gotM.Mehrfach.Bearbeitungsstatus)
	require.Equal(t, "neu", gotM.Mehrfach.Statusanmerkung)
	require.Equal(t, "offen", gotM.Mehrfach.Sonderantragsentscheidung, "empty: kept")
	require.Equal(t, "nicht_eingegangen", gotM.Mehrfach.Papierantragstatus, "empty: kept")
	require.Equal(t, curM.Mehrfach.Aktivitaetsstatus, gotM.Mehrfach.Aktivitaetsstatus, "empty: kept")
	g0, g1 := gotM.Mehrfach.Teilfachbewerbung[0], gotM.Mehrfach.Teilfachbewerbung[1]
	require.Equal(t, [2]string{"ausgeschlossen", "ausgeschlossen"}, [2]string{g0.Bearbeitungsstatus, g1.Bearbeitungsstatus})
	require.Equal(t, [3]string{"Teilfach neu", "angenommen", "inaktiv"}, [3]string{g0.Statusanmerkung, g0.Sonderantragsentscheidung, g0.Aktivitaetsstatus})
	require.Equal(t, [2]string{"Teilfach alt", "offen"}, [2]string{g1.Statusanmerkung, g1.Sonderantragsentscheidung}, "empty: kept")

	// And all of it as the client predicts.
	for _, c := range []struct{ cur, uni, got sestmodel.Bewerbung }{{curE, uniE, gotE}, {curM, uniM, gotM}} {
		want, err := c.cur.ApplyUniversity(c.uni)
		require.NoError(t, err)
		require.Equal(t, c.cur.Version()+1, c.got.Version())
		stamp(want, c.got)
		require.Equal(t, want, c.got)
		require.True(t, c.got.HoldsUniversity(c.uni))
	}
}

// stamp copies what the Servicestelle sets on every change (version and
// time of the change, of the Teilfächer too) from got to want.
func stamp(want, got sestmodel.Bewerbung) {
	switch {
	case want.Einfach != nil:
		want.Einfach.VersionSeSt, want.Einfach.LetzteAenderung = got.Einfach.VersionSeSt, got.Einfach.LetzteAenderung
	case want.Mehrfach != nil:
		want.Mehrfach.VersionSeSt, want.Mehrfach.LetzteAenderung = got.Mehrfach.VersionSeSt, got.Mehrfach.LetzteAenderung
		for i := range want.Mehrfach.Teilfachbewerbung {
			w, g := &want.Mehrfach.Teilfachbewerbung[i], got.Mehrfach.Teilfachbewerbung[i]
			w.VersionSeSt, w.LetzteAenderung = g.VersionSeSt, g.LetzteAenderung
		}
	}
}
