package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
)

// One config file serves the daemon (whose unit sets SESTD_*_FILE to its
// credentials) and the CLI on the host (which reads the *_file keys).
func TestSecretFileKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	token := write("admin_token", "host-token-0123456789abcdef\n")
	dbpw := write("db_password", "db-secret")
	credToken := write("cred_admin_token", "unit-token-0123456789abcdef")
	cfgFile := write("sestd.yaml", "admin:\n  token_file: "+token+"\ndatabase:\n  password_file: "+dbpw+"\n")

	cfg, err := config.Load(cfgFile, func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, "host-token-0123456789abcdef", cfg.Admin.Token.Value(), "read from token_file, newline trimmed")
	require.Equal(t, "db-secret", cfg.Database.Password.Value())
	require.NotContains(t, cfg.Redacted(), "host-token")

	env := map[string]string{"SESTD_ADMIN_TOKEN_FILE": credToken}
	cfg, err = config.Load(cfgFile, func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "unit-token-0123456789abcdef", cfg.Admin.Token.Value(), "the environment's file wins")

	// The daemon need not be able to read the file the YAML names when the
	// environment sets the secret.
	unreadable := write("sestd2.yaml", "admin:\n  token_file: "+filepath.Join(dir, "missing")+"\n")
	_, err = config.Load(unreadable, func(k string) string { return env[k] })
	require.NoError(t, err)
	_, err = config.Load(unreadable, func(string) string { return "" })
	require.ErrorContains(t, err, "admin.token (from admin.token_file): reading secret file")

	both := write("sestd3.yaml", "admin:\n  token: inline-token-0123456789\n  token_file: "+token+"\n")
	_, err = config.Load(both, func(string) string { return "" })
	require.ErrorContains(t, err, "admin.token: set either admin.token or admin.token_file, not both")

	_, err = config.Load(write("sestd4.yaml", "admin:\n  tokenfile: x\n"), func(string) string { return "" })
	require.ErrorContains(t, err, `unknown key "tokenfile"`)
}
