package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"sestd/internal/admin"
	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/logging"
	"sestd/internal/store"
)

// openStore connects with at most maxConns connections and checks that the
// schema is current; closeStore releases the pool.
func openStore(ctx context.Context, cfg config.Config, maxConns int32) (st *store.Store, closeStore func(), err error) {
	pool, err := store.Connect(ctx, cfg.Database.URL, cfg.Database.Password.Value(), maxConns)
	if err != nil {
		return nil, nil, err
	}
	st = store.New(pool)
	if err := st.Ping(ctx); err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("%w (check database.url / SESTD_DATABASE_URL)", err)
	}
	if pending, err := st.Pending(ctx); err != nil {
		pool.Close()
		return nil, nil, err
	} else if len(pending) > 0 {
		pool.Close()
		return nil, nil, fmt.Errorf("the database schema is behind (%d pending migrations): run `sestd migrate` first", len(pending))
	}
	return st, pool.Close, nil
}

// errInterrupted is wrapped by runLocal's error when ctx ended (SIGINT,
// SIGTERM) before the job finished and the job was cancelled.
var errInterrupted = errors.New("interrupted")

// cancelWait bounds how long an interrupted runLocal waits for the
// cancelled job to stop.
const cancelWait = time.Minute

// runLocal works args in this process, on a River queue of its own (so a
// running daemon does not take it), and waits for the job's outcome. The
// job is recorded in River like any other. onSnooze, when set, is called
// each time the job snoozes.
//
// When ctx ends first (SIGINT, SIGTERM), the job is cancelled, so that its
// work is rolled back and it is never left on this queue, which no other
// process works; runLocal waits for it to stop and returns its final row
// with an error wrapping errInterrupted, or, when it had finished after
// all, the outcome as if not interrupted. Should the process die before,
// the cancel is recorded on the job and River's rescuer ends it.
func runLocal(ctx context.Context, st *store.Store, log *zap.Logger, kit *jobs.Kit, args river.JobArgs, onStart func(id int64), onSnooze func()) (*rivertype.JobRow, river.EventKind, error) {
	queue := fmt.Sprintf("%s_cli_%d", args.Kind(), os.Getpid())
	client, err := river.NewClient(riverpgxv5.New(st.Pool()), &river.Config{
		Logger:     logging.Slog(log),
		Queues:     map[string]river.QueueConfig{queue: {MaxWorkers: 1}},
		Workers:    kit.Workers,
		Middleware: []rivertype.Middleware{&jobs.LogMiddleware{Log: log}},
	})
	if err != nil {
		return nil, "", fmt.Errorf("creating job client: %w", err)
	}
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled, river.EventKindJobFailed, river.EventKindJobSnoozed)
	defer cancel()
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	if err := client.Start(runCtx); err != nil {
		return nil, "", fmt.Errorf("starting job client: %w", err)
	}
	defer func() {
		sctx, c := context.WithTimeout(context.Background(), 30*time.Second)
		defer c()
		_ = client.StopAndCancel(sctx)
	}()
	res, err := client.Insert(ctx, args, &river.InsertOpts{Queue: queue, MaxAttempts: 1})
	if err != nil {
		return nil, "", fmt.Errorf("enqueueing %s: %w", args.Kind(), err)
	}
	if res.UniqueSkippedAsDuplicate {
		return nil, "", fmt.Errorf("the same %s is queued or running already (job %d); not started twice", args.Kind(), res.Job.ID)
	}
	id := res.Job.ID
	if onStart != nil {
		onStart(id)
	}
	next := func(done <-chan struct{}) (*rivertype.JobRow, river.EventKind, bool) {
		for {
			select {
			case <-done:
				return nil, "", false
			case ev := <-events:
				if ev.Job.ID != id {
					continue
				}
				if ev.Kind == river.EventKindJobSnoozed {
					if onSnooze != nil {
						onSnooze()
					}
					continue
				}
				return ev.Job, ev.Kind, true
			}
		}
	}
	if job, kind, ok := next(ctx.Done()); ok {
		return job, kind, nil
	}
	// Interrupted: cancel the job and wait for it to stop.
	cctx, c := context.WithTimeout(context.Background(), cancelWait)
	defer c()
	if _, err := client.JobCancel(cctx, id); err != nil {
		return nil, "", fmt.Errorf("%w, and cancelling job %d failed: %w", errInterrupted, id, err)
	}
	job, kind, ok := next(cctx.Done())
	if !ok {
		return nil, "", fmt.Errorf("%w: job %d is cancelled but had not stopped after %s; River ends it when it is found stuck (river.rescue_after)", errInterrupted, id, cancelWait)
	}
	if kind == river.EventKindJobCancelled {
		return job, kind, fmt.Errorf("%w: job %d cancelled", errInterrupted, id)
	}
	return job, kind, nil // it had finished after all
}

// lastError is a job's newest error message.
func lastError(job *rivertype.JobRow) string {
	if n := len(job.Errors); n > 0 {
		return admin.ErrorText(job.Errors[n-1].Error)
	}
	return "unknown error"
}
