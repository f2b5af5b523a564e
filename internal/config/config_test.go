package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sestd.yaml")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsAreValid(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("", envOf(nil))
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8787", cfg.Admin.Listen)
	require.Equal(t, 500, cfg.Servicestelle.PackageSize)
}

func TestErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		env        map[string]string
		want       []string
	}{
		{"unknown key", "log:\n  levle: debug\n", nil, []string{"unknown key \"levle\"", "line 2"}},
		{"unknown section", "servicestele:\n  base_url: x\n", nil, []string{"unknown key \"servicestele\""}},
		{"bad level", "log:\n  level: loud\n", nil, []string{"log.level: must be one of debug, info, warn, error"}},
		{"bad package size", "servicestelle:\n  package_size: 0\n", nil, []string{"servicestelle.package_size: must be between 1 and 5000"}},
		{"bad schedule", "sync:\n  schedules:\n    delta: every minute\n", nil, []string{"sync.schedules.delta: must be a cron expression"}},
		{"bad semester", "servicestelle:\n  vermittlungsprozess:\n    semester: HS\n", nil, []string{"servicestelle.vermittlungsprozess.semester: must be one of WS, SS"}},
		{"public admin without token", "admin:\n  listen: 0.0.0.0:8787\n", nil, []string{"admin.token: must be set when admin.listen"}},
		{"env duration", "", map[string]string{"SESTD_RIVER_SHUTDOWN_GRACE": "soon"}, []string{"river.shutdown_grace (from SESTD_RIVER_SHUTDOWN_GRACE): must be a duration"}},
		{"env int", "", map[string]string{"SESTD_SERVICESTELLE_INTERFACE_VERSION": "three"}, []string{"servicestelle.interface_version (from SESTD_SERVICESTELLE_INTERFACE_VERSION): must be an integer"}},
		{"two errors at once", "log:\n  level: x\n  format: y\n", nil, []string{"log.level:", "log.format:"}},
		{"queue missing", "", map[string]string{"SESTD_RIVER_QUEUES": "default=2"}, []string{`river.queues: must give workers for sestd's queue "sync"`}},
		{"bad time zone", "servicestelle:\n  time_zone: Mars/Olympus\n", nil, []string{"servicestelle.time_zone: must be an IANA zone"}},
		{"wrong type", "servicestelle:\n  package_size: many\n", nil, []string{"line 2", "many"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := ""
			if tc.yaml != "" {
				path = writeFile(t, tc.yaml)
			}
			_, err := config.Load(path, envOf(tc.env))
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "servicestelle:\n  package_size: 100\n  hochschulnummer: \"4411\"\n  username: hs4411\n  password: pw\n  vermittlungsprozess:\n    jahr: 2026\nriver:\n  queues:\n    sync: 3\n")
	cfg, err := config.Load(path, envOf(map[string]string{
		"SESTD_SERVICESTELLE_PACKAGE_SIZE": "250",
		"SESTD_RIVER_SHUTDOWN_GRACE":       "90s",
		"SESTD_SYNC_ABSCHLUSS_FILTER":      "84, 90",
		"SESTD_RIVER_QUEUES":               "default=2,sync=5,outbound=1,import=1",
		"SESTD_SYNC_DOKUMENT_DOWNLOAD":     "false",
	}))
	require.NoError(t, err)
	require.Equal(t, 250, cfg.Servicestelle.PackageSize)
	require.Equal(t, "4411", cfg.Servicestelle.Hochschulnummer, "file values stay where env is silent")
	require.Equal(t, 90*time.Second, cfg.River.ShutdownGrace)
	require.Equal(t, []string{"84", "90"}, cfg.Sync.AbschlussFilter)
	require.Equal(t, map[string]int{"default": 2, "sync": 5, "outbound": 1, "import": 1}, cfg.River.Queues)
	require.False(t, cfg.Sync.DokumentDownload)
}

func TestSecretsFromFilesAndRedacted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "pw")
	require.NoError(t, os.WriteFile(secret, []byte("s3cr3t-from-file\n"), 0o600))
	cfg, err := config.Load("", envOf(map[string]string{
		"SESTD_SERVICESTELLE_PASSWORD_FILE": secret,
		"SESTD_ADMIN_TOKEN":                 "token-abcdefghijklmnop",
		"SESTD_DATABASE_URL":                "postgres://sestd:urlpass@db:5432/sestd",
		"SESTD_MAIL_PASSWORD":               "mail-pass-123",
	}))
	require.NoError(t, err)
	require.Equal(t, "s3cr3t-from-file", cfg.Servicestelle.Password.Value(), "trailing newline trimmed")
	out := cfg.Redacted()
	for _, s := range []string{"s3cr3t-from-file", "token-abcdefghijklmnop", "urlpass", "mail-pass-123"} {
		require.NotContains(t, out, s)
	}
	require.Contains(t, out, "[redacted]")
	require.Contains(t, out, "db:5432")

	_, err = config.Load("", envOf(map[string]string{"SESTD_ADMIN_TOKEN_FILE": filepath.Join(dir, "missing")}))
	require.ErrorContains(t, err, "admin.token (from SESTD_ADMIN_TOKEN_FILE)")
}

func TestEveryKeyIsInTheExampleConfig(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../deploy/sestd.example.yaml")
	require.NoError(t, err)
	cfg, err := config.Load("../../deploy/sestd.example.yaml", envOf(nil))
	require.NoError(t, err, "the example config is valid")
	_ = cfg
	for _, k := range config.Keys() {
		parts := strings.Split(k[0], ".")
		require.Contains(t, string(raw), parts[len(parts)-1]+":", "key %s documented in deploy/sestd.example.yaml", k[0])
	}
}

func TestOutboxKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		env        map[string]string
		want       []string // none: valid
	}{
		{"defaults", "", nil, nil},
		{"one attempt, no backoff, no digest", "outbox:\n  max_attempts: 1\n  backoff: 0s\n  digest: \"off\"\n", nil, nil},
		{"no attempts", "outbox:\n  max_attempts: 0\n", nil, []string{"outbox.max_attempts: must be at least 1, got 0"}},
		{"negative attempts from env", "", map[string]string{"SESTD_OUTBOX_MAX_ATTEMPTS": "-2"}, []string{"outbox.max_attempts: must be at least 1, got -2"}},
		{"negative backoff", "outbox:\n  backoff: -5m\n", nil, []string{"outbox.backoff: must not be negative, got -5m0s"}},
		{"negative backoff from env", "", map[string]string{"SESTD_OUTBOX_BACKOFF": "-1s"}, []string{"outbox.backoff: must not be negative, got -1s"}},
		{"bad digest without mail", "outbox:\n  digest: daily\n", nil, []string{`outbox.digest: must be a cron expression like "*/5 * * * *" or "off", got "daily"`}},
		{"bad digest with mail", "mail:\n  host: smtp.example\n  from: sestd@uni.example\n  to: [admins@uni.example]\noutbox:\n  digest: \"0 7 * *\"\n", nil,
			[]string{`outbox.digest: must be a cron expression`}},
		{"all three at once", "outbox:\n  max_attempts: 0\n  backoff: -1m\n  digest: never\n", nil,
			[]string{"outbox.max_attempts:", "outbox.backoff:", "outbox.digest:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := ""
			if tc.yaml != "" {
				path = writeFile(t, tc.yaml)
			}
			_, err := config.Load(path, envOf(tc.env))
			if len(tc.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestImportModesAndRemovalShare(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(writeFile(t, "import:\n  modes:\n    sbeat_exams: upsert\n    ranking: sync\n  max_removal_share: 0.25\n"), envOf(nil))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"sbeat_exams": "upsert", "ranking": "sync"}, cfg.Import.Modes)
	require.Equal(t, 0.25, cfg.Import.MaxRemovalShare)
	def, err := config.Load("", envOf(nil))
	require.NoError(t, err)
	require.Equal(t, 0.10, def.Import.MaxRemovalShare)

	_, err = config.Load(writeFile(t, "import:\n  modes:\n    students: sync\n    sbeat_exams: replace\n  max_removal_share: 10\n"), envOf(nil))
	require.Error(t, err)
	require.ErrorContains(t, err, "import.modes.students: is not a kind; kinds are sbeat_students, sbeat_exams")
	require.ErrorContains(t, err, `import.modes.sbeat_exams: must be one of sync, create, update, remove, upsert, got "replace"`)
	require.ErrorContains(t, err, "import.max_removal_share: must be a share above 0 and at most 1 (0.1 = 10 %), got 10")
}
