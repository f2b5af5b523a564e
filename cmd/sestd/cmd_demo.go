package main

import (
	"context"

	"sestd/internal/demo"
	"sestd/internal/logging"
	"sestd/internal/metrics"
)

func cmdDemo(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "demo", "[--dir DIR] [--reset] [--admin ADDR] [--bewerbungen N] [--until-synced]", `
Runs the whole of sestd on this machine with nothing but the checkout and
PostgreSQL's binaries: a throwaway PostgreSQL cluster in DIR, the
Servicestelle simulator (with churn and a little fault injection), a mail
catcher writing to DIR/mail, generated sample files in the import inbox
(S-BEAT CSVs in windows-1252, eKVV XML, a ranking list, university
applications), and the daemon with every job on a short schedule.
It prints where to look and a live line of what sestd is doing. After the
first round it plays week two: a refreshed S-BEAT export and a second
delivery of the applications with status changes arrive, and the live
line's "changes sent" shows them reach the Servicestelle.

Ctrl-C stops everything and leaves no process behind; a second run reuses
DIR's state unless --reset is given.`)
	dir := fs.String("dir", ".sestd-demo", "state `directory` (PostgreSQL data, documents, inbox, exports, mail)")
	reset := fs.Bool("reset", false, "delete the state directory first")
	admin := fs.String("admin", "127.0.0.1:8787", "admin API listen `address`")
	n := fs.Int("bewerbungen", 2000, "size of the simulated Servicestelle")
	until := fs.Bool("until-synced", false, "stop once every stream has synced, the imports are done and week two has arrived")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	log, err := logging.New(e.stderr, "warn", "console")
	if err != nil {
		return err
	}
	return demo.Run(ctx, demo.Options{
		Dir: *dir, Reset: *reset, Admin: *admin, Bewerbungen: *n, Out: e.stdout, Log: log,
		Build: metrics.BuildInfo{Version: version, Commit: buildCommit()}, UntilSynced: *until,
	})
}
