package importers

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sestd/internal/fsutil"
)

// InboxFile is a file waiting in the inbox.
type InboxFile struct {
	// Path is the file's path; Dir the folder it sits in.
	Path string
	Dir  string
	Name string
	// Kind is what DetectKind tells; KindErr is set when it cannot.
	Kind    Kind
	KindErr error
	Size    int64
	ModTime time.Time
}

// ProcessedDir is the folder the file goes to after a successful import;
// pass it as Options.RejectsDir so that the rejects file lands next to it.
func (f InboxFile) ProcessedDir() string { return filepath.Join(f.Dir, "processed") }

// UploadsDirName is the folder of import.inbox_dir that holds uploads
// (the admin API's, imported by their own job).
const UploadsDirName = "uploads"

// ScanInbox lists the files waiting in dir: files directly in it (kind from
// the file name) and in its subfolders named after a kind (one level). It
// skips processed/ and failed/, sestd's own files (the rejects/ and
// uploads/ folders, rejects files and reports of missing rows beside a
// file, see IsOwnOutput), hidden files and files still being written by
// convention (*.part, *.tmp). Files come oldest first. A missing dir is an
// error.
func ScanInbox(dir string) ([]InboxFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading inbox: %w", err)
	}
	var out []InboxFile
	add := func(folder string, e os.DirEntry) {
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".tmp") || !e.Type().IsRegular() || IsOwnOutput(name) {
			return
		}
		info, err := e.Info()
		if err != nil {
			return // gone meanwhile
		}
		p := filepath.Join(folder, name)
		k, kerr := DetectKind(p)
		out = append(out, InboxFile{Path: p, Dir: folder, Name: name, Kind: k, KindErr: kerr, Size: info.Size(), ModTime: info.ModTime()})
	}
	for _, e := range entries {
		if e.IsDir() {
			switch e.Name() {
			case "processed", "failed", RejectsDirName, UploadsDirName:
				continue
			}
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			sub := filepath.Join(dir, e.Name())
			subEntries, err := os.ReadDir(sub)
			if err != nil {
				return nil, fmt.Errorf("reading inbox folder %s: %w", e.Name(), err)
			}
			for _, se := range subEntries {
				add(sub, se)
			}
			continue
		}
		add(dir, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ModTime.Before(out[j].ModTime) })
	return out, nil
}

// MoveDone moves f into processed/ (ok) or failed/ next to it, atomically
// (a rename within the folder's file system). A file of the same name
// there is not overwritten: the moved file gets a timestamp suffix.
// Created folders take the inbox folder's group and group bits
// (fsutil.MkdirShared); the moved file becomes readable by that group at
// most (fsutil.ShareFile).
func MoveDone(f InboxFile, ok bool) error {
	target := filepath.Join(f.Dir, "failed")
	if ok {
		target = f.ProcessedDir()
	}
	if err := fsutil.MkdirShared(target); err != nil {
		return fmt.Errorf("creating %s: %w", target, err)
	}
	dst := filepath.Join(target, f.Name)
	if _, err := os.Lstat(dst); err == nil {
		ext := filepath.Ext(f.Name)
		dst = filepath.Join(target, fmt.Sprintf("%s.%s%s", strings.TrimSuffix(f.Name, ext), time.Now().UTC().Format("20060102T150405.000000000"), ext))
	}
	if err := os.Rename(f.Path, dst); err != nil {
		return fmt.Errorf("moving %s: %w", f.Name, err)
	}
	// It holds personal data: readable by the folder's group at most.
	if err := fsutil.ShareFile(dst); err != nil {
		return fmt.Errorf("setting the mode of %s: %w", dst, err)
	}
	return nil
}
