package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgxpool"

	"sestd/internal/console"
	"sestd/internal/store"
)

// The demo's console account: an admin, so that every page can be seen.
const (
	demoConsoleUser     = "demo"
	demoConsolePassword = "demo-passwort-2026"
)

// printConsole makes (or resets) the demo's console account and prints
// where the console is. A failure is printed, not fatal: the rest of the
// demo does not need the console.
func printConsole(ctx context.Context, pool *pgxpool.Pool, out io.Writer, adminAddr net.Addr) {
	if err := consoleAccount(ctx, store.New(pool)); err != nil {
		fmt.Fprintf(out, "(console account: %v)\n", err)
		return
	}
	fmt.Fprintf(out, "  console     http://%s/   (user %s, password %s, role admin)\n\n", adminAddr, demoConsoleUser, demoConsolePassword)
}

func consoleAccount(ctx context.Context, st *store.Store) error {
	hash, err := console.HashPassword(demoConsolePassword)
	if err != nil {
		return err
	}
	_, err = st.UserCreate(ctx, demoConsoleUser, store.RoleAdmin, hash)
	if errors.Is(err, store.ErrUserExists) {
		return st.UserSetPassword(ctx, demoConsoleUser, hash)
	}
	return err
}
