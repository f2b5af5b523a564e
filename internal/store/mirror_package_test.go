package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

// einfachWith is an Einfach Bewerbung of applicant id for Studiengang 82-079 with
// the given Bestandteil values (the first one a document).
func einfachWith(id string, version int, werte ...string) sestmodel.Bewerbung {
	e := &sestmodel.Einfachstudienangebotsbewerbung{
		BewerberID: id, VersionSeSt: version, Bearbeitungsstatus: "eingegangen",
		Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-079"},
	}
	for i, w := range werte {
		bt := sestmodel.Bewerbungsbestandteil{FeldangabeSchluessel: "F" + string(rune('1'+i)), Wert: w}
		if i == 0 {
			bt.Dokument = &sestmodel.Dokumentreferenz{DokumentID: "D-" + id + "-" + w, Dateiname: w + ".pdf", MimeType: "application/pdf"}
		}
		e.Bestandteil = append(e.Bestandteil, bt)
	}
	return sestmodel.Bewerbung{Einfach: e}
}

// TestWriteBewerbungenWritesOnlyTheChangedItemsChildren writes a prepared
// package, then one in which one Bewerbung changed, one stayed and one is
// new: only the changed and the new ones' child rows are written, the
// unchanged one's stay as they were (writing them again would break the
// Bestandteile's primary key).
func TestWriteBewerbungenWritesOnlyTheChangedItemsChildren(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))

	p, err := store.PrepareBewerbungen([]sestmodel.Bewerbung{einfachWith("B1", 1, "a", "b"), einfachWith("B2", 1, "c")})
	require.NoError(t, err)
	require.Equal(t, 2, p.Len())
	c, err := st.WriteBewerbungen(ctx, p, store.Step{})
	require.NoError(t, err)
	require.Equal(t, store.Counts{Created: 2}, c)

	p, err = store.PrepareBewerbungen([]sestmodel.Bewerbung{
		einfachWith("B1", 1, "a", "b"),      // unchanged
		einfachWith("B2", 2, "x", "y", "z"), // changed
		einfachWith("B3", 1, "n"),           // new
	})
	require.NoError(t, err)
	c, err = st.WriteBewerbungen(ctx, p, store.Step{})
	require.NoError(t, err)
	require.Equal(t, store.Counts{Created: 1, Updated: 1, Unchanged: 1}, c)

	rows, err := st.Pool().Query(ctx, `SELECT bewerbung_key || ' ' || position || ' ' || feldangabe_schluessel || ' ' || wert || ' ' || coalesce(dokument_id, '-')
FROM bewerbungsbestandteil ORDER BY bewerbung_key, position`)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{
		"B1/82-079 0 F1 a D-B1-a",
		"B1/82-079 1 F2 b -",
		"B2/82-079 0 F1 x D-B2-x",
		"B2/82-079 1 F2 y -",
		"B2/82-079 2 F3 z -",
		"B3/82-079 0 F1 n D-B3-n",
	}, got)

	rows, err = st.Pool().Query(ctx, `SELECT dokument_id || ' ' || bewerber_id || ' ' || dateiname FROM dokument ORDER BY dokument_id`)
	require.NoError(t, err)
	got, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"D-B1-a B1 a.pdf", "D-B2-c B2 c.pdf", "D-B2-x B2 x.pdf", "D-B3-n B3 n.pdf"}, got,
		"a replaced Bestandteil's Dokument reference stays (Dokumente are swept separately)")
}

// TestPreparedPackagesWriteAgain writes the same prepared packages twice
// (as a write tried again after a deadlock does): writing does not use up
// or change a package.
func TestPreparedPackagesWriteAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))

	bws, err := store.PrepareBewerbungen([]sestmodel.Bewerbung{einfachWith("B2", 1, "a"), einfachWith("B1", 1, "b")})
	require.NoError(t, err)
	bwr, err := store.PrepareBewerber([]sestmodel.Bewerber{
		{ID: "B2", Vorname: "Zoë", Nachname: "Ørsted", Postanschrift: sestmodel.Postanschrift{Land: sestmodel.Schluesselwert{Schluessel: "208", NameDe: "Dänemark"}}},
		{ID: "B1", Vorname: "Jörg", Nachname: "Groß"},
	})
	require.NoError(t, err)
	require.Equal(t, 2, bwr.Len())

	c, err := st.WriteBewerbungen(ctx, bws, store.Step{})
	require.NoError(t, err)
	require.Equal(t, store.Counts{Created: 2}, c)
	c, err = st.WriteBewerber(ctx, bwr, store.Step{})
	require.NoError(t, err)
	require.Equal(t, store.Counts{Updated: 2}, c, "both complete a stub")

	c, err = st.WriteBewerbungen(ctx, bws, store.Step{})
	require.NoError(t, err)
	require.Equal(t, store.Counts{Unchanged: 2}, c)
	c, err = st.WriteBewerber(ctx, bwr, store.Step{})
	require.NoError(t, err)
	require.Equal(t, store.Counts{Unchanged: 2}, c)

	var names, land string
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT string_agg(nachname || ',' || vorname || ',' || complete, ' ' ORDER BY bewerber_id) FROM bewerber`).Scan(&names))
	require.Equal(t, "Groß,Jörg,true Ørsted,Zoë,true", names)
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT schluessel || ' ' || name_de FROM land`).Scan(&land))
	require.Equal(t, "208 Dänemark", land)
}
