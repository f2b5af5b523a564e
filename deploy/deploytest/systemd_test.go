package deploytest

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
)

const (
	unitPath = "deploy/systemd/sestd.service"
	// execStart is the command line the unit must run; the verify test
	// swaps its binary for one that exists.
	execStart = "/usr/local/bin/sestd run --config /etc/sestd/sestd.yaml"
	// maxExposure is the highest `systemd-analyze security` exposure level
	// accepted (0 is best, 10 worst; below 2 systemd rates "OK").
	maxExposure = 2.0
)

// unit is a parsed systemd unit file: section → key → values in order.
type unit map[string]map[string][]string

// last returns the effective value of a single-valued key and whether it is set.
func (u unit) last(section, key string) (string, bool) {
	vals := u[section][key]
	if len(vals) == 0 {
		return "", false
	}
	return vals[len(vals)-1], true
}

// parseUnit reads the subset of the unit file syntax the sestd unit uses:
// sections, key=value lines, comments. Continuation lines are rejected so
// that the parser never silently misreads the file.
func parseUnit(t *testing.T, b []byte) unit {
	t.Helper()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			require.True(t, strings.HasSuffix(line, "]"), "line %d: bad section header %q", n, line)
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
			continue
		}
		require.False(t, strings.HasSuffix(line, `\`), "line %d: continuation lines are not supported here", n)
		require.NotEmpty(t, section, "line %d: setting outside a section", n)
		key, val, ok := strings.Cut(line, "=")
		require.True(t, ok, "line %d: not key=value: %q", n, line)
		key = strings.TrimSpace(key)
		u[section][key] = append(u[section][key], strings.TrimSpace(val))
	}
	require.NoError(t, sc.Err())
	return u
}

// unitSeconds parses a systemd time span as used in the unit ("90", "90s",
// "1min 30s" is not used).
func unitSeconds(t *testing.T, v string) time.Duration {
	t.Helper()
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second
	}
	d, err := time.ParseDuration(strings.ReplaceAll(v, "min", "m"))
	require.NoError(t, err, "time span %q", v)
	return d
}

func TestSystemdUnitSettings(t *testing.T) {
	t.Parallel()
	u := parseUnit(t, readRepoFile(t, unitPath))
	require.Contains(t, u, "Unit")
	require.Contains(t, u, "Service")
	require.Contains(t, u, "Install")

	want := []struct{ section, key, value string }{
		{"Service", "Type", "notify"},
		{"Service", "NotifyAccess", "main"},
		{"Service", "ExecStart", execStart},
		{"Service", "Restart", "on-failure"},
		{"Service", "RestartSec", "5"},
		{"Service", "WatchdogSec", "60"},
		{"Service", "User", "sestd"},
		{"Service", "Group", "sestd"},
		{"Service", "DynamicUser", "no"},
		{"Service", "ProtectSystem", "strict"},
		{"Service", "ProtectHome", "yes"},
		{"Service", "PrivateTmp", "yes"},
		{"Service", "NoNewPrivileges", "yes"},
		{"Service", "CapabilityBoundingSet", ""},
		{"Service", "AmbientCapabilities", ""},
		{"Service", "UMask", "0077"},
		{"Service", "RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"},
		{"Service", "SystemCallArchitectures", "native"},
		{"Service", "EnvironmentFile", "-/etc/sestd/sestd.env"},
		{"Install", "WantedBy", "multi-user.target"},
	}
	for _, w := range want {
		got, ok := u.last(w.section, w.key)
		require.True(t, ok, "[%s] %s= is not set", w.section, w.key)
		require.Equal(t, w.value, got, "[%s] %s=", w.section, w.key)
	}
	require.Len(t, u["Service"]["ExecStart"], 1, "exactly one ExecStart=")
	require.Contains(t, u["Service"]["SystemCallFilter"], "@system-service")

	t.Run("stop timeout above River's shutdown grace", func(t *testing.T) {
		stop, ok := u.last("Service", "TimeoutStopSec")
		require.True(t, ok, "TimeoutStopSec= is not set")
		grace := config.Default().River.ShutdownGrace
		// sestd needs a moment after the grace to cancel jobs, record their
		// outcome and close the pool.
		require.GreaterOrEqual(t, unitSeconds(t, stop), grace+15*time.Second,
			"TimeoutStopSec=%s must leave room above river.shutdown_grace (%s)", stop, grace)
	})

	t.Run("writable paths are exactly sestd's data directories", func(t *testing.T) {
		def := config.Default()
		wantRW := []string{def.Sync.DocumentRoot, def.Import.InboxDir, def.Export.Dir}
		var gotRW []string
		for _, v := range u["Service"]["ReadWritePaths"] {
			gotRW = append(gotRW, strings.Fields(v)...)
		}
		require.ElementsMatch(t, wantRW, gotRW, "ReadWritePaths= must be the document root, inbox and export directories")

		// systemd creates the document root, owner-only. It would reset the
		// group and mode of the export and inbox directories on every
		// start: those are the operator's, with the pickup group.
		var state []string
		for _, v := range u["Service"]["StateDirectory"] {
			state = append(state, strings.Fields(v)...)
		}
		require.Equal(t, []string{"sestd/documents"}, state, "StateDirectory= must create only the document root")
		mode, _ := u.last("Service", "StateDirectoryMode")
		require.Equal(t, "0700", mode, "documents are sestd's alone")
		raw := readRepoFile(t, unitPath)
		for _, step := range []string{
			"install -d -m 2750 -o sestd -g sestd-pickup /var/lib/sestd/export",
			"install -d -m 2770 -o sestd -g sestd-pickup /var/lib/sestd/inbox",
		} {
			require.Contains(t, string(raw), step, "the unit shows the pickup setup")
		}
		for _, key := range []string{"RuntimeDirectory", "CacheDirectory", "LogsDirectory"} {
			require.NotContains(t, u["Service"], key, "%s= would add a writable directory", key)
		}
	})

	t.Run("environment names known config keys", func(t *testing.T) {
		known := map[string]bool{}
		for _, k := range config.Keys() {
			known[k[1]] = true
		}
		credentials := map[string]bool{}
		for _, v := range u["Service"]["LoadCredential"] {
			name, _, _ := strings.Cut(v, ":")
			credentials[name] = true
		}
		for _, v := range u["Service"]["Environment"] {
			for _, assignment := range strings.Fields(v) {
				name, val, ok := strings.Cut(assignment, "=")
				require.True(t, ok, "Environment=%s", v)
				if base, isFile := strings.CutSuffix(name, "_FILE"); isFile {
					require.True(t, known[base], "%s: %s is not a config key (internal/config)", name, base)
					cred, ok := strings.CutPrefix(val, "%d/")
					require.True(t, ok, "%s should point into the credentials directory (%%d/…), got %q", name, val)
					require.True(t, credentials[cred], "%s names credential %q without a LoadCredential=", name, cred)
					continue
				}
				require.True(t, known[name], "%s is not a config key (internal/config)", name)
			}
		}
	})
}

// stubUnit writes a copy of the unit into a temporary directory with the
// ExecStart binary replaced by one that exists here (the test binary), so
// that `systemd-analyze verify` checks everything else. mutate, when not nil,
// edits the copy further.
func stubUnit(t *testing.T, mutate func(string) string) string {
	t.Helper()
	b := string(readRepoFile(t, unitPath))
	self, err := os.Executable()
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(b, "\nExecStart="+execStart+"\n"), "ExecStart= line not found")
	b = strings.Replace(b, "\nExecStart=/usr/local/bin/sestd ", "\nExecStart="+self+" ", 1)
	if mutate != nil {
		b = mutate(b)
	}
	path := filepath.Join(t.TempDir(), "sestd.service")
	require.NoError(t, os.WriteFile(path, []byte(b), 0o644))
	return path
}

func TestSystemdUnitVerify(t *testing.T) {
	t.Parallel()
	tool := requireTool(t, "systemd-analyze", "systemd")

	verify := func(t *testing.T, path string) ([]string, result) {
		t.Helper()
		r := runTool(t, filepath.Dir(path), tool, "verify", "--man=no", path)
		// verify exits 0 on unknown keys and bad values, printing warnings;
		// every line about sestd.service counts. Lines about the host's own
		// units (pulled in as dependencies) are not ours to fix.
		var ours []string
		for _, line := range strings.Split(r.output(), "\n") {
			if strings.Contains(line, "sestd.service") {
				ours = append(ours, line)
			} else if strings.TrimSpace(line) != "" {
				t.Logf("systemd-analyze verify (host): %s", line)
			}
		}
		return ours, r
	}

	t.Run("unit is clean", func(t *testing.T) {
		t.Parallel()
		lines, r := verify(t, stubUnit(t, nil))
		require.NoError(t, r.err, "systemd-analyze verify:\n%s", r.output())
		require.Empty(t, lines, "systemd-analyze verify warns about the unit")
	})

	// The check is only worth something if it notices mistakes.
	t.Run("verify catches a broken unit", func(t *testing.T) {
		t.Parallel()
		lines, r := verify(t, stubUnit(t, func(s string) string {
			require.Contains(t, s, "\nWatchdogSec=60\n")
			return strings.Replace(s, "\nWatchdogSec=60\n", "\nWatchdogSecs=60\n", 1)
		}))
		require.True(t, r.err != nil || len(lines) > 0, "systemd-analyze verify accepted an unknown key")
	})
}

// exposureLine is the summary line of `systemd-analyze security`.
var exposureLine = regexp.MustCompile(`Overall exposure level for sestd\.service: (\d+\.\d+) (\w+)`)

func TestSystemdUnitSecurity(t *testing.T) {
	t.Parallel()
	tool := requireTool(t, "systemd-analyze", "systemd")
	path := stubUnit(t, nil)
	r := runTool(t, filepath.Dir(path), tool, "security", "--offline=yes", "--no-pager", path)
	if r.err != nil && strings.Contains(r.stderr, "--offline") {
		t.Skipf("systemd-analyze cannot rate unit files offline (systemd >= 250 needed): %s", r.stderr)
	}
	require.NoError(t, r.err, "systemd-analyze security: %s", r.output())
	m := exposureLine.FindStringSubmatch(r.stdout)
	require.NotNil(t, m, "no exposure level in:\n%s", r.output())
	exposure, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	t.Logf("systemd-analyze security: exposure %.1f %s", exposure, m[2])
	if exposure >= maxExposure {
		var weak []string
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "✗") {
				weak = append(weak, line)
			}
		}
		t.Fatalf("exposure %.1f %s, want below %.1f; weak settings:\n%s", exposure, m[2], maxExposure, strings.Join(weak, "\n"))
	}
	require.True(t, slices.Contains([]string{"OK", "SAFE"}, m[2]), "rating %s", m[2])
}
