package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestBewerberUpsertKeepsAMalformedBirthDateOutOfErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))
	b := sestmodel.Bewerber{ID: "B1", Status: "aktiv", Vorname: "Änne", Nachname: "Groß", Geburtsdatum: "31.02.2004"}
	c, err := st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{b}, store.Step{})
	require.NoError(t, err, "a malformed date does not fail the package")
	require.Equal(t, 1, c.Created)
	var stored *string
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT geburtsdatum::text FROM bewerber WHERE bewerber_id = 'B1'`).Scan(&stored))
	require.Nil(t, stored)

	b.Geburtsdatum = "2004-02-28"
	c, err = st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{b}, store.Step{})
	require.NoError(t, err)
	require.Equal(t, 1, c.Updated)
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT geburtsdatum::text FROM bewerber WHERE bewerber_id = 'B1'`).Scan(&stored))
	require.Equal(t, "2004-02-28", *stored)

	// The same package again changes nothing.
	c, err = st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{b}, store.Step{})
	require.NoError(t, err)
	require.Equal(t, store.Counts{Unchanged: 1}, c)
}

func TestBewerbungOlderVersionNeverOverwrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))
	mk := func(version int, status string) sestmodel.Bewerbung {
		return sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
			BewerberID: "B1", VersionSeSt: version, Bearbeitungsstatus: status,
			Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-079", AbschlussSchluessel: "82", StudienfachSchluessel: "079"},
		}}
	}
	_, err := st.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{mk(3, "gueltig")}, store.Step{})
	require.NoError(t, err)
	c, err := st.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{mk(2, "eingegangen")}, store.Step{})
	require.NoError(t, err)
	require.Equal(t, store.Counts{Unchanged: 1}, c, "version 2 does not replace version 3")
	var status string
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT bearbeitungsstatus FROM bewerbung`).Scan(&status))
	require.Equal(t, "gueltig", status)
	c, err = st.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{mk(4, "zugelassen")}, store.Step{})
	require.NoError(t, err)
	require.Equal(t, 1, c.Updated)
}
