package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/mail"
	"sestd/internal/store"
)

// OutboxMailArgs mails the admins a list of outbox items that failed:
// the items IDs (each mailed once, see the outbound package), or with
// Digest every item still failing (the daily digest). A delivery failure
// is retried by River; it never blocks the sync.
type OutboxMailArgs struct {
	IDs    []int64 `json:"ids,omitempty"`
	Digest bool    `json:"digest,omitempty"`
}

// Kind implements river.JobArgs.
func (OutboxMailArgs) Kind() string { return "outbox_mail" }

// InsertOpts keeps one identical mail queued or running.
func (OutboxMailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, UniqueOpts: uniqueWhileActive()}
}

// OutboxMailWorker runs OutboxMailArgs.
type OutboxMailWorker struct {
	river.WorkerDefaults[OutboxMailArgs]
	deps   Deps
	sender *mail.Sender
}

// Work renders and sends the mail; nothing to report sends nothing.
func (w *OutboxMailWorker) Work(ctx context.Context, job *river.Job[OutboxMailArgs]) error {
	if !w.sender.Enabled() {
		return river.JobCancel(mail.ErrDisabled)
	}
	st := w.deps.Store
	var items []store.OutboxItem
	var err error
	if job.Args.Digest {
		items, err = st.OutboxListFailing(ctx)
	} else {
		items, err = st.OutboxGetMany(ctx, job.Args.IDs)
	}
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return nil
	}
	subject, body := renderOutboxMail(w.deps.Config.Servicestelle.Hochschulnummer, items, job.Args.Digest)
	if err := w.sender.Send(ctx, subject, body); err != nil {
		if w.deps.Metrics != nil {
			w.deps.Metrics.Mails.WithLabelValues("failed").Inc()
		}
		return err
	}
	if w.deps.Metrics != nil {
		w.deps.Metrics.Mails.WithLabelValues("sent").Inc()
	}
	Logger(ctx).Info("admins' mail sent", zap.Int("items", len(items)), zap.Bool("digest", job.Args.Digest))
	return nil
}

// renderOutboxMail writes the plain-text mail: each item with its reason,
// attempts and how to retry or discard it.
func renderOutboxMail(hochschule string, items []store.OutboxItem, digest bool) (subject, body string) {
	var b strings.Builder
	if digest {
		subject = fmt.Sprintf("sestd (Hochschule %s): %d outbox items still failing", hochschule, len(items))
		b.WriteString("Daily digest: these items could still not be sent to the Servicestelle.\n" +
			"Failed items are still being retried; rejected ones wait for an operator or a new delivery.\n")
	} else {
		subject = fmt.Sprintf("sestd (Hochschule %s): %d outbox items failed", hochschule, len(items))
		b.WriteString("The Servicestelle refused these items outbox.max_attempts times (failed), or sestd\n" +
			"may not send them (rejected). Failed items stay queued and are tried again, at\n" +
			"least every outbox.max_backoff, until they are accepted, an operator discards them,\n" +
			"or the university delivers the application anew. You get this mail once per item;\n" +
			"the daily digest lists them while they fail.\n")
	}
	b.WriteString("\n")
	for _, it := range items {
		fmt.Fprintf(&b, "#%d %s %s (Bewerber %s)", it.ID, it.Kind, it.ItemKey, it.BewerberID)
		if it.SestKey != "" {
			fmt.Fprintf(&b, ", Servicestelle key %s", it.SestKey)
		}
		fmt.Fprintf(&b, "\n  state:    %s after %d attempt(s)", it.State, it.Attempts)
		if it.State == store.OutboxFailed {
			fmt.Fprintf(&b, ", next attempt %s", it.NextAttemptAt.UTC().Format("2006-01-02 15:04 UTC"))
		}
		if it.Operation != "" {
			fmt.Fprintf(&b, ", last operation %s", it.Operation)
		}
		fmt.Fprintf(&b, "\n  reason:   %s\n", oneLine(it.Reason))
		fmt.Fprintf(&b, "  retry:    sestd trigger outbox_retry --arg id=%d   (now; admin API: POST /api/outbox/%d/retry)\n", it.ID, it.ID)
		fmt.Fprintf(&b, "  discard:  POST /api/outbox/%d/discard\n\n", it.ID)
	}
	b.WriteString("Retry every failed item: sestd trigger outbox_retry --arg all=true   (admin API: POST /api/outbox/retry-failed)\n")
	b.WriteString("Each attempt's request and response are in the upload log (table upload_log).\n")
	return subject, b.String()
}

func oneLine(s string) string {
	if s == "" {
		return "(none given)"
	}
	return strings.Join(strings.Fields(s), " ")
}

func registerMail(d Deps, k *Kit) error {
	sender := mail.New(d.Config.Mail)
	river.AddWorker(k.Workers, &OutboxMailWorker{deps: d, sender: sender})
	if sender.Enabled() {
		if err := k.addPeriodic("outbox_digest", d.Config.Outbox.Digest, func() river.JobArgs { return OutboxMailArgs{Digest: true} }); err != nil {
			return fmt.Errorf("outbox.digest: %w", err)
		}
	}
	k.Triggers["outbox_digest"] = Trigger{
		Help: "mail the admins the list of outbox items still failing now; no arguments",
		Args: func(json.RawMessage) (river.JobArgs, error) { return OutboxMailArgs{Digest: true}, nil },
	}
	return nil
}
