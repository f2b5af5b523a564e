package pgcluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// relocatedPrefix names the directories a cluster moves to when the
// postgres user cannot reach the one asked for.
const relocatedPrefix = "sestd-pg-"

// placeForPostgres prepares dir for a cluster run as the postgres user
// (sestd runs as root). PostgreSQL's processes must be able to enter the
// directory; a directory below one only root may enter (a checkout in
// /root, mode 0700) is out of their reach. Then the cluster lives in a
// directory of its own below /var/tmp (or $TMPDIR), named after dir, and
// dir becomes a symlink to it, so that the next run finds the same data
// and --reset (removing dir) starts afresh. Nothing the operator made is
// loosened.
func (c *Cluster) placeForPostgres(dir string) error {
	if target, err := os.Readlink(dir); err == nil && strings.HasPrefix(filepath.Base(target), relocatedPrefix) {
		if err := c.handOver(target); err != nil {
			return err
		}
		if err := c.probe(target); err != nil {
			return c.unreachable(target, err)
		}
		c.Dir, c.link = target, dir
		return nil
	}
	if err := c.handOver(dir); err != nil {
		return err
	}
	probeErr := c.probe(dir)
	if probeErr == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err == nil {
		return c.unreachable(dir, probeErr)
	}
	// The directory holds no cluster: move to a reachable place.
	if err := os.Remove(dir); err != nil {
		return c.unreachable(dir, probeErr)
	}
	alt := relocatedDir(dir)
	// No symlink led here: what lies there is a leftover of a cluster
	// whose directory was deleted (a demo --reset). Stop it, remove it.
	c.discard(alt)
	if err := c.handOver(alt); err != nil {
		return err
	}
	if err := c.probe(alt); err != nil {
		_ = os.RemoveAll(alt)
		return c.unreachable(alt, err)
	}
	if err := os.Symlink(alt, dir); err != nil {
		_ = os.RemoveAll(alt)
		return fmt.Errorf("linking %s to the cluster directory %s: %w", dir, alt, err)
	}
	c.Dir, c.link = alt, dir
	return nil
}

// relocatedDir is the reachable directory for a cluster asked for in dir.
func relocatedDir(dir string) string {
	base := "/var/tmp"
	if info, err := os.Stat(base); err != nil || !info.IsDir() {
		base = os.TempDir()
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(base, relocatedPrefix+hex.EncodeToString(sum[:8]))
}

// handOver creates dir (0700) and gives it to the postgres user.
func (c *Cluster) handOver(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating cluster directory: %w", err)
	}
	if err := os.Chown(dir, c.uid, c.gid); err != nil {
		return fmt.Errorf("handing cluster directory to postgres: %w", err)
	}
	return nil
}

// probe runs pg_ctl --version as the postgres user in dir: it fails as
// initdb would when postgres cannot enter dir or run the binaries.
func (c *Cluster) probe(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, "pg_ctl"), "--version")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		if len(out) > 0 {
			return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
		}
		return err
	}
	return nil
}

// discard stops a cluster left in dir and removes dir.
func (c *Cluster) discard(dir string) {
	if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		old := &Cluster{Dir: dir, BinDir: c.BinDir, cred: c.cred}
		_ = old.run(ctx, "pg_ctl", "-D", old.dataDir(), "-m", "immediate", "-w", "stop")
	}
	_ = os.RemoveAll(dir)
}

// errUnreachable explains, in one line, what to do.
var errUnreachable = errors.New("running as root, PostgreSQL runs as the postgres user, which cannot use")

func (c *Cluster) unreachable(dir string, err error) error {
	return fmt.Errorf("%w %s (%w): choose a directory postgres can enter (e.g. --dir /var/tmp/sestd-demo) or run as an unprivileged user", errUnreachable, dir, err)
}
