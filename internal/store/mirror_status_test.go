package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestForbiddenTransitionsAreRecordedExceptTheUniversitysOwn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))
	_, err := st.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{einfachBewerbung("B1", "82-079", "eingegangen", 1),
		einfachBewerbung("B2", "82-079", "eingegangen", 1), einfachBewerbung("B3", "82-079", "eingegangen", 1)}, store.Step{})
	require.NoError(t, err)
	// The university made B2 gueltig itself: its send was accepted.
	_, err = st.Pool().Exec(ctx, `INSERT INTO outbox_item (kind, item_key, bewerber_id, sest_key, payload, source_updated_at, state, result_status, result_version)
		VALUES ('bewerbung', 'HS-2', 'B2', 'B2/82-079', '{}', now(), 'accepted', 'gueltig', 2)`)
	require.NoError(t, err)

	var judged [][2]string
	judge := func(from, to string) string {
		judged = append(judged, [2]string{from, to})
		if to == "gueltig" {
			return "not the Servicestelle's to give"
		}
		return ""
	}
	c, err := st.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{
		einfachBewerbung("B1", "82-079", "gueltig", 2),    // forbidden
		einfachBewerbung("B2", "82-079", "gueltig", 2),    // the university's own change
		einfachBewerbung("B3", "82-079", "zugelassen", 2), // allowed
		einfachBewerbung("B4", "82-079", "gueltig", 1),    // new: no transition
	}, store.Step{ForbiddenTransition: judge})
	require.NoError(t, err)
	require.Equal(t, 1, c.Created)
	require.Equal(t, 3, c.Updated)
	require.ElementsMatch(t, [][2]string{{"eingegangen", "gueltig"}, {"eingegangen", "zugelassen"}}, judged)
	require.Len(t, c.Forbidden, 1)

	list, err := st.BewerbungStatusForbiddenList(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	f := list[0]
	require.Equal(t, []any{"B1/82-079", "B1", "eingegangen", "gueltig", 2, "not the Servicestelle's to give"},
		[]any{f.BewerbungKey, f.BewerberID, f.OldStatus, f.NewStatus, f.Version, f.Reason})
	var status string
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT bearbeitungsstatus FROM bewerbung WHERE bewerbung_key = 'B1/82-079'`).Scan(&status))
	require.Equal(t, "gueltig", status, "mirrored as sent")
}

// TestBewerbungStatusHistoryRecordsChangesOnly: the status history has a
// row for a new Bewerbung and one per change of its Bearbeitungsstatus; a
// new version that keeps the status adds none.
func TestBewerbungStatusHistoryRecordsChangesOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	s := store.New(pool)
	at := time.Date(2026, 7, 15, 10, 0, 0, 0, time.UTC)
	for i, status := range []string{"eingegangen", "gueltig", "gueltig", "eingegangen"} {
		b := subjectBewerbung("B7", i+1, at.Add(time.Duration(i)*time.Hour))
		b.Einfach.Bearbeitungsstatus = status
		_, err := s.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{b}, store.Step{})
		require.NoError(t, err)
	}
	rows, err := pool.Query(ctx, `SELECT coalesce(old_status, '-') || '>' || new_status || '@' || version FROM bewerbung_status_change ORDER BY version`)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"->eingegangen@1", "eingegangen>gueltig@2", "gueltig>eingegangen@4"}, got)
}
