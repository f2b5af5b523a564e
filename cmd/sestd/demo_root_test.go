package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/pgcluster"
)

// runDemoUntilReady runs `sestd demo` in dir until it reports itself
// running, then stops it with SIGINT as an operator's Ctrl-C would, and
// returns everything it printed.
func runDemoUntilReady(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	cmd := exec.Command(bin, append([]string{"demo", "--admin", fmt.Sprintf("127.0.0.1:%d", port), "--bewerbungen", "100"}, args...)...)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var out strings.Builder
	ready := make(chan bool, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if !sent && strings.Contains(sc.Text(), "sestd demo is running") {
				ready <- true
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		if !sent {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			<-copied
			_ = cmd.Wait()
			t.Fatalf("sestd demo ended before it ran:\n%s\n%s", out.String(), stderr.String())
		}
	case <-time.After(4 * time.Minute):
		t.Fatalf("sestd demo not running within 4 minutes:\n%s", stderr.String())
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	<-copied
	require.NoError(t, cmd.Wait(), "stderr:\n%s", stderr.String())
	return out.String()
}

// As root, in a checkout only root may enter (a home directory of mode
// 0700), the demo runs: PostgreSQL, which runs as the postgres user, gets
// a directory it can reach, and the next run finds the same state.
func TestDemoAsRootInADirectoryOnlyRootMayEnter(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: the case is a root-only checkout")
	}
	t.Parallel()
	bin := sestdBinary(t)
	home, err := os.MkdirTemp("", "sestd-roothome-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(home) })
	require.NoError(t, os.Chmod(home, 0o700))
	checkout := filepath.Join(home, "src", "sestd")
	require.NoError(t, os.MkdirAll(checkout, 0o755))

	out := runDemoUntilReady(t, bin, checkout)
	require.Contains(t, out, "demo stopped; its state is kept in "+filepath.Join(checkout, ".sestd-demo"))

	pg := filepath.Join(checkout, ".sestd-demo", "pg")
	target, err := os.Readlink(pg)
	require.NoError(t, err, "the cluster lives where postgres can reach it, linked from the demo directory")
	t.Cleanup(func() { _ = os.RemoveAll(target) })
	require.False(t, strings.HasPrefix(target, home), "outside the root-only directory: %s", target)
	require.FileExists(t, filepath.Join(target, "data", "PG_VERSION"))
	info, err := os.Stat(home)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "the operator's directory is not loosened")

	// The second run reuses the database of the first.
	out = runDemoUntilReady(t, bin, checkout)
	require.Contains(t, out, "sestd demo is running")
	again, err := os.Readlink(pg)
	require.NoError(t, err)
	require.Equal(t, target, again)

	// --reset starts afresh and leaves no cluster of the old state.
	out = runDemoUntilReady(t, bin, checkout, "--reset")
	require.Contains(t, out, "sestd demo is running")
	c, err := pgcluster.New(pg, 1)
	require.NoError(t, err)
	require.False(t, c.Running(t.Context()), "every PostgreSQL stopped with the demo")
}
