package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestUserCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := store.New(pool)
	vars := map[string]string{"SESTD_DATABASE_URL": pool.Config().ConnString(), "SESTD_LOG_LEVEL": "warn", "USER": "it-admin"}
	user := func(stdin string, args ...string) (string, error) {
		var out, errOut bytes.Buffer
		e := env{getenv: func(k string) string { return vars[k] }, stdout: &out, stderr: &errOut, stdin: strings.NewReader(stdin)}
		err := cmdUser(ctx, e, args)
		return out.String() + errOut.String(), err
	}

	for _, sub := range []string{"add", "list", "passwd", "role", "disable"} {
		out, _, err := runCLI(t, nil, "user", sub, "--help")
		require.NoError(t, err, sub)
		require.Contains(t, out, "Usage: sestd user "+sub)
	}

	out, err := user("Korrekt-Pferd-Batterie\n", "add", "m.mueller", "--role", "operator", "--password-stdin")
	require.NoError(t, err)
	require.Equal(t, "account m.mueller added with role operator\n", out)
	_, err = user("Korrekt-Pferd-Batterie\n", "add", "m.mueller", "--role", "admin", "--password-stdin")
	require.ErrorContains(t, err, `account "m.mueller" exists already`)
	_, err = user("kurz\n", "add", "k.kurz", "--role", "viewer", "--password-stdin")
	require.ErrorContains(t, err, "at least 12 characters")
	_, err = user("", "add", "x", "--role", "chef", "--password-stdin")
	require.ErrorIs(t, err, errUsage)
	_, err = user("", "add", "x", "--role", "viewer")
	require.ErrorIs(t, err, errUsage, "a password or --sso")
	out, err = user("", "add", "s.sso", "--role", "viewer", "--sso")
	require.NoError(t, err, out)

	out, err = user("", "list")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	require.Regexp(t, `^m\.mueller\s+operator\s+password\s+enabled\s+never$`, lines[1])
	require.Regexp(t, `^s\.sso\s+viewer\s+sso\s+enabled\s+never$`, lines[2])

	_, err = user("Neues-Passwort-2026\n", "passwd", "m.mueller", "--password-stdin")
	require.NoError(t, err)
	_, err = user("", "role", "m.mueller", "--role", "admin")
	require.NoError(t, err)
	_, err = user("", "disable", "m.mueller")
	require.NoError(t, err)
	u, err := st.UserGet(ctx, "m.mueller")
	require.NoError(t, err)
	require.Equal(t, store.RoleAdmin, u.Role)
	require.NotNil(t, u.DisabledAt)
	_, err = user("", "disable", "nobody")
	require.ErrorContains(t, err, `no account "nobody"`)

	entries, _, err := st.AuditSearch(ctx, store.AuditQuery{Actor: "cli:it-admin", Action: "user.", Limit: 10})
	require.NoError(t, err)
	require.Len(t, entries, 5, "add, add (sso), passwd, role, disable")
}
