package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
)

// noticeBuffer is a writer safe for a command's goroutine, telling when
// its text holds want.
type noticeBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (b *noticeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if strings.Contains(b.buf.String(), b.want) {
		b.once.Do(func() { close(b.seen) })
	}
	return n, err
}

func (b *noticeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// trigger import --wait behind a running import of the same kind says what
// it waits for instead of waiting silently, and then follows its job to
// the end (issue 16).
func TestTriggerWaitNamesTheImportItWaitsFor(t *testing.T) {
	t.Parallel()
	const token = "cli-test-token-0123456789"
	drop := t.TempDir()
	addr, pool := startDaemonWith(t, token, func(cfg *config.Config) { cfg.Import.AllowedDirs = []string{drop} })
	env := map[string]string{"SESTD_ADMIN_LISTEN": addr, "SESTD_ADMIN_TOKEN": token, "SESTD_LOG_FORMAT": "json"}
	ctx := context.Background()
	first, second := filepath.Join(drop, "s1.csv"), filepath.Join(drop, "s2.csv")
	require.NoError(t, os.WriteFile(first, []byte(studentHeader+student("1", "Gymnasium")), 0o600))
	require.NoError(t, os.WriteFile(second, []byte(studentHeader+student("1", "Gymnasium")+student("2", "Gymnasium")), 0o600))

	// Hold the first import at its first write: it runs and holds the
	// kind's turn.
	lock, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = lock.Rollback(ctx) }() // the lock only holds the import; nothing to undo
	_, err = lock.Exec(ctx, `LOCK TABLE sbeat_student IN EXCLUSIVE MODE`)
	require.NoError(t, err)
	out, errOut, err := runCLI(t, env, "trigger", "import", "--json", fmt.Sprintf(`{"path": %q, "kind": "sbeat_students"}`, first))
	require.NoError(t, err, errOut)
	var firstJob int64
	_, err = fmt.Sscanf(out, "import queued: job %d", &firstJob)
	require.NoError(t, err, out)
	require.Eventually(t, func() bool {
		var waiting int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'sbeat_student'::regclass`).Scan(&waiting)
		return err == nil && waiting > 0
	}, 2*time.Minute, 50*time.Millisecond, "the first import never reached its first write")

	stderr := &noticeBuffer{seen: make(chan struct{}),
		want: fmt.Sprintf("waiting: another import of sbeat_students (job %d, file s1.csv) is running; this one starts when it ends\n", firstJob)}
	var stdout bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"trigger", "import", "--json", fmt.Sprintf(`{"path": %q, "kind": "sbeat_students"}`, second), "--wait", "--poll", "50ms"},
			func(k string) string { return env[k] }, &stdout, stderr)
	}()
	select {
	case <-stderr.seen:
	case err := <-done:
		t.Fatalf("trigger --wait ended (%v) without naming the import it waits for; stderr: %s", err, stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no notice of the running import; stderr: %s", stderr.String())
	}
	require.NoError(t, lock.Rollback(ctx))
	require.NoError(t, <-done, stderr.String())
	require.Equal(t, 1, strings.Count(stderr.String(), "waiting: another import"), "said once: %s", stderr.String())
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM sbeat_student`).Scan(&n))
	require.Equal(t, 2, n, "both imports ran, one after the other")
}
