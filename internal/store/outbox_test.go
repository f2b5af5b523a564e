package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/store/bulk"
	"sestd/internal/testdb"
)

func stageApplications(t *testing.T, s *store.Store) {
	t.Helper()
	_, err := s.Pool().Exec(context.Background(), `
INSERT INTO uni_bewerbung (hs_bewerbung_id, typ, bewerber_id, bewerber_ban, studiengang_schluessel, abschluss_schluessel,
    studienfach_schluessel, eingangszeitpunkt, bearbeitungsstatus) VALUES
  ('A-1', 'einfach', 'B1', 'BAN1', '82-079', '82', '079', '2026-07-01T10:00:00Z', 'eingegangen'),
  ('A-2', 'mehrfach', 'B2', NULL, NULL, '25', NULL, '2026-07-01T11:00:00Z', 'eingegangen');
INSERT INTO uni_teilfachbewerbung (hs_bewerbung_id, studiengang_schluessel, abschluss_schluessel, studienfach_schluessel, hauptfach_schluessel)
VALUES ('A-2', '25-007', '25', '007', '25-007'), ('A-2', '25-059', '25', '059', NULL);
INSERT INTO uni_bewerber_auth (bewerber_id, ban) VALUES ('B1', 'BAN1'), ('B3', 'BAN3');`)
	require.NoError(t, err)
}

func queueStaged(t *testing.T, s *store.Store) map[string]store.OutboxItem {
	t.Helper()
	ctx := context.Background()
	apps, err := s.UniBewerbungChanged(ctx, 100)
	require.NoError(t, err)
	var items []store.OutboxNew
	for _, a := range apps {
		items = append(items, store.OutboxNew{Kind: store.OutboxKindBewerbung, ItemKey: a.HSBewerbungID, BewerberID: a.BewerberID,
			SestKey: a.BewerberID + "/" + a.StudiengangSchluessel, Payload: json.RawMessage(`{"status":"` + a.Bearbeitungsstatus + `"}`), SourceUpdatedAt: a.ChangedAt})
	}
	auths, err := s.UniBewerberAuthChanged(ctx, 100)
	require.NoError(t, err)
	for _, a := range auths {
		items = append(items, store.OutboxNew{Kind: store.OutboxKindBewerberAuth, ItemKey: a.BewerberID, BewerberID: a.BewerberID,
			Payload: json.RawMessage(`{"ban":"` + a.BAN + `"}`), SourceUpdatedAt: a.ChangedAt})
	}
	_, err = s.OutboxUpsert(ctx, items)
	require.NoError(t, err)
	all, err := s.OutboxList(ctx, "", 100)
	require.NoError(t, err)
	out := map[string]store.OutboxItem{}
	for _, it := range all {
		out[it.ItemKey] = it
	}
	return out
}

func TestOutboxLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))
	stageApplications(t, s)

	apps, err := s.UniBewerbungChanged(ctx, 100)
	require.NoError(t, err)
	require.Len(t, apps, 2)
	require.Equal(t, "A-2", apps[1].HSBewerbungID)
	require.Len(t, apps[1].Teilfaecher, 2)
	require.Equal(t, "25-007", apps[1].Teilfaecher[0].HauptfachSchluessel)

	items := queueStaged(t, s)
	require.Len(t, items, 4)
	counts, err := s.OutboxCountsByState(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]float64{"pending": 4, "sent": 0, "accepted": 0, "rejected": 0, "failed": 0, "discarded": 0}, counts)
	apps, err = s.UniBewerbungChanged(ctx, 100)
	require.NoError(t, err)
	require.Empty(t, apps, "queued items are not queued again")

	// Send A-1 and accept it; its upload log commits with the result.
	a1 := items["A-1"]
	require.NoError(t, s.OutboxMarkSent(ctx, []int64{a1.ID}, sestmodel.OpUebermittelnNeueBewerbungen, []json.RawMessage{json.RawMessage(`{"status":"eingegangen","v":0}`)}))
	due, err := s.OutboxDue(ctx, store.OutboxKindBewerbung, 0, 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "a sent item is not due")
	sent, err := s.OutboxSentDue(ctx, store.OutboxKindBewerbung, 10)
	require.NoError(t, err)
	require.Len(t, sent, 1)
	require.Equal(t, 1, sent[0].Attempts)
	require.JSONEq(t, `{"status":"eingegangen","v":0}`, string(sent[0].Payload), "the payload as sent")

	// A change of the staging row while A-1 is being sent waits for it.
	_, err = s.Pool().Exec(ctx, `UPDATE uni_bewerbung SET bearbeitungsstatus = 'gueltig', updated_at = now() WHERE hs_bewerbung_id = 'A-1'`)
	require.NoError(t, err)
	apps, err = s.UniBewerbungChanged(ctx, 100)
	require.NoError(t, err)
	require.Empty(t, apps)

	require.NoError(t, s.OutboxRecord(ctx, []store.OutboxResult{{ID: a1.ID, State: store.OutboxAccepted, ErgebnisStatus: "neu", ResultVersion: 1, ResultStatus: "eingegangen"}},
		[]store.UploadLogEntry{{Operation: sestmodel.OpUebermittelnNeueBewerbungen, ItemKind: store.OutboxKindBewerbung, ItemKey: "A-1", Attempt: 1, ErgebnisStatus: "neu"}}))
	got, err := s.OutboxGet(ctx, a1.ID)
	require.NoError(t, err)
	require.Equal(t, store.OutboxAccepted, got.State)
	require.Equal(t, 1, got.ResultVersion)
	require.NotNil(t, got.FinishedAt)
	logs, err := s.UploadLogList(ctx, store.OutboxKindBewerbung, "A-1", 10)
	require.NoError(t, err)
	require.Len(t, logs, 1)

	// Now the change is picked up: pending again, attempts reset, the
	// accepted version kept for the next send.
	items = queueStaged(t, s)
	got = items["A-1"]
	require.Equal(t, store.OutboxPending, got.State)
	require.Zero(t, got.Attempts)
	require.Equal(t, 1, got.ResultVersion)
	require.JSONEq(t, `{"status":"gueltig"}`, string(got.Payload))

	// Rejections: retried items come back later; a failed one is
	// notified exactly once.
	a2 := items["A-2"]
	require.NoError(t, s.OutboxMarkSent(ctx, []int64{a2.ID}, sestmodel.OpUebermittelnNeueBewerbungen, nil))
	require.NoError(t, s.OutboxRecord(ctx, []store.OutboxResult{{ID: a2.ID, State: store.OutboxFailed, ErgebnisStatus: "zurueckgewiesen", Reason: "kaputt", Code: 30210}}, nil))
	var mailed [][]int64
	enqueue := func(_ pgx.Tx, ids []int64) error { mailed = append(mailed, ids); return nil }
	ids, err := s.OutboxNotify(ctx, enqueue)
	require.NoError(t, err)
	require.Equal(t, []int64{a2.ID}, ids)
	ids, err = s.OutboxNotify(ctx, enqueue)
	require.NoError(t, err)
	require.Empty(t, ids)
	require.Len(t, mailed, 1, "mailed once")
	failing, err := s.OutboxListFailing(ctx)
	require.NoError(t, err)
	require.Len(t, failing, 1)

	// A failed item stays queued: due again when its next attempt is, it
	// is sent and refused again, keeps the time it first failed, and is
	// not mailed a second time.
	firstFailed, err := s.OutboxGet(ctx, a2.ID)
	require.NoError(t, err)
	require.NotNil(t, firstFailed.FinishedAt)
	due, err = s.OutboxDue(ctx, store.OutboxKindBewerbung, 0, 10)
	require.NoError(t, err)
	require.Equal(t, []string{"A-1", "A-2"}, []string{due[0].ItemKey, due[1].ItemKey}, "the failed item is due with the pending one")
	due, err = s.OutboxDue(ctx, store.OutboxKindBewerbung, due[0].ID, 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "ids above the cursor only")
	require.NoError(t, s.OutboxMarkSent(ctx, []int64{a2.ID}, sestmodel.OpUebermittelnNeueBewerbungen, nil))
	require.NoError(t, s.OutboxRecord(ctx, []store.OutboxResult{{ID: a2.ID, State: store.OutboxFailed, ErgebnisStatus: "zurueckgewiesen",
		Reason: "kaputt", Code: 30210, NextAttemptAt: time.Now().Add(time.Hour)}}, nil))
	again, err := s.OutboxGet(ctx, a2.ID)
	require.NoError(t, err)
	require.Equal(t, 2, again.Attempts)
	require.Equal(t, firstFailed.FinishedAt.UTC(), again.FinishedAt.UTC(), "the time it first failed")
	due, err = s.OutboxDue(ctx, store.OutboxKindBewerbung, 0, 10)
	require.NoError(t, err)
	require.Len(t, due, 1, "not due before its next attempt")
	ids, err = s.OutboxNotify(ctx, enqueue)
	require.NoError(t, err)
	require.Empty(t, ids, "still mailed once")

	// Operators.
	require.ErrorIs(t, s.OutboxRetry(ctx, a1.ID), store.ErrOutboxState, "a pending item cannot be retried")
	require.ErrorIs(t, s.OutboxRetry(ctx, 424242), store.ErrNotFound)
	n, err := s.OutboxRetryAllFailed(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	got, err = s.OutboxGet(ctx, a2.ID)
	require.NoError(t, err)
	require.Equal(t, store.OutboxPending, got.State)
	require.Zero(t, got.Attempts)
	require.Nil(t, got.NotifiedAt)
	require.NoError(t, s.OutboxDiscard(ctx, a2.ID))
	require.ErrorIs(t, s.OutboxDiscard(ctx, a2.ID), store.ErrOutboxState)
	require.NoError(t, s.OutboxRetry(ctx, a2.ID), "a discarded item can be retried")
	list, err := s.OutboxList(ctx, store.OutboxPending, 10)
	require.NoError(t, err)
	require.Len(t, list, 4)
}

func TestOutboxCleanupAuths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))
	stageApplications(t, s)
	items := queueStaged(t, s)
	var results []store.OutboxResult
	for _, k := range []string{"B1", "B3"} {
		results = append(results, store.OutboxResult{ID: items[k].ID, State: store.OutboxAccepted})
	}
	require.NoError(t, s.OutboxRecord(ctx, results, nil))
	// B1's application is still pending: its BAN is kept; B3 has none.
	n, err := s.OutboxCleanupAuths(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	got, err := s.OutboxGet(ctx, items["B3"].ID)
	require.NoError(t, err)
	require.JSONEq(t, `{}`, string(got.Payload), "the BAN is gone")
	require.NoError(t, s.OutboxRecord(ctx, []store.OutboxResult{{ID: items["A-1"].ID, State: store.OutboxAccepted}}, nil))
	n, err = s.OutboxCleanupAuths(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	var left int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM uni_bewerber_auth`).Scan(&left))
	require.Zero(t, left)
}

func exportEinfach(bid, sg, status string, version int) sestmodel.Bewerbung {
	return sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{BewerberID: bid, Bearbeitungsstatus: status, VersionSeSt: version,
		Studienangebot:  sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: sg, AbschlussSchluessel: "82", StudienfachSchluessel: "079"},
		LetzteAenderung: sestmodel.NewTimestamp(time.Date(2026, 7, 1, 10, version, 0, 0, time.UTC))}}
}

func TestExportChangesCoversEachChangeOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))
	type file struct {
		header []string
		rows   [][]string
	}
	export := func() (store.ExportRun, map[string]file) {
		t.Helper()
		files := map[string]file{}
		run, err := s.ExportChanges(ctx, func(_ store.ExportRun, kind string, header []string, rows [][]string) (string, error) {
			if len(rows) == 0 {
				return "", nil
			}
			files[kind] = file{header, rows}
			return kind + ".csv", nil
		})
		require.NoError(t, err)
		return run, files
	}
	_, err := s.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{exportEinfach("B1", "82-079", "eingegangen", 1), exportEinfach("B2", "82-079", "eingegangen", 1)}, store.Step{})
	require.NoError(t, err)
	run, files := export()
	require.Equal(t, []string{"bewerbungen.csv", "statusaenderungen.csv"}, run.Files)
	require.Len(t, files["bewerbungen"].rows, 2)
	require.Equal(t, "bewerbung_key", files["bewerbungen"].header[0])
	require.Len(t, files["statusaenderungen"].rows, 2, "new Bewerbungen have a first status")

	run2, files := export()
	require.Empty(t, files, "nothing changed since")
	require.Empty(t, run2.Files)
	require.True(t, run2.Lo.Equal(run.Hi))

	_, err = s.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{exportEinfach("B2", "82-079", "gueltig", 2)}, store.Step{})
	require.NoError(t, err)
	_, files = export()
	require.Len(t, files["bewerbungen"].rows, 1)
	require.Equal(t, "B2/82-079", files["bewerbungen"].rows[0][0])
	st := files["statusaenderungen"]
	require.Len(t, st.rows, 1)
	require.Equal(t, []string{"eingegangen", "gueltig"}, st.rows[0][3:5])
	var n int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM uni.bewerbungen`).Scan(&n))
	require.Equal(t, 1, n, "the view holds the latest run's changes")
	latest, err := s.ExportRunLatest(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"bewerbungen.csv", "statusaenderungen.csv"}, latest.Files)
}

// TestUniBewerbungChangedSeesTeilfachLeaving: a Teilfach removed on its
// own, or moved to another Bewerbung, changes its mehrfach Bewerbung
// though the Teilfächer that remain keep their updated_at.
func TestUniBewerbungChangedSeesTeilfachLeaving(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))
	stageApplications(t, s)
	exec := func(q string) {
		t.Helper()
		_, err := s.Pool().Exec(ctx, q)
		require.NoError(t, err)
	}
	changed := func() map[string]store.UniBewerbung {
		t.Helper()
		apps, err := s.UniBewerbungChanged(ctx, 100)
		require.NoError(t, err)
		out := map[string]store.UniBewerbung{}
		for _, a := range apps {
			out[a.HSBewerbungID] = a
		}
		return out
	}
	accept := func(items map[string]store.OutboxItem, keys ...string) {
		t.Helper()
		var rs []store.OutboxResult
		for _, k := range keys {
			rs = append(rs, store.OutboxResult{ID: items[k].ID, State: store.OutboxAccepted, ResultVersion: 1})
		}
		require.NoError(t, s.OutboxRecord(ctx, rs, nil))
	}
	items := queueStaged(t, s)
	accept(items, "A-1", "A-2")
	require.Empty(t, changed())

	exec(`DELETE FROM uni_teilfachbewerbung WHERE hs_bewerbung_id = 'A-2' AND studiengang_schluessel = '25-059'`)
	got := changed()
	require.Len(t, got, 1, "only the Bewerbung that lost a Teilfach")
	require.Len(t, got["A-2"].Teilfaecher, 1)
	require.Equal(t, "25-007", got["A-2"].Teilfaecher[0].StudiengangSchluessel)
	require.True(t, got["A-2"].ChangedAt.After(items["A-2"].SourceUpdatedAt))

	// Queued and being sent: the removal waits for the outcome; accepted,
	// a further removal is picked up again.
	items = queueStaged(t, s)
	require.Equal(t, store.OutboxPending, items["A-2"].State)
	require.Empty(t, changed())
	require.NoError(t, s.OutboxMarkSent(ctx, []int64{items["A-2"].ID}, sestmodel.OpUebermittelnGeaenderteBew, nil))
	exec(`DELETE FROM uni_teilfachbewerbung WHERE hs_bewerbung_id = 'A-2'`)
	require.Empty(t, changed(), "an item being sent waits for its outcome")
	accept(items, "A-2")
	got = changed()
	require.Len(t, got, 1)
	require.Empty(t, got["A-2"].Teilfaecher, "the last Teilfach is gone too")

	// A Teilfach moved by hand changes both Bewerbungen.
	exec(`INSERT INTO uni_bewerbung (hs_bewerbung_id, typ, bewerber_id, abschluss_schluessel, eingangszeitpunkt, bearbeitungsstatus)
		VALUES ('A-3', 'mehrfach', 'B3', '25', '2026-07-01T12:00:00Z', 'eingegangen');
		INSERT INTO uni_teilfachbewerbung (hs_bewerbung_id, studiengang_schluessel, abschluss_schluessel, studienfach_schluessel)
		VALUES ('A-3', '25-007', '25', '007'), ('A-3', '25-059', '25', '059')`)
	items = queueStaged(t, s)
	accept(items, "A-2", "A-3")
	require.Empty(t, changed())
	exec(`UPDATE uni_teilfachbewerbung SET hs_bewerbung_id = 'A-2' WHERE hs_bewerbung_id = 'A-3' AND studiengang_schluessel = '25-059'`)
	got = changed()
	require.Len(t, got, 2)
	require.Len(t, got["A-2"].Teilfaecher, 1)
	require.Len(t, got["A-3"].Teilfaecher, 1)

	// Deleting a Bewerbung takes its Teilfächer along (nothing left to
	// mark changed).
	exec(`DELETE FROM uni_bewerbung WHERE hs_bewerbung_id IN ('A-2', 'A-3')`)
	var n int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM uni_teilfachbewerbung`).Scan(&n))
	require.Zero(t, n)
}

// Two imports of university applications, the second waiting for the
// first's lock: the second's changes are newer than the first's even
// though its transaction began earlier, so an outbound run between the
// two commits does not hide them.
func TestChangesOfAWaitingImportAreNotHidden(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))
	stageApplications(t, s)
	items := queueStaged(t, s)
	require.NoError(t, s.OutboxRecord(ctx, []store.OutboxResult{{ID: items["A-1"].ID, State: store.OutboxAccepted, ResultVersion: 1}}, nil))

	status := func(tx *bulk.Tx, line int64, st string) {
		t.Helper()
		tgt := bulk.TargetUniBewerbung
		v := make([]bulk.Value, len(tgt.Columns))
		v[tgt.Col("hs_bewerbung_id")] = bulk.Text("A-1")
		v[tgt.Col("bearbeitungsstatus")] = bulk.Text(st)
		keep := uint64(1)<<len(tgt.Columns) - 1
		keep &^= 1<<tgt.Col("hs_bewerbung_id") | 1<<tgt.Col("bearbeitungsstatus")
		res, err := tx.Merge(ctx, tgt, bulk.ModeUpdate, []bulk.Row{{Line: line, Values: v, Ignore: keep}}, bulk.MergeOptions{})
		require.NoError(t, err)
		require.EqualValues(t, 1, res.Updated)
	}
	first, err := bulk.Begin(ctx, s, 0, "uni_bewerbungen")
	require.NoError(t, err)
	secondIn := make(chan *bulk.Tx)
	go func() {
		tx, err := bulk.Begin(ctx, s, 0, "uni_bewerbungen") // waits for first's lock
		assert.NoError(t, err)
		secondIn <- tx
	}()
	requireLockWaiters(t, s.Pool(), 1) // second's transaction has begun and waits
	status(first, 1, "gueltig")
	require.NoError(t, first.Commit(ctx))
	second := <-secondIn
	require.NotNil(t, second)
	defer second.Rollback(ctx)
	status(second, 1, "ausgeschlossen")

	// The outbound run between the commits takes up the first's change.
	items = queueStaged(t, s)
	require.NoError(t, s.OutboxRecord(ctx, []store.OutboxResult{{ID: items["A-1"].ID, State: store.OutboxAccepted, ResultVersion: 2}}, nil))

	require.NoError(t, second.Commit(ctx))
	apps, err := s.UniBewerbungChanged(ctx, 100)
	require.NoError(t, err)
	require.Len(t, apps, 1, "the second import's change is pending")
	require.Equal(t, "ausgeschlossen", apps[0].Bearbeitungsstatus)
}
