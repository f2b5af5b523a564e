package main

import (
	"context"
	"errors"
)

// runSyncUni is `sestd sync uni`. A stub until helper "outbox" lands the
// real one (this file is theirs to replace).
func runSyncUni(_ context.Context, e env, args []string) error {
	fs := newFlags(e, "sync uni", "", "Sends the university's changes to the Servicestelle now (Sestco's sync_uni). Not yet available.")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	return errors.New("sestd sync uni: not yet")
}
