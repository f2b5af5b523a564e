package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"sestd/internal/testdb"
)

// importEnv is a database and a directory for `sestd import` of files
// written by hand.
type importEnv struct {
	pool *pgxpool.Pool
	env  map[string]string
	dir  string
}

func newImportEnv(t *testing.T) importEnv {
	t.Helper()
	pool := testdb.New(t)
	return importEnv{pool: pool, dir: t.TempDir(),
		env: map[string]string{"SESTD_DATABASE_URL": pool.Config().ConnString(), "SESTD_LOG_FORMAT": "json"}}
}

func (e importEnv) write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(e.dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func (e importEnv) count(t *testing.T, query string) int {
	t.Helper()
	var n int
	require.NoError(t, e.pool.QueryRow(context.Background(), query).Scan(&n))
	return n
}

// A classic Mac file (lone CR line ends) reads its rows; a full export
// without data rows never removes the stored rows, not even forced.
func TestImportCROnlyAndEmptyFullExport(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	out, errOut, err := runCLI(t, e.env, "import", e.write(t, "studentendaten_1.csv", "IDENTNR;STG\n1;WR\n2;BWL\n"))
	require.NoError(t, err, errOut)
	require.Regexp(t, `created\s+2\n`, out)

	out, errOut, err = runCLI(t, e.env, "import", e.write(t, "studentendaten_mac.csv", "IDENTNR;STG\r1;WR\r2;BWL\r3;MB\r"))
	require.NoError(t, err, errOut)
	require.Regexp(t, `read\s+3\n`, out)
	require.Regexp(t, `created\s+1\n`, out)
	require.Regexp(t, `unchanged\s+2\n`, out)
	require.Equal(t, 3, e.count(t, `SELECT count(*) FROM sbeat_student`))

	for _, content := range []string{"IDENTNR;STG\n", "IDENTNR;STG"} {
		_, _, err = runCLI(t, e.env, "import", "--force", e.write(t, "studentendaten_leer.csv", content))
		require.ErrorContains(t, err, "the file holds no data rows, and as a full export it would remove all 3 stored rows of its scope; nothing removed")
		require.Equal(t, 3, e.count(t, `SELECT count(*) FROM sbeat_student`), "nothing removed")
	}
}

// A header naming a column twice is refused, naming both positions; a
// column the kind does not have is imported around and reported.
func TestImportHeaderDuplicateAndUnknownColumns(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	_, _, err := runCLI(t, e.env, "import", "--kind", "sbeat_students",
		e.write(t, "dup.csv", "IDENTNR;STG;IMMDAT;IDENTNR\n1;WR;01.03.2012;2\n"))
	require.Error(t, err)
	require.Equal(t, exitFailed, exitCode(err))
	require.ErrorContains(t, err, "the header names column IDENTNR twice: as IDENTNR in column 1 and as IDENTNR in column 4; remove one of them")
	require.Zero(t, e.count(t, `SELECT count(*) FROM sbeat_student`))

	out, errOut, err := runCLI(t, e.env, "import", "--kind", "sbeat_students",
		e.write(t, "typo.csv", "IDENTNR;STG;HZBNOTEE\n1;WR;200\n"))
	require.NoError(t, err, errOut)
	require.Regexp(t, `created\s+1\n`, out)
	require.Regexp(t, `note\s+column HZBNOTEE is not a column of sbeat_students; ignored\n`, out)
	require.Contains(t, errOut, `"level":"warn"`)
	require.Contains(t, errOut, `"columns":["HZBNOTEE"]`)
	var note string
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT note FROM import_runs WHERE file_name = 'typo.csv'`).Scan(&note))
	require.Equal(t, "column HZBNOTEE is not a column of sbeat_students; ignored", note)
}

// The reasons in a cp437 rejects file are readable: × (which cp437 lacks)
// becomes x, not the encoder's substitute byte 0x1A; the file's own
// characters stay as they were.
func TestImportCP437RejectsAreReadable(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	// "Prüfung" in cp437: ü is 0x81.
	file := e.write(t, "exams.csv", "IDENTNR;PNR;PSEM;PDTXT;PNOTE\r\n1;100;20241;Pr\x81fung;170\r\n2;100;20241;Pr\x81fung;abc\r\n")
	_, _, err := runCLI(t, e.env, "import", "--kind", "sbeat_exams", "--encoding", "cp437", file)
	require.Error(t, err)
	require.Equal(t, exitPartial, exitCode(err))
	rej, err := os.ReadFile(filepath.Join(e.dir, "exams.rejects.csv"))
	require.NoError(t, err)
	require.NotContains(t, string(rej), "\x1a")
	require.Contains(t, string(rej), "2;100;20241;Pr\x81fung;abc;3;")
	require.Contains(t, string(rej), `;3;"PNOTE: ""abc"" is not a grade x100 (e.g. 170 for 1,7)"`)
}
