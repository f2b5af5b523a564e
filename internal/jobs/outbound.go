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
	return w.out.run(ctx)
}

// outbound holds what an outbound run needs.
type outbound struct {
	deps        Deps
	sest        sest.Servicestelle
	rules       map[string]sest.StatusRule
	version     int // the interface version
	maxAttempts int
	backoff     time.Duration
	mail        *mail.Sender
}

// newOutbound builds the outbound sync from d's configuration, which
// config.Validate has checked (outbox.max_attempts at least 1,
// outbox.backoff not negative).
func newOutbound(d Deps) *outbound {
	oc := d.Config.Outbox
	version := d.Config.Servicestelle.InterfaceVersion
	rules := sest.DefaultStatusRules(version)
	for name, r := range d.Config.Sync.Bearbeitungsstatus {
		rules[name] = sest.StatusRule(r)
	}
	return &outbound{deps: d, sest: d.Sest, rules: rules, version: version, maxAttempts: oc.MaxAttempts, backoff: oc.Backoff, mail: mail.New(d.Config.Mail)}
}

// runStats counts what one run did.
type runStats struct {
	sent, accepted, rejected, failed, conflicts, recovered, callErrors, calls int
}

// run is one outbound sync.
func (o *outbound) run(ctx context.Context) error {
	log := Logger(ctx)
	if err := o.enqueue(ctx); err != nil {
		return err
	}
	var st runStats
	var sendErr error
	// Passes repeat until nothing is due: a version conflict is retried
	// at once; with outbox.backoff 0 rejections too (bounded by the
	// attempts).
	for pass := 0; pass <= o.maxAttempts+1; pass++ {
		before := st
		if err := o.recover(ctx, &st); err != nil {
			sendErr = err
			break
		}
		if err := o.sendAuths(ctx, &st); err != nil {
			sendErr = err
			break
		}
		if err := o.sendBewerbungen(ctx, &st); err != nil {
			sendErr = err
			break
		}
		if st == before || st.callErrors > before.callErrors {
			break
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if n, err := o.deps.Store.OutboxCleanupAuths(ctx); err != nil {
		log.Warn("cleaning up authorisations failed", zap.Error(err))
	} else if n > 0 {
		log.Info("authorisations no longer needed removed", zap.Int64("count", n))
	}
	if err := o.export(ctx); err != nil {
		log.Error("export to the university failed", zap.Error(err))
		if sendErr == nil {
			sendErr = err
		}
	}
	if err := o.notify(ctx); err != nil {
		log.Error("enqueueing the admins' mail failed", zap.Error(err))
	}
	log.Info("outbound run done", zap.Int("sent", st.sent), zap.Int("accepted", st.accepted),
		zap.Int("rejected", st.rejected), zap.Int("failed", st.failed), zap.Int("version_conflicts", st.conflicts),
		zap.Int("recovered", st.recovered), zap.Int("call_errors", st.callErrors))
	if sendErr != nil {
		return classify(sendErr)
	}
	if st.callErrors > 0 && st.calls == st.callErrors {
		return errors.New("every call to the Servicestelle failed; items stay queued")
	}
	return nil
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

// retryLater is the result for an item rejected for a reason that may go
// away: pending again after the backoff, or failed after the last attempt.
func (o *outbound) retryLater(it store.OutboxItem, attempts int, r store.OutboxResult) store.OutboxResult {
	if attempts >= o.maxAttempts {
		r.State = store.OutboxFailed
		return r
	}
	r.State = store.OutboxPending
	r.NextAttemptAt = time.Now().Add(retryDelay(o.backoff, attempts))
	return r
}

// maxRetryDelay bounds the doubling of outbox.backoff: during an admission
// round an item is tried again at least once a day (or once per backoff,
// when that is longer).
const maxRetryDelay = 24 * time.Hour

// retryDelay is the wait before attempt attempts+1: backoff, doubled per
// attempt made, at most max(backoff, maxRetryDelay).
func retryDelay(backoff time.Duration, attempts int) time.Duration {
	limit := max(backoff, maxRetryDelay)
	d := backoff
	for i := 1; i < attempts && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

func jsonText(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(raw)
}

func countState(st *runStats, r store.OutboxResult) {
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

// sendBewerbungen sends every due Bewerbung item, package by package.
func (o *outbound) sendBewerbungen(ctx context.Context, st *runStats) error {
	for {
		items, err := o.deps.Store.OutboxDue(ctx, store.OutboxKindBewerbung, o.packageSize())
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		stop, err := o.sendBewerbungPackage(ctx, items, st)
		if err != nil || stop {
			return err
		}
	}
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
	for _, it := range items {
		var b sest.Bewerbung
		if err := json.Unmarshal(it.Payload, &b); err != nil || (b.Einfach == nil) == (b.Mehrfach == nil) {
			results = append(results, store.OutboxResult{ID: it.ID, State: store.OutboxRejected,
				Reason: fmt.Sprintf("the outbox payload is not a Bewerbung: %v", err)})
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
	for _, r := range results {
		countState(st, r)
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
				r = o.retryLater(p.item, attempts, r)
			} else {
				// The outcome is unknown (the request may have arrived):
				// the item stays sent and is looked up before any resend.
				r.State, r.NextAttemptAt = store.OutboxSent, time.Now()
			}
			countState(st, r)
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
			out = o.retryLater(p.item, attempts, out)
		}
		countState(st, out)
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
// again at once. res[i] is the result that refused items[i].
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
		case attempts >= o.maxAttempts:
			out.State = store.OutboxFailed
		case err != nil || !found:
			out = o.retryLater(p.item, attempts, out)
		default:
			b := reapply(cur, p.b)
			out.State, out.NextAttemptAt, out.Payload = store.OutboxPending, time.Now(), json.RawMessage(jsonText(b))
		}
		countState(st, out)
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
		results = append(results, store.OutboxResult{ID: it.ID, State: store.OutboxPending, UncountAttempt: true,
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
				r.State, r.UncountAttempt, r.NextAttemptAt = store.OutboxPending, true, time.Now()
				r.Reason = "outcome of an interrupted send looked up: it did not arrive; sending again"
			}
			st.recovered++
			countState(st, r)
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
	for {
		items, err := o.deps.Store.OutboxDue(ctx, store.OutboxKindBewerberAuth, o.packageSize())
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
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
				r = o.retryLater(it, 0, r)
			}
			countState(st, r)
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
