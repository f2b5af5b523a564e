package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/testdb"
)

// dbProxy forwards TCP connections to the database until cut, as a
// database server that goes away would.
type dbProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newDBProxy(t *testing.T, target string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &dbProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

// cut closes the listener and every connection.
func (p *dbProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// startDaemonOn runs the daemon in-process on dbURL with an admin token.
func startDaemonOn(t *testing.T, dbURL, token string) string {
	t.Helper()
	return runDaemon(t, dbURL, token, func(cfg *config.Config) { cfg.Database.MaxConns = 4 })
}

// sestd status while the database is down says why, as /readyz knows it.
func TestStatusSaysWhyWhileTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	cc := pool.Config().ConnConfig
	proxy := newDBProxy(t, net.JoinHostPort(cc.Host, fmt.Sprint(cc.Port)))
	url := fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", cc.User, proxy.ln.Addr(), cc.Database)
	const token = "host-test-token-0123456789"
	addr := startDaemonOn(t, url, token)
	env := map[string]string{"SESTD_ADMIN_LISTEN": addr, "SESTD_ADMIN_TOKEN": token, "SESTD_LOG_FORMAT": "json"}
	_, errOut, err := runCLI(t, env, "status")
	require.NoError(t, err, errOut)

	proxy.cut()
	_, _, err = runCLI(t, env, "status")
	require.Error(t, err)
	require.ErrorContains(t, err, "admin API: 500")
	require.ErrorContains(t, err, "the daemon is not ready (/readyz): database unreachable:")

	// trigger gives the same reason (not only "500 internal error … ref").
	_, _, err = runCLI(t, env, "trigger", "selftest", "--wait", "--poll", "100ms")
	require.Error(t, err)
	require.ErrorContains(t, err, "the daemon is not ready (/readyz): database unreachable:")
}

// A missing and a wrong token get different messages; the token and the
// address come from the same config file the daemon uses, through
// admin.token_file.
func TestAdminTokenFromTheConfigFileAndTheMessagesOf401(t *testing.T) {
	t.Parallel()
	const token = "host-test-token-abcdefghij"
	addr := startDaemon(t, token)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "admin_token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token+"\n"), 0o600))
	cfgFile := filepath.Join(dir, "sestd.yaml")
	require.NoError(t, os.WriteFile(cfgFile, []byte("admin:\n  listen: "+addr+"\n  token_file: "+tokenFile+"\nlog:\n  format: json\n"), 0o600))

	out, errOut, err := runCLI(t, nil, "status", "--config", cfgFile)
	require.NoError(t, err, errOut)
	require.Contains(t, out, "SYNC")
	_, errOut, err = runCLI(t, nil, "trigger", "--config", cfgFile, "selftest", "--wait", "--poll", "100ms")
	require.NoError(t, err, errOut)

	_, _, err = runCLI(t, map[string]string{"SESTD_ADMIN_LISTEN": addr, "SESTD_LOG_FORMAT": "json"}, "status")
	require.EqualError(t, err, unauthorizedText(false))
	require.ErrorContains(t, err, "no admin token was sent")

	_, _, err = runCLI(t, map[string]string{"SESTD_ADMIN_LISTEN": addr, "SESTD_ADMIN_TOKEN": "not-the-token-0123456789", "SESTD_LOG_FORMAT": "json"}, "status")
	require.ErrorContains(t, err, "401 unauthorized: the daemon refused the admin token sent")

	// An operator without the right to read the token file is told so.
	_, _, err = runCLI(t, nil, "status", "--config", filepath.Join(dir, "missing.yaml"))
	require.ErrorContains(t, err, "reading config file")
	require.NoError(t, os.WriteFile(cfgFile, []byte("admin:\n  listen: "+addr+"\n  token_file: "+filepath.Join(dir, "nope")+"\n"), 0o600))
	_, _, err = runCLI(t, nil, "status", "--config", cfgFile)
	require.ErrorContains(t, err, "admin.token (from admin.token_file): reading secret file")
}

// The database password for `sestd migrate` on the host comes from the
// config's database.password_file.
func TestMigrateReadsThePasswordFileOfTheConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "sestd.yaml")
	require.NoError(t, os.WriteFile(cfgFile, []byte("database:\n  url: "+testdb.EmptyURL(t)+"\n  password_file: "+filepath.Join(dir, "db_password")+"\nlog:\n  format: json\n"), 0o600))
	_, _, err := runCLI(t, nil, "migrate", "--status", "--config", cfgFile)
	require.ErrorContains(t, err, "database.password (from database.password_file): reading secret file")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "db_password"), []byte("anything\n"), 0o600))
	out, errOut, err := runCLI(t, nil, "migrate", "--status", "--config", cfgFile)
	require.NoError(t, err, errOut)
	require.Contains(t, out, "pending")
}

// The README's build command stamps version and commit into the binary.
func TestBuildStampsVersionAndCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "sestd")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.version=2026.11.1-test -X main.commit=0123456789ab", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(bin, "version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Regexp(t, `^sestd 2026\.11\.1-test \(commit 0123456789ab, go1\.\d+`, string(out))
}
