package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"sestd/internal/console"
	"sestd/internal/store"
)

const userHelp = `
Manages the accounts of the operator console (served by 'sestd run' at / of
admin.listen). One account per person; every read of an applicant and every
action in the console is in the audit log under the account's name.

Roles, each with the rights of the one before:
  viewer    reads every page (applicants, outbox, imports, Ranglisten, upload log)
  operator  also acts: retry and discard outbox items, upload imports, send Ranglisten
  admin     also reads the audit log and exports or erases an applicant's data

  add NAME --role ROLE (--password-stdin | --sso)
            creates an account; the password (at least 12 characters) is
            read from the first line of standard input, never from the
            command line. --sso makes an account without a password that
            signs in only through console.sso_header.
  list      lists the accounts with role, state and last sign-in
  passwd NAME --password-stdin
            sets a new password and ends the account's sessions
  role NAME --role ROLE
            changes the role
  disable NAME [--enable]
            disables the account (ending its sessions), or enables it again

Examples:
  printf '%s\n' "$PASSWORD" | sestd user add m.mueller --role operator --password-stdin
  sestd user list

Usage:
  sestd user add|list|passwd|role|disable [NAME] [flags]`

func cmdUser(ctx context.Context, e env, args []string) error {
	subs := []string{"add", "list", "passwd", "role", "disable"}
	top := newFlags(e, "user", "add|list|passwd|role|disable [NAME] [flags]", userHelp)
	if len(args) == 0 || !slices.Contains(subs, args[0]) {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "-help" || args[0] == "help") {
			top.SetOutput(e.stdout)
			top.Usage()
			return flag.ErrHelp
		}
		top.Usage()
		return fmt.Errorf("%w: give a subcommand: %s", errUsage, strings.Join(subs, ", "))
	}
	sub := args[0]
	fs := newFlags(e, "user "+sub, "[NAME] [flags]", userHelp)
	cfgPath := configFlag(fs, e)
	var role *string
	var pwStdin, sso, enable *bool
	switch sub {
	case "add":
		role = fs.String("role", "", "viewer, operator or admin")
		pwStdin = fs.Bool("password-stdin", false, "read the password from standard input")
		sso = fs.Bool("sso", false, "no password: signs in only through console.sso_header")
	case "passwd":
		pwStdin = fs.Bool("password-stdin", false, "read the password from standard input (required)")
	case "role":
		role = fs.String("role", "", "viewer, operator or admin")
	case "disable":
		enable = fs.Bool("enable", false, "enable the account again instead")
	}
	// NAME may come before the flags.
	rest := args[1:]
	var name string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	if err := parse(fs, e, rest); err != nil {
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	if sub != "list" && name == "" {
		return fmt.Errorf("%w: name the account: sestd user %s NAME", errUsage, sub)
	}
	if role != nil && !slices.Contains(store.Roles, *role) {
		return fmt.Errorf("%w: --role must be one of %s, got %q", errUsage, strings.Join(store.Roles, ", "), *role)
	}
	var hash string
	switch sub {
	case "add":
		if *pwStdin == *sso {
			return fmt.Errorf("%w: give exactly one of --password-stdin and --sso", errUsage)
		}
		fallthrough
	case "passwd":
		if sub == "passwd" && !*pwStdin {
			return fmt.Errorf("%w: --password-stdin is required (passwords never go on the command line)", errUsage)
		}
		if *pwStdin {
			pw, err := readPassword(e)
			if err != nil {
				return err
			}
			if hash, err = console.HashPassword(pw); err != nil {
				return err
			}
		}
	}
	cfg, _, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	st, closeDB, err := openStore(ctx, cfg, 2)
	if err != nil {
		return err
	}
	defer closeDB()
	actor := "cli:" + defaultOperator(e)
	switch sub {
	case "add":
		u, err := st.UserCreate(ctx, name, *role, hash)
		if errors.Is(err, store.ErrUserExists) {
			return fmt.Errorf("account %q exists already; change it with 'sestd user passwd|role|disable'", name)
		}
		if err != nil {
			return fmt.Errorf("%w (names are 1 to 64 letters, digits and . _ @ -, starting with a letter or digit)", err)
		}
		if err := st.AuditInsert(ctx, actor, "user.add", name, map[string]any{"role": u.Role, "sso": !u.HasPassword}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "account %s added with role %s\n", u.Name, u.Role)
	case "list":
		users, err := st.UserList(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tSIGN-IN\tSTATE\tLAST SIGN-IN")
		for _, u := range users {
			how, state, last := "password", "enabled", "never"
			if !u.HasPassword {
				how = "sso"
			}
			if u.DisabledAt != nil {
				state = "disabled " + u.DisabledAt.Format("2006-01-02")
			}
			if u.LastSigninAt != nil {
				last = u.LastSigninAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, how, state, last)
		}
		return tw.Flush()
	case "passwd":
		if err := st.UserSetPassword(ctx, name, hash); err != nil {
			return userErr(name, err)
		}
		if err := st.AuditInsert(ctx, actor, "user.passwd", name, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s set; its sessions are ended\n", name)
	case "role":
		if err := st.UserSetRole(ctx, name, *role); err != nil {
			return userErr(name, err)
		}
		if err := st.AuditInsert(ctx, actor, "user.role", name, map[string]any{"role": *role}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "role of %s set to %s\n", name, *role)
	case "disable":
		if err := st.UserSetDisabled(ctx, name, !*enable); err != nil {
			return userErr(name, err)
		}
		action, msg := "user.disable", "disabled; its sessions are ended"
		if *enable {
			action, msg = "user.enable", "enabled"
		}
		if err := st.AuditInsert(ctx, actor, action, name, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "account %s %s\n", name, msg)
	}
	return nil
}

func userErr(name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no account %q (see 'sestd user list')", name)
	}
	return err
}

// readPassword reads the first line of standard input.
func readPassword(e env) (string, error) {
	in := e.stdin
	if in == nil {
		in = os.Stdin
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on standard input (e.g. printf '%s\\n' \"$PASSWORD\" | sestd user add …)")
	}
	return pw, nil
}
