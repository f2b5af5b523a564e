package importers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// reportPath names a report beside the rejects: <dir>/<name>.<what>.csv,
// or with the run id when that exists already.
func reportPath(dir, fileName, what string, runID int64) string {
	return outputPath(dir, fileName, what, ".csv", runID)
}

// rejectsPath names the rejects file: <dir>/<name>.rejects<ext>, or with
// the run id when that exists already.
func rejectsPath(dir, fileName string, runID int64) string {
	return outputPath(dir, fileName, outputRejects, filepath.Ext(fileName), runID)
}

// The files sestd writes beside an imported file: <name>.rejects<ext> and
// <name>.missing.csv (with -<run id> before the extension when the plain
// name is taken). IsOwnOutput recognises them by these names.
const (
	outputRejects = "rejects"
	outputMissing = "missing"
)

// RejectsDirName is the folder of import.inbox_dir that receives the
// rejects of imports of files outside the inbox (import.allowed_dirs).
const RejectsDirName = "rejects"

// outputPath names one of sestd's own files beside an imported file:
// <dir>/<base>.<what><ext>, or <base>.<what>-<run id><ext> when that
// exists already.
func outputPath(dir, fileName, what, ext string, runID int64) string {
	base := strings.TrimSuffix(filepath.Base(fileName), filepath.Ext(fileName))
	p := filepath.Join(dir, base+"."+what+ext)
	if _, err := os.Stat(p); err == nil {
		p = filepath.Join(dir, fmt.Sprintf("%s.%s-%d%s", base, what, runID, ext))
	}
	return p
}

// IsOwnOutput reports whether a file name is one outputPath makes: a
// rejects file or a report of missing rows. The inbox scan leaves them
// alone (an operator who fixed a rejects file renames it to import it).
func IsOwnOutput(name string) bool {
	ext := filepath.Ext(name)
	inner := filepath.Ext(strings.TrimSuffix(name, ext)) // ".rejects" or ".rejects-12"
	if inner == "" {
		return false
	}
	what, run, numbered := strings.Cut(inner[1:], "-")
	if numbered {
		if run == "" {
			return false
		}
		for _, c := range run {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	switch what {
	case outputRejects:
		return true
	case outputMissing:
		return strings.EqualFold(ext, ".csv")
	}
	return false
}
