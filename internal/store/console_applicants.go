package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ApplicantQuery is the console's applicant search. Every field set must
// match; Text is a Bewerber-ID, an e-mail address, a BAN or a part of a
// name (umlauts and case folded, see migration 0101_console_search.sql).
type ApplicantQuery struct {
	Text           string
	Studienangebot string // studienangebot_schluessel of one of the applicant's Bewerbungen
	Status         string // bearbeitungsstatus of one of them (with Studienangebot: of the same one)
	Limit, Offset  int
}

// ApplicantHit is one applicant found.
type ApplicantHit struct {
	BewerberID   string
	Vorname      string
	Nachname     string
	Email        string
	Geburtsdatum *time.Time
	Bewerbungen  int
	Complete     bool
}

// ApplicantSearch returns the applicants matching q ordered by name, at
// most q.Limit, and whether more follow.
func (s *Store) ApplicantSearch(ctx context.Context, q ApplicantQuery) ([]ApplicantHit, bool, error) {
	sql, args, limit := applicantSearchSQL(q)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, false, fmt.Errorf("searching applicants: %w", err)
	}
	hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ApplicantHit, error) {
		var h ApplicantHit
		err := r.Scan(&h.BewerberID, &h.Vorname, &h.Nachname, &h.Email, &h.Geburtsdatum, &h.Complete, &h.Bewerbungen)
		return h, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("searching applicants: %w", err)
	}
	more := len(hits) > limit
	if more {
		hits = hits[:limit]
	}
	return hits, more, nil
}

// applicantSearchSQL is the query of q with its arguments and the page
// size.
//
// The candidates come from indexes first (each way of matching the text
// is a branch of its own, so that every branch uses its index; a
// Studienangebot, being selective, from bewerbung's index), then they are
// sorted; a Bearbeitungsstatus alone, matching many, is checked while
// walking the sort order.
func applicantSearchSQL(q ApplicantQuery) (string, []any, int) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	var where []string
	bewerbung := func() []string {
		var cond []string
		if q.Studienangebot != "" {
			cond = append(cond, "w.studienangebot_schluessel = "+arg(q.Studienangebot))
		}
		if q.Status != "" {
			cond = append(cond, "w.bearbeitungsstatus = "+arg(q.Status))
		}
		return cond
	}
	// cand holds (bewerber_id, sort_key) of the candidates, straight from
	// the indexes; no scan of every applicant.
	var cand string
	switch text := strings.TrimSpace(q.Text); {
	case text != "":
		t := arg(text)
		like := arg("%" + escapeLike(text) + "%")
		cand = `SELECT bewerber_id, sort_key FROM bewerber_search WHERE bewerber_id = ` + t +
			` UNION SELECT bewerber_id, sort_key FROM bewerber_search WHERE email = lower(` + t + `)` +
			` UNION SELECT bewerber_id, sort_key FROM bewerber_search
				WHERE names LIKE sestd_fold_de(` + like + `) OR names LIKE sestd_fold_plain(` + like + `)` +
			` UNION SELECT a.bewerber_id, (SELECT x.sort_key FROM bewerber_search x WHERE x.bewerber_id = a.bewerber_id)
				FROM uni_bewerber_auth a WHERE a.ban = ` + t +
			` UNION SELECT u.bewerber_id, (SELECT x.sort_key FROM bewerber_search x WHERE x.bewerber_id = u.bewerber_id)
				FROM uni_bewerbung u WHERE u.bewerber_ban = ` + t
		if cond := bewerbung(); len(cond) > 0 {
			where = append(where, "EXISTS (SELECT FROM bewerbung w WHERE w.bewerber_id = s.bewerber_id AND "+strings.Join(cond, " AND ")+")")
		}
	case q.Studienangebot != "":
		cand = `SELECT m.bewerber_id, (SELECT x.sort_key FROM bewerber_search x WHERE x.bewerber_id = m.bewerber_id)
			FROM (SELECT DISTINCT w.bewerber_id FROM bewerbung w WHERE ` + strings.Join(bewerbung(), " AND ") + `) m`
	case q.Status != "":
		where = append(where, "EXISTS (SELECT FROM bewerbung w WHERE w.bewerber_id = s.bewerber_id AND "+strings.Join(bewerbung(), " AND ")+")")
	}
	inner := `SELECT s.bewerber_id, s.sort_key FROM bewerber_search s`
	with := ""
	if cand != "" {
		with = `WITH cand (bewerber_id, sort_key) AS MATERIALIZED (` + cand + `) `
		inner = `SELECT s.bewerber_id, s.sort_key FROM cand s WHERE s.sort_key IS NOT NULL`
		if len(where) > 0 {
			inner += " AND " + strings.Join(where, " AND ")
		}
	} else if len(where) > 0 {
		inner += " WHERE " + strings.Join(where, " AND ")
	}
	limit := max(q.Limit, 1)
	inner += ` ORDER BY s.sort_key, s.bewerber_id LIMIT ` + arg(limit+1) + ` OFFSET ` + arg(max(q.Offset, 0))
	// The page first, then its rows' details: the Bewerbungen are
	// counted for the page only.
	sql := with + `SELECT b.bewerber_id, b.vorname, b.nachname, b.email_adresse, b.geburtsdatum, b.complete,
		(SELECT count(*) FROM bewerbung w WHERE w.bewerber_id = b.bewerber_id)
		FROM (` + inner + `) p JOIN bewerber b ON b.bewerber_id = p.bewerber_id
		ORDER BY p.sort_key, p.bewerber_id`
	return sql, args, limit
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Applicant is what the console shows of one applicant.
type Applicant struct {
	BewerberID           string
	Complete             bool
	Status               string
	Anrede               string
	Vorname              string
	WeitereVornamen      string
	Nachname             string
	Geburtsname          string
	Geburtsdatum         *time.Time
	Geburtsort           string
	Staatsangehoerigkeit string // the land's name, else its key
	Email                string
	Telefon              string
	Mobil                string
	CareOf               string
	Strasse              string
	PLZ                  string
	Ort                  string
	Land                 string // the land's name, else its key
	LetzteAenderung      *time.Time
	UpdatedAt            time.Time
	SeenAt               time.Time
	// Authorisation: the BAN the university holds for the applicant
	// (uni_bewerber_auth), empty when none.
	BAN          string
	BANUpdatedAt *time.Time
	Bewerbungen  []ApplicantBewerbung
	Dokumente    []ApplicantDokument
	Outbox       []OutboxItem
	UploadLog    []UploadLogEntry
	// Erased is when the applicant was erased (a tombstone), if so.
	Erased *time.Time
}

// ApplicantBewerbung is one mirrored Bewerbung with its Teilfächer and
// status history.
type ApplicantBewerbung struct {
	Key                string
	Art                string
	Studienangebot     string
	StudienangebotName string
	Bearbeitungsstatus string
	Aktivitaetsstatus  string
	Version            int
	Eingang            *time.Time
	LetzteAenderung    *time.Time
	Statusanmerkung    string
	Teilfaecher        []ApplicantTeilfach
	History            []StatusChange
}

// ApplicantTeilfach is one Teilfachbewerbung.
type ApplicantTeilfach struct {
	Studiengang        string
	Name               string
	Bearbeitungsstatus string
	Hauptfach          bool
}

// StatusChange is one change of a Bewerbung's Bearbeitungsstatus.
type StatusChange struct {
	At        time.Time
	OldStatus string
	NewStatus string
	Version   int
}

// ApplicantDokument is one of the applicant's documents.
type ApplicantDokument struct {
	DokumentID   string
	Dateiname    string
	MimeType     string
	Path         string // relative to the document root; empty until downloaded
	Size         int64
	DownloadedAt *time.Time
}

// ApplicantGet reads everything the console shows of the applicant id in
// one snapshot; ErrNotFound when sestd has no such applicant.
func (s *Store) ApplicantGet(ctx context.Context, id string) (Applicant, error) {
	var a Applicant
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT b.bewerber_id, b.complete, b.status, b.anrede, b.vorname, b.weitere_vornamen, b.nachname,
			b.geburtsname, b.geburtsdatum, b.geburtsort, coalesce(nullif(sl.name_de, ''), b.staatsangehoerigkeit, ''), b.email_adresse, b.telefonnummer,
			b.mobilnummer, b.care_of, b.strasse_hausnr_postfach, b.plz, b.ort, coalesce(nullif(ll.name_de, ''), b.land, ''), b.letzte_aenderung,
			b.updated_at, b.seen_at, coalesce(a.ban, ''), a.updated_at
			FROM bewerber b LEFT JOIN uni_bewerber_auth a ON a.bewerber_id = b.bewerber_id
			LEFT JOIN land sl ON sl.schluessel = b.staatsangehoerigkeit LEFT JOIN land ll ON ll.schluessel = b.land
			WHERE b.bewerber_id = $1`, id).
			Scan(&a.BewerberID, &a.Complete, &a.Status, &a.Anrede, &a.Vorname, &a.WeitereVornamen, &a.Nachname,
				&a.Geburtsname, &a.Geburtsdatum, &a.Geburtsort, &a.Staatsangehoerigkeit, &a.Email, &a.Telefon,
				&a.Mobil, &a.CareOf, &a.Strasse, &a.PLZ, &a.Ort, &a.Land, &a.LetzteAenderung,
				&a.UpdatedAt, &a.SeenAt, &a.BAN, &a.BANUpdatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			a.BewerberID = ""
			if err := tx.QueryRow(ctx, `SELECT erased_at FROM subject_tombstone WHERE bewerber_id = $1`, id).Scan(&a.Erased); err == nil {
				a.BewerberID = id
				return nil
			}
			return fmt.Errorf("applicant %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if a.Bewerbungen, err = applicantBewerbungen(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT dokument_id, dateiname, mime_type, coalesce(path, ''), coalesce(size, 0), downloaded_at
			FROM dokument WHERE `+dokumenteOf+` ORDER BY dokument_id`, id)
		if err != nil {
			return fmt.Errorf("reading documents: %w", err)
		}
		if a.Dokumente, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ApplicantDokument, error) {
			var d ApplicantDokument
			err := r.Scan(&d.DokumentID, &d.Dateiname, &d.MimeType, &d.Path, &d.Size, &d.DownloadedAt)
			return d, err
		}); err != nil {
			return fmt.Errorf("reading documents: %w", err)
		}
		rows, err = tx.Query(ctx, `SELECT `+outboxCols+` FROM outbox_item WHERE bewerber_id = $1 ORDER BY id DESC LIMIT 200`, id)
		if err != nil {
			return fmt.Errorf("reading outbox items: %w", err)
		}
		if a.Outbox, err = pgx.CollectRows(rows, scanOutbox); err != nil {
			return fmt.Errorf("reading outbox items: %w", err)
		}
		rows, err = tx.Query(ctx, `SELECT `+uploadLogCols+` FROM upload_log WHERE `+uploadLogOwn+` ORDER BY id DESC LIMIT 200`, id)
		if err != nil {
			return fmt.Errorf("reading upload log: %w", err)
		}
		if a.UploadLog, err = pgx.CollectRows(rows, scanUploadLog); err != nil {
			return fmt.Errorf("reading upload log: %w", err)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Applicant{}, err
		}
		return Applicant{}, fmt.Errorf("reading applicant %s: %w", id, err)
	}
	return a, nil
}

func applicantBewerbungen(ctx context.Context, tx pgx.Tx, id string) ([]ApplicantBewerbung, error) {
	rows, err := tx.Query(ctx, `SELECT w.bewerbung_key, w.art, w.studienangebot_schluessel, coalesce(sa.name_de, ''),
		w.bearbeitungsstatus, w.aktivitaetsstatus, w.version, w.eingangs_zeitpunkt, w.letzte_aenderung, w.statusanmerkung
		FROM bewerbung w LEFT JOIN studienangebot sa ON sa.schluessel = w.studienangebot_schluessel
		WHERE w.bewerber_id = $1 ORDER BY w.eingangs_zeitpunkt NULLS LAST, w.bewerbung_key`, id)
	if err != nil {
		return nil, fmt.Errorf("reading Bewerbungen: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ApplicantBewerbung, error) {
		var b ApplicantBewerbung
		err := r.Scan(&b.Key, &b.Art, &b.Studienangebot, &b.StudienangebotName, &b.Bearbeitungsstatus, &b.Aktivitaetsstatus,
			&b.Version, &b.Eingang, &b.LetzteAenderung, &b.Statusanmerkung)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading Bewerbungen: %w", err)
	}
	idx := map[string]int{}
	for i, b := range out {
		idx[b.Key] = i
	}
	rows, err = tx.Query(ctx, `SELECT t.bewerbung_key, t.studiengang_schluessel, coalesce(sg.name_de, ''), t.bearbeitungsstatus, t.ist_hauptfach
		FROM teilfachbewerbung t JOIN bewerbung w USING (bewerbung_key)
		LEFT JOIN studiengang sg ON sg.studiengang_schluessel = t.studiengang_schluessel
		WHERE w.bewerber_id = $1 ORDER BY t.bewerbung_key, t.ist_hauptfach DESC, t.studiengang_schluessel`, id)
	if err != nil {
		return nil, fmt.Errorf("reading Teilfachbewerbungen: %w", err)
	}
	var key string
	var tf ApplicantTeilfach
	if _, err := pgx.ForEachRow(rows, []any{&key, &tf.Studiengang, &tf.Name, &tf.Bearbeitungsstatus, &tf.Hauptfach}, func() error {
		if i, ok := idx[key]; ok {
			out[i].Teilfaecher = append(out[i].Teilfaecher, tf)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("reading Teilfachbewerbungen: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT bewerbung_key, changed_at, coalesce(old_status, ''), new_status, version
		FROM bewerbung_status_change WHERE bewerber_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("reading status history: %w", err)
	}
	var sc StatusChange
	if _, err := pgx.ForEachRow(rows, []any{&key, &sc.At, &sc.OldStatus, &sc.NewStatus, &sc.Version}, func() error {
		if i, ok := idx[key]; ok {
			out[i].History = append(out[i].History, sc)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("reading status history: %w", err)
	}
	return out, nil
}

// ApplicantDokumentGet returns the applicant's document id; ErrNotFound
// when it is not one of theirs.
func (s *Store) ApplicantDokumentGet(ctx context.Context, bewerberID, dokumentID string) (ApplicantDokument, error) {
	var d ApplicantDokument
	err := s.pool.QueryRow(ctx, `SELECT dokument_id, dateiname, mime_type, coalesce(path, ''), coalesce(size, 0), downloaded_at
		FROM dokument WHERE dokument_id = $2 AND (`+dokumenteOf+`)`, bewerberID, dokumentID).
		Scan(&d.DokumentID, &d.Dateiname, &d.MimeType, &d.Path, &d.Size, &d.DownloadedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("document %s of applicant %s: %w", dokumentID, bewerberID, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("reading document %s: %w", dokumentID, err)
	}
	return d, nil
}
