package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func einfach(bewerber, studiengang string) sestmodel.Bewerbung {
	return sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{Bearbeitungsstatus: "gueltig", VersionSeSt: 1, BewerberID: bewerber,
		Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: studiengang, AbschlussSchluessel: "84", StudienfachSchluessel: "1"}}}
}

func mehrfach(bewerber string, teilfaecher ...string) sestmodel.Bewerbung {
	m := &sestmodel.Mehrfachstudienangebotsbewerbung{Bearbeitungsstatus: "gueltig", VersionSeSt: 1, BewerberID: bewerber,
		Studienangebot: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"}}
	for _, tf := range teilfaecher {
		m.Teilfachbewerbung = append(m.Teilfachbewerbung, sestmodel.Teilfachbewerbung{Bearbeitungsstatus: "gueltig",
			Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: tf}})
	}
	return sestmodel.Bewerbung{Mehrfach: m}
}

func TestRankingEntriesCheckedAgainstBewerbungen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	s := store.New(pool)

	_, err := s.StudienpaketReplaceAll(ctx, []sestmodel.Studienpaket{
		{Schluessel: "SP-A", NameDe: "Paket A", Kapazitaet: 40, Paketbestandteil: []sestmodel.Paketbestandteil{
			{Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "84-1"}, Bewerberplatzbedarf: sestmodel.Bewerberplatzbedarf{Zaehler: 1, Nenner: 1}},
			{Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "25-7"}, Bewerberplatzbedarf: sestmodel.Bewerberplatzbedarf{Zaehler: 1, Nenner: 2}}}},
		{Schluessel: "SP-B", NameDe: "Paket B", Kapazitaet: 10, Paketbestandteil: []sestmodel.Paketbestandteil{
			{Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "84-2"}, Bewerberplatzbedarf: sestmodel.Bewerberplatzbedarf{Zaehler: 1, Nenner: 1}}}},
	})
	require.NoError(t, err)
	_, err = s.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{
		einfach("B1", "84-1"),          // Einfach for a Bestandteil of SP-A
		mehrfach("B2", "25-7", "25-8"), // Mehrfach with a Teilfach of SP-A
		einfach("B3", "84-2"),          // only for SP-B
		mehrfach("B4", "25-8"),         // a Teilfach outside SP-A
	}, store.Step{})
	require.NoError(t, err)
	_, err = s.RanglistenstatusUpsertBatch(ctx, []sestmodel.Ranglistenstatus{{RanglistenSchluessel: "SP-A-HQ", StudienpaketSchluessel: "SP-A", Status: "eingerichtet"}}, store.Step{})
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO ranking_entry (rangliste, bewerber_id, rang) VALUES
		('SP-A-HQ', 'B1', 1), ('SP-A-HQ', 'B2', 2), ('SP-A-HQ', 'B3', 3), ('SP-A-HQ', 'B4', 4), ('SP-A-HQ', 'B9', 5),
		('SP-B-HQ', 'B3', 1), ('SP-B-VQ', 'B1', 1)`)
	require.NoError(t, err)

	pakete, err := s.RangStudienpaketList(ctx)
	require.NoError(t, err)
	require.Len(t, pakete, 2)
	require.Equal(t, "SP-A", pakete[0].Schluessel)
	require.Equal(t, 40, pakete[0].Kapazitaet)
	require.Equal(t, []store.RangBestandteil{{Studiengang: "25-7", Zaehler: 1, Nenner: 2}, {Studiengang: "84-1", Zaehler: 1, Nenner: 1}}, pakete[0].Bestandteile)
	require.Equal(t, []string{"SP-A-HQ"}, pakete[0].Ranglisten)
	require.Empty(t, pakete[1].Ranglisten)

	known, err := s.RangStudienpaketKeys(ctx, []string{"SP-A", "SP-X"})
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"SP-A": true}, known)

	counts, err := s.RankingEntryCounts(ctx, []string{"SP-A-HQ", "SP-B-HQ", "SP-A-VQ"})
	require.NoError(t, err)
	require.Equal(t, map[string]int{"SP-A-HQ": 5, "SP-B-HQ": 1}, counts)

	got, err := s.RankingEntryListForUpload(ctx, []string{"SP-B-HQ", "SP-A-HQ"}, []string{"SP-B", "SP-A"})
	require.NoError(t, err)
	require.Equal(t, []store.RankingEntry{
		{Rangliste: "SP-A-HQ", BewerberID: "B1", Rang: 1, HatBewerbung: true},
		{Rangliste: "SP-A-HQ", BewerberID: "B2", Rang: 2, HatBewerbung: true},
		{Rangliste: "SP-A-HQ", BewerberID: "B3", Rang: 3, HatBewerbung: false},
		{Rangliste: "SP-A-HQ", BewerberID: "B4", Rang: 4, HatBewerbung: false},
		{Rangliste: "SP-A-HQ", BewerberID: "B9", Rang: 5, HatBewerbung: false},
		{Rangliste: "SP-B-HQ", BewerberID: "B3", Rang: 1, HatBewerbung: true},
	}, got)

	// The university's view: status, imported entries, the last upload.
	require.NoError(t, s.UploadLogInsert(ctx, []store.UploadLogEntry{
		{Operation: sestmodel.OpUebermittelnRanglisten, ItemKind: "rangliste", ItemKey: "SP-A-HQ", Attempt: 1, ErgebnisStatus: "zurueckgewiesen", Reason: "first"},
		{Operation: sestmodel.OpUebermittelnRanglisten, ItemKind: "rangliste", ItemKey: "SP-A-HQ", Attempt: 1, ErgebnisStatus: "aktualisiert"},
	}))
	st, err := s.RangStatusList(ctx)
	require.NoError(t, err)
	require.Len(t, st, 1)
	require.Equal(t, "SP-A-HQ", st[0].Rangliste)
	require.Equal(t, "Paket A", st[0].StudienpaketName)
	require.Equal(t, 5, st[0].EintraegeImportiert)
	require.Equal(t, "aktualisiert", st[0].LetzterUploadErgebnis)
	require.NotNil(t, st[0].LetzterUploadAt)
}

func TestRanglisteTryLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))

	unlock, ok, err := s.RanglisteTryLock(ctx, []string{"SP-1-HQ", "SP-1-VQ"})
	require.NoError(t, err)
	require.True(t, ok)

	_, ok, err = s.RanglisteTryLock(ctx, []string{"SP-2-HQ", "SP-1-VQ"})
	require.NoError(t, err)
	require.False(t, ok, "one held Rangliste blocks the whole set")
	_, ok, err = s.TryLock(ctx, store.RanglisteLockName("SP-1-HQ"))
	require.NoError(t, err)
	require.False(t, ok, "the locks are TryLock's")

	// All or none: SP-2-HQ was released when the set failed.
	u2, ok, err := s.RanglisteTryLock(ctx, []string{"SP-2-HQ"})
	require.NoError(t, err)
	require.True(t, ok)
	u2()

	unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		u3, ok, err := s.RanglisteTryLock(ctx, []string{"SP-1-HQ", "SP-1-VQ"})
		require.NoError(t, err)
		if ok {
			u3()
			break
		}
		require.True(t, time.Now().Before(deadline), "released after unlock")
		time.Sleep(50 * time.Millisecond)
	}
}
