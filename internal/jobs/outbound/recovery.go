package outbound

import (
	"context"
	"time"

	"go.uber.org/zap"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// This file settles items whose outcome is unknown (state sent) before
// anything is sent again.

// recover settles items left in state sent by an interrupted run or a
// failed call: a Bewerbung is looked up at the Servicestelle and accepted
// when the send had arrived, else queued again; an authorisation (a read)
// is simply queued again.
func (o *Sender) recover(ctx context.Context, st *runStats) error {
	stStore := o.store
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
		var bad []store.OutboxResult
		for _, it := range items {
			b, err := decodeBewerbung(it)
			if err != nil {
				r := undecodable(it, err)
				countState(st, it, r)
				bad = append(bad, r)
				o.log(ctx).Warn("not looked up: the payload does not decode", zap.Int64("outbox_id", it.ID),
					zap.String("outbox_item", it.ItemKey), zap.Error(err))
				continue
			}
			ps = append(ps, prepared{item: it, b: b})
		}
		if err := stStore.OutboxRecord(ctx, bad, nil); err != nil {
			return err
		}
		if len(ps) == 0 {
			continue
		}
		st.calls++
		current, err := o.fetchCurrent(ctx, ps, st)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		results := make([]store.OutboxResult, 0, len(items))
		logs := make([]store.UploadLogEntry, 0, len(items))
		if err != nil {
			st.callErrors++
			o.log(ctx).Warn("looking up Bewerbungen of an interrupted send failed; trying later", zap.Error(err))
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
				cur.Version() > p.b.Version() && cur.HoldsUniversity(p.b))
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
