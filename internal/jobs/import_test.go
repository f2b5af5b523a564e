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
	"sestd/internal/mail/mailtest"
	"sestd/internal/sest/sim"
	"sestd/internal/store"
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
	old := time.Now().Add(-time.Minute)
	require.NoError(t, os.Chtimes(good, old, old))

	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.InboxArgs{}).Kind)

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

// An inbox file whose kind cannot be told fails like any import: a failed
// import run says why and how to fix it, the job is cancelled (the
// SestdImportFailed alert counts it), the admins get one mail, and the
// file goes to failed/.
func TestInboxFileOfUnknownKindIsAFailedImport(t *testing.T) {
	t.Parallel()
	smtp := mailtest.New(t)
	inbox := filepath.Join(t.TempDir(), "inbox")
	b := setup(t, options{configure: func(c *config.Config) {
		mailTo(smtp)(c)
		c.Import.InboxDir = inbox
	}})
	require.NoError(t, os.MkdirAll(inbox, 0o700))
	unknown := filepath.Join(inbox, "notes.txt")
	require.NoError(t, os.WriteFile(unknown, []byte("hello"), 0o600))
	old := time.Now().Add(-time.Minute)
	require.NoError(t, os.Chtimes(unknown, old, old))

	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.InboxArgs{}).Kind)
	ev := b.rig.awaitImport(t)
	require.Equal(t, river.EventKindJobCancelled, ev.Kind, "errors: %v", ev.Job.Errors)
	require.FileExists(t, filepath.Join(inbox, "failed", "notes.txt"), "a file of unknown kind goes to failed/")
	require.NoFileExists(t, unknown)

	const reason = "cannot tell the kind of notes.txt: put it into inbox/<kind>/ or name it after its kind (" +
		"sbeat_students, sbeat_exams, sbeat_identities, sbeat_courses, sbeat_applicants, ekvv, fs_persons, ranking, uni_bewerbungen, uni_bewerber_auth)"
	runs, err := b.store.ImportRunList(context.Background(), 10)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	require.Equal(t, store.ImportFailed, runs[0].Status)
	require.Equal(t, "notes.txt", runs[0].FileName)
	require.Equal(t, "unknown", runs[0].Kind)
	require.Equal(t, reason, runs[0].Error)

	mail := b.rig.awaitIncidentMail(t)
	require.Equal(t, river.EventKindJobCompleted, mail.Kind, "errors: %v", mail.Job.Errors)
	msgs := smtp.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "sestd: import file=notes.txt fails", subjectOf(msgs[0]))
	require.Contains(t, msgs[0].Data, reason)

	// The next scan finds nothing: the file is out of the inbox.
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.InboxArgs{}).Kind)
	var imports int
	require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'import'`).Scan(&imports))
	require.Equal(t, 1, imports)
}
