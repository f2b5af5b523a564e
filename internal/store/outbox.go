package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outbox item kinds.
const (
	OutboxKindBewerbung    = "bewerbung"
	OutboxKindBewerberAuth = "bewerber_auth"
)

// OutboxState is the state of an outbox item. The database holds the
// same set (a CHECK constraint, migration 0040_outbox.sql).
type OutboxState string

// Outbox item states, in the order of an item's life.
const (
	// OutboxPending: to send, when its next attempt is due.
	OutboxPending OutboxState = "pending"
	// OutboxSent: handed to the Servicestelle, its outcome not yet
	// recorded (looked up before anything is sent again).
	OutboxSent OutboxState = "sent"
	// OutboxAccepted: the Servicestelle took it.
	OutboxAccepted OutboxState = "accepted"
	// OutboxRejected: not retried by itself (refused for good, not sent
	// by the status table, a payload that does not decode).
	OutboxRejected OutboxState = "rejected"
	// OutboxFailed: refused outbox.max_attempts times and still retried.
	OutboxFailed OutboxState = "failed"
	// OutboxDiscarded: given up by an operator or outbox.abschluss_filter.
	OutboxDiscarded OutboxState = "discarded"
)

// OutboxStates returns every state, in the order of an item's life (the
// All list of the type, named as rivertype.JobStates).
func OutboxStates() []OutboxState {
	return []OutboxState{OutboxPending, OutboxSent, OutboxAccepted, OutboxRejected, OutboxFailed, OutboxDiscarded}
}

// Valid reports whether s is one of OutboxStates.
func (s OutboxState) Valid() bool { return slices.Contains(OutboxStates(), s) }

// ErrOutboxState is returned when an operator action does not fit the
// item's state (e.g. discarding an item that is being sent).
var ErrOutboxState = errors.New("outbox item is not in a state that allows this")

// OutboxItem is one thing to send to the Servicestelle and its progress.
type OutboxItem struct {
	ID              int64           `json:"id"`
	Kind            string          `json:"kind"`
	ItemKey         string          `json:"item_key"`
	BewerberID      string          `json:"bewerber_id"`
	SestKey         string          `json:"sest_key,omitempty"`
	Payload         json.RawMessage `json:"payload"`
	SourceUpdatedAt time.Time       `json:"source_updated_at"`
	State           OutboxState     `json:"state"`
	Operation       string          `json:"operation,omitempty"`
	Attempts        int             `json:"attempts"`
	NextAttemptAt   time.Time       `json:"next_attempt_at"`
	ErgebnisStatus  string          `json:"ergebnis_status,omitempty"`
	Reason          string          `json:"reason,omitempty"`
	Code            int             `json:"code,omitempty"`
	ResultVersion   int             `json:"result_version,omitempty"`
	ResultStatus    string          `json:"result_status,omitempty"`
	NotifiedAt      *time.Time      `json:"notified_at,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	FinishedAt      *time.Time      `json:"finished_at,omitempty"`
}

const outboxCols = `id, kind, item_key, bewerber_id, sest_key, payload, source_updated_at, state, operation, attempts,
	next_attempt_at, ergebnis_status, reason, code, result_version, result_status, notified_at, created_at, updated_at, finished_at`

func scanOutbox(r pgx.CollectableRow) (OutboxItem, error) {
	var o OutboxItem
	err := r.Scan(&o.ID, &o.Kind, &o.ItemKey, &o.BewerberID, &o.SestKey, &o.Payload, &o.SourceUpdatedAt, &o.State,
		&o.Operation, &o.Attempts, &o.NextAttemptAt, &o.ErgebnisStatus, &o.Reason, &o.Code, &o.ResultVersion,
		&o.ResultStatus, &o.NotifiedAt, &o.CreatedAt, &o.UpdatedAt, &o.FinishedAt)
	return o, err
}

func (s *Store) outboxQuery(ctx context.Context, what, q string, args ...any) ([]OutboxItem, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+outboxCols+` FROM outbox_item `+q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	items, err := pgx.CollectRows(rows, scanOutbox)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return items, nil
}

// ---- staging → outbox ----

// UniBewerbung is a university application from the staging tables
// (uni_bewerbung with its uni_teilfachbewerbung rows).
type UniBewerbung struct {
	HSBewerbungID             string
	Typ                       string // einfach or mehrfach
	BewerberID                string
	BewerberBAN               string
	StudiengangSchluessel     string
	AbschlussSchluessel       string
	StudienfachSchluessel     string
	FachkennzeichenSchluessel string
	Eingangszeitpunkt         time.Time
	Bearbeitungsstatus        string
	Aktivitaetsstatus         string
	Papierantragstatus        string
	Statusanmerkung           string
	Sonderantragsentscheidung string
	VersionSeSt               int
	Teilfaecher               []UniTeilfachbewerbung
	// ChangedAt is the newest updated_at of the row and its Teilfächer.
	ChangedAt time.Time
}

// UniTeilfachbewerbung is one Teilfach of a mehrfach UniBewerbung.
type UniTeilfachbewerbung struct {
	StudiengangSchluessel     string
	AbschlussSchluessel       string
	StudienfachSchluessel     string
	FachkennzeichenSchluessel string
	HauptfachSchluessel       string
	ErsatzfachSchluessel      string
	IstErsatzfachAkzeptabel   bool
	IstFachwechsel            bool
	Bearbeitungsstatus        string
	Aktivitaetsstatus         string
	Statusanmerkung           string
	Sonderantragsentscheidung string
	VersionSeSt               int
}

// UniBewerbungChanged returns the staged applications that have no outbox
// item yet or changed since their item was made, at most limit, ordered by
// hs_bewerbung_id. A change is a newer updated_at of the uni_bewerbung row
// or of one of its Teilfächer; a Teilfach removed marks its Bewerbung
// (migration 0072). A change of an item in state sent waits until the
// item's outcome is recorded, then it is returned.
func (s *Store) UniBewerbungChanged(ctx context.Context, limit int) ([]UniBewerbung, error) {
	rows, err := s.pool.Query(ctx, `
WITH t AS (SELECT hs_bewerbung_id, max(updated_at) AS m FROM uni_teilfachbewerbung GROUP BY 1)
SELECT u.hs_bewerbung_id, u.typ, u.bewerber_id, coalesce(u.bewerber_ban, ''), coalesce(u.studiengang_schluessel, ''),
    u.abschluss_schluessel, coalesce(u.studienfach_schluessel, ''), coalesce(u.fachkennzeichen_schluessel, ''),
    u.eingangszeitpunkt, u.bearbeitungsstatus, coalesce(u.aktivitaetsstatus, ''), coalesce(u.papierantragstatus, ''),
    coalesce(u.statusanmerkung, ''), coalesce(u.sonderantragsentscheidung, ''), coalesce(u.version_sest, 0)::int,
    greatest(u.updated_at, t.m)
FROM uni_bewerbung u
LEFT JOIN t USING (hs_bewerbung_id)
LEFT JOIN outbox_item o ON o.kind = 'bewerbung' AND o.item_key = u.hs_bewerbung_id
WHERE o.id IS NULL OR (greatest(u.updated_at, t.m) > o.source_updated_at AND o.state <> 'sent')
ORDER BY u.hs_bewerbung_id
LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("listing changed university applications: %w", err)
	}
	apps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (UniBewerbung, error) {
		var u UniBewerbung
		err := r.Scan(&u.HSBewerbungID, &u.Typ, &u.BewerberID, &u.BewerberBAN, &u.StudiengangSchluessel,
			&u.AbschlussSchluessel, &u.StudienfachSchluessel, &u.FachkennzeichenSchluessel, &u.Eingangszeitpunkt,
			&u.Bearbeitungsstatus, &u.Aktivitaetsstatus, &u.Papierantragstatus, &u.Statusanmerkung,
			&u.Sonderantragsentscheidung, &u.VersionSeSt, &u.ChangedAt)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing changed university applications: %w", err)
	}
	var mehrfach []string
	idx := map[string]int{}
	for i, u := range apps {
		if u.Typ == "mehrfach" {
			mehrfach = append(mehrfach, u.HSBewerbungID)
			idx[u.HSBewerbungID] = i
		}
	}
	if len(mehrfach) == 0 {
		return apps, nil
	}
	rows, err = s.pool.Query(ctx, `
SELECT hs_bewerbung_id, studiengang_schluessel, abschluss_schluessel, studienfach_schluessel,
    coalesce(fachkennzeichen_schluessel, ''), coalesce(hauptfach_schluessel, ''), coalesce(ersatzfach_schluessel, ''),
    ist_ersatzfach_akzeptabel, ist_fachwechsel, coalesce(bearbeitungsstatus, ''), coalesce(aktivitaetsstatus, ''),
    coalesce(statusanmerkung, ''), coalesce(sonderantragsentscheidung, ''), coalesce(version_sest, 0)::int
FROM uni_teilfachbewerbung WHERE hs_bewerbung_id = ANY($1) ORDER BY hs_bewerbung_id, studiengang_schluessel`, mehrfach)
	if err != nil {
		return nil, fmt.Errorf("listing Teilfachbewerbungen: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t UniTeilfachbewerbung
		if err := rows.Scan(&id, &t.StudiengangSchluessel, &t.AbschlussSchluessel, &t.StudienfachSchluessel,
			&t.FachkennzeichenSchluessel, &t.HauptfachSchluessel, &t.ErsatzfachSchluessel, &t.IstErsatzfachAkzeptabel,
			&t.IstFachwechsel, &t.Bearbeitungsstatus, &t.Aktivitaetsstatus, &t.Statusanmerkung,
			&t.Sonderantragsentscheidung, &t.VersionSeSt); err != nil {
			return nil, fmt.Errorf("reading Teilfachbewerbungen: %w", err)
		}
		apps[idx[id]].Teilfaecher = append(apps[idx[id]].Teilfaecher, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading Teilfachbewerbungen: %w", err)
	}
	return apps, nil
}

// UniBewerberAuth is a staged applicant authorisation.
type UniBewerberAuth struct {
	BewerberID string
	BAN        string
	ChangedAt  time.Time
}

// UniBewerberAuthChanged returns staged authorisations without an outbox
// item or changed since it was made, at most limit.
func (s *Store) UniBewerberAuthChanged(ctx context.Context, limit int) ([]UniBewerberAuth, error) {
	rows, err := s.pool.Query(ctx, `
SELECT a.bewerber_id, a.ban, a.updated_at FROM uni_bewerber_auth a
LEFT JOIN outbox_item o ON o.kind = 'bewerber_auth' AND o.item_key = a.bewerber_id
WHERE o.id IS NULL OR (a.updated_at > o.source_updated_at AND o.state <> 'sent')
ORDER BY a.bewerber_id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("listing changed authorisations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (UniBewerberAuth, error) {
		var a UniBewerberAuth
		return a, r.Scan(&a.BewerberID, &a.BAN, &a.ChangedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("listing changed authorisations: %w", err)
	}
	return out, nil
}

// OutboxNew is an item to put into the outbox (or to renew: a changed
// staging row makes its item pending again with attempts reset).
type OutboxNew struct {
	Kind            string
	ItemKey         string
	BewerberID      string
	SestKey         string
	Payload         json.RawMessage
	SourceUpdatedAt time.Time
}

// OutboxUpsert adds or renews items in one statement; an item being sent
// is left alone (its change is picked up after the send).
func (s *Store) OutboxUpsert(ctx context.Context, items []OutboxNew) (int64, error) {
	if len(items) == 0 {
		return 0, nil
	}
	n := len(items)
	kinds, keys, bids, skeys, payloads := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at := make([]time.Time, n)
	for i, it := range items {
		kinds[i], keys[i], bids[i], skeys[i], payloads[i], at[i] = it.Kind, it.ItemKey, it.BewerberID, it.SestKey, string(it.Payload), it.SourceUpdatedAt
	}
	tag, err := s.pool.Exec(ctx, `
INSERT INTO outbox_item AS o (kind, item_key, bewerber_id, sest_key, payload, source_updated_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])
ON CONFLICT (kind, item_key) DO UPDATE SET
    bewerber_id = excluded.bewerber_id, sest_key = excluded.sest_key, payload = excluded.payload,
    source_updated_at = excluded.source_updated_at, state = 'pending', attempts = 0, next_attempt_at = now(),
    ergebnis_status = '', reason = '', code = 0, notified_at = NULL, finished_at = NULL, updated_at = now()
WHERE o.state <> 'sent'`, kinds, keys, bids, skeys, payloads, at)
	if err != nil {
		return 0, fmt.Errorf("writing %d outbox items: %w", n, err)
	}
	return tag.RowsAffected(), nil
}

// ---- sending ----

// OutboxDue returns up to limit items of kind with an id above after
// whose next attempt is due, in id order: pending items, and failed ones
// (refused outbox.max_attempts times, still retried).
func (s *Store) OutboxDue(ctx context.Context, kind string, after int64, limit int) ([]OutboxItem, error) {
	return s.outboxQuery(ctx, "listing due outbox items",
		`WHERE kind = $1 AND state IN ('pending', 'failed') AND next_attempt_at <= now() AND id > $2 ORDER BY id LIMIT $3`, kind, after, limit)
}

// OutboxSentDue returns items of kind in state sent whose outcome is
// unknown (interrupted or failed call) and due to be looked up.
func (s *Store) OutboxSentDue(ctx context.Context, kind string, limit int) ([]OutboxItem, error) {
	return s.outboxQuery(ctx, "listing sent outbox items",
		`WHERE kind = $1 AND state = 'sent' AND next_attempt_at <= now() ORDER BY id LIMIT $2`, kind, limit)
}

// OutboxMarkSent records, before the call, that the items are handed to
// the Servicestelle with operation: state sent, one more attempt, and,
// when payloads is not nil, the payloads as sent (same order as ids).
// Should the process die before their results are recorded, the next run
// finds them in state sent and looks their outcome up before sending
// again.
func (s *Store) OutboxMarkSent(ctx context.Context, ids []int64, operation string, payloads []json.RawMessage) error {
	ps := make([]*string, len(ids))
	for i := range ps {
		if i < len(payloads) && payloads[i] != nil {
			p := string(payloads[i])
			ps[i] = &p
		}
	}
	_, err := s.pool.Exec(ctx, `UPDATE outbox_item o SET state = 'sent', operation = $2, attempts = attempts + 1,
		payload = coalesce(r.payload, o.payload), next_attempt_at = now(), updated_at = now()
		FROM unnest($1::bigint[], $3::jsonb[]) AS r(id, payload) WHERE o.id = r.id`, ids, operation, ps)
	if err != nil {
		return fmt.Errorf("marking %d outbox items sent: %w", len(ids), err)
	}
	return nil
}

// OutboxResult is the recorded outcome of one item's attempt.
type OutboxResult struct {
	ID             int64
	State          OutboxState
	ErgebnisStatus string
	Reason         string
	Code           int
	// ResultVersion and ResultStatus are stored when the item is accepted.
	ResultVersion int
	ResultStatus  string
	// NextAttemptAt applies to pending and sent items.
	NextAttemptAt time.Time
	// Payload, when set, replaces the item's payload (a version conflict
	// re-applies the change to the current version).
	Payload json.RawMessage
	// UncountAttempt takes back the attempt OutboxMarkSent counted (the
	// call did not reach the Servicestelle).
	UncountAttempt bool
}

// OutboxRecord stores results and their upload log entries in one
// transaction. finished_at marks when an item reached accepted, rejected
// or discarded, or first became failed (a failed item is retried and
// keeps it while it fails).
func (s *Store) OutboxRecord(ctx context.Context, results []OutboxResult, log []UploadLogEntry) error {
	if len(results) == 0 && len(log) == 0 {
		return nil
	}
	n := len(results)
	ids := make([]int64, n)
	states, ergs, reasons, rstatus, payloads := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]*string, n)
	codes, versions, uncount := make([]int32, n), make([]int32, n), make([]bool, n)
	next := make([]time.Time, n)
	for i, r := range results {
		ids[i], states[i], ergs[i], reasons[i], rstatus[i] = r.ID, string(r.State), r.ErgebnisStatus, r.Reason, r.ResultStatus
		codes[i], versions[i], uncount[i] = int32(r.Code), int32(r.ResultVersion), r.UncountAttempt
		next[i] = r.NextAttemptAt
		if next[i].IsZero() {
			next[i] = time.Now()
		}
		if r.Payload != nil {
			p := string(r.Payload)
			payloads[i] = &p
		}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if n > 0 {
			_, err := tx.Exec(ctx, `
UPDATE outbox_item o SET state = r.state, ergebnis_status = r.erg, reason = r.reason, code = r.code,
    result_version = CASE WHEN r.state = 'accepted' THEN r.version ELSE o.result_version END,
    result_status = CASE WHEN r.state = 'accepted' THEN r.rstatus ELSE o.result_status END,
    next_attempt_at = r.next, payload = coalesce(r.payload, o.payload),
    attempts = CASE WHEN r.uncount THEN greatest(o.attempts - 1, 0) ELSE o.attempts END,
    finished_at = CASE WHEN r.state = 'failed' THEN coalesce(o.finished_at, now())
                       WHEN r.state IN ('accepted', 'rejected', 'discarded') THEN now() END,
    updated_at = now()
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::timestamptz[],
    $9::jsonb[], $10::bool[]) AS r(id, state, erg, reason, code, version, rstatus, next, payload, uncount)
WHERE o.id = r.id`, ids, states, ergs, reasons, codes, versions, rstatus, next, payloads, uncount)
			if err != nil {
				return fmt.Errorf("recording %d outbox results: %w", n, err)
			}
		}
		if len(log) > 0 {
			if err := uploadLogInsertTx(ctx, tx, log); err != nil {
				return err
			}
		}
		return nil
	})
}

func uploadLogInsertTx(ctx context.Context, tx pgx.Tx, entries []UploadLogEntry) error {
	rows := make([][]any, len(entries))
	for i, e := range entries {
		rows[i] = []any{e.Operation, e.ItemKind, e.ItemKey, nullStr(e.BewerberID), e.Attempt,
			nullStr(e.Request), nullStr(e.Response), nullStr(e.ErgebnisStatus), e.Reason, nullInt(e.Code)}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"upload_log"},
		[]string{"operation", "item_kind", "item_key", "bewerber_id", "attempt", "request", "response", "ergebnis_status", "reason", "code"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("writing %d upload log entries: %w", len(entries), err)
	}
	return nil
}

// MirrorBewerbungState is what the mirror knows of a Bewerbung.
type MirrorBewerbungState struct {
	Version            int
	Bearbeitungsstatus string
	// Teilfaecher maps the studiengang_schluessel of each
	// Teilfachbewerbung (Mehrfach only) to its Bearbeitungsstatus.
	Teilfaecher map[string]string
}

// OutboxMirrorState returns the mirrored version and status (with the
// Teilfächer's) of the Bewerbungen with the given keys; keys not mirrored
// are missing.
func (s *Store) OutboxMirrorState(ctx context.Context, keys []string) (map[string]MirrorBewerbungState, error) {
	rows, err := s.pool.Query(ctx, `SELECT b.bewerbung_key, b.version, b.bearbeitungsstatus,
    coalesce(json_object_agg(t.studiengang_schluessel, t.bearbeitungsstatus) FILTER (WHERE t.studiengang_schluessel IS NOT NULL), '{}')
FROM bewerbung b LEFT JOIN teilfachbewerbung t USING (bewerbung_key)
WHERE b.bewerbung_key = ANY($1) GROUP BY b.bewerbung_key, b.version, b.bearbeitungsstatus`, keys)
	if err != nil {
		return nil, fmt.Errorf("reading mirrored Bewerbungen: %w", err)
	}
	defer rows.Close()
	out := make(map[string]MirrorBewerbungState, len(keys))
	for rows.Next() {
		var k string
		var m MirrorBewerbungState
		if err := rows.Scan(&k, &m.Version, &m.Bearbeitungsstatus, &m.Teilfaecher); err != nil {
			return nil, fmt.Errorf("reading mirrored Bewerbungen: %w", err)
		}
		out[k] = m
	}
	return out, rows.Err()
}

// OutboxCleanupAuths removes the staged authorisations (Sestco's
// cleanup_bid_auths) that are no longer needed: verified or refused, and
// no application of the applicant is waiting to be sent. Their BAN is
// also blanked in the outbox. It returns how many were removed.
func (s *Store) OutboxCleanupAuths(ctx context.Context) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
DELETE FROM uni_bewerber_auth a USING outbox_item o
WHERE o.kind = 'bewerber_auth' AND o.item_key = a.bewerber_id AND o.state IN ('accepted', 'rejected', 'discarded')
  AND a.updated_at <= o.source_updated_at
  AND NOT EXISTS (SELECT 1 FROM outbox_item b WHERE b.kind = 'bewerbung' AND b.bewerber_id = a.bewerber_id
                  AND b.state IN ('pending', 'sent', 'failed'))
  AND NOT EXISTS (SELECT 1 FROM uni_bewerbung u LEFT JOIN outbox_item b ON b.kind = 'bewerbung' AND b.item_key = u.hs_bewerbung_id
                  WHERE u.bewerber_id = a.bewerber_id AND b.id IS NULL)
RETURNING a.bewerber_id`)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		n = int64(len(ids))
		if n == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE outbox_item SET payload = payload - 'ban', updated_at = now()
			WHERE kind = 'bewerber_auth' AND item_key = ANY($1)`, ids)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("cleaning up authorisations: %w", err)
	}
	return n, nil
}

// ---- notification ----

// OutboxNotify selects the failed and rejected items not yet mailed,
// marks them mailed and calls enqueue with their ids in the same
// transaction (so the mail job is enqueued exactly when the items are
// marked). It returns the ids; none means enqueue was not called.
func (s *Store) OutboxNotify(ctx context.Context, enqueue func(tx pgx.Tx, ids []int64) error) ([]int64, error) {
	var ids []int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE outbox_item SET notified_at = now()
			WHERE id IN (SELECT id FROM outbox_item WHERE state IN ('failed', 'rejected') AND notified_at IS NULL
			             ORDER BY id FOR UPDATE SKIP LOCKED)
			RETURNING id`)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			return err
		}
		return enqueue(tx, ids)
	})
	if err != nil {
		return nil, fmt.Errorf("notifying failed outbox items: %w", err)
	}
	return ids, nil
}

// OutboxGetMany returns the items with the given ids, ordered by id.
func (s *Store) OutboxGetMany(ctx context.Context, ids []int64) ([]OutboxItem, error) {
	return s.outboxQuery(ctx, "reading outbox items", `WHERE id = ANY($1) ORDER BY id`, ids)
}

// ---- operators (admin API, CLI) ----

// OutboxGet returns one item, or ErrNotFound.
func (s *Store) OutboxGet(ctx context.Context, id int64) (OutboxItem, error) {
	items, err := s.outboxQuery(ctx, "reading outbox item", `WHERE id = $1`, id)
	if err != nil {
		return OutboxItem{}, err
	}
	if len(items) == 0 {
		return OutboxItem{}, fmt.Errorf("outbox item %d: %w", id, ErrNotFound)
	}
	return items[0], nil
}

// OutboxList returns items in state (all states when empty), newest
// first, at most limit.
func (s *Store) OutboxList(ctx context.Context, state OutboxState, limit int) ([]OutboxItem, error) {
	if state == "" {
		return s.outboxQuery(ctx, "listing outbox items", `ORDER BY id DESC LIMIT $1`, limit)
	}
	return s.outboxQuery(ctx, "listing outbox items", `WHERE state = $1 ORDER BY id DESC LIMIT $2`, state, limit)
}

// OutboxListFailing returns every failed and rejected item, oldest first
// (the daily digest).
func (s *Store) OutboxListFailing(ctx context.Context) ([]OutboxItem, error) {
	return s.outboxQuery(ctx, "listing failing outbox items", `WHERE state IN ('failed', 'rejected') ORDER BY id`)
}

// OutboxRetry makes a failed, rejected or discarded item pending again
// with its attempts reset; it is sent by the next outbound run.
// ErrNotFound for an unknown id, ErrOutboxState for an item that is
// pending, being sent or accepted.
func (s *Store) OutboxRetry(ctx context.Context, id int64) error {
	return s.outboxOperate(ctx, id, `UPDATE outbox_item SET state = 'pending', attempts = 0, next_attempt_at = now(),
		notified_at = NULL, finished_at = NULL, updated_at = now()
		WHERE id = $1 AND state IN ('failed', 'rejected', 'discarded')`)
}

// OutboxRetryAllFailed makes every failed item pending again with its
// attempts reset and returns how many.
func (s *Store) OutboxRetryAllFailed(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox_item SET state = 'pending', attempts = 0, next_attempt_at = now(),
		notified_at = NULL, finished_at = NULL, updated_at = now() WHERE state = 'failed'`)
	if err != nil {
		return 0, fmt.Errorf("retrying failed outbox items: %w", err)
	}
	return tag.RowsAffected(), nil
}

// OutboxDiscard gives an item up: it is not sent again until its staging
// row changes. The caller writes the audit record. ErrNotFound for an
// unknown id, ErrOutboxState for an item being sent or already discarded.
func (s *Store) OutboxDiscard(ctx context.Context, id int64) error {
	return s.outboxOperate(ctx, id, `UPDATE outbox_item SET state = 'discarded', finished_at = now(), updated_at = now()
		WHERE id = $1 AND state IN ('pending', 'rejected', 'failed', 'accepted')`)
}

func (s *Store) outboxOperate(ctx context.Context, id int64, q string) error {
	tag, err := s.pool.Exec(ctx, q, id)
	if err != nil {
		return fmt.Errorf("changing outbox item %d: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := s.OutboxGet(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("outbox item %d: %w", id, ErrOutboxState)
}

// OutboxCountsByState counts items per state (every state present, zero
// included) for the sestd_outbox_items gauge.
func (s *Store) OutboxCountsByState(ctx context.Context) (map[string]float64, error) {
	states := OutboxStates()
	out := make(map[string]float64, len(states))
	for _, st := range states {
		out[string(st)] = 0
	}
	rows, err := s.pool.Query(ctx, `SELECT state, count(*) FROM outbox_item GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("counting outbox items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("counting outbox items: %w", err)
		}
		out[st] = float64(n)
	}
	return out, rows.Err()
}
