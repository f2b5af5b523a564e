// Package pgcluster runs a throwaway PostgreSQL cluster from the machine's
// own PostgreSQL binaries, for tests and for `sestd demo`.
//
// The binaries are found on PATH or under /usr/lib/postgresql/*/bin. initdb
// refuses to run as root, so when sestd runs as root the cluster's processes
// run as the `postgres` user and its directory belongs to that user; a
// directory postgres cannot enter (below root's home) is replaced by a
// symlink to one below /var/tmp (see placeForPostgres). The
// cluster listens on 127.0.0.1 only, on the port it is given or a free one.
// Every cluster directory holds an owner.pid file naming the process that
// started it, so CleanStale can stop clusters whose owner has died.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"github.com/jackc/pgx/v5"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoBinaries is returned when PostgreSQL's server binaries are missing.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql/*/bin: install them with `apt-get install -y postgresql`")

// Cluster is one PostgreSQL cluster in a directory of its own.
type Cluster struct {
	// Dir holds the data directory (data/), the socket and the log file.
	Dir    string
	BinDir string
	Port   int
	cred   *syscall.Credential
	uid    int
	gid    int
	link   string // the directory asked for, a symlink to Dir when relocated
}

// FindBinDir locates the directory holding initdb and pg_ctl.
func FindBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// New prepares a cluster in dir (created if missing) without starting it.
// Port 0 picks a free port.
func New(dir string, port int) (*Cluster, error) {
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolving cluster directory: %w", err)
	}
	c := &Cluster{Dir: abs, BinDir: bin, Port: port, uid: -1, gid: -1}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL must run as the postgres user, which does not exist: %w", err)
		}
		c.uid, _ = strconv.Atoi(u.Uid)
		c.gid, _ = strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(c.uid), Gid: uint32(c.gid)}
	}
	if c.Port == 0 {
		if c.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if c.cred != nil {
		if err := c.placeForPostgres(abs); err != nil {
			return nil, err
		}
		return c, nil
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("creating cluster directory: %w", err)
	}
	return c, nil
}

// FreePort asks the kernel for a free loopback TCP port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }

// LogFile is where the server writes its log.
func (c *Cluster) LogFile() string { return filepath.Join(c.Dir, "postgres.log") }

func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, name), args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Init runs initdb unless the data directory exists already.
func (c *Cluster) Init(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); err == nil {
		return nil
	}
	return c.run(ctx, "initdb", "-D", c.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
}

// Start starts the server and waits until it accepts connections. Fast,
// unsafe settings (fsync off) make it unfit for data that must survive a
// machine crash; it is a throwaway.
func (c *Cluster) Start(ctx context.Context) error {
	if err := c.writeOwner(); err != nil {
		return err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB",
		c.Port, c.Dir)
	return c.run(ctx, "pg_ctl", "-D", c.dataDir(), "-l", c.LogFile(), "-o", opts, "-w", "-t", "60", "start")
}

// Stop stops the server (fast mode: sessions are ended, no wait for clients).
func (c *Cluster) Stop(ctx context.Context) error {
	return c.run(ctx, "pg_ctl", "-D", c.dataDir(), "-m", "fast", "-w", "-t", "60", "stop")
}

// Running reports whether the server's postmaster is alive.
func (c *Cluster) Running(ctx context.Context) bool {
	return c.run(ctx, "pg_ctl", "-D", c.dataDir(), "status") == nil
}

// URL is a connection URL for database db as the postgres superuser.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// Remove deletes the cluster's directory (and the symlink to it when it
// was relocated); stop it first.
func (c *Cluster) Remove() error {
	if c.link != "" {
		if err := os.Remove(c.link); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return os.RemoveAll(c.Dir)
}

const ownerFile = "owner.pid"

func (c *Cluster) writeOwner() error {
	return os.WriteFile(filepath.Join(c.Dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644)
}

// CleanStale stops and removes cluster directories matching glob whose
// owner process is gone, so a crashed test run leaves nothing running.
func CleanStale(ctx context.Context, glob string) {
	dirs, _ := filepath.Glob(glob)
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(raw))); err == nil && alive(pid) {
				continue
			}
		} else if info, err := os.Stat(d); err == nil && time.Since(info.ModTime()) < time.Minute {
			continue // being set up right now by another run
		}
		c, err := New(d, 1)
		if err == nil && c.Running(ctx) {
			_ = c.run(ctx, "pg_ctl", "-D", c.dataDir(), "-m", "immediate", "-w", "stop")
		}
		_ = os.RemoveAll(d)
	}
}

func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}

// CreateDatabase creates database name unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	var exists bool
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connecting to the cluster: %w", err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("checking database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	return nil
}
