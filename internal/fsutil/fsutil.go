// Package fsutil writes files the way sestd must: atomically (temp file,
// fsync, rename, fsync of the directory), owner-only (0600 files, 0700
// directories) whatever the process umask for what holds personal data
// sestd keeps to itself (documents, rejects, subject exports), and for the
// files the university picks up (exports, the inbox's folders) readable by
// the group of the directory the operator made, never by others.
//
// sestd never changes the mode of a directory it did not create: an
// operator's 0750 export directory stays 0750.
package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// MkdirPrivate creates dir and its missing parents with mode 0700. A
// directory that exists is left as it is.
func MkdirPrivate(dir string) error {
	return mkdir(dir, func(string) (fs.FileMode, int) { return 0o700, -1 })
}

// MkdirShared creates dir and its missing parents like MkdirPrivate, but
// each created directory takes its parent's group and group bits (never
// others'): processed/ in a 0770 inbox of group "zulassung" is 0770 of
// that group. A directory that exists is left as it is.
func MkdirShared(dir string) error {
	return mkdir(dir, func(parent string) (fs.FileMode, int) {
		info, err := os.Stat(parent)
		if err != nil {
			return 0o700, -1
		}
		// A set-group-ID parent passes the bit on: files in the new
		// directory take its group too.
		return 0o700 | info.Mode().Perm()&0o070 | info.Mode()&os.ModeSetgid, groupOf(info)
	})
}

// mkdir creates the missing directories of dir, outermost first, each
// with the mode (exactly, whatever the umask) and group mode gives for its
// parent.
func mkdir(dir string, mode func(parent string) (fs.FileMode, int)) error {
	dir = filepath.Clean(dir)
	if info, err := os.Stat(dir); err == nil {
		if !info.IsDir() {
			return fmt.Errorf("creating directory %s: it is a file", dir)
		}
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("creating directory %s: %w", dir, err)
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdir(parent, mode); err != nil {
			return err
		}
	}
	perm, gid := mode(parent)
	if err := os.Mkdir(dir, perm); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("creating directory %s: %w", dir, err)
	} else if err != nil {
		return nil // made meanwhile by someone else: theirs
	}
	if !hasGroup(dir, gid) {
		if err := os.Chown(dir, -1, gid); err != nil {
			perm = 0o700 // not of the group: for no one else
		}
	}
	if err := os.Chmod(dir, perm); err != nil {
		return fmt.Errorf("setting the mode of directory %s: %w", dir, err)
	}
	return nil
}

// hasGroup reports whether path is of group gid already, or gid is -1
// (none asked for). A file created in a set-group-ID directory is, without
// a chown, which would fail where the group is not mapped (systemd's
// PrivateUsers=).
func hasGroup(path string, gid int) bool {
	if gid < 0 {
		return true
	}
	info, err := os.Stat(path)
	return err == nil && groupOf(info) == gid
}

// groupOf returns the file's group id, -1 when unknown.
func groupOf(info fs.FileInfo) int {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int(st.Gid)
	}
	return -1
}

// sharedMode returns the mode and group of a file to be shared through
// dir: 0600 plus the directory's group read and write bits (0640 in a 0750
// directory, 0660 in a 0770 one), never a bit for others.
func sharedMode(dir string) (fs.FileMode, int, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return 0, -1, fmt.Errorf("reading the mode of %s: %w", dir, err)
	}
	return 0o600 | info.Mode().Perm()&0o060, groupOf(info), nil
}

// ShareFile gives an existing file its directory's group and group read
// and write bits, and takes every other bit from group and others (0640
// in a 0750 directory); a file that cannot take the group becomes 0600.
func ShareFile(path string) error {
	perm, gid, err := sharedMode(filepath.Dir(path))
	if err != nil {
		return err
	}
	if !hasGroup(path, gid) {
		if err := os.Chown(path, -1, gid); err != nil {
			perm = 0o600
		}
	}
	if err := os.Chmod(path, perm); err != nil {
		return fmt.Errorf("setting the mode of %s: %w", path, err)
	}
	return nil
}

// WriteFileShared writes data to path atomically, like WriteFileAtomic,
// for the university to pick up: the file takes the directory's group and
// its group's read and write bits (0640 in a 0750 directory), never
// others'. When the file cannot be given the directory's group, it stays
// 0600. A missing directory is created 0700 (MkdirShared).
func WriteFileShared(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := MkdirShared(dir); err != nil {
		return err
	}
	perm, gid, err := sharedMode(dir)
	if err != nil {
		return err
	}
	if err := writeFile(path, data, perm, gid); err != nil {
		return err
	}
	return SyncDir(dir)
}

// WriteFileAtomic writes data to path with mode 0600: readers see the old
// file or the new one, never a part, also after a crash.
func WriteFileAtomic(path string, data []byte) error {
	if err := MkdirPrivate(filepath.Dir(path)); err != nil {
		return err
	}
	if err := WriteFileNoDirSync(path, data); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// WriteFileNoDirSync is WriteFileAtomic for many files in one existing
// directory: the file's contents are synced, the rename is durable only
// after SyncDir of the directory, which the caller must call before it
// relies on the files (e.g. before recording them in the database).
func WriteFileNoDirSync(path string, data []byte) error {
	return writeFile(path, data, 0o600, -1)
}

// writeFile writes data to a temporary file of mode perm (and group gid,
// if not -1) in path's directory and renames it to path.
func writeFile(path string, data []byte, perm fs.FileMode, gid int) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("creating temporary file in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if !hasGroup(tmp.Name(), gid) {
		if err := tmp.Chown(-1, gid); err != nil {
			perm = 0o600 // not of the directory's group: for no one else
		}
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("restricting %s: %w", tmp.Name(), err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("renaming into %s: %w", path, err)
	}
	return nil
}

// SyncDir makes renames in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening %s to sync: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// SafeName keeps letters, digits, '-' and '_' of s and replaces every
// other character with '_': fit for a file name or a header value built
// from an id that came from outside.
func SafeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}
