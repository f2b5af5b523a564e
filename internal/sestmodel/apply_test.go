package sestmodel_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
)

// at is a fixed time of the examples.
func at(day int) sestmodel.Timestamp {
	return sestmodel.NewTimestamp(time.Date(2026, 7, day, 10, 0, 0, 0, time.UTC))
}

func key(sg string) sestmodel.EinfachstudienangebotsSchluessel {
	a, f := sg[:2], sg[3:]
	return sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: sg, AbschlussSchluessel: a, StudienfachSchluessel: f}
}

// einfachAtSest is an Einfachstudienangebotsbewerbung as the
// Servicestelle holds it: every field set.
func einfachAtSest() sestmodel.Bewerbung {
	return sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
		EingangsZeitpunkt: at(1), Bearbeitungsstatus: "eingegangen", VersionSeSt: 4, BewerberBAN: "BAN-1",
		BewerberEmailAdresse: "a@example.org", BewerberID: "B-1", Studienangebot: key("84-105"), OrtDesEingangs: "SeSt",
		Aktivitaetsstatus: "aktiv", Papierantragstatus: "nicht_eingegangen", LetzteAenderung: at(3),
		Statusanmerkung: "Zeugnis fehlt", Sonderantragsentscheidung: "abgelehnt",
		Bestandteil: []sestmodel.Bewerbungsbestandteil{{FeldangabeSchluessel: "hzb", Wert: "Abitur",
			Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D-1", Dateiname: "hzb.pdf"}}},
		Bescheid: []sestmodel.Bescheid{{Bescheidart: "Eingangsbestaetigung", ErstelltAm: at(2)}},
	}}
}

// mehrfachAtSest is a Mehrfachstudienangebotsbewerbung with two
// Teilfachbewerbungen as the Servicestelle holds it.
func mehrfachAtSest() sestmodel.Bewerbung {
	h := key("25-007")
	return sestmodel.Bewerbung{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{
		EingangsZeitpunkt: at(1), Bearbeitungsstatus: "eingegangen", VersionSeSt: 7, BewerberBAN: "BAN-2", BewerberID: "B-2",
		Studienangebot: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"}, OrtDesEingangs: "HS",
		Aktivitaetsstatus: "aktiv", Papierantragstatus: "eingegangen", LetzteAenderung: at(3),
		Statusanmerkung: "alt", Sonderantragsentscheidung: "offen",
		Teilfachbewerbung: []sestmodel.Teilfachbewerbung{
			{EingangsZeitpunkt: at(1), Bearbeitungsstatus: "eingegangen", VersionSeSt: 7, Studienangebot: key("25-007"),
				HauptfachSchluessel: &h, IstErsatzfachAkzeptabel: true, Aktivitaetsstatus: "aktiv", LetzteAenderung: at(3),
				Statusanmerkung: "Teilfach alt", Sonderantragsentscheidung: "offen"},
			{EingangsZeitpunkt: at(1), Bearbeitungsstatus: "eingegangen", VersionSeSt: 7, Studienangebot: key("25-059"),
				Aktivitaetsstatus: "aktiv", LetzteAenderung: at(3), Statusanmerkung: "Teilfach 2 alt"},
		},
		Bescheid: []sestmodel.Bescheid{{Bescheidart: "Eingangsbestaetigung", ErstelltAm: at(2)}},
	}}
}

// TestApplyUniversity applies changes of a university to Bewerbungen as
// the Servicestelle holds them; each expected Bewerbung is written out
// by hand from the rule (see ApplyUniversity).
func TestApplyUniversity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		cur, uni  sestmodel.Bewerbung
		want      func() sestmodel.Bewerbung
		unchanged bool // the university's change is already there
	}{{
		name: "einfach: every field of the university given",
		cur:  einfachAtSest(),
		// What the university sends: its staging row, on an older
		// version, without what only the Servicestelle knows.
		uni: sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
			EingangsZeitpunkt: at(9), Bearbeitungsstatus: "gueltig", VersionSeSt: 3, BewerberBAN: "ANDERS", BewerberID: "B-1",
			Studienangebot: key("84-105"), Aktivitaetsstatus: "inaktiv", Papierantragstatus: "eingegangen",
			Statusanmerkung: "Nachweis liegt vor", Sonderantragsentscheidung: "angenommen"}},
		want: func() sestmodel.Bewerbung {
			b := einfachAtSest()
			b.Einfach.Bearbeitungsstatus = "gueltig"
			b.Einfach.Aktivitaetsstatus = "inaktiv"
			b.Einfach.Papierantragstatus = "eingegangen"
			b.Einfach.Statusanmerkung = "Nachweis liegt vor"
			b.Einfach.Sonderantragsentscheidung = "angenommen"
			return b // version 4, Eingang, BAN, Bestandteile, Bescheide: the Servicestelle's
		},
	}, {
		name: "einfach: only the status; the empty fields keep their values",
		cur:  einfachAtSest(),
		uni: sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
			Bearbeitungsstatus: "ausgeschlossen", BewerberID: "B-1", Studienangebot: key("84-105")}},
		want: func() sestmodel.Bewerbung {
			b := einfachAtSest()
			b.Einfach.Bearbeitungsstatus = "ausgeschlossen"
			return b
		},
	}, {
		name:      "einfach: the change is already there",
		cur:       einfachAtSest(),
		uni:       sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{Bearbeitungsstatus: "eingegangen", Statusanmerkung: "Zeugnis fehlt"}},
		want:      einfachAtSest,
		unchanged: true,
	}, {
		name: "mehrfach: the Bewerbung's fields and the Teilfächer given",
		cur:  mehrfachAtSest(),
		uni: sestmodel.Bewerbung{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{
			Bearbeitungsstatus: "gueltig", VersionSeSt: 6, BewerberID: "B-2",
			Studienangebot:     sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"},
			Papierantragstatus: "nicht_eingegangen", Statusanmerkung: "neu", Sonderantragsentscheidung: "angenommen",
			Teilfachbewerbung: []sestmodel.Teilfachbewerbung{
				// 25-059 changed in every field of the university; its
				// other fields differ too, and are not taken.
				{Bearbeitungsstatus: "gueltig", Studienangebot: key("25-059"), Aktivitaetsstatus: "inaktiv",
					Statusanmerkung: "Teilfach 2 neu", Sonderantragsentscheidung: "angenommen", IstFachwechsel: true, EingangsZeitpunkt: at(9)},
				// 25-007 with its status only.
				{Bearbeitungsstatus: "ausgeschlossen", Studienangebot: key("25-007")},
				// 25-084 is not a Teilfach of the Bewerbung: not added.
				{Bearbeitungsstatus: "gueltig", Studienangebot: key("25-084"), Statusanmerkung: "fremd"},
			}}},
		want: func() sestmodel.Bewerbung {
			b := mehrfachAtSest()
			m := b.Mehrfach
			m.Bearbeitungsstatus = "gueltig"
			m.Papierantragstatus = "nicht_eingegangen"
			m.Statusanmerkung = "neu"
			m.Sonderantragsentscheidung = "angenommen"
			m.Teilfachbewerbung[0].Bearbeitungsstatus = "ausgeschlossen"
			m.Teilfachbewerbung[1].Bearbeitungsstatus = "gueltig"
			m.Teilfachbewerbung[1].Aktivitaetsstatus = "inaktiv"
			m.Teilfachbewerbung[1].Statusanmerkung = "Teilfach 2 neu"
			m.Teilfachbewerbung[1].Sonderantragsentscheidung = "angenommen"
			return b
		},
	}, {
		name: "mehrfach: no Teilfach given leaves the Teilfächer alone",
		cur:  mehrfachAtSest(),
		uni:  sestmodel.Bewerbung{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{Bearbeitungsstatus: "zurueckgezogen"}},
		want: func() sestmodel.Bewerbung {
			b := mehrfachAtSest()
			b.Mehrfach.Bearbeitungsstatus = "zurueckgezogen"
			return b
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := tc.cur.Clone()
			got, err := tc.cur.ApplyUniversity(tc.uni)
			require.NoError(t, err)
			require.Equal(t, tc.want(), got)
			require.Equal(t, before, tc.cur, "the current Bewerbung is not changed")
			require.Equal(t, tc.unchanged, tc.cur.HoldsUniversity(tc.uni))
			require.True(t, got.HoldsUniversity(tc.uni), "once applied, the change is there")
			// The result shares nothing with the current Bewerbung.
			if got.Mehrfach != nil {
				got.Mehrfach.Teilfachbewerbung[0].HauptfachSchluessel.StudienfachSchluessel = "999"
				require.Equal(t, "007", tc.cur.Mehrfach.Teilfachbewerbung[0].HauptfachSchluessel.StudienfachSchluessel)
			}
		})
	}
}

func TestApplyUniversityOtherKind(t *testing.T) {
	t.Parallel()
	_, err := einfachAtSest().ApplyUniversity(mehrfachAtSest())
	require.ErrorIs(t, err, sestmodel.ErrOtherKind)
	_, err = mehrfachAtSest().ApplyUniversity(einfachAtSest())
	require.ErrorIs(t, err, sestmodel.ErrOtherKind)
	_, err = einfachAtSest().ApplyUniversity(sestmodel.Bewerbung{})
	require.ErrorIs(t, err, sestmodel.ErrOtherKind)
	require.False(t, einfachAtSest().HoldsUniversity(mehrfachAtSest()))
}
