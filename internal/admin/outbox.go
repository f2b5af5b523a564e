package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"sestd/internal/store"
)

// outboundTrigger is the trigger name of the outbound run, enqueued after
// a retry so that the items go out now rather than at the next schedule.
const outboundTrigger = "outbound_sync"

// OutboxAction answers a retry or discard: the item afterwards and the
// outbound run enqueued (absent when this sestd does not send).
type OutboxAction struct {
	Item     *store.OutboxItem `json:"item,omitempty"`
	Retried  *int64            `json:"retried,omitempty"`
	Outbound *Enqueued         `json:"outbound,omitempty"`
}

func (s *Server) outboxRoutes() {
	s.route("GET /api/outbox", (*api).outboxList)
	s.route("GET /api/outbox/{id}", (*api).outboxGet)
	s.route("POST /api/outbox/{id}/retry", (*api).outboxRetry)
	s.route("POST /api/outbox/{id}/discard", (*api).outboxDiscard)
	s.route("POST /api/outbox/retry-failed", (*api).outboxRetryFailed)
}

// outboxCounts counts outbox items by state.
func (a *api) outboxCounts(ctx context.Context) (map[string]int64, error) {
	counts, err := a.Store.OutboxCountsByState(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(counts))
	for state, n := range counts {
		out[state] = int64(n)
	}
	return out, nil
}

// outboxList lists items (their payloads are personal data: audited).
func (a *api) outboxList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := store.OutboxState(q.Get("state"))
	if state != "" && !state.Valid() {
		WriteError(w, http.StatusBadRequest, fmt.Sprintf("state must be one of %v, got %q", store.OutboxStates(), state))
		return
	}
	limit, err := queryLimit(q.Get("limit"), 100, 1000)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	items, err := a.Store.OutboxList(r.Context(), state, limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if items == nil {
		items = []store.OutboxItem{}
	}
	if !a.audit(w, r, "outbox.list", string(state), map[string]any{"items": len(items)}) {
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

// outboxItem answers 400/404/500 for a bad, unknown or unreadable id.
func (a *api) outboxItem(w http.ResponseWriter, r *http.Request) (store.OutboxItem, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return store.OutboxItem{}, false
	}
	it, err := a.Store.OutboxGet(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		WriteError(w, http.StatusNotFound, fmt.Sprintf("no outbox item %d", id))
		return it, false
	}
	if err != nil {
		a.fail(w, r, err)
		return it, false
	}
	return it, true
}

func (a *api) outboxGet(w http.ResponseWriter, r *http.Request) {
	it, ok := a.outboxItem(w, r)
	if !ok {
		return
	}
	if !a.audit(w, r, "outbox.read", strconv.FormatInt(it.ID, 10), map[string]any{"kind": it.Kind, "item_key": it.ItemKey}) {
		return
	}
	WriteJSON(w, http.StatusOK, it)
}

// outboxChange applies change to the item, answering 409 when its state
// does not allow it, then audits action.
func (a *api) outboxChange(w http.ResponseWriter, r *http.Request, action string, change func(context.Context, int64) error) (store.OutboxItem, bool) {
	before, ok := a.outboxItem(w, r)
	if !ok {
		return before, false
	}
	ctx := r.Context()
	err := change(ctx, before.ID)
	if errors.Is(err, store.ErrOutboxState) {
		WriteError(w, http.StatusConflict, fmt.Sprintf("outbox item %d is %s: %s is not possible", before.ID, before.State, action))
		return before, false
	}
	if errors.Is(err, store.ErrNotFound) {
		WriteError(w, http.StatusNotFound, fmt.Sprintf("no outbox item %d", before.ID))
		return before, false
	}
	if err != nil {
		a.fail(w, r, err)
		return before, false
	}
	after, err := a.Store.OutboxGet(ctx, before.ID)
	if err != nil {
		a.fail(w, r, err)
		return before, false
	}
	a.log.Info("outbox item changed by operator", zap.String("action", action), zap.Int64("outbox_id", before.ID),
		zap.String("from", string(before.State)), zap.String("to", string(after.State)))
	if !a.audit(w, r, action, strconv.FormatInt(before.ID, 10), map[string]any{
		"kind": before.Kind, "item_key": before.ItemKey, "previous_state": before.State, "attempts": before.Attempts, "reason": before.Reason,
	}) {
		return after, false
	}
	return after, true
}

// outboxRetry makes a failed, rejected or discarded item pending again
// (attempts reset) and starts an outbound run.
func (a *api) outboxRetry(w http.ResponseWriter, r *http.Request) {
	it, ok := a.outboxChange(w, r, "outbox.retry", a.Store.OutboxRetry)
	if !ok {
		return
	}
	res := OutboxAction{Item: &it}
	if !a.startOutbound(w, r, &res) {
		return
	}
	WriteJSON(w, http.StatusOK, res)
}

// outboxDiscard gives an item up until its staging row changes.
func (a *api) outboxDiscard(w http.ResponseWriter, r *http.Request) {
	it, ok := a.outboxChange(w, r, "outbox.discard", a.Store.OutboxDiscard)
	if !ok {
		return
	}
	WriteJSON(w, http.StatusOK, OutboxAction{Item: &it})
}

// outboxRetryFailed makes every failed item pending again and starts an
// outbound run.
func (a *api) outboxRetryFailed(w http.ResponseWriter, r *http.Request) {
	n, err := a.Store.OutboxRetryAllFailed(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.log.Info("failed outbox items queued again by operator", zap.Int64("count", n))
	if !a.audit(w, r, "outbox.retry_failed", "", map[string]any{"retried": n}) {
		return
	}
	res := OutboxAction{Retried: &n}
	if n > 0 && !a.startOutbound(w, r, &res) {
		return
	}
	WriteJSON(w, http.StatusOK, res)
}

// startOutbound enqueues the outbound run when this sestd sends; on
// failure it has answered.
func (a *api) startOutbound(w http.ResponseWriter, r *http.Request, res *OutboxAction) bool {
	t, ok := a.Triggers[outboundTrigger]
	if !ok {
		return true
	}
	args, err := t.Args(nil)
	if err != nil {
		a.fail(w, r, fmt.Errorf("outbound run: %w", err))
		return false
	}
	e, err := a.enqueue(w, r, args, "job.trigger", outboundTrigger, map[string]any{"reason": "outbox retry"})
	if err != nil {
		return false
	}
	res.Outbound = &e
	return true
}
