package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"
)

// SelftestArgs checks that sestd's database answers and its schema is
// current; operators trigger it to verify a deployment.
type SelftestArgs struct{}

// Kind implements river.JobArgs.
func (SelftestArgs) Kind() string { return "selftest" }

// InsertOpts keeps at most one selftest queued or running.
func (SelftestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 1, UniqueOpts: uniqueWhileActive()}
}

// SelftestWorker runs SelftestArgs.
type SelftestWorker struct {
	river.WorkerDefaults[SelftestArgs]
	deps Deps
}

// Work fails with the reason when the database or the schema is not right.
func (w *SelftestWorker) Work(ctx context.Context, _ *river.Job[SelftestArgs]) error {
	if err := w.deps.Store.Ping(ctx); err != nil {
		return err
	}
	pending, err := w.deps.Store.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return river.JobCancel(fmt.Errorf("%d database migrations pending: run `sestd migrate`", len(pending)))
	}
	Logger(ctx).Info("selftest passed", zap.String("database", "ok"), zap.String("schema", "current"))
	return nil
}

func registerSelftest(d Deps, k *Kit) error {
	river.AddWorker(k.Workers, &SelftestWorker{deps: d})
	k.Triggers["selftest"] = Trigger{
		Help: "check the database and schema; no arguments",
		Args: func(raw json.RawMessage) (river.JobArgs, error) { return decodeArgs[SelftestArgs](raw) },
	}
	return nil
}

// uniqueWhileActive makes a job unique among jobs not yet finished: a
// second insert while one is queued or running is skipped.
func uniqueWhileActive() river.UniqueOpts {
	return river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}
}
