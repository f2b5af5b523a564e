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

// A delta run's cursor moves to the run's watermark with the package that
// completes it, and only then; an abandoned run leaves it where it was; a
// reset forgets it.
func TestRunMovesTheCursorWithItsLastPackage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))
	stream := store.StreamBewerber
	t0 := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	t2 := t1.Add(time.Hour)
	cursorAt := func() time.Time {
		t.Helper()
		c, err := st.CursorGet(ctx, stream.String())
		require.NoError(t, err)
		require.Equal(t, "bewerber", c.Stream)
		return c.Position.UTC()
	}

	_, err := st.CursorGet(ctx, stream.String())
	require.ErrorIs(t, err, store.ErrNotFound, "no cursor before the first run")
	_, err = st.RunGet(ctx, stream.String())
	require.ErrorIs(t, err, store.ErrNotFound)

	// A run with nothing to fetch is complete at once.
	require.NoError(t, st.RunBegin(ctx, store.Run{Stream: stream.String(), Start: t0, Ende: t1}))
	require.Equal(t, t1, cursorAt())
	_, err = st.RunGet(ctx, stream.String())
	require.ErrorIs(t, err, store.ErrNotFound, "no run is left in progress")

	// Three references, in packages of two and one.
	require.NoError(t, st.RunBegin(ctx, store.Run{Stream: stream.String(), Start: t1, Ende: t2, Refs: []string{"r1", "r2", "r3"}}))
	r, err := st.RunGet(ctx, stream.String())
	require.NoError(t, err)
	require.Equal(t, []string{"r1", "r2", "r3"}, r.Refs)
	require.Equal(t, 0, r.Done)
	require.Equal(t, t2, r.Ende.UTC())
	require.Equal(t, t1, r.Start.UTC())

	b := sestmodel.Bewerber{ID: "B1", Status: "aktiv", Vorname: "Änne", Nachname: "Groß"}
	_, err = st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{b}, store.Step{Stream: stream.String(), Items: 2})
	require.NoError(t, err)
	r, err = st.RunGet(ctx, stream.String())
	require.NoError(t, err)
	require.Equal(t, 2, r.Done, "two of three references done")
	require.Equal(t, t1, cursorAt(), "the cursor waits for the last package")

	b.Vorname = "Anne"
	_, err = st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{b}, store.Step{Stream: stream.String(), Items: 1})
	require.NoError(t, err)
	require.Equal(t, t2, cursorAt(), "the last package moves the cursor to the run's ende")
	_, err = st.RunGet(ctx, stream.String())
	require.ErrorIs(t, err, store.ErrNotFound, "the run ended")

	// A package of a run that is gone fails and writes nothing.
	b.Vorname = "Hanne"
	_, err = st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{b}, store.Step{Stream: stream.String(), Items: 1})
	require.ErrorContains(t, err, "no run of bewerber in progress")
	var vorname string
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT vorname FROM bewerber WHERE bewerber_id = 'B1'`).Scan(&vorname))
	require.Equal(t, "Anne", vorname, "rolled back with the failed step")

	// Abandoned: the cursor stays.
	require.NoError(t, st.RunBegin(ctx, store.Run{Stream: stream.String(), Start: t2, Ende: t2.Add(time.Hour), Refs: []string{"r4"}}))
	require.NoError(t, st.RunAbandon(ctx, stream.String()))
	_, err = st.RunGet(ctx, stream.String())
	require.ErrorIs(t, err, store.ErrNotFound)
	require.Equal(t, t2, cursorAt())

	// Set by an operator, listed, aged; then reset.
	require.NoError(t, st.CursorSet(ctx, store.StreamBewerbungen.String(), t0))
	list, err := st.CursorList(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "bewerber", list[0].Stream, "ordered by stream")
	require.Equal(t, t2, list[0].Position.UTC())
	require.Equal(t, "bewerbungen", list[1].Stream)
	require.Equal(t, t0, list[1].Position.UTC())
	ages, err := st.CursorAges(ctx)
	require.NoError(t, err)
	require.Len(t, ages, 2, "the two streams with a cursor")
	require.Contains(t, ages, "bewerber")
	require.GreaterOrEqual(t, ages[store.StreamBewerber.String()], 0.0)

	require.NoError(t, st.RunBegin(ctx, store.Run{Stream: stream.String(), Start: t2, Ende: t2.Add(time.Hour), Refs: []string{"r5"}}))
	require.NoError(t, st.CursorReset(ctx, stream.String()))
	_, err = st.CursorGet(ctx, stream.String())
	require.ErrorIs(t, err, store.ErrNotFound, "reset: the next poll starts from the Vermittlungsprozess")
	_, err = st.RunGet(ctx, stream.String())
	require.ErrorIs(t, err, store.ErrNotFound, "reset drops the run in progress")
	require.Equal(t, t0, func() time.Time {
		c, err := st.CursorGet(ctx, store.StreamBewerbungen.String())
		require.NoError(t, err)
		return c.Position.UTC()
	}(), "other streams keep theirs")
}

// Packages that commit out of order (Step.Done) record the progress only
// when told, and it only grows; RunAdvance records the rest and, at the
// run's end, moves the cursor.
func TestRunProgressOutOfOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.New(t))
	stream := store.StreamBewerber.String()
	t1 := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	require.NoError(t, st.CursorSet(ctx, stream, t1))
	require.NoError(t, st.RunBegin(ctx, store.Run{Stream: stream, Start: t1, Ende: t2, Refs: []string{"r1", "r2", "r3", "r4"}}))
	done := func() int {
		t.Helper()
		r, err := st.RunGet(ctx, stream)
		require.NoError(t, err)
		return r.Done
	}
	put := func(id string, progress int) {
		t.Helper()
		_, err := st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{{ID: id, Status: "aktiv"}},
			store.Step{Stream: stream, Done: func() int { return progress }})
		require.NoError(t, err)
	}
	put("B3", 0) // the third reference's package, ahead of the first two
	require.Equal(t, 0, done(), "a package written ahead records nothing")
	put("B1", 3) // the first package, recording through the one ahead
	require.Equal(t, 3, done())
	put("B2", 2) // a late, lower progress does not move it back
	require.Equal(t, 3, done())
	list, err := st.CursorStatusList(ctx)
	require.NoError(t, err)
	require.Equal(t, "bewerber", list[0].Stream)
	require.NotNil(t, list[0].Run)
	require.Equal(t, 4, list[0].Run.References, "the status lists the run's references")
	require.Equal(t, 3, list[0].Run.Done)
	c, err := st.CursorGet(ctx, stream)
	require.NoError(t, err)
	require.Equal(t, t1, c.Position.UTC(), "the cursor waits for the run's end")

	require.NoError(t, st.RunAdvance(ctx, stream, 4))
	_, err = st.RunGet(ctx, stream)
	require.ErrorIs(t, err, store.ErrNotFound, "the run ended")
	c, err = st.CursorGet(ctx, stream)
	require.NoError(t, err)
	require.Equal(t, t2, c.Position.UTC(), "the run's end moved the cursor")

	// A package of a run that is gone (reset meanwhile) fails and writes
	// nothing, also when it has no progress to record.
	_, err = st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{{ID: "B9", Status: "aktiv"}},
		store.Step{Stream: stream, Done: func() int { return 0 }})
	require.ErrorContains(t, err, "no run of bewerber in progress")
	var n int
	require.NoError(t, st.Pool().QueryRow(ctx, `SELECT count(*) FROM bewerber WHERE bewerber_id = 'B9'`).Scan(&n))
	require.Zero(t, n, "rolled back with the failed step")
}
