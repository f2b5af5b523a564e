package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/mail"
	"sestd/internal/metrics"
	"sestd/internal/sest"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// OutboundArgs runs the outbound sync (Sestco's sync_uni): staged
// university applications and applicant authorisations become outbox
// items, pending items are sent in packages, results are recorded, the
// changes that concern the university are exported, and items that
// failed are mailed to the admins.
type OutboundArgs struct{}

// Kind implements river.JobArgs.
func (OutboundArgs) Kind() string { return "outbound_sync" }

// InsertOpts keeps one outbound run queued or running.
func (OutboundArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutbound, UniqueOpts: uniqueWhileActive()}
}

// OutboundWorker runs OutboundArgs.
type OutboundWorker struct {
	river.WorkerDefaults[OutboundArgs]
	out *outbound
}

// Timeout lets a run with a large outbox finish.
func (w *OutboundWorker) Timeout(*river.Job[OutboundArgs]) time.Duration { return 30 * time.Minute }

// Work runs one outbound sync. It waits (snoozes) while a delta poll of
// the Bewerbungen runs, so that it decides on fresh mirror data, and while
// another outbound run is active.
func (w *OutboundWorker) Work(ctx context.Context, _ *river.Job[OutboundArgs]) error {
	st := w.out.deps.Store
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
	res, err := w.out.run(ctx)
	if err != nil {
		return err
	}
	return river.RecordOutput(ctx, res)
}

// outbound holds what an outbound run needs.
type outbound struct {
	deps        Deps
	sest        sest.Servicestelle
	rules       map[string]sestmodel.StatusRule
	version     int // the interface version
	maxAttempts int
	backoff     time.Duration
	maxBackoff  time.Duration
	abschluesse []string // outbox.abschluss_filter (or its former name sync.abschluss_filter); empty sends all
	mail        *mail.Sender
}

// newOutbound builds the outbound sync from d's configuration, which
// config.Validate has checked (outbox.max_attempts at least 1,
// outbox.backoff not negative, outbox.max_backoff at least 1s and not
// below outbox.backoff).
func newOutbound(d Deps) *outbound {
	oc := d.Config.Outbox
	version := d.Config.Servicestelle.InterfaceVersion
	rules := sestmodel.DefaultStatusRules(version)
	for name, r := range d.Config.Sync.Bearbeitungsstatus {
		rules[name] = sestmodel.StatusRule(r)
	}
	return &outbound{deps: d, sest: d.Sest, rules: rules, version: version, maxAttempts: oc.MaxAttempts,
		backoff: oc.Backoff, maxBackoff: max(oc.MaxBackoff, oc.Backoff), abschluesse: d.Config.SendAbschluesse(), mail: mail.New(d.Config.Mail)}
}

// OutboundResult is what one outbound run did: the job's output, which
// `sestd sync uni` prints. Refused lists the items refused in this run
// (by the Servicestelle, or not sent because the status table forbids
// the change), Discarded those outside outbox.abschluss_filter; both at
// most maxListed, their full counts beside.
type OutboundResult struct {
	Sent             int            `json:"sent"`
	Accepted         int            `json:"accepted"`
	RefusedCount     int            `json:"refused_count"`
	Refused          []OutboundItem `json:"refused"`
	DiscardedCount   int            `json:"discarded_count"`
	Discarded        []OutboundItem `json:"discarded"`
	Failed           int            `json:"failed"` // refused items past outbox.max_attempts (still retried)
	VersionConflicts int            `json:"version_conflicts"`
	Recovered        int            `json:"recovered"`
	CallErrors       int            `json:"call_errors"`
	ExportFiles      []string       `json:"export_files"`
}

// OutboundItem is one outbox item in an OutboundResult.
type OutboundItem struct {
	ID         int64  `json:"id"`
	Kind       string `json:"kind"`
	ItemKey    string `json:"item_key"`
	BewerberID string `json:"bewerber_id"`
	State      string `json:"state"`
	Reason     string `json:"reason"`
	Code       int    `json:"code,omitempty"`
}

// maxListed bounds the items an OutboundResult lists by name.
const maxListed = 200

// runStats counts what one run did.
type runStats struct {
	sent, accepted, rejected, failed, conflicts, recovered, callErrors, calls int
	refused, discarded                                                        []OutboundItem
	nRefused, nDiscarded                                                      int
	// resend holds the items to send again at once in this run: version
	// conflicts re-applied to the current version.
	resend []int64
}

// note records a result in the run's lists.
func (st *runStats) note(it store.OutboxItem, r store.OutboxResult) {
	item := OutboundItem{ID: it.ID, Kind: it.Kind, ItemKey: it.ItemKey, BewerberID: it.BewerberID, State: r.State, Reason: r.Reason, Code: r.Code}
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

// conflictRounds bounds how often one run sends a Bewerbung again at once
// after version conflicts (the Servicestelle changing it meanwhile).
const conflictRounds = 3

// run is one outbound sync: every due item is tried at most once, except
// that a version conflict is re-applied to the current version and sent
// again at once.
func (o *outbound) run(ctx context.Context) (OutboundResult, error) {
	log := Logger(ctx)
	if err := o.enqueue(ctx); err != nil {
		return OutboundResult{}, err
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
		return OutboundResult{}, ctx.Err()
	}
	if n, err := o.deps.Store.OutboxCleanupAuths(ctx); err != nil {
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
		zap.Int("version_conflicts", st.conflicts), zap.Int("recovered", st.recovered), zap.Int("call_errors", st.callErrors))
	if sendErr != nil {
		return OutboundResult{}, classify(sendErr)
	}
	if st.callErrors > 0 && st.calls == st.callErrors {
		return OutboundResult{}, errors.New("every call to the Servicestelle failed; items stay queued")
	}
	return OutboundResult{Sent: st.sent, Accepted: st.accepted, RefusedCount: st.nRefused, Refused: st.refused,
		DiscardedCount: st.nDiscarded, Discarded: st.discarded, Failed: st.failed, VersionConflicts: st.conflicts,
		Recovered: st.recovered, CallErrors: st.callErrors, ExportFiles: files}, nil
}

// ---- staging → outbox ----

const enqueueBatch = 5000

func (o *outbound) enqueue(ctx context.Context) error {
	st := o.deps.Store
	total := 0
	for {
		apps, err := st.UniBewerbungChanged(ctx, enqueueBatch)
		if err != nil {
			return err
		}
		items := make([]store.OutboxNew, 0, len(apps))
		for _, u := range apps {
			b := bewerbungFromStaging(u)
			raw, err := json.Marshal(b)
			if err != nil {
				return fmt.Errorf("encoding application %s: %w", u.HSBewerbungID, err)
			}
			items = append(items, store.OutboxNew{Kind: store.OutboxKindBewerbung, ItemKey: u.HSBewerbungID,
				BewerberID: u.BewerberID, SestKey: b.Key(), Payload: raw, SourceUpdatedAt: u.ChangedAt})
		}
		if _, err := st.OutboxUpsert(ctx, items); err != nil {
			return err
		}
		total += len(items)
		if len(apps) < enqueueBatch {
			break
		}
	}
	for {
		auths, err := st.UniBewerberAuthChanged(ctx, enqueueBatch)
		if err != nil {
			return err
		}
		items := make([]store.OutboxNew, 0, len(auths))
		for _, a := range auths {
			raw, _ := json.Marshal(authPayload{BAN: a.BAN})
			items = append(items, store.OutboxNew{Kind: store.OutboxKindBewerberAuth, ItemKey: a.BewerberID,
				BewerberID: a.BewerberID, Payload: raw, SourceUpdatedAt: a.ChangedAt})
		}
		if _, err := st.OutboxUpsert(ctx, items); err != nil {
			return err
		}
		total += len(items)
		if len(auths) < enqueueBatch {
			break
		}
	}
	if total > 0 {
		Logger(ctx).Info("outbox items queued from the staging tables", zap.Int("count", total))
	}
	return nil
}

type authPayload struct {
	BAN string `json:"ban,omitempty"`
}

func splitKey(atomic string) *sestmodel.EinfachstudienangebotsSchluessel {
	if atomic == "" {
		return nil
	}
	p := strings.Split(atomic, "-")
	k := &sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: atomic, AbschlussSchluessel: p[0]}
	if len(p) > 1 {
		k.StudienfachSchluessel = p[1]
	}
	if len(p) > 2 {
		k.FachkennzeichenSchluessel = p[2]
	}
	return k
}

// bewerbungFromStaging builds the Bewerbung to send from a staged
// application.
func bewerbungFromStaging(u store.UniBewerbung) sestmodel.Bewerbung {
	if u.Typ != "mehrfach" {
		return sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
			EingangsZeitpunkt: sestmodel.NewTimestamp(u.Eingangszeitpunkt), Bearbeitungsstatus: u.Bearbeitungsstatus,
			VersionSeSt: u.VersionSeSt, BewerberBAN: u.BewerberBAN, BewerberID: u.BewerberID,
			Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: u.StudiengangSchluessel,
				AbschlussSchluessel: u.AbschlussSchluessel, StudienfachSchluessel: u.StudienfachSchluessel,
				FachkennzeichenSchluessel: u.FachkennzeichenSchluessel},
			Aktivitaetsstatus: u.Aktivitaetsstatus, Papierantragstatus: u.Papierantragstatus,
			Statusanmerkung: u.Statusanmerkung, Sonderantragsentscheidung: u.Sonderantragsentscheidung,
		}}
	}
	m := &sestmodel.Mehrfachstudienangebotsbewerbung{
		EingangsZeitpunkt: sestmodel.NewTimestamp(u.Eingangszeitpunkt), Bearbeitungsstatus: u.Bearbeitungsstatus,
		VersionSeSt: u.VersionSeSt, BewerberBAN: u.BewerberBAN, BewerberID: u.BewerberID,
		Studienangebot:    sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: u.AbschlussSchluessel},
		Aktivitaetsstatus: u.Aktivitaetsstatus, Papierantragstatus: u.Papierantragstatus,
		Statusanmerkung: u.Statusanmerkung, Sonderantragsentscheidung: u.Sonderantragsentscheidung,
	}
	for _, t := range u.Teilfaecher {
		status := t.Bearbeitungsstatus
		if status == "" {
			status = u.Bearbeitungsstatus
		}
		m.Teilfachbewerbung = append(m.Teilfachbewerbung, sestmodel.Teilfachbewerbung{
			EingangsZeitpunkt: sestmodel.NewTimestamp(u.Eingangszeitpunkt), Bearbeitungsstatus: status, VersionSeSt: t.VersionSeSt,
			Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: t.StudiengangSchluessel,
				AbschlussSchluessel: t.AbschlussSchluessel, StudienfachSchluessel: t.StudienfachSchluessel,
				FachkennzeichenSchluessel: t.FachkennzeichenSchluessel},
			HauptfachSchluessel: splitKey(t.HauptfachSchluessel), ErsatzfachSchluessel: splitKey(t.ErsatzfachSchluessel),
			IstErsatzfachAkzeptabel: t.IstErsatzfachAkzeptabel, IstFachwechsel: t.IstFachwechsel,
			Aktivitaetsstatus: t.Aktivitaetsstatus, Statusanmerkung: t.Statusanmerkung,
			Sonderantragsentscheidung: t.Sonderantragsentscheidung,
		})
	}
	return sestmodel.Bewerbung{Mehrfach: m}
}

func setVersion(b *sestmodel.Bewerbung, v int) {
	switch {
	case b.Einfach != nil:
		b.Einfach.VersionSeSt = v
	case b.Mehrfach != nil:
		b.Mehrfach.VersionSeSt = v
	}
}

// ---- decisions ----

// transitionForbidden says why the university may not move a Bewerbung
// from cur (empty: new) to target, or "" when it may.
func (o *outbound) transitionForbidden(cur, target string) string {
	to, known := o.rules[target]
	if !known {
		if v := sestmodel.StatusSince(target); v > o.version {
			return fmt.Sprintf("Bearbeitungsstatus %s exists only from interface version %d (servicestelle.interface_version is %d)", target, v, o.version)
		}
		return fmt.Sprintf("Bearbeitungsstatus %s is not in the status table (sync.bearbeitungsstatus)", target)
	}
	if cur == "" {
		if !to.UniIn {
			return fmt.Sprintf("the university may not create a Bewerbung in Bearbeitungsstatus %s (uni_in is false)", target)
		}
		return ""
	}
	if cur == target {
		return ""
	}
	from := o.rules[cur]
	switch {
	case !from.UniOut:
		return fmt.Sprintf("the university may not change a Bewerbung out of Bearbeitungsstatus %s (uni_out is false) into %s", cur, target)
	case !to.UniIn:
		return fmt.Sprintf("the university may not change a Bewerbung into Bearbeitungsstatus %s (uni_in is false) from %s", target, cur)
	}
	return ""
}

// teilfachForbidden says why the university may not give the
// Teilfachbewerbungen of a Mehrfachstudienangebotsbewerbung their
// statuses, given the mirrored ones (by studiengang_schluessel; a
// Teilfach not mirrored is new), or "" when it may.
func (o *outbound) teilfachForbidden(cur map[string]string, tfs []sestmodel.Teilfachbewerbung) string {
	for _, tf := range tfs {
		if tf.Bearbeitungsstatus == "" {
			continue
		}
		if why := o.transitionForbidden(cur[tf.Studienangebot.StudiengangSchluessel], tf.Bearbeitungsstatus); why != "" {
			return fmt.Sprintf("Teilfach %s: %s", tf.Studienangebot.StudiengangSchluessel, why)
		}
	}
	return ""
}

// retryLater is the result for an item refused for a reason that may go
// away: it stays queued and is tried again after the backoff for its
// attempts; from outbox.max_attempts on it is failed (mailed to the admins
// once, in the digest while it fails) and still tried again, at the
// latest after outbox.max_backoff, until it is accepted, discarded by an
// operator or superseded by a newer delivery.
func (o *outbound) retryLater(attempts int, r store.OutboxResult) store.OutboxResult {
	r.State = o.queuedState(attempts)
	r.NextAttemptAt = time.Now().Add(retryDelay(o.backoff, o.maxBackoff, attempts))
	return r
}

// queuedState is the state of a queued item after attempts attempts:
// pending, or failed from outbox.max_attempts on.
func (o *outbound) queuedState(attempts int) string {
	if attempts >= o.maxAttempts {
		return store.OutboxFailed
	}
	return store.OutboxPending
}

// retryDelay is the wait before attempt attempts+1: backoff, doubled per
// attempt made after the first, at most limit.
func retryDelay(backoff, limit time.Duration, attempts int) time.Duration {
	d := backoff
	for i := 1; i < attempts && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// abschlussOf is the Abschluss a Bewerbung is for: the
// Einfachstudienangebot's, or the Mehrfachabschluss.
func abschlussOf(b sestmodel.Bewerbung) string {
	switch {
	case b.Einfach != nil:
		k := b.Einfach.Studienangebot
		if k.AbschlussSchluessel != "" {
			return k.AbschlussSchluessel
		}
		a, _, _ := strings.Cut(k.StudiengangSchluessel, "-")
		return a
	case b.Mehrfach != nil:
		return b.Mehrfach.Studienangebot.AbschlussSchluessel
	}
	return ""
}

// outsideFilter says why b is not sent under outbox.abschluss_filter, or
// "" when it is sent.
func (o *outbound) outsideFilter(b sestmodel.Bewerbung) string {
	if len(o.abschluesse) == 0 {
		return ""
	}
	a := abschlussOf(b)
	if slices.Contains(o.abschluesse, a) {
		return ""
	}
	return fmt.Sprintf("not sent: Abschluss %s is not in outbox.abschluss_filter (%s): updates at the Servicestelle are limited to those Abschlüsse",
		a, strings.Join(o.abschluesse, ", "))
}

func jsonText(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(raw)
}

// countState counts the result r of item it and lists it when refused
// or discarded.
func countState(st *runStats, it store.OutboxItem, r store.OutboxResult) {
	st.note(it, r)
	switch r.State {
	case store.OutboxAccepted:
		st.accepted++
	case store.OutboxRejected:
		st.rejected++
	case store.OutboxFailed:
		st.failed++
	}
}

// ---- notification ----

// notify enqueues one mail job for the items that became failed or
// rejected since the last mail, in the transaction that marks them
// mailed: each item is mailed once. Mail delivery runs as its own job.
func (o *outbound) notify(ctx context.Context) error {
	if !o.mail.Enabled() {
		return nil
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("river client: %w", err)
	}
	ids, err := o.deps.Store.OutboxNotify(ctx, func(tx pgx.Tx, ids []int64) error {
		_, err := client.InsertTx(ctx, tx, OutboxMailArgs{IDs: ids}, nil)
		return err
	})
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		Logger(ctx).Info("admins' mail queued for failed items", zap.Int("items", len(ids)))
	}
	return nil
}

// ---- registration ----

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
	river.AddWorker(k.Workers, &OutboundWorker{out: newOutbound(d)})
	if err := k.addPeriodic("outbound", d.Config.Sync.Schedules.Outbound, func() river.JobArgs { return OutboundArgs{} }); err != nil {
		return err
	}
	k.Triggers["outbound_sync"] = Trigger{
		Help: "send the outbox to the Servicestelle, export the changes to the university, mail failed items (Sestco's sync_uni); no arguments",
		Args: func(raw json.RawMessage) (river.JobArgs, error) { return decodeArgs[OutboundArgs](raw) },
	}
	return nil
}
