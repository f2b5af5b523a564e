package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"sestd/internal/admin"
	"sestd/internal/config"
	"sestd/internal/daemon"
	"sestd/internal/pgcluster"
	"sestd/internal/testdb"
)

// startDaemon runs the real daemon in-process on a fresh database, with
// an admin token and without a Servicestelle, and returns its admin
// address.
func startDaemon(t *testing.T, token string) string {
	t.Helper()
	addr, _ := startDaemonDB(t, token)
	return addr
}

// startDaemonDB is startDaemon, also returning the daemon's database.
func startDaemonDB(t *testing.T, token string) (string, *pgxpool.Pool) {
	t.Helper()
	return startDaemonWith(t, token, nil)
}

// startDaemonWith is startDaemonDB with a change to the daemon's config.
func startDaemonWith(t *testing.T, token string, change func(*config.Config)) (string, *pgxpool.Pool) {
	t.Helper()
	pool := testdb.New(t)
	return runDaemon(t, pool.Config().ConnString(), token, change), pool
}

// runDaemon runs the daemon in-process on the database dbURL with an admin
// token, no schedules and change made to its config; it returns the admin
// address once the daemon is ready and stops it when the test ends.
func runDaemon(t *testing.T, dbURL, token string, change func(*config.Config)) string {
	t.Helper()
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	cfg := config.Default()
	cfg.Database.URL = dbURL
	cfg.Admin.Listen = fmt.Sprintf("127.0.0.1:%d", port)
	cfg.Admin.Token = config.Secret(token)
	cfg.River.ShutdownGrace = 2 * time.Second
	cfg.Import.InboxDir = filepath.Join(t.TempDir(), "inbox")
	cfg.Sync.Schedules = config.Schedules{Delta: "off", Studienangebote: "off", Full: "off", Outbound: "off", Inbox: "off", Retention: "off"}
	if change != nil {
		change(&cfg)
	}
	require.NoError(t, cfg.Validate())
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan net.Addr, 1), make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{
			Config: cfg, Log: zap.NewNop(), Notify: func(string) {},
			OnReady: func(a net.Addr) { ready <- a },
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("daemon stopped with: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("daemon did not stop")
		}
	})
	select {
	case a := <-ready:
		return a.String()
	case err := <-done:
		t.Fatalf("daemon stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("daemon not ready within 60s")
	}
	return ""
}

func TestTriggerAndStatusAgainstARunningDaemon(t *testing.T) {
	t.Parallel()
	const token = "cli-test-token-0123456789"
	addr := startDaemon(t, token)
	env := map[string]string{"SESTD_ADMIN_LISTEN": addr, "SESTD_ADMIN_TOKEN": token, "SESTD_LOG_FORMAT": "json"}

	out, _, err := runCLI(t, env, "trigger", "--list")
	require.NoError(t, err)
	require.Contains(t, out, "selftest")
	require.Contains(t, out, "ARGUMENTS")

	out, errOut, err := runCLI(t, env, "trigger", "selftest", "--wait", "--poll", "100ms")
	require.NoError(t, err, errOut)
	require.Regexp(t, `job \d+ \(selftest\) completed after 1 attempt\(s\)`, out)

	out, _, err = runCLI(t, env, "trigger", "--output", "json", "selftest")
	require.NoError(t, err)
	var enq admin.Enqueued
	require.NoError(t, json.Unmarshal([]byte(out), &enq), out)
	require.Equal(t, "selftest", enq.Kind)
	require.NotZero(t, enq.JobID)

	// The token from a file, the address from --admin.
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token+"\n"), 0o600))
	out, errOut, err = runCLI(t, map[string]string{"SESTD_ADMIN_TOKEN_FILE": tokenFile},
		"trigger", "--admin", "http://"+addr, "selftest", "--wait", "--poll", "100ms", "--output", "json")
	require.NoError(t, err, errOut)
	var run admin.Run
	require.NoError(t, json.Unmarshal([]byte(out), &run), out)
	require.Equal(t, "completed", run.State)

	_, _, err = runCLI(t, env, "trigger", "frobnicate")
	require.ErrorContains(t, err, `404 Not Found: unknown job "frobnicate" (known: `)
	require.ErrorContains(t, err, "selftest")
	_, _, err = runCLI(t, env, "trigger", "selftest", "--arg", "x=1")
	require.ErrorContains(t, err, "400 Bad Request")
	require.ErrorContains(t, err, "unknown field")
	_, _, err = runCLI(t, env, "trigger", "selftest", "--arg", "novalue")
	require.ErrorIs(t, err, errUsage)
	_, _, err = runCLI(t, env, "trigger", "selftest", "--json", "[1]")
	require.ErrorIs(t, err, errUsage)
	_, _, err = runCLI(t, env, "trigger")
	require.ErrorIs(t, err, errUsage)
	_, _, err = runCLI(t, map[string]string{"SESTD_ADMIN_LISTEN": addr, "SESTD_ADMIN_TOKEN": "wrong-token-0123456789"}, "status")
	require.ErrorContains(t, err, "401 unauthorized")
	_, _, err = runCLI(t, map[string]string{"SESTD_ADMIN_LISTEN": "127.0.0.1:1"}, "status")
	require.ErrorContains(t, err, "cannot reach the admin API at http://127.0.0.1:1")

	out, errOut, err = runCLI(t, env, "status")
	require.NoError(t, err, errOut)
	for _, want := range []string{"SYNC", "STREAM", "bewerber", "never synced", "JOBS", "completed 2", "LAST RUNS", "selftest", "FAILING JOBS", "(none)"} {
		require.Contains(t, out, want)
	}

	out, _, err = runCLI(t, env, "status", "--json")
	require.NoError(t, err)
	var st admin.Status
	require.NoError(t, json.Unmarshal([]byte(out), &st), out)
	require.Len(t, st.Cursors, 3)
	require.GreaterOrEqual(t, st.Jobs["completed"], int64(2))
	require.Equal(t, "selftest", st.LastRuns[0].Kind)
}

func TestDialable(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"127.0.0.1:8787": "127.0.0.1:8787",
		"0.0.0.0:8787":   "127.0.0.1:8787",
		"[::]:8787":      "127.0.0.1:8787",
		":8787":          "127.0.0.1:8787",
		"[::1]:9":        "[::1]:9",
		"admin.lan:80":   "admin.lan:80",
	} {
		require.Equal(t, want, dialable(in), in)
	}
}
