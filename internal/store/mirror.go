package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"sestd/internal/sestmodel"
)

// Counts says what an upsert did to a package.
type Counts struct {
	Created   int
	Updated   int
	Unchanged int
	// Filtered counts items left out by a filter (not written).
	Filtered int
	// Forbidden lists the status changes of the package that the
	// Bearbeitungsstatus table does not allow the Servicestelle (see
	// Step.ForbiddenTransition); they are among Updated.
	Forbidden []ForbiddenTransition
	// Removed lists the keys a complete replace removed (no longer
	// offered: StudienangebotReplaceAll).
	Removed []string
}

// Add sums counts.
func (c *Counts) Add(o Counts) {
	c.Created += o.Created
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
	c.Filtered += o.Filtered
	c.Forbidden = append(c.Forbidden, o.Forbidden...)
}

// Step ties a package to a run of a delta stream: the package's rows and
// the run's progress commit in one transaction, and the package that
// completes the run moves the stream's cursor to the run's watermark. A
// zero Step applies the package without run bookkeeping.
type Step struct {
	Stream string
	Items  int // references this package covers, added to the progress
	// Done, when set, replaces Items for packages that commit out of
	// order: called in the package's transaction just before it commits,
	// it returns how many references from the run's start are committed
	// once this package is (the progress only grows), or 0 when an
	// earlier package is still being written.
	Done func() int
	// ForbiddenTransition, when set, judges every change of a mirrored
	// Bewerbung's Bearbeitungsstatus the package makes: a non-empty reason
	// records the change in bewerbung_status_forbidden, in the package's
	// transaction (see BewerbungUpsertBatch). The change is mirrored all
	// the same: the mirror is a copy.
	ForbiddenTransition func(from, to string) string
}

func nullTime(t sestmodel.Timestamp) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func nullStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// inTx runs fn in a transaction and, for a Step, advances its run.
//
// Streams are written side by side and touch the same applicants, so a
// package may meet another in a deadlock; PostgreSQL then aborts one of
// them, which is tried again (a few times) instead of failing the job.
//
// A package of a run commits without waiting for the WAL's flush
// (synchronous_commit off, set with BEGIN: no extra round trip). A kill -9
// of the daemon loses nothing by it: PostgreSQL keeps what it
// acknowledged. A crash of PostgreSQL or the machine may lose the last
// packages' commits (a few hundred milliseconds' worth): each takes its
// rows and the run's progress (advanceRun, same transaction) with it, so
// the mirror is left at an earlier consistent point and the run fetches
// those packages again. Nothing committed synchronously can depend on a
// lost package: its commit flushes the WAL up to it, earlier asynchronous
// commits included.
func (s *Store) inTx(ctx context.Context, step Step, fn func(pgx.Tx) error) error {
	var opts pgx.TxOptions
	if step.Stream != "" {
		opts.BeginQuery = "BEGIN; SET LOCAL synchronous_commit = off"
	}
	for attempt := 1; ; attempt++ {
		err := pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			if step.Stream == "" {
				return nil
			}
			return advanceRun(ctx, tx, step)
		})
		var pgErr *pgconn.PgError
		if attempt < 4 && errors.As(err, &pgErr) && (pgErr.Code == pgerrcode.DeadlockDetected || pgErr.Code == pgerrcode.SerializationFailure) {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(attempt*attempt*20) * time.Millisecond):
			}
			continue
		}
		return err
	}
}

// countUpserts reads the keys and `inserted` booleans of an upsert's
// RETURNING: the written keys, and those of them that replaced a row.
func countUpserts(rows pgx.Rows, total int) (c Counts, changed, replaced []string, err error) {
	for rows.Next() {
		var key string
		var inserted bool
		if err := rows.Scan(&key, &inserted); err != nil {
			return c, nil, nil, err
		}
		changed = append(changed, key)
		if inserted {
			c.Created++
		} else {
			c.Updated++
			replaced = append(replaced, key)
		}
	}
	if err := rows.Err(); err != nil {
		return c, nil, nil, err
	}
	c.Unchanged = total - c.Created - c.Updated
	return c, changed, replaced, nil
}

// The subject tombstones (see SubjectErase and migration 0220) are kept
// set-based, once per package: liftTombstones ($1 the package's
// applicants, $2 their rows' letzte_aenderung) deletes the tombstones of
// applicants that a row changed after the erasure, and the writes then
// skip the rows of applicants whose tombstone stands (notErased, on a row
// source named u with a bewerber_id column). Each writing statement takes
// its table lock before its snapshot, and an erasure locks the tables
// before it writes its tombstones: a write either precedes the erasure
// or sees its tombstone.
const (
	liftTombstones = `DELETE FROM subject_tombstone t USING unnest($1::text[], $2::timestamptz[]) AS p(id, la)
WHERE t.bewerber_id = p.id AND p.la > t.letzte_aenderung`
	notErased = `NOT EXISTS (SELECT FROM subject_tombstone t WHERE t.bewerber_id = u.bewerber_id)`
)

// BewerbungPackage is a package of Bewerbungen prepared for writing: each
// item's JSON and its SHA-256, the column arrays of the upsert and the
// child rows of every item. Preparing needs no database, so a delta run
// prepares the next package while the current one is written. A package is
// not changed by writing it: a write that is tried again (see inTx) uses
// it as it was.
type BewerbungPackage struct {
	rows     bewerbungRows
	children bewerbungChildren
	item     map[string]int // each key's position in the package
}

// Len returns the number of Bewerbungen in the package.
func (p *BewerbungPackage) Len() int { return len(p.rows.key) }

// PrepareBewerbungen encodes a package of Bewerbungen for
// WriteBewerbungen.
func PrepareBewerbungen(items []sestmodel.Bewerbung) (*BewerbungPackage, error) {
	p := &BewerbungPackage{rows: newBewerbungRows(len(items)), item: make(map[string]int, len(items))}
	for i, b := range items {
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encoding Bewerbung %s: %w", b.Key(), err)
		}
		if err := p.rows.add(b, raw); err != nil {
			return nil, err
		}
		key := p.rows.key[i]
		p.children.add(i, key, b)
		p.item[key] = i
	}
	return p, nil
}

// BewerbungUpsertBatch writes a package of Bewerbungen (and a stub for each
// applicant not mirrored yet) in one transaction. A Bewerbung whose version
// is older than the stored one never overwrites it. It is PrepareBewerbungen
// and WriteBewerbungen in one.
func (s *Store) BewerbungUpsertBatch(ctx context.Context, items []sestmodel.Bewerbung, step Step) (Counts, error) {
	p, err := PrepareBewerbungen(items)
	if err != nil {
		return Counts{}, err
	}
	return s.WriteBewerbungen(ctx, p, step)
}

// WriteBewerbungen writes a prepared package of Bewerbungen (see
// BewerbungUpsertBatch) in one transaction.
func (s *Store) WriteBewerbungen(ctx context.Context, p *BewerbungPackage, step Step) (Counts, error) {
	n := p.Len()
	rows := &p.rows
	cols := rows.columns()
	var counts Counts
	err := s.inTx(ctx, step, func(tx pgx.Tx) error {
		// One round trip for the applicant stubs and the upsert, one for
		// the child rows and the seen marks (under load, every round trip
		// waits for the database's turn on a CPU).
		var b pgx.Batch
		b.Queue(liftTombstones, rows.bewerberID, rows.letzteAenderung)
		// Locks are taken in bewerber_id order, as WriteBewerber does.
		b.Queue(`INSERT INTO bewerber (bewerber_id, complete)
			SELECT DISTINCT bewerber_id, false FROM unnest($1::text[]) AS u(bewerber_id) WHERE `+notErased+`
			ORDER BY bewerber_id ON CONFLICT DO NOTHING`, rows.bewerberID)
		b.Queue(`
INSERT INTO bewerbung AS b (`+cols.names()+`)
SELECT * FROM `+cols.unnest()+` AS u(`+cols.names()+`) WHERE `+notErased+`
ON CONFLICT (bewerbung_key) DO UPDATE SET `+cols.assign("bewerbung_key")+`, updated_at = now(), seen_at = now()
WHERE b.version <= excluded.version AND b.data_sha IS DISTINCT FROM excluded.data_sha
RETURNING bewerbung_key, (xmax = 0)`, cols.args()...)
		br := tx.SendBatch(ctx, &b)
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("lifting tombstones: %w", err)
		}
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("adding applicant stubs: %w", err)
		}
		res, err := br.Query()
		if err != nil {
			_ = br.Close()
			return fmt.Errorf("upserting Bewerbungen: %w", err)
		}
		var changed, replaced []string
		counts, changed, replaced, err = countUpserts(res, n)
		if cerr := br.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("upserting Bewerbungen: %w", err)
		}
		if step.ForbiddenTransition != nil && len(replaced) > 0 {
			if counts.Forbidden, err = recordForbiddenTransitions(ctx, tx, replaced, step.ForbiddenTransition); err != nil {
				return err
			}
		}
		var rest execBatch
		queueBewerbungChildren(&rest, p.childrenOf(changed), replaced)
		// Written rows carry seen_at already; only the unchanged need it.
		if unchanged := without(rows.key, changed); len(unchanged) > 0 {
			rest.queue("marking Bewerbungen seen", `UPDATE bewerbung SET seen_at = now() WHERE bewerbung_key = ANY($1)`, unchanged)
		}
		return rest.send(ctx, tx)
	})
	return counts, err
}

// childrenOf returns the child rows of the package's items with the given
// keys.
func (p *BewerbungPackage) childrenOf(keys []string) *bewerbungChildren {
	if len(keys) == p.Len() {
		return &p.children
	}
	keep := make([]bool, p.Len())
	for _, k := range keys {
		keep[p.item[k]] = true
	}
	return p.children.only(keep)
}

// execBatch queues statements that answer nothing but success, to send
// them in one round trip.
type execBatch struct {
	b     pgx.Batch
	whats []string
}

// queue adds a statement; what names it in an error.
func (e *execBatch) queue(what, sql string, args ...any) {
	e.b.Queue(sql, args...)
	e.whats = append(e.whats, what)
}

// send runs the queued statements in order; the first failure ends it.
func (e *execBatch) send(ctx context.Context, tx pgx.Tx) error {
	if e.b.Len() == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, &e.b)
	for _, what := range e.whats {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return br.Close()
}

// queueBewerbungChildren queues the writes of the Teilfach-, Bestandteil-
// and Bescheid rows of the changed Bewerbungen (replacing those of the
// replaced ones), adding their Dokument references first.
func queueBewerbungChildren(e *execBatch, c *bewerbungChildren, replaced []string) {
	if len(replaced) > 0 {
		for _, table := range []string{"teilfachbewerbung", "bewerbungsbestandteil", "bescheid"} {
			e.queue("clearing "+table, `DELETE FROM `+table+` WHERE bewerbung_key = ANY($1)`, replaced)
		}
	}
	if len(c.dok.id) > 0 {
		e.queue("upserting Dokument references", `
INSERT INTO dokument (dokument_id, bewerber_id, dateiname, mime_type)
SELECT DISTINCT ON (id) id, bid, name, mime FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(id, bid, name, mime)
ON CONFLICT (dokument_id) DO UPDATE SET bewerber_id = excluded.bewerber_id, dateiname = excluded.dateiname,
    mime_type = excluded.mime_type, seen_at = now()`, c.dok.id, c.dok.bewerber, c.dok.name, c.dok.mime)
	}
	if len(c.tf.key) > 0 {
		e.queue("writing Teilfachbewerbungen", `INSERT INTO teilfachbewerbung (bewerbung_key, studiengang_schluessel, bearbeitungsstatus, version, ist_hauptfach)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bool[]) ON CONFLICT DO NOTHING`,
			c.tf.key, c.tf.studiengang, c.tf.status, c.tf.version, c.tf.haupt)
	}
	if len(c.bt.key) > 0 {
		e.queue("writing Bewerbungsbestandteile", `INSERT INTO bewerbungsbestandteil (bewerbung_key, position, feldangabe_schluessel, wert, dokument_id)
SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[])`,
			c.bt.key, c.bt.pos, c.bt.feld, c.bt.wert, c.bt.dok)
	}
	if len(c.bs.key) > 0 {
		e.queue("writing Bescheide", `INSERT INTO bescheid (bewerbung_key, position, bescheidart, erstellt_am, dokument_id)
SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::text[])`,
			c.bs.key, c.bs.pos, c.bs.art, c.bs.am, c.bs.dok)
	}
}

// BewerberPackage is a package of applicants prepared for writing, in
// bewerber_id order: each item's JSON and its SHA-256 and the column
// arrays of the upsert (see BewerbungPackage).
type BewerberPackage struct {
	rows bewerberRows
}

// Len returns the number of applicants in the package.
func (p *BewerberPackage) Len() int { return len(p.rows.id) }

// PrepareBewerber encodes a package of applicants for WriteBewerber.
func PrepareBewerber(items []sestmodel.Bewerber) (*BewerberPackage, error) {
	// In bewerber_id order, so that concurrent packages lock rows in one
	// order (see inTx).
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(items[a].ID, items[b].ID) })
	p := &BewerberPackage{rows: newBewerberRows(len(items))}
	for _, i := range order {
		b := &items[i]
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encoding Bewerber %s: %w", b.ID, err)
		}
		p.rows.add(b, raw)
	}
	return p, nil
}

// BewerberUpsertBatch writes a package of applicants in one transaction.
// Stammdaten older than the stored ones (by letzteAenderung) are skipped.
// It is PrepareBewerber and WriteBewerber in one.
func (s *Store) BewerberUpsertBatch(ctx context.Context, items []sestmodel.Bewerber, step Step) (Counts, error) {
	p, err := PrepareBewerber(items)
	if err != nil {
		return Counts{}, err
	}
	return s.WriteBewerber(ctx, p, step)
}

// WriteBewerber writes a prepared package of applicants (see
// BewerberUpsertBatch) in one transaction: one round trip for the Länder,
// the tombstones and the upsert, and one more only when some applicants
// were unchanged, for their seen marks.
func (s *Store) WriteBewerber(ctx context.Context, p *BewerberPackage, step Step) (Counts, error) {
	n := p.Len()
	rows := &p.rows
	cols := rows.columns()
	var counts Counts
	err := s.inTx(ctx, step, func(tx pgx.Tx) error {
		var first execBatch
		if len(rows.landKeys) > 0 {
			first.queue("upserting land keys", upsertKeyTableSQL("land"), rows.landKeys, rows.landNames)
		}
		first.queue("lifting tombstones", liftTombstones, rows.id, rows.letzteAenderung)
		// The console's search rows of the stubs this upsert completes are
		// written here, set-based; the bewerber_search_sync row trigger
		// leaves them out (migration 0252). Which updated rows were stubs
		// cannot be read here: the statement's parts share one snapshot,
		// and a stub inserted by a concurrent package after it was taken
		// is updated but invisible to it. So every updated applicant's
		// search row is written when it differs (for one that was complete
		// already the row trigger writes the same values, when its names
		// changed).
		first.b.Queue(`
WITH up AS (
    INSERT INTO bewerber AS b (`+cols.names()+`)
    SELECT * FROM `+cols.unnest()+` AS u(`+cols.names()+`) WHERE `+notErased+`
    ON CONFLICT (bewerber_id) DO UPDATE SET `+cols.assign("bewerber_id")+`, updated_at = now(), seen_at = now()
    WHERE (NOT b.complete OR b.data_sha IS DISTINCT FROM excluded.data_sha)
      AND (b.letzte_aenderung IS NULL OR excluded.letzte_aenderung IS NULL OR b.letzte_aenderung <= excluded.letzte_aenderung)
    RETURNING b.bewerber_id, b.vorname, b.nachname, b.geburtsname, b.email_adresse, (xmax = 0) AS created
), search_rows AS (
    INSERT INTO bewerber_search (bewerber_id, sort_key, names, email)
    SELECT up.bewerber_id, f.sort_key, f.names, lower(up.email_adresse)
    FROM up, sestd_search_names(up.vorname, up.nachname, up.geburtsname) f
    WHERE NOT up.created
    ORDER BY up.bewerber_id
    ON CONFLICT (bewerber_id) DO UPDATE SET sort_key = excluded.sort_key, names = excluded.names, email = excluded.email
    WHERE (bewerber_search.sort_key, bewerber_search.names, bewerber_search.email) IS DISTINCT FROM
          (excluded.sort_key, excluded.names, excluded.email)
)
SELECT bewerber_id, created FROM up`, cols.args()...)
		br := tx.SendBatch(ctx, &first.b)
		for _, what := range first.whats {
			if _, err := br.Exec(); err != nil {
				_ = br.Close()
				return fmt.Errorf("%s: %w", what, err)
			}
		}
		res, err := br.Query()
		if err != nil {
			_ = br.Close()
			return fmt.Errorf("upserting Bewerber: %w", err)
		}
		var changed []string
		counts, changed, _, err = countUpserts(res, n)
		if cerr := br.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("upserting Bewerber: %w", err)
		}
		if unchanged := without(rows.id, changed); len(unchanged) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE bewerber SET seen_at = now() WHERE bewerber_id = ANY($1)`, unchanged); err != nil {
				return fmt.Errorf("marking Bewerber seen: %w", err)
			}
		}
		return nil
	})
	return counts, err
}

// sha is the SHA-256 of an item's JSON, which tells changed from unchanged.
func sha(raw []byte) []byte {
	sum := sha256.Sum256(raw)
	return sum[:]
}

// without returns the keys not in drop.
func without(keys, drop []string) []string {
	if len(drop) == 0 {
		return keys
	}
	gone := make(map[string]bool, len(drop))
	for _, k := range drop {
		gone[k] = true
	}
	out := make([]string, 0, len(keys)-len(drop))
	for _, k := range keys {
		if !gone[k] {
			out = append(out, k)
		}
	}
	return out
}

// upsertKeyTable adds key/name pairs to one of the key tables.
func upsertKeyTable(ctx context.Context, tx pgx.Tx, table string, keys, names []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, upsertKeyTableSQL(table), keys, names); err != nil {
		return fmt.Errorf("upserting %s keys: %w", table, err)
	}
	return nil
}

// upsertKeyTableSQL is upsertKeyTable's statement: $1 the keys, $2 their
// names.
func upsertKeyTableSQL(table string) string {
	return `INSERT INTO ` + table + ` (schluessel, name_de)
SELECT DISTINCT ON (k) k, n FROM unnest($1::text[], $2::text[]) AS u(k, n)
ON CONFLICT (schluessel) DO UPDATE SET name_de = excluded.name_de WHERE ` + table + `.name_de IS DISTINCT FROM excluded.name_de`
}

// StudienangebotReplaceAll writes the whole list of Studienangebote; when
// complete (the download was not filtered), offers missing from it are
// removed.
func (s *Store) StudienangebotReplaceAll(ctx context.Context, items []sestmodel.Studienangebot, complete bool) (Counts, error) {
	var (
		abKeys, abNames, sfKeys, sfNames, fkKeys, fkNames []string
		sgKey, sgName, sgAb, sgSf                         []string
		sgFk                                              []*string
		sgNC                                              []bool
		saKey, saArt, saStatus, saName                    []string
		saSg, saAb                                        []*string
		saAnfang, saEnde                                  []*time.Time
		saData                                            [][]byte
		tfMehrfach, tfTeil                                []string
	)
	for _, a := range items {
		raw, err := json.Marshal(a)
		if err != nil {
			return Counts{}, fmt.Errorf("encoding Studienangebot %s: %w", a.Key(), err)
		}
		saKey, saData = append(saKey, a.Key()), append(saData, raw)
		var k *sestmodel.Koordinierungsangebotsdaten
		switch {
		case a.Einfach != nil:
			e := a.Einfach
			sg := e.Studiengang
			abKeys, abNames = append(abKeys, sg.Abschluss.Schluessel), append(abNames, sg.Abschluss.NameDe)
			sfKeys, sfNames = append(sfKeys, sg.Studienfach.Schluessel), append(sfNames, sg.Studienfach.NameDe)
			var fk *string
			if sg.Fachkennzeichen != nil && sg.Fachkennzeichen.Schluessel != "" {
				fkKeys, fkNames = append(fkKeys, sg.Fachkennzeichen.Schluessel), append(fkNames, sg.Fachkennzeichen.NameDe)
				fk = &sg.Fachkennzeichen.Schluessel
			}
			key := e.Schluessel.StudiengangSchluessel
			sgKey, sgName, sgAb, sgSf, sgFk, sgNC = append(sgKey, key), append(sgName, sg.NameDe), append(sgAb, sg.Abschluss.Schluessel), append(sgSf, sg.Studienfach.Schluessel), append(sgFk, fk), append(sgNC, sg.IstNCStudiengang)
			saArt, saStatus, saName = append(saArt, "einfach"), append(saStatus, e.Status), append(saName, e.NameDe)
			saSg, saAb = append(saSg, &key), append(saAb, &sg.Abschluss.Schluessel)
			k = e.Koordinierungsangebotsdaten
		case a.Mehrfach != nil:
			m := a.Mehrfach
			abKeys, abNames = append(abKeys, m.Abschluss.Schluessel), append(abNames, m.Abschluss.NameDe)
			saArt, saStatus, saName = append(saArt, "mehrfach"), append(saStatus, m.Status), append(saName, m.NameDe)
			saSg, saAb = append(saSg, nil), append(saAb, &m.Abschluss.Schluessel)
			for _, t := range m.Teilstudienangebot {
				tfMehrfach, tfTeil = append(tfMehrfach, a.Key()), append(tfTeil, t.StudiengangSchluessel)
			}
			k = m.Koordinierungsangebotsdaten
		default:
			return Counts{}, errors.New("a Studienangebot is neither Einfach nor Mehrfach")
		}
		if k != nil {
			saAnfang, saEnde = append(saAnfang, nullTime(k.AnfangBewerbungsfrist)), append(saEnde, nullTime(k.EndeBewerbungsfrist))
		} else {
			saAnfang, saEnde = append(saAnfang, nil), append(saEnde, nil)
		}
	}
	var counts Counts
	err := s.inTx(ctx, Step{}, func(tx pgx.Tx) error {
		for _, kt := range []struct {
			table       string
			keys, names []string
		}{{"abschluss", abKeys, abNames}, {"studienfach", sfKeys, sfNames}, {"fachkennzeichen", fkKeys, fkNames}} {
			if err := upsertKeyTable(ctx, tx, kt.table, kt.keys, kt.names); err != nil {
				return err
			}
		}
		if len(sgKey) > 0 {
			if _, err := tx.Exec(ctx, `
INSERT INTO studiengang (studiengang_schluessel, name_de, abschluss_schluessel, studienfach_schluessel, fachkennzeichen_schluessel, ist_nc)
SELECT DISTINCT ON (k) * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[]) AS u(k, n, a, f, fk, nc)
ON CONFLICT (studiengang_schluessel) DO UPDATE SET name_de = excluded.name_de, abschluss_schluessel = excluded.abschluss_schluessel,
    studienfach_schluessel = excluded.studienfach_schluessel, fachkennzeichen_schluessel = excluded.fachkennzeichen_schluessel,
    ist_nc = excluded.ist_nc, seen_at = now()`, sgKey, sgName, sgAb, sgSf, sgFk, sgNC); err != nil {
				return fmt.Errorf("upserting Studiengänge: %w", err)
			}
		}
		rows, err := tx.Query(ctx, `
INSERT INTO studienangebot AS s (schluessel, art, studiengang_schluessel, abschluss_schluessel, status, name_de,
    anfang_bewerbungsfrist, ende_bewerbungsfrist, data)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::jsonb[])
ON CONFLICT (schluessel) DO UPDATE SET art = excluded.art, studiengang_schluessel = excluded.studiengang_schluessel,
    abschluss_schluessel = excluded.abschluss_schluessel, status = excluded.status, name_de = excluded.name_de,
    anfang_bewerbungsfrist = excluded.anfang_bewerbungsfrist, ende_bewerbungsfrist = excluded.ende_bewerbungsfrist,
    data = excluded.data, updated_at = now()
WHERE s.data IS DISTINCT FROM excluded.data
RETURNING schluessel, (xmax = 0)`, saKey, saArt, saSg, saAb, saStatus, saName, saAnfang, saEnde, saData)
		if err != nil {
			return fmt.Errorf("upserting Studienangebote: %w", err)
		}
		if counts, _, _, err = countUpserts(rows, len(saKey)); err != nil {
			return fmt.Errorf("upserting Studienangebote: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE studienangebot SET seen_at = now() WHERE schluessel = ANY($1)`, saKey); err != nil {
			return fmt.Errorf("marking Studienangebote seen: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM studienangebot_teilfach WHERE mehrfach_schluessel = ANY($1)`, saKey); err != nil {
			return fmt.Errorf("clearing Teilfächer: %w", err)
		}
		if len(tfMehrfach) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO studienangebot_teilfach SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`, tfMehrfach, tfTeil); err != nil {
				return fmt.Errorf("writing Teilfächer: %w", err)
			}
		}
		if complete {
			// now() is the transaction's start: rows this download touched
			// carry it, the rest were not offered any more.
			rows, err := tx.Query(ctx, `DELETE FROM studienangebot WHERE seen_at < now() RETURNING schluessel`)
			if err != nil {
				return fmt.Errorf("removing Studienangebote no longer offered: %w", err)
			}
			if counts.Removed, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
				return fmt.Errorf("removing Studienangebote no longer offered: %w", err)
			}
		}
		return nil
	})
	return counts, err
}

// StudienpaketReplaceAll writes the whole list of Studienpakete.
func (s *Store) StudienpaketReplaceAll(ctx context.Context, items []sestmodel.Studienpaket) (Counts, error) {
	var keys, names, bPaket, bSg []string
	var kap, bZ, bN []int32
	var data [][]byte
	for _, p := range items {
		raw, _ := json.Marshal(p) // strings and ints only: cannot fail (errchkjson checks this stays so)
		keys, names, kap, data = append(keys, p.Schluessel), append(names, p.NameDe), append(kap, int32(p.Kapazitaet)), append(data, raw)
		for _, b := range p.Paketbestandteil {
			bPaket, bSg = append(bPaket, p.Schluessel), append(bSg, b.Studienangebot.StudiengangSchluessel)
			bZ, bN = append(bZ, int32(b.Bewerberplatzbedarf.Zaehler)), append(bN, int32(b.Bewerberplatzbedarf.Nenner))
		}
	}
	var counts Counts
	err := s.inTx(ctx, Step{}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
INSERT INTO studienpaket AS p (schluessel, name_de, kapazitaet, data)
SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[])
ON CONFLICT (schluessel) DO UPDATE SET name_de = excluded.name_de, kapazitaet = excluded.kapazitaet,
    data = excluded.data, updated_at = now()
WHERE p.data IS DISTINCT FROM excluded.data
RETURNING schluessel, (xmax = 0)`, keys, names, kap, data)
		if err != nil {
			return fmt.Errorf("upserting Studienpakete: %w", err)
		}
		if counts, _, _, err = countUpserts(rows, len(keys)); err != nil {
			return fmt.Errorf("upserting Studienpakete: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE studienpaket SET seen_at = now() WHERE schluessel = ANY($1)`, keys); err != nil {
			return fmt.Errorf("marking Studienpakete seen: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM studienpaket_bestandteil WHERE studienpaket_schluessel = ANY($1)`, keys); err != nil {
			return fmt.Errorf("clearing Paketbestandteile: %w", err)
		}
		if len(bPaket) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO studienpaket_bestandteil SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) ON CONFLICT DO NOTHING`,
				bPaket, bSg, bZ, bN); err != nil {
				return fmt.Errorf("writing Paketbestandteile: %w", err)
			}
		}
		return nil
	})
	return counts, err
}

// RanglistenstatusUpsertBatch writes a package of Ranglistenstatus.
func (s *Store) RanglistenstatusUpsertBatch(ctx context.Context, items []sestmodel.Ranglistenstatus, step Step) (Counts, error) {
	n := len(items)
	var rows ranglistenstatusRows
	for _, r := range items {
		raw, err := json.Marshal(r)
		if err != nil {
			return Counts{}, fmt.Errorf("encoding Ranglistenstatus %s: %w", r.RanglistenSchluessel, err)
		}
		rows.add(r, raw)
	}
	cols := rows.columns()
	var counts Counts
	err := s.inTx(ctx, step, func(tx pgx.Tx) error {
		res, err := tx.Query(ctx, `
INSERT INTO ranglistenstatus AS r (`+cols.names()+`)
SELECT * FROM `+cols.unnest()+`
ON CONFLICT (ranglisten_schluessel) DO UPDATE SET `+cols.assign("ranglisten_schluessel")+`, updated_at = now(), seen_at = now()
WHERE r.data IS DISTINCT FROM excluded.data
  AND (r.letzte_aenderung IS NULL OR excluded.letzte_aenderung IS NULL OR r.letzte_aenderung <= excluded.letzte_aenderung)
RETURNING ranglisten_schluessel, (xmax = 0)`, cols.args()...)
		if err != nil {
			return fmt.Errorf("upserting Ranglistenstatus: %w", err)
		}
		if counts, _, _, err = countUpserts(res, n); err != nil {
			return fmt.Errorf("upserting Ranglistenstatus: %w", err)
		}
		return nil
	})
	return counts, err
}
