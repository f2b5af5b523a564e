package demo

import (
	"bytes"
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestPrintConsoleMakesTheDemoAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8787}
	var out bytes.Buffer
	printConsole(ctx, pool, &out, addr)
	require.Equal(t, "  console     http://127.0.0.1:8787/   (user demo, password demo-passwort-2026, role admin)\n\n", out.String())
	// A second run (the demo's state is kept) finds the account and resets it.
	out.Reset()
	printConsole(ctx, pool, &out, addr)
	require.Contains(t, out.String(), "user demo")
	u, err := store.New(pool).UserGet(ctx, "demo")
	require.NoError(t, err)
	require.Equal(t, store.RoleAdmin, u.Role)
	require.True(t, u.HasPassword)
}
