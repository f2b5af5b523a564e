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
	unlockDelta, ok, err := st.TryLock(ctx, "stream:"+store.StreamBewerbungen)
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
	rules       map[string]sest.StatusRule
	version     int // the interface version
	maxAttempts int
	backoff     time.Duration
	maxBackoff  time.Duration
	abschluesse []string // outbox.abschluss_filter; empty sends all
	mail        *mail.Sender
}

// newOutbound builds the outbound sync from d's configuration, which
// config.Validate has checked (outbox.max_attempts at least 1,
// outbox.backoff not negative, outbox.max_backoff at least 1s and not
// below outbox.backoff).
func newOutbound(d Deps) *outbound {
	oc := d.Config.Outbox
	version := d.Config.Servicestelle.InterfaceVersion
	rules := sest.DefaultStatusRules(version)
	for name, r := range d.Config.Sync.Bearbeitungsstatus {
		rules[name] = sest.StatusRule(r)
	}
	return &outbound{deps: d, sest: d.Sest, rules: rules, version: version, maxAttempts: oc.MaxAttempts,
		backoff: oc.Backoff, maxBackoff: max(oc.MaxBackoff, oc.Backoff), abschluesse: oc.AbschlussFilter, mail: mail.New(d.Config.Mail)}
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
		(r.State == store.OutboxPending && r.ErgebnisStatus == sest.ErgebnisZurueckgewiesen && r.Code != sest.CodeVersionConflict):
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

func splitKey(atomic string) *sest.EinfachstudienangebotsSchluessel {
	if atomic == "" {
		return nil
	}
	p := strings.Split(atomic, "-")
	k := &sest.EinfachstudienangebotsSchluessel{StudiengangSchluessel: atomic, AbschlussSchluessel: p[0]}
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
func bewerbungFromStaging(u store.UniBewerbung) sest.Bewerbung {
	if u.Typ != "mehrfach" {
		return sest.Bewerbung{Einfach: &sest.Einfachstudienangebotsbewerbung{
			EingangsZeitpunkt: sest.NewTimestamp(u.Eingangszeitpunkt), Bearbeitungsstatus: u.Bearbeitungsstatus,
			VersionSeSt: u.VersionSeSt, BewerberBAN: u.BewerberBAN, BewerberID: u.BewerberID,
			Studienangebot: sest.EinfachstudienangebotsSchluessel{StudiengangSchluessel: u.StudiengangSchluessel,
				AbschlussSchluessel: u.AbschlussSchluessel, StudienfachSchluessel: u.StudienfachSchluessel,
				FachkennzeichenSchluessel: u.FachkennzeichenSchluessel},
			Aktivitaetsstatus: u.Aktivitaetsstatus, Papierantragstatus: u.Papierantragstatus,
			Statusanmerkung: u.Statusanmerkung, Sonderantragsentscheidung: u.Sonderantragsentscheidung,
		}}
	}
	m := &sest.Mehrfachstudienangebotsbewerbung{
		EingangsZeitpunkt: sest.NewTimestamp(u.Eingangszeitpunkt), Bearbeitungsstatus: u.Bearbeitungsstatus,
		VersionSeSt: u.VersionSeSt, BewerberBAN: u.BewerberBAN, BewerberID: u.BewerberID,
		Studienangebot:    sest.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: u.AbschlussSchluessel},
		Aktivitaetsstatus: u.Aktivitaetsstatus, Papierantragstatus: u.Papierantragstatus,
		Statusanmerkung: u.Statusanmerkung, Sonderantragsentscheidung: u.Sonderantragsentscheidung,
	}
	for _, t := range u.Teilfaecher {
		status := t.Bearbeitungsstatus
		if status == "" {
			status = u.Bearbeitungsstatus
		}
		m.Teilfachbewerbung = append(m.Teilfachbewerbung, sest.Teilfachbewerbung{
			EingangsZeitpunkt: sest.NewTimestamp(u.Eingangszeitpunkt), Bearbeitungsstatus: status, VersionSeSt: t.VersionSeSt,
			Studienangebot: sest.EinfachstudienangebotsSchluessel{StudiengangSchluessel: t.StudiengangSchluessel,
				AbschlussSchluessel: t.AbschlussSchluessel, StudienfachSchluessel: t.StudienfachSchluessel,
				FachkennzeichenSchluessel: t.FachkennzeichenSchluessel},
			HauptfachSchluessel: splitKey(t.HauptfachSchluessel), ErsatzfachSchluessel: splitKey(t.ErsatzfachSchluessel),
			IstErsatzfachAkzeptabel: t.IstErsatzfachAkzeptabel, IstFachwechsel: t.IstFachwechsel,
			Aktivitaetsstatus: t.Aktivitaetsstatus, Statusanmerkung: t.Statusanmerkung,
			Sonderantragsentscheidung: t.Sonderantragsentscheidung,
		})
	}
	return sest.Bewerbung{Mehrfach: m}
}

func setVersion(b *sest.Bewerbung, v int) {
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
		if v := sest.StatusSince(target); v > o.version {
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
func abschlussOf(b sest.Bewerbung) string {
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
func (o *outbound) outsideFilter(b sest.Bewerbung) string {
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

// ---- Bewerbungen ----

type prepared struct {
	item store.OutboxItem
	b    sest.Bewerbung
}

func (o *outbound) packageSize() int { return max(o.deps.Config.Servicestelle.PackageSize, 1) }

// sendBewerbungen sends every due Bewerbung item once, package by
// package in the order of their ids, then, for a few rounds, the items
// whose version conflict was re-applied to the current version.
func (o *outbound) sendBewerbungen(ctx context.Context, st *runStats) error {
	var after int64
	for {
		items, err := o.deps.Store.OutboxDue(ctx, store.OutboxKindBewerbung, after, o.packageSize())
		if err != nil {
			return err
		}
		if len(items) == 0 {
			break
		}
		after = items[len(items)-1].ID
		stop, err := o.sendBewerbungPackage(ctx, items, st)
		if err != nil || stop {
			return err
		}
	}
	for range conflictRounds {
		if len(st.resend) == 0 {
			return nil
		}
		items, err := o.deps.Store.OutboxGetMany(ctx, st.resend)
		if err != nil {
			return err
		}
		st.resend = nil
		items = slices.DeleteFunc(items, func(it store.OutboxItem) bool {
			return it.State != store.OutboxPending && it.State != store.OutboxFailed
		})
		for len(items) > 0 {
			n := min(len(items), o.packageSize())
			stop, err := o.sendBewerbungPackage(ctx, items[:n], st)
			if err != nil || stop {
				return err
			}
			items = items[n:]
		}
	}
	return nil
}

// sendBewerbungPackage decides per item (new or changed, allowed
// transition), sends the package with one call per operation and records
// the results. stop reports a call failure that makes further sends this
// run pointless.
func (o *outbound) sendBewerbungPackage(ctx context.Context, items []store.OutboxItem, st *runStats) (stop bool, err error) {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.SestKey
	}
	mirror, err := o.deps.Store.OutboxMirrorState(ctx, keys)
	if err != nil {
		return false, err
	}
	var neu, geaendert []prepared
	var results []store.OutboxResult
	var resultItems []store.OutboxItem
	for _, it := range items {
		var b sest.Bewerbung
		if err := json.Unmarshal(it.Payload, &b); err != nil || (b.Einfach == nil) == (b.Mehrfach == nil) {
			results = append(results, store.OutboxResult{ID: it.ID, State: store.OutboxRejected,
				Reason: fmt.Sprintf("the outbox payload is not a Bewerbung: %v", err)})
			resultItems = append(resultItems, it)
			continue
		}
		if why := o.outsideFilter(b); why != "" {
			results = append(results, store.OutboxResult{ID: it.ID, State: store.OutboxDiscarded, Reason: why})
			resultItems = append(resultItems, it)
			continue
		}
		m, inMirror := mirror[it.SestKey]
		cur, curVersion := "", 0
		if inMirror {
			cur, curVersion = m.Bearbeitungsstatus, m.Version
		}
		if it.ResultVersion > curVersion {
			cur, curVersion = it.ResultStatus, it.ResultVersion
		}
		exists := inMirror || it.ResultVersion > 0
		if why := o.transitionForbidden(cur, b.Bearbeitungsstatus()); why != "" {
			results = append(results, store.OutboxResult{ID: it.ID, State: store.OutboxRejected, Reason: "not sent: " + why})
			resultItems = append(resultItems, it)
			Logger(ctx).Info("not sent: the status table forbids the change", zap.String("outbox_item", it.ItemKey),
				zap.String("bewerber_id", it.BewerberID), zap.String("from", cur), zap.String("to", b.Bearbeitungsstatus()))
			continue
		}
		if exists {
			if b.Version() == 0 {
				setVersion(&b, curVersion)
			}
			geaendert = append(geaendert, prepared{it, b})
		} else {
			setVersion(&b, 0)
			neu = append(neu, prepared{it, b})
		}
	}
	for i, r := range results {
		countState(st, resultItems[i], r)
	}
	if err := o.deps.Store.OutboxRecord(ctx, results, nil); err != nil {
		return false, err
	}
	for _, group := range []struct {
		op    string
		items []prepared
	}{{sest.OpUebermittelnNeueBewerbungen, neu}, {sest.OpUebermittelnGeaenderteBew, geaendert}} {
		if len(group.items) == 0 {
			continue
		}
		stop, err := o.sendGroup(ctx, group.op, group.items, st)
		if err != nil || stop {
			return stop, err
		}
	}
	return false, nil
}

// sendGroup sends one package with one operation and records its results.
func (o *outbound) sendGroup(ctx context.Context, op string, items []prepared, st *runStats) (stop bool, err error) {
	log := Logger(ctx)
	ids := make([]int64, len(items))
	bs := make([]sest.Bewerbung, len(items))
	payloads := make([]json.RawMessage, len(items))
	for i, p := range items {
		ids[i], bs[i], payloads[i] = p.item.ID, p.b, json.RawMessage(jsonText(p.b))
	}
	if err := o.deps.Store.OutboxMarkSent(ctx, ids, op, payloads); err != nil {
		return false, err
	}
	st.sent += len(items)
	st.calls++
	var res []sest.BewerbungErgebnis
	if op == sest.OpUebermittelnNeueBewerbungen {
		res, err = o.sest.NeueBewerbungenUebermitteln(ctx, bs)
	} else {
		res, err = o.sest.GeaenderteBewerbungenUebermitteln(ctx, bs)
	}
	if ctx.Err() != nil {
		// Shutting down: the items stay sent; the next run looks their
		// outcome up before sending anything again.
		return true, ctx.Err()
	}
	if err == nil && len(res) != len(items) {
		err = &sest.MalformedResponseError{Operation: op, Err: fmt.Errorf("%d results for %d Bewerbungen", len(res), len(items))}
	}
	results := make([]store.OutboxResult, 0, len(items))
	logs := make([]store.UploadLogEntry, 0, len(items))
	if err != nil {
		st.callErrors++
		permanent := sest.IsPermanent(err) && !errors.Is(err, sest.ErrUnauthorized) && !errors.Is(err, sest.ErrUnknownHochschule)
		log.Warn("sending Bewerbungen failed", zap.String("operation", op), zap.Int("items", len(items)),
			zap.Bool("permanent", permanent), zap.Error(err))
		for _, p := range items {
			attempts := p.item.Attempts + 1
			r := store.OutboxResult{ID: p.item.ID, Reason: err.Error()}
			if permanent {
				// The Servicestelle refused the request: it did not apply it.
				r = o.retryLater(attempts, r)
			} else {
				// The outcome is unknown (the request may have arrived):
				// the item stays sent and is looked up before any resend.
				r.State, r.NextAttemptAt = store.OutboxSent, time.Now()
			}
			countState(st, p.item, r)
			results = append(results, r)
			logs = append(logs, store.UploadLogEntry{Operation: op, ItemKind: store.OutboxKindBewerbung, ItemKey: p.item.ItemKey,
				BewerberID: p.item.BewerberID, Attempt: attempts, Request: jsonText(p.b), Reason: err.Error()})
		}
		if err := o.deps.Store.OutboxRecord(ctx, results, logs); err != nil {
			return true, err
		}
		if errors.Is(err, sest.ErrUnauthorized) || errors.Is(err, sest.ErrUnknownHochschule) {
			return true, err
		}
		return !permanent, nil
	}
	var conflicts []prepared
	var conflictRes []sest.BewerbungErgebnis
	for i, p := range items {
		r := resultFor(res, i, p.item.SestKey)
		attempts := p.item.Attempts + 1
		out := store.OutboxResult{ID: p.item.ID, ErgebnisStatus: r.ErgebnisStatus, Reason: r.GrundZurueckweisung, Code: r.Code}
		switch {
		case r.ErgebnisStatus == sest.ErgebnisNeu || r.ErgebnisStatus == sest.ErgebnisAktualisiert:
			out.State, out.ResultVersion, out.ResultStatus = store.OutboxAccepted, r.VersionSeSt, p.b.Bearbeitungsstatus()
		case r.Code == sest.CodeVersionConflict:
			st.conflicts++
			conflicts, conflictRes = append(conflicts, p), append(conflictRes, r)
			continue // recorded below with the current version
		case r.Code == sest.CodeBewerberZurLoeschung:
			out.State = store.OutboxRejected
		default:
			out = o.retryLater(attempts, out)
		}
		countState(st, p.item, out)
		results = append(results, out)
		logs = append(logs, store.UploadLogEntry{Operation: op, ItemKind: store.OutboxKindBewerbung, ItemKey: p.item.ItemKey,
			BewerberID: p.item.BewerberID, Attempt: attempts, Request: jsonText(p.b), Response: jsonText(r),
			ErgebnisStatus: r.ErgebnisStatus, Reason: r.GrundZurueckweisung, Code: r.Code})
	}
	if len(conflicts) > 0 {
		cr, cl, err := o.resolveConflicts(ctx, op, conflicts, conflictRes, st)
		if err != nil {
			return false, err
		}
		results, logs = append(results, cr...), append(logs, cl...)
	}
	if err := o.deps.Store.OutboxRecord(ctx, results, logs); err != nil {
		return true, err
	}
	return false, nil
}

// resultFor returns the result for the i-th Bewerbung sent, whose key is
// key. The Servicestelle answers in the order sent, so it is res[i] unless
// that one names another Bewerbung (results out of order): then the one
// naming key, or res[i] when none does.
func resultFor(res []sest.BewerbungErgebnis, i int, key string) sest.BewerbungErgebnis {
	r := res[i]
	if r.Key == "" || r.Key == key {
		return r
	}
	for _, x := range res {
		if x.Key == key {
			return x
		}
	}
	return r
}

// resolveConflicts handles stale versions (30233): it fetches the
// applicants' current Bewerbungen, brings them into the mirror and
// re-applies the university's change on the current version, to be sent
// again at once (st.resend) when the status table allows the change from
// the current status. res[i] is the result that refused items[i].
func (o *outbound) resolveConflicts(ctx context.Context, op string, items []prepared, res []sest.BewerbungErgebnis, st *runStats) ([]store.OutboxResult, []store.UploadLogEntry, error) {
	current, err := o.fetchCurrent(ctx, items)
	var results []store.OutboxResult
	var logs []store.UploadLogEntry
	for i, p := range items {
		r := res[i]
		attempts := p.item.Attempts + 1
		out := store.OutboxResult{ID: p.item.ID, ErgebnisStatus: r.ErgebnisStatus, Reason: r.GrundZurueckweisung, Code: r.Code}
		cur, found := current[p.item.SestKey]
		switch {
		case err != nil || !found:
			out = o.retryLater(attempts, out)
		default:
			if why := o.transitionForbidden(cur.Bearbeitungsstatus(), p.b.Bearbeitungsstatus()); why != "" {
				// The Servicestelle moved the Bewerbung on meanwhile, into
				// a status the university may not change.
				out.State, out.Reason = store.OutboxRejected, "not sent again after a version conflict: "+why
				break
			}
			b := reapply(cur, p.b)
			out.State, out.NextAttemptAt, out.Payload = o.queuedState(attempts), time.Now(), json.RawMessage(jsonText(b))
			st.resend = append(st.resend, p.item.ID)
		}
		countState(st, p.item, out)
		results = append(results, out)
		logs = append(logs, store.UploadLogEntry{Operation: op, ItemKind: store.OutboxKindBewerbung, ItemKey: p.item.ItemKey,
			BewerberID: p.item.BewerberID, Attempt: attempts, Request: jsonText(p.b), Response: jsonText(r),
			ErgebnisStatus: r.ErgebnisStatus, Reason: r.GrundZurueckweisung, Code: r.Code})
	}
	if err != nil {
		Logger(ctx).Warn("fetching the current Bewerbungen after a version conflict failed", zap.Error(err))
	}
	return results, logs, nil
}

// reapply is Sestco's answer to a stale version: take the current
// Bewerbung and set on it the fields the university changes
// (Bearbeitungsstatus always; the others when the university gives them).
func reapply(cur, uni sest.Bewerbung) sest.Bewerbung {
	raw, _ := json.Marshal(cur)
	var b sest.Bewerbung
	_ = json.Unmarshal(raw, &b)
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	switch {
	case b.Einfach != nil && uni.Einfach != nil:
		e, u := b.Einfach, uni.Einfach
		e.Bearbeitungsstatus = u.Bearbeitungsstatus
		set(&e.Aktivitaetsstatus, u.Aktivitaetsstatus)
		set(&e.Papierantragstatus, u.Papierantragstatus)
		set(&e.Statusanmerkung, u.Statusanmerkung)
		set(&e.Sonderantragsentscheidung, u.Sonderantragsentscheidung)
	case b.Mehrfach != nil && uni.Mehrfach != nil:
		m, u := b.Mehrfach, uni.Mehrfach
		m.Bearbeitungsstatus = u.Bearbeitungsstatus
		set(&m.Aktivitaetsstatus, u.Aktivitaetsstatus)
		set(&m.Papierantragstatus, u.Papierantragstatus)
		set(&m.Statusanmerkung, u.Statusanmerkung)
		set(&m.Sonderantragsentscheidung, u.Sonderantragsentscheidung)
		for i := range m.Teilfachbewerbung {
			for _, ut := range u.Teilfachbewerbung {
				if ut.Studienangebot.StudiengangSchluessel == m.Teilfachbewerbung[i].Studienangebot.StudiengangSchluessel {
					m.Teilfachbewerbung[i].Bearbeitungsstatus = ut.Bearbeitungsstatus
					set(&m.Teilfachbewerbung[i].Statusanmerkung, ut.Statusanmerkung)
				}
			}
		}
	default:
		b = uni
		setVersion(&b, cur.Version())
	}
	return b
}

// fetchCurrent asks the Servicestelle for the current Bewerbungen of the
// items' applicants (abrufenBewerbungenDurchHS) and mirrors them.
func (o *outbound) fetchCurrent(ctx context.Context, items []prepared) (map[string]sest.Bewerbung, error) {
	var bids []string
	for _, p := range items {
		if !slices.Contains(bids, p.item.BewerberID) {
			bids = append(bids, p.item.BewerberID)
		}
	}
	out := map[string]sest.Bewerbung{}
	var all []sest.Bewerbung
	for _, bid := range bids {
		bs, err := o.sest.BewerbungenAbrufen(ctx, sest.Suche{BewerberID: bid})
		if err != nil {
			return out, fmt.Errorf("fetching the Bewerbungen of %s: %w", bid, err)
		}
		for _, b := range bs {
			out[b.Key()] = b
			all = append(all, b)
		}
	}
	if len(all) > 0 {
		if _, err := o.deps.Store.BewerbungUpsertBatch(ctx, all, store.Step{}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// recover settles items left in state sent by an interrupted run or a
// failed call: a Bewerbung is looked up at the Servicestelle and accepted
// when the send had arrived, else queued again; an authorisation (a read)
// is simply queued again.
func (o *outbound) recover(ctx context.Context, st *runStats) error {
	stStore := o.deps.Store
	auths, err := stStore.OutboxSentDue(ctx, store.OutboxKindBewerberAuth, 100000)
	if err != nil {
		return err
	}
	var results []store.OutboxResult
	for _, it := range auths {
		results = append(results, store.OutboxResult{ID: it.ID, State: o.queuedState(it.Attempts - 1), UncountAttempt: true,
			Reason: "interrupted; verifying again", NextAttemptAt: time.Now()})
	}
	if err := stStore.OutboxRecord(ctx, results, nil); err != nil {
		return err
	}
	for {
		items, err := stStore.OutboxSentDue(ctx, store.OutboxKindBewerbung, o.packageSize())
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		ps := make([]prepared, 0, len(items))
		for _, it := range items {
			var b sest.Bewerbung
			_ = json.Unmarshal(it.Payload, &b)
			ps = append(ps, prepared{it, b})
		}
		st.calls++
		current, err := o.fetchCurrent(ctx, ps)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		results := make([]store.OutboxResult, 0, len(items))
		logs := make([]store.UploadLogEntry, 0, len(items))
		if err != nil {
			st.callErrors++
			Logger(ctx).Warn("looking up Bewerbungen of an interrupted send failed; trying later", zap.Error(err))
			for _, p := range ps {
				results = append(results, store.OutboxResult{ID: p.item.ID, State: store.OutboxSent, Reason: p.item.Reason,
					NextAttemptAt: time.Now().Add(max(o.backoff, time.Minute))})
			}
			return stStore.OutboxRecord(ctx, results, nil)
		}
		for _, p := range ps {
			cur, found := current[p.item.SestKey]
			r := store.OutboxResult{ID: p.item.ID}
			// A new one arrived when it exists; a change when the version
			// moved on and the university's fields already hold its values.
			arrived := found && (p.item.Operation == sest.OpUebermittelnNeueBewerbungen ||
				cur.Version() > p.b.Version() && jsonText(reapply(cur, p.b)) == jsonText(reapply(cur, cur)))
			if arrived {
				r.State, r.ResultVersion, r.ResultStatus = store.OutboxAccepted, cur.Version(), cur.Bearbeitungsstatus()
				r.ErgebnisStatus = sest.ErgebnisAktualisiert
				if p.item.Operation == sest.OpUebermittelnNeueBewerbungen {
					r.ErgebnisStatus = sest.ErgebnisNeu
				}
				r.Reason = "outcome of an interrupted send looked up: the Servicestelle has it"
			} else {
				r.State, r.UncountAttempt, r.NextAttemptAt = o.queuedState(p.item.Attempts-1), true, time.Now()
				r.Reason = "outcome of an interrupted send looked up: it did not arrive; sending again"
			}
			st.recovered++
			countState(st, p.item, r)
			results = append(results, r)
			logs = append(logs, store.UploadLogEntry{Operation: sest.OpAbrufenBewerbungen, ItemKind: store.OutboxKindBewerbung,
				ItemKey: p.item.ItemKey, BewerberID: p.item.BewerberID, Attempt: p.item.Attempts, Response: jsonText(cur),
				ErgebnisStatus: r.ErgebnisStatus, Reason: r.Reason})
		}
		if err := stStore.OutboxRecord(ctx, results, logs); err != nil {
			return err
		}
	}
}

// ---- authorisations ----

// sendAuths verifies due Bewerber-ID + BAN pairs with
// abrufenStammdatenDurchHS and mirrors the applicants verified.
func (o *outbound) sendAuths(ctx context.Context, st *runStats) error {
	var after int64
	for {
		items, err := o.deps.Store.OutboxDue(ctx, store.OutboxKindBewerberAuth, after, o.packageSize())
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		after = items[len(items)-1].ID
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		if err := o.deps.Store.OutboxMarkSent(ctx, ids, sest.OpAbrufenStammdaten, nil); err != nil {
			return err
		}
		var results []store.OutboxResult
		var logs []store.UploadLogEntry
		var verified []sest.Bewerber
		transient := 0
		for _, it := range items {
			var p authPayload
			_ = json.Unmarshal(it.Payload, &p)
			st.sent++
			st.calls++
			bw, err := o.sest.StammdatenAbrufen(ctx, it.BewerberID, p.BAN)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			attempts := it.Attempts + 1
			r := store.OutboxResult{ID: it.ID}
			var fe *sest.FaultError
			switch {
			case err == nil:
				r.State, r.ResultStatus = store.OutboxAccepted, bw.Status
				verified = append(verified, bw)
			case errors.As(err, &fe) && sest.IsPermanent(err):
				r.State, r.Reason, r.Code = store.OutboxRejected, fe.String, fe.DetailCode
			case errors.Is(err, sest.ErrNotFound):
				r.State, r.Reason = store.OutboxRejected, err.Error()
			default:
				st.callErrors++
				transient++
				r.Reason, r.UncountAttempt = err.Error(), true
				r = o.retryLater(it.Attempts, r)
			}
			countState(st, it, r)
			results = append(results, r)
			logs = append(logs, store.UploadLogEntry{Operation: sest.OpAbrufenStammdaten, ItemKind: store.OutboxKindBewerberAuth,
				ItemKey: it.ItemKey, BewerberID: it.BewerberID, Attempt: attempts, Response: jsonText(bw),
				Reason: r.Reason, Code: r.Code})
		}
		if len(verified) > 0 {
			if _, err := o.deps.Store.BewerberUpsertBatch(ctx, verified, store.Step{}); err != nil {
				return err
			}
		}
		if err := o.deps.Store.OutboxRecord(ctx, results, logs); err != nil {
			return err
		}
		if transient == len(items) {
			return nil // the Servicestelle does not answer: try again later
		}
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
