package bulk_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/store/bulk"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func importSetup(t *testing.T) (*store.Store, int64) {
	t.Helper()
	s := store.New(testdb.New(t))
	id, err := s.ImportRunStart(context.Background(), store.ImportRun{Kind: "ranking", Mode: "create", FileName: "r.csv", SHA256: "abc"})
	require.NoError(t, err)
	return s, id
}

func rankRow(line int64, liste, bewerber string, rang int64) bulk.Row {
	return bulk.Row{Line: line, Values: []bulk.Value{bulk.Text(liste), bulk.Text(bewerber), bulk.Int(rang)}}
}

func mergeOne(t *testing.T, s *store.Store, run int64, target *bulk.Target, mode bulk.Mode, rows []bulk.Row, opts bulk.MergeOptions) bulk.MergeResult {
	t.Helper()
	ctx := context.Background()
	tx, err := bulk.Begin(ctx, s, run, target.Table)
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
	rt := bulk.TargetRankingEntry

	res := mergeOne(t, s, run, rt, bulk.ModeCreate, []bulk.Row{
		rankRow(2, "L1", "B1", 1), rankRow(3, "L1", "B2", 2), rankRow(4, "L2", "B1", 1),
	}, bulk.MergeOptions{})
	require.EqualValues(t, 3, res.Created)
	require.Empty(t, res.Rejected)

	// create of an existing key and of a taken rank is rejected, the rest written
	res = mergeOne(t, s, run, rt, bulk.ModeCreate, []bulk.Row{
		rankRow(2, "L1", "B1", 5), rankRow(3, "L1", "B3", 2), rankRow(4, "L1", "B4", 3),
	}, bulk.MergeOptions{})
	require.EqualValues(t, 1, res.Created)
	require.Len(t, res.Rejected, 2)
	reasons := map[int64]string{}
	for _, r := range res.Rejected {
		reasons[r.Line] = r.Reason
	}
	require.Contains(t, reasons[2], "already exists")
	require.Contains(t, reasons[3], "already taken")

	// update: ranks may swap within one batch; a missing key is rejected
	res = mergeOne(t, s, run, rt, bulk.ModeUpdate, []bulk.Row{
		rankRow(2, "L1", "B1", 2), rankRow(3, "L1", "B2", 1), rankRow(4, "L1", "B9", 7),
	}, bulk.MergeOptions{})
	require.EqualValues(t, 2, res.Updated)
	require.Len(t, res.Rejected, 1)
	require.EqualValues(t, 4, res.Rejected[0].Line)
	require.Contains(t, res.Rejected[0].Reason, "not found")

	// <IGNORE>: rang kept, so the row is as stored: not written
	ign := rankRow(2, "L1", "B1", 99)
	ign.Ignore = 1 << 2
	res = mergeOne(t, s, run, rt, bulk.ModeUpdate, []bulk.Row{ign}, bulk.MergeOptions{})
	require.Zero(t, res.Updated)
	require.EqualValues(t, 1, res.Unchanged)
	var rang int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT rang FROM ranking_entry WHERE rangliste='L1' AND bewerber_id='B1'`).Scan(&rang))
	require.Equal(t, 2, rang)

	// remove
	res = mergeOne(t, s, run, rt, bulk.ModeRemove, []bulk.Row{
		rankRow(2, "L2", "B1", 0), rankRow(3, "L2", "B7", 0),
	}, bulk.MergeOptions{})
	require.EqualValues(t, 1, res.Removed)
	require.Len(t, res.Rejected, 1)

	// upsert: B1 moves to 4, B2 stays at 1 (unchanged), L3 is new
	res = mergeOne(t, s, run, rt, bulk.ModeUpsert, []bulk.Row{
		rankRow(2, "L1", "B1", 4), rankRow(3, "L3", "B1", 1), rankRow(4, "L1", "B2", 1),
	}, bulk.MergeOptions{})
	require.EqualValues(t, 1, res.Updated)
	require.EqualValues(t, 1, res.Created)
	require.EqualValues(t, 1, res.Unchanged)
}

func TestImportMergeParentAndTransitions(t *testing.T) {
	t.Parallel()
	s, run := importSetup(t)
	at := time.Date(2026, 3, 6, 13, 3, 0, 0, time.UTC)
	head := func(line int64, id, status string) bulk.Row {
		v := make([]bulk.Value, len(bulk.TargetUniBewerbung.Columns))
		v[bulk.TargetUniBewerbung.Col("hs_bewerbung_id")] = bulk.ValueOf(id)
		v[bulk.TargetUniBewerbung.Col("typ")] = bulk.ValueOf("mehrfach")
		v[bulk.TargetUniBewerbung.Col("bewerber_id")] = bulk.ValueOf("B-1")
		v[bulk.TargetUniBewerbung.Col("abschluss_schluessel")] = bulk.ValueOf("025")
		v[bulk.TargetUniBewerbung.Col("eingangszeitpunkt")] = bulk.ValueOf(at)
		v[bulk.TargetUniBewerbung.Col("bearbeitungsstatus")] = bulk.ValueOf(status)
		return bulk.Row{Line: line, Values: v}
	}
	teil := func(line int64, id, sg string) bulk.Row {
		v := make([]bulk.Value, len(bulk.TargetUniTeilfachbewerbung.Columns))
		v[bulk.TargetUniTeilfachbewerbung.Col("hs_bewerbung_id")] = bulk.ValueOf(id)
		v[bulk.TargetUniTeilfachbewerbung.Col("studiengang_schluessel")] = bulk.ValueOf(sg)
		v[bulk.TargetUniTeilfachbewerbung.Col("abschluss_schluessel")] = bulk.ValueOf("025")
		v[bulk.TargetUniTeilfachbewerbung.Col("studienfach_schluessel")] = bulk.ValueOf(sg[4:])
		v[bulk.TargetUniTeilfachbewerbung.Col("ist_ersatzfach_akzeptabel")] = bulk.ValueOf(false)
		v[bulk.TargetUniTeilfachbewerbung.Col("ist_fachwechsel")] = bulk.ValueOf(false)
		return bulk.Row{Line: line, Values: v}
	}
	res := mergeOne(t, s, run, bulk.TargetUniBewerbung, bulk.ModeCreate, []bulk.Row{head(1, "A1", "eingegangen")}, bulk.MergeOptions{})
	require.EqualValues(t, 1, res.Created)
	res = mergeOne(t, s, run, bulk.TargetUniTeilfachbewerbung, bulk.ModeCreate, []bulk.Row{
		teil(2, "A1", "025-007"), teil(3, "A1", "025-059"), teil(4, "A9", "025-007"),
	}, bulk.MergeOptions{})
	require.EqualValues(t, 2, res.Created)
	require.Len(t, res.Rejected, 1)
	require.Contains(t, res.Rejected[0].Reason, "no uni_bewerbung row")

	allowed := bulk.MergeOptions{Transitions: []bulk.Transition{{From: "eingegangen", To: "gueltig"}}}
	res = mergeOne(t, s, run, bulk.TargetUniBewerbung, bulk.ModeUpdate, []bulk.Row{head(1, "A1", "zugelassen")}, allowed)
	require.Len(t, res.Rejected, 1)
	require.Contains(t, res.Rejected[0].Reason, "may not change from eingegangen to zugelassen")
	res = mergeOne(t, s, run, bulk.TargetUniBewerbung, bulk.ModeUpdate, []bulk.Row{head(1, "A1", "gueltig")}, allowed)
	require.EqualValues(t, 1, res.Updated)
}

func courseRow(line int64, stg, ltxt string) bulk.Row {
	v := make([]bulk.Value, len(bulk.TargetSbeatCourse.Columns))
	v[bulk.TargetSbeatCourse.Col("stg")] = bulk.Text(stg)
	v[bulk.TargetSbeatCourse.Col("ltxt")] = bulk.Text(ltxt)
	return bulk.Row{Line: line, Values: v}
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
	mergeOne(t, s, run, bulk.TargetSbeatCourse, bulk.ModeCreate, []bulk.Row{courseRow(1, "OLD", "schon da")}, bulk.MergeOptions{})

	tx, err := bulk.Begin(ctx, s, run, "sbeat_course")
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	require.NoError(t, tx.BeginPass(ctx))
	batch := make([]bulk.Row, 3)
	for b := range 4 {
		for i := range batch {
			batch[i] = courseRow(int64(10*b+i), fmt.Sprintf("S%d-%d", b, i), fmt.Sprintf("Studiengang %d-%d", b, i))
		}
		res, err := tx.Merge(ctx, bulk.TargetSbeatCourse, bulk.ModeCreate, batch, bulk.MergeOptions{})
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
	tx, err = bulk.Begin(ctx, s, run, "sbeat_course")
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	rejected := 0
	pass := func() error {
		rejected = 0
		if err := tx.BeginPass(ctx); err != nil {
			return err
		}
		for _, rows := range [][]bulk.Row{{courseRow(1, "NEU-1", "neu")}, {courseRow(2, "OLD", "doppelt"), courseRow(3, "NEU-2", "neu")}} {
			res, err := tx.Merge(ctx, bulk.TargetSbeatCourse, bulk.ModeCreate, rows, bulk.MergeOptions{})
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
	require.ErrorIs(t, err, bulk.ErrRestartChecked)
	require.NoError(t, tx.RestartChecked(ctx))
	require.NoError(t, pass(), "checked, the existing key is a rejected row")
	require.Equal(t, 1, rejected)
	require.NoError(t, tx.Commit(ctx))
	require.EqualValues(t, 15, count())
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT ltxt FROM sbeat_course WHERE stg = 'OLD'`).Scan(&ltxt))
	require.Equal(t, "schon da", ltxt)
}
