package console

import (
	"encoding/json"

	"sestd/internal/store"
)

type uploadLogData struct {
	Key, Kind, Ergebnis, Reason string
	Entries                     []store.UploadLogEntry
	Pager                       pager
}

// uploadLog searches every attempt to send to the Servicestelle.
func (q *request) uploadLog() {
	v := q.r.URL.Query()
	d := uploadLogData{Key: v.Get("key"), Kind: v.Get("kind"), Ergebnis: v.Get("ergebnis"), Reason: v.Get("reason")}
	off := offsetOf(q.r)
	entries, more, err := q.c.Store.UploadLogSearch(q.ctx(), store.UploadLogQuery{Key: d.Key, ItemKind: d.Kind, ErgebnisStatus: d.Ergebnis, Reason: d.Reason, Limit: pageSize, Offset: off})
	if err != nil {
		q.fail(err)
		return
	}
	if !q.audit("uploadlog.list", d.Key, map[string]any{"entries": len(entries)}) {
		return
	}
	d.Entries, d.Pager = entries, newPager(v, off, more)
	q.render(200, "uploadlog", "uploadlog", text(q.lang, "ul.title"), d)
}

type auditRow struct {
	store.AuditEntry
	DetailJSON string
}

type auditData struct {
	Actor, Action, Subject string
	Entries                []auditRow
	Pager                  pager
}

// audit searches the audit log (admins only).
func (q *request) auditLog() {
	v := q.r.URL.Query()
	d := auditData{Actor: v.Get("actor"), Action: v.Get("action"), Subject: v.Get("subject")}
	off := offsetOf(q.r)
	entries, more, err := q.c.Store.AuditSearch(q.ctx(), store.AuditQuery{Actor: d.Actor, Action: d.Action, Subject: d.Subject, Limit: pageSize, Offset: off})
	if err != nil {
		q.fail(err)
		return
	}
	for _, e := range entries {
		raw, err := json.Marshal(e.Detail)
		if err != nil {
			raw = []byte("(not shown: " + err.Error() + ")")
		}
		if string(raw) == "{}" || string(raw) == "null" {
			raw = nil
		}
		d.Entries = append(d.Entries, auditRow{AuditEntry: e, DetailJSON: string(raw)})
	}
	d.Pager = newPager(v, off, more)
	q.render(200, "audit", "audit", text(q.lang, "au.title"), d)
}
