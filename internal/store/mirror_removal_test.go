package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func einfachBewerbung(bewerber, studiengang, status string, version int) sestmodel.Bewerbung {
	return sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
		BewerberID: bewerber, VersionSeSt: version, Bearbeitungsstatus: status,
		Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: studiengang},
	}}
}

func TestMirrorSweepRemovesWhatTheDownloadDidNotReturn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))
	// Before the full download: applicants B1 and B2, Bewerbungen of B1
	// and of B3 (whose Stammdaten never came: a stub).
	_, err := st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{{ID: "B1", Nachname: "Eins"}, {ID: "B2", Nachname: "Zwei"}}, store.Step{})
	require.NoError(t, err)
	_, err = st.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{einfachBewerbung("B1", "82-079", "eingegangen", 1),
		einfachBewerbung("B3", "82-128", "gueltig", 4)}, store.Step{})
	require.NoError(t, err)

	since, err := st.FullRunSince(ctx, "full_7")
	require.NoError(t, err)
	again, err := st.FullRunSince(ctx, "full_7")
	require.NoError(t, err)
	require.Equal(t, since, again, "a resumed run keeps its start")

	// The download returns B1 and B1's Bewerbung, nothing else.
	_, err = st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{{ID: "B1", Nachname: "Eins"}}, store.Step{})
	require.NoError(t, err)
	_, err = st.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{einfachBewerbung("B1", "82-079", "eingegangen", 1)}, store.Step{})
	require.NoError(t, err)

	removed, err := st.MirrorSweep(ctx, since, "full_download job 7")
	require.NoError(t, err)
	type r struct{ kind, key, bewerber, angebot, status string }
	var got []r
	for _, m := range removed {
		got = append(got, r{m.Kind, m.ItemKey, m.BewerberID, m.StudienangebotSchluessel, m.Bearbeitungsstatus})
		require.Equal(t, "full_download job 7", m.Run)
		require.True(t, m.LastSeenAt.Before(since), "%s was last seen before the run", m.ItemKey)
	}
	// B3's Bewerbung is gone, then B2 (not returned, no Bewerbung) and the
	// stub B3 (its only Bewerbung removed); B1 stays.
	require.Equal(t, []r{
		{"bewerbung", "B3/82-128", "B3", "82-128", "gueltig"},
		{"bewerber", "B2", "B2", "", ""},
		{"bewerber", "B3", "B3", "", ""},
	}, got)
	var bewerber, bewerbungen int
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM bewerber), (SELECT count(*) FROM bewerbung)`).Scan(&bewerber, &bewerbungen))
	require.Equal(t, []int{1, 1}, []int{bewerber, bewerbungen})

	list, err := st.MirrorRemovalList(ctx)
	require.NoError(t, err)
	require.Len(t, list, 3)

	// End of the run: its start is forgotten.
	require.NoError(t, st.FullRunEnd(ctx, "full_7"))
	_, err = st.CursorGet(ctx, "full_7_since")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestMirrorSweepOfAnEmptyAnswerRemovesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))
	_, err := st.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{einfachBewerbung("B1", "82-079", "eingegangen", 1)}, store.Step{})
	require.NoError(t, err)
	since, err := st.FullRunSince(ctx, "full_8")
	require.NoError(t, err)
	removed, err := st.MirrorSweep(ctx, since, "full_download job 8")
	require.ErrorIs(t, err, store.ErrSweepNothingSeen)
	require.Empty(t, removed)
	var n int
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT count(*) FROM bewerbung`).Scan(&n))
	require.Equal(t, 1, n)
}
