package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/testdb"
)

// sestd import without --mode imports a full export: week two's file
// updates the one changed student, a truncated file is refused with the
// counts and the way to force it, and --force lets it through.
func TestImportCommandSyncsFullExports(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	env := map[string]string{"SESTD_DATABASE_URL": pool.Config().ConnString(), "SESTD_LOG_FORMAT": "json"}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}

	out, errOut, err := runCLI(t, env, "import", write("studentendaten_1.csv", "IDENTNR;STG\n1;WR\n2;BWL\n3;MB\n"))
	require.NoError(t, err, errOut)
	require.Regexp(t, `kind / mode\s+sbeat_students / sync`, out)
	require.Regexp(t, `created\s+3\n`, out)

	out, errOut, err = runCLI(t, env, "import", write("studentendaten_2.csv", "IDENTNR;STG\n1;WR\n2;VWL\n3;MB\n"))
	require.NoError(t, err, errOut)
	require.Regexp(t, `updated\s+1\n`, out)
	require.Regexp(t, `unchanged\s+2\n`, out)

	truncated := write("studentendaten_3.csv", "IDENTNR;STG\n1;WR\n")
	_, _, err = runCLI(t, env, "import", truncated)
	require.ErrorContains(t, err, "this full export lacks 2 of the 3 stored sbeat_student rows of its scope (67 %")
	require.ErrorContains(t, err, "sestd import --force")
	require.NotContains(t, err.Error(), "SQLSTATE")
	require.Equal(t, exitFailed, exitCode(err))
	var status string
	var stored int
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT status FROM import_runs WHERE file_name LIKE '%studentendaten_3.csv' ORDER BY id DESC LIMIT 1`).Scan(&status))
	require.Equal(t, "failed", status, "the refused export is in the history as failed")
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT count(*) FROM sbeat_student`).Scan(&stored))
	require.Equal(t, 3, stored, "the refused export removed nothing")

	out, errOut, err = runCLI(t, env, "import", "--force", truncated)
	require.NoError(t, err, errOut)
	require.Regexp(t, `removed\s+2\n`, out)
}
