package main

import (
	"context"
	"fmt"
)

func cmdConfig(_ context.Context, e env, args []string) error {
	fs := newFlags(e, "config", "check [--config FILE]", `
'sestd config check' validates the config file together with the SESTD_*
environment, reports every invalid or unknown key by name, and prints the
effective configuration with secrets redacted.`)
	cfgPath := configFlag(fs, e)
	if len(args) == 0 || (args[0] != "check" && args[0] != "--help" && args[0] != "-h") {
		fs.SetOutput(e.stderr)
		fs.Usage()
		return errUsage
	}
	if args[0] == "check" {
		args = args[1:]
	}
	if err := parse(fs, e, args); err != nil {
		return err
	}
	cfg, _, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "# effective configuration (secrets redacted)\n%s", cfg.Redacted())
	return nil
}
