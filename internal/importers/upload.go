package importers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sestd/internal/fsutil"
)

// Upload is a file stored for import by StoreUpload.
type Upload struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// StoreUpload writes an uploaded file into a new private directory below
// inboxDir/uploads (owner-only, 0600), keeping its sanitised name (the
// import tells a file's kind from its name). The inbox scan never takes
// files from there. On error nothing is left behind.
func StoreUpload(inboxDir string, now time.Time, name string, src io.Reader) (Upload, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	dir := filepath.Join(inboxDir, UploadsDirName, now.UTC().Format("20060102T150405Z")+"-"+hex.EncodeToString(rnd[:]))
	if err := fsutil.MkdirPrivate(dir); err != nil {
		return Upload{}, fmt.Errorf("storing upload: %w", err)
	}
	path := filepath.Join(dir, UploadName(name))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		_ = os.RemoveAll(dir)
		return Upload{}, fmt.Errorf("storing upload: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return Upload{}, fmt.Errorf("storing upload: %w", err)
	}
	return Upload{Path: path, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// UploadName keeps the base name's letters, digits, '.', '-' and '_';
// anything else becomes '_', leading dots go, and it is at most 200 bytes.
func UploadName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "/" || name == "." {
		return "upload"
	}
	name = strings.TrimLeft(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, name), ".")
	if name == "" {
		return "upload"
	}
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	return name
}
