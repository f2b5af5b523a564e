package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
)

// env is how commands see the process environment (injected for tests).
type env struct {
	getenv func(string) string
	// environ lists the whole environment (os.Environ), to refuse unknown
	// SESTD_ variables; nil skips that check (tests that inject getenv).
	environ func() []string
	stdout  io.Writer
	stderr  io.Writer
	stdin   io.Reader // nil: os.Stdin
}

// command is one sestd subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// errUsage marks a command-line mistake: exit code 2, usage already shown.
var errUsage = errors.New("usage error")

// Exit statuses of commands that report an outcome (import, trigger
// --wait): 0 done, 1 failed (nothing done), 2 usage, 3 done in part (an
// import that rejected some rows and imported the rest).
const (
	exitFailed  = 1
	exitUsage   = 2
	exitPartial = 3
)

// exitError carries a command's exit status with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, errUsage):
		return exitUsage
	}
	return exitFailed
}

func commands() []command {
	return []command{
		{"run", "run the daemon (jobs, admin API, metrics)", cmdRun},
		{"import", "import a file (S-BEAT CSV, eKVV XML, FS persons, ranking list, university applications)", cmdImport},
		{"rang", "ranking upload: list Studienpakete, upload the Vergabeschema and Ranglisten entries, export their status", cmdRang},
		{"migrate", "apply database migrations (or list them with --status)", cmdMigrate},
		{"config", "check a config file and print the effective config (secrets redacted)", cmdConfig},
		{"demo", "run everything locally on defaults: throwaway PostgreSQL, simulator, daemon", cmdDemo},
		{"sim", "run a simulated Servicestelle (SOAP over HTTP) for tests and demos", cmdSim},
		{"sest", "before going live: compare the official WSDLs with sestd's (check-wsdl), call the Servicestelle once (ping)", cmdSest},
		{"sync", "run one sync round now in this process: download from the Servicestelle, or send the university's changes", cmdSync},
		{"trigger", "ask a running daemon to run a job now (admin API)", cmdTrigger},
		{"subject", "export or erase everything held about one applicant; run the retention purge", cmdSubject},
		{"user", "manage the console's accounts: add, list, passwd, disable", cmdUser},
		{"status", "show a running daemon's cursors, lag, queue, outbox, runs and failures (admin API)", cmdStatus},
		{"version", "print version, commit and Go version", cmdVersion},
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runEnv(ctx, env{getenv: getenv, stdout: stdout, stderr: stderr}, args)
}

func runEnv(ctx context.Context, e env, args []string) error {
	stderr, stdout := e.stderr, e.stdout
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	fmt.Fprintf(stderr, "sestd: unknown command %q\n\n", args[0])
	usage(stderr)
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `sestd keeps a university's admissions systems in sync with the Servicestelle
(Dialogorientiertes Serviceverfahren): it mirrors applicants and applications,
sends the university's applications and ranking lists, and imports files.

Usage: sestd <command> [flags]

Commands:
`)
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'sestd <command> --help' for a command's flags.
Configuration: --config FILE or SESTD_CONFIG; every key can be overridden by
SESTD_<SECTION>_<KEY> (see 'sestd run --help' and deploy/sestd.example.yaml).
`)
}

// newFlags makes a FlagSet whose --help prints the command's description.
func newFlags(e env, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet("sestd "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: sestd %s %s\n\n%s\n", name, synopsis, strings.TrimSpace(description))
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(out, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses args; --help prints usage to stdout and returns flag.ErrHelp.
func parse(fs *flag.FlagSet, e env, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return flag.ErrHelp
		}
		if a == "--" {
			break
		}
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return nil
}

func cmdVersion(_ context.Context, e env, args []string) error {
	fs := newFlags(e, "version", "", "Prints sestd's version, commit and Go version.")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	goVersion := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
	}
	fmt.Fprintf(e.stdout, "sestd %s (commit %s, %s)\n", version, buildCommit(), goVersion)
	return nil
}

// buildCommit is the -ldflags commit, else the VCS revision Go recorded.
func buildCommit() string {
	if commit != "unknown" {
		return commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
	}
	return commit
}
