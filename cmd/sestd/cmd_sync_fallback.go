package main

import (
	"context"
	"fmt"
)

// cmdSync dispatches `sestd sync uni` until the sync command group of
// cmd_sync.go (with `sync download`, helper "mirror") is merged: then
// this file goes, and cmd_sync.go's cmdSync calls runSyncUni.
func cmdSync(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && args[0] == "uni" {
		return runSyncUni(ctx, e, args[1:])
	}
	usage := "Usage: sestd sync uni [--config FILE] [--json]\n\nRuns one outbound round now, in this process; see sestd sync uni --help.\n"
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	fmt.Fprint(e.stderr, usage)
	return errUsage
}
