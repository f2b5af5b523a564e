package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"sestd/internal/sest"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// This file sends the outbox's Bewerbungen: packages, results, version
// conflicts, and the lookup of sends whose outcome is unknown.

type prepared struct {
	item store.OutboxItem
	b    sestmodel.Bewerbung
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
		var b sestmodel.Bewerbung
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
		why := o.transitionForbidden(cur, b.Bearbeitungsstatus())
		if why == "" && b.Mehrfach != nil && inMirror && m.Version >= it.ResultVersion {
			why = o.teilfachForbidden(m.Teilfaecher, b.Mehrfach.Teilfachbewerbung)
		}
		if why != "" {
			results = append(results, store.OutboxResult{ID: it.ID, State: store.OutboxRejected, Reason: "not sent: " + why})
			resultItems = append(resultItems, it)
			Logger(ctx).Info("not sent: the status table forbids the change", zap.String("outbox_item", it.ItemKey),
				zap.String("bewerber_id", it.BewerberID), zap.String("reason", why))
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
	}{{sestmodel.OpUebermittelnNeueBewerbungen, neu}, {sestmodel.OpUebermittelnGeaenderteBew, geaendert}} {
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
	bs := make([]sestmodel.Bewerbung, len(items))
	payloads := make([]json.RawMessage, len(items))
	for i, p := range items {
		ids[i], bs[i], payloads[i] = p.item.ID, p.b, json.RawMessage(jsonText(p.b))
	}
	if err := o.deps.Store.OutboxMarkSent(ctx, ids, op, payloads); err != nil {
		return false, err
	}
	st.sent += len(items)
	st.calls++
	var res []sestmodel.BewerbungErgebnis
	if op == sestmodel.OpUebermittelnNeueBewerbungen {
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
	var conflictRes []sestmodel.BewerbungErgebnis
	for i, p := range items {
		r := resultFor(res, i, p.item.SestKey)
		attempts := p.item.Attempts + 1
		out := store.OutboxResult{ID: p.item.ID, ErgebnisStatus: r.ErgebnisStatus, Reason: r.GrundZurueckweisung, Code: r.Code}
		switch {
		case r.ErgebnisStatus == sestmodel.ErgebnisNeu || r.ErgebnisStatus == sestmodel.ErgebnisAktualisiert:
			out.State, out.ResultVersion, out.ResultStatus = store.OutboxAccepted, r.VersionSeSt, p.b.Bearbeitungsstatus()
		case r.Code == sestmodel.CodeVersionConflict:
			st.conflicts++
			conflicts, conflictRes = append(conflicts, p), append(conflictRes, r)
			continue // recorded below with the current version
		case r.Code == sestmodel.CodeBewerberZurLoeschung:
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
		cr, cl := o.resolveConflicts(ctx, op, conflicts, conflictRes, st)
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
func resultFor(res []sestmodel.BewerbungErgebnis, i int, key string) sestmodel.BewerbungErgebnis {
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
func (o *outbound) resolveConflicts(ctx context.Context, op string, items []prepared, res []sestmodel.BewerbungErgebnis, st *runStats) ([]store.OutboxResult, []store.UploadLogEntry) {
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
			why := o.transitionForbidden(cur.Bearbeitungsstatus(), p.b.Bearbeitungsstatus())
			if why == "" && cur.Mehrfach != nil && p.b.Mehrfach != nil {
				tfs := map[string]string{}
				for _, tf := range cur.Mehrfach.Teilfachbewerbung {
					tfs[tf.Studienangebot.StudiengangSchluessel] = tf.Bearbeitungsstatus
				}
				why = o.teilfachForbidden(tfs, p.b.Mehrfach.Teilfachbewerbung)
			}
			if why != "" {
				// The Servicestelle moved the Bewerbung on meanwhile, into
				// a status the university may not change.
				out.State, out.Reason = store.OutboxRejected, "not sent again after a version conflict: "+why
				break
			}
			b, rerr := reapply(cur, p.b)
			var payload []byte
			if rerr == nil {
				payload, rerr = json.Marshal(b)
			}
			if rerr != nil {
				out.State, out.Reason = store.OutboxRejected, "not sent again after a version conflict: "+rerr.Error()
				break
			}
			out.State, out.NextAttemptAt, out.Payload = o.queuedState(attempts), time.Now(), payload
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
	return results, logs
}

// reapply is Sestco's answer to a stale version: take the current
// Bewerbung and set on it the fields the university changes
// (Bearbeitungsstatus always; the others when the university gives them).
// It fails when the current Bewerbung cannot be copied through JSON (a
// time outside the years 0 to 9999).
func reapply(cur, uni sestmodel.Bewerbung) (sestmodel.Bewerbung, error) {
	raw, err := json.Marshal(cur)
	if err != nil {
		return sestmodel.Bewerbung{}, fmt.Errorf("copying the current Bewerbung: %w", err)
	}
	var b sestmodel.Bewerbung
	if err := json.Unmarshal(raw, &b); err != nil {
		return sestmodel.Bewerbung{}, fmt.Errorf("copying the current Bewerbung: %w", err)
	}
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
	return b, nil
}

// fetchCurrent asks the Servicestelle for the current Bewerbungen of the
// items' applicants (abrufenBewerbungenDurchHS) and mirrors them.
func (o *outbound) fetchCurrent(ctx context.Context, items []prepared) (map[string]sestmodel.Bewerbung, error) {
	var bids []string
	for _, p := range items {
		if !slices.Contains(bids, p.item.BewerberID) {
			bids = append(bids, p.item.BewerberID)
		}
	}
	out := map[string]sestmodel.Bewerbung{}
	var all []sestmodel.Bewerbung
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
			var b sestmodel.Bewerbung
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
			arrived := found && (p.item.Operation == sestmodel.OpUebermittelnNeueBewerbungen ||
				cur.Version() > p.b.Version() && sameAfterReapply(cur, p.b))
			if arrived {
				r.State, r.ResultVersion, r.ResultStatus = store.OutboxAccepted, cur.Version(), cur.Bearbeitungsstatus()
				r.ErgebnisStatus = sestmodel.ErgebnisAktualisiert
				if p.item.Operation == sestmodel.OpUebermittelnNeueBewerbungen {
					r.ErgebnisStatus = sestmodel.ErgebnisNeu
				}
				r.Reason = "outcome of an interrupted send looked up: the Servicestelle has it"
			} else {
				r.State, r.UncountAttempt, r.NextAttemptAt = o.queuedState(p.item.Attempts-1), true, time.Now()
				r.Reason = "outcome of an interrupted send looked up: it did not arrive; sending again"
			}
			st.recovered++
			countState(st, p.item, r)
			results = append(results, r)
			logs = append(logs, store.UploadLogEntry{Operation: sestmodel.OpAbrufenBewerbungen, ItemKind: store.OutboxKindBewerbung,
				ItemKey: p.item.ItemKey, BewerberID: p.item.BewerberID, Attempt: p.item.Attempts, Response: jsonText(cur),
				ErgebnisStatus: r.ErgebnisStatus, Reason: r.Reason})
		}
		if err := stStore.OutboxRecord(ctx, results, logs); err != nil {
			return err
		}
	}
}

// sameAfterReapply reports whether the university's change uni is already
// in cur: applying it changes nothing. False when cur cannot be copied.
func sameAfterReapply(cur, uni sestmodel.Bewerbung) bool {
	withUni, err := reapply(cur, uni)
	if err != nil {
		return false
	}
	asIs, err := reapply(cur, cur)
	if err != nil {
		return false
	}
	a, errA := json.Marshal(withUni)
	b, errB := json.Marshal(asIs)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}
