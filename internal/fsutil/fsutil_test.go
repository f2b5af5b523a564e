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

// groupDir makes a directory of mode perm owned by a group other than the
// process's primary one when it can (as root any group; otherwise a
// supplementary group of the process, if any), and returns it with that
// group.
func groupDir(t *testing.T, perm os.FileMode) (string, int) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pickup")
	require.NoError(t, os.Mkdir(dir, 0o700))
	gid := os.Getgid()
	if os.Geteuid() == 0 {
		gid = 4711
	} else if groups, _ := os.Getgroups(); len(groups) > 0 {
		for _, g := range groups {
			if g != gid {
				gid = g
				break
			}
		}
	}
	require.NoError(t, os.Chown(dir, -1, gid))
	require.NoError(t, os.Chmod(dir, perm))
	return dir, gid
}

func statOf(t *testing.T, path string) (os.FileMode, int) {
	t.Helper()
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info.Mode().Perm(), int(info.Sys().(*syscall.Stat_t).Gid)
}

// Not parallel: the umask is the process's.
func TestSharedFilesFollowTheDirectorysGroup(t *testing.T) {
	old := syscall.Umask(0o077) // the unit's UMask: sestd must not rely on it
	defer syscall.Umask(old)

	// An operator's 0750 export directory of the university's group.
	dir, gid := groupDir(t, 0o750)
	path := filepath.Join(dir, "bewerbungen_000001.csv")
	require.NoError(t, fsutil.WriteFileShared(path, []byte("a;b\n")))
	mode, g := statOf(t, path)
	require.Equal(t, os.FileMode(0o640), mode, "group-readable in a 0750 directory")
	require.Equal(t, gid, g, "of the directory's group")
	dmode, _ := statOf(t, dir)
	require.Equal(t, os.FileMode(0o750), dmode, "the operator's directory is left as it was")
	require.NoError(t, fsutil.MkdirPrivate(dir))
	dmode, _ = statOf(t, dir)
	require.Equal(t, os.FileMode(0o750), dmode, "MkdirPrivate does not tighten a directory that exists")

	// A 0777 directory gives the group read and write, others nothing.
	open, _ := groupDir(t, 0o777)
	require.NoError(t, fsutil.WriteFileShared(filepath.Join(open, "x.csv"), []byte("x")))
	mode, _ = statOf(t, filepath.Join(open, "x.csv"))
	require.Equal(t, os.FileMode(0o660), mode, "never a bit for others")

	// processed/ in a 0770 inbox: created with the inbox's group bits.
	inbox, igid := groupDir(t, 0o770)
	require.NoError(t, fsutil.MkdirShared(filepath.Join(inbox, "sbeat_students", "processed")))
	for _, d := range []string{filepath.Join(inbox, "sbeat_students"), filepath.Join(inbox, "sbeat_students", "processed")} {
		mode, g := statOf(t, d)
		require.Equal(t, os.FileMode(0o770), mode, d)
		require.Equal(t, igid, g, d)
	}
	// In a set-group-ID pickup directory (the unit's setup), new
	// directories keep the bit.
	sgid, _ := groupDir(t, 0o750)
	require.NoError(t, os.Chmod(sgid, 0o750|os.ModeSetgid))
	require.NoError(t, fsutil.MkdirShared(filepath.Join(sgid, "failed")))
	info, err := os.Stat(filepath.Join(sgid, "failed"))
	require.NoError(t, err)
	require.Equal(t, os.ModeSetgid|os.ModeDir|0o750, info.Mode())

	// A file moved in keeps at most the group's read and write.
	moved := filepath.Join(inbox, "sbeat_students", "processed", "students.csv")
	require.NoError(t, os.WriteFile(moved, []byte("x"), 0o644))
	require.NoError(t, os.Chmod(moved, 0o666))
	require.NoError(t, fsutil.ShareFile(moved))
	mode, g = statOf(t, moved)
	require.Equal(t, os.FileMode(0o660), mode)
	require.Equal(t, igid, g)

	// Documents and other private files stay owner-only, even in a group
	// directory.
	require.NoError(t, fsutil.WriteFileAtomic(filepath.Join(dir, "doc.pdf"), []byte("%PDF")))
	mode, _ = statOf(t, filepath.Join(dir, "doc.pdf"))
	require.Equal(t, os.FileMode(0o600), mode)
}
