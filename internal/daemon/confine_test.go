package daemon_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"sestd/internal/admin"
	"sestd/internal/config"
	"sestd/internal/jobs"
)

// An upload whose kind nobody can tell is refused at once, and leaves
// nothing behind.
func TestUploadOfUnknownKindIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	w := startAdminWorld(t, nil)
	body, ct := multipartFile(t, "file", "mystery.bin", []byte("\x00\x01 not a known file\n"))
	status, raw := w.call(t, http.MethodPost, "/api/imports", adminTestToken, body, ct)
	require.Equal(t, http.StatusBadRequest, status, "%s", raw)
	require.Contains(t, string(raw), "cannot tell the kind of mystery.bin")
	require.Contains(t, string(raw), "?kind= for an upload")
	entries, _ := os.ReadDir(filepath.Join(w.inbox, "uploads"))
	require.Empty(t, entries, "the refused upload is not kept")
	var runs struct{ Runs []admin.Run }
	w.api(t, http.MethodGet, "/api/runs?kind=import", nil, http.StatusOK, &runs)
	require.Empty(t, runs.Runs, "no job was queued")

	// With the kind named, the same file is taken.
	body, ct = multipartFile(t, "file", "mystery.bin", []byte("RANGLISTE;BEWERBER_ID;RANG\nL1;B1;1\n"))
	status, raw = w.call(t, http.MethodPost, "/api/imports?kind=ranking", adminTestToken, body, ct)
	require.Equal(t, http.StatusAccepted, status, "%s", raw)
}

// POST /api/jobs/import reads only below the inbox and the directories of
// import.allowed_dirs, symlinks resolved; rejects go only below the inbox.
func TestImportByPathIsConfined(t *testing.T) {
	t.Parallel()
	allowed := t.TempDir()
	w := startAdminWorld(t, func(c *config.Config) { c.Import.AllowedDirs = []string{allowed} })
	require.NoError(t, os.MkdirAll(w.inbox, 0o700))

	outside := filepath.Join(t.TempDir(), "ranking.csv")
	require.NoError(t, os.WriteFile(outside, []byte("RANGLISTE;BEWERBER_ID;RANG\nL1;B1;1\n"), 0o600))
	link := filepath.Join(w.inbox, "ranking-link.csv")
	require.NoError(t, os.Symlink(outside, link))
	dirLink := filepath.Join(w.inbox, "elsewhere")
	require.NoError(t, os.Symlink(filepath.Dir(outside), dirLink))

	for name, c := range map[string]struct {
		args any
		want string
	}{
		"a system file":                 {map[string]any{"path": "/etc/passwd", "kind": "ranking"}, "/etc/passwd is outside the directories an import may read"},
		"a file outside":                {map[string]any{"path": outside}, outside + " is outside the directories an import may read"},
		"a symlink in the inbox":        {map[string]any{"path": link}, link + " (which is " + outside + ") is outside"},
		"through a symlinked directory": {map[string]any{"path": filepath.Join(dirLink, "ranking.csv")}, "is outside the directories an import may read"},
		"dot-dot out of the inbox":      {map[string]any{"path": w.inbox + "/../" + filepath.Base(w.inbox) + "x/a.csv", "kind": "ranking"}, "does not exist on the server"},
		"a relative path":               {map[string]any{"path": "ranking.csv"}, "must be an absolute path"},
		"rejects elsewhere":             {map[string]any{"path": link, "rejects_dir": "/etc"}, `unknown field "rejects_dir"`},
		"moving files elsewhere":        {map[string]any{"path": link, "from_inbox": true}, `unknown field "from_inbox"`},
	} {
		var e struct{ Error string }
		w.api(t, http.MethodPost, "/api/jobs/import", c.args, http.StatusBadRequest, &e)
		require.Contains(t, e.Error, c.want, name)
	}
	var runs struct{ Runs []admin.Run }
	w.api(t, http.MethodGet, "/api/runs?kind=import", nil, http.StatusOK, &runs)
	require.Empty(t, runs.Runs, "nothing refused was queued")

	// A file of an allowed directory is imported; its rejects go to the
	// inbox's rejects/, not beside it.
	good := filepath.Join(allowed, "ranking.csv")
	require.NoError(t, os.WriteFile(good, []byte("RANGLISTE;BEWERBER_ID;RANG\nL1;B1;1\nL1;B2;zwei\n"), 0o600))
	run := w.trigger(t, "import", map[string]any{"path": good, "mode": "create"})
	require.Equal(t, "completed", run.State, "%v", run.Errors)
	beside, _ := filepath.Glob(filepath.Join(allowed, "*rejects*"))
	require.Empty(t, beside, "nothing is written into the allowed directory")
	rejects, _ := filepath.Glob(filepath.Join(w.inbox, "rejects", "*rejects*"))
	require.Len(t, rejects, 1)
	raw, err := os.ReadFile(rejects[0])
	require.NoError(t, err)
	require.Contains(t, string(raw), "zwei")

	// A file of the inbox is imported as before, rejects beside it.
	inInbox := filepath.Join(w.inbox, "ranking-2.csv")
	require.NoError(t, os.WriteFile(inInbox, []byte("RANGLISTE;BEWERBER_ID;RANG\nL2;B1;1\nL2;B2;x\n"), 0o600))
	run = w.trigger(t, "import", map[string]any{"path": inInbox, "mode": "create"})
	require.Equal(t, "completed", run.State, "%v", run.Errors)
	beside, _ = filepath.Glob(filepath.Join(w.inbox, "ranking-2*rejects*"))
	require.Len(t, beside, 1)
}

// The check is made again when the job runs: a job whose file was swapped
// for a symlink after it was queued, or one put on the queue by other
// means, is cancelled without reading the file.
func TestImportJobChecksItsPathWhenItRuns(t *testing.T) {
	t.Parallel()
	w := startAdminWorld(t, nil)
	require.NoError(t, os.MkdirAll(w.inbox, 0o700))
	secret := filepath.Join(t.TempDir(), "ranking-secret.csv")
	require.NoError(t, os.WriteFile(secret, []byte("RANGLISTE;BEWERBER_ID;RANG\nL9;B9;1\n"), 0o600))
	swapped := filepath.Join(w.inbox, "ranking-swapped.csv")
	require.NoError(t, os.Symlink(secret, swapped))
	inInbox := filepath.Join(w.inbox, "ranking-ok.csv")
	require.NoError(t, os.WriteFile(inInbox, []byte("RANGLISTE;BEWERBER_ID;RANG\nL8;B8;x\n"), 0o600))

	ctx := context.Background()
	inserter, err := river.NewClient(riverpgxv5.New(w.pool), &river.Config{})
	require.NoError(t, err)
	for _, c := range []struct {
		args jobs.ImportArgs
		want string
	}{
		{jobs.ImportArgs{Path: swapped, FileKind: "ranking", Mode: "create"}, swapped + " (which is " + secret + ") is outside the directories an import may read"},
		{jobs.ImportArgs{Path: secret, FileKind: "ranking", Mode: "create"}, secret + " is outside the directories an import may read"},
		{jobs.ImportArgs{Path: inInbox, FileKind: "ranking", Mode: "create", RejectsDir: "/etc"}, "rejects directory /etc is outside import.inbox_dir"},
	} {
		t.Run(c.want, func(t *testing.T) {
			res, err := inserter.Insert(ctx, c.args, nil)
			require.NoError(t, err)
			run := w.waitJob(t, res.Job.ID)
			require.Equal(t, "cancelled", run.State, "%+v", c.args)
			require.Len(t, run.Errors, 1)
			require.Contains(t, run.Errors[0].Error, c.want)
		})
	}
	_, err = os.Stat("/etc/ranking-ok.rejects.csv")
	require.ErrorIs(t, err, os.ErrNotExist)
	var n int
	require.NoError(t, w.pool.QueryRow(ctx, `SELECT count(*) FROM import_runs`).Scan(&n))
	require.Zero(t, n, "no file was imported")
}
