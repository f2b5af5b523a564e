package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
)

func TestInboxImportsAndMovesFiles(t *testing.T) {
	t.Parallel()
	inbox := filepath.Join(t.TempDir(), "inbox")
	b := setup(t, options{sim: sim.Config{Seed: 1, Bewerbungen: 20}, configure: func(c *config.Config) { c.Import.InboxDir = inbox }})
	src, err := os.ReadFile("../importers/testdata/s-beat/student_data.csv")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(inbox, "sbeat_students"), 0o700))
	good := filepath.Join(inbox, "sbeat_students", "semester.csv")
	require.NoError(t, os.WriteFile(good, append(src, []byte("999999;WR;31.02.2012;;;;;W;19.11.1989;200;04.03.2008;3;x;admin\n")...), 0o600))
	unknown := filepath.Join(inbox, "notes.txt")
	require.NoError(t, os.WriteFile(unknown, []byte("hello"), 0o600))
	old := time.Now().Add(-time.Minute)
	require.NoError(t, os.Chtimes(good, old, old))
	require.NoError(t, os.Chtimes(unknown, old, old))

	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.InboxArgs{}).Kind)
	require.FileExists(t, filepath.Join(inbox, "failed", "notes.txt"), "a file of unknown kind goes to failed/")

	ctx := context.Background()
	queued := rivertest.RequireInserted(ctx, t, riverpgxv5.New(b.pool), &jobs.ImportArgs{}, &rivertest.RequireInsertedOpts{Queue: jobs.QueueImport})
	require.Equal(t, good, queued.Args.Path, "the settled file is queued for import")
	require.Equal(t, "sbeat_students", queued.Args.FileKind, "its kind is told by its folder")
	require.True(t, queued.Args.FromInbox)
	deadline := time.Now().Add(time.Minute)
	for {
		var state string
		err := b.pool.QueryRow(ctx, `SELECT state FROM river_job WHERE kind = 'import' ORDER BY id DESC LIMIT 1`).Scan(&state)
		if err == nil && state == "completed" {
			break
		}
		require.True(t, time.Now().Before(deadline), "import job did not complete (state %q, err %v)", state, err)
		time.Sleep(100 * time.Millisecond)
	}
	processed := filepath.Join(inbox, "sbeat_students", "processed")
	require.FileExists(t, filepath.Join(processed, "semester.csv"), "the imported file goes to processed/")
	require.NoFileExists(t, good)
	rejects, err := filepath.Glob(filepath.Join(processed, "*rejects*"))
	require.NoError(t, err)
	require.Len(t, rejects, 1, "the broken row's rejects file lies beside the processed file")

	// A second scan finds nothing to do.
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.InboxArgs{}).Kind)
	var imports int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'import'`).Scan(&imports))
	require.Equal(t, 1, imports)
}
