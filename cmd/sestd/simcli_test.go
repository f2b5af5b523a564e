package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"sestd/internal/sest/sim"
	"sestd/internal/testdb"
)

// simCLI starts the simulator cfg over HTTP, as Hochschule 4411 with user
// hs4411 and password sim-password (set here), and a test database. It
// returns both, a temporary directory and the environment that points
// sestd at them: JSON logs at warn, Vermittlungsprozess 2026, exports in
// dir/export. Callers add what their test needs to env.
func simCLI(t *testing.T, cfg sim.Config) (s *sim.Sim, pool *pgxpool.Pool, dir string, env map[string]string) {
	t.Helper()
	cfg.Hochschulnummer, cfg.Username, cfg.Password = "4411", "hs4411", "sim-password"
	s, err := sim.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	pool = testdb.New(t)
	dir = t.TempDir()
	env = map[string]string{
		"SESTD_DATABASE_URL":                           pool.Config().ConnString(),
		"SESTD_LOG_FORMAT":                             "json",
		"SESTD_LOG_LEVEL":                              "warn",
		"SESTD_SERVICESTELLE_BASE_URL":                 srv.URL + "/hochschule/webservice/3",
		"SESTD_SERVICESTELLE_HOCHSCHULNUMMER":          "4411",
		"SESTD_SERVICESTELLE_USERNAME":                 "hs4411",
		"SESTD_SERVICESTELLE_PASSWORD":                 "sim-password",
		"SESTD_SERVICESTELLE_VERMITTLUNGSPROZESS_JAHR": "2026",
		"SESTD_EXPORT_DIR":                             filepath.Join(dir, "export"),
	}
	return s, pool, dir, env
}
