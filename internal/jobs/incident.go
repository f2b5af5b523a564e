package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"sestd/internal/mail"
	"sestd/internal/metrics"
	"sestd/internal/store"
)

// Incidents: a job that fails for good (cancelled, or discarded after its
// last attempt) or keeps failing (IncidentAfter attempts in a row) opens an
// incident for its kind and subject; the admins get one mail when it opens
// and one when the next run of the same kind and subject completes. Mails
// of one key come at most once per IncidentQuiet, so a flapping job does
// not flood the admins. Without mail.host the incidents are still recorded
// (table incident).
const (
	IncidentAfter = 3
	IncidentQuiet = time.Hour
)

// incidentSilent are the kinds that never open incidents: the mails
// themselves (a broken relay is SestdMailsFailing's business, not a mail's).
var incidentSilent = map[string]bool{"outbox_mail": true, "incident_mail": true}

// IncidentMiddleware watches every job's outcome and opens and resolves
// incidents (see IncidentAfter). Recording an incident never changes the
// job's outcome: its own errors are logged.
type IncidentMiddleware struct {
	river.WorkerMiddlewareDefaults
	Store *store.Store
	Log   *zap.Logger
	// Mail tells whether mails are to be sent (mail.host set).
	Mail bool
}

// Work implements rivertype.WorkerMiddleware.
func (m *IncidentMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	err := doInner(ctx)
	if incidentSilent[job.Kind] || errors.Is(ctx.Err(), context.Canceled) {
		return err // a shutdown or an operator's cancel is no failure of the job
	}
	key := incidentKey(job)
	// The job's context may be at its end; the bookkeeping gets its own.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	log := m.Log.With(zap.String("job_kind", job.Kind), zap.Int64("job_id", job.ID), zap.String("incident", key))
	switch outcome := metrics.Outcome(err); {
	case outcome == "cancelled" || outcome == "failed" && job.Attempt >= min(IncidentAfter, job.MaxAttempts):
		inc, due, ierr := m.Store.IncidentFail(bctx, key, job.Kind, errorText(err), job.ID, m.Mail, IncidentQuiet)
		if ierr != nil {
			log.Error("recording the incident", zap.Error(ierr))
			return err
		}
		if inc.Failures == 1 {
			log.Warn("incident opened", zap.String("outcome", outcome))
		}
		if due {
			m.mail(ctx, bctx, log, IncidentMailArgs{Key: key, Event: incidentOpened, OpenedAt: inc.OpenedAt})
		}
	case outcome == "completed":
		inc, due, ierr := m.Store.IncidentRecover(bctx, key)
		if errors.Is(ierr, store.ErrNotFound) {
			return err
		}
		if ierr != nil {
			log.Error("resolving the incident", zap.Error(ierr))
			return err
		}
		log.Info("incident resolved", zap.Time("opened_at", inc.OpenedAt), zap.Int("failures", inc.Failures))
		if due {
			m.mail(ctx, bctx, log, IncidentMailArgs{Key: key, Event: incidentRecovered, OpenedAt: inc.OpenedAt})
		}
	}
	return err
}

// mail enqueues an incident mail with the job's River client.
func (m *IncidentMiddleware) mail(jobCtx, ctx context.Context, log *zap.Logger, args IncidentMailArgs) {
	client, err := river.ClientFromContextSafely[pgx.Tx](jobCtx)
	if err != nil {
		log.Error("incident mail not sent: no River client", zap.Error(err))
		return
	}
	if _, err := client.Insert(ctx, args, nil); err != nil {
		log.Error("enqueueing the incident mail", zap.Error(err))
	}
}

// errorText is the job's error without River's cancel wrapper.
func errorText(err error) string {
	var ce *river.JobCancelError
	if errors.As(err, &ce) {
		if inner := errors.Unwrap(ce); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}

// incidentKey names what failed: the job kind and its subject (the
// stream of a delta poll, the file of an import), never personal data.
func incidentKey(job *rivertype.JobRow) string {
	var args map[string]any
	_ = json.Unmarshal(job.EncodedArgs, &args)
	key := job.Kind
	if s, ok := args["stream"].(string); ok && s != "" {
		key += " stream=" + s
	}
	if p, ok := args["path"].(string); ok && p != "" {
		key += " file=" + filepath.Base(p)
	}
	return key
}

const (
	incidentOpened    = "opened"
	incidentRecovered = "recovered"
)

// IncidentMailArgs mails the admins that an incident opened or recovered.
type IncidentMailArgs struct {
	Key      string    `json:"key"`
	Event    string    `json:"event"`
	OpenedAt time.Time `json:"opened_at"`
}

// Kind implements river.JobArgs.
func (IncidentMailArgs) Kind() string { return "incident_mail" }

// InsertOpts: one mail per incident and event.
func (IncidentMailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// IncidentMailWorker runs IncidentMailArgs.
type IncidentMailWorker struct {
	river.WorkerDefaults[IncidentMailArgs]
	deps   Deps
	sender *mail.Sender
}

// Work renders the incident as it is now and sends the mail; a failed
// delivery is retried by River.
func (w *IncidentMailWorker) Work(ctx context.Context, job *river.Job[IncidentMailArgs]) error {
	if !w.sender.Enabled() {
		return river.JobCancel(mail.ErrDisabled)
	}
	inc, err := w.deps.Store.IncidentGet(ctx, job.Args.Key)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	subject, body := renderIncidentMail(w.deps.Config.Servicestelle.Hochschulnummer, inc, job.Args.Event)
	if err := w.sender.Send(ctx, subject, body); err != nil {
		w.deps.Metrics.Mails.WithLabelValues("failed").Inc()
		return err
	}
	w.deps.Metrics.Mails.WithLabelValues("sent").Inc()
	return nil
}

// renderIncidentMail writes the mail for people: what fails, since when,
// the last error, and what to do.
func renderIncidentMail(hochschulnummer string, inc store.Incident, event string) (string, string) {
	where := ""
	if hochschulnummer != "" {
		where = " (Hochschulnummer " + hochschulnummer + ")"
	}
	var b strings.Builder
	if event == incidentRecovered {
		subject := fmt.Sprintf("sestd: %s works again", inc.Key)
		fmt.Fprintf(&b, "sestd%s: %s completed again.\n\n", where, inc.Key)
		fmt.Fprintf(&b, "It failed from %s", inc.OpenedAt.UTC().Format(time.RFC3339))
		if inc.ResolvedAt != nil {
			fmt.Fprintf(&b, " to %s", inc.ResolvedAt.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(&b, " (%d failed run(s)). Last error:\n  %s\n", inc.Failures, oneLine(inc.LastError))
		return subject, b.String()
	}
	subject := fmt.Sprintf("sestd: %s fails", inc.Key)
	fmt.Fprintf(&b, "sestd%s: %s fails since %s (%d failed run(s), last job %d).\n\n",
		where, inc.Key, inc.OpenedAt.UTC().Format(time.RFC3339), inc.Failures, inc.LastJobID)
	fmt.Fprintf(&b, "Last error:\n  %s\n\n", oneLine(inc.LastError))
	b.WriteString("A cancelled job is not retried: fix the cause (credentials, servicestelle.base_url,\n" +
		"the file), then run it again with `sestd trigger " + inc.Kind + " --wait`.\n" +
		"`sestd status` and the admin API's recent runs show every attempt.\n" +
		"You get one more mail when it works again.\n")
	return subject, b.String()
}

func registerIncidents(d Deps, k *Kit) error {
	sender := mail.New(d.Config.Mail)
	river.AddWorker(k.Workers, &IncidentMailWorker{deps: d, sender: sender})
	log := d.Log
	if log == nil {
		log = zap.NewNop()
	}
	k.Middleware = append(k.Middleware, &IncidentMiddleware{Store: d.Store, Log: log, Mail: sender.Enabled()})
	return nil
}
