package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

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
	// No silent endpoint, and no documents unless switched on (Sestco's
	// defaults: SECO_WEBSERVICE's location mandatory since 0.3,
	// SECO_DOKUMENT_DOWNLOAD = False).
	require.Empty(t, cfg.Servicestelle.BaseURL)
	require.False(t, cfg.Sync.DokumentDownload)
	require.Equal(t, 24*time.Hour, cfg.Outbox.MaxBackoff)
	require.Empty(t, cfg.Outbox.AbschlussFilter)
}

func TestBaseURLIsRequiredWithTheServicestelle(t *testing.T) {
	t.Parallel()
	servicestelle := "servicestelle:\n  hochschulnummer: \"4411\"\n  username: hs4411\n  password: pw\n  vermittlungsprozess:\n    jahr: 2026\n"
	_, err := config.Load(writeFile(t, servicestelle), envOf(nil))
	require.ErrorContains(t, err, "servicestelle.base_url: must be set when servicestelle.hochschulnummer is")
	require.ErrorContains(t, err, "SESTD_SERVICESTELLE_BASE_URL")
	cfg, err := config.Load(writeFile(t, servicestelle), envOf(map[string]string{"SESTD_SERVICESTELLE_BASE_URL": "https://hsst.hochschulstart.de/hochschule/webservice/3"}))
	require.NoError(t, err)
	require.Equal(t, "https://hsst.hochschulstart.de/hochschule/webservice/3", cfg.Servicestelle.BaseURL)
	_, err = config.Load(writeFile(t, servicestelle+"  base_url: hsst.hochschulstart.de\n"), envOf(nil))
	require.ErrorContains(t, err, `servicestelle.base_url: must be an http(s) URL, got "hsst.hochschulstart.de"`)
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
		{"wrong type", "servicestelle:\n  package_size: many\n", nil, []string{"servicestelle.package_size: cannot read many as a whole number; write it like 500 (line 2)"}},
		{"duration as a number", "log:\n  level: info\nriver:\n  shutdown_grace: 60\n", nil, []string{`river.shutdown_grace: cannot read 60 as a duration; write it like "5m" or "60s" (line 4)`}},
		{"list as text", "mail:\n  to: admins@uni.example\n", nil, []string{"mail.to: cannot read admins@uni.example as a list; write it like [a, b] (line 2)"}},
		{"mapping for a number", "servicestelle:\n  vermittlungsprozess:\n    jahr: {a: 1}\n", nil, []string{"servicestelle.vermittlungsprozess.jahr: cannot read a mapping as a whole number; write it like 500 (line 3)"}},
		{"unknown nested key", "sync:\n  schedules:\n    detla: \"*/5 * * * *\"\n", nil, []string{`sync.schedules: unknown key "detla" (line 3;`}},
		{"url version differs", "servicestelle:\n  base_url: https://hsst.example/hochschule/webservice/3\n  interface_version: 4\n", nil, []string{"servicestelle.base_url: ends in interface version 3 but servicestelle.interface_version is 4"}},
		{"url without version", "servicestelle:\n  base_url: https://hsst.example/hochschule/webservice/\n", nil, []string{`servicestelle.base_url: does not end in the interface version (…/webservice/3), got "https://hsst.example/hochschule/webservice/": give the webservice location ending in the interface version, without a query or a service name, e.g. https://hsst.hochschulstart.de/hochschule/webservice/3 (sestd adds the service names itself)`}},
		{"url with service", "servicestelle:\n  base_url: https://hsst.example/hochschule/webservice/3/studiengaengeService\n", nil, []string{`servicestelle.base_url: names a service (studiengaengeService), got "https://hsst.example/hochschule/webservice/3/studiengaengeService": give the webservice location ending in the interface version`}},
		{"url with query", "servicestelle:\n  base_url: https://hsst.example/hochschule/webservice/3?wsdl\n", nil, []string{`servicestelle.base_url: has a query (?wsdl), got "https://hsst.example/hochschule/webservice/3?wsdl": give the webservice location ending in the interface version`}},
		{"bad export encoding", "export:\n  encoding: ebcdic\n", nil, []string{`export.encoding: must be utf-8 (or utf8) or windows-1252 (or cp1252), got "ebcdic"`}},
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
	path := writeFile(t, "servicestelle:\n  package_size: 100\n  base_url: http://sim:8089/hochschule/webservice/3\n  hochschulnummer: \"4411\"\n  username: hs4411\n  password: pw\n  vermittlungsprozess:\n    jahr: 2026\nriver:\n  queues:\n    sync: 3\n")
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
	_, err = config.Load("../../deploy/sestd.example.yaml", envOf(nil))
	require.Error(t, err, "the example config, unedited, must not pass")
	require.Equal(t, `servicestelle.password: must be set when servicestelle.hochschulnummer is (or SESTD_SERVICESTELLE_PASSWORD_FILE)
servicestelle.base_url: still the example's placeholder: fill in the test system's URL first, e.g. https://hsst.hochschulstart.de/hochschule/webservice/3 (or set SESTD_SERVICESTELLE_BASE_URL)
servicestelle.username: still the example's placeholder: fill in the web service user the Servicestelle gave you (or set SESTD_SERVICESTELLE_USERNAME)
servicestelle.hochschulnummer: still the example's placeholder: fill in your Hochschulnummer, e.g. 4411 (or set SESTD_SERVICESTELLE_HOCHSCHULNUMMER)`, err.Error())
	// Filled in, it is valid.
	_, err = config.Load("../../deploy/sestd.example.yaml", envOf(map[string]string{
		"SESTD_SERVICESTELLE_BASE_URL": "https://hsst.hochschulstart.de/hochschule/webservice/3",
		"SESTD_SERVICESTELLE_USERNAME": "hs4411", "SESTD_SERVICESTELLE_HOCHSCHULNUMMER": "4411",
		"SESTD_SERVICESTELLE_PASSWORD": "geheim",
	}))
	require.NoError(t, err, "the example config with its placeholders filled in is valid")
	// Every key stands in the example at its place (a key of another
	// section with the same name does not count).
	var example map[string]any
	require.NoError(t, yaml.Unmarshal(raw, &example))
	for _, k := range config.Keys() {
		node := any(example)
		for _, part := range strings.Split(k[0], ".") {
			section, ok := node.(map[string]any)
			require.True(t, ok, "key %s: %s is not a section in deploy/sestd.example.yaml", k[0], part)
			node, ok = section[part]
			require.True(t, ok, "key %s documented in deploy/sestd.example.yaml", k[0])
		}
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
		{"retry interval capped at an hour", "outbox:\n  max_backoff: 1h\n", nil, nil},
		{"cap below the first backoff", "outbox:\n  backoff: 2h\n  max_backoff: 1h\n", nil,
			[]string{"outbox.max_backoff: must not be shorter than outbox.backoff (2h0m0s), got 1h0m0s"}},
		{"no cap", "", map[string]string{"SESTD_OUTBOX_MAX_BACKOFF": "0s"}, []string{"outbox.max_backoff: must be at least 1s, got 0s"}},
		{"abschluss filter", "outbox:\n  abschluss_filter: [\"82\", \"84\"]\n", nil, nil},
		{"abschluss filter from env", "", map[string]string{"SESTD_OUTBOX_ABSCHLUSS_FILTER": "82, 84"}, nil},
		{"abschluss filter under both names", "outbox:\n  abschluss_filter: [\"82\"]\nsync:\n  abschluss_filter: [\"84\"]\n", nil,
			[]string{"sync.abschluss_filter: is the former name of outbox.abschluss_filter"}},
		{"abschluss filter with a bad key", "outbox:\n  abschluss_filter: [\"82\", \"82 84\"]\n", nil,
			[]string{`outbox.abschluss_filter[1]: must be an Abschluss key like 82, got "82 84"`}},
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

	_, err = config.Load(writeFile(t, "import:\n  max_removal_share: 10\n"), envOf(nil))
	require.ErrorContains(t, err, "import.max_removal_share: must be a share above 0 and at most 1 (0.1 = 10 %), got 10")

	// import.modes is checked against the kinds the importers declare.
	odd, err := config.Load(writeFile(t, "import:\n  modes:\n    students: sync\n    sbeat_exams: replace\n    ekvv: upsert\n"), envOf(nil))
	require.NoError(t, err)
	kinds := []config.ImportKind{{Name: "sbeat_exams", Modes: []string{"sync", "upsert"}}, {Name: "ekvv", Modes: []string{"upsert"}}}
	err = odd.CheckImportModes(kinds)
	require.EqualError(t, err, "import.modes.sbeat_exams: must be one of sync, upsert, got \"replace\"\n"+
		"import.modes.students: is not a kind; kinds are sbeat_exams, ekvv")
	require.NoError(t, cfg.CheckImportModes([]config.ImportKind{{Name: "sbeat_exams", Modes: []string{"upsert"}}, {Name: "ranking", Modes: []string{"sync"}}}))
}

func TestEncodingSpellings(t *testing.T) {
	t.Parallel()
	for enc, export := range map[string]string{"utf8": "utf-8", "utf-8": "utf-8", "UTF-8": "utf-8", "windows-1252": "windows-1252", "cp1252": "windows-1252"} {
		cfg, err := config.Load(writeFile(t, "import:\n  encoding: "+enc+"\nexport:\n  encoding: "+enc+"\n"), envOf(nil))
		require.NoError(t, err, enc)
		require.Equal(t, export, cfg.Export.Encoding, "the exports read one spelling")
	}
	_, err := config.Load(writeFile(t, "import:\n  encoding: latin_1\n"), envOf(nil))
	require.NoError(t, err)
	for _, enc := range []string{"auto", "latin_1"} {
		_, err = config.Load(writeFile(t, "export:\n  encoding: "+enc+"\n"), envOf(nil))
		require.ErrorContains(t, err, "export.encoding: must be utf-8 (or utf8) or windows-1252 (or cp1252)", enc)
	}
}

func TestUnknownEnvironmentVariables(t *testing.T) {
	t.Parallel()
	require.NoError(t, config.CheckEnviron([]string{"PATH=/bin", "SESTD_CONFIG=/etc/sestd/sestd.yaml",
		"SESTD_ADMIN_TOKEN_FILE=/run/credentials/sestd.service/admin_token", "SESTD_SYNC_SCHEDULES_DELTA=off"}))
	err := config.CheckEnviron([]string{"SESTD_SERVICESTELE_BASE_URL=http://x", "SESTD_DATABASE_PASSWORD_FIEL=/x", "SESTD_ADMIN_TOKEN=0123456789abcdef"})
	require.EqualError(t, err, "SESTD_DATABASE_PASSWORD_FIEL: unknown environment variable; did you mean SESTD_DATABASE_PASSWORD_FILE? (sestd run --help lists them)\n"+
		"SESTD_SERVICESTELE_BASE_URL: unknown environment variable; did you mean SESTD_SERVICESTELLE_BASE_URL? (sestd run --help lists them)")
}

func TestSendAbschluesseUnderEitherName(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(writeFile(t, "outbox:\n  abschluss_filter: [\"82\"]\n"), envOf(nil))
	require.NoError(t, err)
	require.Equal(t, []string{"82"}, cfg.SendAbschluesse())
	cfg, err = config.Load(writeFile(t, "sync:\n  abschluss_filter: [\"84\", \"90\"]\n"), envOf(nil))
	require.NoError(t, err)
	require.Equal(t, []string{"84", "90"}, cfg.SendAbschluesse(), "the former name means the same")
	cfg, err = config.Load("", envOf(nil))
	require.NoError(t, err)
	require.Empty(t, cfg.SendAbschluesse(), "all")
}
