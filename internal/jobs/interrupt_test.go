package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/jobs"
	"sestd/internal/store"
)

// An import cut by a shutdown says so, counts nothing, and points to the
// run of the next start that imported the file (issue 16).
func TestImportCutByShutdownPointsToItsRetry(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	ctx := context.Background()
	require.NoError(t, os.MkdirAll(b.cfg.Import.InboxDir, 0o700))
	file := filepath.Join(b.cfg.Import.InboxDir, "students.csv") // an import by path reads below the inbox
	require.NoError(t, os.WriteFile(file, []byte("IDENTNR;STG\n1;WR\n2;WR\n"), 0o600))

	// Hold the import at its first write.
	lock, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = lock.Rollback(ctx) }() // after a commit or with the pool closing: nothing to undo
	_, err = lock.Exec(ctx, `LOCK TABLE sbeat_student IN EXCLUSIVE MODE`)
	require.NoError(t, err)
	res, err := b.client.Insert(ctx, jobs.ImportArgs{Path: file, FileKind: "sbeat_students"}, nil)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var waiting int
		err := b.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'sbeat_student'::regclass`).Scan(&waiting)
		return err == nil && waiting > 0
	}, time.Minute, 20*time.Millisecond)

	b.rig.stop() // the shutdown: running jobs are cancelled
	require.NoError(t, lock.Rollback(ctx))
	runs, err := b.store.ImportRunList(ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	cut := runs[0]
	require.Equal(t, store.ImportFailed, cut.Status)
	require.True(t, cut.Interrupted)
	require.Equal(t, "interrupted (sestd stopped): rolled back, nothing imported; a retry of the job imports the file again", cut.Error)
	require.Zero(t, cut.Created, "a rolled-back run counts nothing")
	require.Nil(t, cut.RetriedBy)

	// The next start retries the job: its run imports the file, and the cut
	// run points to it.
	next := startRig(t, b.cfg, jobs.Deps{Store: b.store}, b.pool)
	ev := next.awaitID(t, res.Job.ID, true)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	runs, err = b.store.ImportRunList(ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	require.Equal(t, store.ImportSucceeded, runs[0].Status)
	require.EqualValues(t, 2, runs[0].Created)
	cut, err = b.store.ImportRunGet(ctx, cut.ID)
	require.NoError(t, err)
	require.NotNil(t, cut.RetriedBy)
	require.Equal(t, runs[0].ID, *cut.RetriedBy)
}

// An import an operator cancels, or one sestd stops on its last attempt,
// gets no retry: its run says to import the file again (issue 16).
func TestImportCutWithoutRetrySaysImportAgain(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		maxAttempts int
		cut         func(b *bundle, id int64)
		want        string
	}{
		"cancelled by the operator": {5, func(b *bundle, id int64) {
			_, err := b.client.JobCancel(context.Background(), id)
			require.NoError(t, err)
		}, "cancelled: rolled back, nothing imported; run the import again"},
		"stopped on the last attempt": {1, func(b *bundle, _ int64) { b.rig.stop() },
			"interrupted (sestd stopped during the job's last attempt): rolled back, nothing imported; run the import again"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{})
			ctx := context.Background()
			require.NoError(t, os.MkdirAll(b.cfg.Import.InboxDir, 0o700))
			file := filepath.Join(b.cfg.Import.InboxDir, "students.csv")
			require.NoError(t, os.WriteFile(file, []byte("IDENTNR;STG\n1;WR\n2;WR\n"), 0o600))
			lock, err := b.pool.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = lock.Rollback(ctx) }() // after a commit or with the pool closing: nothing to undo
			_, err = lock.Exec(ctx, `LOCK TABLE sbeat_student IN EXCLUSIVE MODE`)
			require.NoError(t, err)
			res, err := b.client.Insert(ctx, jobs.ImportArgs{Path: file, FileKind: "sbeat_students"}, &river.InsertOpts{MaxAttempts: tc.maxAttempts})
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				var waiting int
				err := b.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'sbeat_student'::regclass`).Scan(&waiting)
				return err == nil && waiting > 0
			}, time.Minute, 20*time.Millisecond)
			tc.cut(b, res.Job.ID)
			if tc.maxAttempts > 1 {
				ev := b.rig.awaitID(t, res.Job.ID, true)
				require.Equal(t, river.EventKindJobCancelled, ev.Kind)
			}
			require.NoError(t, lock.Rollback(ctx))
			runs, err := b.store.ImportRunList(ctx, 10)
			require.NoError(t, err)
			require.Len(t, runs, 1)
			require.Equal(t, store.ImportFailed, runs[0].Status)
			require.True(t, runs[0].Interrupted)
			require.Equal(t, tc.want, runs[0].Error)
		})
	}
}
