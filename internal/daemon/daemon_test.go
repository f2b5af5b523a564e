package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"sestd/internal/config"
	"sestd/internal/daemon"
	"sestd/internal/logging/logtest"
	"sestd/internal/pgcluster"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type bundle struct {
	cfg     config.Config
	logs    *logtest.Buffer
	log     *zap.Logger
	addr    chan net.Addr
	done    chan error
	cancel  context.CancelFunc
	workers func(*river.Workers)
}

func setup(t *testing.T, dbURL string) *bundle {
	t.Helper()
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	cfg := config.Default()
	cfg.Database.URL = dbURL
	cfg.Admin.Listen = fmt.Sprintf("127.0.0.1:%d", port)
	cfg.River.ShutdownGrace = 2 * time.Second
	cfg.Sync.Schedules = config.Schedules{Delta: "off", Studienangebote: "off", Full: "off", Outbound: "off", Inbox: "off", Retention: "off"}
	require.NoError(t, cfg.Validate())
	logs := &logtest.Buffer{}
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	return &bundle{
		cfg: cfg, logs: logs,
		log:  zap.New(zapcore.NewCore(enc, zapcore.AddSync(logs), zapcore.DebugLevel)),
		addr: make(chan net.Addr, 1), done: make(chan error, 1),
	}
}

func (b *bundle) start(t *testing.T, migrate bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go func() {
		b.done <- daemon.Run(ctx, daemon.Options{
			Config: b.cfg, Log: b.log, Migrate: migrate,
			Notify:           func(string) {},
			OnReady:          func(a net.Addr) { b.addr <- a },
			ConfigureWorkers: b.workers,
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-b.done:
			// A test that expects Run to fail asserts the error and hands
			// back nil; anything else must stop cleanly.
			if err != nil {
				t.Errorf("daemon stopped with an error: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("daemon did not stop within 30s")
		}
	})
}

func (b *bundle) waitReady(t *testing.T) string {
	t.Helper()
	select {
	case a := <-b.addr:
		return "http://" + a.String()
	case err := <-b.done:
		t.Fatalf("daemon stopped before it was ready: %v\nlogs:\n%s", err, b.logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("daemon not ready within 60s; logs:\n%s", b.logs)
	}
	return ""
}

func getStatus(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("not within %s: %s", within, what)
}

func TestReadyzFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sestd-testpg-ready")
	require.NoError(t, err)
	cluster, err := pgcluster.New(dir, 0)
	require.NoError(t, err)
	require.NoError(t, cluster.Init(ctx))
	require.NoError(t, cluster.Start(ctx))
	t.Cleanup(func() {
		_ = cluster.Stop(context.Background())
		_ = cluster.Remove()
	})
	require.NoError(t, cluster.CreateDatabase(ctx, "sestd"))

	b := setup(t, cluster.URL("sestd"))
	b.start(t, true)
	base := b.waitReady(t)
	require.Equal(t, http.StatusOK, getStatus(base+"/readyz"))

	require.NoError(t, cluster.Stop(ctx))
	eventually(t, 15*time.Second, "/readyz answers 503 while PostgreSQL is down", func() bool {
		return getStatus(base+"/readyz") == http.StatusServiceUnavailable
	})
	require.Equal(t, http.StatusOK, getStatus(base+"/healthz"), "the process stays alive")
	resp, err := http.Get(base + "/readyz")
	require.NoError(t, err)
	var body map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	resp.Body.Close()
	require.Contains(t, body["reason"], "database unreachable")

	require.NoError(t, cluster.Start(ctx))
	eventually(t, 30*time.Second, "/readyz answers 200 again after PostgreSQL is back", func() bool {
		return getStatus(base+"/readyz") == http.StatusOK
	})
	select {
	case err := <-b.done:
		t.Fatalf("daemon exited during the outage: %v", err)
	default:
	}
}

func TestStartsWhenTheDatabaseComesUpLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sestd-testpg-late")
	require.NoError(t, err)
	cluster, err := pgcluster.New(dir, 0)
	require.NoError(t, err)
	require.NoError(t, cluster.Init(ctx))
	t.Cleanup(func() {
		_ = cluster.Stop(context.Background())
		_ = cluster.Remove()
	})

	b := setup(t, cluster.URL("postgres"))
	b.start(t, true)
	eventually(t, 10*time.Second, "the admin API answers while the database is down", func() bool {
		return getStatus("http://"+b.cfg.Admin.Listen+"/readyz") == http.StatusServiceUnavailable
	})
	require.NoError(t, cluster.Start(ctx))
	b.waitReady(t)
	require.Contains(t, b.logs.String(), "database unreachable, retrying")
}

func TestRefusesASchemaThatIsBehind(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	_, err := pool.Exec(context.Background(), `DROP TABLE sestd_migration`)
	require.NoError(t, err)

	b := setup(t, pool.Config().ConnString())
	b.start(t, false)
	select {
	case err := <-b.done:
		require.ErrorContains(t, err, "sestd migrate")
		require.ErrorContains(t, err, "schema is behind")
		b.done <- nil // asserted here; the cleanup only waits for the stop
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not refuse the old schema")
	}
}

type slowArgs struct {
	Sleep time.Duration `json:"sleep"`
}

func (slowArgs) Kind() string { return "test_slow" }

type slowWorker struct {
	river.WorkerDefaults[slowArgs]
	started chan struct{}
}

func (w *slowWorker) Work(ctx context.Context, job *river.Job[slowArgs]) error {
	w.started <- struct{}{}
	select {
	case <-time.After(job.Args.Sleep):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func insertJob(t *testing.T, pool *pgxpool.Pool, args river.JobArgs) int64 {
	t.Helper()
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)
	res, err := client.Insert(context.Background(), args, &river.InsertOpts{MaxAttempts: 3})
	require.NoError(t, err)
	return res.Job.ID
}

func jobState(t *testing.T, pool *pgxpool.Pool, id int64) rivertype.JobState {
	t.Helper()
	var state string
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT state FROM river_job WHERE id = $1`, id).Scan(&state))
	return rivertype.JobState(state)
}

func TestShutdownLetsRunningJobsFinishWithinGrace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		sleep time.Duration
		want  []rivertype.JobState
	}{
		{"finishes within grace", 1 * time.Second, []rivertype.JobState{rivertype.JobStateCompleted}},
		// Cancelled at the end of the grace period, the job is worked again
		// on the next start.
		{"cancelled after grace", time.Hour, []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateRetryable}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool := testdb.New(t)
			b := setup(t, pool.Config().ConnString())
			w := &slowWorker{started: make(chan struct{}, 1)}
			b.workers = func(ws *river.Workers) { river.AddWorker(ws, w) }
			b.start(t, false)
			b.waitReady(t)
			id := insertJob(t, pool, slowArgs{Sleep: tc.sleep})
			select {
			case <-w.started:
			case <-time.After(20 * time.Second):
				t.Fatal("job did not start")
			}
			stopAt := time.Now()
			b.cancel()
			select {
			case err := <-b.done:
				require.NoError(t, err, "shutdown is clean")
				b.done <- nil
			case <-time.After(30 * time.Second):
				t.Fatal("daemon did not stop")
			}
			require.Less(t, time.Since(stopAt), b.cfg.River.ShutdownGrace+10*time.Second)
			require.Contains(t, tc.want, jobState(t, pool, id))
			require.Contains(t, b.logs.String(), "shutting down")
		})
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	url := pool.Config().ConnString()
	const dbPassword, token, soapPassword = "db-secret-P4ss", "admin-token-0123456789", "soap-secret-XYZ"
	b := setup(t, url)
	b.cfg.Database.Password = dbPassword
	b.cfg.Admin.Token = token
	b.cfg.Servicestelle.Password = soapPassword
	b.cfg.Log.Level = "debug"
	b.log.Info("effective config", zap.Any("config", b.cfg))
	b.start(t, false)
	base := b.waitReady(t)

	req, _ := http.NewRequest(http.MethodGet, base+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "no token: 401")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	b.cancel()
	require.NoError(t, <-b.done, "shutdown is clean")
	b.done <- nil
	logs := b.logs.String()
	require.NotEmpty(t, logs)
	for _, s := range []string{dbPassword, token, soapPassword} {
		require.False(t, strings.Contains(logs, s), "secret %q leaked into the logs", s)
	}
}
