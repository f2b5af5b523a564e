package importers

import (
	"errors"
	"fmt"
	"io/fs"
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
// (a rename within the folder's file system), together with sestd's own
// files of it: the rejects files and reports of missing rows named after
// it (IsOwnOutput, <name>.rejects….<ext>, <name>.missing….csv) that lie
// beside it, left there by an import by hand, and the given outputs (the
// scan's own import writes them into processed/; they follow a file that
// failed). A file of the same name there is not overwritten: the moved
// file gets a timestamp suffix, and its outputs are named after the moved
// file. Created folders take the inbox folder's group and group bits
// (fsutil.MkdirShared); the moved file becomes readable by that group at
// most (fsutil.ShareFile), the outputs keep their (owner-only) mode.
// Moved maps each moved output's old path to its new one (for the import
// runs' rejects_path); it holds what was moved also when err is not nil.
func MoveDone(f InboxFile, ok bool, outputs ...string) (moved map[string]string, err error) {
	target := filepath.Join(f.Dir, "failed")
	if ok {
		target = f.ProcessedDir()
	}
	if err := fsutil.MkdirShared(target); err != nil {
		return nil, fmt.Errorf("creating %s: %w", target, err)
	}
	ext := filepath.Ext(f.Name)
	base := strings.TrimSuffix(f.Name, ext)
	stamp := time.Now().UTC().Format("20060102T150405.000000000")
	dst := filepath.Join(target, f.Name)
	if _, err := os.Lstat(dst); err == nil {
		dst = filepath.Join(target, fmt.Sprintf("%s.%s%s", base, stamp, ext))
	}
	if err := os.Rename(f.Path, dst); err != nil {
		return nil, fmt.Errorf("moving %s: %w", f.Name, err)
	}
	// It holds personal data: readable by the folder's group at most.
	if err := fsutil.ShareFile(dst); err != nil {
		return nil, fmt.Errorf("setting the mode of %s: %w", dst, err)
	}
	movedBase := strings.TrimSuffix(filepath.Base(dst), ext)

	// The outputs: those given, and those beside the file named after it.
	var todo []string
	for _, o := range outputs {
		if o != "" && filepath.Dir(o) != target {
			todo = append(todo, o)
		}
	}
	if entries, rerr := os.ReadDir(f.Dir); rerr == nil {
		for _, e := range entries {
			if e.Type().IsRegular() && outputOf(e.Name()) == base {
				todo = append(todo, filepath.Join(f.Dir, e.Name()))
			}
		}
	}
	moved = map[string]string{}
	for _, o := range todo {
		if _, done := moved[o]; done {
			continue
		}
		name := filepath.Base(o)
		if outputOf(name) != base {
			continue // not named after the file: leave it
		}
		rest := strings.TrimPrefix(name, base) // .rejects.csv, .missing-12.csv
		to := filepath.Join(target, movedBase+rest)
		if _, err := os.Lstat(to); err == nil {
			to = filepath.Join(target, movedBase+"."+stamp+rest)
		}
		if err := os.Rename(o, to); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return moved, fmt.Errorf("moving %s beside %s: %w", name, filepath.Base(dst), err)
		}
		moved[o] = to
	}
	return moved, nil
}

// outputOf returns the name of the file an output of sestd's (IsOwnOutput)
// belongs to, without its extension: "week2" for week2.rejects.csv and
// week2.missing-12.csv; "" for any other name.
func outputOf(name string) string {
	if !IsOwnOutput(name) {
		return ""
	}
	ext := filepath.Ext(name)
	rest := strings.TrimSuffix(name, ext)
	return strings.TrimSuffix(rest, filepath.Ext(rest))
}
