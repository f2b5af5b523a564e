package deploytest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// toolTimeout bounds every external command; each finishes in well under a
// second on a healthy machine.
const toolTimeout = 15 * time.Second

// metricFamilies are the families sestd exposes (internal metrics), with
// their type. The alert rules and the dashboard may reference only these
// (besides up, go_* and process_*), and the dashboard must show every one.
var metricFamilies = map[string]string{
	"sestd_build_info":                    "gauge",
	"sestd_job_runs_total":                "counter",
	"sestd_job_duration_seconds":          "histogram",
	"sestd_river_jobs":                    "gauge",
	"sestd_soap_requests_total":           "counter",
	"sestd_soap_unknown_elements_total":   "counter",
	"sestd_soap_request_duration_seconds": "histogram",
	"sestd_sync_items_total":              "counter",
	"sestd_sync_cursor_age_seconds":       "gauge",
	"sestd_outbox_items":                  "gauge",
	"sestd_import_rows_total":             "counter",
	"sestd_mails_total":                   "counter",
}

// sestdMetricRef matches a sestd metric name in a PromQL expression.
var sestdMetricRef = regexp.MustCompile(`\bsestd_[a-z0-9_]+`)

// familyOf maps a series name to its family: histogram series carry
// _bucket, _sum and _count suffixes.
func familyOf(name string) string {
	if _, ok := metricFamilies[name]; ok {
		return name
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if ok && metricFamilies[base] == "histogram" {
			return base
		}
	}
	return ""
}

// repoRoot returns the module root (the directory holding go.mod).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "go.mod not found above the test directory")
		dir = parent
	}
}

// repoFile returns the path of a file given relative to the module root.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	return filepath.Join(repoRoot(t), filepath.FromSlash(rel))
}

// readRepoFile reads a file given relative to the module root.
func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(repoFile(t, rel))
	require.NoError(t, err)
	return b
}

// requireTool returns the path of an external tool or skips the test,
// naming the Debian package that provides it.
func requireTool(t *testing.T, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed: apt-get install %s", name, debianPackage)
	}
	return path
}

// result is what an external command did.
type result struct {
	stdout, stderr string
	err            error
}

// output is stdout and stderr together, for failure messages.
func (r result) output() string {
	return strings.TrimSpace(r.stdout + "\n" + r.stderr)
}

// runTool runs a command in dir with a timeout and returns its output; a
// non-zero exit is in result.err, a timeout fails the test.
func runTool(t *testing.T, dir, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	// Tools print in the C locale, and systemd-analyze must not page or
	// colour its output.
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "SYSTEMD_PAGER=cat", "SYSTEMD_COLORS=0", "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "%s %s timed out after %s", name, strings.Join(args, " "), toolTimeout)
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}
