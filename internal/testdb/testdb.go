// Package testdb gives tests a real, migrated PostgreSQL database.
//
// A test package calls Main from its TestMain:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// Main uses TEST_DATABASE_URL when set (a server where the URL's user may
// create databases); otherwise it starts a throwaway cluster from the
// machine's PostgreSQL binaries in a temp directory on a free port and stops
// it when the package's tests end. Clusters left behind by a crashed run are
// stopped by the next run. Each call to New gives the test a database of its
// own, cloned from a template migrated once per package, and drops it after
// the test.
package testdb

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"sestd/internal/pgcluster"
	"sestd/internal/store"
)

// The harness's state lives for one test binary: tests of one package
// share the server and the migrated template.
var (
	serverURL  string // admin connection URL (database "postgres" or the given one)
	template   string
	cluster    *pgcluster.Cluster
	createMu   sync.Mutex
	dbCounter  atomic.Int64
	setupError error
)

const stalePattern = "sestd-testpg-*"

// Main sets up the server, runs the tests and tears everything down. It
// exits the process with the tests' code.
func Main(m *testing.M) {
	code := run(m)
	os.Exit(code)
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := setup(ctx); err != nil {
		// Tests calling New fail with this; tests without a database run.
		setupError = err
	}
	code := m.Run()
	teardown()
	return code
}

func setup(ctx context.Context) error {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		serverURL = u
	} else {
		pgcluster.CleanStale(ctx, filepath.Join(os.TempDir(), stalePattern))
		dir, err := os.MkdirTemp("", strings.TrimSuffix(stalePattern, "*"))
		if err != nil {
			return fmt.Errorf("creating cluster directory: %w", err)
		}
		c, err := pgcluster.New(dir, 0)
		if err != nil {
			_ = os.RemoveAll(dir)
			return err
		}
		if err := c.Init(ctx); err != nil {
			_ = c.Remove()
			return err
		}
		if err := c.Start(ctx); err != nil {
			_ = c.Remove()
			return err
		}
		cluster = c
		serverURL = c.URL("postgres")
	}
	template = fmt.Sprintf("sestd_tpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if err := adminExec(ctx, "CREATE DATABASE "+template); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, withDatabase(serverURL, template))
	if err != nil {
		return fmt.Errorf("connecting to template: %w", err)
	}
	defer pool.Close()
	quiet := slog.New(slog.DiscardHandler)
	if _, err := store.New(pool).Migrate(ctx, quiet); err != nil {
		return fmt.Errorf("migrating template database: %w", err)
	}
	return nil
}

func teardown() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if cluster != nil {
		_ = cluster.Stop(ctx)
		_ = cluster.Remove()
		return
	}
	if template != "" {
		_ = adminExec(ctx, "DROP DATABASE IF EXISTS "+template+" WITH (FORCE)")
	}
}

func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connecting to test server: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

func withDatabase(raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + db
	return u.String()
}

// URL creates a fresh migrated database for t, dropped when t ends, and
// returns its connection URL.
func URL(t testing.TB) string {
	t.Helper()
	return create(t, template)
}

// EmptyURL creates a fresh database without any migration applied, for
// tests of migrating itself.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return create(t, "template0")
}

func create(t testing.TB, from string) string {
	t.Helper()
	if setupError != nil {
		t.Fatalf("test database: %v", setupError)
	}
	if serverURL == "" {
		t.Fatal("test database: call testdb.Main from the package's TestMain")
	}
	name := fmt.Sprintf("%s_t%d", template, dbCounter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	createMu.Lock()
	err := adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, from))
	createMu.Unlock()
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = adminExec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(serverURL, name)
}

// New returns a pool on a fresh migrated database for t, closed and dropped
// when t ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	u := URL(t)
	pool, err := pgxpool.New(context.Background(), u)
	if err != nil {
		t.Fatalf("test database: connecting: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Cluster returns the package's throwaway cluster, or nil when the tests
// run against TEST_DATABASE_URL. Tests that stop and start PostgreSQL
// should start a cluster of their own with pgcluster instead.
func Cluster() *pgcluster.Cluster { return cluster }
