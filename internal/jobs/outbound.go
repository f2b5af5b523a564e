package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/jobs/outbound"
	"sestd/internal/mail"
	"sestd/internal/metrics"
	"sestd/internal/store"
)

// OutboundArgs runs the outbound sync (Sestco's sync_uni): staged
// university applications and applicant authorisations become outbox
// items, pending items are sent in packages, results are recorded, the
// changes that concern the university are exported, and items that
// failed are mailed to the admins.
//
// By names who started a run by hand (OutboundBySyncUni); the daemon's
// own runs leave it empty. It is part of the job's unique key (see
// InsertOpts), so `sestd sync uni` is not refused because the daemon's run
// is queued. Two runs never send the same item: the worker holds the
// advisory lock "outbound" for the whole run (the other one waits,
// snoozed), and a run sends only the items due, marking them sent before
// the call (store.OutboxMarkSent) and recording the outcome after it.
type OutboundArgs struct {
	By string `json:"by,omitempty"`
}

// OutboundBySyncUni is OutboundArgs.By of a `sestd sync uni` round.
const OutboundBySyncUni = "sync uni"

// Kind implements river.JobArgs.
func (OutboundArgs) Kind() string { return "outbound_sync" }

// InsertOpts keeps one outbound run of each starter (OutboundArgs.By)
// queued or running.
func (OutboundArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutbound, UniqueOpts: uniqueWhileActive()}
}

// OutboundWorker runs OutboundArgs.
type OutboundWorker struct {
	river.WorkerDefaults[OutboundArgs]
	deps Deps
	out  *outbound.Sender
}

// Timeout lets a run with a large outbox finish.
func (w *OutboundWorker) Timeout(*river.Job[OutboundArgs]) time.Duration { return 30 * time.Minute }

// Work runs one outbound sync. It waits (snoozes) while a delta poll of
// the Bewerbungen runs, so that it decides on fresh mirror data, and while
// another outbound run is active.
func (w *OutboundWorker) Work(ctx context.Context, _ *river.Job[OutboundArgs]) error {
	st := w.deps.Store
	unlock, ok, err := st.TryLock(ctx, "outbound")
	if err != nil {
		return err
	}
	if !ok {
		Logger(ctx).Info("another outbound run is active; waiting")
		return river.JobSnooze(30 * time.Second)
	}
	defer unlock()
	unlockDelta, ok, err := st.TryLock(ctx, "stream:"+store.StreamBewerbungen.String())
	if err != nil {
		return err
	}
	if !ok {
		Logger(ctx).Info("a delta poll of the Bewerbungen is running; waiting for fresh mirror data")
		return river.JobSnooze(15 * time.Second)
	}
	unlockDelta()
	res, err := w.out.Run(ctx)
	if err != nil {
		return classify(err)
	}
	return river.RecordOutput(ctx, res)
}

// OutboundResult is what one outbound run did, the outbound_sync job's
// output (see outbound.Result).
type OutboundResult = outbound.Result

// OutboundItem is one outbox item in an OutboundResult.
type OutboundItem = outbound.Item

// newOutboundSender builds the outbound sync the worker runs: it logs
// through the job's logger, reports the forbidden status changes of the
// Servicestelle it mirrors as the delta poll does (log line and
// sestd_sync_items_total{stream="bewerbungen",operation="transition_forbidden"}),
// and, when mail is configured, enqueues the
// admins' mail (OutboxMailArgs) in the transaction that marks the items
// mailed.
func newOutboundSender(d Deps) *outbound.Sender {
	od := outbound.Deps{Config: d.Config, Store: d.Store, Sest: d.Sest, Log: Logger,
		Forbidden: func(ctx context.Context, forbidden []store.ForbiddenTransition) {
			logForbidden(Logger(ctx), forbidden)
			if d.Metrics != nil {
				d.Metrics.SyncItems.WithLabelValues(store.StreamBewerbungen.String(), "transition_forbidden").Add(float64(len(forbidden)))
			}
		}}
	if mail.New(d.Config.Mail).Enabled() {
		od.EnqueueMail = func(ctx context.Context, tx pgx.Tx, ids []int64) error {
			client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
			if err != nil {
				return fmt.Errorf("river client: %w", err)
			}
			_, err = client.InsertTx(ctx, tx, OutboxMailArgs{IDs: ids}, nil)
			return err
		}
	}
	return outbound.New(od)
}

// OutboxRetryArgs makes failed items pending again (attempts reset) and
// starts an outbound run: one item by ID, or every failed item with All.
type OutboxRetryArgs struct {
	ID  int64 `json:"id,omitempty"`
	All bool  `json:"all,omitempty"`
}

// Kind implements river.JobArgs.
func (OutboxRetryArgs) Kind() string { return "outbox_retry" }

// InsertOpts runs a retry once.
func (OutboxRetryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 3, UniqueOpts: uniqueWhileActive()}
}

// OutboxRetryWorker runs OutboxRetryArgs.
type OutboxRetryWorker struct {
	river.WorkerDefaults[OutboxRetryArgs]
	deps Deps
}

// Work retries the item(s); an unknown item or one in the wrong state
// cancels the job.
func (w *OutboxRetryWorker) Work(ctx context.Context, job *river.Job[OutboxRetryArgs]) error {
	st := w.deps.Store
	if job.Args.All {
		n, err := st.OutboxRetryAllFailed(ctx)
		if err != nil {
			return err
		}
		Logger(ctx).Info("failed outbox items queued again", zap.Int64("count", n))
	} else {
		if err := st.OutboxRetry(ctx, job.Args.ID); err != nil {
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrOutboxState) {
				return river.JobCancel(err)
			}
			return err
		}
		Logger(ctx).Info("outbox item queued again", zap.Int64("outbox_id", job.Args.ID))
	}
	if w.deps.Sest == nil {
		return nil
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return nil
	}
	_, err = client.Insert(ctx, OutboundArgs{}, nil)
	return err
}

// registerOutbound registers the outbound sync (a worker, its schedule
// and trigger, when the Servicestelle is configured), the retry of
// outbox items, the admins' mail and the gauge of outbox items.
func registerOutbound(d Deps, k *Kit) error {
	if d.Metrics != nil {
		d.Metrics.AddGaugeFunc(metrics.GaugeFunc{
			Name: "sestd_outbox_items", Help: "Outbox items by state (pending, sent, accepted, rejected, failed, discarded).",
			Label: "state", Collect: d.Store.OutboxCountsByState,
		})
	}
	if err := registerMail(d, k); err != nil {
		return err
	}
	river.AddWorker(k.Workers, &OutboxRetryWorker{deps: d})
	k.Triggers["outbox_retry"] = Trigger{
		Help: `queue failed outbox items again (attempts reset) and start an outbound run; {"id": N} or {"all": true}`,
		Args: func(raw json.RawMessage) (river.JobArgs, error) {
			a, err := decodeArgs[OutboxRetryArgs](raw)
			if err == nil && (a.ID == 0) == !a.All {
				err = errors.New(`give either "id" or "all": true`)
			}
			return a, err
		},
	}
	if d.Sest == nil {
		return nil
	}
	river.AddWorker(k.Workers, &OutboundWorker{deps: d, out: newOutboundSender(d)})
	if err := k.addPeriodic("outbound", d.Config.Sync.Schedules.Outbound, func() river.JobArgs { return OutboundArgs{} }); err != nil {
		return err
	}
	k.Triggers["outbound_sync"] = Trigger{
		Help: "send the outbox to the Servicestelle, export the changes to the university, mail failed items (Sestco's sync_uni); no arguments",
		Args: func(raw json.RawMessage) (river.JobArgs, error) { return decodeArgs[OutboundArgs](raw) },
	}
	return nil
}
