package store_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

// riverAdapterVersion is the River release river_adapter.go was checked
// against.
const riverAdapterVersion = "v0.51.2"

// TestRiverAdapterPinnedVersion fails when go.mod requires another River
// release than the one the adapter's SQL on River's tables was checked
// against. (A test binary's debug.ReadBuildInfo lists no dependencies, so
// the pin is read from go.mod, which the build follows.)
func TestRiverAdapterPinnedVersion(t *testing.T) {
	t.Parallel()
	gomod, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	want := []string{
		"github.com/riverqueue/river",
		"github.com/riverqueue/river/riverdriver",
		"github.com/riverqueue/river/riverdriver/riverpgxv5",
		"github.com/riverqueue/river/rivertype",
	}
	found := map[string]string{}
	for line := range strings.Lines(string(gomod)) {
		f := strings.Fields(line)
		if len(f) > 0 && (f[0] == "require" || f[0] == "replace") {
			f = f[1:]
		}
		if len(f) >= 2 && slices.Contains(want, f[0]) {
			if _, dup := found[f[0]]; dup || slices.Contains(f, "=>") {
				t.Errorf("go.mod replaces or repeats %s: %s", f[0], strings.TrimSpace(line))
			}
			found[f[0]] = f[1]
		}
	}
	for _, path := range want {
		v, ok := found[path]
		require.True(t, ok, "go.mod does not require %s", path)
		if v != riverAdapterVersion {
			t.Errorf("go.mod requires %s %s, internal/store/river_adapter.go was checked against %s: re-check the adapter against River's schema and client API, then update this pin",
				path, v, riverAdapterVersion)
		}
	}
}

type adapterProbeArgs struct {
	Name string `json:"name"`
}

func (adapterProbeArgs) Kind() string { return "adapter_probe" }

// claim fetches up to one available job of the default queue as client id
// would: River's own fetch (the driver's JobGetAvailable, as River's
// producer calls it), which sets the job running, counts the attempt and
// appends id to attempted_by.
func claim(t *testing.T, pool *pgxpool.Pool, id string) *rivertype.JobRow {
	t.Helper()
	now := time.Now()
	res, err := riverpgxv5.New(pool).GetExecutor().JobGetAvailable(t.Context(), &riverdriver.JobGetAvailableParams{
		ClientID: id, MaxAttemptedBy: 100, MaxToLock: 1, Now: &now, Queue: river.QueueDefault,
	})
	require.NoError(t, err)
	require.Empty(t, res.DecodeErrors)
	jobs := res.Jobs
	require.Len(t, jobs, 1)
	require.Equal(t, rivertype.JobStateRunning, jobs[0].State)
	return jobs[0]
}

// The release of a dead instance's running jobs (the adapter's write)
// against River's real schema: the dead instance's job becomes available
// with its lost attempt kept, a live instance's job stays running, and
// River's client then works the released job as its next attempt.
func TestRiverRescueOrphanedReleasesDeadInstancesJobs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := testdb.New(t)
	st := store.New(pool)

	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[adapterProbeArgs]) error { return nil }))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		ID:      "sestd-next",
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		Workers: workers,
	})
	require.NoError(t, err)

	deadJob, err := client.Insert(ctx, adapterProbeArgs{Name: "dead"}, nil)
	require.NoError(t, err)
	claimed := claim(t, pool, "sestd-dead")
	require.Equal(t, deadJob.Job.ID, claimed.ID)
	require.Equal(t, 1, claimed.Attempt)

	release, err := st.ClientAlive(ctx, "sestd-alive")
	require.NoError(t, err)
	defer release()
	liveJob, err := client.Insert(ctx, adapterProbeArgs{Name: "alive"}, nil)
	require.NoError(t, err)
	require.Equal(t, liveJob.Job.ID, claim(t, pool, "sestd-alive").ID)

	n, err := st.RiverRescueOrphaned(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "only the dead instance's job")

	got, err := client.JobGet(ctx, deadJob.Job.ID)
	require.NoError(t, err)
	require.Equal(t, rivertype.JobStateAvailable, got.State)
	require.Equal(t, 1, got.Attempt, "the lost attempt stays counted")
	require.Equal(t, []string{"sestd-dead"}, got.AttemptedBy)
	require.False(t, got.ScheduledAt.After(time.Now()), "available at once")
	got, err = client.JobGet(ctx, liveJob.Job.ID)
	require.NoError(t, err)
	require.Equal(t, rivertype.JobStateRunning, got.State, "a live instance's job is left alone")

	n, err = st.RiverRescueOrphaned(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing left to release")

	// River works the released job: its second attempt, by the new client.
	completed, cancel := client.Subscribe(river.EventKindJobCompleted)
	defer cancel()
	require.NoError(t, client.Start(ctx))
	defer func() { require.NoError(t, client.Stop(context.WithoutCancel(ctx))) }()
	select {
	case ev := <-completed:
		require.Equal(t, deadJob.Job.ID, ev.Job.ID)
		require.Equal(t, 2, ev.Job.Attempt)
		require.Equal(t, []string{"sestd-dead", "sestd-next"}, ev.Job.AttemptedBy)
	case <-ctx.Done():
		t.Fatal("River did not work the released job")
	}
}

// RiverJobCountsByState counts River's jobs in every state River has.
func TestRiverJobCountsByState(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := testdb.New(t)
	st := store.New(pool)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)

	for _, name := range []string{"a", "b", "c"} {
		_, err := client.Insert(ctx, adapterProbeArgs{Name: name}, nil)
		require.NoError(t, err)
	}
	cancelled, err := client.Insert(ctx, adapterProbeArgs{Name: "d"}, nil)
	require.NoError(t, err)
	_, err = client.JobCancel(ctx, cancelled.Job.ID)
	require.NoError(t, err)
	claim(t, pool, "sestd-counter")

	counts, err := st.RiverJobCountsByState(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]float64{
		"available": 2, "cancelled": 1, "completed": 0, "discarded": 0,
		"pending": 0, "retryable": 0, "running": 1, "scheduled": 0,
	}, counts)
}

// SubjectErase with IncludeJobs deletes the finished River jobs that name
// the applicant (through River's JobDeleteMany, in the erasure's
// transaction), keeps unfinished ones and those of others, and a dry run
// deletes nothing.
func TestSubjectEraseDeletesFinishedJobsNamingTheApplicant(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := testdb.New(t)
	st := store.New(pool)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)

	insert := func(name string, finish bool) int64 {
		res, err := client.Insert(ctx, adapterProbeArgs{Name: name}, nil)
		require.NoError(t, err)
		if finish {
			_, err = client.JobCancel(ctx, res.Job.ID)
			require.NoError(t, err)
		}
		return res.Job.ID
	}
	finishedOfSubject := insert("bewerber B-0000-1111", true)
	openOfSubject := insert("bewerber B-0000-1111", false)
	finishedOfOther := insert("bewerber B-0000-2222", true)

	opts := store.EraseOptions{IncludeJobs: true, DryRun: true}
	res, err := st.SubjectErase(ctx, []string{"B-0000-1111"}, opts)
	require.NoError(t, err)
	require.EqualValues(t, 1, res.Rows["river_job"])
	_, err = client.JobGet(ctx, finishedOfSubject)
	require.NoError(t, err, "a dry run deletes nothing")

	opts.DryRun = false
	res, err = st.SubjectErase(ctx, []string{"B-0000-1111"}, opts)
	require.NoError(t, err)
	require.EqualValues(t, 1, res.Rows["river_job"])
	_, err = client.JobGet(ctx, finishedOfSubject)
	require.True(t, errors.Is(err, river.ErrNotFound), "the finished job naming the applicant is gone: %v", err)
	for _, id := range []int64{openOfSubject, finishedOfOther} {
		_, err = client.JobGet(ctx, id)
		require.NoError(t, err, "job %d stays", id)
	}
}
