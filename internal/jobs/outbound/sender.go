package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/sest"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// Deps is what a Sender needs.
type Deps struct {
	// Config is sestd's validated configuration (config.Validate has
	// checked outbox.max_attempts at least 1, outbox.backoff not negative,
	// outbox.max_backoff at least 1s and not below outbox.backoff).
	Config config.Config
	Store  *store.Store
	// Sest is the Servicestelle.
	Sest sest.Servicestelle
	// Log returns the logger of a run's context (the job's); nil logs
	// nothing.
	Log func(context.Context) *zap.Logger
	// EnqueueMail, when set, enqueues the admins' mail about the outbox
	// items ids in tx, the transaction that marks them mailed. nil sends
	// no mail.
	EnqueueMail func(ctx context.Context, tx pgx.Tx, ids []int64) error
	// Forbidden, when set, reports the status changes of the Servicestelle
	// that the status table does not allow it (sest_in / sest_out) and
	// that a run brought into the mirror (after a version conflict, or
	// looking up an interrupted send); the store recorded them already in
	// bewerbung_status_forbidden. The jobs package logs and counts them as
	// the delta poll does. nil reports nothing more.
	Forbidden func(ctx context.Context, forbidden []store.ForbiddenTransition)
}

// Sender runs the outbound sync. It keeps nothing between runs; the
// caller makes sure that one run is active at a time.
type Sender struct {
	cfg         config.Config
	store       *store.Store
	sest        sest.Servicestelle
	logger      func(context.Context) *zap.Logger
	enqueueMail func(ctx context.Context, tx pgx.Tx, ids []int64) error
	forbidden   func(ctx context.Context, forbidden []store.ForbiddenTransition)
	rules       map[string]sestmodel.StatusRule
	version     int // the interface version
	maxAttempts int
	backoff     time.Duration
	maxBackoff  time.Duration
	abschluesse []string // outbox.abschluss_filter (or its former name sync.abschluss_filter); empty sends all
}

// New builds the outbound sync from d.
func New(d Deps) *Sender {
	oc := d.Config.Outbox
	version := d.Config.Servicestelle.InterfaceVersion
	rules := sestmodel.DefaultStatusRules(version)
	for name, r := range d.Config.Sync.Bearbeitungsstatus {
		rules[name] = sestmodel.StatusRule(r)
	}
	return &Sender{cfg: d.Config, store: d.Store, sest: d.Sest, logger: d.Log, enqueueMail: d.EnqueueMail, forbidden: d.Forbidden,
		rules: rules, version: version, maxAttempts: oc.MaxAttempts, backoff: oc.Backoff,
		maxBackoff: max(oc.MaxBackoff, oc.Backoff), abschluesse: d.Config.SendAbschluesse()}
}

// log is the run's logger.
func (o *Sender) log(ctx context.Context) *zap.Logger {
	if o.logger == nil {
		return zap.NewNop()
	}
	return o.logger(ctx)
}

// Result is what one outbound run did: the job's output, which
// `sestd sync uni` prints. Refused lists the items refused in this run
// (by the Servicestelle, or not sent because the status table forbids
// the change), Discarded those outside outbox.abschluss_filter; both at
// most maxListed, their full counts beside.
type Result struct {
	Sent             int      `json:"sent"`
	Accepted         int      `json:"accepted"`
	RefusedCount     int      `json:"refused_count"`
	Refused          []Item   `json:"refused"`
	DiscardedCount   int      `json:"discarded_count"`
	Discarded        []Item   `json:"discarded"`
	Failed           int      `json:"failed"` // refused items past outbox.max_attempts (still retried)
	VersionConflicts int      `json:"version_conflicts"`
	Recovered        int      `json:"recovered"`
	CallErrors       int      `json:"call_errors"`
	ExportFiles      []string `json:"export_files"`
	// TransitionsForbidden counts the status changes of the Servicestelle
	// the run mirrored that the status table does not allow it (recorded
	// in bewerbung_status_forbidden).
	TransitionsForbidden int `json:"transitions_forbidden,omitempty"`
}

// Item is one outbox item in a Result.
type Item struct {
	ID         int64             `json:"id"`
	Kind       string            `json:"kind"`
	ItemKey    string            `json:"item_key"`
	BewerberID string            `json:"bewerber_id"`
	State      store.OutboxState `json:"state"`
	Reason     string            `json:"reason"`
	Code       int               `json:"code,omitempty"`
}

// maxListed bounds the items a Result lists by name.
const maxListed = 200

// runStats counts what one run did.
type runStats struct {
	sent, accepted, failed, conflicts, recovered, callErrors, calls int
	forbidden                                                       int // status changes of the Servicestelle the table forbids
	refused, discarded                                              []Item
	nRefused, nDiscarded                                            int
	// resend holds the items to send again at once in this run: version
	// conflicts re-applied to the current version.
	resend []int64
}

// note records a result in the run's lists.
func (st *runStats) note(it store.OutboxItem, r store.OutboxResult) {
	item := Item{ID: it.ID, Kind: it.Kind, ItemKey: it.ItemKey, BewerberID: it.BewerberID, State: r.State, Reason: r.Reason, Code: r.Code}
	switch {
	case r.State == store.OutboxDiscarded:
		st.nDiscarded++
		if len(st.discarded) < maxListed {
			st.discarded = append(st.discarded, item)
		}
	case r.State == store.OutboxRejected || r.State == store.OutboxFailed ||
		(r.State == store.OutboxPending && r.ErgebnisStatus == sestmodel.ErgebnisZurueckgewiesen && r.Code != sestmodel.CodeVersionConflict):
		st.nRefused++
		if len(st.refused) < maxListed {
			st.refused = append(st.refused, item)
		}
	}
}

// Run is one outbound sync (see the package documentation): every due
// item is tried at most once, except that a version conflict is
// re-applied to the current version and sent again at once. Errors are
// the store's, the Servicestelle's (sest.IsPermanent says which will not
// go away) or ctx's; items not settled stay queued.
func (o *Sender) Run(ctx context.Context) (Result, error) {
	log := o.log(ctx)
	if err := o.enqueue(ctx); err != nil {
		return Result{}, err
	}
	var st runStats
	sendErr := o.recover(ctx, &st)
	if sendErr == nil {
		sendErr = o.sendAuths(ctx, &st)
	}
	if sendErr == nil {
		sendErr = o.sendBewerbungen(ctx, &st)
	}
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	if n, err := o.store.OutboxCleanupAuths(ctx); err != nil {
		log.Warn("cleaning up authorisations failed", zap.Error(err))
	} else if n > 0 {
		log.Info("authorisations no longer needed removed", zap.Int64("count", n))
	}
	files, err := o.export(ctx)
	if err != nil {
		log.Error("export to the university failed", zap.Error(err))
		if sendErr == nil {
			sendErr = err
		}
	}
	if err := o.notify(ctx); err != nil {
		log.Error("enqueueing the admins' mail failed", zap.Error(err))
	}
	log.Info("outbound run done", zap.Int("sent", st.sent), zap.Int("accepted", st.accepted),
		zap.Int("refused", st.nRefused), zap.Int("discarded", st.nDiscarded), zap.Int("failed", st.failed),
		zap.Int("version_conflicts", st.conflicts), zap.Int("recovered", st.recovered), zap.Int("call_errors", st.callErrors),
		zap.Int("transitions_forbidden", st.forbidden))
	if sendErr != nil {
		return Result{}, sendErr
	}
	if st.callErrors > 0 && st.calls == st.callErrors {
		return Result{}, errors.New("every call to the Servicestelle failed; items stay queued")
	}
	return Result{Sent: st.sent, Accepted: st.accepted, RefusedCount: st.nRefused, Refused: st.refused,
		DiscardedCount: st.nDiscarded, Discarded: st.discarded, Failed: st.failed, VersionConflicts: st.conflicts,
		Recovered: st.recovered, CallErrors: st.callErrors, ExportFiles: files, TransitionsForbidden: st.forbidden}, nil
}

// countState counts the result r of item it and lists it when refused
// or discarded.
func countState(st *runStats, it store.OutboxItem, r store.OutboxResult) {
	st.note(it, r)
	switch r.State {
	case store.OutboxAccepted:
		st.accepted++
	case store.OutboxFailed:
		st.failed++
	}
}

// jsonText is v as JSON for the upload log, or "" when it does not
// encode.
func jsonText(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(raw)
}
