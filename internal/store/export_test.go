package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

// exportFiles runs one export and returns each kind's rows as the files
// would hold them, with the columns named in drop left out (times of the
// run).
func exportFiles(t *testing.T, s *store.Store, drop ...string) (store.ExportRun, map[string][][]string) {
	t.Helper()
	files := map[string][][]string{}
	run, err := s.ExportChanges(context.Background(), func(_ store.ExportRun, kind string, header []string, rows [][]string) (string, error) {
		if len(rows) == 0 {
			return "", nil
		}
		var keep []int
		for i, h := range header {
			if !slices.Contains(drop, h) {
				keep = append(keep, i)
			}
		}
		out := [][]string{pick(header, keep)}
		for _, r := range rows {
			out = append(out, pick(r, keep))
		}
		files[kind] = out
		return kind + ".csv", nil
	})
	require.NoError(t, err)
	return run, files
}

func pick(row []string, idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = row[j]
	}
	return out
}

// TestExportHasWhatTheUniversityNeeds writes an applicant, an Einfach- and
// a Mehrfachstudienangebotsbewerbung with Bestandteile, Bescheide and
// documents into the mirror and compares the export with rows written by
// hand: dates as dates, Teilfächer, Bestandteile and Bescheide with the
// documents' paths relative to the document root, papierantragstatus and
// sonderantragsentscheidung.
func TestExportHasWhatTheUniversityNeeds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	eingang := sestmodel.NewTimestamp(time.Date(2026, 7, 1, 10, 0, 0, 0, berlin)) // 08:00 UTC
	erstellt := sestmodel.NewTimestamp(time.Date(2026, 8, 3, 9, 30, 0, 0, berlin))

	_, err = s.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{{
		ID: "B-100", Status: "aktiv", Anrede: "Frau", Vorname: "Änne", Nachname: "Groß", EmailAdresse: "aenne@example.org",
		Geburtsdatum: "2006-02-16", Staatsangehoerigkeit: &sestmodel.Schluesselwert{Schluessel: "D", NameDe: "Deutschland"},
		Postanschrift: sestmodel.Postanschrift{StrasseHausNrOderPostfach: "Lindenallee 4", Plz: "33615", Ort: "Bielefeld",
			Land: sestmodel.Schluesselwert{Schluessel: "D", NameDe: "Deutschland"}},
	}}, store.Step{})
	require.NoError(t, err)
	einfach := sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{
		EingangsZeitpunkt: eingang, Bearbeitungsstatus: "gueltig", VersionSeSt: 3, BewerberID: "B-100",
		Studienangebot:    sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "82-079", AbschlussSchluessel: "82", StudienfachSchluessel: "079"},
		Aktivitaetsstatus: "aktiv", Papierantragstatus: "Papierantrag_eingegangen", Sonderantragsentscheidung: "Haertefall_anerkannt",
		Statusanmerkung: "Nachweis liegt vor",
		Bestandteil: []sestmodel.Bewerbungsbestandteil{
			{FeldangabeSchluessel: "HZB_NOTE", Wert: "1,7"},
			{FeldangabeSchluessel: "HZB_ZEUGNIS", Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D-1", Dateiname: "Zeugnis.pdf", MimeType: "application/pdf"}},
		},
		Bescheid: []sestmodel.Bescheid{{Bescheidart: "Zulassungsbescheid", ErstelltAm: erstellt,
			Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D-2", Dateiname: "Bescheid.pdf", MimeType: "application/pdf"}}},
	}}
	mehrfach := sestmodel.Bewerbung{Mehrfach: &sestmodel.Mehrfachstudienangebotsbewerbung{
		EingangsZeitpunkt: eingang, Bearbeitungsstatus: "eingegangen", VersionSeSt: 1, BewerberID: "B-100",
		Studienangebot: sestmodel.MehrfachstudienangebotsSchluessel{AbschlussSchluessel: "25"}, Papierantragstatus: "nicht_erforderlich",
		Teilfachbewerbung: []sestmodel.Teilfachbewerbung{
			{EingangsZeitpunkt: eingang, Bearbeitungsstatus: "eingegangen", VersionSeSt: 1,
				Studienangebot:      sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "25-007", AbschlussSchluessel: "25", StudienfachSchluessel: "007"},
				HauptfachSchluessel: &sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "25-007", AbschlussSchluessel: "25", StudienfachSchluessel: "007"},
				Aktivitaetsstatus:   "aktiv"},
			{EingangsZeitpunkt: eingang, Bearbeitungsstatus: "gueltig", VersionSeSt: 2,
				Studienangebot:  sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "25-059", AbschlussSchluessel: "25", StudienfachSchluessel: "059"},
				Statusanmerkung: "Sprachnachweis fehlt", Sonderantragsentscheidung: "abgelehnt"},
		},
	}}
	_, err = s.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{einfach, mehrfach}, store.Step{})
	require.NoError(t, err)
	// D-1 was downloaded (by its file name under the document root), D-2
	// not (yet).
	require.NoError(t, s.DokumentMarkDownloaded(ctx, []store.Download{{DokumentID: "D-1", Path: "B-100_D-1.pdf", SHA256: "ab", Size: 2}}))

	_, files := exportFiles(t, s, "updated_at", "letzte_aenderung")
	require.Equal(t, [][]string{
		{"bewerber_id", "status", "anrede", "vorname", "weitere_vornamen", "nachname", "email_adresse", "geburtsdatum",
			"staatsangehoerigkeit", "strasse_hausnr_postfach", "plz", "ort", "land"},
		{"B-100", "aktiv", "Frau", "Änne", "", "Groß", "aenne@example.org", "2006-02-16", "D", "Lindenallee 4", "33615", "Bielefeld", "D"},
	}, files["bewerber"])
	require.Equal(t, [][]string{
		{"bewerbung_key", "art", "bewerber_id", "studienangebot_schluessel", "bearbeitungsstatus", "aktivitaetsstatus",
			"papierantragstatus", "sonderantragsentscheidung", "version", "eingangs_zeitpunkt", "statusanmerkung"},
		{"B-100/25/25-007", "mehrfach", "B-100", "25", "eingegangen", "", "nicht_erforderlich", "", "1", "2026-07-01T08:00:00Z", ""},
		{"B-100/82-079", "einfach", "B-100", "82-079", "gueltig", "aktiv", "Papierantrag_eingegangen", "Haertefall_anerkannt", "3", "2026-07-01T08:00:00Z", "Nachweis liegt vor"},
	}, files["bewerbungen"])
	require.Equal(t, [][]string{
		{"bewerbung_key", "studiengang_schluessel", "bewerber_id", "ist_hauptfach", "bearbeitungsstatus", "version",
			"aktivitaetsstatus", "statusanmerkung", "sonderantragsentscheidung"},
		{"B-100/25/25-007", "25-007", "B-100", "J", "eingegangen", "1", "aktiv", "", ""},
		{"B-100/25/25-007", "25-059", "B-100", "N", "gueltig", "2", "", "Sprachnachweis fehlt", "abgelehnt"},
	}, files["teilfachbewerbungen"])
	require.Equal(t, [][]string{
		{"bewerbung_key", "position", "bewerber_id", "feldangabe_schluessel", "wert", "dokument_id", "dokument_dateiname", "dokument_pfad"},
		{"B-100/82-079", "0", "B-100", "HZB_NOTE", "1,7", "", "", ""},
		{"B-100/82-079", "1", "B-100", "HZB_ZEUGNIS", "", "D-1", "Zeugnis.pdf", "B-100_D-1.pdf"},
	}, files["bestandteile"])
	require.Equal(t, [][]string{
		{"bewerbung_key", "position", "bewerber_id", "bescheidart", "erstellt_am", "dokument_id", "dokument_dateiname", "dokument_pfad"},
		{"B-100/82-079", "0", "B-100", "Zulassungsbescheid", "2026-08-03T07:30:00Z", "D-2", "Bescheid.pdf", ""},
	}, files["bescheide"])

	// D-2 is downloaded later: its Bescheid comes again, now with the path;
	// nothing else changed.
	require.NoError(t, s.DokumentMarkDownloaded(ctx, []store.Download{{DokumentID: "D-2", Path: "B-100_D-2.pdf", SHA256: "cd", Size: 2}}))
	run, files := exportFiles(t, s, "updated_at", "letzte_aenderung")
	require.Equal(t, []string{"bescheide.csv"}, run.Files)
	require.Equal(t, [][]string{
		{"bewerbung_key", "position", "bewerber_id", "bescheidart", "erstellt_am", "dokument_id", "dokument_dateiname", "dokument_pfad"},
		{"B-100/82-079", "0", "B-100", "Zulassungsbescheid", "2026-08-03T07:30:00Z", "D-2", "Bescheid.pdf", "B-100_D-2.pdf"},
	}, files["bescheide"])
}
