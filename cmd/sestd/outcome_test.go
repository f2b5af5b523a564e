package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/testdb"
)

const studentHeader = "IDENTNR;STG;IMMDAT;EXMDAT;SPERRART1;PNR;PDATUM;GESCHL;GEBDAT;HZBNOTE;HZBDATUM;HZBART;HZBGRP;KUERZEL\n"

// student is a valid S-BEAT student row whose HZBGRP is hzbgrp (raw bytes,
// in whatever encoding the test wants).
func student(id, hzbgrp string) string {
	return id + ";WR;01.03.2012;31.08.2013;;;;W;19.11.1989;200;04.03.2008;3;" + hzbgrp + ";admin\n"
}

// Exit status and message of `sestd import` for each outcome (issue 16:
// outcomes are true, encodings never guessed wrong silently).
func TestImportOutcomesAndEncodings(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	env := map[string]string{"SESTD_DATABASE_URL": pool.Config().ConnString(), "SESTD_LOG_FORMAT": "json", "SESTD_LOG_LEVEL": "error"}
	dir := t.TempDir()
	put := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	status := func(file string) (string, string) {
		var st, msg string
		require.NoError(t, pool.QueryRow(context.Background(),
			`SELECT status, error FROM import_runs WHERE file_name = $1 ORDER BY id DESC LIMIT 1`, file).Scan(&st, &msg))
		return st, msg
	}
	const ue8, ue1252 = "\xc3\x9c", "\xdc" // Ü in UTF-8 and in windows-1252

	for _, tc := range []struct {
		name, file, content string
		args                []string
		code                int    // exit status
		msg                 string // in the error (empty: none)
		status              string // of the import run
	}{
		{"all rows in", "all.csv", studentHeader + student("1", "Gymnasium") + student("2", "Fachoberschule"), nil, 0, "", "succeeded"},
		{"some rejected", "some.csv", studentHeader + student("3", "Gymnasium") + "4;WR;31.02.2012;;;;;W;19.11.1989;200;04.03.2008;3;x;admin\n", nil,
			3, "1 of 2 rows rejected (listed in " + dir + "/some.rejects.csv); the rest is imported", "partial"},
		{"every row rejected", "none.csv", studentHeader + "5;WR;31.02.2012;;;;;W;19.11.1989;200;04.03.2008;3;x;admin\n", nil,
			1, "every row was rejected: all 1 rows; nothing imported (the reasons are in " + dir + "/none.rejects.csv)", "failed"},
		{"one rejected, one skipped", "skip.csv", studentHeader + "13;WR;01.03.2012;31.08.2013;01;;;W;19.11.1989;200;04.03.2008;3;Gymnasium;admin\n" +
			"14;WR;31.02.2012;;;;;W;19.11.1989;200;04.03.2008;3;x;admin\n", nil,
			1, "every row was rejected: 1 rows rejected, the other 1 skipped; nothing imported (the reasons are in " + dir + "/skip.rejects.csv)", "failed"},
		{"required column missing, no rows", "header.csv", "IDENTNR;PNR\n", nil,
			1, "the header lacks the required column(s) STG", "failed"},
		{"binary", "binary.csv", "\x00\x01\x02\xff\xfe\x89PNG\r\n\x1a\n\x00\x00", nil,
			1, "not a text file: a NUL byte (0x00) at line 1 (byte offset 0)", "failed"},
		{"ELF", "elf.csv", "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00", nil,
			1, "not a text file: a control byte 0x7F at line 1 (byte offset 0)", "failed"},
		{"gzip", "gz.csv", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcbH\xcd\xc9\xc9\x07\x00", nil,
			1, "not a text file: a control byte 0x1F at line 1 (byte offset 0)", "failed"},
		{"NUL-padded tail", "padded.csv", studentHeader + student("15", "Gymnasium") + "\x00\x00\x00\x00\x00\x00\x00\x00", nil,
			1, "not a text file: a NUL byte (0x00) at line 3 (byte offset 177)", "failed"},
		{"auto, UTF-8 with one windows-1252 line", "mixed.csv", studentHeader + student("6", "Gymnasium "+ue8) + student("7", "Gymnasium "+ue1252) + student("8", "Gymnasium "+ue8), nil,
			1, "the file mixes UTF-8 with another encoding: bytes that are not UTF-8 at line 3, UTF-8 characters at lines 2, 4; save the file again as UTF-8 (or correct the lines that are not) and import it again", "failed"},
		{"UTF-8 forced to windows-1252", "forced.csv", studentHeader + student("9", "Gymnasium "+ue8), []string{"--encoding", "windows-1252"},
			1, "the file holds UTF-8 characters (at line 2) but is to be read as windows-1252, which would garble them (ü as Ã¼): import it with encoding utf8 (or auto); only if the file really is windows-1252, import it with trust_encoding (--trust-encoding)", "failed"},
		{"declared utf8, is windows-1252", "latin.csv", studentHeader + student("10", "Gymnasium "+ue1252), []string{"--encoding", "utf-8"},
			1, "the file is not valid UTF-8 (at line 2); it looks like windows-1252: import it with encoding windows-1252 (or auto)", "failed"},
		{"auto, windows-1252", "cp.csv", studentHeader + student("11", "Gymnasium "+ue1252), nil, 0, "", "succeeded"},
		{"windows-1252 trusted", "trusted.csv", studentHeader + student("12", "Gymnasium "+ue8), []string{"--encoding", "windows-1252", "--trust-encoding"}, 0, "", "succeeded"},
		{"Excel's Unicode text: UTF-16LE, tabs", "unicode.csv", unicodeText(studentHeader + student("16", "Gymnasium Ü")), nil, 0, "", "succeeded"},
		{"UTF-16 cut short", "cut.csv", unicodeText(studentHeader + student("17", "Gymnasium Ü"))[:101], nil,
			1, "damaged UTF-16: cut.csv is utf-16le (its byte order mark) but ends in half a character at line 1: it has an odd number of bytes (101)", "failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each file adds students (a partial delivery, mode upsert): as
			// full exports each would remove the students of the one before.
			args := append(append([]string{"import", "--kind", "sbeat_students", "--mode", "upsert"}, tc.args...), put(tc.file, tc.content))
			_, errOut, err := runCLI(t, env, args...)
			if tc.code == 0 {
				require.NoError(t, err, errOut)
			} else {
				require.Error(t, err)
				require.Equal(t, tc.code, exitCode(err), "exit status; error: %v", err)
				require.ErrorContains(t, err, tc.msg)
			}
			st, _ := status(tc.file)
			require.Equal(t, tc.status, st)
		})
	}
	// What was imported is what the files say.
	var got string
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT hzbgrp FROM sbeat_student WHERE identnr = '11'`).Scan(&got))
	require.Equal(t, "Gymnasium Ü", got, "windows-1252 detected")
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT hzbgrp FROM sbeat_student WHERE identnr = '12'`).Scan(&got))
	require.Equal(t, "Gymnasium Ãœ", got, "trusted: read as the operator said")
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT hzbgrp FROM sbeat_student WHERE identnr = '16'`).Scan(&got))
	require.Equal(t, "Gymnasium Ü", got, "UTF-16 found by its BOM")
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM sbeat_student WHERE identnr IN ('5', '6', '7', '8', '9', '10', '13', '14', '15', '17')`).Scan(&n))
	require.Zero(t, n, "nothing of a failed file is imported")
	_, msg := status("none.csv")
	require.Equal(t, "nothing imported: permanent import failure: every row was rejected: all 1 rows; nothing imported (the reasons are in "+dir+"/none.rejects.csv)", msg)
	require.FileExists(t, filepath.Join(dir, "none.rejects.csv"), "the rejects of a file whose every row was rejected are kept")
}

// trigger --wait runs an identical job waiting in its backoff or scheduled
// for later at once, and follows it (issue 16).
func TestTriggerWaitRunsAWaitingDuplicateNow(t *testing.T) {
	t.Parallel()
	const token = "cli-test-token-0123456789"
	drop := t.TempDir() // where the import below comes from: an import directory of the config
	addr, pool := startDaemonWith(t, token, func(cfg *config.Config) { cfg.Import.AllowedDirs = []string{drop} })
	env := map[string]string{"SESTD_ADMIN_LISTEN": addr, "SESTD_ADMIN_TOKEN": token, "SESTD_LOG_FORMAT": "json"}
	ctx := context.Background()
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)

	for _, state := range []string{"scheduled", "retryable"} {
		t.Run(state, func(t *testing.T) {
			res, err := inserter.Insert(ctx, jobs.SelftestArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour), MaxAttempts: 3})
			require.NoError(t, err)
			id := res.Job.ID
			if state == "retryable" {
				_, err = pool.Exec(ctx, `UPDATE river_job SET state = 'retryable', attempt = 1,
					errors = ARRAY['{"at":"2026-01-01T00:00:00Z","attempt":1,"error":"injected"}'::jsonb] WHERE id = $1`, id)
				require.NoError(t, err)
			}
			out, errOut, err := runCLI(t, env, "trigger", "selftest", "--wait", "--poll", "100ms")
			require.NoError(t, err, errOut)
			require.Contains(t, errOut, fmt.Sprintf("waiting for selftest, job %d (it was waiting to be retried or scheduled for later; it runs now)", id))
			require.Regexp(t, fmt.Sprintf(`job %d \(selftest\) completed after \d attempt`, id), out)
		})
	}

	// Import history through the admin API: start ≤ finish, a duration in
	// seconds.
	file := filepath.Join(drop, "students.csv")
	require.NoError(t, os.WriteFile(file, []byte(studentHeader+student("1", "Gymnasium")), 0o600))
	_, errOut, err := runCLI(t, env, "trigger", "import", "--json", fmt.Sprintf(`{"path": %q, "kind": "sbeat_students"}`, file), "--wait", "--poll", "100ms")
	require.NoError(t, err, errOut)
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/api/imports", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var list struct {
		Imports []map[string]any `json:"imports"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	require.Len(t, list.Imports, 1)
	run := list.Imports[0]
	require.Equal(t, "succeeded", run["status"])
	started, err := time.Parse(time.RFC3339Nano, run["started_at"].(string))
	require.NoError(t, err)
	finished, err := time.Parse(time.RFC3339Nano, run["finished_at"].(string))
	require.NoError(t, err)
	require.False(t, finished.Before(started), "finished %s before started %s", finished, started)
	require.Contains(t, run, "duration_seconds")
	require.NotContains(t, run, "duration", "no duration without a unit")
	secs := run["duration_seconds"].(float64)
	span := finished.Sub(started)
	require.LessOrEqual(t, secs, span.Seconds(), "the duration is the span from start to finish")
	require.Greater(t, secs, (span - time.Millisecond).Seconds(), "the duration is the span from start to finish (whole ms)")

	// The same file again: skipped, exit 0, and said so (not "rejected 0
	// of 0 rows").
	out, errOut, err := runCLI(t, env, "trigger", "import", "--json", fmt.Sprintf(`{"path": %q, "kind": "sbeat_students"}`, file), "--wait", "--poll", "100ms")
	require.NoError(t, err, errOut)
	require.Contains(t, out, fmt.Sprintf("the same bytes as students.csv were imported in run %d (%s, succeeded); skipped — use force to import it again\n",
		int64(run["id"].(float64)), finished.Local().Format("2006-01-02 15:04:05")))
	// A copy under another name: the text names the file imported then.
	copied := filepath.Join(filepath.Dir(file), "s9.csv")
	require.NoError(t, os.WriteFile(copied, []byte(studentHeader+student("1", "Gymnasium")), 0o600))
	out, errOut, err = runCLI(t, env, "trigger", "import", "--json", fmt.Sprintf(`{"path": %q, "kind": "sbeat_students"}`, copied), "--wait", "--poll", "100ms")
	require.NoError(t, err, errOut)
	require.Contains(t, out, fmt.Sprintf("the same bytes as students.csv were imported in run %d (%s, succeeded); skipped — use force to import it again\n",
		int64(run["id"].(float64)), finished.Local().Format("2006-01-02 15:04:05")))

	// Exit status of trigger --wait: 3 for an import that rejected rows,
	// 1 for a job cancelled for good.
	partial := filepath.Join(filepath.Dir(file), "partial.csv")
	require.NoError(t, os.WriteFile(partial, []byte(studentHeader+student("2", "Gymnasium")+"3;WR;31.02.2012;;;;;W;19.11.1989;200;04.03.2008;3;x;admin\n"), 0o600))
	_, _, err = runCLI(t, env, "trigger", "import", "--json", fmt.Sprintf(`{"path": %q, "kind": "sbeat_students", "mode": "upsert"}`, partial), "--wait", "--poll", "100ms")
	require.Error(t, err)
	require.Equal(t, exitPartial, exitCode(err))
	require.Regexp(t, `^job \d+: the import rejected 1 of 2 rows; the rest is imported$`, err.Error())
	bad := filepath.Join(filepath.Dir(file), "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("IDENTNR;PNR\n"), 0o600))
	_, _, err = runCLI(t, env, "trigger", "import", "--json", fmt.Sprintf(`{"path": %q, "kind": "sbeat_students"}`, bad), "--wait", "--poll", "100ms")
	require.Error(t, err)
	require.Equal(t, exitFailed, exitCode(err))
	require.ErrorContains(t, err, "cancelled: importing bad.csv as sbeat_students", "River's JobCancelError prefix is not shown")
	require.NotContains(t, err.Error(), "JobCancelError")
	require.ErrorContains(t, err, "the header lacks the required column(s) STG")
}

// Config mistakes are named by the binary: an unknown SESTD_ variable, a
// type error, the example config left unedited.
func TestConfigMistakesAreNamed(t *testing.T) {
	t.Parallel()
	check := func(env []string, args ...string) (string, int) {
		cmd := exec.Command(sestdBinary(t), append([]string{"config", "check"}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "%s", out)
		return string(out), ee.ExitCode()
	}
	out, code := check([]string{"SESTD_SERVICESTELE_BASE_URL=http://sim/hochschule/webservice/3"})
	require.Equal(t, 1, code)
	require.Contains(t, out, "SESTD_SERVICESTELE_BASE_URL: unknown environment variable; did you mean SESTD_SERVICESTELLE_BASE_URL? (sestd run --help lists them)")

	cfg := filepath.Join(t.TempDir(), "sestd.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("river:\n  shutdown_grace: 60\n"), 0o600))
	out, _ = check(nil, "--config", cfg)
	require.Contains(t, out, `river.shutdown_grace: cannot read 60 as a duration; write it like "5m" or "60s" (line 2)`)

	out, _ = check(nil, "--config", "../../deploy/sestd.example.yaml")
	require.Contains(t, out, "servicestelle.username: still the example's placeholder: fill in the web service user the Servicestelle gave you (or set SESTD_SERVICESTELLE_USERNAME)")
	require.Contains(t, out, "servicestelle.hochschulnummer: still the example's placeholder: fill in your Hochschulnummer, e.g. 4411 (or set SESTD_SERVICESTELLE_HOCHSCHULNUMMER)")

	out, _ = check([]string{"SESTD_SERVICESTELLE_BASE_URL=http://sim/hochschule/webservice/3", "SESTD_SERVICESTELLE_INTERFACE_VERSION=4"})
	require.Contains(t, out, "servicestelle.base_url: ends in interface version 3 but servicestelle.interface_version is 4; make them agree (…/webservice/4 with interface_version: 4)")
}

// SIGINT to `sestd import` cancels the job: the import is rolled back, the
// run says it was interrupted, the message says so, and the run that
// imports the file again is linked from it (issue 16).
func TestImportInterruptedCancelsTheJob(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	pool := testdb.New(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "students.csv")
	require.NoError(t, os.WriteFile(file, []byte(studentHeader+student("1", "Gymnasium")+student("2", "Gymnasium")), 0o600))

	// Hold the import at its first write: it runs, and cannot finish.
	lock, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = lock.Rollback(ctx) }() // the lock only holds the import; nothing to undo
	_, err = lock.Exec(ctx, `LOCK TABLE sbeat_student IN EXCLUSIVE MODE`)
	require.NoError(t, err)

	cmd := exec.Command(sestdBinary(t), "import", "--kind", "sbeat_students", file)
	cmd.Env = append(os.Environ(), "SESTD_DATABASE_URL="+pool.Config().ConnString(), "SESTD_LOG_FORMAT=json", "SESTD_LOG_LEVEL=error")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool {
		var waiting int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'sbeat_student'::regclass`).Scan(&waiting)
		return err == nil && waiting > 0
	}, 2*time.Minute, 50*time.Millisecond, "the import never reached its first write")
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
	require.Equal(t, 1, ee.ExitCode(), "stderr: %s", stderr.String())
	require.NoError(t, lock.Rollback(ctx))

	var jobID int64
	var state string
	require.NoError(t, pool.QueryRow(ctx, `SELECT id, state FROM river_job WHERE kind = 'import'`).Scan(&jobID, &state))
	require.Equal(t, "cancelled", state, "no job is left where no worker runs it")
	require.Contains(t, stderr.String(), fmt.Sprintf("sestd: interrupted: job %d cancelled; the import was rolled back: nothing of students.csv is imported. Run the command again to import it", jobID))

	var runID int64
	var status, msg string
	var interrupted bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT id, status, error, interrupted FROM import_runs`).Scan(&runID, &status, &msg, &interrupted))
	require.Equal(t, "failed", status)
	require.True(t, interrupted)
	require.Equal(t, "cancelled: rolled back, nothing imported; run the import again", msg, "no retry comes for a cancelled job")
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM sbeat_student`).Scan(&n))
	require.Zero(t, n)

	// Imported again: the interrupted run points to the run that did it.
	_, errOut, err := runCLI(t, map[string]string{"SESTD_DATABASE_URL": pool.Config().ConnString(), "SESTD_LOG_LEVEL": "error"}, "import", "--kind", "sbeat_students", file)
	require.NoError(t, err, errOut)
	var retriedBy, next int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT retried_by FROM import_runs WHERE id = $1`, runID).Scan(&retriedBy))
	require.NoError(t, pool.QueryRow(ctx, `SELECT max(id) FROM import_runs`).Scan(&next))
	require.Equal(t, next, retriedBy)
}

// unicodeText is s as Excel saves "Unicode text": ';' become tabs, in
// UTF-16LE with a byte order mark (spelt through unicode/utf16).
func unicodeText(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(strings.ReplaceAll(s, ";", "\t"))) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// Rejects are served in their real charset: a windows-1252 upload's
// rejects file is windows-1252 and says so (issue 16).
func TestRejectsServedWithTheirCharset(t *testing.T) {
	t.Parallel()
	const token = "cli-test-token-0123456789"
	addr, _ := startDaemonDB(t, token)
	c := &adminClient{base: "http://" + addr, token: token, http: http.DefaultClient}
	ctx := context.Background()

	// upload imports body as name and returns its rejects file as served.
	upload := func(name, body string) (string, []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		part, err := mw.CreateFormFile("file", name)
		require.NoError(t, err)
		_, err = part.Write([]byte(body))
		require.NoError(t, err)
		require.NoError(t, mw.Close())
		req, err := http.NewRequest(http.MethodPost, c.base+"/api/imports?kind=sbeat_students&mode=upsert", &buf)
		require.NoError(t, err)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var up struct {
			JobID int64 `json:"job_id"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&up))
		resp.Body.Close()
		require.Equal(t, http.StatusAccepted, resp.StatusCode)
		run, err := waitRun(ctx, c, up.JobID, 100*time.Millisecond)
		require.NoError(t, err)
		require.Equal(t, "completed", run.State, "errors: %v", run.Errors)
		var sum struct {
			RunID  int64  `json:"run_id"`
			Status string `json:"status"`
		}
		require.NoError(t, json.Unmarshal(run.Output, &sum))
		require.Equal(t, "partial", sum.Status)

		req, err = http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/imports/%d/rejects", c.base, sum.RunID), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err = http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.Header.Get("Content-Type"), raw
	}

	// Two rows, one rejected (31 February), both with "Ü" in windows-1252.
	ct, raw := upload("students.csv", studentHeader+student("1", "Gymnasium \xdc")+"2;WR;31.02.2012;;;;;W;19.11.1989;200;04.03.2008;3;Fachschule \xdc;admin\n")
	require.Equal(t, "text/csv; charset=windows-1252", ct)
	require.Contains(t, string(raw), "Fachschule \xdc", "the rejected row in windows-1252, as it came")

	// The same from Excel's "Unicode text" (UTF-16LE, tabs): the rejects
	// are UTF-8 with a BOM, tab separated, and served as such.
	ct, raw = upload("students_unicode.csv", unicodeText(studentHeader+student("3", "Gymnasium Ü")+"4;WR;31.02.2012;;;;;W;19.11.1989;200;04.03.2008;3;Fachschule Ü;admin\n"))
	require.Equal(t, "text/csv; charset=utf-8", ct)
	require.True(t, bytes.HasPrefix(raw, []byte("\xef\xbb\xbfIDENTNR\tSTG\t")), "%q", raw)
	require.Contains(t, string(raw), "4\tWR\t31.02.2012\t\t\t\t\tW\t19.11.1989\t200\t04.03.2008\t3\tFachschule Ü\tadmin\t3\t\"IMMDAT: \"\"31.02.2012\"\" is not a valid date\"\r\n", "the rejected row, its line and column, in UTF-8")
}
