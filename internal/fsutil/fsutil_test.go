package fsutil_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/fsutil"
)

func TestSafeName(t *testing.T) {
	require.Equal(t, "B1_2-x", fsutil.SafeName("B1_2-x"))
	require.Equal(t, "______etc_passwd", fsutil.SafeName("../../etc/passwd"))
	require.Equal(t, "a_b_", fsutil.SafeName("a\"b\n"))
}

// Not parallel: the umask is the process's.
func TestWriteFileAtomicIsOwnerOnlyWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "new", "deeper", "f.csv")
	require.NoError(t, fsutil.WriteFileAtomic(path, []byte("one")))
	require.NoError(t, fsutil.WriteFileAtomic(path, []byte("two")))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "two", string(got), "the second write replaces the first")
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	info, err = os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")
}
