package outbound

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"sestd/internal/sest"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// This file handles version conflicts (30233): the university's change is
// re-applied to the current Bewerbung and sent again at once.

// conflictRounds bounds how often one run sends a Bewerbung again at once
// after version conflicts (the Servicestelle changing it meanwhile).
const conflictRounds = 3

// resolveConflicts handles stale versions (30233): it fetches the
// applicants' current Bewerbungen, brings them into the mirror and
// re-applies the university's change on the current version, to be sent
// again at once (st.resend) when the status table allows the change from
// the current status. res[i] is the result that refused items[i].
func (o *Sender) resolveConflicts(ctx context.Context, op string, items []prepared, res []sestmodel.BewerbungErgebnis, st *runStats) ([]store.OutboxResult, []store.UploadLogEntry) {
	current, err := o.fetchCurrent(ctx, items, st)
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
			// Sestco's answer to a stale version: the university's change
			// on the current Bewerbung (sestmodel.Bewerbung.ApplyUniversity).
			b, rerr := cur.ApplyUniversity(p.b)
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
			BewerberID: p.item.BewerberID, Attempt: attempts, Request: p.raw, Response: jsonText(r),
			ErgebnisStatus: r.ErgebnisStatus, Reason: r.GrundZurueckweisung, Code: r.Code})
	}
	if err != nil {
		o.log(ctx).Warn("fetching the current Bewerbungen after a version conflict failed", zap.Error(err))
	}
	return results, logs
}

// fetchCurrent asks the Servicestelle for the current Bewerbungen of the
// items' applicants (abrufenBewerbungenDurchHS) and mirrors them. Their
// status changes are judged as the delta poll judges them
// (sestmodel.SestForbidden): a change the status table does not allow the
// Servicestelle is mirrored as sent, recorded by the store and reported
// (Deps.Forbidden). The delta poll that brings the same version later
// changes nothing and reports nothing again.
func (o *Sender) fetchCurrent(ctx context.Context, items []prepared, st *runStats) (map[string]sestmodel.Bewerbung, error) {
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
		counts, err := o.store.BewerbungUpsertBatch(ctx, all, store.Step{ForbiddenTransition: o.sestForbidden})
		if err != nil {
			return out, err
		}
		if len(counts.Forbidden) > 0 {
			st.forbidden += len(counts.Forbidden)
			if o.forbidden != nil {
				o.forbidden(ctx, counts.Forbidden)
			}
		}
	}
	return out, nil
}
