package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

// The admin API's import history reads duration_seconds; what it writes
// it reads back.
func TestImportRunJSONCarriesTheDurationInSeconds(t *testing.T) {
	retry := int64(7)
	in := store.ImportRun{ID: 3, Kind: "sbeat_students", Mode: "update", Status: store.ImportFailed,
		Interrupted: true, RetriedBy: &retry, Duration: 1500 * time.Millisecond,
		StartedAt: time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)}
	raw, err := json.Marshal(in)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	require.Equal(t, 1.5, m["duration_seconds"], "1500 ms")
	require.Equal(t, float64(7), m["retried_by"])
	require.Equal(t, true, m["interrupted"])
	require.NotContains(t, m, "Duration", "only in seconds")

	var out store.ImportRun
	require.NoError(t, json.Unmarshal(raw, &out))
	require.Equal(t, in, out)
	require.Error(t, json.Unmarshal([]byte(`{"duration_seconds": "long"}`), &out), "a wrong type is an error")
}

// An interrupted run points to the next run of the same file, kind and
// mode; a run of another mode or file does not count as its retry, and a
// run already retried keeps its first retry.
func TestImportRunStartNamesTheRetryOfAnInterruptedRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))
	start := func(mode, sha string) int64 {
		t.Helper()
		id, err := s.ImportRunStart(ctx, store.ImportRun{Kind: "sbeat_students", Mode: mode, FileName: "s.csv", SHA256: sha})
		require.NoError(t, err)
		return id
	}
	retriedBy := func(id int64) *int64 {
		t.Helper()
		r, err := s.ImportRunGet(ctx, id)
		require.NoError(t, err)
		return r.RetriedBy
	}
	cut := start("update", "aaa")
	n, err := s.ImportRunFailStale(ctx, time.Now().Add(time.Minute))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	start("create", "aaa") // another mode
	start("update", "bbb") // another file
	require.Nil(t, retriedBy(cut))
	retry := start("update", "aaa")
	require.NotNil(t, retriedBy(cut))
	require.Equal(t, retry, *retriedBy(cut))
	start("update", "aaa")
	require.Equal(t, retry, *retriedBy(cut), "the first retry stays named")
	require.Nil(t, retriedBy(retry), "the retry itself was not interrupted")

	// The newest first, at most limit.
	list, err := s.ImportRunList(ctx, 2)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Greater(t, list[0].ID, list[1].ID)
	require.Equal(t, store.ImportRunning, list[0].Status)
}

// A run left running by a dead process is ended by the next import of its
// kind: failed and interrupted, nothing counted, pointing to the new run
// when it was the same file and mode; runs of other kinds are left alone.
func TestImportRunEndDeadEndsTheKindsOtherRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))
	start := func(kind, mode, sha string) int64 {
		t.Helper()
		id, err := s.ImportRunStart(ctx, store.ImportRun{Kind: kind, Mode: mode, FileName: "f.csv", SHA256: sha})
		require.NoError(t, err)
		return id
	}
	same := start("sbeat_exams", "update", "aaa")
	other := start("sbeat_exams", "update", "bbb")
	_, err := s.ImportRunFinish(ctx, store.ImportRun{ID: other, Status: store.ImportRunning, ImportCounts: store.ImportCounts{Read: 5, Created: 4, Skipped: 1}})
	require.NoError(t, err)
	otherKind := start("sbeat_students", "update", "aaa")
	now := start("sbeat_exams", "update", "aaa")

	n, err := s.ImportRunEndDead(ctx, "sbeat_exams", "aaa", "update", now)
	require.NoError(t, err)
	require.EqualValues(t, 2, n, "the two dead runs of sbeat_exams")
	for _, c := range []struct {
		id    int64
		retry *int64
	}{{same, &now}, {other, nil}} {
		r, err := s.ImportRunGet(ctx, c.id)
		require.NoError(t, err)
		require.Equal(t, store.ImportFailed, r.Status)
		require.True(t, r.Interrupted)
		require.Equal(t, c.retry, r.RetriedBy)
		require.Zero(t, r.Created+r.Updated+r.Removed+r.Skipped, "rolled back: nothing counted")
		require.Equal(t, "interrupted: the importing process ended without an outcome; rolled back, nothing imported", r.Error)
		require.NotNil(t, r.FinishedAt)
	}
	for _, id := range []int64{otherKind, now} {
		r, err := s.ImportRunGet(ctx, id)
		require.NoError(t, err)
		require.Equal(t, store.ImportRunning, r.Status, "run %d is not ended", id)
		require.False(t, r.Interrupted)
	}
}

func TestImportRuns(t *testing.T) {
	t.Parallel()
	s := store.New(testdb.New(t))
	ctx := context.Background()
	run, err := s.ImportRunStart(ctx, store.ImportRun{Kind: "ranking", Mode: "create", FileName: "r.csv", SHA256: "abc"})
	require.NoError(t, err)
	_, err = s.ImportRunFindDone(ctx, "abc", "ranking", "create")
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
