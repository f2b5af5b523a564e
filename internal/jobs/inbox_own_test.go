package jobs_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/importers"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
)

const ownStudents = "IDENTNR;STG;IMMDAT;EXMDAT;SPERRART1;PNR;PDATUM;GESCHL;GEBDAT;HZBNOTE;HZBDATUM;HZBART;HZBGRP;KUERZEL\n" +
	"100001;WR;01.03.2012;;;;;W;19.11.1989;200;04.03.2008;3;x;admin\n" +
	"999999;WR;31.02.2012;;;;;W;19.11.1989;200;04.03.2008;3;x;admin\n"

// The inbox scan leaves sestd's own files alone (rejects beside a file,
// the rejects/ folder of allowed directories) and does not import again a
// file an operator imported by hand in another mode.
func TestInboxScanSkipsOwnFilesAndHandImports(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	inbox := filepath.Join(root, "inbox")
	allowed := filepath.Join(root, "drop")
	b := setup(t, options{sim: sim.Config{Seed: 1, Bewerbungen: 5}, configure: func(c *config.Config) {
		c.Import.InboxDir = inbox
		c.Import.AllowedDirs = []string{allowed}
	}})
	ctx := context.Background()
	old := time.Now().Add(-time.Hour)
	put := func(p, content string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		require.NoError(t, os.Chtimes(p, old, old))
	}
	age := func(p string) { require.NoError(t, os.Chtimes(p, old, old)) }

	// A file of an allowed directory: its rejects go to inbox/rejects/.
	outside := filepath.Join(allowed, "student_data.csv")
	put(outside, strings.Replace(ownStudents, "100001", "100002", 1))
	ev := b.run(t, jobs.ImportArgs{Path: outside, FileKind: "sbeat_students"})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	outsideRejects := filepath.Join(inbox, "rejects", "student_data.rejects.csv")
	require.FileExists(t, outsideRejects)
	age(outsideRejects)

	// A file in the inbox imported by hand in mode upsert: its rejects lie
	// beside it.
	hand := filepath.Join(inbox, "sbeat_students", "week2.csv")
	put(hand, ownStudents)
	ev = b.run(t, jobs.ImportArgs{Path: hand, FileKind: "sbeat_students", Mode: "upsert"})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	handRejects := filepath.Join(inbox, "sbeat_students", "week2.rejects.csv")
	require.FileExists(t, handRejects)
	age(handRejects)
	// A report of missing rows lying there is sestd's too.
	put(filepath.Join(inbox, "sbeat_students", "week1.missing.csv"), "table;key;note\n")
	put(filepath.Join(inbox, "week0.rejects-7.csv"), ownStudents)

	var runsBefore int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM import_runs`).Scan(&runsBefore))
	require.Equal(t, 2, runsBefore)

	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.InboxArgs{}).Kind)
	ev = b.rig.awaitImport(t)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	var queued jobs.ImportArgs
	require.NoError(t, json.Unmarshal(ev.Job.EncodedArgs, &queued))
	require.Equal(t, hand, queued.Path, "the scan queues the operator's file, nothing of sestd's")
	var out importers.Summary
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &out))
	require.True(t, out.AlreadyImported, "imported by hand in mode upsert: not imported again in mode sync")

	var imports, runs int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'import'`).Scan(&imports))
	require.Equal(t, 3, imports, "two by hand, one by the scan")
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM import_runs`).Scan(&runs))
	require.Equal(t, 2, runs, "no new import run")

	require.FileExists(t, filepath.Join(inbox, "sbeat_students", "processed", "week2.csv"), "the imported-before file leaves the inbox")
	require.FileExists(t, outsideRejects, "inbox/rejects/ is not a kind folder")
	// The hand import's rejects went with the file, and its run says so.
	require.NoFileExists(t, handRejects)
	movedRejects := filepath.Join(inbox, "sbeat_students", "processed", "week2.rejects.csv")
	require.FileExists(t, movedRejects)
	var handRun string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT rejects_path FROM import_runs WHERE file_name = 'week2.csv'`).Scan(&handRun))
	require.Equal(t, movedRejects, handRun)
	require.Equal(t, movedRejects, out.RejectsFile)
	require.FileExists(t, filepath.Join(inbox, "sbeat_students", "week1.missing.csv"))
	require.FileExists(t, filepath.Join(inbox, "week0.rejects-7.csv"))
	require.NoDirExists(t, filepath.Join(inbox, "failed"))
	require.NoDirExists(t, filepath.Join(inbox, "rejects", "failed"))

	// The rejects file of the allowed directory's run is still served.
	var rejectsPath string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT rejects_path FROM import_runs ORDER BY id LIMIT 1`).Scan(&rejectsPath))
	require.Equal(t, outsideRejects, rejectsPath)

	// A file the scan imports and fails (every row rejected) goes to
	// failed/ with its rejects beside it, not in processed/.
	bad := filepath.Join(inbox, "ranking", "week3.csv")
	put(bad, "rangliste;bewerber_id;rang\nSP-1-HQ;B1;eins\n")
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.InboxArgs{}).Kind)
	ev = b.rig.awaitImport(t)
	require.Equal(t, river.EventKindJobCancelled, ev.Kind)
	failedRejects := filepath.Join(inbox, "ranking", "failed", "week3.rejects.csv")
	require.FileExists(t, filepath.Join(inbox, "ranking", "failed", "week3.csv"))
	require.FileExists(t, failedRejects)
	require.NoFileExists(t, filepath.Join(inbox, "ranking", "processed", "week3.rejects.csv"))
	var runErr string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT rejects_path, error FROM import_runs WHERE file_name = 'week3.csv'`).Scan(&rejectsPath, &runErr))
	require.Equal(t, failedRejects, rejectsPath)
	require.Contains(t, runErr, "(the reasons are in "+failedRejects+")")
	require.Contains(t, lastError(ev), "(the reasons are in "+failedRejects+")")
	files, err := importers.ScanInbox(inbox)
	require.NoError(t, err)
	require.Empty(t, files, "nothing of sestd's is an input: %v", files)
}

func TestIsOwnOutput(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"x.rejects.csv":         true,
		"x.rejects-12.csv":      true,
		"x.rejects.xml":         true,
		"x.rejects.rejects.csv": true,
		"x.missing.csv":         true,
		"x.missing-3.csv":       true,
		"x.csv":                 false,
		"rejects.csv":           false,
		"x.missing.xml":         false,
		"x.rejects-a.csv":       false,
		"x.rejected.csv":        false,
		"sbeat_students.csv":    false,
	} {
		require.Equal(t, want, importers.IsOwnOutput(name), name)
	}
}

// awaitImport waits for the next finished import job (one the inbox scan
// queued).
func (r *rig) awaitImport(t *testing.T) *river.Event {
	t.Helper()
	timeout := time.After(3 * time.Minute)
	for {
		select {
		case ev := <-r.events:
			if ev.Job.Kind == "import" && ev.Kind != river.EventKindJobSnoozed {
				return ev
			}
		case <-timeout:
			t.Fatal("no import job finished within 3 minutes")
		}
	}
}
