package jobs

import (
	"context"
	"encoding/json"
	"errors"

	"sestd/internal/sest"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// This file verifies the outbox's applicant authorisations.

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
		if err := o.deps.Store.OutboxMarkSent(ctx, ids, sestmodel.OpAbrufenStammdaten, nil); err != nil {
			return err
		}
		var results []store.OutboxResult
		var logs []store.UploadLogEntry
		var verified []sestmodel.Bewerber
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
			logs = append(logs, store.UploadLogEntry{Operation: sestmodel.OpAbrufenStammdaten, ItemKind: store.OutboxKindBewerberAuth,
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
