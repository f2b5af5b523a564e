package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// lastBeforeJSONKeys is the last migration of the version that stored the
// Go field names as JSON keys.
const lastBeforeJSONKeys = 149

// The rows below are what the previous version wrote: its json.Marshal of
// the items (Go field names as keys, in field order), written out by hand.
const (
	oldBewerber = `{"Status":"aktiv","Anrede":"Frau","Vorname":"Erika","WeitereVornamen":"","Nachname":"Muster","EmailAdresse":"erika@example.org","Telefonnummer":"","Mobilnummer":"","ID":"B-1","HatVerfahrensrichtlinienZugestimmt":true,"Geburtsname":"","Geburtsdatum":"2005-04-03","Geburtsort":"","Staatsangehoerigkeit":null,"Postanschrift":{"CareOf":"","StrasseHausNrOderPostfach":"Hauptstraße 1","Plz":"10115","Ort":"Berlin","Land":{"Schluessel":"000","NameDe":"Deutschland"},"Region":""},"LetzteAenderung":"2026-06-30T12:00:00Z"}`
	newBewerber = `{"status":"aktiv","anrede":"Frau","vorname":"Erika","weitere_vornamen":"","nachname":"Muster","email_adresse":"erika@example.org","telefonnummer":"","mobilnummer":"","id":"B-1","hat_verfahrensrichtlinien_zugestimmt":true,"geburtsname":"","geburtsdatum":"2005-04-03","geburtsort":"","staatsangehoerigkeit":null,"postanschrift":{"care_of":"","strasse_haus_nr_oder_postfach":"Hauptstraße 1","plz":"10115","ort":"Berlin","land":{"schluessel":"000","name_de":"Deutschland"},"region":""},"letzte_aenderung":"2026-06-30T12:00:00Z"}`

	oldEinfach = `{"Einfach":{"EingangsZeitpunkt":"2026-07-01T09:30:00Z","Bearbeitungsstatus":"eingegangen","VersionSeSt":3,"BewerberBAN":"","BewerberEmailAdresse":"erika@example.org","BewerberID":"B-1","Studienangebot":{"StudiengangSchluessel":"82-079-H","AbschlussSchluessel":"82","StudienfachSchluessel":"079","FachkennzeichenSchluessel":"H"},"OrtDesEingangs":"","Aktivitaetsstatus":"aktiv","Papierantragstatus":"nachgereicht","LetzteAenderung":"2026-07-02T10:00:00Z","Statusanmerkung":"","Sonderantragsentscheidung":"abgelehnt","Bestandteil":[{"FeldangabeSchluessel":"hzb_note","NameDe":"HZB-Note","Wert":"1,7","Dokument":null}],"Bescheid":null},"Mehrfach":null}`
	newEinfach = `{"einfach":{"eingangs_zeitpunkt":"2026-07-01T09:30:00Z","bearbeitungsstatus":"eingegangen","version_sest":3,"bewerber_ban":"","bewerber_email_adresse":"erika@example.org","bewerber_id":"B-1","studienangebot":{"studiengang_schluessel":"82-079-H","abschluss_schluessel":"82","studienfach_schluessel":"079","fachkennzeichen_schluessel":"H"},"ort_des_eingangs":"","aktivitaetsstatus":"aktiv","papierantragstatus":"nachgereicht","letzte_aenderung":"2026-07-02T10:00:00Z","statusanmerkung":"","sonderantragsentscheidung":"abgelehnt","bestandteil":[{"feldangabe_schluessel":"hzb_note","name_de":"HZB-Note","wert":"1,7","dokument":null}],"bescheid":null},"mehrfach":null}`

	oldMehrfach = `{"Einfach":null,"Mehrfach":{"EingangsZeitpunkt":"2026-07-03T08:00:00Z","Bearbeitungsstatus":"in_Bearbeitung","VersionSeSt":5,"BewerberBAN":"","BewerberEmailAdresse":"","BewerberID":"B-1","Studienangebot":{"AbschlussSchluessel":"Z2"},"OrtDesEingangs":"","Aktivitaetsstatus":"aktiv","Papierantragstatus":"","LetzteAenderung":"2026-07-04T12:00:00Z","Statusanmerkung":"","Sonderantragsentscheidung":"","Teilfachbewerbung":[{"EingangsZeitpunkt":"2026-07-03T08:00:00Z","Bearbeitungsstatus":"in_Bearbeitung","VersionSeSt":2,"Studienangebot":{"StudiengangSchluessel":"Z2-008","AbschlussSchluessel":"Z2","StudienfachSchluessel":"008","FachkennzeichenSchluessel":""},"HauptfachSchluessel":{"StudiengangSchluessel":"Z2-008","AbschlussSchluessel":"Z2","StudienfachSchluessel":"008","FachkennzeichenSchluessel":""},"ErsatzfachSchluessel":null,"IstErsatzfachAkzeptabel":false,"IstFachwechsel":false,"Aktivitaetsstatus":"aktiv","LetzteAenderung":"2026-07-04T12:00:00Z","Statusanmerkung":"Note fehlt","Sonderantragsentscheidung":"genehmigt"},{"EingangsZeitpunkt":"2026-07-03T08:00:00Z","Bearbeitungsstatus":"eingegangen","VersionSeSt":1,"Studienangebot":{"StudiengangSchluessel":"Z2-068","AbschlussSchluessel":"Z2","StudienfachSchluessel":"068","FachkennzeichenSchluessel":""},"HauptfachSchluessel":null,"ErsatzfachSchluessel":null,"IstErsatzfachAkzeptabel":true,"IstFachwechsel":false,"Aktivitaetsstatus":"ruhend","LetzteAenderung":"0001-01-01T00:00:00Z","Statusanmerkung":"","Sonderantragsentscheidung":""}],"Bestandteil":null,"Bescheid":null}}`
	newMehrfach = `{"einfach":null,"mehrfach":{"eingangs_zeitpunkt":"2026-07-03T08:00:00Z","bearbeitungsstatus":"in_Bearbeitung","version_sest":5,"bewerber_ban":"","bewerber_email_adresse":"","bewerber_id":"B-1","studienangebot":{"abschluss_schluessel":"Z2"},"ort_des_eingangs":"","aktivitaetsstatus":"aktiv","papierantragstatus":"","letzte_aenderung":"2026-07-04T12:00:00Z","statusanmerkung":"","sonderantragsentscheidung":"","teilfachbewerbung":[{"eingangs_zeitpunkt":"2026-07-03T08:00:00Z","bearbeitungsstatus":"in_Bearbeitung","version_sest":2,"studienangebot":{"studiengang_schluessel":"Z2-008","abschluss_schluessel":"Z2","studienfach_schluessel":"008","fachkennzeichen_schluessel":""},"hauptfach_schluessel":{"studiengang_schluessel":"Z2-008","abschluss_schluessel":"Z2","studienfach_schluessel":"008","fachkennzeichen_schluessel":""},"ersatzfach_schluessel":null,"ist_ersatzfach_akzeptabel":false,"ist_fachwechsel":false,"aktivitaetsstatus":"aktiv","letzte_aenderung":"2026-07-04T12:00:00Z","statusanmerkung":"Note fehlt","sonderantragsentscheidung":"genehmigt"},{"eingangs_zeitpunkt":"2026-07-03T08:00:00Z","bearbeitungsstatus":"eingegangen","version_sest":1,"studienangebot":{"studiengang_schluessel":"Z2-068","abschluss_schluessel":"Z2","studienfach_schluessel":"068","fachkennzeichen_schluessel":""},"hauptfach_schluessel":null,"ersatzfach_schluessel":null,"ist_ersatzfach_akzeptabel":true,"ist_fachwechsel":false,"aktivitaetsstatus":"ruhend","letzte_aenderung":"0001-01-01T00:00:00Z","statusanmerkung":"","sonderantragsentscheidung":""}],"bestandteil":null,"bescheid":null}}`

	oldAngebotEinfach = `{"Einfach":{"Schluessel":{"StudiengangSchluessel":"82-079-H","AbschlussSchluessel":"82","StudienfachSchluessel":"079","FachkennzeichenSchluessel":"H"},"Status":"oeffentlich_sichtbar","NameDe":"Informatik","BeschreibungDe":"","Koordinierungsangebotsdaten":{"AnfangBewerbungsfrist":"2026-05-01T00:00:00Z","EndeBewerbungsfrist":"2026-07-15T00:00:00Z","UrlHSBewerbungsportal":"https://bewerbung.example.org"},"Integrationseinstellungen":"","Studiengang":{"Schluessel":"82-079-H","NameDe":"Informatik","IstNCStudiengang":true,"Abschluss":{"Schluessel":"82","NameDe":"Bachelor"},"Studienfach":{"Schluessel":"079","NameDe":"Informatik"},"Fachkennzeichen":{"Schluessel":"H","NameDe":"Hauptfach"}}},"Mehrfach":null}`
	newAngebotEinfach = `{"einfach":{"schluessel":{"studiengang_schluessel":"82-079-H","abschluss_schluessel":"82","studienfach_schluessel":"079","fachkennzeichen_schluessel":"H"},"status":"oeffentlich_sichtbar","name_de":"Informatik","beschreibung_de":"","koordinierungsangebotsdaten":{"anfang_bewerbungsfrist":"2026-05-01T00:00:00Z","ende_bewerbungsfrist":"2026-07-15T00:00:00Z","url_hs_bewerbungsportal":"https://bewerbung.example.org"},"integrationseinstellungen":"","studiengang":{"schluessel":"82-079-H","name_de":"Informatik","ist_nc_studiengang":true,"abschluss":{"schluessel":"82","name_de":"Bachelor"},"studienfach":{"schluessel":"079","name_de":"Informatik"},"fachkennzeichen":{"schluessel":"H","name_de":"Hauptfach"}}},"mehrfach":null}`

	oldAngebotMehrfach = `{"Einfach":null,"Mehrfach":{"Art":"ExpliziteStudiengangskombination","Schluessel":{"AbschlussSchluessel":"LA"},"Status":"oeffentlich_sichtbar","NameDe":"Lehramt","BeschreibungDe":"","Koordinierungsangebotsdaten":null,"Abschluss":{"Schluessel":"LA","NameDe":"Lehramt"},"Teilstudienangebot":[{"StudiengangSchluessel":"LA-D","AbschlussSchluessel":"LA","StudienfachSchluessel":"D","FachkennzeichenSchluessel":""}],"Kombination":[{"Teilstudienangebot":[{"StudiengangSchluessel":"LA-D","AbschlussSchluessel":"LA","StudienfachSchluessel":"D","FachkennzeichenSchluessel":""}]}]}}`
	newAngebotMehrfach = `{"einfach":null,"mehrfach":{"art":"ExpliziteStudiengangskombination","schluessel":{"abschluss_schluessel":"LA"},"status":"oeffentlich_sichtbar","name_de":"Lehramt","beschreibung_de":"","koordinierungsangebotsdaten":null,"abschluss":{"schluessel":"LA","name_de":"Lehramt"},"teilstudienangebot":[{"studiengang_schluessel":"LA-D","abschluss_schluessel":"LA","studienfach_schluessel":"D","fachkennzeichen_schluessel":""}],"kombination":[{"teilstudienangebot":[{"studiengang_schluessel":"LA-D","abschluss_schluessel":"LA","studienfach_schluessel":"D","fachkennzeichen_schluessel":""}]}]}}`

	oldPaket = `{"Schluessel":"P-INF","NameDe":"Informatik","Kapazitaet":120,"Paketbestandteil":[{"Studienangebot":{"StudiengangSchluessel":"82-079-H","AbschlussSchluessel":"82","StudienfachSchluessel":"079","FachkennzeichenSchluessel":"H"},"Bewerberplatzbedarf":{"Zaehler":1,"Nenner":1}}]}`
	newPaket = `{"schluessel":"P-INF","name_de":"Informatik","kapazitaet":120,"paketbestandteil":[{"studienangebot":{"studiengang_schluessel":"82-079-H","abschluss_schluessel":"82","studienfach_schluessel":"079","fachkennzeichen_schluessel":"H"},"bewerberplatzbedarf":{"zaehler":1,"nenner":1}}]}`

	oldRangStatus = `{"RanglistenSchluessel":"P-INF-HQ","StudienpaketSchluessel":"P-INF","Status":"befuellt","Statusanmerkung":"","AnzahlEintraege":42,"LetzteAenderung":"2026-08-10T14:00:00Z"}`
	newRangStatus = `{"ranglisten_schluessel":"P-INF-HQ","studienpaket_schluessel":"P-INF","status":"befuellt","statusanmerkung":"","anzahl_eintraege":42,"letzte_aenderung":"2026-08-10T14:00:00Z"}`

	oldErgebnis = `{"ErgebnisStatus":"neu","GrundZurueckweisung":"","Code":0,"Schluessel":{"Einfach":{"BewerberID":"B-1","Studienangebot":{"StudiengangSchluessel":"82-079-H","AbschlussSchluessel":"82","StudienfachSchluessel":"079","FachkennzeichenSchluessel":"H"}},"Mehrfach":null},"VersionSeSt":3,"Key":"B-1/82-079-H"}`
	newErgebnis = `{"ergebnis_status":"neu","grund_zurueckweisung":"","code":0,"schluessel":{"einfach":{"bewerber_id":"B-1","studienangebot":{"studiengang_schluessel":"82-079-H","abschluss_schluessel":"82","studienfach_schluessel":"079","fachkennzeichen_schluessel":"H"}},"mehrfach":null},"version_sest":3,"key":"B-1/82-079-H"}`

	oldRangliste = `[{"Schluessel":"P-INF-HQ","StudienpaketSchluessel":"P-INF","NameDe":"","NameEn":"","Ebene":"Hauptquoten","Status":"befuellt","Statusanmerkung":"","Kopfdaten":null,"Eintrag":[{"Rang":1,"BewerberID":"B-1"}]}]`
	newRangliste = `[{"schluessel":"P-INF-HQ","studienpaket_schluessel":"P-INF","name_de":"","name_en":"","ebene":"Hauptquoten","status":"befuellt","statusanmerkung":"","kopfdaten":null,"eintrag":[{"rang":1,"bewerber_id":"B-1"}]}]`
	notJSON      = `(not shown: encoding as JSON failed: json: unsupported value: NaN)`
)

func shaOf(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// fillPreviousVersion writes rows into a database at lastBeforeJSONKeys as
// the previous version did.
func fillPreviousVersion(t *testing.T, ctx context.Context, s *store.Store) {
	t.Helper()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO land VALUES ('000', 'Deutschland')`, nil},
		{`INSERT INTO abschluss VALUES ('82', 'Bachelor'), ('LA', 'Lehramt')`, nil},
		{`INSERT INTO studienfach VALUES ('079', 'Informatik')`, nil},
		{`INSERT INTO fachkennzeichen VALUES ('H', 'Hauptfach')`, nil},
		{`INSERT INTO studiengang (studiengang_schluessel, name_de, ist_nc, abschluss_schluessel, studienfach_schluessel, fachkennzeichen_schluessel)
			VALUES ('82-079-H', 'Informatik', true, '82', '079', 'H')`, nil},
		{`INSERT INTO bewerber (bewerber_id, status, anrede, vorname, nachname, email_adresse, verfahrensrichtlinien_zugestimmt,
			geburtsdatum, strasse_hausnr_postfach, plz, ort, land, letzte_aenderung, data, data_sha)
			VALUES ('B-1', 'aktiv', 'Frau', 'Erika', 'Muster', 'erika@example.org', true, '2005-04-03', 'Hauptstraße 1', '10115',
			'Berlin', '000', '2026-06-30T12:00:00Z', $1, $2)`, []any{oldBewerber, shaOf(oldBewerber)}},
		{`INSERT INTO bewerber (bewerber_id, complete) VALUES ('B-2', false)`, nil}, // a stub: no data
		{`INSERT INTO bewerbung (bewerbung_key, art, bewerber_id, studienangebot_schluessel, bearbeitungsstatus, aktivitaetsstatus,
			version, eingangs_zeitpunkt, letzte_aenderung, statusanmerkung, data, data_sha)
			VALUES ('B-1/82-079-H', 'einfach', 'B-1', '82-079-H', 'eingegangen', 'aktiv', 3, '2026-07-01T09:30:00Z',
			'2026-07-02T10:00:00Z', '', $1, $2)`, []any{oldEinfach, shaOf(oldEinfach)}},
		{`INSERT INTO bewerbung (bewerbung_key, art, bewerber_id, studienangebot_schluessel, bearbeitungsstatus, aktivitaetsstatus,
			version, eingangs_zeitpunkt, letzte_aenderung, statusanmerkung, data, data_sha)
			VALUES ('B-1/Z2/Z2-008', 'mehrfach', 'B-1', 'Z2', 'in_Bearbeitung', 'aktiv', 5, '2026-07-03T08:00:00Z',
			'2026-07-04T12:00:00Z', '', $1, $2)`, []any{oldMehrfach, shaOf(oldMehrfach)}},
		{`INSERT INTO teilfachbewerbung (bewerbung_key, studiengang_schluessel, bearbeitungsstatus, version, ist_hauptfach)
			VALUES ('B-1/Z2/Z2-008', 'Z2-008', 'in_Bearbeitung', 2, true), ('B-1/Z2/Z2-008', 'Z2-068', 'eingegangen', 1, false)`, nil},
		{`INSERT INTO studienangebot (schluessel, art, studiengang_schluessel, abschluss_schluessel, status, name_de,
			anfang_bewerbungsfrist, ende_bewerbungsfrist, data)
			VALUES ('82-079-H', 'einfach', '82-079-H', NULL, 'oeffentlich_sichtbar', 'Informatik', '2026-05-01T00:00:00Z', '2026-07-15T00:00:00Z', $1),
			('LA', 'mehrfach', NULL, 'LA', 'oeffentlich_sichtbar', 'Lehramt', NULL, NULL, $2)`, []any{oldAngebotEinfach, oldAngebotMehrfach}},
		{`INSERT INTO studienangebot_teilfach VALUES ('LA', 'LA-D')`, nil},
		{`INSERT INTO studienpaket (schluessel, name_de, kapazitaet, data) VALUES ('P-INF', 'Informatik', 120, $1)`, []any{oldPaket}},
		{`INSERT INTO ranglistenstatus (ranglisten_schluessel, studienpaket_schluessel, status, anzahl_eintraege, letzte_aenderung, data)
			VALUES ('P-INF-HQ', 'P-INF', 'befuellt', 42, '2026-08-10T14:00:00Z', $1)`, []any{oldRangStatus}},
		{`INSERT INTO outbox_item (kind, item_key, bewerber_id, sest_key, payload, source_updated_at)
			VALUES ('bewerbung', 'HS-1', 'B-1', 'B-1/82-079-H', $1, now()), ('bewerber_auth', 'B-1', 'B-1', '', '{"ban":"BAN-1"}', now())`, []any{oldEinfach}},
		{`INSERT INTO upload_log (operation, item_kind, item_key, bewerber_id, request, response, ergebnis_status)
			VALUES ('uebermittelnNeueBewerbungenAnSeSt', 'bewerbung', 'HS-1', 'B-1', $1, $2, 'neu'),
			('uebermittelnRanglistenAnSeSt', 'rangliste', 'P-INF-HQ', NULL, $3, $4, NULL)`, []any{oldEinfach, oldErgebnis, oldRangliste, notJSON}},
		{`INSERT INTO export_run (lo, hi) VALUES (now() - interval '1 hour', now() + interval '1 hour')`, nil},
	} {
		_, err := s.Pool().Exec(ctx, q.sql, q.args...)
		require.NoError(t, err, q.sql)
	}
}

// TestMigrateJSONKeysFromPreviousVersion migrates a database that the
// previous version made and filled: the stored JSON has the snake_case
// keys, the values are unchanged, data_sha is the hash of the new text
// (so the next download of an unchanged item leaves it unchanged), the
// uni views read the new keys and the subject export shows them.
func TestMigrateJSONKeysFromPreviousVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := freshDB(t)
	quiet := slog.New(slog.DiscardHandler)
	_, err := s.MigrateTo(ctx, quiet, lastBeforeJSONKeys)
	require.NoError(t, err)
	fillPreviousVersion(t, ctx, s)

	_, err = s.Migrate(ctx, quiet)
	require.NoError(t, err)
	pending, err := s.Pending(ctx)
	require.NoError(t, err)
	require.Empty(t, pending)

	// The json columns keep the text as the daemon writes it, and its hash.
	for _, c := range []struct{ table, key, want string }{
		{"bewerber", "bewerber_id = 'B-1'", newBewerber},
		{"bewerbung", "bewerbung_key = 'B-1/82-079-H'", newEinfach},
		{"bewerbung", "bewerbung_key = 'B-1/Z2/Z2-008'", newMehrfach},
	} {
		var text string
		var sum []byte
		require.NoError(t, s.Pool().QueryRow(ctx, `SELECT data::text, data_sha FROM `+c.table+` WHERE `+c.key).Scan(&text, &sum))
		require.Equal(t, c.want, text, "%s %s", c.table, c.key)
		require.Equal(t, shaOf(c.want), sum, "%s %s: data_sha", c.table, c.key)
	}
	var stub *string
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT data::text FROM bewerber WHERE bewerber_id = 'B-2'`).Scan(&stub))
	require.Nil(t, stub, "a stub stays without data")

	// The jsonb columns hold the same document.
	for _, c := range []struct{ table, key, column, want string }{
		{"studienangebot", "schluessel = '82-079-H'", "data", newAngebotEinfach},
		{"studienangebot", "schluessel = 'LA'", "data", newAngebotMehrfach},
		{"studienpaket", "schluessel = 'P-INF'", "data", newPaket},
		{"ranglistenstatus", "ranglisten_schluessel = 'P-INF-HQ'", "data", newRangStatus},
		{"outbox_item", "kind = 'bewerbung'", "payload", newEinfach},
		{"outbox_item", "kind = 'bewerber_auth'", "payload", `{"ban":"BAN-1"}`},
	} {
		var same bool
		require.NoError(t, s.Pool().QueryRow(ctx, `SELECT `+c.column+` = $1::jsonb FROM `+c.table+` WHERE `+c.key, c.want).Scan(&same))
		require.True(t, same, "%s %s", c.table, c.key)
	}

	// The upload log's texts have their keys renamed in place; a note that
	// is no JSON stays as it was.
	rows, err := s.Pool().Query(ctx, `SELECT request, response FROM upload_log ORDER BY id`)
	require.NoError(t, err)
	var logged [][2]string
	for rows.Next() {
		var req, resp string
		require.NoError(t, rows.Scan(&req, &resp))
		logged = append(logged, [2]string{req, resp})
	}
	require.NoError(t, rows.Err())
	require.Equal(t, [][2]string{{newEinfach, newErgebnis}, {newRangliste, notJSON}}, logged)

	// The next full download of the unchanged items changes nothing.
	teil1, teil2 := esk("Z2-008", "Z2", "008", ""), esk("Z2-068", "Z2", "068", "")
	c, err := s.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{
		{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
			EingangsZeitpunkt: ts("2026-07-01T09:30:00Z"), Bearbeitungsstatus: "eingegangen", VersionSeSt: 3,
			BewerberEmailAdresse: "erika@example.org", BewerberID: "B-1", Studienangebot: esk("82-079-H", "82", "079", "H"),
			Aktivitaetsstatus: "aktiv", Papierantragstatus: "nachgereicht", LetzteAenderung: ts("2026-07-02T10:00:00Z"),
			Sonderantragsentscheidung: "abgelehnt",
			Bestandteil:               []sestmodel.Bewerbungsbestandteil{{FeldangabeSchluessel: "hzb_note", NameDe: "HZB-Note", Wert: "1,7"}}}},
		{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{
			EingangsZeitpunkt: ts("2026-07-03T08:00:00Z"), Bearbeitungsstatus: "in_Bearbeitung", VersionSeSt: 5, BewerberID: "B-1",
			Studienangebot: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "Z2"}, Aktivitaetsstatus: "aktiv",
			LetzteAenderung: ts("2026-07-04T12:00:00Z"),
			Teilfachbewerbung: []sestmodel.Teilfachbewerbung{
				{EingangsZeitpunkt: ts("2026-07-03T08:00:00Z"), Bearbeitungsstatus: "in_Bearbeitung", VersionSeSt: 2,
					Studienangebot: teil1, HauptfachSchluessel: &teil1, Aktivitaetsstatus: "aktiv",
					LetzteAenderung: ts("2026-07-04T12:00:00Z"), Statusanmerkung: "Note fehlt", Sonderantragsentscheidung: "genehmigt"},
				{EingangsZeitpunkt: ts("2026-07-03T08:00:00Z"), Bearbeitungsstatus: "eingegangen", VersionSeSt: 1,
					Studienangebot: teil2, IstErsatzfachAkzeptabel: true, Aktivitaetsstatus: "ruhend"},
			}}},
	}, store.Step{})
	require.NoError(t, err)
	require.Equal(t, 2, c.Unchanged, "Bewerbungen: %+v", c)
	c, err = s.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{{
		Status: "aktiv", Anrede: "Frau", Vorname: "Erika", Nachname: "Muster", EmailAdresse: "erika@example.org", ID: "B-1",
		HatVerfahrensrichtlinienZugestimmt: true, Geburtsdatum: "2005-04-03",
		Postanschrift: sestmodel.Postanschrift{StrasseHausNrOderPostfach: "Hauptstraße 1", Plz: "10115", Ort: "Berlin",
			Land: sestmodel.Schluesselwert{Schluessel: "000", NameDe: "Deutschland"}},
		LetzteAenderung: ts("2026-06-30T12:00:00Z"),
	}}, store.Step{})
	require.NoError(t, err)
	require.Equal(t, 1, c.Unchanged, "Bewerber: %+v", c)
	laD := esk("LA-D", "LA", "D", "")
	c, err = s.StudienangebotReplaceAll(ctx, []sestmodel.Studienangebot{
		{Einfach: &sestmodel.Einfachstudienangebot{Schluessel: esk("82-079-H", "82", "079", "H"), Status: "oeffentlich_sichtbar", NameDe: "Informatik",
			Koordinierungsangebotsdaten: &sestmodel.Koordinierungsangebotsdaten{AnfangBewerbungsfrist: ts("2026-05-01T00:00:00Z"),
				EndeBewerbungsfrist: ts("2026-07-15T00:00:00Z"), URLHSBewerbungsportal: "https://bewerbung.example.org"},
			Studiengang: sestmodel.Studiengang{Schluessel: "82-079-H", NameDe: "Informatik", IstNCStudiengang: true,
				Abschluss: sestmodel.Schluesselwert{Schluessel: "82", NameDe: "Bachelor"}, Studienfach: sestmodel.Schluesselwert{Schluessel: "079", NameDe: "Informatik"},
				Fachkennzeichen: &sestmodel.Schluesselwert{Schluessel: "H", NameDe: "Hauptfach"}}}},
		{Mehrfach: &sestmodel.Mehrfachstudienangebot{Art: sestmodel.ExpliziteStudiengangskombination, Schluessel: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "LA"},
			Status: "oeffentlich_sichtbar", NameDe: "Lehramt", Abschluss: sestmodel.Schluesselwert{Schluessel: "LA", NameDe: "Lehramt"},
			Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{laD},
			Kombination:        []sestmodel.Studiengangskombination{{Teilstudienangebot: []sestmodel.EinfachstudienangebotsSchluessel{laD}}}}},
	}, false)
	require.NoError(t, err)
	require.Equal(t, 2, c.Unchanged, "Studienangebote: %+v", c)

	// The uni views read the new keys.
	var papier, sonder string
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT papierantragstatus, sonderantragsentscheidung FROM uni.bewerbungen
		WHERE bewerbung_key = 'B-1/82-079-H'`).Scan(&papier, &sonder))
	require.Equal(t, []string{"nachgereicht", "abgelehnt"}, []string{papier, sonder})
	tfRows, err := s.Pool().Query(ctx, `SELECT studiengang_schluessel, aktivitaetsstatus, statusanmerkung, sonderantragsentscheidung
		FROM uni.teilfachbewerbungen ORDER BY studiengang_schluessel`)
	require.NoError(t, err)
	var tf [][4]string
	for tfRows.Next() {
		var r [4]string
		require.NoError(t, tfRows.Scan(&r[0], &r[1], &r[2], &r[3]))
		tf = append(tf, r)
	}
	require.NoError(t, tfRows.Err())
	require.Equal(t, [][4]string{{"Z2-008", "aktiv", "Note fehlt", "genehmigt"}, {"Z2-068", "ruhend", "", ""}}, tf)

	// The subject export shows the new keys only.
	data, err := s.SubjectCollect(ctx, "B-1")
	require.NoError(t, err)
	export, err := json.Marshal(data)
	require.NoError(t, err)
	for _, k := range []string{"email_adresse", "hat_verfahrensrichtlinien_zugestimmt", "studiengang_schluessel", "bewerber_email_adresse"} {
		require.Contains(t, string(export), `"`+k+`"`)
	}
	for _, k := range []string{"EmailAdresse", "HatVerfahrensrichtlinienZugestimmt", "StudiengangSchluessel", "BewerberID", "Einfach"} {
		require.NotContains(t, string(export), k)
	}
}

// TestMigrateJSONKeysRunsAgain: the data step, run again after a crash
// before its version was recorded, converts what is left and rewrites
// nothing it converted already.
func TestMigrateJSONKeysRunsAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := freshDB(t)
	quiet := slog.New(slog.DiscardHandler)
	_, err := s.MigrateTo(ctx, quiet, lastBeforeJSONKeys)
	require.NoError(t, err)
	fillPreviousVersion(t, ctx, s)
	_, err = s.Migrate(ctx, quiet)
	require.NoError(t, err)

	// As if the step had converted all but one row when it stopped.
	_, err = s.Pool().Exec(ctx, `UPDATE bewerbung SET data = $1, data_sha = $2 WHERE bewerbung_key = 'B-1/Z2/Z2-008'`, oldMehrfach, shaOf(oldMehrfach))
	require.NoError(t, err)
	_, err = s.Pool().Exec(ctx, `DELETE FROM sestd_migration WHERE version = 151`)
	require.NoError(t, err)
	versions := func() map[string]string {
		rows, err := s.Pool().Query(ctx, `SELECT 'bewerbung ' || bewerbung_key, xmin::text FROM bewerbung
			UNION ALL SELECT 'bewerber ' || bewerber_id, xmin::text FROM bewerber
			UNION ALL SELECT 'studienangebot ' || schluessel, xmin::text FROM studienangebot
			UNION ALL SELECT 'outbox ' || id, xmin::text FROM outbox_item
			UNION ALL SELECT 'upload_log ' || id, xmin::text FROM upload_log`)
		require.NoError(t, err)
		out := map[string]string{}
		for rows.Next() {
			var k, v string
			require.NoError(t, rows.Scan(&k, &v))
			out[k] = v
		}
		require.NoError(t, rows.Err())
		return out
	}
	before := versions()

	applied, err := s.Migrate(ctx, quiet)
	require.NoError(t, err)
	require.Len(t, applied, 1)
	require.Equal(t, 151, applied[0].Version)
	after := versions()
	for k, v := range before {
		if k == "bewerbung B-1/Z2/Z2-008" {
			require.NotEqual(t, v, after[k], "the row left over is converted")
			continue
		}
		require.Equal(t, v, after[k], "%s was rewritten", k)
	}
	var text string
	var sum []byte
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT data::text, data_sha FROM bewerbung WHERE bewerbung_key = 'B-1/Z2/Z2-008'`).Scan(&text, &sum))
	require.Equal(t, newMehrfach, text)
	require.Equal(t, shaOf(newMehrfach), sum)
}

// TestMigrateJSONKeysUnknownKeyStops: a stored item with a key the model
// does not know stops the migration with the table, the row and the key,
// and loses nothing.
func TestMigrateJSONKeysUnknownKeyStops(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := freshDB(t)
	quiet := slog.New(slog.DiscardHandler)
	_, err := s.MigrateTo(ctx, quiet, lastBeforeJSONKeys)
	require.NoError(t, err)
	odd := strings.Replace(oldBewerber, `"Anrede":"Frau"`, `"Anrede":"Frau","Titel":"Dr."`, 1)
	_, err = s.Pool().Exec(ctx, `INSERT INTO bewerber (bewerber_id, data, data_sha) VALUES ('B-1', $1, $2)`, odd, shaOf(odd))
	require.NoError(t, err)

	_, err = s.Migrate(ctx, quiet)
	require.Error(t, err)
	for _, want := range []string{"bewerber.data", "B-1", `"Titel"`} {
		require.Contains(t, err.Error(), want)
	}
	var text string
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT data::text FROM bewerber WHERE bewerber_id = 'B-1'`).Scan(&text))
	require.Equal(t, odd, text, "the row is kept as it was")
	pending, err := s.Pending(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, pending)
}

func ts(s string) sestmodel.Timestamp {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return sestmodel.Timestamp{Time: t}
}

func esk(sg, ab, sf, fk string) sestmodel.EinfachstudienangebotsSchluessel {
	return sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: sg, AbschlussSchluessel: ab, StudienfachSchluessel: sf, FachkennzeichenSchluessel: fk}
}
