package pgcluster_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/pgcluster"
)

// As root, a cluster asked for where postgres cannot enter moves to a
// reachable directory behind a symlink; a cluster that already lies there
// cannot move, and the error says in one line what to do.
func TestClusterBelowARootOnlyDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := pgcluster.FindBinDir(); err != nil {
		t.Skip(err)
	}
	home := t.TempDir() // 0700, root's
	require.NoError(t, os.Chmod(home, 0o700))

	asked := filepath.Join(home, "demo", "pg")
	require.NoError(t, os.MkdirAll(filepath.Dir(asked), 0o755))
	c, err := pgcluster.New(asked, 1)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Remove() })
	require.NotEqual(t, asked, c.Dir)
	require.False(t, strings.HasPrefix(c.Dir, home))
	target, err := os.Readlink(asked)
	require.NoError(t, err)
	require.Equal(t, c.Dir, target)
	again, err := pgcluster.New(asked, 1)
	require.NoError(t, err)
	require.Equal(t, c.Dir, again.Dir, "the next run finds the same directory")
	require.NoError(t, c.Remove())
	require.NoDirExists(t, c.Dir)
	_, err = os.Lstat(asked)
	require.ErrorIs(t, err, os.ErrNotExist, "the link goes with it")

	// A cluster that already lies out of postgres' reach stays there.
	stuck := filepath.Join(home, "old", "pg")
	require.NoError(t, os.MkdirAll(filepath.Join(stuck, "data"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(stuck, "data", "PG_VERSION"), []byte("15\n"), 0o600))
	_, err = pgcluster.New(stuck, 1)
	require.ErrorContains(t, err, "running as root, PostgreSQL runs as the postgres user, which cannot use "+stuck)
	require.ErrorContains(t, err, "choose a directory postgres can enter (e.g. --dir /var/tmp/sestd-demo) or run as an unprivileged user")
	require.NotContains(t, err.Error(), "\n", "one line")
}
