package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"sestd/internal/demo"
	"sestd/internal/importers"
	"sestd/internal/logging/logtest"
	"sestd/internal/pgcluster"
	"sestd/internal/sest/sim"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestSamplesImportAsTheirFormatsSay(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.Config{Seed: 1, Bewerbungen: 300})
	require.NoError(t, err)
	inbox := filepath.Join(t.TempDir(), "inbox")
	require.NoError(t, demo.WriteSamples(inbox, s, 1))
	files, err := importers.ScanInbox(inbox)
	require.NoError(t, err)
	require.Len(t, files, 8)
	st := store.New(testdb.New(t))
	for _, f := range files {
		require.NoError(t, f.KindErr)
		sum, err := importers.Import(context.Background(), st, f.Path, importers.Options{Kind: f.Kind}, zap.NewNop(), nil)
		require.NoError(t, err, f.Name)
		require.Positive(t, sum.Created, "%s: rows created", f.Name)
		if f.Kind == importers.KindSbeatExams {
			require.Equal(t, int64(1), sum.Rejected, "exactly the broken exam row is rejected")
			require.Equal(t, "windows-1252", sum.Encoding)
		} else {
			require.Zero(t, sum.Rejected, "%s: no row rejected (rejects in %s)", f.Name, sum.RejectsFile)
		}
	}
}

func TestDemoReachesASyncedState(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	t.Parallel()
	dir, err := os.MkdirTemp("", "sestd-testpg-demo")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	port, err := pgcluster.FreePort()
	require.NoError(t, err)
	out := &logtest.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	err = demo.Run(ctx, demo.Options{
		Dir: dir, Admin: "127.0.0.1:" + itoa(port), Bewerbungen: 400, Out: out, Log: zap.NewNop(),
		UntilSynced: true, Interval: 500 * time.Millisecond,
	})
	require.NoError(t, err, out.String())
	require.Contains(t, out.String(), "every stream has synced")
	require.Contains(t, out.String(), "River UI")
	entries, err := os.ReadDir(filepath.Join(dir, "inbox", "sbeat_exams", "processed"))
	require.NoError(t, err)
	require.NotEmpty(t, entries, "the sample files were imported")
	require.False(t, strings.Contains(out.String(), "status unavailable"))

	// A second run reuses the state: the database with its imports.
	again := &logtest.Buffer{}
	err = demo.Run(ctx, demo.Options{
		Dir: dir, Admin: "127.0.0.1:" + itoa(port), Bewerbungen: 400, Out: again, Log: zap.NewNop(),
		UntilSynced: true, Interval: 500 * time.Millisecond,
	})
	require.NoError(t, err, again.String())
	require.Contains(t, again.String(), "imports: partial=1 succeeded=7", "the first run's imports are still there, none repeated")
}

func itoa(n int) string { return strconv.Itoa(n) }
