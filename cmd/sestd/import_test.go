package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/testdb"
)

func TestImportCommandImportsAndWaits(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	env := map[string]string{"SESTD_DATABASE_URL": pool.Config().ConnString(), "SESTD_LOG_FORMAT": "json"}
	dir := t.TempDir()
	src, err := os.ReadFile("../../internal/importers/testdata/s-beat/student_data.csv")
	require.NoError(t, err)
	// A broken row in the middle: an impossible immatriculation date.
	lines := string(src)
	file := filepath.Join(dir, "student_data.csv")
	require.NoError(t, os.WriteFile(file, []byte(lines+"999999;WR;31.02.2012;;;;;W;19.11.1989;200;04.03.2008;3;x;admin\n"), 0o600))

	out, errOut, err := runCLI(t, env, "import", "--kind", "sbeat_students", file)
	require.Error(t, err, errOut)
	require.Equal(t, exitPartial, exitCode(err), "some rows rejected, the rest imported")
	require.Contains(t, out, "status")
	require.Regexp(t, `created\s+[1-9]`, out)
	require.Regexp(t, `rejected\s+1\b`, out)
	require.Contains(t, out, "rejects")
	require.Contains(t, errOut, "enqueued as job")

	var n int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM import_runs WHERE status = 'partial'`).Scan(&n))
	require.Equal(t, 1, n)

	out, _, err = runCLI(t, env, "import", "--kind", "sbeat_students", file)
	require.NoError(t, err)
	var runID int64
	var finished time.Time
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT id, finished_at FROM import_runs WHERE status = 'partial'`).Scan(&runID, &finished))
	require.Equal(t, fmt.Sprintf("the same bytes as student_data.csv were imported in run %d (%s, partial); skipped — use --force to import it again\n",
		runID, finished.Local().Format("2006-01-02 15:04:05")), out, "the same file is not imported twice")

	// A copy under another name: the text names the file imported then.
	copied := filepath.Join(dir, "s9.csv")
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(copied, raw, 0o600))
	out, _, err = runCLI(t, env, "import", "--kind", "sbeat_students", copied)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("the same bytes as student_data.csv were imported in run %d (%s, partial); skipped — use --force to import it again\n",
		runID, finished.Local().Format("2006-01-02 15:04:05")), out, "a copy is not imported twice")
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM import_runs`).Scan(&n))
	require.Equal(t, 1, n, "a skipped delivery records no run")

	_, _, err = runCLI(t, env, "import", filepath.Join(dir, "mystery.txt"))
	require.ErrorContains(t, err, "cannot read the file")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mystery.txt"), []byte("x"), 0o600))
	_, _, err = runCLI(t, env, "import", filepath.Join(dir, "mystery.txt"))
	require.ErrorContains(t, err, "--kind")
}
