package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	out, _, err := runCLI(t, nil, "--help")
	require.NoError(t, err)
	for _, c := range commands() {
		require.Contains(t, out, c.name)
		helpArgs := []string{c.name, "--help"}
		if c.name == "config" {
			helpArgs = []string{"config", "check", "--help"}
		}
		out, _, err := runCLI(t, nil, helpArgs...)
		require.NoError(t, err, c.name)
		require.Contains(t, out, "Usage: sestd "+c.name, c.name)
	}
	_, _, err = runCLI(t, nil, "frobnicate")
	require.ErrorIs(t, err, errUsage)
}

func TestVersion(t *testing.T) {
	t.Parallel()
	out, _, err := runCLI(t, nil, "version")
	require.NoError(t, err)
	require.Regexp(t, `^sestd \S+ \(commit \S+, go1\.\d+`, out)
}

func TestConfigCheckRedactsSecrets(t *testing.T) {
	t.Parallel()
	out, _, err := runCLI(t, map[string]string{
		"SESTD_SERVICESTELLE_PASSWORD": "very-secret-soap",
		"SESTD_ADMIN_TOKEN":            "very-secret-admin-token",
	}, "config", "check")
	require.NoError(t, err)
	require.NotContains(t, out, "very-secret")
	require.Contains(t, out, "password: '[redacted]'")

	_, _, err = runCLI(t, map[string]string{"SESTD_LOG_LEVEL": "chatty"}, "config", "check")
	require.ErrorContains(t, err, "log.level: must be one of")
	_, _, err = runCLI(t, map[string]string{"SESTD_OUTBOX_MAX_ATTEMPTS": "0", "SESTD_OUTBOX_DIGEST": "daily"}, "config", "check")
	require.ErrorContains(t, err, "outbox.max_attempts: must be at least 1")
	require.ErrorContains(t, err, "outbox.digest: must be a cron expression")
}

func TestMigrateStatusAndRefusal(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SESTD_DATABASE_URL": testdb.EmptyURL(t), "SESTD_LOG_FORMAT": "json"}

	out, _, err := runCLI(t, env, "migrate", "--status")
	require.NoError(t, err)
	require.Contains(t, out, "pending")
	require.Regexp(t, `0 applied, \d+ pending`, out)

	_, _, err = runCLI(t, env, "run")
	require.ErrorContains(t, err, "run `sestd migrate` first")

	out, _, err = runCLI(t, env, "migrate")
	require.NoError(t, err)
	require.Contains(t, out, "applied")
	out, _, err = runCLI(t, env, "migrate")
	require.NoError(t, err)
	require.Contains(t, out, "nothing to apply")

	out, _, err = runCLI(t, env, "migrate", "--status")
	require.NoError(t, err)
	require.Contains(t, out, " 0 pending")
	require.False(t, strings.Contains(out, "\tpending"))
}
