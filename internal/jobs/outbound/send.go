package outbound

import (
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

// This file sends the outbox's Bewerbungen in packages and records the
// results.

type prepared struct {
	item store.OutboxItem
	b    sestmodel.Bewerbung
	// raw is b as sent: the payload marked sent and the upload log's
	// request (set by sendGroup, encoded once).
	raw string
}

func (o *Sender) packageSize() int { return max(o.cfg.Servicestelle.PackageSize, 1) }

// sendBewerbungen sends every due Bewerbung item once, package by
// package in the order of their ids, then, for a few rounds, the items
// whose version conflict was re-applied to the current version.
func (o *Sender) sendBewerbungen(ctx context.Context, st *runStats) error {
	var after int64
	for {
		items, err := o.store.OutboxDue(ctx, store.OutboxKindBewerbung, after, o.packageSize())
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
		items, err := o.store.OutboxGetMany(ctx, st.resend)
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
func (o *Sender) sendBewerbungPackage(ctx context.Context, items []store.OutboxItem, st *runStats) (stop bool, err error) {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.SestKey
	}
	mirror, err := o.store.OutboxMirrorState(ctx, keys)
	if err != nil {
		return false, err
	}
	var neu, geaendert []prepared
	var results []store.OutboxResult
	var resultItems []store.OutboxItem
	for _, it := range items {
		b, err := decodeBewerbung(it)
		if err != nil {
			r := undecodable(it, err)
			results, resultItems = append(results, r), append(resultItems, it)
			o.log(ctx).Warn("not sent: the payload does not decode", zap.Int64("outbox_id", it.ID),
				zap.String("outbox_item", it.ItemKey), zap.Error(err))
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
			o.log(ctx).Info("not sent: the status table forbids the change", zap.String("outbox_item", it.ItemKey),
				zap.String("bewerber_id", it.BewerberID), zap.String("reason", why))
			continue
		}
		if exists {
			if b.Version() == 0 {
				setVersion(&b, curVersion)
			}
			geaendert = append(geaendert, prepared{item: it, b: b})
		} else {
			setVersion(&b, 0)
			neu = append(neu, prepared{item: it, b: b})
		}
	}
	for i, r := range results {
		countState(st, resultItems[i], r)
	}
	if err := o.store.OutboxRecord(ctx, results, nil); err != nil {
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
func (o *Sender) sendGroup(ctx context.Context, op string, items []prepared, st *runStats) (stop bool, err error) {
	log := o.log(ctx)
	ids := make([]int64, len(items))
	bs := make([]sestmodel.Bewerbung, len(items))
	payloads := make([]json.RawMessage, len(items))
	for i := range items {
		items[i].raw = jsonText(items[i].b)
		ids[i], bs[i], payloads[i] = items[i].item.ID, items[i].b, json.RawMessage(items[i].raw)
	}
	if err := o.store.OutboxMarkSent(ctx, ids, op, payloads); err != nil {
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
				BewerberID: p.item.BewerberID, Attempt: attempts, Request: p.raw, Reason: err.Error()})
		}
		if err := o.store.OutboxRecord(ctx, results, logs); err != nil {
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
			BewerberID: p.item.BewerberID, Attempt: attempts, Request: p.raw, Response: jsonText(r),
			ErgebnisStatus: r.ErgebnisStatus, Reason: r.GrundZurueckweisung, Code: r.Code})
	}
	if len(conflicts) > 0 {
		cr, cl := o.resolveConflicts(ctx, op, conflicts, conflictRes, st)
		results, logs = append(results, cr...), append(logs, cl...)
	}
	if err := o.store.OutboxRecord(ctx, results, logs); err != nil {
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
