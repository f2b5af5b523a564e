package daemon

import (
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/admin"
	"sestd/internal/config"
	"sestd/internal/console"
	"sestd/internal/jobs"
	"sestd/internal/store"
)

// mountConsole serves the operator console on the admin listener when
// console.enabled.
func mountConsole(adm *admin.Server, cfg config.Config, st *store.Store, client *river.Client[pgx.Tx], kit *jobs.Kit, log *zap.Logger) error {
	if !cfg.Console.Enabled {
		return nil
	}
	c, err := console.New(console.Deps{Config: cfg, Store: st, River: client, Triggers: kit.Triggers, Log: log.Named("console")})
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	adm.MountConsole(c)
	return nil
}
