package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"go.uber.org/zap"

	"sestd/internal/store"
)

// outboundTrigger is the outbound run started after a retry, so that the
// items go out now rather than at the next schedule.
const outboundTrigger = "outbound_sync"

type outboxData struct {
	State             store.OutboxState
	Kind, Reason, Key string
	States            []store.OutboxState
	Kinds             []string
	Items             []store.OutboxItem
	Failed            int64
	Pager             pager
}

func (q *request) outbox() {
	v := q.r.URL.Query()
	d := outboxData{State: store.OutboxState(v.Get("state")), Kind: v.Get("kind"), Reason: v.Get("reason"), Key: v.Get("key"),
		States: store.OutboxStates(), Kinds: []string{store.OutboxKindBewerbung, store.OutboxKindBewerberAuth}}
	if !d.State.Valid() {
		d.State = ""
	}
	if d.Kind != "" && !slices.Contains(d.Kinds, d.Kind) {
		d.Kind = ""
	}
	off := offsetOf(q.r)
	items, more, err := q.c.Store.OutboxSearch(q.ctx(), store.OutboxQuery{State: d.State, Kind: d.Kind, Reason: d.Reason, Key: d.Key, Limit: pageSize, Offset: off})
	if err != nil {
		q.fail(err)
		return
	}
	d.Items = items
	counts, err := q.c.Store.OutboxCountsByState(q.ctx())
	if err != nil {
		q.fail(err)
		return
	}
	d.Failed = int64(counts[string(store.OutboxFailed)])
	if !q.audit("outbox.list", string(d.State), map[string]any{"items": len(items)}) {
		return
	}
	d.Pager = newPager(v, off, more)
	q.render(200, "outbox", "outbox", text(q.lang, "ob.title"), d)
}

type outboxItemData struct {
	Item    store.OutboxItem
	Payload string
	Log     []store.UploadLogEntry
}

// outboxGet reads the outbox item the path names; when it cannot, it has
// answered (404 for a bad or unknown id).
func (q *request) outboxGet() (int64, store.OutboxItem, bool) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		q.notFound()
		return 0, store.OutboxItem{}, false
	}
	it, err := q.c.Store.OutboxGet(q.ctx(), id)
	if !q.found(err) {
		return 0, store.OutboxItem{}, false
	}
	return id, it, true
}

func (q *request) outboxItem() {
	id, it, ok := q.outboxGet()
	if !ok {
		return
	}
	log, _, err := q.c.Store.UploadLogSearch(q.ctx(), store.UploadLogQuery{Key: it.ItemKey, ItemKind: it.Kind, Limit: 100})
	if err != nil {
		q.fail(err)
		return
	}
	if !q.audit("outbox.read", strconv.FormatInt(id, 10), map[string]any{"kind": it.Kind, "item_key": it.ItemKey}) {
		return
	}
	// Indented when it can be; as stored otherwise.
	pretty := []byte(it.Payload)
	var v any
	if json.Unmarshal(it.Payload, &v) == nil {
		if indented, err := json.MarshalIndent(v, "", "  "); err == nil {
			pretty = indented
		}
	}
	q.render(200, "outbox_item", "outbox", fmt.Sprintf("%s %d", text(q.lang, "ob.item"), id), outboxItemData{Item: it, Payload: string(pretty), Log: log})
}

// outboxChange applies change, audits action, and returns to where the
// person came from.
func (q *request) outboxChange(action string, change func(id int64) error, done string) {
	id, before, ok := q.outboxGet()
	if !ok {
		return
	}
	back := Prefix + "outbox/" + strconv.FormatInt(id, 10)
	err := change(id)
	if errors.Is(err, store.ErrOutboxState) {
		q.redirect(back, text(q.lang, "ob.conflict"))
		return
	}
	if err != nil {
		q.fail(err)
		return
	}
	q.c.Log.Info("outbox item changed in the console", zap.String("action", action), zap.Int64("outbox_id", id), zap.String("from", string(before.State)))
	if !q.audit(action, strconv.FormatInt(id, 10), map[string]any{
		"kind": before.Kind, "item_key": before.ItemKey, "previous_state": before.State, "attempts": before.Attempts, "reason": before.Reason,
	}) {
		return
	}
	if action == "outbox.retry" && !q.startOutbound() {
		return
	}
	q.redirect(back, done)
}

// startOutbound enqueues the outbound run when this sestd sends.
func (q *request) startOutbound() bool {
	if _, ok := q.c.Triggers[outboundTrigger]; !ok {
		return true
	}
	_, err := q.enqueue(outboundTrigger, nil, "job.trigger", outboundTrigger, map[string]any{"reason": "outbox retry"})
	if err != nil {
		if !errors.Is(err, errAnswered) {
			q.fail(err)
		}
		return false
	}
	return true
}

func (q *request) outboxRetry() {
	q.outboxChange("outbox.retry", func(id int64) error { return q.c.Store.OutboxRetry(q.ctx(), id) }, text(q.lang, "ob.retried"))
}

func (q *request) outboxDiscard() {
	q.outboxChange("outbox.discard", func(id int64) error { return q.c.Store.OutboxDiscard(q.ctx(), id) }, text(q.lang, "ob.discarded"))
}

func (q *request) outboxRetryFailed() {
	n, err := q.c.Store.OutboxRetryAllFailed(q.ctx())
	if err != nil {
		q.fail(err)
		return
	}
	if !q.audit("outbox.retry_failed", "", map[string]any{"retried": n}) {
		return
	}
	if n > 0 && !q.startOutbound() {
		return
	}
	q.redirect(Prefix+"outbox?"+url.Values{"state": {string(store.OutboxPending)}}.Encode(), fmt.Sprintf("%s %d", text(q.lang, "ob.retriedall"), n))
}
