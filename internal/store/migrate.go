package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLockKey is the advisory lock that serialises migrations across
// instances ("sestd" in ASCII).
const migrateLockKey int64 = 0x7365737464

// Migration is one of sestd's migrations: an embedded SQL file, or a data
// step in Go (Data set, SQL empty).
type Migration struct {
	Version int
	Name    string
	SQL     string
	// Data converts stored rows where SQL cannot (it must encode them as
	// the daemon does). It runs outside one transaction, committing in
	// batches, and must be idempotent: its version is recorded when it
	// returns, and a crash before that runs it again from the start.
	Data func(ctx context.Context, conn *pgx.Conn, log *slog.Logger) error
}

// dataSteps are the migrations in Go, ordered among the SQL files by
// version.
var dataSteps = []Migration{
	{Version: 151, Name: "json_keys_data", Data: jsonKeysStep},
}

// MigrationState is a migration of sestd's or River's with whether and when
// it was applied.
type MigrationState struct {
	Line      string // "sestd" or "river"
	Version   int
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// Migrations returns sestd's embedded migrations in order. File names are
// NNNN_name.sql; a malformed name is a programming error caught by tests.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("reading embedded migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_name.sql", e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		raw, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(raw)})
	}
	for _, d := range dataSteps {
		if other, dup := seen[d.Version]; dup {
			return nil, fmt.Errorf("migration %s and data step %s share version %d", other, d.Name, d.Version)
		}
		seen[d.Version] = d.Name
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS sestd_migration (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// Migrate applies River's migrations, then sestd's pending ones, each in
// its own transaction (a data step in its own batches), under an advisory
// lock so that instances starting together take turns. It returns what it
// applied; nothing when up to date.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) ([]MigrationState, error) {
	return s.MigrateTo(ctx, log, 0)
}

// MigrateTo is Migrate that stops after sestd's migration version upTo (0:
// all). Tests use it to make a database of an earlier version.
func (s *Store) MigrateTo(ctx context.Context, log *slog.Logger, upTo int) ([]MigrationState, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquiring connection for migrations: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		return nil, fmt.Errorf("taking migration lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even when ctx was cancelled.
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(unlockCtx, "SELECT pg_advisory_unlock($1)", migrateLockKey); err != nil {
			conn.Conn().Close(unlockCtx) // closing the session releases the lock
		}
	}()

	var applied []MigrationState
	migrator, err := rivermigrate.New(riverpgxv5.New(s.pool), &rivermigrate.Config{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("creating River migrator: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("applying River migrations: %w", err)
	}
	for _, v := range res.Versions {
		applied = append(applied, MigrationState{Line: "river", Version: v.Version, Name: v.Name, Applied: true, AppliedAt: time.Now()})
	}

	if _, err := conn.Exec(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("creating migrations table: %w", err)
	}
	done, err := appliedVersions(ctx, conn.Conn())
	if err != nil {
		return nil, err
	}
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	for _, m := range all {
		if _, ok := done[m.Version]; ok {
			continue
		}
		if upTo > 0 && m.Version > upTo {
			break
		}
		if m.Data != nil {
			log.Info("running data migration", "version", m.Version, "name", m.Name)
			if err := m.Data(ctx, conn.Conn(), log); err != nil {
				return applied, fmt.Errorf("applying data migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := conn.Exec(ctx, "INSERT INTO sestd_migration (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
				return applied, fmt.Errorf("recording data migration %04d_%s: %w", m.Version, m.Name, err)
			}
			applied = append(applied, MigrationState{Line: "sestd", Version: m.Version, Name: m.Name, Applied: true, AppliedAt: time.Now()})
			continue
		}
		err := pgx.BeginFunc(ctx, conn.Conn(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO sestd_migration (version, name) VALUES ($1, $2)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("applying migration %04d_%s: %w", m.Version, m.Name, err)
		}
		applied = append(applied, MigrationState{Line: "sestd", Version: m.Version, Name: m.Name, Applied: true, AppliedAt: time.Now()})
	}
	return applied, nil
}

func appliedVersions(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) (map[int]time.Time, error) {
	rows, err := q.Query(ctx, "SELECT version, applied_at FROM sestd_migration")
	if err != nil {
		return nil, fmt.Errorf("reading applied migrations: %w", err)
	}
	done := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("reading applied migrations: %w", err)
		}
		done[v] = at
	}
	return done, rows.Err()
}

// MigrationStatus lists River's and sestd's migrations, applied or pending.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	var out []MigrationState
	migrator, err := rivermigrate.New(riverpgxv5.New(s.pool), nil)
	if err != nil {
		return nil, fmt.Errorf("creating River migrator: %w", err)
	}
	riverApplied := map[int]bool{}
	var exists bool
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass('river_migration') IS NOT NULL").Scan(&exists); err != nil {
		return nil, fmt.Errorf("checking River's migration table: %w", err)
	}
	if exists {
		existing, err := migrator.ExistingVersions(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading River's migrations: %w", err)
		}
		for _, m := range existing {
			riverApplied[m.Version] = true
		}
	}
	for _, m := range migrator.AllVersions() {
		out = append(out, MigrationState{Line: "river", Version: m.Version, Name: m.Name, Applied: riverApplied[m.Version]})
	}

	done := map[int]time.Time{}
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass('sestd_migration') IS NOT NULL").Scan(&exists); err != nil {
		return nil, fmt.Errorf("checking sestd's migration table: %w", err)
	}
	if exists {
		if done, err = appliedVersions(ctx, s.pool); err != nil {
			return nil, err
		}
	}
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	for _, m := range all {
		at, ok := done[m.Version]
		out = append(out, MigrationState{Line: "sestd", Version: m.Version, Name: m.Name, Applied: ok, AppliedAt: at})
	}
	return out, nil
}

// Pending returns the migrations not yet applied; empty when the schema is
// current.
func (s *Store) Pending(ctx context.Context) ([]MigrationState, error) {
	all, err := s.MigrationStatus(ctx)
	if err != nil {
		return nil, err
	}
	var pending []MigrationState
	for _, m := range all {
		if !m.Applied {
			pending = append(pending, m)
		}
	}
	return pending, nil
}
