package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/coltest"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// The mirror oracle: a handful of Bewerber and Bewerbungen put into the
// simulator through its Go API, mirrored by the real delta and
// Studienangebote jobs over HTTP, and every column of the mirror tables
// and the uni views compared with values written down here by hand. The
// expected values do not go through sestd's code or the sest types: they
// are what a university's SQL user reads, in psql's text form (UTC).

// Oracle applicants and their Bewerbungen (keys as sestd documents them:
// <bewerberId>/<studiengang> and <bewerberId>/<abschluss>/<hauptfächer>).
const (
	oraZoe   = "B000000000901"
	oraJonas = "B000000000902"
	oraE1    = oraZoe + "/82-079"
	oraE2    = oraJonas + "/84-021-1"
	oraM1    = oraZoe + "/25/25-084"
)

// berlin returns a wall-clock time in Europe/Berlin (CEST in summer,
// UTC+2), the zone of the Servicestelle's zone-less timestamps.
func berlin(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	v, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	require.NoError(t, err)
	return v
}

// plantOracleData puts the oracle's data into the simulator.
func plantOracleData(t *testing.T, s *sim.Sim) {
	t.Helper()
	clock := s.Clock()
	clock.Set(berlin(t, "2026-07-16 09:00:00"))
	require.NoError(t, s.AddBewerber(sestmodel.Bewerber{
		Status: "aktiv", Anrede: "Frau", Vorname: "Zoë", WeitereVornamen: "Marie Luise", Nachname: "Groß-Öztürk",
		EmailAdresse: "zoe.gross@example.org", Telefonnummer: "0621 1234567", Mobilnummer: "0151 7654321",
		ID: oraZoe, HatVerfahrensrichtlinienZugestimmt: true, Geburtsname: "Öztürk", Geburtsdatum: "2004-02-29",
		Geburtsort:           "Mannheim",
		Staatsangehoerigkeit: &sestmodel.Schluesselwert{Schluessel: "151", NameDe: "Österreich"},
		Postanschrift: sestmodel.Postanschrift{CareOf: "bei Familie Weiß", StrasseHausNrOderPostfach: "Schloßallee 7",
			Plz: "68161", Ort: "Mannheim", Land: sestmodel.Schluesselwert{Schluessel: "000", NameDe: "Deutschland"}, Region: "Baden-Württemberg"},
	}, "ORACLEBAN1"))
	clock.Set(berlin(t, "2026-07-16 09:01:00"))
	require.NoError(t, s.AddBewerber(sestmodel.Bewerber{
		Vorname: "Jonas", Nachname: "Becker", ID: oraJonas,
		Postanschrift: sestmodel.Postanschrift{StrasseHausNrOderPostfach: "Hauptstraße 1", Plz: "33602", Ort: "Bielefeld",
			Land: sestmodel.Schluesselwert{Schluessel: "000", NameDe: "Deutschland"}},
	}, "ORACLEBAN2"))

	clock.Set(berlin(t, "2026-07-16 09:10:00"))
	_, err := s.AddBewerbung(sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
		EingangsZeitpunkt: sestmodel.NewTimestamp(berlin(t, "2026-07-14 12:30:00")), Bearbeitungsstatus: "gueltig",
		BewerberID: oraZoe, Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-079", AbschlussSchluessel: "82", StudienfachSchluessel: "079"},
		Aktivitaetsstatus: "aktiv", Statusanmerkung: "HZB geprüft", Papierantragstatus: "Papierantrag eingegangen",
		Bestandteil: []sestmodel.Bewerbungsbestandteil{
			{FeldangabeSchluessel: "HZB_NOTE", NameDe: "Durchschnittsnote der HZB", Wert: "1,7"},
			{FeldangabeSchluessel: "HZB_ZEUGNIS", NameDe: "Zeugnis", Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D-ORA-1", Dateiname: "Zeugnis_Gross.pdf", MimeType: "application/pdf"}},
		},
		Bescheid: []sestmodel.Bescheid{{Bescheidart: "Zulassungsbescheid", ErstelltAm: sestmodel.NewTimestamp(berlin(t, "2026-07-15 11:00:00")),
			Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D-ORA-2", Dateiname: "Bescheid_82-079.pdf", MimeType: "application/pdf"}}},
	}})
	require.NoError(t, err)

	clock.Set(berlin(t, "2026-07-16 09:20:00"))
	_, err = s.AddBewerbung(sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
		Bearbeitungsstatus: "eingegangen", BewerberID: oraJonas,
		Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "84-021-1", AbschlussSchluessel: "84", StudienfachSchluessel: "021", FachkennzeichenSchluessel: "1"},
	}})
	require.NoError(t, err)

	clock.Set(berlin(t, "2026-07-16 09:30:00"))
	geschichte := sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "25-084", AbschlussSchluessel: "25", StudienfachSchluessel: "084"}
	philosophie := sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "25-127", AbschlussSchluessel: "25", StudienfachSchluessel: "127"}
	_, err = s.AddBewerbung(sestmodel.Bewerbung{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{
		EingangsZeitpunkt: sestmodel.NewTimestamp(berlin(t, "2026-07-13 08:00:00")), Bearbeitungsstatus: "eingegangen",
		BewerberID: oraZoe, Studienangebot: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"},
		Aktivitaetsstatus: "aktiv", Statusanmerkung: "Zweitfach offen", Sonderantragsentscheidung: "Härtefall anerkannt",
		Teilfachbewerbung: []sestmodel.Teilfachbewerbung{
			{Bearbeitungsstatus: "gueltig", Studienangebot: geschichte, HauptfachSchluessel: &geschichte, Aktivitaetsstatus: "aktiv",
				Statusanmerkung: "Hauptfach geprüft"},
			{Bearbeitungsstatus: "eingegangen", Studienangebot: philosophie, Aktivitaetsstatus: "aktiv",
				Sonderantragsentscheidung: "Nachteilsausgleich gewährt"},
		},
		Bestandteil: []sestmodel.Bewerbungsbestandteil{{FeldangabeSchluessel: "HZB_LAND", NameDe: "Land der HZB", Wert: "Baden-Württemberg"}},
	}})
	require.NoError(t, err)
	clock.Set(berlin(t, "2026-07-16 09:35:00"))
}

// changeOracleData is the second round: E1 admitted (version 2), Jonas'
// phone number changed.
func changeOracleData(t *testing.T, s *sim.Sim) {
	t.Helper()
	s.Clock().Set(berlin(t, "2026-07-16 09:40:00"))
	v, err := s.ChangeBewerbung(oraE1, func(b *sestmodel.Bewerbung) {
		b.Einfach.Bearbeitungsstatus = "zugelassen"
		b.Einfach.Statusanmerkung = "Zulassung erteilt"
	})
	require.NoError(t, err)
	require.Equal(t, 2, v)
	s.Clock().Set(berlin(t, "2026-07-16 09:45:00"))
	require.NoError(t, s.ChangeBewerber(oraJonas, func(b *sestmodel.Bewerber) { b.Telefonnummer = "0521 999999" }))
	s.Clock().Set(berlin(t, "2026-07-16 09:47:00"))
	require.NoError(t, s.SetRanglistenstatus("RL-82-079-HQ", "freigegeben", "Geprüft am 16.07."))
	s.Clock().Set(berlin(t, "2026-07-16 09:50:00"))
}

func TestMirrorOracle(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sim: sim.Config{Seed: 11, Bewerbungen: 1}})
	start := time.Now()
	plantOracleData(t, b.sim)
	b.sync(t)
	ev := b.run(t, jobs.OutboundArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "outbound: %v", ev.Job.Errors)

	requireStudienangebotOracle(t, b, start)
	requireBewerberOracle(t, b, start, "0621 1234567", "0151 7654321")
	requireBewerbungOracle(t, b, start, round1)

	// The first export run's window reaches back to the beginning: the uni
	// views show the Bewerbungen as they were then.
	requireUniBewerbung(t, b, start, oraE2, round1)
	requireUniChildrenOracle(t, b, start)
	secondRound := time.Now()
	changeOracleData(t, b.sim)
	for _, s := range store.AllStreams() {
		ev := b.run(t, jobs.DeltaArgs{Stream: s})
		require.Equal(t, river.EventKindJobCompleted, ev.Kind, "delta %s: %v", s, ev.Job.Errors)
	}
	ev = b.run(t, jobs.OutboundArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "outbound: %v", ev.Job.Errors)

	requireBewerbungOracle(t, b, start, round2)
	requireUniOracle(t, b, start, secondRound)
	requireRanglistenOracle(t, b, start, secondRound)
}

// requireRanglistenOracle states the Studienpaket of Informatik and the
// status of its Hauptquoten Rangliste, changed in round 2.
func requireRanglistenOracle(t *testing.T, b *bundle, start, secondRound time.Time) {
	t.Helper()
	p := b.pool
	coltest.RequireRow(t, p, coltest.T("studienpaket"), "schluessel = $1", []any{"SP-82-079"}, []coltest.Col{
		coltest.C("schluessel", "SP-82-079", "the sim's Paket of the first Einfach offer"),
		coltest.C("name_de", "Paket Informatik", "Paket + the Studiengang's name"),
		coltest.C("kapazitaet", "50", "the sim's first Paket: 50 + 25*(0 mod 8)"),
		coltest.C("data", coltest.Matches(`SP-82-079`), "the item as sent"),
		coltest.C("updated_at", coltest.Recent(start), "written by this test"),
		coltest.C("seen_at", coltest.Recent(start), "seen by this test"),
	})
	coltest.RequireRow(t, p, coltest.T("studienpaket_bestandteil"), "studienpaket_schluessel = $1", []any{"SP-82-079"}, []coltest.Col{
		coltest.C("studienpaket_schluessel", "SP-82-079", "its Paket"),
		coltest.C("studiengang_schluessel", "82-079", "the one offer in it"),
		coltest.C("zaehler", "1", "a whole place"),
		coltest.C("nenner", "1", "a whole place"),
	})
	status := []coltest.Col{
		coltest.C("ranglisten_schluessel", "RL-82-079-HQ", "the Hauptquote of Informatik"),
		coltest.C("studienpaket_schluessel", "SP-82-079", "its Paket"),
		coltest.C("status", "freigegeben", "set in round 2"),
		coltest.C("statusanmerkung", "Geprüft am 16.07.", "set in round 2"),
		coltest.C("anzahl_eintraege", "1", "the sim ranks every 14th of its 10 generated applicants: only the first"),
		coltest.C("letzte_aenderung", "2026-07-16 07:47:00+00", "changed at 09:47 Berlin"),
		coltest.C("updated_at", coltest.Recent(secondRound), "rewritten in round 2"),
	}
	coltest.RequireRow(t, p, coltest.T("uni.ranglistenstatus"), "ranglisten_schluessel = $1", []any{"RL-82-079-HQ"}, status)
	require.Equal(t, 1, coltest.Count(t, p, coltest.T("uni.ranglistenstatus"), "true"), "only this Rangliste changed in round 2")
	coltest.RequireRow(t, p, coltest.T("ranglistenstatus"), "ranglisten_schluessel = $1", []any{"RL-82-079-HQ"}, append(status,
		coltest.C("data", coltest.Matches(`Geprüft am 16\.07\.`), "the item as sent"),
		coltest.C("seen_at", coltest.Recent(secondRound), "seen in round 2")))
}

type round int

const (
	round1 round = 1 // as planted
	round2 round = 2 // after changeOracleData
)

func requireStudienangebotOracle(t *testing.T, b *bundle, start time.Time) {
	t.Helper()
	recent := coltest.Recent(start)
	p := b.pool
	const period = "the sim's Koordinierungsangebotsdaten: 15.4. 00:00 to 15.7. 23:59:59 Berlin (CEST, UTC+2)"
	coltest.RequireRow(t, p, coltest.T("studienangebot"), "schluessel = $1", []any{"82-079"}, []coltest.Col{
		coltest.C("schluessel", "82-079", "an Einfachstudienangebot is keyed by its studiengangSchluessel"),
		coltest.C("art", "einfach", "einfachstudienangebot element"),
		coltest.C("studiengang_schluessel", "82-079", "its Studiengang"),
		coltest.C("abschluss_schluessel", "82", "Bachelor of Science"),
		coltest.C("status", "oeffentlich_sichtbar", "the sim offers it publicly"),
		coltest.C("name_de", "Informatik (Bachelor of Science)", "the offer's nameDe"),
		coltest.C("anfang_bewerbungsfrist", "2026-04-14 22:00:00+00", period),
		coltest.C("ende_bewerbungsfrist", "2026-07-15 21:59:59+00", period),
		coltest.C("data", coltest.Matches(`Studiengang Informatik mit Abschluss Bachelor of Science\.`), "the item as sent, with its beschreibungDe"),
		coltest.C("created_at", recent, "written by this test's download"),
		coltest.C("updated_at", recent, "written by this test's download"),
		coltest.C("seen_at", recent, "seen by this test's download"),
	})
	coltest.RequireRow(t, p, coltest.T("studienangebot"), "schluessel = $1", []any{"82-999"}, []coltest.Col{
		coltest.C("schluessel", "82-999", "the offer in preparation"),
		coltest.C("art", "einfach", "einfachstudienangebot element"),
		coltest.C("studiengang_schluessel", "82-999", "its Studiengang"),
		coltest.C("abschluss_schluessel", "82", "Bachelor of Science"),
		coltest.C("status", "in_Vorbereitung", "not yet public"),
		coltest.C("name_de", "Data Science (Bachelor of Science)", "the offer's nameDe"),
		coltest.C("anfang_bewerbungsfrist", nil, "no Koordinierungsangebotsdaten yet"),
		coltest.C("ende_bewerbungsfrist", nil, "no Koordinierungsangebotsdaten yet"),
		coltest.C("data", coltest.Matches(`in_Vorbereitung`), "the item as sent"),
		coltest.C("created_at", recent, "written by this test's download"),
		coltest.C("updated_at", recent, "written by this test's download"),
		coltest.C("seen_at", recent, "seen by this test's download"),
	})
	coltest.RequireRow(t, p, coltest.T("studienangebot"), "schluessel = $1", []any{"25"}, []coltest.Col{
		coltest.C("schluessel", "25", "a Mehrfachstudienangebot is keyed by its Abschluss"),
		coltest.C("art", "mehrfach", "mehrfachstudienangebot element"),
		coltest.C("studiengang_schluessel", nil, "a Mehrfach offer has no single Studiengang"),
		coltest.C("abschluss_schluessel", "25", "Zwei-Fächer-Bachelor"),
		coltest.C("status", "oeffentlich_sichtbar", "offered publicly"),
		coltest.C("name_de", "Zwei-Fächer-Bachelor", "the offer's nameDe"),
		coltest.C("anfang_bewerbungsfrist", "2026-04-14 22:00:00+00", period),
		coltest.C("ende_bewerbungsfrist", "2026-07-15 21:59:59+00", period),
		coltest.C("data", coltest.Matches(`25-127`), "the item as sent, listing its Teilfächer"),
		coltest.C("created_at", recent, "written by this test's download"),
		coltest.C("updated_at", recent, "written by this test's download"),
		coltest.C("seen_at", recent, "seen by this test's download"),
	})
	// The Mehrfach offer combines the sim's six Teilfächer.
	for _, tf := range []string{"25-007", "25-059", "25-084", "25-021", "25-128", "25-127"} {
		coltest.RequireRow(t, p, coltest.T("studienangebot_teilfach"), "mehrfach_schluessel = '25' AND studiengang_schluessel = $1", []any{tf}, []coltest.Col{
			coltest.C("mehrfach_schluessel", "25", "the Zwei-Fächer-Bachelor"),
			coltest.C("studiengang_schluessel", tf, "one of its teilstudienangebot"),
		})
	}
	require.Equal(t, 6, coltest.Count(t, p, coltest.T("studienangebot_teilfach"), "mehrfach_schluessel = '25'"), "six Teilfächer, no more")

	coltest.RequireRow(t, p, coltest.T("studiengang"), "studiengang_schluessel = $1", []any{"84-021-1"}, []coltest.Col{
		coltest.C("studiengang_schluessel", "84-021-1", "Germanistik with Fachkennzeichen 1"),
		coltest.C("name_de", "Germanistik", "the Studiengang's nameDe"),
		coltest.C("ist_nc", "false", "the sim's ninth offer: every third (i%3 == 2) is free"),
		coltest.C("abschluss_schluessel", "84", "Bachelor of Arts"),
		coltest.C("studienfach_schluessel", "021", "Germanistik"),
		coltest.C("fachkennzeichen_schluessel", "1", "Kernfach"),
		coltest.C("seen_at", recent, "seen by this test's download"),
	})
	coltest.RequireRow(t, p, coltest.T("studiengang"), "studiengang_schluessel = $1", []any{"82-079"}, []coltest.Col{
		coltest.C("studiengang_schluessel", "82-079", "Informatik"),
		coltest.C("name_de", "Informatik", "the Studiengang's nameDe"),
		coltest.C("ist_nc", "true", "the sim's first offer is NC"),
		coltest.C("abschluss_schluessel", "82", "Bachelor of Science"),
		coltest.C("studienfach_schluessel", "079", "Informatik"),
		coltest.C("fachkennzeichen_schluessel", nil, "no Fachkennzeichen"),
		coltest.C("seen_at", recent, "seen by this test's download"),
	})
	for _, kv := range []struct{ table, key, name string }{
		{"abschluss", "82", "Bachelor of Science"}, {"abschluss", "25", "Zwei-Fächer-Bachelor"},
		{"studienfach", "079", "Informatik"}, {"fachkennzeichen", "1", "Kernfach"},
		{"land", "151", "Österreich"}, {"land", "000", "Deutschland"},
	} {
		coltest.RequireRow(t, p, coltest.T(kv.table), "schluessel = $1", []any{kv.key}, []coltest.Col{
			coltest.C("schluessel", kv.key, "key value"),
			coltest.C("name_de", kv.name, "its nameDe"),
		})
	}
}

func requireBewerberOracle(t *testing.T, b *bundle, start time.Time, telZoe, mobilZoe string) {
	t.Helper()
	recent := coltest.Recent(start)
	coltest.RequireRow(t, b.pool, coltest.T("bewerber"), "bewerber_id = $1", []any{oraZoe}, []coltest.Col{
		coltest.C("bewerber_id", oraZoe, "planted"),
		coltest.C("complete", "true", "the Stammdaten came with the Bewerber delta"),
		coltest.C("status", "aktiv", "planted"),
		coltest.C("anrede", "Frau", "planted"),
		coltest.C("vorname", "Zoë", "planted, with diaeresis"),
		coltest.C("weitere_vornamen", "Marie Luise", "planted"),
		coltest.C("nachname", "Groß-Öztürk", "planted"),
		coltest.C("email_adresse", "zoe.gross@example.org", "planted"),
		coltest.C("telefonnummer", telZoe, "planted"),
		coltest.C("mobilnummer", mobilZoe, "planted"),
		coltest.C("verfahrensrichtlinien_zugestimmt", "true", "planted"),
		coltest.C("geburtsname", "Öztürk", "planted"),
		coltest.C("geburtsdatum", "2004-02-29", "planted (a leap day)"),
		coltest.C("geburtsort", "Mannheim", "planted"),
		coltest.C("staatsangehoerigkeit", "151", "Österreich"),
		coltest.C("care_of", "bei Familie Weiß", "planted"),
		coltest.C("strasse_hausnr_postfach", "Schloßallee 7", "planted"),
		coltest.C("plz", "68161", "planted"),
		coltest.C("ort", "Mannheim", "planted"),
		coltest.C("land", "000", "Deutschland"),
		coltest.C("region", "Baden-Württemberg", "planted"),
		coltest.C("letzte_aenderung", "2026-07-16 07:00:00+00", "added at 09:00 Berlin (CEST)"),
		coltest.C("data", coltest.Matches(`Groß-Öztürk`), "the item as sent"),
		coltest.C("data_sha", coltest.Matches(`^\\x[0-9a-f]{64}$`), "a SHA-256, checked against data below"),
		coltest.C("created_at", recent, "written by this test"),
		coltest.C("updated_at", recent, "written by this test"),
		coltest.C("seen_at", recent, "seen by this test"),
	})
	requireShaOfData(t, b, "bewerber", "bewerber_id", oraZoe)
}

func requireShaOfData(t *testing.T, b *bundle, table, keyCol, key string) {
	t.Helper()
	var ok bool
	require.NoError(t, b.pool.QueryRow(context.Background(),
		`SELECT data_sha = sha256(convert_to(data::text, 'UTF8')) FROM `+table+` WHERE `+keyCol+` = $1`, key).Scan(&ok))
	require.True(t, ok, "%s %s: data_sha is the SHA-256 of data", table, key)
}

// bewerbungOracle states the bewerbung row of key in a round.
func bewerbungOracle(start time.Time, key string, r round) []coltest.Col {
	recent := coltest.Recent(start)
	common := []coltest.Col{
		coltest.C("data_sha", coltest.Matches(`^\\x[0-9a-f]{64}$`), "a SHA-256, checked against data"),
		coltest.C("created_at", recent, "written by this test"),
		coltest.C("updated_at", recent, "written by this test"),
		coltest.C("seen_at", recent, "seen by this test"),
	}
	switch {
	case key == oraE1 && r == round1:
		return append(common,
			coltest.C("bewerbung_key", oraE1, "<bewerberId>/<studiengang>"),
			coltest.C("art", "einfach", "an Einfachstudienangebotsbewerbung"),
			coltest.C("bewerber_id", oraZoe, "Zoë's"),
			coltest.C("studienangebot_schluessel", "82-079", "Informatik B.Sc."),
			coltest.C("bearbeitungsstatus", "gueltig", "planted"),
			coltest.C("aktivitaetsstatus", "aktiv", "planted"),
			coltest.C("version", "1", "new at the Servicestelle"),
			coltest.C("eingangs_zeitpunkt", "2026-07-14 10:30:00+00", "planted 12:30 Berlin (CEST)"),
			coltest.C("letzte_aenderung", "2026-07-16 07:10:00+00", "added at 09:10 Berlin"),
			coltest.C("statusanmerkung", "HZB geprüft", "planted"),
			coltest.C("data", coltest.Matches(`HZB geprüft`), "the item as sent"))
	case key == oraE1 && r == round2:
		return append(common,
			coltest.C("bewerbung_key", oraE1, "<bewerberId>/<studiengang>"),
			coltest.C("art", "einfach", "an Einfachstudienangebotsbewerbung"),
			coltest.C("bewerber_id", oraZoe, "Zoë's"),
			coltest.C("studienangebot_schluessel", "82-079", "Informatik B.Sc."),
			coltest.C("bearbeitungsstatus", "zugelassen", "changed in round 2"),
			coltest.C("aktivitaetsstatus", "aktiv", "unchanged"),
			coltest.C("version", "2", "one change since it was added"),
			coltest.C("eingangs_zeitpunkt", "2026-07-14 10:30:00+00", "unchanged"),
			coltest.C("letzte_aenderung", "2026-07-16 07:40:00+00", "changed at 09:40 Berlin"),
			coltest.C("statusanmerkung", "Zulassung erteilt", "changed in round 2"),
			coltest.C("data", coltest.Matches(`Zulassung erteilt`), "the item as sent"))
	case key == oraE2:
		return append(common,
			coltest.C("bewerbung_key", oraE2, "<bewerberId>/<studiengang with Fachkennzeichen>"),
			coltest.C("art", "einfach", "an Einfachstudienangebotsbewerbung"),
			coltest.C("bewerber_id", oraJonas, "Jonas'"),
			coltest.C("studienangebot_schluessel", "84-021-1", "Germanistik B.A., Kernfach"),
			coltest.C("bearbeitungsstatus", "eingegangen", "planted"),
			coltest.C("aktivitaetsstatus", "aktiv", "not planted: the Servicestelle starts a Bewerbung aktiv"),
			coltest.C("version", "1", "new"),
			coltest.C("eingangs_zeitpunkt", "2026-07-16 07:20:00+00", "not planted: it came in when added, 09:20 Berlin"),
			coltest.C("letzte_aenderung", "2026-07-16 07:20:00+00", "added at 09:20 Berlin"),
			coltest.C("statusanmerkung", "", "none"),
			coltest.C("data", coltest.Matches(`84-021-1`), "the item as sent"))
	case key == oraM1:
		return append(common,
			coltest.C("bewerbung_key", oraM1, "<bewerberId>/<abschluss>/<hauptfach>"),
			coltest.C("art", "mehrfach", "a Mehrfachstudienangebotsbewerbung"),
			coltest.C("bewerber_id", oraZoe, "Zoë's"),
			coltest.C("studienangebot_schluessel", "25", "the Mehrfachabschluss"),
			coltest.C("bearbeitungsstatus", "eingegangen", "planted"),
			coltest.C("aktivitaetsstatus", "aktiv", "planted"),
			coltest.C("version", "1", "new"),
			coltest.C("eingangs_zeitpunkt", "2026-07-13 06:00:00+00", "planted 08:00 Berlin"),
			coltest.C("letzte_aenderung", "2026-07-16 07:30:00+00", "added at 09:30 Berlin"),
			coltest.C("statusanmerkung", "Zweitfach offen", "planted"),
			coltest.C("data", coltest.Matches(`Zweitfach offen`), "the item as sent"))
	}
	panic("no oracle for " + key)
}

func requireBewerbungOracle(t *testing.T, b *bundle, start time.Time, r round) {
	t.Helper()
	p := b.pool
	recent := coltest.Recent(start)
	for _, key := range []string{oraE1, oraE2, oraM1} {
		coltest.RequireRow(t, p, coltest.T("bewerbung"), "bewerbung_key = $1", []any{key}, bewerbungOracle(start, key, r))
		requireShaOfData(t, b, "bewerbung", "bewerbung_key", key)
	}

	// Teilfachbewerbungen of M1: Geschichte is the Hauptfach.
	coltest.RequireRow(t, p, coltest.T("teilfachbewerbung"), "bewerbung_key = $1 AND studiengang_schluessel = $2", []any{oraM1, "25-084"}, []coltest.Col{
		coltest.C("bewerbung_key", oraM1, "M1's"),
		coltest.C("studiengang_schluessel", "25-084", "Geschichte"),
		coltest.C("bearbeitungsstatus", "gueltig", "planted for this Teilfach (the head says eingegangen)"),
		coltest.C("version", "1", "the Servicestelle stamps the Bewerbung's version on each Teilfach"),
		coltest.C("ist_hauptfach", "true", "its hauptfachSchluessel names it"),
	})
	coltest.RequireRow(t, p, coltest.T("teilfachbewerbung"), "bewerbung_key = $1 AND studiengang_schluessel = $2", []any{oraM1, "25-127"}, []coltest.Col{
		coltest.C("bewerbung_key", oraM1, "M1's"),
		coltest.C("studiengang_schluessel", "25-127", "Philosophie"),
		coltest.C("bearbeitungsstatus", "eingegangen", "planted"),
		coltest.C("version", "1", "stamped"),
		coltest.C("ist_hauptfach", "false", "no hauptfachSchluessel"),
	})
	require.Equal(t, 2, coltest.Count(t, p, coltest.T("teilfachbewerbung"), "bewerbung_key = $1", oraM1))
	require.Zero(t, coltest.Count(t, p, coltest.T("teilfachbewerbung"), "bewerbung_key IN ($1, $2)", oraE1, oraE2), "Einfach Bewerbungen have no Teilfächer")

	// Bestandteile in their order; the document reference of the second.
	coltest.RequireRow(t, p, coltest.T("bewerbungsbestandteil"), "bewerbung_key = $1 AND position = 0", []any{oraE1}, []coltest.Col{
		coltest.C("bewerbung_key", oraE1, "E1's"),
		coltest.C("position", "0", "first Bestandteil"),
		coltest.C("feldangabe_schluessel", "HZB_NOTE", "planted"),
		coltest.C("wert", "1,7", "planted, a German decimal kept as text"),
		coltest.C("dokument_id", nil, "a value, no document"),
	})
	coltest.RequireRow(t, p, coltest.T("bewerbungsbestandteil"), "bewerbung_key = $1 AND position = 1", []any{oraE1}, []coltest.Col{
		coltest.C("bewerbung_key", oraE1, "E1's"),
		coltest.C("position", "1", "second Bestandteil"),
		coltest.C("feldangabe_schluessel", "HZB_ZEUGNIS", "planted"),
		coltest.C("wert", "", "a document, no value"),
		coltest.C("dokument_id", "D-ORA-1", "the certificate"),
	})
	coltest.RequireRow(t, p, coltest.T("bewerbungsbestandteil"), "bewerbung_key = $1 AND position = 0", []any{oraM1}, []coltest.Col{
		coltest.C("bewerbung_key", oraM1, "M1's"),
		coltest.C("position", "0", "its only Bestandteil"),
		coltest.C("feldangabe_schluessel", "HZB_LAND", "planted"),
		coltest.C("wert", "Baden-Württemberg", "planted"),
		coltest.C("dokument_id", nil, "a value"),
	})
	require.Equal(t, 2, coltest.Count(t, p, coltest.T("bewerbungsbestandteil"), "bewerbung_key = $1", oraE1))
	require.Equal(t, 1, coltest.Count(t, p, coltest.T("bewerbungsbestandteil"), "bewerbung_key = $1", oraM1))
	require.Zero(t, coltest.Count(t, p, coltest.T("bewerbungsbestandteil"), "bewerbung_key = $1", oraE2), "E2 has no Bestandteile")

	coltest.RequireRow(t, p, coltest.T("bescheid"), "bewerbung_key = $1 AND position = 0", []any{oraE1}, []coltest.Col{
		coltest.C("bewerbung_key", oraE1, "E1's"),
		coltest.C("position", "0", "its only Bescheid"),
		coltest.C("bescheidart", "Zulassungsbescheid", "planted"),
		coltest.C("erstellt_am", "2026-07-15 09:00:00+00", "planted 11:00 Berlin"),
		coltest.C("dokument_id", "D-ORA-2", "the letter"),
	})
	require.Equal(t, 1, coltest.Count(t, p, coltest.T("bescheid"), "bewerbung_key = $1", oraE1))
	require.Zero(t, coltest.Count(t, p, coltest.T("bescheid"), "bewerbung_key IN ($1, $2)", oraE2, oraM1), "no other Bescheide")

	// Document references (the delta does not download documents).
	for _, d := range []struct{ id, name string }{{"D-ORA-1", "Zeugnis_Gross.pdf"}, {"D-ORA-2", "Bescheid_82-079.pdf"}} {
		coltest.RequireRow(t, p, coltest.T("dokument"), "dokument_id = $1", []any{d.id}, []coltest.Col{
			coltest.C("dokument_id", d.id, "referenced by E1"),
			coltest.C("bewerber_id", oraZoe, "E1 is Zoë's"),
			coltest.C("dateiname", d.name, "planted"),
			coltest.C("mime_type", "application/pdf", "planted"),
			coltest.C("path", nil, "not downloaded: only the full download fetches documents"),
			coltest.C("sha256", nil, "not downloaded"),
			coltest.C("size", nil, "not downloaded"),
			coltest.C("downloaded_at", nil, "not downloaded"),
			coltest.C("seen_at", recent, "seen by this test"),
		})
	}
}

// uniBewerbungExtra states the columns uni.bewerbungen reads from the
// Bewerbung as sent (they have no column of their own in bewerbung): the
// view shows an element that was not sent as ”.
func uniBewerbungExtra(key string) []coltest.Col {
	switch key {
	case oraE1:
		return []coltest.Col{
			coltest.C("papierantragstatus", "Papierantrag eingegangen", "planted on E1, unchanged in round 2"),
			coltest.C("sonderantragsentscheidung", "", "none planted on E1"),
		}
	case oraE2:
		return []coltest.Col{
			coltest.C("papierantragstatus", "", "none planted on E2"),
			coltest.C("sonderantragsentscheidung", "", "none planted on E2"),
		}
	case oraM1:
		return []coltest.Col{
			coltest.C("papierantragstatus", "", "none planted on M1"),
			coltest.C("sonderantragsentscheidung", "Härtefall anerkannt", "planted on M1's head"),
		}
	}
	panic("no oracle for " + key)
}

// requireUniBewerbung states a uni.bewerbungen row: the bewerbung row's
// columns SQL users read, without data and bookkeeping, and those the
// view reads from data.
func requireUniBewerbung(t *testing.T, b *bundle, start time.Time, key string, r round) {
	t.Helper()
	cols := uniBewerbungExtra(key)
	for _, c := range bewerbungOracle(start, key, r) {
		switch c.Name {
		case "data", "data_sha", "created_at", "seen_at":
			continue
		}
		cols = append(cols, c)
	}
	coltest.RequireRow(t, b.pool, coltest.T("uni.bewerbungen"), "bewerbung_key = $1", []any{key}, cols)
}

// requireUniChildrenOracle states the first export window's rows of the
// uni views of a Bewerbung's parts: M1's Teilfächer with what the view
// reads from the Teilfachbewerbung as sent, E1's and M1's Bestandteile and
// E1's Bescheid with their documents' names and (not downloaded) no path.
func requireUniChildrenOracle(t *testing.T, b *bundle, start time.Time) {
	t.Helper()
	p := b.pool
	recent := coltest.Recent(start)
	coltest.RequireRow(t, p, coltest.T("uni.teilfachbewerbungen"), "bewerbung_key = $1 AND studiengang_schluessel = $2", []any{oraM1, "25-084"}, []coltest.Col{
		coltest.C("bewerbung_key", oraM1, "M1's"),
		coltest.C("studiengang_schluessel", "25-084", "Geschichte"),
		coltest.C("bewerber_id", oraZoe, "M1 is Zoë's"),
		coltest.C("ist_hauptfach", "true", "its hauptfachSchluessel names it"),
		coltest.C("bearbeitungsstatus", "gueltig", "planted for this Teilfach"),
		coltest.C("version", "1", "stamped with the Bewerbung's version"),
		coltest.C("aktivitaetsstatus", "aktiv", "planted"),
		coltest.C("statusanmerkung", "Hauptfach geprüft", "planted on this Teilfach (the head's is another)"),
		coltest.C("sonderantragsentscheidung", "", "none planted on this Teilfach"),
		coltest.C("updated_at", recent, "the Bewerbung was written by this test"),
	})
	coltest.RequireRow(t, p, coltest.T("uni.teilfachbewerbungen"), "bewerbung_key = $1 AND studiengang_schluessel = $2", []any{oraM1, "25-127"}, []coltest.Col{
		coltest.C("bewerbung_key", oraM1, "M1's"),
		coltest.C("studiengang_schluessel", "25-127", "Philosophie"),
		coltest.C("bewerber_id", oraZoe, "M1 is Zoë's"),
		coltest.C("ist_hauptfach", "false", "no hauptfachSchluessel"),
		coltest.C("bearbeitungsstatus", "eingegangen", "planted"),
		coltest.C("version", "1", "stamped"),
		coltest.C("aktivitaetsstatus", "aktiv", "planted"),
		coltest.C("statusanmerkung", "", "none planted on this Teilfach"),
		coltest.C("sonderantragsentscheidung", "Nachteilsausgleich gewährt", "planted on this Teilfach (the head's is another)"),
		coltest.C("updated_at", recent, "the Bewerbung was written by this test"),
	})
	require.Equal(t, 2, coltest.Count(t, p, coltest.T("uni.teilfachbewerbungen"), "bewerber_id IN ($1, $2)", oraZoe, oraJonas), "M1's two Teilfächer, no more")

	coltest.RequireRow(t, p, coltest.T("uni.bestandteile"), "bewerbung_key = $1 AND position = 0", []any{oraE1}, []coltest.Col{
		coltest.C("bewerbung_key", oraE1, "E1's"),
		coltest.C("position", "0", "first Bestandteil"),
		coltest.C("bewerber_id", oraZoe, "E1 is Zoë's"),
		coltest.C("feldangabe_schluessel", "HZB_NOTE", "planted"),
		coltest.C("wert", "1,7", "planted"),
		coltest.C("dokument_id", nil, "a value, no document"),
		coltest.C("dokument_dateiname", "", "no document"),
		coltest.C("dokument_pfad", "", "no document"),
	})
	coltest.RequireRow(t, p, coltest.T("uni.bestandteile"), "bewerbung_key = $1 AND position = 1", []any{oraE1}, []coltest.Col{
		coltest.C("bewerbung_key", oraE1, "E1's"),
		coltest.C("position", "1", "second Bestandteil"),
		coltest.C("bewerber_id", oraZoe, "E1 is Zoë's"),
		coltest.C("feldangabe_schluessel", "HZB_ZEUGNIS", "planted"),
		coltest.C("wert", "", "a document, no value"),
		coltest.C("dokument_id", "D-ORA-1", "the certificate"),
		coltest.C("dokument_dateiname", "Zeugnis_Gross.pdf", "the reference's file name"),
		coltest.C("dokument_pfad", "", "not downloaded (the delta fetches no documents)"),
	})
	coltest.RequireRow(t, p, coltest.T("uni.bestandteile"), "bewerbung_key = $1 AND position = 0", []any{oraM1}, []coltest.Col{
		coltest.C("bewerbung_key", oraM1, "M1's"),
		coltest.C("position", "0", "its only Bestandteil"),
		coltest.C("bewerber_id", oraZoe, "M1 is Zoë's"),
		coltest.C("feldangabe_schluessel", "HZB_LAND", "planted"),
		coltest.C("wert", "Baden-Württemberg", "planted"),
		coltest.C("dokument_id", nil, "a value"),
		coltest.C("dokument_dateiname", "", "no document"),
		coltest.C("dokument_pfad", "", "no document"),
	})
	require.Equal(t, 3, coltest.Count(t, p, coltest.T("uni.bestandteile"), "bewerber_id IN ($1, $2)", oraZoe, oraJonas), "E1's two and M1's one")

	coltest.RequireRow(t, p, coltest.T("uni.bescheide"), "bewerbung_key = $1 AND position = 0", []any{oraE1}, []coltest.Col{
		coltest.C("bewerbung_key", oraE1, "E1's"),
		coltest.C("position", "0", "its only Bescheid"),
		coltest.C("bewerber_id", oraZoe, "E1 is Zoë's"),
		coltest.C("bescheidart", "Zulassungsbescheid", "planted"),
		coltest.C("erstellt_am", "2026-07-15 09:00:00+00", "planted 11:00 Berlin"),
		coltest.C("dokument_id", "D-ORA-2", "the letter"),
		coltest.C("dokument_dateiname", "Bescheid_82-079.pdf", "the reference's file name"),
		coltest.C("dokument_pfad", "", "not downloaded"),
	})
	require.Equal(t, 1, coltest.Count(t, p, coltest.T("uni.bescheide"), "bewerber_id IN ($1, $2)", oraZoe, oraJonas), "E1's only")
}

func requireUniOracle(t *testing.T, b *bundle, start, secondRound time.Time) {
	t.Helper()
	p := b.pool
	// The second export's window holds the second round's changes only.
	requireUniBewerbung(t, b, start, oraE1, round2)
	coltest.RequireNoRow(t, p, coltest.T("uni.bewerbungen"), "bewerbung_key IN ($1, $2)", oraE2, oraM1)
	require.Zero(t, coltest.Count(t, p, coltest.T("uni.teilfachbewerbungen"), "bewerbung_key = $1", oraM1), "M1 did not change in round 2")
	require.Equal(t, 2, coltest.Count(t, p, coltest.T("uni.bestandteile"), "bewerber_id IN ($1, $2)", oraZoe, oraJonas), "E1 changed: its two Bestandteile")
	require.Equal(t, 1, coltest.Count(t, p, coltest.T("uni.bescheide"), "bewerber_id IN ($1, $2)", oraZoe, oraJonas), "E1 changed: its Bescheid")

	coltest.RequireRow(t, p, coltest.T("uni.statusaenderungen"), "bewerbung_key = $1", []any{oraE1}, []coltest.Col{
		coltest.C("id", coltest.Matches(`^[0-9]+$`), "a serial"),
		coltest.C("bewerbung_key", oraE1, "E1 changed its status"),
		coltest.C("bewerber_id", oraZoe, "Zoë's"),
		coltest.C("old_status", "gueltig", "before round 2"),
		coltest.C("new_status", "zugelassen", "round 2"),
		coltest.C("version", "2", "the version that brought it"),
		coltest.C("changed_at", coltest.Recent(secondRound), "mirrored in round 2"),
	})
	require.Equal(t, 1, coltest.Count(t, p, coltest.T("uni.statusaenderungen"), "bewerber_id IN ($1, $2)", oraZoe, oraJonas),
		"only E1's status changed in round 2")

	coltest.RequireRow(t, p, coltest.T("uni.bewerber"), "bewerber_id = $1", []any{oraJonas}, []coltest.Col{
		coltest.C("bewerber_id", oraJonas, "Jonas changed his phone number"),
		coltest.C("status", "aktiv", "not planted: the Servicestelle's default"),
		coltest.C("anrede", "", "none"),
		coltest.C("vorname", "Jonas", "planted"),
		coltest.C("weitere_vornamen", "", "none"),
		coltest.C("nachname", "Becker", "planted"),
		coltest.C("email_adresse", "", "none"),
		coltest.C("geburtsdatum", nil, "none given"),
		coltest.C("staatsangehoerigkeit", nil, "none given"),
		coltest.C("strasse_hausnr_postfach", "Hauptstraße 1", "planted"),
		coltest.C("plz", "33602", "planted"),
		coltest.C("ort", "Bielefeld", "planted"),
		coltest.C("land", "000", "Deutschland"),
		coltest.C("letzte_aenderung", "2026-07-16 07:45:00+00", "changed at 09:45 Berlin"),
		coltest.C("updated_at", coltest.Recent(secondRound), "mirrored in round 2"),
	})
	coltest.RequireNoRow(t, p, coltest.T("uni.bewerber"), "bewerber_id = $1", oraZoe)

	// Jonas' whole row after the change.
	coltest.RequireRow(t, p, coltest.T("bewerber"), "bewerber_id = $1", []any{oraJonas}, []coltest.Col{
		coltest.C("bewerber_id", oraJonas, "planted"),
		coltest.C("complete", "true", "Stammdaten mirrored"),
		coltest.C("status", "aktiv", "the Servicestelle's default"),
		coltest.C("anrede", "", "none"),
		coltest.C("vorname", "Jonas", "planted"),
		coltest.C("weitere_vornamen", "", "none"),
		coltest.C("nachname", "Becker", "planted"),
		coltest.C("email_adresse", "", "none"),
		coltest.C("telefonnummer", "0521 999999", "changed in round 2"),
		coltest.C("mobilnummer", "", "none"),
		coltest.C("verfahrensrichtlinien_zugestimmt", "false", "not agreed"),
		coltest.C("geburtsname", "", "none"),
		coltest.C("geburtsdatum", nil, "none"),
		coltest.C("geburtsort", "", "none"),
		coltest.C("staatsangehoerigkeit", nil, "none"),
		coltest.C("care_of", "", "none"),
		coltest.C("strasse_hausnr_postfach", "Hauptstraße 1", "planted"),
		coltest.C("plz", "33602", "planted"),
		coltest.C("ort", "Bielefeld", "planted"),
		coltest.C("land", "000", "Deutschland"),
		coltest.C("region", "", "none"),
		coltest.C("letzte_aenderung", "2026-07-16 07:45:00+00", "changed at 09:45 Berlin"),
		coltest.C("data", coltest.Matches(`0521 999999`), "the item as sent"),
		coltest.C("data_sha", coltest.Matches(`^\\x[0-9a-f]{64}$`), "a SHA-256"),
		coltest.C("created_at", coltest.Recent(start), "written by this test"),
		coltest.C("updated_at", coltest.Recent(secondRound), "rewritten in round 2"),
		coltest.C("seen_at", coltest.Recent(secondRound), "seen in round 2"),
	})
	requireShaOfData(t, b, "bewerber", "bewerber_id", oraJonas)
	// Zoë did not change: her row is as in round 1.
	requireBewerberOracle(t, b, start, "0621 1234567", "0151 7654321")
}
