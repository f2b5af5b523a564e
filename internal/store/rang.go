package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
)

// RangStudienpaket is a mirrored Studienpaket with its Bestandteile and
// the Ranglisten the Servicestelle reports for it (Ranglistenstatus).
type RangStudienpaket struct {
	Schluessel   string            `json:"schluessel"`
	NameDe       string            `json:"name_de"`
	Kapazitaet   int               `json:"kapazitaet"`
	Bestandteile []RangBestandteil `json:"bestandteile"`
	Ranglisten   []string          `json:"ranglisten"`
	SeenAt       time.Time         `json:"seen_at"`
}

// RangBestandteil is one Studienangebot of a Studienpaket.
type RangBestandteil struct {
	Studiengang string `json:"studiengang_schluessel"`
	Zaehler     int    `json:"zaehler"`
	Nenner      int    `json:"nenner"`
}

// RangStudienpaketList returns the mirrored Studienpakete by key.
func (s *Store) RangStudienpaketList(ctx context.Context) ([]RangStudienpaket, error) {
	rows, err := s.pool.Query(ctx, `
SELECT p.schluessel, p.name_de, p.kapazitaet, p.seen_at,
    coalesce((SELECT array_agg(b.studiengang_schluessel ORDER BY b.studiengang_schluessel) FROM studienpaket_bestandteil b WHERE b.studienpaket_schluessel = p.schluessel), '{}'),
    coalesce((SELECT array_agg(b.zaehler ORDER BY b.studiengang_schluessel) FROM studienpaket_bestandteil b WHERE b.studienpaket_schluessel = p.schluessel), '{}'),
    coalesce((SELECT array_agg(b.nenner ORDER BY b.studiengang_schluessel) FROM studienpaket_bestandteil b WHERE b.studienpaket_schluessel = p.schluessel), '{}'),
    coalesce((SELECT array_agg(r.ranglisten_schluessel ORDER BY r.ranglisten_schluessel) FROM ranglistenstatus r WHERE r.studienpaket_schluessel = p.schluessel), '{}')
FROM studienpaket p ORDER BY p.schluessel`)
	if err != nil {
		return nil, fmt.Errorf("listing Studienpakete: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RangStudienpaket, error) {
		var p RangStudienpaket
		var sg []string
		var z, n []int32
		if err := r.Scan(&p.Schluessel, &p.NameDe, &p.Kapazitaet, &p.SeenAt, &sg, &z, &n, &p.Ranglisten); err != nil {
			return p, err
		}
		p.Bestandteile = make([]RangBestandteil, len(sg))
		for i := range sg {
			p.Bestandteile[i] = RangBestandteil{Studiengang: sg[i], Zaehler: int(z[i]), Nenner: int(n[i])}
		}
		p.SeenAt = p.SeenAt.UTC()
		return p, nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing Studienpakete: %w", err)
	}
	return out, nil
}

// RangStudienpaketKeys returns which of keys are mirrored Studienpakete.
func (s *Store) RangStudienpaketKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT schluessel FROM studienpaket WHERE schluessel = ANY($1)`, keys)
	if err != nil {
		return nil, fmt.Errorf("looking up Studienpakete: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("looking up Studienpakete: %w", err)
	}
	out := make(map[string]bool, len(found))
	for _, k := range found {
		out[k] = true
	}
	return out, nil
}

// RangStudienpaketAbschluesse returns, for each of keys that is a mirrored
// Studienpaket, the Abschluss keys of its Bestandteile, sorted and
// distinct: the one the Servicestelle sent with the Bestandteil, else its
// Studiengang's. A Bestandteil whose Abschluss is known neither way is
// listed as "". Keys that are not mirrored are absent.
func (s *Store) RangStudienpaketAbschluesse(ctx context.Context, keys []string) (map[string][]string, error) {
	rows, err := s.pool.Query(ctx, `
SELECT p.schluessel, coalesce(array_agg(DISTINCT b.abschluss ORDER BY b.abschluss) FILTER (WHERE b.abschluss IS NOT NULL), '{}')
FROM studienpaket p
LEFT JOIN LATERAL (
    SELECT coalesce(nullif(e -> 'studienangebot' ->> 'abschluss_schluessel', ''), sg.abschluss_schluessel, '') AS abschluss
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p.data -> 'paketbestandteil') = 'array' THEN p.data -> 'paketbestandteil' ELSE '[]'::jsonb END) e
    LEFT JOIN studiengang sg ON sg.studiengang_schluessel = e -> 'studienangebot' ->> 'studiengang_schluessel'
) b ON true
WHERE p.schluessel = ANY($1)
GROUP BY p.schluessel`, keys)
	if err != nil {
		return nil, fmt.Errorf("looking up the Abschlüsse of Studienpakete: %w", err)
	}
	out := map[string][]string{}
	var k string
	var a []string
	_, err = pgx.ForEachRow(rows, []any{&k, &a}, func() error { out[k] = append([]string{}, a...); return nil })
	if err != nil {
		return nil, fmt.Errorf("looking up the Abschlüsse of Studienpakete: %w", err)
	}
	return out, nil
}

// RankingEntryCounts returns how many entries the ranking import holds for
// each of the given Ranglisten; Ranglisten without entries are absent.
func (s *Store) RankingEntryCounts(ctx context.Context, ranglisten []string) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT rangliste, count(*) FROM ranking_entry WHERE rangliste = ANY($1) GROUP BY rangliste`, ranglisten)
	if err != nil {
		return nil, fmt.Errorf("counting ranking entries: %w", err)
	}
	out := map[string]int{}
	var k string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&k, &n}, func() error { out[k] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("counting ranking entries: %w", err)
	}
	return out, nil
}

// RankingEntry is one imported rank. HatBewerbung tells whether the mirror
// holds a Bewerbung of the applicant for a Studienangebot of the
// Rangliste's Studienpaket (an Einfach Bewerbung for a Bestandteil, or a
// Mehrfach Bewerbung with a Teilfachbewerbung for one), in any status.
type RankingEntry struct {
	Rangliste    string
	BewerberID   string
	Rang         int
	HatBewerbung bool
}

// RankingEntryListForUpload returns the entries of the given Ranglisten
// (ranglisten[i] belongs to studienpakete[i]) ordered by Rangliste and
// Rang, each checked against the mirror's Bewerbungen, in one query.
func (s *Store) RankingEntryListForUpload(ctx context.Context, ranglisten, studienpakete []string) ([]RankingEntry, error) {
	if len(ranglisten) != len(studienpakete) {
		return nil, fmt.Errorf("listing ranking entries: %d Ranglisten but %d Studienpakete", len(ranglisten), len(studienpakete))
	}
	rows, err := s.pool.Query(ctx, `
SELECT e.rangliste, e.bewerber_id, e.rang, EXISTS (
    SELECT 1 FROM bewerbung b
    JOIN studienpaket_bestandteil sb ON sb.studienpaket_schluessel = r.studienpaket
    WHERE b.bewerber_id = e.bewerber_id
      AND ((b.art = 'einfach' AND b.studienangebot_schluessel = sb.studiengang_schluessel)
        OR EXISTS (SELECT 1 FROM teilfachbewerbung t
                   WHERE t.bewerbung_key = b.bewerbung_key AND t.studiengang_schluessel = sb.studiengang_schluessel)))
FROM unnest($1::text[], $2::text[]) AS r(rangliste, studienpaket)
JOIN ranking_entry e ON e.rangliste = r.rangliste
ORDER BY e.rangliste, e.rang`, ranglisten, studienpakete)
	if err != nil {
		return nil, fmt.Errorf("listing ranking entries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RankingEntry, error) {
		var e RankingEntry
		err := r.Scan(&e.Rangliste, &e.BewerberID, &e.Rang, &e.HatBewerbung)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing ranking entries: %w", err)
	}
	return out, nil
}

// RangStatus is one row of uni.ranglisten_status.
type RangStatus struct {
	Rangliste             string     `json:"ranglisten_schluessel"`
	Studienpaket          string     `json:"studienpaket_schluessel"`
	StudienpaketName      string     `json:"studienpaket_name"`
	Status                string     `json:"status"`
	Statusanmerkung       string     `json:"statusanmerkung"`
	AnzahlEintraege       int        `json:"anzahl_eintraege"`
	EintraegeImportiert   int        `json:"eintraege_importiert"`
	LetzteAenderung       *time.Time `json:"letzte_aenderung,omitempty"`
	UpdatedAt             time.Time  `json:"updated_at"`
	LetzterUploadAt       *time.Time `json:"letzter_upload_at,omitempty"`
	LetzterUploadErgebnis string     `json:"letzter_upload_ergebnis,omitempty"`
	LetzterUploadGrund    string     `json:"letzter_upload_grund,omitempty"`
}

// RangStatusList returns uni.ranglisten_status ordered by Rangliste.
func (s *Store) RangStatusList(ctx context.Context) ([]RangStatus, error) {
	rows, err := s.pool.Query(ctx, `
SELECT ranglisten_schluessel, studienpaket_schluessel, studienpaket_name, status, statusanmerkung, anzahl_eintraege,
    eintraege_importiert, letzte_aenderung, updated_at, letzter_upload_at, letzter_upload_ergebnis, letzter_upload_grund
FROM uni.ranglisten_status ORDER BY ranglisten_schluessel`)
	if err != nil {
		return nil, fmt.Errorf("listing Ranglisten status: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RangStatus, error) {
		var x RangStatus
		err := r.Scan(&x.Rangliste, &x.Studienpaket, &x.StudienpaketName, &x.Status, &x.Statusanmerkung, &x.AnzahlEintraege,
			&x.EintraegeImportiert, &x.LetzteAenderung, &x.UpdatedAt, &x.LetzterUploadAt, &x.LetzterUploadErgebnis, &x.LetzterUploadGrund)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing Ranglisten status: %w", err)
	}
	return out, nil
}

// lockKey is the advisory-lock key of a TryLock name.
func lockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("sestd:" + name))
	return int64(h.Sum64())
}

// RanglisteLockName is the TryLock name that guards uploads to one
// Rangliste.
func RanglisteLockName(key string) string { return "rangliste:" + key }

// RanglisteTryLock takes the upload locks of all the given Ranglisten
// (RanglisteLockName, compatible with TryLock) on one connection, all or
// none. It reports false when any is held by another session; the
// returned unlock releases them and must be called.
func (s *Store) RanglisteTryLock(ctx context.Context, ranglisten []string) (unlock func(), ok bool, err error) {
	keys := make([]int64, len(ranglisten))
	for i, r := range ranglisten {
		keys[i] = lockKey(RanglisteLockName(r))
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("acquiring connection for Ranglisten locks: %w", err)
	}
	release := func(held []int64) {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if len(held) > 0 {
			if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock(k) FROM unnest($1::bigint[]) AS k`, held); err != nil {
				_ = conn.Conn().Close(uctx) // ending the session releases the locks
			}
		}
		conn.Release()
	}
	// On an error some locks may be held unseen: end the session.
	abandon := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Conn().Close(cctx)
		conn.Release()
	}
	rows, err := conn.Query(ctx, `SELECT k, pg_try_advisory_lock(k) FROM unnest($1::bigint[]) WITH ORDINALITY AS u(k, i) ORDER BY i`, keys)
	if err != nil {
		abandon()
		return nil, false, fmt.Errorf("taking Ranglisten locks: %w", err)
	}
	var held []int64
	all := true
	var k int64
	var got bool
	if _, err := pgx.ForEachRow(rows, []any{&k, &got}, func() error {
		if got {
			held = append(held, k)
		} else {
			all = false
		}
		return nil
	}); err != nil {
		abandon()
		return nil, false, fmt.Errorf("taking Ranglisten locks: %w", err)
	}
	if !all {
		release(held)
		return nil, false, nil
	}
	return func() { release(held) }, true, nil
}
