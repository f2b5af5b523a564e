package outbound

import (
	"context"
	"errors"
	"slices"

	"go.uber.org/zap"

	"sestd/internal/sest"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// This file verifies the outbox's applicant authorisations.

// sendAuths verifies due Bewerber-ID + BAN pairs with
// abrufenStammdatenDurchHS and mirrors the applicants verified.
func (o *Sender) sendAuths(ctx context.Context, st *runStats) error {
	var after int64
	for {
		items, err := o.store.OutboxDue(ctx, store.OutboxKindBewerberAuth, after, o.packageSize())
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		after = items[len(items)-1].ID
		var results []store.OutboxResult
		var ids []int64
		bans := make(map[int64]string, len(items))
		for _, it := range items {
			p, err := decodeAuth(it)
			if err != nil {
				r := undecodable(it, err)
				countState(st, it, r)
				results = append(results, r)
				o.log(ctx).Warn("not sent: the payload does not decode", zap.Int64("outbox_id", it.ID),
					zap.String("outbox_item", it.ItemKey), zap.Error(err))
				continue
			}
			ids, bans[it.ID] = append(ids, it.ID), p.BAN
		}
		items = slices.DeleteFunc(items, func(it store.OutboxItem) bool { _, ok := bans[it.ID]; return !ok })
		if len(ids) > 0 {
			if err := o.store.OutboxMarkSent(ctx, ids, sestmodel.OpAbrufenStammdaten, nil); err != nil {
				return err
			}
		}
		var logs []store.UploadLogEntry
		var verified []sestmodel.Bewerber
		transient := 0
		for _, it := range items {
			st.sent++
			st.calls++
			bw, err := o.sest.StammdatenAbrufen(ctx, it.BewerberID, bans[it.ID])
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
			logs = append(logs, store.UploadLogEntry{Operation: sestmodel.OpAbrufenStammdaten, ItemKind: store.OutboxKindBewerberAuth,
				ItemKey: it.ItemKey, BewerberID: it.BewerberID, Attempt: attempts, Response: jsonText(bw),
				Reason: r.Reason, Code: r.Code})
		}
		if len(verified) > 0 {
			if _, err := o.store.BewerberUpsertBatch(ctx, verified, store.Step{}); err != nil {
				return err
			}
		}
		if err := o.store.OutboxRecord(ctx, results, logs); err != nil {
			return err
		}
		if len(items) > 0 && transient == len(items) {
			return nil // the Servicestelle does not answer: try again later
		}
	}
}
