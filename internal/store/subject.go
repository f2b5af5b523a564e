package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A data subject is one applicant, named by bewerberId. Everything sestd
// holds about one is found through the tables below: the mirror (by
// bewerber_id, and the children of the applicant's Bewerbungen), the
// outbound sync (staging, outbox, upload log), ranking entries, and S-BEAT
// rows whose identnr is the bewerberId.

// subjectTable says how to find one subject's rows ($1 is the id) in a
// table that may not exist in every schema version (optional).
type subjectTable struct {
	name     string // the export's name; also the table unless from is set
	from     string
	row      string // the JSON of a row (default: the whole row)
	where    string
	optional bool
}

func (t subjectTable) table() string {
	if t.from != "" {
		return t.from
	}
	return t.name
}

// bewerbungenOf selects the keys of the subject's Bewerbungen.
const bewerbungenOf = `bewerbung_key IN (SELECT bewerbung_key FROM bewerbung WHERE bewerber_id = $1)`

// dokumenteOf selects the subject's documents: by applicant, and those
// its Bewerbungen refer to.
const dokumenteOf = `bewerber_id = $1 OR dokument_id IN (
	SELECT dokument_id FROM bewerbungsbestandteil WHERE ` + bewerbungenOf + `
	UNION SELECT dokument_id FROM bescheid WHERE ` + bewerbungenOf + `)`

// uploadLogOwn selects the upload log entries of the subject's items.
const uploadLogOwn = `bewerber_id = $1 OR (item_kind = 'bewerber_auth' AND item_key = $1)`

// subjectTables lists, in export order, every table that can hold rows
// about a subject.
var subjectTables = []subjectTable{
	{name: "bewerber", where: `bewerber_id = $1`},
	{name: "bewerbung", where: `bewerber_id = $1`},
	{name: "teilfachbewerbung", where: bewerbungenOf},
	{name: "bewerbungsbestandteil", where: bewerbungenOf},
	{name: "bescheid", where: bewerbungenOf},
	{name: "dokument", where: dokumenteOf},
	{name: "bewerbung_status_change", where: `bewerber_id = $1`, optional: true},
	{name: "bewerbung_status_forbidden", where: `bewerber_id = $1`},
	{name: "mirror_removal", where: `bewerber_id = $1`},
	{name: "ranking_entry", where: `bewerber_id = $1`},
	{name: "uni_bewerbung", where: `bewerber_id = $1`},
	{name: "uni_teilfachbewerbung", where: `hs_bewerbung_id IN (SELECT hs_bewerbung_id FROM uni_bewerbung WHERE bewerber_id = $1)`},
	{name: "uni_bewerber_auth", where: `bewerber_id = $1`},
	{name: "outbox_item", where: `bewerber_id = $1`, optional: true},
	{name: "upload_log", where: uploadLogOwn},
	// Uploads of other items that name the applicant (a Rangliste lists
	// many): what was sent when, without the bodies, which hold others'
	// data.
	{name: "upload_log_mentions", from: "upload_log",
		row: `jsonb_build_object('id', id, 'at', at, 'operation', operation, 'item_kind', item_kind,
			'item_key', item_key, 'ergebnis_status', ergebnis_status, 'code', code)`,
		where: `NOT coalesce(` + uploadLogOwn + `, false) AND (strpos(request, $1) > 0 OR strpos(response, $1) > 0)`},
	{name: "sbeat_student", where: `identnr = $1`},
	{name: "sbeat_exam", where: `identnr = $1`},
	{name: "sbeat_applicant", where: `identnr = $1`},
	{name: "sbeat_identity", where: `identnr = $1`},
	{name: "subject_tombstone", where: `bewerber_id = $1`},
	{name: "audit_log", where: `subject = $1`},
}

// SubjectData is everything sestd's database holds about one applicant:
// per table, its rows as JSON objects (column → value).
type SubjectData struct {
	BewerberID string                       `json:"bewerber_id"`
	Collected  time.Time                    `json:"collected_at"`
	Tables     map[string][]json.RawMessage `json:"tables"`
	// Dokumente are the applicant's documents; Path (relative to the
	// document root) is empty when not downloaded.
	Dokumente []DokumentRef `json:"-"`
}

// Rows counts the rows found, over all tables.
func (d SubjectData) Rows() int {
	n := 0
	for _, rows := range d.Tables {
		n += len(rows)
	}
	return n
}

// SubjectCollect reads everything about the applicant id in one
// consistent snapshot. An applicant sestd knows nothing of gives empty
// tables, not an error.
func (s *Store) SubjectCollect(ctx context.Context, id string) (SubjectData, error) {
	if id == "" {
		return SubjectData{}, errors.New("collecting subject data: empty bewerber id")
	}
	out := SubjectData{BewerberID: id, Tables: map[string][]json.RawMessage{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&out.Collected); err != nil {
			return err
		}
		tables, err := existingSubjectTables(ctx, tx)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, t := range tables {
			row := "to_jsonb(t)"
			if t.row != "" {
				row = t.row
			}
			b.Queue(`SELECT coalesce(jsonb_agg(`+row+`), '[]') FROM `+pgx.Identifier{t.table()}.Sanitize()+` t WHERE `+t.where, id)
		}
		b.Queue(`SELECT dokument_id, coalesce(bewerber_id, ''), dateiname, coalesce(path, ''), coalesce(sha256, '')
FROM dokument WHERE `+dokumenteOf+` ORDER BY dokument_id`, id)
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		for _, t := range tables {
			var raw []byte
			if err := br.QueryRow().Scan(&raw); err != nil {
				return fmt.Errorf("reading %s: %w", t.name, err)
			}
			var rows []json.RawMessage
			if err := json.Unmarshal(raw, &rows); err != nil {
				return fmt.Errorf("decoding %s: %w", t.name, err)
			}
			out.Tables[t.name] = rows
		}
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("reading documents: %w", err)
		}
		out.Dokumente, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (DokumentRef, error) {
			var d DokumentRef
			err := r.Scan(&d.DokumentID, &d.BewerberID, &d.Dateiname, &d.Path, &d.SHA256)
			return d, err
		})
		if err != nil {
			return fmt.Errorf("reading documents: %w", err)
		}
		return br.Close()
	})
	if err != nil {
		return SubjectData{}, fmt.Errorf("collecting data of applicant %s: %w", id, err)
	}
	return out, nil
}

// existingSubjectTables drops optional tables this schema lacks.
func existingSubjectTables(ctx context.Context, tx pgx.Tx) ([]subjectTable, error) {
	var names []string
	for _, t := range subjectTables {
		names = append(names, t.table())
	}
	rows, err := tx.Query(ctx, `SELECT n FROM unnest($1::text[]) n WHERE to_regclass(n) IS NOT NULL`, names)
	if err != nil {
		return nil, fmt.Errorf("checking tables: %w", err)
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("checking tables: %w", err)
	}
	present := map[string]bool{}
	for _, n := range have {
		present[n] = true
	}
	var out []subjectTable
	for _, t := range subjectTables {
		if present[t.table()] {
			out = append(out, t)
		} else if !t.optional {
			return nil, fmt.Errorf("table %s is missing: is the schema migrated?", t.table())
		}
	}
	return out, nil
}

// Reasons recorded in a tombstone.
const (
	TombstoneErase           = "erase"
	TombstoneRetentionClosed = "retention_closed"
	TombstoneRetentionMarked = "retention_marked"
)

// EraseOptions says how SubjectErase treats the applicants.
type EraseOptions struct {
	// Reason is recorded in the tombstones (Tombstone… constants).
	Reason string
	// KeepUploadLog keeps the upload log's rows (item, time, result) and
	// only clears their bodies (request, response), as retention does; an
	// erasure deletes the rows.
	KeepUploadLog bool
	// SkipBodyScan does not search the upload log's bodies of other items
	// (Ranglisten uploads name many applicants) for the ids; for a caller
	// that clears all bodies anyway.
	SkipBodyScan bool
	// IncludeSBEAT also deletes S-BEAT rows whose identnr is one of the
	// ids.
	IncludeSBEAT bool
	// IncludeJobs also deletes finished River jobs (completed, cancelled,
	// discarded) whose arguments, errors or output name one of the ids.
	IncludeJobs bool
	// DryRun counts what would go and rolls back.
	DryRun bool
}

// EraseResult says what SubjectErase removed (or would remove).
type EraseResult struct {
	Subjects int `json:"subjects"`
	// Rows counts deleted (upload_log_bodies: cleared) rows per table.
	Rows map[string]int64 `json:"rows"`
	// Files are the applicants' downloaded documents, relative to the
	// document root; the caller deletes them after SubjectErase returns.
	Files []string `json:"files,omitempty"`
}

// Total is the number of rows affected.
func (r EraseResult) Total() int64 {
	var n int64
	for _, c := range r.Rows {
		n += c
	}
	return n
}

// ErrNothingToErase is returned by SubjectErase for an empty id list.
var ErrNothingToErase = errors.New("no applicants to erase")

// SubjectErase removes everything the database holds about the applicants
// ids in one transaction and leaves a tombstone per applicant, so that the
// mirror does not take their data back unless the Servicestelle changes it
// again. The audit log is kept (the caller adds the erasure's record). The
// returned Files must be deleted by the caller: the database no longer
// refers to them.
func (s *Store) SubjectErase(ctx context.Context, ids []string, o EraseOptions) (EraseResult, error) {
	if len(ids) == 0 {
		return EraseResult{}, ErrNothingToErase
	}
	if o.Reason == "" {
		o.Reason = TombstoneErase
	}
	res := EraseResult{Subjects: len(ids), Rows: map[string]int64{}}
	errRollback := errors.New("dry run")
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tables, err := existingSubjectTables(ctx, tx)
		if err != nil {
			return err
		}
		has := map[string]bool{}
		for _, t := range tables {
			has[t.name] = true
		}
		if !o.DryRun {
			// No mirror write may slip between this erasure's snapshot and
			// its commit: upserts wait, then meet the tombstone.
			if _, err := tx.Exec(ctx, `LOCK TABLE bewerber, bewerbung IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("locking the mirror: %w", err)
			}
		}
		exec := func(key, sql string, args ...any) error {
			tag, err := tx.Exec(ctx, sql, args...)
			if err != nil {
				return fmt.Errorf("erasing from %s: %w", key, err)
			}
			if n := tag.RowsAffected(); n > 0 {
				res.Rows[key] += n
			}
			return nil
		}
		if err := exec("subject_tombstone", `
INSERT INTO subject_tombstone AS t (bewerber_id, letzte_aenderung, reason)
SELECT i, coalesce(greatest(
    (SELECT max(letzte_aenderung) FROM bewerber WHERE bewerber_id = i),
    (SELECT max(letzte_aenderung) FROM bewerbung WHERE bewerber_id = i)), now()), $2
FROM unnest($1::text[]) AS i
ON CONFLICT (bewerber_id) DO UPDATE SET erased_at = now(), reason = excluded.reason,
    letzte_aenderung = greatest(t.letzte_aenderung, excluded.letzte_aenderung)`, ids, o.Reason); err != nil {
			return err
		}
		// The documents' files, and their rows (referenced by the
		// Bewerbungen's children: those go first, with the Bewerbungen).
		rows, err := tx.Query(ctx, `
SELECT dokument_id, coalesce(path, '') FROM dokument WHERE bewerber_id = ANY($1) OR dokument_id IN (
    SELECT x.dokument_id FROM bewerbungsbestandteil x JOIN bewerbung b USING (bewerbung_key) WHERE b.bewerber_id = ANY($1)
    UNION SELECT x.dokument_id FROM bescheid x JOIN bewerbung b USING (bewerbung_key) WHERE b.bewerber_id = ANY($1))`, ids)
		if err != nil {
			return fmt.Errorf("listing documents: %w", err)
		}
		var docIDs []string
		for rows.Next() {
			var id, path string
			if err := rows.Scan(&id, &path); err != nil {
				return fmt.Errorf("listing documents: %w", err)
			}
			docIDs = append(docIDs, id)
			if path != "" {
				res.Files = append(res.Files, path)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("listing documents: %w", err)
		}
		for _, t := range []string{"teilfachbewerbung", "bewerbungsbestandteil", "bescheid"} {
			if err := exec(t, `DELETE FROM `+t+` WHERE bewerbung_key IN (SELECT bewerbung_key FROM bewerbung WHERE bewerber_id = ANY($1))`, ids); err != nil {
				return err
			}
		}
		steps := []struct{ table, sql string }{
			{"bewerbung", `DELETE FROM bewerbung WHERE bewerber_id = ANY($1)`},
			{"bewerber", `DELETE FROM bewerber WHERE bewerber_id = ANY($1)`},
			{"bewerbung_status_change", `DELETE FROM bewerbung_status_change WHERE bewerber_id = ANY($1)`},
			{"bewerbung_status_forbidden", `DELETE FROM bewerbung_status_forbidden WHERE bewerber_id = ANY($1)`},
			{"mirror_removal", `DELETE FROM mirror_removal WHERE bewerber_id = ANY($1)`},
			{"ranking_entry", `DELETE FROM ranking_entry WHERE bewerber_id = ANY($1)`},
			{"uni_teilfachbewerbung", `DELETE FROM uni_teilfachbewerbung WHERE hs_bewerbung_id IN (SELECT hs_bewerbung_id FROM uni_bewerbung WHERE bewerber_id = ANY($1))`},
			{"uni_bewerbung", `DELETE FROM uni_bewerbung WHERE bewerber_id = ANY($1)`},
			{"uni_bewerber_auth", `DELETE FROM uni_bewerber_auth WHERE bewerber_id = ANY($1)`},
			{"outbox_item", `DELETE FROM outbox_item WHERE bewerber_id = ANY($1)`},
		}
		if o.IncludeSBEAT {
			for _, t := range []string{"sbeat_student", "sbeat_exam", "sbeat_applicant", "sbeat_identity"} {
				steps = append(steps, struct{ table, sql string }{t, `DELETE FROM ` + t + ` WHERE identnr = ANY($1)`})
			}
		}
		for _, st := range steps {
			if !has[st.table] {
				continue
			}
			if err := exec(st.table, st.sql, ids); err != nil {
				return err
			}
		}
		if err := exec("dokument", `DELETE FROM dokument WHERE dokument_id = ANY($1)`, docIDs); err != nil {
			return err
		}
		own := strings.ReplaceAll(uploadLogOwn, "= $1", "= ANY($1)")
		if o.KeepUploadLog {
			if err := exec("upload_log_bodies", `UPDATE upload_log SET request = NULL, response = NULL
WHERE (`+own+`) AND (request IS NOT NULL OR response IS NOT NULL)`, ids); err != nil {
				return err
			}
		} else if err := exec("upload_log", `DELETE FROM upload_log WHERE `+own, ids); err != nil {
			return err
		}
		if !o.SkipBodyScan {
			if err := exec("upload_log_bodies", `UPDATE upload_log l SET request = NULL, response = NULL
WHERE (l.request IS NOT NULL OR l.response IS NOT NULL)
  AND EXISTS (SELECT 1 FROM unnest($1::text[]) i WHERE strpos(l.request, i) > 0 OR strpos(l.response, i) > 0)`, ids); err != nil {
				return err
			}
		}
		// An incident's key (a job's arguments) or last error may name the
		// applicant: such an incident goes, or its text does.
		if err := exec("incident", `DELETE FROM incident
WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) i WHERE strpos(key, i) > 0)`, ids); err != nil {
			return err
		}
		if err := exec("incident_errors", `UPDATE incident SET last_error = '[erased: named an applicant]'
WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) i WHERE strpos(last_error, i) > 0)`, ids); err != nil {
			return err
		}
		if o.IncludeJobs {
			var hasJobs bool
			if err := tx.QueryRow(ctx, `SELECT to_regclass('river_job') IS NOT NULL`).Scan(&hasJobs); err != nil {
				return fmt.Errorf("checking for River's jobs: %w", err)
			}
			if hasJobs {
				n, err := s.riverDeleteFinishedNaming(ctx, tx, ids)
				if err != nil {
					return fmt.Errorf("erasing from river_job: %w", err)
				}
				if n > 0 {
					res.Rows["river_job"] += n
				}
			}
		}
		if o.DryRun {
			return errRollback
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return EraseResult{}, fmt.Errorf("erasing %d applicants: %w", len(ids), err)
	}
	delete(res.Rows, "subject_tombstone")
	return res, nil
}

// SubjectErased reports which of ids have a tombstone (were erased and
// not changed at the Servicestelle since).
func (s *Store) SubjectErased(ctx context.Context, ids []string) (map[string]time.Time, error) {
	rows, err := s.pool.Query(ctx, `SELECT bewerber_id, erased_at FROM subject_tombstone WHERE bewerber_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("reading tombstones: %w", err)
	}
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("reading tombstones: %w", err)
		}
		out[id] = at
	}
	return out, rows.Err()
}
