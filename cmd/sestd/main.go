// Command sestd keeps a university's admissions systems in sync with the
// Servicestelle. Run `sestd --help` for its commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	if code := runMain(); code != 0 {
		os.Exit(code)
	}
}

// runMain runs the command line and returns the exit code; its deferred
// calls (the signal handler's release) run before main exits.
func runMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := env{getenv: os.Getenv, environ: os.Environ, stdout: os.Stdout, stderr: os.Stderr}
	if err := runEnv(ctx, e, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sestd:", err)
		return exitCode(err)
	}
	return 0
}
