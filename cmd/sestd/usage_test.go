package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/testdb"
)

const knownKinds = "sbeat_students, sbeat_exams, sbeat_identities, sbeat_courses, sbeat_applicants, ekvv, fs_persons, ranking, uni_bewerbungen, uni_bewerber_auth"

// A wrong kind, mode or encoding given to `sestd import` is a usage error
// (exit 2) naming the allowed values; nothing is queued or recorded.
func TestImportUsageErrorsQueueNothing(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	env := map[string]string{"SESTD_DATABASE_URL": pool.Config().ConnString(), "SESTD_LOG_FORMAT": "json", "SESTD_LOG_LEVEL": "error"}
	file := filepath.Join(t.TempDir(), "student_data.csv")
	require.NoError(t, os.WriteFile(file, []byte(studentHeader+student("1", "Gymnasium")), 0o600))
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--mode", "nope"}, `usage error: unknown mode "nope" (sync, create, update, remove, upsert)`},
		{[]string{"--encoding", "ebcdic"}, `usage error: unknown encoding "ebcdic" (known: auto, utf8, windows-1252, cp437, ascii, latin_1, utf-16le, utf-16be, utf-16)`},
		{[]string{"--kind", "nope"}, `usage error: unknown kind "nope" (known: ` + knownKinds + `)`},
	} {
		_, _, err := runCLI(t, env, append(append([]string{"import"}, tc.args...), file)...)
		require.Error(t, err, tc.args)
		require.Equal(t, exitUsage, exitCode(err), "%v: %v", tc.args, err)
		require.EqualError(t, err, tc.msg)
	}
	var jobs, runs int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM river_job), (SELECT count(*) FROM import_runs)`).Scan(&jobs, &runs))
	require.Zero(t, jobs, "nothing queued")
	require.Zero(t, runs, "no import run recorded")
}

// The admin API refuses a wrong encoding, mode or kind at once (400), for
// an upload and for a triggered import; nothing is queued.
func TestImportArgumentsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	const token = "cli-test-token-0123456789"
	drop := t.TempDir()
	addr, pool := startDaemonWith(t, token, func(cfg *config.Config) { cfg.Import.AllowedDirs = []string{drop} })
	env := map[string]string{"SESTD_ADMIN_LISTEN": addr, "SESTD_ADMIN_TOKEN": token, "SESTD_LOG_FORMAT": "json"}

	upload := func(query string) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		part, err := mw.CreateFormFile("file", "ranking.csv")
		require.NoError(t, err)
		_, err = part.Write([]byte("BEWERBUNG;RANG\nB1;1\n"))
		require.NoError(t, err)
		require.NoError(t, mw.Close())
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/api/imports?"+query, &buf)
		require.NoError(t, err)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body struct {
			Error string `json:"error"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp.StatusCode, body.Error
	}
	code, msg := upload("kind=ranking&encoding=ebcdic")
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, `import arguments: unknown encoding "ebcdic" (known: auto, utf8, windows-1252, cp437, ascii, latin_1, utf-16le, utf-16be, utf-16)`, msg)
	code, msg = upload("kind=ranking&mode=nope")
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, `import arguments: unknown mode "nope" (sync, create, update, remove, upsert)`, msg)

	file := filepath.Join(drop, "student_data.csv")
	require.NoError(t, os.WriteFile(file, []byte(studentHeader+student("1", "Gymnasium")), 0o600))
	_, _, err := runCLI(t, env, "trigger", "import", "--json", fmt.Sprintf(`{"path": %q, "kind": "sbeat_students", "encoding": "ebcdic"}`, file))
	require.Error(t, err)
	require.Contains(t, err.Error(), `admin API: 400 Bad Request: `)
	require.Contains(t, err.Error(), `unknown encoding "ebcdic" (known: auto, utf8, windows-1252, cp437, ascii, latin_1, utf-16le, utf-16be, utf-16)`)

	var jobs int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'import'`).Scan(&jobs))
	require.Zero(t, jobs, "nothing queued")
}

// `sestd import --json` prints the summary on every outcome, a failed one
// included: status failed, the error, the run.
func TestImportJSONOnFailure(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	env := map[string]string{"SESTD_DATABASE_URL": pool.Config().ConnString(), "SESTD_LOG_FORMAT": "json", "SESTD_LOG_LEVEL": "error"}
	file := filepath.Join(t.TempDir(), "student_data.csv")
	require.NoError(t, os.WriteFile(file, []byte("IDENTNR;PNR\n"), 0o600))
	out, _, err := runCLI(t, env, "import", "--json", "--kind", "sbeat_students", file)
	require.Error(t, err)
	require.Equal(t, exitFailed, exitCode(err))
	var sum struct {
		RunID  int64  `json:"run_id"`
		Kind   string `json:"kind"`
		Mode   string `json:"mode"`
		File   string `json:"file"`
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sum), "stdout: %q", out)
	var runID int64
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT id FROM import_runs WHERE file_name = 'student_data.csv'`).Scan(&runID))
	require.Equal(t, runID, sum.RunID)
	require.Equal(t, "sbeat_students", sum.Kind)
	require.Equal(t, "sync", sum.Mode)
	require.Equal(t, "student_data.csv", sum.File)
	require.Equal(t, "failed", sum.Status)
	require.Contains(t, sum.Error, "the header lacks the required column(s) STG")
	require.NotContains(t, sum.Error, "JobCancelError", "River's prefix is not for people")
	require.NotContains(t, err.Error(), "JobCancelError")
}
