// Package fsutil writes files the way sestd must: atomically (temp file,
// fsync, rename, fsync of the directory) and owner-only (0600 files, 0700
// directories) whatever the process umask, because they hold applicants'
// personal data.
package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MkdirPrivate creates dir and its missing parents with mode 0700, and
// tightens dir itself to 0700 if it exists.
func MkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating directory %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("restricting directory %s: %w", dir, err)
	}
	return nil
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
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("creating temporary file in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
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
