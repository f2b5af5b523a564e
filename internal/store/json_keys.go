package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"

	"github.com/jackc/pgx/v5"

	"sestd/internal/sestmodel"
)

// The stored JSON of the Servicestelle's types had the Go field names as
// keys until the types declared snake_case keys (package sestmodel, "Stored
// JSON"). The data step jsonKeysStep converts what an earlier version
// stored: every row of the tables in jsonKeysTables, in batches that
// commit one by one, so that a crash loses no work and the step, run again
// from the start, skips what it already converted.

// legacyJSONKeys maps every key of the stored JSON before the change to
// its snake_case key. It describes data that earlier versions wrote and
// never changes (a later rename needs a table of its own). A key means the
// same field wherever it occurs, so keys are renamed at every depth
// without knowing the path; all old keys start with a capital letter and
// no new one does, so renaming twice changes nothing.
var legacyJSONKeys = map[string]string{
	"Abarbeitungsposition":               "abarbeitungsposition",
	"Abschluss":                          "abschluss",
	"AbschlussSchluessel":                "abschluss_schluessel",
	"Aktivitaetsstatus":                  "aktivitaetsstatus",
	"AnfangBewerbungsfrist":              "anfang_bewerbungsfrist",
	"Anrede":                             "anrede",
	"AnzahlEintraege":                    "anzahl_eintraege",
	"Art":                                "art",
	"Bearbeitungsstatus":                 "bearbeitungsstatus",
	"Bescheid":                           "bescheid",
	"Bescheidart":                        "bescheidart",
	"BeschreibungDe":                     "beschreibung_de",
	"Bestandteil":                        "bestandteil",
	"BewerberBAN":                        "bewerber_ban",
	"BewerberEmailAdresse":               "bewerber_email_adresse",
	"BewerberID":                         "bewerber_id",
	"Bewerberplatzbedarf":                "bewerberplatzbedarf",
	"Binnenquotenkennung":                "binnenquotenkennung",
	"Binnenquotenklausel":                "binnenquotenklausel",
	"CareOf":                             "care_of",
	"Code":                               "code",
	"Dateiendung":                        "dateiendung",
	"Dateiname":                          "dateiname",
	"Dokument":                           "dokument",
	"DokumentID":                         "dokument_id",
	"Ebene":                              "ebene",
	"Einfach":                            "einfach",
	"EingangsZeitpunkt":                  "eingangs_zeitpunkt",
	"Eintrag":                            "eintrag",
	"EmailAdresse":                       "email_adresse",
	"EndeBewerbungsfrist":                "ende_bewerbungsfrist",
	"ErgebnisStatus":                     "ergebnis_status",
	"ErsatzfachSchluessel":               "ersatzfach_schluessel",
	"ErstelltAm":                         "erstellt_am",
	"Fachkennzeichen":                    "fachkennzeichen",
	"FachkennzeichenSchluessel":          "fachkennzeichen_schluessel",
	"FeldangabeSchluessel":               "feldangabe_schluessel",
	"Geburtsdatum":                       "geburtsdatum",
	"Geburtsname":                        "geburtsname",
	"Geburtsort":                         "geburtsort",
	"Grenzkapazitaet":                    "grenzkapazitaet",
	"GrundZurueckweisung":                "grund_zurueckweisung",
	"HatVerfahrensrichtlinienZugestimmt": "hat_verfahrensrichtlinien_zugestimmt",
	"HauptfachSchluessel":                "hauptfach_schluessel",
	"Hochschulnummer":                    "hochschulnummer",
	"ID":                                 "id",
	"Inhalt":                             "inhalt",
	"Integrationseinstellungen":          "integrationseinstellungen",
	"IstBinnenquotendachrangliste":       "ist_binnenquotendachrangliste",
	"IstChancenrangliste":                "ist_chancenrangliste",
	"IstErsatzfachAkzeptabel":            "ist_ersatzfach_akzeptabel",
	"IstFachwechsel":                     "ist_fachwechsel",
	"IstNCStudiengang":                   "ist_nc_studiengang",
	"IstVorwegzulasserrangliste":         "ist_vorwegzulasserrangliste",
	"Jahr":                               "jahr",
	"Kapazitaet":                         "kapazitaet",
	"Key":                                "key",
	"Klauseln":                           "klauseln",
	"Kombination":                        "kombination",
	"Koordinierungsangebotsdaten":        "koordinierungsangebotsdaten",
	"Kopfdaten":                          "kopfdaten",
	"Land":                               "land",
	"LetzteAenderung":                    "letzte_aenderung",
	"Limitierungsklausel":                "limitierungsklausel",
	"Mehrfach":                           "mehrfach",
	"MimeType":                           "mime_type",
	"Mindestplatzklausel":                "mindestplatzklausel",
	"Mobilnummer":                        "mobilnummer",
	"Nachname":                           "nachname",
	"NameDe":                             "name_de",
	"NameEn":                             "name_en",
	"Nenner":                             "nenner",
	"Nichtauffuellklausel":               "nichtauffuellklausel",
	"Ort":                                "ort",
	"OrtDesEingangs":                     "ort_des_eingangs",
	"Paketbestandteil":                   "paketbestandteil",
	"Papierantragstatus":                 "papierantragstatus",
	"PlaetzeAbsolut":                     "plaetze_absolut",
	"PlaetzeProzentual":                  "plaetze_prozentual",
	"PlatzuebergabeEbene":                "platzuebergabe_ebene",
	"PlatzuebergabeRanglistentyp":        "platzuebergabe_ranglistentyp",
	"Plz":                                "plz",
	"Postanschrift":                      "postanschrift",
	"Rang":                               "rang",
	"RanglistenSchluessel":               "ranglisten_schluessel",
	"Region":                             "region",
	"Schluessel":                         "schluessel",
	"Semester":                           "semester",
	"Serviceverfahren":                   "serviceverfahren",
	"Sonderantragsentscheidung":          "sonderantragsentscheidung",
	"Staatsangehoerigkeit":               "staatsangehoerigkeit",
	"Status":                             "status",
	"Statusanmerkung":                    "statusanmerkung",
	"StrasseHausNrOderPostfach":          "strasse_haus_nr_oder_postfach",
	"Studienangebot":                     "studienangebot",
	"Studienfach":                        "studienfach",
	"StudienfachSchluessel":              "studienfach_schluessel",
	"Studiengang":                        "studiengang",
	"StudiengangSchluessel":              "studiengang_schluessel",
	"StudienpaketSchluessel":             "studienpaket_schluessel",
	"Teilfachbewerbung":                  "teilfachbewerbung",
	"Teilstudienangebot":                 "teilstudienangebot",
	"Telefonnummer":                      "telefonnummer",
	"Unterbelegungsklausel":              "unterbelegungsklausel",
	"UrlHSBewerbungsportal":              "url_hs_bewerbungsportal",
	"VermittlungsprozessTyp":             "vermittlungsprozess_typ",
	"Version":                            "version",
	"VersionSeSt":                        "version_sest",
	"Vorname":                            "vorname",
	"WeitereVornamen":                    "weitere_vornamen",
	"Wert":                               "wert",
	"Zaehler":                            "zaehler",
}

// renameLegacyKeys rewrites the object keys of the JSON text raw by
// legacyJSONKeys at every depth, keeping their order and the values' text
// (numbers as written), and returns it compact, with whether any key was
// renamed.
func renameLegacyKeys(raw []byte) ([]byte, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object, started, wantKey bool
	}
	var (
		out     bytes.Buffer
		stack   []frame
		renamed bool
	)
	// value notes that a value (scalar or closed container) ended.
	value := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 || out.Len() == 0 {
				return nil, false, io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return nil, false, err
		}
		if len(stack) == 0 && out.Len() > 0 {
			return nil, false, errors.New("more than one JSON value")
		}
		top := (*frame)(nil)
		if n := len(stack); n > 0 {
			top = &stack[n-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			stack = stack[:len(stack)-1]
			value()
			continue
		}
		if top != nil && (!top.object || top.wantKey) {
			if top.started {
				out.WriteByte(',')
			}
			top.started = true
		}
		if top != nil && top.object && top.wantKey {
			key, _ := tok.(string)
			if nk, ok := legacyJSONKeys[key]; ok {
				key, renamed = nk, true
			}
			enc, _ := json.Marshal(key) // a string: cannot fail
			out.Write(enc)
			out.WriteByte(':')
			top.wantKey = false
			continue
		}
		switch v := tok.(type) {
		case json.Delim: // '{' or '['
			out.WriteByte(byte(v))
			stack = append(stack, frame{object: v == '{', wantKey: v == '{'})
			continue
		case json.Number:
			out.WriteString(v.String())
		case nil:
			out.WriteString("null")
		default: // string, bool
			enc, err := json.Marshal(v)
			if err != nil {
				return nil, false, err
			}
			out.Write(enc)
		}
		value()
	}
	return out.Bytes(), renamed, nil
}

// jsonKeysTable is a column holding stored JSON.
type jsonKeysTable struct {
	table, key, column string
	where              string // which rows ("" = all with a value)
	// item is the type the column holds, encoded as the daemon does
	// (json.Marshal); nil for a column of varying shapes, whose text only
	// has its keys renamed (and is left alone when it is no JSON).
	item reflect.Type
}

// jsonKeysTables lists every column that stores JSON of the model types.
var jsonKeysTables = []jsonKeysTable{
	{table: "bewerbung", key: "bewerbung_key", column: "data", item: reflect.TypeFor[sestmodel.Bewerbung]()},
	{table: "bewerber", key: "bewerber_id", column: "data", item: reflect.TypeFor[sestmodel.Bewerber]()},
	{table: "studienangebot", key: "schluessel", column: "data", item: reflect.TypeFor[sestmodel.Studienangebot]()},
	{table: "studienpaket", key: "schluessel", column: "data", item: reflect.TypeFor[sestmodel.Studienpaket]()},
	{table: "ranglistenstatus", key: "ranglisten_schluessel", column: "data", item: reflect.TypeFor[sestmodel.Ranglistenstatus]()},
	{table: "outbox_item", key: "id", column: "payload", where: "kind = 'bewerbung'", item: reflect.TypeFor[sestmodel.Bewerbung]()},
	{table: "upload_log", key: "id", column: "request"},
	{table: "upload_log", key: "id", column: "response"},
}

// jsonKeysBatch is the number of rows converted per transaction.
const jsonKeysBatch = 500

// jsonKeysStep converts the stored JSON of every table in jsonKeysTables
// from the legacy keys to the snake_case ones.
func jsonKeysStep(ctx context.Context, conn *pgx.Conn, log *slog.Logger) error {
	for _, t := range jsonKeysTables {
		if err := t.convert(ctx, conn, log); err != nil {
			return fmt.Errorf("converting the JSON keys of %s.%s: %w", t.table, t.column, err)
		}
	}
	return nil
}

// convertedRow is one row's new text (and hash when the table keeps one).
type convertedRow struct {
	key  any
	text string
	sha  []byte
}

func (t jsonKeysTable) convert(ctx context.Context, conn *pgx.Conn, log *slog.Logger) error {
	// The column's type (json keeps the text as written, jsonb its own
	// form) and whether a data_sha hashes the text.
	var typ string
	var hasSHA bool
	err := conn.QueryRow(ctx, `SELECT format_type(a.atttypid, a.atttypmod),
    EXISTS (SELECT 1 FROM pg_attribute s WHERE s.attrelid = a.attrelid AND s.attname = 'data_sha' AND NOT s.attisdropped)
FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped`, t.table, t.column).Scan(&typ, &hasSHA)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // not in this schema
	}
	if err != nil {
		return fmt.Errorf("reading the column's type: %w", err)
	}
	hasSHA = hasSHA && t.column == "data"
	where := pgx.Identifier{t.column}.Sanitize() + " IS NOT NULL"
	if t.where != "" {
		where += " AND " + t.where
	}
	shaCol := "NULL::bytea"
	if hasSHA {
		shaCol = "data_sha"
	}
	tbl, key, col := pgx.Identifier{t.table}.Sanitize(), pgx.Identifier{t.key}.Sanitize(), pgx.Identifier{t.column}.Sanitize()
	selectFirst := fmt.Sprintf(`SELECT %s, %s::text, %s FROM %s WHERE %s ORDER BY %s LIMIT %d FOR UPDATE`,
		key, col, shaCol, tbl, where, key, jsonKeysBatch)
	selectNext := fmt.Sprintf(`SELECT %s, %s::text, %s FROM %s WHERE %s AND %s > $1 ORDER BY %s LIMIT %d FOR UPDATE`,
		key, col, shaCol, tbl, where, key, key, jsonKeysBatch)
	update := fmt.Sprintf(`UPDATE %s SET %s = $2::text::%s WHERE %s = $1`, tbl, col, typ, key)
	if hasSHA {
		update = fmt.Sprintf(`UPDATE %s SET %s = $2::text::%s, data_sha = $3 WHERE %s = $1`, tbl, col, typ, key)
	}
	var last any
	seen, rewritten := 0, 0
	for batch := 1; ; batch++ {
		n := 0
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			q, args := selectFirst, []any(nil)
			if last != nil {
				q, args = selectNext, []any{last}
			}
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			var todo []convertedRow
			for rows.Next() {
				var k any
				var text string
				var oldSHA []byte
				if err := rows.Scan(&k, &text, &oldSHA); err != nil {
					rows.Close()
					return err
				}
				n, last = n+1, k
				row, changed, err := t.convertRow(k, text, oldSHA, typ == "json", hasSHA)
				if err != nil {
					rows.Close()
					return err
				}
				if changed {
					todo = append(todo, row)
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
			b := &pgx.Batch{}
			for _, r := range todo {
				if hasSHA {
					b.Queue(update, r.key, r.text, r.sha)
				} else {
					b.Queue(update, r.key, r.text)
				}
			}
			rewritten += len(todo)
			return tx.SendBatch(ctx, b).Close()
		})
		if err != nil {
			return err
		}
		seen += n
		if n < jsonKeysBatch {
			break
		}
		if batch%20 == 0 {
			log.Info("converting stored JSON keys", "table", t.table, "column", t.column, "rows", seen, "rewritten", rewritten)
		}
	}
	log.Info("converted stored JSON keys", "table", t.table, "column", t.column, "rows", seen, "rewritten", rewritten)
	return nil
}

// convertRow converts one row's text. A typed column is decoded (every key
// must be known: an unknown one stops the step rather than lose a value)
// and encoded again as the daemon encodes the item, so that the hash is
// the daemon's; the text of a json column is kept when it is that already.
func (t jsonKeysTable) convertRow(key any, text string, oldSHA []byte, textKept, hasSHA bool) (convertedRow, bool, error) {
	renamed, did, err := renameLegacyKeys([]byte(text))
	if err != nil {
		if t.item == nil {
			return convertedRow{}, false, nil // not JSON (an upload log's note): nothing to rename
		}
		return convertedRow{}, false, fmt.Errorf("row %v: reading the JSON: %w", key, err)
	}
	if t.item == nil {
		return convertedRow{key: key, text: string(renamed)}, did, nil
	}
	v := reflect.New(t.item)
	dec := json.NewDecoder(bytes.NewReader(renamed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v.Interface()); err != nil {
		return convertedRow{}, false, fmt.Errorf("row %v: decoding as %s: %w", key, t.item, err)
	}
	enc, err := json.Marshal(v.Interface())
	if err != nil {
		return convertedRow{}, false, fmt.Errorf("row %v: encoding as %s: %w", key, t.item, err)
	}
	row := convertedRow{key: key, text: string(enc), sha: sha(enc)}
	if !textKept {
		// jsonb keeps its own form of the text: only a renamed key is a change.
		return row, did, nil
	}
	return row, string(enc) != text || (hasSHA && !bytes.Equal(oldSHA, row.sha)), nil
}
