package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/console"
	"sestd/internal/daemon"
	"sestd/internal/pgcluster"
	"sestd/internal/sest/sim"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const (
	chromiumPath = "/usr/bin/chromium"
	testToken    = "console-test-token-0123456789"
	testPassword = "Korrekt-Pferd-Batterie"
)

func f64(v float64) *float64 { return &v }

// world is a running daemon (in this process, as sestd run starts it) on a
// real database, with the simulator over HTTP and three console accounts.
type world struct {
	base  string
	pool  *pgxpool.Pool
	store *store.Store
	cfg   config.Config
}

func startWorld(t *testing.T) *world {
	t.Helper()
	s, err := sim.New(sim.Config{Hochschulnummer: "4411", Username: "hs4411", Password: "sim-password", Bewerbungen: 120, Seed: 18})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	pool := testdb.New(t)
	port, err := pgcluster.FreePort()
	require.NoError(t, err)

	cfg := config.Default()
	cfg.Database.URL = pool.Config().ConnString()
	cfg.Admin.Listen = fmt.Sprintf("127.0.0.1:%d", port)
	cfg.Admin.Token = testToken
	cfg.River.ShutdownGrace = 2 * time.Second
	cfg.Sync.Schedules = config.Schedules{Delta: "off", Studienangebote: "off", Full: "off", Outbound: "off", Inbox: "off", Retention: "off"}
	cfg.Servicestelle.BaseURL = srv.URL + "/hochschule/webservice/3"
	cfg.Servicestelle.Hochschulnummer = "4411"
	cfg.Servicestelle.Username = "hs4411"
	cfg.Servicestelle.Password = "sim-password"
	cfg.Servicestelle.Vermittlungsprozess.Jahr = 2026
	cfg.Servicestelle.Timeout = 20 * time.Second
	cfg.Sync.DokumentDownload = true // off by default (data minimisation)
	cfg.Sync.DocumentRoot = filepath.Join(t.TempDir(), "documents")
	cfg.Import.InboxDir = filepath.Join(t.TempDir(), "inbox")
	cfg.Export.Dir = filepath.Join(t.TempDir(), "export")
	cfg.Vergabeschema = config.Vergabeschema{
		Hauptquoten: config.Ebene{Ranglisten: []config.Ranglistentyp{{IDNr: "HQ", Name: "Hauptquote", Plaetze: config.Plaetze{Prozentual: f64(100)}}}},
	}
	require.NoError(t, cfg.Validate())

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{Config: cfg, Log: zap.NewNop(), Migrate: true, Notify: func(string) {},
			OnReady: func(a net.Addr) { ready <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon stopped with: %v", err)
		}
	})
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("daemon ended before it was ready: %v", err)
	}
	w := &world{base: "http://" + addr.String(), pool: pool, store: store.New(pool), cfg: cfg}
	for name, role := range map[string]string{"clara": store.RoleViewer, "otto": store.RoleOperator, "anna": store.RoleAdmin} {
		hash, err := console.HashPassword(testPassword)
		require.NoError(t, err)
		_, err = w.store.UserCreate(context.Background(), name, role, hash)
		require.NoError(t, err)
	}
	return w
}

// api calls the token API (scripts' way in, unchanged by the console).
func (w *world) api(t *testing.T, method, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, w.base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, "%s %s", method, path)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
}

// runJob triggers a job through the API and waits for it to finish.
func (w *world) runJob(t *testing.T, name, args string) string {
	t.Helper()
	var e struct {
		JobID int64 `json:"job_id"`
	}
	w.api(t, http.MethodPost, "/api/jobs/"+name, args, &e)
	return w.waitJob(t, e.JobID)
}

func (w *world) waitJob(t *testing.T, id int64) string {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		var run struct {
			State  string `json:"state"`
			Errors []struct {
				Error string `json:"error"`
			} `json:"errors"`
		}
		w.api(t, http.MethodGet, fmt.Sprintf("/api/runs/%d", id), "", &run)
		switch run.State {
		case "completed":
			return run.State
		case "cancelled", "discarded", "retryable":
			t.Fatalf("job %d ended %s: %+v", id, run.State, run.Errors)
		}
	}
	return ""
}

// newBrowser starts headless Chromium with a fresh profile, German first.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("internal/console: browser tests need Chromium (Debian package chromium, %s): %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "de-DE"), chromedp.Flag("accept-lang", "de-DE,de"),
		chromedp.WindowSize(1366, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancelTimeout)
	require.NoError(t, chromedp.Do(ctx))
	return ctx
}

// download clicks sel, waits for the browser to save the download into
// a directory of its own and returns its content.
func download(t *testing.T, ctx context.Context, sel chromedp.CSS) []byte {
	t.Helper()
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	yes := true
	_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(sel)))
	for ev, err := range progress {
		require.NoError(t, err)
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatalf("download of %s cancelled", sel)
		}
		if ev.State != browser.DownloadProgressStateCompleted {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, ev.GUID))
		require.NoError(t, err)
		return raw
	}
	t.Fatalf("no download from %s", sel)
	return nil
}

// shot saves a screenshot of the current page into $SESTD_SCREENSHOTS.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SESTD_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

func signIn(t *testing.T, ctx context.Context, base, name string) {
	t.Helper()
	// By keyboard only: the name, Tab to the password, Enter.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/console/signin"),
		chromedp.SendKeys(chromedp.ID("name"), name+"\t"+testPassword+"\r"),
		chromedp.WaitVisible(chromedp.ID("account"))))
	require.Equal(t, name, text(t, ctx, chromedp.ID("account")))
}

func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".who button")), chromedp.WaitVisible(chromedp.ID("signin"))))
}

// text is the visible text of the element sel.
func text[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	require.NoError(t, err)
	return s
}
