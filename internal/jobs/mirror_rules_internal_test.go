package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/sestmodel"
)

// The Fach filter (sync.download_faecher) keeps an Einfachbewerbung by its
// Studienfach and a Mehrfachbewerbung when any Teilfach is one of the
// Fächer; the Studienfach is taken from the atomic key
// (<abschluss>-<fach>[-<fkz>]) when the compound field is empty.
func TestFachFilterKeepsTheConfiguredFaecher(t *testing.T) {
	t.Parallel()
	einfach := func(id string, k sestmodel.EinfachstudienangebotsSchluessel) sestmodel.Bewerbung {
		return sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{BewerberID: id, Studienangebot: k}}
	}
	mehrfach := func(id string, faecher ...string) sestmodel.Bewerbung {
		m := &sestmodel.Mehrfachstudienangebotsbewerbung{BewerberID: id}
		for _, f := range faecher {
			m.Teilfachbewerbung = append(m.Teilfachbewerbung, sestmodel.Teilfachbewerbung{
				Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "84-" + f, StudienfachSchluessel: f}})
		}
		return sestmodel.Bewerbung{Mehrfach: m}
	}
	items := []sestmodel.Bewerbung{
		einfach("E1", sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-128", StudienfachSchluessel: "128"}),
		einfach("E2", sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-105", StudienfachSchluessel: "105"}),
		// the compound field empty: 128 from the atomic key, with and without Fachkennzeichen
		einfach("E3", sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-128"}),
		einfach("E4", sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-128-1"}),
		// an atomic key without a Fach part belongs to no Fach
		einfach("E5", sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "128"}),
		mehrfach("M1", "105", "128"), // the second Teilfach is one: kept once
		mehrfach("M2", "105", "008"),
		{}, // neither kind: never kept
	}
	ids := func(bs []sestmodel.Bewerbung) []string {
		var out []string
		for _, b := range bs {
			switch {
			case b.Einfach != nil:
				out = append(out, b.Einfach.BewerberID)
			case b.Mehrfach != nil:
				out = append(out, b.Mehrfach.BewerberID)
			default:
				out = append(out, "?")
			}
		}
		return out
	}
	s := &syncer{faecher: map[string]bool{"128": true}}
	require.Equal(t, []string{"E1", "E3", "E4", "M1"}, ids(s.inFaecher(items)))
	s = &syncer{faecher: map[string]bool{}}
	require.Equal(t, []string{"E1", "E2", "E3", "E4", "E5", "M1", "M2", "?"}, ids(s.inFaecher(items)), "no filter: everything")

	require.Equal(t, "128", studienfach(sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-105", StudienfachSchluessel: "128"}), "the field wins")
	require.Equal(t, "105", studienfach(sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-105"}))
	require.Equal(t, "", studienfach(sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82"}))
}

// The status table: a change into a status needs its sest_in, out of a
// known status its sest_out; an unknown target status is reported; staying
// in a status is no change.
func TestSestForbiddenFollowsTheStatusTable(t *testing.T) {
	t.Parallel()
	s := &syncer{rules: map[string]sestmodel.StatusRule{
		"offen":  {SestIn: true, SestOut: true},
		"fest":   {SestIn: true, SestOut: false},
		"intern": {SestIn: false, SestOut: true},
	}}
	for _, tc := range []struct{ from, to, want string }{
		{"offen", "fest", ""},
		{"fest", "fest", ""},
		{"intern", "intern", ""},
		{"unbekannt", "unbekannt", ""},
		{"unbekannt", "offen", ""}, // an unknown old status does not stop a change
		{"offen", "neu", "Bearbeitungsstatus neu is not in the status table (sync.bearbeitungsstatus)"},
		{"fest", "offen", "the Servicestelle may not change a Bewerbung out of Bearbeitungsstatus fest (sest_out is false) into offen"},
		{"offen", "intern", "the Servicestelle may not change a Bewerbung into Bearbeitungsstatus intern (sest_in is false) from offen"},
		{"fest", "intern", "the Servicestelle may not change a Bewerbung out of Bearbeitungsstatus fest (sest_out is false) into intern"},
	} {
		require.Equal(t, tc.want, s.sestForbidden(tc.from, tc.to), "%s -> %s", tc.from, tc.to)
	}
}

// A failed poll runs again at the next scheduled poll; without a
// schedule River's backoff applies (the zero time).
func TestNextPollIsTheSchedule(t *testing.T) {
	t.Parallel()
	poll, err := config.ParseSchedule("*/5 * * * *")
	require.NoError(t, err)
	now := time.Date(2026, 11, 27, 10, 7, 30, 0, time.UTC)
	require.Equal(t, time.Date(2026, 11, 27, 10, 10, 0, 0, time.UTC), (&syncer{poll: poll}).nextPoll(now))
	require.True(t, (&syncer{}).nextPoll(now).IsZero())
}
