package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The console's searchable lists: outbox, upload log, audit log.

// where builds a WHERE clause from conditions with numbered arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// page appends ORDER BY id DESC with one row more than limit, to tell
// whether more follow.
func (w *where) page(limit, offset int) string {
	return " ORDER BY id DESC LIMIT " + w.arg(max(limit, 1)+1) + " OFFSET " + w.arg(max(offset, 0))
}

func trimPage[T any](items []T, limit int) ([]T, bool) {
	if len(items) > max(limit, 1) {
		return items[:max(limit, 1)], true
	}
	return items, false
}

// OutboxQuery filters the outbox for the console.
type OutboxQuery struct {
	State  OutboxState // one of OutboxStates, or all when empty
	Kind   string      // bewerbung, bewerber_auth, or all
	Reason string      // a part of the reason (case-insensitive)
	// Key is an item key or Bewerber-ID.
	Key           string
	Limit, Offset int
}

// OutboxSearch returns the items matching q, newest first, and whether
// more follow.
func (s *Store) OutboxSearch(ctx context.Context, q OutboxQuery) ([]OutboxItem, bool, error) {
	var w where
	if q.State != "" {
		w.add("state = " + w.arg(q.State))
	}
	if q.Kind != "" {
		w.add("kind = " + w.arg(q.Kind))
	}
	if q.Reason != "" {
		w.add("reason ILIKE " + w.arg("%"+escapeLike(q.Reason)+"%"))
	}
	if q.Key != "" {
		k := w.arg(q.Key)
		w.add("(item_key = " + k + " OR bewerber_id = " + k + ")")
	}
	items, err := s.outboxQuery(ctx, "searching the outbox", w.sql()+w.page(q.Limit, q.Offset), w.args...)
	if err != nil {
		return nil, false, err
	}
	items, more := trimPage(items, q.Limit)
	return items, more, nil
}

const uploadLogCols = `id, at, operation, item_kind, item_key, coalesce(bewerber_id, ''), attempt, coalesce(request, ''),
	coalesce(response, ''), coalesce(ergebnis_status, ''), reason, coalesce(code, 0)`

func scanUploadLog(r pgx.CollectableRow) (UploadLogEntry, error) {
	var e UploadLogEntry
	err := r.Scan(&e.ID, &e.At, &e.Operation, &e.ItemKind, &e.ItemKey, &e.BewerberID, &e.Attempt, &e.Request,
		&e.Response, &e.ErgebnisStatus, &e.Reason, &e.Code)
	return e, err
}

// UploadLogQuery filters the upload log for the console.
type UploadLogQuery struct {
	// Key is an item key or Bewerber-ID.
	Key            string
	ItemKind       string
	ErgebnisStatus string // neu, aktualisiert, zurueckgewiesen; "-" for calls that failed
	Reason         string // a part of the reason (case-insensitive)
	Limit, Offset  int
}

// UploadLogSearch returns the entries matching q, newest first, and
// whether more follow.
func (s *Store) UploadLogSearch(ctx context.Context, q UploadLogQuery) ([]UploadLogEntry, bool, error) {
	var w where
	if q.Key != "" {
		k := w.arg(q.Key)
		w.add("(item_key = " + k + " OR bewerber_id = " + k + ")")
	}
	if q.ItemKind != "" {
		w.add("item_kind = " + w.arg(q.ItemKind))
	}
	switch q.ErgebnisStatus {
	case "":
	case "-":
		w.add("ergebnis_status IS NULL")
	default:
		w.add("ergebnis_status = " + w.arg(q.ErgebnisStatus))
	}
	if q.Reason != "" {
		w.add("reason ILIKE " + w.arg("%"+escapeLike(q.Reason)+"%"))
	}
	rows, err := s.pool.Query(ctx, `SELECT `+uploadLogCols+` FROM upload_log`+w.sql()+w.page(q.Limit, q.Offset), w.args...)
	if err != nil {
		return nil, false, fmt.Errorf("searching the upload log: %w", err)
	}
	items, err := pgx.CollectRows(rows, scanUploadLog)
	if err != nil {
		return nil, false, fmt.Errorf("searching the upload log: %w", err)
	}
	items, more := trimPage(items, q.Limit)
	return items, more, nil
}

// AuditQuery filters the audit log for the console.
type AuditQuery struct {
	Actor   string
	Action  string // an action or its prefix ("outbox." matches outbox.retry)
	Subject string
	Limit   int
	Offset  int
}

// AuditSearch returns the entries matching q, newest first, and whether
// more follow.
func (s *Store) AuditSearch(ctx context.Context, q AuditQuery) ([]AuditEntry, bool, error) {
	var w where
	if q.Actor != "" {
		w.add("actor = " + w.arg(q.Actor))
	}
	if q.Action != "" {
		w.add("action LIKE " + w.arg(escapeLike(q.Action)+"%"))
	}
	if q.Subject != "" {
		w.add("subject = " + w.arg(q.Subject))
	}
	rows, err := s.pool.Query(ctx, `SELECT id, at, actor, action, subject, detail FROM audit_log`+w.sql()+w.page(q.Limit, q.Offset), w.args...)
	if err != nil {
		return nil, false, fmt.Errorf("searching the audit log: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		err := r.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Subject, &e.Detail)
		return e, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("searching the audit log: %w", err)
	}
	items, more := trimPage(items, q.Limit)
	return items, more, nil
}

// StudienangebotOption is a Studienangebot for the search form.
type StudienangebotOption struct {
	Schluessel string
	Name       string
}

// StudienangebotOptions lists the mirrored Studienangebote by key.
func (s *Store) StudienangebotOptions(ctx context.Context) ([]StudienangebotOption, error) {
	rows, err := s.pool.Query(ctx, `SELECT schluessel, name_de FROM studienangebot ORDER BY schluessel`)
	if err != nil {
		return nil, fmt.Errorf("listing Studienangebote: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (StudienangebotOption, error) {
		var o StudienangebotOption
		err := r.Scan(&o.Schluessel, &o.Name)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing Studienangebote: %w", err)
	}
	return out, nil
}

// RankingEntry is one imported Ranglisteneintrag.
type RankingEntryRow struct {
	BewerberID string
	Rang       int
}

// RankingEntryList returns the imported entries of a Rangliste by rank,
// at most limit.
func (s *Store) RankingEntryList(ctx context.Context, rangliste string, limit int) ([]RankingEntryRow, error) {
	rows, err := s.pool.Query(ctx, `SELECT bewerber_id, rang FROM ranking_entry WHERE rangliste = $1 ORDER BY rang, bewerber_id LIMIT $2`, rangliste, limit)
	if err != nil {
		return nil, fmt.Errorf("listing entries of Rangliste %s: %w", rangliste, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RankingEntryRow, error) {
		var e RankingEntryRow
		err := r.Scan(&e.BewerberID, &e.Rang)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing entries of Rangliste %s: %w", rangliste, err)
	}
	return out, nil
}

// RankingEntryRanglisten returns the Ranglisten with imported entries and
// their counts, by key.
func (s *Store) RankingEntryRanglisten(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT rangliste, count(*) FROM ranking_entry GROUP BY rangliste`)
	if err != nil {
		return nil, fmt.Errorf("counting ranking entries: %w", err)
	}
	out := map[string]int{}
	var k string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error { out[k] = n; return nil }); err != nil {
		return nil, fmt.Errorf("counting ranking entries: %w", err)
	}
	return out, nil
}

// OutboxNotifiedRecent returns the items that went into an admins' mail
// most recently (outbox_item.notified_at), newest first, at most limit.
func (s *Store) OutboxNotifiedRecent(ctx context.Context, limit int) ([]OutboxItem, error) {
	return s.outboxQuery(ctx, "listing mailed outbox items", `WHERE notified_at IS NOT NULL ORDER BY notified_at DESC, id DESC LIMIT $1`, limit)
}
