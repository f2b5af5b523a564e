package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

func importSetup(t *testing.T) (*store.Store, int64) {
	t.Helper()
	s := store.New(testdb.New(t))
	id, err := s.ImportRunStart(context.Background(), store.ImportRun{Kind: "ranking", Mode: "create", FileName: "r.csv", SHA256: "abc"})
	require.NoError(t, err)
	return s, id
}

func rankRow(line int64, liste, bewerber string, rang int64) store.ImportRow {
	return store.ImportRow{Line: line, Values: []store.Value{store.Text(liste), store.Text(bewerber), store.Int(rang)}}
}

func mergeOne(t *testing.T, s *store.Store, run int64, target *store.ImportTarget, mode store.ImportMode, rows []store.ImportRow, opts store.MergeOptions) store.MergeResult {
	t.Helper()
	ctx := context.Background()
	tx, err := s.ImportBegin(ctx, run, target.Table)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	res, err := tx.Merge(ctx, target, mode, rows, opts)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	return res
}

func TestImportMergeModes(t *testing.T) {
	t.Parallel()
	s, run := importSetup(t)
	ctx := context.Background()
	rt := store.TargetRankingEntry

	res := mergeOne(t, s, run, rt, store.ModeCreate, []store.ImportRow{
		rankRow(2, "L1", "B1", 1), rankRow(3, "L1", "B2", 2), rankRow(4, "L2", "B1", 1),
	}, store.MergeOptions{})
	require.EqualValues(t, 3, res.Created)
	require.Empty(t, res.Rejected)

	// create of an existing key and of a taken rank is rejected, the rest written
	res = mergeOne(t, s, run, rt, store.ModeCreate, []store.ImportRow{
		rankRow(2, "L1", "B1", 5), rankRow(3, "L1", "B3", 2), rankRow(4, "L1", "B4", 3),
	}, store.MergeOptions{})
	require.EqualValues(t, 1, res.Created)
	require.Len(t, res.Rejected, 2)
	reasons := map[int64]string{}
	for _, r := range res.Rejected {
		reasons[r.Line] = r.Reason
	}
	require.Contains(t, reasons[2], "already exists")
	require.Contains(t, reasons[3], "already taken")

	// update: ranks may swap within one batch; a missing key is rejected
	res = mergeOne(t, s, run, rt, store.ModeUpdate, []store.ImportRow{
		rankRow(2, "L1", "B1", 2), rankRow(3, "L1", "B2", 1), rankRow(4, "L1", "B9", 7),
	}, store.MergeOptions{})
	require.EqualValues(t, 2, res.Updated)
	require.Len(t, res.Rejected, 1)
	require.EqualValues(t, 4, res.Rejected[0].Line)
	require.Contains(t, res.Rejected[0].Reason, "not found")

	// <IGNORE>: rang kept, so the row is as stored: not written
	ign := rankRow(2, "L1", "B1", 99)
	ign.Ignore = 1 << 2
	res = mergeOne(t, s, run, rt, store.ModeUpdate, []store.ImportRow{ign}, store.MergeOptions{})
	require.Zero(t, res.Updated)
	require.EqualValues(t, 1, res.Unchanged)
	var rang int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT rang FROM ranking_entry WHERE rangliste='L1' AND bewerber_id='B1'`).Scan(&rang))
	require.Equal(t, 2, rang)

	// remove
	res = mergeOne(t, s, run, rt, store.ModeRemove, []store.ImportRow{
		rankRow(2, "L2", "B1", 0), rankRow(3, "L2", "B7", 0),
	}, store.MergeOptions{})
	require.EqualValues(t, 1, res.Removed)
	require.Len(t, res.Rejected, 1)

	// upsert: B1 moves to 4, B2 stays at 1 (unchanged), L3 is new
	res = mergeOne(t, s, run, rt, store.ModeUpsert, []store.ImportRow{
		rankRow(2, "L1", "B1", 4), rankRow(3, "L3", "B1", 1), rankRow(4, "L1", "B2", 1),
	}, store.MergeOptions{})
	require.EqualValues(t, 1, res.Updated)
	require.EqualValues(t, 1, res.Created)
	require.EqualValues(t, 1, res.Unchanged)
}

func TestImportMergeParentAndTransitions(t *testing.T) {
	t.Parallel()
	s, run := importSetup(t)
	at := time.Date(2026, 3, 6, 13, 3, 0, 0, time.UTC)
	head := func(line int64, id, status string) store.ImportRow {
		v := make([]store.Value, len(store.TargetUniBewerbung.Columns))
		v[store.TargetUniBewerbung.Col("hs_bewerbung_id")] = store.ValueOf(id)
		v[store.TargetUniBewerbung.Col("typ")] = store.ValueOf("mehrfach")
		v[store.TargetUniBewerbung.Col("bewerber_id")] = store.ValueOf("B-1")
		v[store.TargetUniBewerbung.Col("abschluss_schluessel")] = store.ValueOf("025")
		v[store.TargetUniBewerbung.Col("eingangszeitpunkt")] = store.ValueOf(at)
		v[store.TargetUniBewerbung.Col("bearbeitungsstatus")] = store.ValueOf(status)
		return store.ImportRow{Line: line, Values: v}
	}
	teil := func(line int64, id, sg string) store.ImportRow {
		v := make([]store.Value, len(store.TargetUniTeilfachbewerbung.Columns))
		v[store.TargetUniTeilfachbewerbung.Col("hs_bewerbung_id")] = store.ValueOf(id)
		v[store.TargetUniTeilfachbewerbung.Col("studiengang_schluessel")] = store.ValueOf(sg)
		v[store.TargetUniTeilfachbewerbung.Col("abschluss_schluessel")] = store.ValueOf("025")
		v[store.TargetUniTeilfachbewerbung.Col("studienfach_schluessel")] = store.ValueOf(sg[4:])
		v[store.TargetUniTeilfachbewerbung.Col("ist_ersatzfach_akzeptabel")] = store.ValueOf(false)
		v[store.TargetUniTeilfachbewerbung.Col("ist_fachwechsel")] = store.ValueOf(false)
		return store.ImportRow{Line: line, Values: v}
	}
	res := mergeOne(t, s, run, store.TargetUniBewerbung, store.ModeCreate, []store.ImportRow{head(1, "A1", "eingegangen")}, store.MergeOptions{})
	require.EqualValues(t, 1, res.Created)
	res = mergeOne(t, s, run, store.TargetUniTeilfachbewerbung, store.ModeCreate, []store.ImportRow{
		teil(2, "A1", "025-007"), teil(3, "A1", "025-059"), teil(4, "A9", "025-007"),
	}, store.MergeOptions{})
	require.EqualValues(t, 2, res.Created)
	require.Len(t, res.Rejected, 1)
	require.Contains(t, res.Rejected[0].Reason, "no uni_bewerbung row")

	allowed := store.MergeOptions{Transitions: []store.Transition{{From: "eingegangen", To: "gueltig"}}}
	res = mergeOne(t, s, run, store.TargetUniBewerbung, store.ModeUpdate, []store.ImportRow{head(1, "A1", "zugelassen")}, allowed)
	require.Len(t, res.Rejected, 1)
	require.Contains(t, res.Rejected[0].Reason, "may not change from eingegangen to zugelassen")
	res = mergeOne(t, s, run, store.TargetUniBewerbung, store.ModeUpdate, []store.ImportRow{head(1, "A1", "gueltig")}, allowed)
	require.EqualValues(t, 1, res.Updated)
}

func TestImportRuns(t *testing.T) {
	t.Parallel()
	s, run := importSetup(t)
	ctx := context.Background()
	_, err := s.ImportRunFindDone(ctx, "abc", "ranking", "create")
	require.True(t, errors.Is(err, store.ErrNotFound))
	_, err = s.ImportRunFinish(ctx, store.ImportRun{ID: run, Status: store.ImportPartial, Encoding: "utf8", RejectsPath: "/x", Duration: 1500 * time.Millisecond, ImportCounts: store.ImportCounts{Read: 3, Created: 2, Rejected: 1}})
	require.NoError(t, err)
	r, err := s.ImportRunFindDone(ctx, "abc", "ranking", "create")
	require.NoError(t, err)
	require.Equal(t, run, r.ID)
	require.EqualValues(t, 2, r.Created)
	require.NotNil(t, r.FinishedAt)
	require.Equal(t, r.FinishedAt.Sub(r.StartedAt).Truncate(time.Millisecond), r.Duration,
		"the duration is the recorded span, not what the caller measured (1.5 s)")
	list, err := s.ImportRunList(ctx, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, run, list[0].ID)
	stale, err := s.ImportRunStart(ctx, store.ImportRun{Kind: "ranking", Mode: "create", FileName: "s.csv", SHA256: "def"})
	require.NoError(t, err)
	n, err := s.ImportRunFailStale(ctx, time.Now().Add(time.Minute))
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "only the running one")
	r, err = s.ImportRunGet(ctx, stale)
	require.NoError(t, err)
	require.Equal(t, store.ImportFailed, r.Status)
	require.Equal(t, "interrupted: the importing process ended without an outcome; rolled back, nothing imported", r.Error)
	require.True(t, r.Interrupted)
	require.False(t, r.FinishedAt.Before(r.StartedAt), "finished %s before started %s", r.FinishedAt, r.StartedAt)
	_, err = s.ImportRunGet(ctx, 999)
	require.True(t, errors.Is(err, store.ErrNotFound))
	_, err = s.ImportRunFinish(ctx, store.ImportRun{ID: 999, Status: store.ImportFailed})
	require.True(t, errors.Is(err, store.ErrNotFound))
}

func courseRow(line int64, stg, ltxt string) store.ImportRow {
	v := make([]store.Value, len(store.TargetSbeatCourse.Columns))
	v[store.TargetSbeatCourse.Col("stg")] = store.Text(stg)
	v[store.TargetSbeatCourse.Col("ltxt")] = store.Text(ltxt)
	return store.ImportRow{Line: line, Values: v}
}

// Within a pass, created rows stream into one COPY across many Merge
// calls; the caller may reuse a batch's memory once Merge returns; any
// other statement finishes the stream first; a key that exists undoes
// the pass, and the pass that follows checks keys and rejects that row.
func TestImportPassStreamsAndRestartsChecked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, run := importSetup(t)
	count := func() int64 {
		var n int64
		require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM sbeat_course`).Scan(&n))
		return n
	}
	mergeOne(t, s, run, store.TargetSbeatCourse, store.ModeCreate, []store.ImportRow{courseRow(1, "OLD", "schon da")}, store.MergeOptions{})

	tx, err := s.ImportBegin(ctx, run, "sbeat_course")
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	require.NoError(t, tx.BeginPass(ctx))
	batch := make([]store.ImportRow, 3)
	for b := range 4 {
		for i := range batch {
			batch[i] = courseRow(int64(10*b+i), fmt.Sprintf("S%d-%d", b, i), fmt.Sprintf("Studiengang %d-%d", b, i))
		}
		res, err := tx.Merge(ctx, store.TargetSbeatCourse, store.ModeCreate, batch, store.MergeOptions{})
		require.NoError(t, err)
		require.EqualValues(t, 3, res.Created)
		for i := range batch { // the caller's memory again
			batch[i] = courseRow(0, "", "")
		}
	}
	// Another statement on the transaction finishes the stream first.
	_, err = tx.ImportFindDone(ctx, "none", "sbeat_courses", "create")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NoError(t, tx.EndPass(ctx))
	require.NoError(t, tx.Commit(ctx))
	require.EqualValues(t, 13, count())
	var ltxt string
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT ltxt FROM sbeat_course WHERE stg = 'S2-1'`).Scan(&ltxt))
	require.Equal(t, "Studiengang 2-1", ltxt, "what was streamed, not what the caller wrote later")

	// A pass that meets an existing key is undone as a whole.
	tx, err = s.ImportBegin(ctx, run, "sbeat_course")
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	rejected := 0
	pass := func() error {
		rejected = 0
		if err := tx.BeginPass(ctx); err != nil {
			return err
		}
		for _, rows := range [][]store.ImportRow{{courseRow(1, "NEU-1", "neu")}, {courseRow(2, "OLD", "doppelt"), courseRow(3, "NEU-2", "neu")}} {
			res, err := tx.Merge(ctx, store.TargetSbeatCourse, store.ModeCreate, rows, store.MergeOptions{})
			if err != nil {
				return err
			}
			for _, r := range res.Rejected {
				rejected++
				require.Equal(t, int64(2), r.Line)
				require.Contains(t, r.Reason, "already exists")
			}
		}
		return tx.EndPass(ctx)
	}
	err = pass()
	require.ErrorIs(t, err, store.ErrRestartChecked)
	require.NoError(t, tx.RestartChecked(ctx))
	require.NoError(t, pass(), "checked, the existing key is a rejected row")
	require.Equal(t, 1, rejected)
	require.NoError(t, tx.Commit(ctx))
	require.EqualValues(t, 15, count())
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT ltxt FROM sbeat_course WHERE stg = 'OLD'`).Scan(&ltxt))
	require.Equal(t, "schon da", ltxt)
}
