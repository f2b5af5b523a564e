package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"sestd/internal/jobs"
	"sestd/internal/mirrortest"
	"sestd/internal/pgcluster"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// sestdBinary builds the real sestd binary once per test run.
func sestdBinary(t testing.TB) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sestd-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "sestd")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("building sestd: %w: %s", err, out)
		}
	})
	require.NoError(t, binaryErr)
	return binaryPath
}

// daemonProc is a `sestd run` subprocess.
type daemonProc struct {
	cmd   *exec.Cmd
	admin string
	log   *os.File
}

func startSestdProcess(t testing.TB, env []string, logPath string) *daemonProc {
	t.Helper()
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	admin := fmt.Sprintf("127.0.0.1:%d", port)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	require.NoError(t, err)
	cmd := exec.Command(sestdBinary(t), "run", "--migrate")
	cmd.Env = append(append(os.Environ(), env...), "SESTD_ADMIN_LISTEN="+admin)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	p := &daemonProc{cmd: cmd, admin: admin, log: logf}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		logf.Close()
	})
	return p
}

func (p *daemonProc) waitReady(t testing.TB) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 60*time.Second {
		resp, err := http.Get("http://" + p.admin + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sestd not ready within 60s; see its log")
	return 0
}

func waitJobs(t *testing.T, pool *pgxpool.Pool, within time.Duration, ids ...int64) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		var done int
		require.NoError(t, pool.QueryRow(context.Background(),
			`SELECT count(*) FROM river_job WHERE id = ANY($1) AND state = 'completed'`, ids).Scan(&done))
		if done == len(ids) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	rows, _ := pool.Query(context.Background(), `SELECT id, kind, state, errors::text FROM river_job WHERE id = ANY($1)`, ids)
	for rows.Next() {
		var id int64
		var kind, state, errs string
		_ = rows.Scan(&id, &kind, &state, &errs)
		t.Logf("job %d %s: %s %s", id, kind, state, errs)
	}
	rows.Close()
	t.Fatalf("jobs not completed within %s", within)
}

// TestKill9DuringFullSyncLosesNothing kills the real daemon with SIGKILL at
// random moments of a full sync, five times, then lets it finish: the
// mirror equals the simulator's data. Packages of 70 against groups of 50
// items sharing one timestamp put shared timestamps across package
// boundaries.
func TestKill9DuringFullSyncLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	t.Parallel()
	s, err := sim.New(sim.Config{Seed: 42, Bewerbungen: 3000, SameTimestamp: 50, Hochschulnummer: "4411",
		Username: "hs4411", Password: "sim-pw",
		// Slow packages make the sync last long enough to be killed in it.
		Faults: map[string]sim.Fault{
			sestmodel.OpUebermittelnBewerbungen:         {Latency: 40 * time.Millisecond},
			sestmodel.OpUebermittelnStammdatenaenderung: {Latency: 40 * time.Millisecond},
		}})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	dbURL := testdb.URL(t)
	pool, err := pgxpool.New(context.Background(), dbURL)
	require.NoError(t, err)
	defer pool.Close()
	dir := t.TempDir()
	env := []string{
		"SESTD_DATABASE_URL=" + dbURL,
		"SESTD_LOG_FORMAT=json",
		"SESTD_SERVICESTELLE_BASE_URL=" + srv.URL + "/hochschule/webservice/3",
		"SESTD_SERVICESTELLE_HOCHSCHULNUMMER=4411",
		"SESTD_SERVICESTELLE_USERNAME=hs4411",
		"SESTD_SERVICESTELLE_PASSWORD=sim-pw",
		"SESTD_SERVICESTELLE_VERMITTLUNGSPROZESS_JAHR=2026",
		"SESTD_SERVICESTELLE_PACKAGE_SIZE=70",
		"SESTD_SYNC_DOCUMENT_ROOT=" + filepath.Join(dir, "documents"),
		"SESTD_SYNC_DOKUMENT_DOWNLOAD=false", // documents have tests of their own
		"SESTD_SYNC_SCHEDULES_DELTA=off", "SESTD_SYNC_SCHEDULES_STUDIENANGEBOTE=off", "SESTD_SYNC_SCHEDULES_FULL=off",
		"SESTD_SYNC_SCHEDULES_OUTBOUND=off", "SESTD_SYNC_SCHEDULES_INBOX=off", "SESTD_SYNC_SCHEDULES_RETENTION=off",
	}
	logPath := filepath.Join(dir, "sestd.log")

	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)
	p := startSestdProcess(t, env, logPath)
	p.waitReady(t)
	full, err := client.Insert(context.Background(), jobs.FullArgs{}, nil)
	require.NoError(t, err)

	rnd := rand.New(rand.NewPCG(42, 9))
	var readyTimes []time.Duration
	for kill := 1; kill <= 5; kill++ {
		time.Sleep(time.Duration(300+rnd.IntN(1200)) * time.Millisecond)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		_, _ = p.cmd.Process.Wait()
		// The Servicestelle changes meanwhile.
		s.Clock().Advance(time.Minute)
		s.Churn(20)
		p = startSestdProcess(t, env, logPath)
		readyTimes = append(readyTimes, p.waitReady(t))
	}
	waitJobs(t, pool, 3*time.Minute, full.Job.ID)

	// Then the deltas, which bring the churn of the kills' time.
	var ids []int64
	for _, stream := range store.AllStreams() {
		res, err := client.Insert(context.Background(), jobs.DeltaArgs{Stream: stream}, nil)
		require.NoError(t, err)
		ids = append(ids, res.Job.ID)
	}
	waitJobs(t, pool, 2*time.Minute, ids...)
	mirrortest.RequireMirrorEqualsSim(t, pool, s)
	t.Logf("5 kills survived; time from restart to ready: %v", readyTimes)
}
