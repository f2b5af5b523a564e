package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"sestd/internal/admin"
	"sestd/internal/config"
	"sestd/internal/daemon"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

const adminTestToken = "test-admin-token-0123456789abcdef"

// adminWorld is a running daemon with a token, a simulated Servicestelle
// over real HTTP and a real database.
type adminWorld struct {
	*bundle
	sim   *sim.Sim
	pool  *pgxpool.Pool
	store *store.Store
	base  string
	inbox string
}

func startAdminWorld(t *testing.T, configure func(*config.Config)) *adminWorld {
	t.Helper()
	s, err := sim.New(sim.Config{Hochschulnummer: "4411", Username: "hs4411", Password: "sim-password", Bewerbungen: 60, Seed: 8})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	pool := testdb.New(t)
	b := setup(t, pool.Config().ConnString())
	c := &b.cfg
	c.Admin.Token = adminTestToken
	c.Admin.UploadMaxBytes = 64 << 10
	c.Servicestelle.BaseURL = srv.URL + "/hochschule/webservice/3"
	c.Servicestelle.Hochschulnummer = "4411"
	c.Servicestelle.Username = "hs4411"
	c.Servicestelle.Password = "sim-password"
	c.Servicestelle.Vermittlungsprozess.Jahr = 2026
	c.Servicestelle.Timeout = 10 * time.Second
	c.Sync.DocumentRoot = filepath.Join(t.TempDir(), "documents")
	c.Import.InboxDir = filepath.Join(t.TempDir(), "inbox")
	if configure != nil {
		configure(c)
	}
	require.NoError(t, c.Validate())
	b.start(t, false)
	return &adminWorld{bundle: b, sim: s, pool: pool, store: store.New(pool), base: b.waitReady(t), inbox: c.Import.InboxDir}
}

// call sends a request with the token and returns status and body.
func (w *adminWorld) call(t *testing.T, method, path, token string, body io.Reader, contentType string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, w.base+path, body)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw
}

// api sends JSON with the token, requires want and decodes the answer.
func (w *adminWorld) api(t *testing.T, method, path string, in any, want int, out any) []byte {
	t.Helper()
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		require.NoError(t, err)
		body = bytes.NewReader(raw)
	}
	status, raw := w.call(t, method, path, adminTestToken, body, "application/json")
	require.Equal(t, want, status, "%s %s: %s", method, path, raw)
	if out != nil {
		require.NoError(t, json.Unmarshal(raw, out), "%s", raw)
	}
	return raw
}

// trigger starts a job through the API and waits until River finished it.
func (w *adminWorld) trigger(t *testing.T, name string, args any) admin.Run {
	t.Helper()
	var e admin.Enqueued
	w.api(t, http.MethodPost, "/api/jobs/"+name, args, http.StatusAccepted, &e)
	require.NotZero(t, e.JobID)
	return w.waitJob(t, e.JobID)
}

func (w *adminWorld) waitJob(t *testing.T, id int64) admin.Run {
	t.Helper()
	var run admin.Run
	deadline := time.Now().Add(30 * time.Second)
	for {
		w.api(t, http.MethodGet, fmt.Sprintf("/api/runs/%d", id), nil, http.StatusOK, &run)
		if run.Finished() {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d (%s) not finished within 30s: %s after %d attempts, errors %v", id, run.Kind, run.State, run.Attempt, run.Errors)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func multipartFile(t *testing.T, field, name string, content []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, name)
	require.NoError(t, err)
	_, err = fw.Write(content)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return &buf, mw.FormDataContentType()
}

func auditActions(t *testing.T, st *store.Store) map[string][]store.AuditEntry {
	t.Helper()
	entries, err := st.AuditList(context.Background(), 1000)
	require.NoError(t, err)
	out := map[string][]store.AuditEntry{}
	for _, e := range entries {
		out[e.Action] = append(out[e.Action], e)
	}
	return out
}

// TestAdminAPI drives every operator route over HTTP against a running
// daemon: sync through triggers, runs, cursors and their reset, status,
// uploads with their limit, River's UI, and /metrics after the sync.
func TestAdminAPI(t *testing.T) {
	t.Parallel()
	w := startAdminWorld(t, nil)
	ctx := context.Background()

	t.Run("every route needs the token", func(t *testing.T) {
		for _, r := range []struct{ method, path string }{
			{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"}, {"GET", "/api/status"},
			{"GET", "/api/jobs"}, {"POST", "/api/jobs/selftest"}, {"GET", "/api/runs"}, {"GET", "/api/runs/1"},
			{"GET", "/api/cursors"}, {"POST", "/api/cursors/bewerber/reset"},
			{"GET", "/api/imports"}, {"POST", "/api/imports"}, {"GET", "/api/imports/1"}, {"GET", "/api/imports/1/rejects"},
			{"GET", "/api/outbox"}, {"POST", "/api/outbox/1/retry"}, {"POST", "/api/outbox/1/discard"}, {"POST", "/api/outbox/retry-failed"},
			{"GET", "/riverui/"}, {"GET", "/riverui/api/jobs?state=completed"}, {"GET", "/nowhere"},
		} {
			for _, token := range []string{"", "wrong-token", adminTestToken + "x"} {
				status, body := w.call(t, r.method, r.path, token, nil, "")
				require.Equal(t, http.StatusUnauthorized, status, "%s %s with token %q", r.method, r.path, token)
				want := `{"error":"the token does not match admin.token"}`
				if token == "" {
					want = `{"error":"no token given: send Authorization: Bearer <admin.token> (or the token as the password of HTTP basic authentication)"}`
				}
				require.JSONEq(t, want, string(body), "nothing but whether a token came")
			}
		}
		req, _ := http.NewRequest(http.MethodGet, w.base+"/api/jobs", nil)
		req.SetBasicAuth("operator", adminTestToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "a browser may send the token as basic auth password")
	})

	t.Run("job list and bad triggers", func(t *testing.T) {
		var jobs struct{ Jobs []admin.JobInfo }
		w.api(t, "GET", "/api/jobs", nil, http.StatusOK, &jobs)
		names := map[string]string{}
		for _, j := range jobs.Jobs {
			names[j.Name] = j.Help
		}
		for _, n := range []string{"selftest", "delta_poll", "full_download", "studienangebote_download"} {
			require.NotEmpty(t, names[n], n)
		}

		var notFound struct {
			Error string
			Known []string
		}
		w.api(t, "POST", "/api/jobs/frobnicate", nil, http.StatusNotFound, &notFound)
		require.Contains(t, notFound.Error, `unknown job "frobnicate"`)
		require.Contains(t, notFound.Known, "delta_poll")

		var bad struct{ Error string }
		w.api(t, "POST", "/api/jobs/delta_poll", map[string]string{"stream": "nonsense"}, http.StatusBadRequest, &bad)
		require.Contains(t, bad.Error, "stream must be one of")
		w.api(t, "POST", "/api/jobs/delta_poll", map[string]any{"strem": "bewerber"}, http.StatusBadRequest, &bad)
		require.Contains(t, bad.Error, "unknown field")
		status, body := w.call(t, "POST", "/api/jobs/selftest", adminTestToken, strings.NewReader("{not json"), "application/json")
		require.Equal(t, http.StatusBadRequest, status)
		require.Contains(t, string(body), "not valid JSON")
		status, _ = w.call(t, "POST", "/api/jobs/selftest", adminTestToken, strings.NewReader(strings.Repeat(" ", 2<<20)), "application/json")
		require.Equal(t, http.StatusRequestEntityTooLarge, status)
	})

	// The sync, through the API: real jobs against the simulator.
	for _, job := range []struct {
		name string
		args any
	}{
		{"selftest", nil},
		{"studienangebote_download", nil},
		{"delta_poll", map[string]string{"stream": store.StreamBewerber.String()}},
		{"delta_poll", map[string]string{"stream": store.StreamBewerbungen.String()}},
		{"delta_poll", map[string]string{"stream": store.StreamRanglistenstatus.String()}},
	} {
		run := w.trigger(t, job.name, job.args)
		require.Equal(t, "completed", run.State, "%s %v: %v", job.name, job.args, run.Errors)
		require.Equal(t, "completed", string(jobState(t, w.pool, run.ID)), "the River job row")
		require.NotNil(t, run.DurationSeconds)
		require.GreaterOrEqual(t, *run.DurationSeconds, 0.0)
	}
	var nBewerbungen int
	require.NoError(t, w.pool.QueryRow(ctx, `SELECT count(*) FROM bewerbung`).Scan(&nBewerbungen))
	require.Equal(t, len(w.sim.Bewerbungen()), nBewerbungen, "the triggered polls mirrored every Bewerbung")
	require.NotEmpty(t, auditActions(t, w.store)["job.trigger"], "triggers are audited")

	t.Run("runs", func(t *testing.T) {
		var runs struct{ Runs []admin.Run }
		w.api(t, "GET", "/api/runs?kind=delta_poll&state=completed&limit=2", nil, http.StatusOK, &runs)
		require.Len(t, runs.Runs, 2)
		require.Greater(t, runs.Runs[0].ID, runs.Runs[1].ID, "newest first")
		for _, r := range runs.Runs {
			require.Equal(t, "delta_poll", r.Kind)
			require.Equal(t, "completed", r.State)
			require.Equal(t, 1, r.Attempt)
			require.NotNil(t, r.DurationSeconds)
			require.Contains(t, string(r.Args), "stream")
		}
		w.api(t, "GET", "/api/runs?state=sleeping", nil, http.StatusBadRequest, nil)
		w.api(t, "GET", "/api/runs?limit=0", nil, http.StatusBadRequest, nil)
		w.api(t, "GET", "/api/runs/abc", nil, http.StatusBadRequest, nil)
		w.api(t, "GET", "/api/runs/987654321", nil, http.StatusNotFound, nil)
	})

	t.Run("cursors and reset", func(t *testing.T) {
		var cs struct{ Cursors []store.CursorStatus }
		w.api(t, "GET", "/api/cursors", nil, http.StatusOK, &cs)
		byStream := map[string]store.CursorStatus{}
		for _, c := range cs.Cursors {
			byStream[c.Stream] = c
		}
		for _, s := range store.AllStreams() {
			require.NotNil(t, byStream[s.String()].Position, s)
			require.NotNil(t, byStream[s.String()].AgeSeconds, s)
			require.Less(t, *byStream[s.String()].AgeSeconds, 120.0, s)
		}
		before := *byStream[store.StreamBewerbungen.String()].Position

		var reset struct {
			Stream string
			Reset  bool
		}
		w.api(t, "POST", "/api/cursors/bewerbungen/reset", nil, http.StatusOK, &reset)
		require.True(t, reset.Reset)
		_, err := w.store.CursorGet(ctx, store.StreamBewerbungen.String())
		require.ErrorIs(t, err, store.ErrNotFound, "the cursor is gone")
		require.Contains(t, w.logs.String(), "cursor reset by operator")
		entries := auditActions(t, w.store)["cursor.reset"]
		require.Len(t, entries, 1)
		require.Equal(t, admin.ActorToken, entries[0].Actor)
		require.Equal(t, "bewerbungen", entries[0].Subject)
		require.Contains(t, entries[0].Detail, "previous_position")

		var unknown struct{ Known []string }
		w.api(t, "POST", "/api/cursors/nonsense/reset", nil, http.StatusNotFound, &unknown)
		require.Subset(t, unknown.Known, []string{"bewerber", "bewerbungen", "ranglistenstatus"})

		// The next poll starts from the beginning again and moves the
		// cursor back to where the Servicestelle is.
		require.Equal(t, "completed", w.trigger(t, "delta_poll", map[string]string{"stream": "bewerbungen"}).State)
		c, err := w.store.CursorGet(ctx, store.StreamBewerbungen.String())
		require.NoError(t, err)
		require.False(t, c.Position.Before(before))
	})

	t.Run("status shows failing jobs", func(t *testing.T) {
		require.NoError(t, w.sim.SetFault(sestmodel.OpAnfragenStammdatenaenderungen, sim.Fault{HTTPErrorRate: 1, HTTPStatus: http.StatusUnauthorized, Times: 1}))
		failed := w.trigger(t, "delta_poll", map[string]string{"stream": store.StreamBewerber.String()})
		require.Equal(t, "cancelled", failed.State, "a permanent error cancels the job")
		require.NotEmpty(t, failed.LastError())

		var st admin.Status
		w.api(t, "GET", "/api/status", nil, http.StatusOK, &st)
		require.Len(t, st.Cursors, len(store.AllStreams()))
		require.GreaterOrEqual(t, st.Jobs["completed"], int64(6))
		require.NotEmpty(t, st.LastRuns)
		require.Equal(t, failed.ID, st.LastRuns[0].ID, "newest finished first")
		require.NotEmpty(t, st.Failing)
		require.Equal(t, failed.ID, st.Failing[0].ID)
		require.NotNil(t, st.Imports)
	})

	t.Run("riverui", func(t *testing.T) {
		status, body := w.call(t, "GET", "/riverui/", adminTestToken, nil, "")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, string(body), "<html")
		status, body = w.call(t, "GET", "/riverui/api/jobs?state=completed&limit=5", adminTestToken, nil, "")
		require.Equal(t, http.StatusOK, status, "%s", body)
		var list struct {
			Data []struct {
				ID   int64  `json:"id"`
				Kind string `json:"kind"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &list), "%s", body)
		require.NotEmpty(t, list.Data)
		status, _ = w.call(t, "GET", "/riverui/api/queues", adminTestToken, nil, "")
		require.Equal(t, http.StatusOK, status)

		// Changing jobs through the UI is audited (cancelling a completed
		// job changes nothing else).
		cancelReq := fmt.Sprintf(`{"ids": ["%d"]}`, list.Data[0].ID)
		status, body = w.call(t, "POST", "/riverui/api/jobs/cancel", adminTestToken, strings.NewReader(cancelReq), "application/json")
		require.Less(t, status, 300, "%s", body)
		var audited int
		require.NoError(t, w.pool.QueryRow(context.Background(),
			`SELECT count(*) FROM audit_log WHERE action = 'riverui.post' AND subject = '/api/jobs/cancel'`).Scan(&audited))
		require.Equal(t, 1, audited)
	})

	t.Run("upload limits", func(t *testing.T) {
		big, ct := multipartFile(t, "file", "ranking.csv", bytes.Repeat([]byte("L1;B1;1\n"), 10<<10))
		status, body := w.call(t, "POST", "/api/imports?kind=ranking", adminTestToken, big, ct)
		require.Equal(t, http.StatusRequestEntityTooLarge, status, "%s", body)
		require.Contains(t, string(body), "admin.upload_max_bytes")

		// Chunked, without Content-Length: the limit holds while reading.
		big, ct = multipartFile(t, "file", "ranking.csv", bytes.Repeat([]byte("L1;B1;1\n"), 10<<10))
		status, body = w.call(t, "POST", "/api/imports?kind=ranking", adminTestToken, io.MultiReader(big), ct)
		require.Equal(t, http.StatusRequestEntityTooLarge, status, "%s", body)

		small, ct := multipartFile(t, "other", "ranking.csv", []byte("x"))
		status, body = w.call(t, "POST", "/api/imports", adminTestToken, small, ct)
		require.Equal(t, http.StatusBadRequest, status)
		require.Contains(t, string(body), "no field")
		status, _ = w.call(t, "POST", "/api/imports", adminTestToken, strings.NewReader("x"), "text/plain")
		require.Equal(t, http.StatusBadRequest, status)
		small, ct = multipartFile(t, "file", "ranking.csv", []byte("x"))
		status, _ = w.call(t, "POST", "/api/imports?force=perhaps", adminTestToken, small, ct)
		require.Equal(t, http.StatusBadRequest, status)

		entries, err := os.ReadDir(filepath.Join(w.inbox, "uploads"))
		if err == nil {
			require.Empty(t, entries, "refused uploads leave nothing behind")
		}
	})

	t.Run("upload and import runs", func(t *testing.T) {
		var jobs struct{ Jobs []admin.JobInfo }
		w.api(t, "GET", "/api/jobs", nil, http.StatusOK, &jobs)
		var hasImport bool
		for _, j := range jobs.Jobs {
			hasImport = hasImport || j.Name == "import"
		}
		require.True(t, hasImport, "the import job is registered")
		csv := "RANGLISTE;BEWERBER_ID;RANG\nL1;B1;1\nL1;B2;2\nL1;B3;drei\n"
		body, ct := multipartFile(t, "file", "../../ranking 2026.csv", []byte(csv))
		status, raw := w.call(t, "POST", "/api/imports?kind=ranking&mode=create", adminTestToken, body, ct)
		require.Equal(t, http.StatusAccepted, status, "%s", raw)
		var up admin.Upload
		require.NoError(t, json.Unmarshal(raw, &up))
		require.Equal(t, "import", up.Kind)
		require.Equal(t, int64(len(csv)), up.Size)
		require.Equal(t, filepath.Join(w.inbox, "uploads"), filepath.Dir(filepath.Dir(up.Path)), "stored below the inbox")
		require.Equal(t, "ranking_2026.csv", filepath.Base(up.Path), "a safe name")
		fi, err := os.Stat(up.Path)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

		run := w.waitJob(t, up.JobID)
		require.Equal(t, "completed", run.State, "%v", run.Errors)
		require.NotEmpty(t, auditActions(t, w.store)["import.upload"])

		var imports struct{ Imports []store.ImportRun }
		w.api(t, "GET", "/api/imports", nil, http.StatusOK, &imports)
		require.NotEmpty(t, imports.Imports)
		ir := imports.Imports[0]
		require.Equal(t, "ranking", ir.Kind)
		require.Equal(t, int64(2), ir.Created)
		require.Equal(t, int64(1), ir.Rejected)
		var one store.ImportRun
		w.api(t, "GET", fmt.Sprintf("/api/imports/%d", ir.ID), nil, http.StatusOK, &one)
		require.Equal(t, ir.ID, one.ID)
		require.NotEmpty(t, one.RejectsPath)
		status, rejects := w.call(t, "GET", fmt.Sprintf("/api/imports/%d/rejects", ir.ID), adminTestToken, nil, "")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, string(rejects), "drei")
		require.NotEmpty(t, auditActions(t, w.store)["import.rejects.read"])
		w.api(t, "GET", "/api/imports/987654", nil, http.StatusNotFound, nil)
		w.api(t, "GET", "/api/imports/x", nil, http.StatusBadRequest, nil)
	})

	t.Run("metrics after the sync", func(t *testing.T) {
		status, body := w.call(t, "GET", "/metrics", adminTestToken, nil, "")
		require.Equal(t, http.StatusOK, status)
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
		require.NoError(t, err)
		value := func(name string, labels map[string]string) float64 {
			t.Helper()
			fam, ok := fams[name]
			require.True(t, ok, "metric family %s missing", name)
			var sum float64
			var found bool
			for _, m := range fam.Metric {
				if !hasLabels(m, labels) {
					continue
				}
				found = true
				switch {
				case m.Counter != nil:
					sum += m.Counter.GetValue()
				case m.Gauge != nil:
					sum += m.Gauge.GetValue()
				case m.Histogram != nil:
					sum += float64(m.Histogram.GetSampleCount())
				}
			}
			require.True(t, found, "%s%v missing", name, labels)
			return sum
		}
		require.Equal(t, 1.0, value("sestd_build_info", nil))
		require.GreaterOrEqual(t, value("sestd_job_runs_total", map[string]string{"kind": "delta_poll", "outcome": "completed"}), 4.0)
		require.GreaterOrEqual(t, value("sestd_job_runs_total", map[string]string{"kind": "delta_poll", "outcome": "cancelled"}), 1.0)
		require.GreaterOrEqual(t, value("sestd_job_duration_seconds", map[string]string{"kind": "delta_poll"}), 5.0)
		require.GreaterOrEqual(t, value("sestd_river_jobs", map[string]string{"state": "completed"}), 6.0)
		require.Equal(t, 0.0, value("sestd_river_jobs", map[string]string{"state": "running"})+value("sestd_river_jobs", map[string]string{"state": "available"}))
		require.GreaterOrEqual(t, value("sestd_soap_requests_total", map[string]string{"operation": sestmodel.OpAnfragenBewerbungen, "outcome": "ok"}), 2.0)
		require.GreaterOrEqual(t, value("sestd_soap_requests_total", map[string]string{"operation": sestmodel.OpAnfragenStammdatenaenderungen}), 2.0)
		require.Greater(t, value("sestd_soap_request_duration_seconds", nil), 0.0)
		require.Equal(t, float64(len(w.sim.Bewerbungen())),
			value("sestd_sync_items_total", map[string]string{"stream": "bewerbungen", "operation": "created"}), "every Bewerbung created once")
		require.Equal(t, float64(len(w.sim.Bewerbungen())),
			value("sestd_sync_items_total", map[string]string{"stream": "bewerbungen", "operation": "unchanged"}), "and unchanged after the reset")
		for _, s := range store.AllStreams() {
			age := value("sestd_sync_cursor_age_seconds", map[string]string{"stream": s.String()})
			require.GreaterOrEqual(t, age, 0.0, s)
			require.Less(t, age, 120.0, s)
		}
		require.Equal(t, 2.0, value("sestd_import_rows_total", map[string]string{"kind": "ranking", "outcome": "created"}), "the uploaded ranking list")
		require.Equal(t, 1.0, value("sestd_import_rows_total", map[string]string{"kind": "ranking", "outcome": "rejected"}))
		// The outbox is empty: every state is exposed, at zero.
		for _, st := range store.OutboxStates() {
			require.Equal(t, 0.0, value("sestd_outbox_items", map[string]string{"state": string(st)}), "outbox items %s", st)
		}
		// No mail was sent or failed: both outcomes are exposed, at zero.
		require.Equal(t, 0.0, value("sestd_mails_total", map[string]string{"outcome": "sent"}))
		require.Equal(t, 0.0, value("sestd_mails_total", map[string]string{"outcome": "failed"}))

		promtool, err := exec.LookPath("promtool")
		if err != nil {
			t.Log("promtool not installed: skipping `promtool check metrics` (install Debian's prometheus package)")
			return
		}
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(body)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool check metrics:\n%s", out)
	})

	t.Run("outbox", func(t *testing.T) { testOutbox(t, w) })
}

// testOutbox: list, retry (re-queued, outbound run started), discard,
// retry of every failed item, conflicts, audit.
func testOutbox(t *testing.T, w *adminWorld) {
	ctx := context.Background()
	var news []store.OutboxNew
	for _, id := range []string{"B-1", "B-2", "B-3", "B-4"} {
		news = append(news, store.OutboxNew{Kind: store.OutboxKindBewerberAuth, ItemKey: id, BewerberID: id,
			Payload: json.RawMessage(`{"bewerber_id":"` + id + `","ban":"BAN-` + id + `"}`), SourceUpdatedAt: time.Now()})
	}
	_, err := w.store.OutboxUpsert(ctx, news)
	require.NoError(t, err)
	// The failed items wait for their backoff (a day), so that the outbound
	// run the retry of B-1 starts does not send B-3 before retry-failed.
	_, err = w.pool.Exec(ctx, `UPDATE outbox_item SET state = CASE item_key WHEN 'B-4' THEN 'accepted' ELSE 'failed' END,
		attempts = 5, reason = 'test rejection', next_attempt_at = now() + interval '1 day'`)
	require.NoError(t, err)
	ids := map[string]int64{}
	rows, err := w.pool.Query(ctx, `SELECT item_key, id FROM outbox_item`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		var id int64
		require.NoError(t, rows.Scan(&k, &id))
		ids[k] = id
	}
	require.NoError(t, rows.Err())

	var list struct{ Items []store.OutboxItem }
	w.api(t, "GET", "/api/outbox?state=failed", nil, http.StatusOK, &list)
	require.Len(t, list.Items, 3)
	require.Equal(t, "test rejection", list.Items[0].Reason)
	w.api(t, "GET", "/api/outbox?state=lost", nil, http.StatusBadRequest, nil)
	var one store.OutboxItem
	w.api(t, "GET", fmt.Sprintf("/api/outbox/%d", ids["B-1"]), nil, http.StatusOK, &one)
	require.Equal(t, "B-1", one.ItemKey)

	var st admin.Status
	w.api(t, "GET", "/api/status", nil, http.StatusOK, &st)
	require.Equal(t, int64(3), st.Outbox["failed"])
	require.Equal(t, int64(1), st.Outbox["accepted"])

	var res admin.OutboxAction
	w.api(t, "POST", fmt.Sprintf("/api/outbox/%d/discard", ids["B-2"]), nil, http.StatusOK, &res)
	require.Equal(t, store.OutboxDiscarded, res.Item.State)
	w.api(t, "POST", fmt.Sprintf("/api/outbox/%d/discard", ids["B-2"]), nil, http.StatusConflict, nil)
	w.api(t, "POST", fmt.Sprintf("/api/outbox/%d/retry", ids["B-4"]), nil, http.StatusConflict, nil)
	w.api(t, "POST", "/api/outbox/987654/retry", nil, http.StatusNotFound, nil)
	w.api(t, "POST", "/api/outbox/x/discard", nil, http.StatusBadRequest, nil)

	res = admin.OutboxAction{}
	w.api(t, "POST", fmt.Sprintf("/api/outbox/%d/retry", ids["B-1"]), nil, http.StatusOK, &res)
	require.Equal(t, store.OutboxPending, res.Item.State, "re-queued")
	require.Zero(t, res.Item.Attempts)
	var jobs struct{ Jobs []admin.JobInfo }
	w.api(t, "GET", "/api/jobs", nil, http.StatusOK, &jobs)
	if slices.ContainsFunc(jobs.Jobs, func(j admin.JobInfo) bool { return j.Name == "outbound_sync" }) {
		require.NotNil(t, res.Outbound, "an outbound run is started")
		require.Equal(t, "outbound_sync", res.Outbound.Kind)
		var run admin.Run
		w.api(t, "GET", fmt.Sprintf("/api/runs/%d", res.Outbound.JobID), nil, http.StatusOK, &run)
		require.Equal(t, "outbound_sync", run.Kind, "the outbound run is a River job")
	} else {
		require.Nil(t, res.Outbound)
		t.Log("this build has no outbound_sync job: the item waits for one")
	}

	res = admin.OutboxAction{}
	w.api(t, "POST", "/api/outbox/retry-failed", nil, http.StatusOK, &res)
	require.NotNil(t, res.Retried)
	require.GreaterOrEqual(t, *res.Retried, int64(1), "B-3 at least; B-2 is discarded")
	it, err := w.store.OutboxGet(ctx, ids["B-2"])
	require.NoError(t, err)
	require.Equal(t, store.OutboxDiscarded, it.State)

	audit := auditActions(t, w.store)
	for _, action := range []string{"outbox.list", "outbox.read", "outbox.retry", "outbox.discard", "outbox.retry_failed"} {
		require.NotEmpty(t, audit[action], action)
	}
	require.Equal(t, string(store.OutboxFailed), audit["outbox.retry"][0].Detail["previous_state"])
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.Label {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// TestAdminRefusesPublicListenWithoutToken: the daemon will not serve the
// admin API on a non-loopback address without a token.
func TestAdminRefusesPublicListenWithoutToken(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Database.URL = "postgres://127.0.0.1:1/never"
	cfg.Admin.Listen = "0.0.0.0:0"
	cfg.Admin.Token = ""
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := daemon.Run(ctx, daemon.Options{Config: cfg, Log: setup(t, cfg.Database.URL).log, Notify: func(string) {}})
	require.ErrorContains(t, err, "refusing to serve the admin API without admin.token")
}

// TestAdminAPIAnswers503UntilRiverRuns: the operator routes exist while
// the daemon waits for its database, and say why they cannot answer yet.
func TestAdminAPIAnswers503UntilRiverRuns(t *testing.T) {
	t.Parallel()
	b := setup(t, "postgres://127.0.0.1:1/never?connect_timeout=1")
	port := b.cfg.Admin.Listen
	b.start(t, false)
	eventually(t, 10*time.Second, "the admin API answers", func() bool {
		return getStatus("http://"+port+"/healthz") == http.StatusOK
	})
	for _, path := range []string{"/api/status", "/api/jobs", "/riverui/"} {
		resp, err := http.Get("http://" + port + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, path)
		require.Contains(t, string(body), "starting", path)
	}
}
