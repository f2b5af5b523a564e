package store_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

// foldNames are hand-picked texts for the folding: German and other
// European letters in both cases, the Turkish dotless and dotted I, the
// ligatures, combining marks (which neither folding removes), letters
// outside the translate list, ASCII-only texts with and without 'I', and
// empty and blank texts.
var foldNames = []string{
	"", " ", "  ", "Groß", "GROSS", "Straße", "ẞ", "Äneas", "ÄÖÜäöü", "Müller-Lüdenscheidt", "Jörg", "Zoë",
	"Øystein", "Łukasz", "Wałęsa", "Işık", "IŞIK", "İstanbul", "ıi", "Iİıi", "Œdipe", "œuvre", "Ærø", "æble",
	"José", "Çağrı", "Đorđe", "Dvořák", "Šťastný", "Ÿvonne", "Nguyễn", "e\u0301", "Zoe\u0308", "A\u0308rger",
	"ΟΔΥΣΣΕΥΣ", "Ῥόδος", "ǅemal", "ﬀ", "Ｆｕｌｌ", "😀 Emoji", "tab\there", "IRIS", "Ilse", "ilse", "O'Brien",
	"\u00a0nbsp", "Anna-Lena", "MÜLLER", "Mueller", "ÅSA", "Ñuñez", "x",
}

// oldFoldFunctions returns migration 0101's folding functions, renamed
// to old_fold_plain and old_fold_de: the definition the console's search
// was built on.
func oldFoldFunctions(t *testing.T) string {
	t.Helper()
	ms, err := store.Migrations()
	require.NoError(t, err)
	for _, m := range ms {
		if m.Version != 101 {
			continue
		}
		fns := regexp.MustCompile(`(?s)CREATE FUNCTION sestd_fold_\w+\(t text\).*?\n\$\$;`).FindAllString(m.SQL, -1)
		require.Len(t, fns, 2, "migration 0101 defines sestd_fold_plain and sestd_fold_de")
		return strings.NewReplacer("sestd_fold_", "old_fold_").Replace(strings.Join(fns, "\n"))
	}
	t.Fatal("no migration 0101")
	return ""
}

// TestFoldingMatchesMigration0101 holds the console's folding functions
// and the search rows of applicants to migration 0101's definition: the
// same output for every hand-picked text, and for every combination of
// some of them as Vorname, Nachname and Geburtsname.
func TestFoldingMatchesMigration0101(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	_, err := pool.Exec(ctx, oldFoldFunctions(t))
	require.NoError(t, err)

	// Each row: the text, then new and old sestd_fold_de, new and old
	// sestd_fold_plain.
	rows, err := pool.Query(ctx, `
SELECT ARRAY[x, sestd_fold_de(x), old_fold_de(x), sestd_fold_plain(x), old_fold_plain(x)]
FROM unnest($1::text[]) AS u(x)`, foldNames)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[[]string])
	require.NoError(t, err)
	require.Len(t, got, len(foldNames))
	for _, r := range got {
		require.Equal(t, r[2], r[1], "sestd_fold_de(%q)", r[0])
		require.Equal(t, r[4], r[3], "sestd_fold_plain(%q)", r[0])
	}

	var nullDe, nullPlain *string
	require.NoError(t, pool.QueryRow(ctx, `SELECT sestd_fold_de(NULL), sestd_fold_plain(NULL)`).Scan(&nullDe, &nullPlain))
	require.Nil(t, nullDe)
	require.Nil(t, nullPlain)

	// Every name as Vorname and as Nachname beside a few others, and a
	// product of some.
	var v, n, g []string
	for _, x := range foldNames {
		for _, y := range []string{"", "Jörg", "IŞIK"} {
			v, n, g = append(v, x, y), append(n, y, x), append(g, "", "Œdipe-Müller")
		}
	}
	few := []string{"", "Zoë", "İlkay", "Groß", "Øre-Ærø", "O'Brien", "Nguyễn", "ILSE"}
	for _, a := range few {
		for _, b := range few {
			for _, c := range few[:4] {
				v, n, g = append(v, a), append(n, b), append(g, c)
			}
		}
	}
	// Each row: the names, then new and old sort_key, new and old names.
	rows, err = pool.Query(ctx, `
SELECT ARRAY[u.v, u.n, u.g, f.sort_key, old_fold_de(u.n) || ' ' || old_fold_de(u.v),
             f.names, old_fold_de(u.v || ' ' || u.n || ' ' || u.g) || ' | ' || old_fold_plain(u.v || ' ' || u.n || ' ' || u.g)]
FROM unnest($1::text[], $2::text[], $3::text[]) AS u(v, n, g), sestd_search_names(u.v, u.n, u.g) f`, v, n, g)
	require.NoError(t, err)
	got, err = pgx.CollectRows(rows, pgx.RowTo[[]string])
	require.NoError(t, err)
	require.Len(t, got, len(v))
	for _, r := range got {
		require.Equal(t, r[4], r[3], "sort_key of %q %q %q", r[0], r[1], r[2])
		require.Equal(t, r[6], r[5], "names of %q %q %q", r[0], r[1], r[2])
	}
}

// TestFoldingByHand checks a few foldings against values written by hand
// (DIN 5007-2 for sestd_fold_de: ä→ae, ß→ss, other accents dropped).
func TestFoldingByHand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	for _, c := range []struct{ in, de, plain string }{
		{"Jörg Groß", "joerg gross", "jorg gross"},
		{"ÄRGER", "aerger", "arger"},
		{"IŞIK", "isik", "isik"},
		{"Øystein Łukasz", "oystein lukasz", "oystein lukasz"},
		{"Œdipe Ærø", "oedipe aero", "oedipe aero"},
		{"ILSE", "ilse", "ilse"},
		{"", "", ""},
	} {
		var de, plain string
		require.NoError(t, pool.QueryRow(ctx, `SELECT sestd_fold_de($1), sestd_fold_plain($1)`, c.in).Scan(&de, &plain))
		require.Equal(t, c.de, de, "sestd_fold_de(%q)", c.in)
		require.Equal(t, c.plain, plain, "sestd_fold_plain(%q)", c.in)
	}
}

// TestSearchRowsOfMirroredApplicants reads the search rows the mirror's
// writes leave: a stub's, then the completed applicant's, then after a
// change of name, against values written by hand.
func TestSearchRowsOfMirroredApplicants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))
	search := func() []string {
		t.Helper()
		rows, err := st.Pool().Query(ctx, `SELECT bewerber_id || '|' || sort_key || '|' || names || '|' || email FROM bewerber_search ORDER BY bewerber_id`)
		require.NoError(t, err)
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return out
	}

	_, err := st.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{einfachWith("B1", 1), einfachWith("B2", 1)}, store.Step{})
	require.NoError(t, err)
	require.Equal(t, []string{"B1| |   |   |", "B2| |   |   |"}, search(), "stubs have empty names")

	_, err = st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{
		{ID: "B1", Vorname: "Jörg", Nachname: "Groß", Geburtsname: "Ærø", EmailAdresse: "J.Gross@Example.org"},
		{ID: "B2", Vorname: "Işık", Nachname: "Özdemir"},
		{ID: "B3", Vorname: "Ilse", Nachname: "Ulm"},
	}, store.Step{})
	require.NoError(t, err)
	require.Equal(t, []string{
		"B1|gross joerg|joerg gross aero | jorg gross aero|j.gross@example.org",
		"B2|oezdemir isik|isik oezdemir  | isik ozdemir |",
		"B3|ulm ilse|ilse ulm  | ilse ulm |",
	}, search())

	_, err = st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{{ID: "B3", Vorname: "Ilse", Nachname: "Über", Status: "x"}}, store.Step{})
	require.NoError(t, err)
	require.Equal(t, "B3|ueber ilse|ilse ueber  | ilse uber |", search()[2])
}

// TestSearchRowOfAStubCompletedWhileItsInsertWasOpen: a Bewerbungen
// package inserts an applicant's stub and has not committed when a
// Bewerber package completes the same applicant (the two streams of a full
// download run side by side). The Bewerber package waits for the stub's
// commit, then updates it; the completed applicant's search row must carry
// the names, although the stub was not in the Bewerber statement's
// snapshot.
func TestSearchRowOfAStubCompletedWhileItsInsertWasOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))
	open, err := st.Pool().Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = open.Rollback(ctx) }()
	// The stub as the Bewerbungen package writes it; its statement
	// trigger adds the stub's search row.
	_, err = open.Exec(ctx, `INSERT INTO bewerber (bewerber_id, complete) VALUES ('B7', false)`)
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		_, err := st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{{ID: "B7", Vorname: "Jörg", Nachname: "Groß", EmailAdresse: "J@Example.org"}}, store.Step{})
		done <- err
	}()
	// The Bewerber package is waiting for the open insert's row.
	require.Eventually(t, func() bool {
		var waiting bool
		require.NoError(t, st.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks WHERE NOT granted AND locktype = 'transactionid')`).Scan(&waiting))
		return waiting
	}, 30*time.Second, 10*time.Millisecond, "the Bewerber package waits for the stub's transaction")
	require.NoError(t, open.Commit(ctx))
	require.NoError(t, <-done)

	var row string
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT sort_key || '|' || names || '|' || email FROM bewerber_search WHERE bewerber_id = 'B7'`).Scan(&row))
	require.Equal(t, "gross joerg|joerg gross  | jorg gross |j@example.org", row)
}
