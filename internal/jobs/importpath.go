package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/riverqueue/river"

	"sestd/internal/config"
	"sestd/internal/fsutil"
	"sestd/internal/importers"
	"sestd/internal/importers/charset"
)

// Server-side paths of the import job are confined. The daemon (often
// running with more rights than the operator who triggers a job through
// the admin API) reads a file only below import.inbox_dir or one of
// import.allowed_dirs, symlinks resolved, checked when the job is
// triggered and again when it runs; it writes rejects only below the inbox.
// The CLI's `sestd import` runs the same worker in the operator's own
// process (Deps.LocalFiles) and reads what the operator names.

// importRoots are the directories an import may read from, resolved.
func importRoots(cfg config.Config) []string {
	var roots []string
	for _, d := range append([]string{cfg.Import.InboxDir}, cfg.Import.AllowedDirs...) {
		if d == "" {
			continue
		}
		if r, err := filepath.EvalSymlinks(d); err == nil {
			d = r
		}
		roots = append(roots, filepath.Clean(d))
	}
	return roots
}

// below reports whether p lies strictly below root (both clean and
// absolute).
func below(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// confineImportPath resolves p (symlinks included) and returns the
// resolved path when it lies below the inbox or an allowed directory.
func confineImportPath(cfg config.Config, p string) (string, error) {
	if p == "" || !filepath.IsAbs(p) {
		return "", fmt.Errorf("path must be an absolute path on the server, got %q", p)
	}
	resolved, err := filepath.EvalSymlinks(p)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%s does not exist on the server", p)
	}
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", p, err)
	}
	roots := importRoots(cfg)
	for _, r := range roots {
		if below(r, resolved) {
			return resolved, nil
		}
	}
	shown := p
	if resolved != p {
		shown = fmt.Sprintf("%s (which is %s)", p, resolved)
	}
	return "", fmt.Errorf("%s is outside the directories an import may read (%s): copy the file into import.inbox_dir, upload it (POST /api/imports), use `sestd import` on the host, or name its directory in import.allowed_dirs",
		shown, strings.Join(roots, ", "))
}

// confineImport checks a's paths when it runs in the daemon and says
// where its rejects go: beside the file below the inbox, else into the
// inbox's rejects/ directory.
func confineImport(cfg config.Config, a ImportArgs) (ImportArgs, error) {
	resolved, err := confineImportPath(cfg, a.Path)
	if err != nil {
		return a, fmt.Errorf("%w: %w", importers.ErrPermanent, err)
	}
	a.Path = resolved
	inbox := filepath.Clean(cfg.Import.InboxDir)
	if r, err := filepath.EvalSymlinks(inbox); err == nil {
		inbox = r
	}
	if a.RejectsDir != "" {
		rd := a.RejectsDir
		if r, err := filepath.EvalSymlinks(rd); err == nil {
			rd = r
		}
		if !below(inbox, rd) && rd != inbox {
			return a, fmt.Errorf("%w: rejects directory %s is outside import.inbox_dir (%s)", importers.ErrPermanent, a.RejectsDir, inbox)
		}
		return a, nil
	}
	if !below(inbox, resolved) {
		a.RejectsDir = filepath.Join(inbox, importers.RejectsDirName)
		if err := fsutil.MkdirPrivate(a.RejectsDir); err != nil {
			return a, fmt.Errorf("creating the rejects directory: %w", err)
		}
	}
	return a, nil
}

// importTriggerArgs are the arguments an operator may give the import job
// through the admin API (where the rejects go and moving the file out of
// the inbox are sestd's own business).
type importTriggerArgs struct {
	Path     string `json:"path"`
	FileKind string `json:"kind,omitempty"`
	Mode     string `json:"mode,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	// TrustEncoding: see ImportArgs.
	TrustEncoding bool `json:"trust_encoding,omitempty"`
	Force         bool `json:"force,omitempty"`
}

// importTrigger decodes and checks an admin request for an import: the
// path confined, the kind given or told from the name, the mode known.
func importTrigger(cfg config.Config) func(raw json.RawMessage) (river.JobArgs, error) {
	return func(raw json.RawMessage) (river.JobArgs, error) {
		t, err := decodeArgs[importTriggerArgs](raw)
		if err != nil {
			return nil, err
		}
		path, err := confineImportPath(cfg, t.Path)
		if err != nil {
			return nil, err
		}
		if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file", t.Path)
		}
		if err := CheckImportArgs(t.FileKind, t.Mode, t.Encoding); err != nil {
			return nil, err
		}
		if t.FileKind == "" {
			if _, err := importers.DetectKind(path); err != nil {
				return nil, fmt.Errorf("%s; or name the kind (the \"kind\" argument, ?kind= for an upload)", plainImportError(err))
			}
		}
		return ImportArgs{Path: path, FileKind: t.FileKind, Mode: t.Mode, Encoding: t.Encoding, TrustEncoding: t.TrustEncoding, Force: t.Force}, nil
	}
}

// CheckImportArgs checks an import's kind (when given), mode and encoding
// where they are taken (the CLI, the admin API's trigger and upload), so
// that a mistake is refused at once, before anything is queued or
// recorded. The error names the allowed values.
func CheckImportArgs(kind, mode, encoding string) error {
	var errs []string
	if kind != "" {
		if _, err := importers.ParseKind(kind); err != nil {
			errs = append(errs, plainImportError(err))
		}
	}
	if _, err := importers.ParseMode(mode); err != nil {
		errs = append(errs, plainImportError(err))
	}
	if _, err := charset.Normalize(encoding); err != nil {
		errs = append(errs, fmt.Sprintf("unknown encoding %q (known: %s, %s)", encoding, charset.Auto, strings.Join(charset.Names(), ", ")))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// plainImportError is err's text without the "permanent import failure"
// prefix, for an answer to a person.
func plainImportError(err error) string {
	return strings.TrimPrefix(err.Error(), importers.ErrPermanent.Error()+": ")
}
