package importers_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"sestd/internal/coltest"
	"sestd/internal/importers"
)

// Column oracles: each import kind imports a small hand-made file of
// testdata/oracle, and every column of every table it writes is compared
// with the value stated here, with its reason, in psql's text form. The
// files are imported in mode create, stated explicitly.

type oracleImport struct {
	b     *bundle
	pool  *pgxpool.Pool
	start time.Time
}

func newOracleImport(t *testing.T) *oracleImport {
	b := setup(t)
	return &oracleImport{b: b, pool: b.st.Pool(), start: time.Now()}
}

// run imports testdata/oracle/<file> in mode create and returns the run
// id as text (every row records the run that wrote it).
func (o *oracleImport) run(t *testing.T, file string, opts importers.Options) string {
	t.Helper()
	opts.Mode = importers.ModeCreate
	sum := o.b.run(t, o.b.put(t, "oracle/"+file), opts)
	require.Zero(t, sum.Rejected, "%s: nothing of the oracle file is rejected", file)
	return strconv.FormatInt(sum.RunID, 10)
}

func (o *oracleImport) recent() coltest.Check { return coltest.Recent(o.start) }

func TestColumnsSbeatStudents(t *testing.T) {
	t.Parallel()
	o := newOracleImport(t)
	run := o.run(t, "students.csv", importers.Options{Kind: importers.KindSbeatStudents})
	p := o.pool
	coltest.RequireRow(t, p, coltest.T("sbeat_student"), "identnr = 'ST01'", nil, []coltest.Col{
		coltest.C("identnr", "ST01", "IDENTNR"),
		coltest.C("stg", "079", "STG, leading zero kept"),
		coltest.C("immdat", "2022-10-01", "IMMDAT 01.10.2022"),
		coltest.C("exmdat", "2025-03-15", "EXMDAT 15-Mrz-25: German month abbreviation, two-digit year"),
		coltest.C("sem_start", "20222", "SEM_START empty: from IMMDAT, October is in the winter semester 2022"),
		coltest.C("sem_end", "20251", "SEM_END empty: from EXMDAT, March is in the summer semester 2025"),
		coltest.C("sperrart1", nil, "SPERRART1 empty"),
		coltest.C("pnr", "8000", "PNR: graduated"),
		coltest.C("pdatum", "2025-02-28", "PDATUM"),
		coltest.C("geschl", "W", "GESCHL w, stored as S-BEAT lists it"),
		coltest.C("gebdat", "2003-05-03", "GEBDAT 03.05.2003"),
		coltest.C("hzbnote", "210", "HZBNOTE 2,1 ×100"),
		coltest.C("hzbdatum", "2022-06-30", "HZBDATUM"),
		coltest.C("hzbart", nil, "HZBART empty"),
		coltest.C("hzbgrp", "Abitur", "HZBGRP given"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
	coltest.RequireRow(t, p, coltest.T("sbeat_student"), "identnr = 'ST02'", nil, []coltest.Col{
		coltest.C("identnr", "ST02", "IDENTNR"),
		coltest.C("stg", "128", "STG"),
		coltest.C("immdat", "2023-04-15", "IMMDAT"),
		coltest.C("exmdat", nil, "EXMDAT empty: still enrolled"),
		coltest.C("sem_start", "20221", "SEM_START given wins over IMMDAT's semester (20231)"),
		coltest.C("sem_end", "20242", "SEM_END given"),
		coltest.C("sperrart1", "00", "SPERRART1 00: imported, only 01 is skipped"),
		coltest.C("pnr", nil, "PNR empty"),
		coltest.C("pdatum", nil, "PDATUM empty"),
		coltest.C("geschl", "M", "GESCHL"),
		coltest.C("gebdat", nil, "GEBDAT empty"),
		coltest.C("hzbnote", nil, "HZBNOTE 9.9 means no grade"),
		coltest.C("hzbdatum", nil, "HZBDATUM empty"),
		coltest.C("hzbart", "3", "HZBART"),
		coltest.C("hzbgrp", "Abitur", "HZBGRP empty: HZBART 3 maps to Abitur in S-BEAT's default mappings"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
	coltest.RequireNoRow(t, p, coltest.T("sbeat_student"), "identnr = 'ST03'")
	coltest.RequireRow(t, p, coltest.T("sbeat_identity"), "identnr = 'ST01'", nil, identityCols(run, o.recent(), "ST01",
		"1234567", "Jürgen", "Weiß", "jweiss", "j.weiss@example.org", "D", "68161", "deutsch", "true"))
	coltest.RequireRow(t, p, coltest.T("sbeat_identity"), "identnr = 'ST02'", nil, identityCols(run, o.recent(), "ST02",
		"7654321", nil, nil, nil, nil, nil, nil, nil, "false"))
	coltest.RequireNoRow(t, p, coltest.T("sbeat_identity"), "identnr = 'ST03'")

	// The run itself.
	raw, err := os.ReadFile("testdata/oracle/students.csv")
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	coltest.RequireRow(t, p, coltest.T("import_runs"), "id = "+run, nil, []coltest.Col{
		coltest.C("id", run, "the run"),
		coltest.C("kind", "sbeat_students", "given"),
		coltest.C("mode", "create", "given"),
		coltest.C("file_name", "students.csv", "the file's base name"),
		coltest.C("sha256", hex.EncodeToString(sum[:]), "SHA-256 of the file's bytes"),
		coltest.C("encoding", "windows-1252", "detected: not valid UTF-8 (ü, ß in windows-1252)"),
		coltest.C("forced", "false", "not forced"),
		coltest.C("status", "succeeded", "nothing rejected"),
		coltest.C("rows_read", "3", "three data rows"),
		coltest.C("created", "2", "ST01, ST02"),
		coltest.C("updated", "0", "create mode"),
		coltest.C("removed", "0", "create mode"),
		coltest.C("rejected", "0", "nothing wrong"),
		coltest.C("skipped", "1", "ST03 has SPERRART1 01"),
		coltest.C("rejects_path", "", "no rejects"),
		coltest.C("error", "", "no error"),
		coltest.C("started_at", o.recent(), "now"),
		coltest.C("finished_at", o.recent(), "now"),
		coltest.C("duration_ms", coltest.Matches(`^[0-9]+$`), "a duration"),
		coltest.C("interrupted", "false", "ran to its end, not cut by a shutdown or cancel"),
		coltest.C("retried_by", nil, "not interrupted, so no later run retried it"),
		coltest.C("rejects_encoding", "", "no rejects file, so no encoding for one"),
		coltest.C("unchanged", "0", "an empty database: no row was already as the file has it"),
		coltest.C("missing", "0", "create mode: only a full export (mode sync) reports stored rows it lacks"),
		coltest.C("note", "", "nothing unusual: no removals left out"),
	})

	// The same file again as a full export (mode sync, stated): every row
	// is as stored, so nothing is written; the rows keep the first run and
	// their time.
	var before string
	require.NoError(t, p.QueryRow(o.b.ctx, `SELECT updated_at::text FROM sbeat_student WHERE identnr = 'ST01'`).Scan(&before))
	again := o.b.run(t, o.b.put(t, "oracle/students.csv"), importers.Options{Kind: importers.KindSbeatStudents, Mode: importers.ModeSync})
	run2 := strconv.FormatInt(again.RunID, 10)
	coltest.RequireRow(t, p, coltest.T("import_runs"), "id = "+run2, nil, []coltest.Col{
		coltest.C("id", run2, "the second run"),
		coltest.C("kind", "sbeat_students", "given"),
		coltest.C("mode", "sync", "given"),
		coltest.C("file_name", "students.csv", "the file's base name"),
		coltest.C("sha256", hex.EncodeToString(sum[:]), "the same bytes"),
		coltest.C("encoding", "windows-1252", "detected again"),
		coltest.C("forced", "false", "not forced (another mode than the first run: no duplicate)"),
		coltest.C("status", "succeeded", "nothing rejected"),
		coltest.C("rows_read", "3", "three data rows"),
		coltest.C("created", "0", "both students are stored"),
		coltest.C("updated", "0", "both are as stored"),
		coltest.C("removed", "0", "no stored student lacks in the file"),
		coltest.C("rejected", "0", "nothing wrong"),
		coltest.C("skipped", "1", "ST03 has SPERRART1 01"),
		coltest.C("rejects_path", "", "no rejects"),
		coltest.C("error", "", "no error"),
		coltest.C("started_at", o.recent(), "now"),
		coltest.C("finished_at", o.recent(), "now"),
		coltest.C("duration_ms", coltest.Matches(`^[0-9]+$`), "a duration"),
		coltest.C("interrupted", "false", "ran to its end"),
		coltest.C("retried_by", nil, "not interrupted"),
		coltest.C("rejects_encoding", "", "no rejects file"),
		coltest.C("unchanged", "2", "ST01 and ST02 as stored"),
		coltest.C("missing", "0", "no stored student lacks in the file"),
		coltest.C("note", "", "nothing unusual"),
	})
	for _, id := range []string{"ST01", "ST02"} {
		require.Equal(t, []any{run}, o.b.one(t, `SELECT import_run_id::text FROM sbeat_student WHERE identnr = $1`, id),
			"%s untouched: still written by the first run", id)
	}
	require.Equal(t, []any{before}, o.b.one(t, `SELECT updated_at::text FROM sbeat_student WHERE identnr = 'ST01'`), "ST01 untouched")
}

func identityCols(run string, recent coltest.Check, id string, vals ...any) []coltest.Col {
	names := []string{"matrikelnr", "vorname", "nachname", "kuerzel", "email", "land", "plz", "stang", "eu"}
	cols := []coltest.Col{
		coltest.C("identnr", id, "IDENTNR"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", recent, "written now"),
	}
	for i, n := range names {
		cols = append(cols, coltest.C(n, vals[i], "identity column "+n+" of the file (empty: NULL; EU J/N: boolean)"))
	}
	return cols
}

func TestColumnsSbeatExams(t *testing.T) {
	t.Parallel()
	o := newOracleImport(t)
	run := o.run(t, "exams.csv", importers.Options{Kind: importers.KindSbeatExams})
	p := o.pool
	coltest.RequireRow(t, p, coltest.T("sbeat_exam"), "identnr = 'ST01' AND pnr = '1010'", nil, []coltest.Col{
		coltest.C("identnr", "ST01", "IDENTNR"),
		coltest.C("pnr", "1010", "PNR"),
		coltest.C("psem", "20222", "PSEM"),
		coltest.C("pversuch", "1", "PVERSUCH"),
		coltest.C("pdtxt", "Analysis I", "PDTXT"),
		coltest.C("abschlart", "Bachelor", "ABSCHLART given"),
		coltest.C("stg", "079", "STG"),
		coltest.C("bonus", "9.50", "BONUS 9,5 with a decimal comma, numeric(6,2)"),
		coltest.C("pruefer_nachname", "Müller", "NACHNAME: the examiner's"),
		coltest.C("pruefer_vorname", "Anna", "VORNAME: the examiner's"),
		coltest.C("pstatus", "BE", "PSTATUS be, stored as S-BEAT lists it"),
		coltest.C("part", "PL", "PART pl, upper-cased"),
		coltest.C("pnote", "170", "PNOTE ×100 as delivered"),
		coltest.C("pvermerk", "G", "PVERMERK g, upper-cased"),
		coltest.C("pform", "K", "PFORM"),
		coltest.C("panerk", "false", "PANERK N"),
		coltest.C("pflicht", "P", "PFLICHT p, upper-cased"),
		coltest.C("pabschn", "G", "PABSCHN g, upper-cased"),
		coltest.C("pversion", "2019", "PVERSION"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
	coltest.RequireRow(t, p, coltest.T("sbeat_exam"), "identnr = 'ST01' AND pnr = '1020'", nil, []coltest.Col{
		coltest.C("identnr", "ST01", "IDENTNR"),
		coltest.C("pnr", "1020", "PNR"),
		coltest.C("psem", "20231", "PSEM"),
		coltest.C("pversuch", "0", "PVERSUCH empty: 0 (part of the key)"),
		coltest.C("pdtxt", "Lineare Algebra", "PDTXT"),
		coltest.C("abschlart", "Master", "ABSCHLART empty: ABSCHL 90 maps to Master"),
		coltest.C("stg", "079", "STG"),
		coltest.C("bonus", nil, "BONUS empty"),
		coltest.C("pruefer_nachname", nil, "empty"),
		coltest.C("pruefer_vorname", nil, "empty"),
		coltest.C("pstatus", "AN", "a registration"),
		coltest.C("part", nil, "empty"),
		coltest.C("pnote", nil, "empty: no grade yet"),
		coltest.C("pvermerk", nil, "empty"),
		coltest.C("pform", nil, "empty"),
		coltest.C("panerk", nil, "empty"),
		coltest.C("pflicht", nil, "empty"),
		coltest.C("pabschn", nil, "empty"),
		coltest.C("pversion", nil, "empty"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
}

func TestColumnsSbeatIdentitiesCoursesApplicants(t *testing.T) {
	t.Parallel()
	o := newOracleImport(t)
	p := o.pool
	run := o.run(t, "identities.csv", importers.Options{Kind: importers.KindSbeatIdentities})
	coltest.RequireRow(t, p, coltest.T("sbeat_identity"), "identnr = 'ID01'", nil, identityCols(run, o.recent(), "ID01",
		"2345678", "Anna-Lena", "Schröder", "aschroeder", "a.schroeder@example.org", "A", "1010", "österreichisch", "true"))

	run = o.run(t, "courses.csv", importers.Options{Kind: importers.KindSbeatCourses})
	coltest.RequireRow(t, p, coltest.T("sbeat_course"), "stg = '079'", nil, []coltest.Col{
		coltest.C("stg", "079", "STG"),
		coltest.C("gruppe", "MINT", "GRUPPE"),
		coltest.C("abschlart", "Bachelor", "ABSCHLART empty: ABSCHL 84 maps to Bachelor"),
		coltest.C("ltxt", "Informatik Bachelor", "LTXT"),
		coltest.C("ktxt", "Inf B", "KTXT"),
		coltest.C("fb", "05", "FB, leading zero kept"),
		coltest.C("regelstz", "6", "REGELSTZ"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
	coltest.RequireRow(t, p, coltest.T("sbeat_course"), "stg = '128'", nil, []coltest.Col{
		coltest.C("stg", "128", "STG"),
		coltest.C("gruppe", "MINT", "GRUPPE"),
		coltest.C("abschlart", "Master", "ABSCHLART given"),
		coltest.C("ltxt", "Mathematik Master", "LTXT"),
		coltest.C("ktxt", "Math M", "KTXT"),
		coltest.C("fb", "05", "FB"),
		coltest.C("regelstz", "4", "REGELSTZ"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})

	run = o.run(t, "applicants.csv", importers.Options{Kind: importers.KindSbeatApplicants})
	coltest.RequireRow(t, p, coltest.T("sbeat_applicant"), "identnr = 'AP01'", nil, []coltest.Col{
		coltest.C("identnr", "AP01", "IDENTNR"),
		coltest.C("stg", "079", "STG"),
		coltest.C("sem", "20252", "SEM empty: the semester after APPLDAT's (15.05.2025 is summer 2025)"),
		coltest.C("geschl", "D", "GESCHL d"),
		coltest.C("gebdat", "2005-12-12", "GEBDAT"),
		coltest.C("hzbnote", "260", "HZBNOTE 260, already ×100"),
		coltest.C("hzbdatum", "2024-07-01", "HZBDATUM"),
		coltest.C("hzbart", nil, "HZBART empty"),
		coltest.C("hzbgrp", "Ausland", "HZBGRP"),
		coltest.C("appldat", "2025-05-15", "APPLDAT"),
		coltest.C("zuldat", "2025-08-01", "ZULDAT"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
	coltest.RequireRow(t, p, coltest.T("sbeat_applicant"), "identnr = 'AP02'", nil, []coltest.Col{
		coltest.C("identnr", "AP02", "IDENTNR"),
		coltest.C("stg", "128", "STG"),
		coltest.C("sem", "20252", "SEM given"),
		coltest.C("geschl", "X", "GESCHL x"),
		coltest.C("gebdat", nil, "empty"),
		coltest.C("hzbnote", "100", "HZBNOTE 1: a whole grade, ×100"),
		coltest.C("hzbdatum", nil, "empty"),
		coltest.C("hzbart", nil, "empty"),
		coltest.C("hzbgrp", nil, "empty, and no HZBART to map"),
		coltest.C("appldat", nil, "empty"),
		coltest.C("zuldat", nil, "empty: not admitted"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
	coltest.RequireRow(t, p, coltest.T("sbeat_identity"), "identnr = 'AP01'", nil, identityCols(run, o.recent(), "AP01",
		nil, "Müge", "Çelik", nil, "m.celik@example.org", "TR", nil, "türkisch", "false"))
	// The file has the identity columns, so AP02 gets an (empty) identity.
	coltest.RequireRow(t, p, coltest.T("sbeat_identity"), "identnr = 'AP02'", nil, identityCols(run, o.recent(), "AP02",
		nil, nil, nil, nil, nil, nil, nil, nil, nil))
}

func TestColumnsRankingAndUni(t *testing.T) {
	t.Parallel()
	o := newOracleImport(t)
	p := o.pool
	run := o.run(t, "ranking.csv", importers.Options{Kind: importers.KindRanking})
	for _, e := range []struct{ id, rang string }{{"B000000000901", "1"}, {"B000000000902", "2"}} {
		coltest.RequireRow(t, p, coltest.T("ranking_entry"), "rangliste = 'SP-79-HQ' AND bewerber_id = $1", []any{e.id}, []coltest.Col{
			coltest.C("rangliste", "SP-79-HQ", "RANGLISTE"),
			coltest.C("bewerber_id", e.id, "BEWERBER_ID"),
			coltest.C("rang", e.rang, "RANG"),
			coltest.C("import_run_id", run, "this import"),
			coltest.C("updated_at", o.recent(), "written now"),
		})
	}

	run = o.run(t, "uni_bewerber_auth.csv", importers.Options{Kind: importers.KindUniBewerberAuth})
	coltest.RequireRow(t, p, coltest.T("uni_bewerber_auth"), "bewerber_id = 'B000000000901'", nil, []coltest.Col{
		coltest.C("bewerber_id", "B000000000901", "bewerber_id (lower-case header)"),
		coltest.C("ban", "ORACLEBAN1", "ban"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})

	run = o.run(t, "uni_bewerbungen.csv", importers.Options{Kind: importers.KindUniBewerbungen})
	coltest.RequireRow(t, p, coltest.T("uni_bewerbung"), "hs_bewerbung_id = 'HS-1'", nil, []coltest.Col{
		coltest.C("hs_bewerbung_id", "HS-1", "HS_BEWERBUNG_ID"),
		coltest.C("typ", "einfach", "TYP"),
		coltest.C("bewerber_id", "B000000000901", "BEWERBER_ID"),
		coltest.C("bewerber_ban", "ORACLEBAN1", "BAN (alias of BEWERBER_BAN)"),
		coltest.C("studiengang_schluessel", "84-021-1", "STUDIENGANG_SCHLUESSEL"),
		coltest.C("abschluss_schluessel", "84", "first part of the key"),
		coltest.C("studienfach_schluessel", "021", "second part of the key"),
		coltest.C("fachkennzeichen_schluessel", "1", "third part of the key"),
		coltest.C("eingangszeitpunkt", "2026-07-14 10:30:00+00", "12:30 without zone is Europe/Berlin, CEST in July"),
		coltest.C("bearbeitungsstatus", "gueltig", "one the university may set"),
		coltest.C("aktivitaetsstatus", "aktiv", "AKTIVITAETSSTATUS"),
		coltest.C("papierantragstatus", "eingereicht", "PAPIERANTRAGSTATUS"),
		coltest.C("statusanmerkung", "Unterlagen vollständig", "STATUSANMERKUNG"),
		coltest.C("sonderantragsentscheidung", "Härtefall anerkannt", "SONDERANTRAGSENTSCHEIDUNG"),
		coltest.C("version_sest", "3", "VERSION_SEST"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
	coltest.RequireRow(t, p, coltest.T("uni_bewerbung"), "hs_bewerbung_id = 'HS-2'", nil, []coltest.Col{
		coltest.C("hs_bewerbung_id", "HS-2", "HS_BEWERBUNG_ID"),
		coltest.C("typ", "mehrfach", "TYP"),
		coltest.C("bewerber_id", "B000000000902", "BEWERBER_ID"),
		coltest.C("bewerber_ban", nil, "BAN empty"),
		coltest.C("studiengang_schluessel", nil, "a mehrfach Bewerbung's subjects are its Teilfächer"),
		coltest.C("abschluss_schluessel", "25", "ABSCHLUSS_SCHLUESSEL"),
		coltest.C("studienfach_schluessel", nil, "mehrfach: none"),
		coltest.C("fachkennzeichen_schluessel", nil, "mehrfach: none"),
		coltest.C("eingangszeitpunkt", "2026-07-14 08:00:00+00", "given in UTC (Z)"),
		coltest.C("bearbeitungsstatus", "eingegangen", "BEARBEITUNGSSTATUS"),
		coltest.C("aktivitaetsstatus", nil, "empty"),
		coltest.C("papierantragstatus", nil, "empty"),
		coltest.C("statusanmerkung", nil, "empty"),
		coltest.C("sonderantragsentscheidung", nil, "empty"),
		coltest.C("version_sest", nil, "empty: new at the Servicestelle"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
	coltest.RequireRow(t, p, coltest.T("uni_teilfachbewerbung"), "hs_bewerbung_id = 'HS-2' AND studiengang_schluessel = '25-084'", nil, []coltest.Col{
		coltest.C("hs_bewerbung_id", "HS-2", "its head"),
		coltest.C("studiengang_schluessel", "25-084", "STUDIENGANG_SCHLUESSEL"),
		coltest.C("abschluss_schluessel", "25", "from the key"),
		coltest.C("studienfach_schluessel", "084", "given, agreeing with the key"),
		coltest.C("fachkennzeichen_schluessel", nil, "the key has none"),
		coltest.C("hauptfach_schluessel", "25-084", "HAUPTFACH"),
		coltest.C("ersatzfach_schluessel", "25-127", "ERSATZFACH"),
		coltest.C("ist_ersatzfach_akzeptabel", "true", "J"),
		coltest.C("ist_fachwechsel", "false", "N"),
		coltest.C("bearbeitungsstatus", nil, "empty: the Bewerbung's"),
		coltest.C("aktivitaetsstatus", "aktiv", "AKTIVITAETSSTATUS"),
		coltest.C("statusanmerkung", "Hauptfach geprüft", "STATUSANMERKUNG"),
		coltest.C("sonderantragsentscheidung", nil, "empty"),
		coltest.C("version_sest", "2", "VERSION_SEST"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
	coltest.RequireRow(t, p, coltest.T("uni_teilfachbewerbung"), "hs_bewerbung_id = 'HS-2' AND studiengang_schluessel = '25-127'", nil, []coltest.Col{
		coltest.C("hs_bewerbung_id", "HS-2", "its head"),
		coltest.C("studiengang_schluessel", "25-127", "STUDIENGANG_SCHLUESSEL"),
		coltest.C("abschluss_schluessel", "25", "from the key"),
		coltest.C("studienfach_schluessel", "127", "from the key"),
		coltest.C("fachkennzeichen_schluessel", nil, "none"),
		coltest.C("hauptfach_schluessel", nil, "empty"),
		coltest.C("ersatzfach_schluessel", nil, "empty"),
		coltest.C("ist_ersatzfach_akzeptabel", "false", "empty: false by default"),
		coltest.C("ist_fachwechsel", "false", "empty: false by default"),
		coltest.C("bearbeitungsstatus", "gueltig", "its own status"),
		coltest.C("aktivitaetsstatus", nil, "empty"),
		coltest.C("statusanmerkung", nil, "empty"),
		coltest.C("sonderantragsentscheidung", "keine", "SONDERANTRAGSENTSCHEIDUNG"),
		coltest.C("version_sest", nil, "empty"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
}

func TestColumnsFSPersons(t *testing.T) {
	t.Parallel()
	o := newOracleImport(t)
	p := o.pool
	now := func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
	run := o.run(t, "fs_persons.xml", importers.Options{Kind: importers.KindFSPersons, Now: now})
	fs := func(fod, pnr, rolle string, cols ...coltest.Col) {
		t.Helper()
		all := append([]coltest.Col{
			coltest.C("fodselsdato", fod, "fodselsdato"),
			coltest.C("personnr", pnr, "personnr"),
			coltest.C("rolle", rolle, "the element's name"),
			coltest.C("import_run_id", run, "this import"),
			coltest.C("updated_at", o.recent(), "written now"),
		}, cols...)
		coltest.RequireRow(t, p, coltest.T("fs_person"), "fodselsdato = $1 AND personnr = $2 AND rolle = $3", []any{fod, pnr, rolle}, all)
	}
	fs("010203", "12345", "fagperson",
		coltest.C("fornavn", "Åse", "fornavn, ISO-8859-1 decoded"),
		coltest.C("etternavn", "Nordmann", "etternavn"),
		coltest.C("kjonn", "M", "no kjonn: the third digit of personnr 12345 (3) is odd"),
		coltest.C("adresse_kilde", "arbeide", "a fagperson's work address comes first"),
		coltest.C("adrlin1", "Kontor 5", "adrlin1_arbeide"),
		coltest.C("adrlin2", nil, "no adrlin2_arbeide"),
		coltest.C("adrlin3", "0313 Oslo", "adrlin3_arbeide"),
		coltest.C("postnr", "0313", "postnr_arbeide, not the home 9999"),
		coltest.C("adresseland", "Norge", "adresseland_arbeide"),
		coltest.C("stedkode", "185-33-15-10", "institusjonsnr-faknr-instituttnr-gruppenr"),
		coltest.C("kurs_start", nil, "no course"),
		coltest.C("kurs_slutt", nil, "no course"))
	fs("310799", "44420", "student",
		coltest.C("fornavn", "Per", "fornavn"),
		coltest.C("etternavn", "Hansen", "etternavn"),
		coltest.C("kjonn", "M", "kjonn given"),
		coltest.C("adresse_kilde", "hjem", "no semadr or hjemsted: the home address"),
		coltest.C("adrlin1", "Storgata 2", "adrlin1_hjem"),
		coltest.C("adrlin2", "Leil. 3", "adrlin2_hjem"),
		coltest.C("adrlin3", nil, "none"),
		coltest.C("postnr", "5003", "postnr_hjem"),
		coltest.C("adresseland", nil, "none"),
		coltest.C("stedkode", nil, "no stedkode parts"),
		coltest.C("kurs_start", nil, "no course"),
		coltest.C("kurs_slutt", nil, "no course"))
	fs("150570", "55401", "evu",
		coltest.C("fornavn", "Kari", "fornavn"),
		coltest.C("etternavn", "Berg", "etternavn"),
		coltest.C("kjonn", "K", "the third digit of 55401 (4) is even"),
		coltest.C("adresse_kilde", nil, "no address at all"),
		coltest.C("adrlin1", nil, "none"),
		coltest.C("adrlin2", nil, "none"),
		coltest.C("adrlin3", nil, "none"),
		coltest.C("postnr", nil, "none"),
		coltest.C("adresseland", nil, "none"),
		coltest.C("stedkode", nil, "none"),
		coltest.C("kurs_start", "2026-11-20", "the course runs on 27.11.2026 (Options.Now): imported"),
		coltest.C("kurs_slutt", "2026-11-30", "kurs_slutt"))
}

func TestColumnsEkvv(t *testing.T) {
	t.Parallel()
	o := newOracleImport(t)
	p := o.pool
	run := o.run(t, "ekvv.xml", importers.Options{Kind: importers.KindEkvv})
	coltest.RequireRow(t, p, coltest.T("ekvv_veranstaltung"), "id = '900001'", nil, []coltest.Col{
		coltest.C("id", "900001", "the veranstaltung's id"),
		coltest.C("verfahren", "20252", "no Options.Verfahren: the semester id"),
		coltest.C("status", "ausgefallen", "status attribute"),
		coltest.C("semester", "20252", "semester id"),
		coltest.C("semester_name", "WS 2025/2026", "semester text"),
		coltest.C("belegnummer", "310042", "belegnummer"),
		coltest.C("thema", "Einführung in die Ökonometrie", "thema"),
		coltest.C("fakultaet", "Fakultät für Wirtschaftswissenschaften", "fakultaet"),
		coltest.C("art", "V", "art"),
		coltest.C("sws", "4", "sws"),
		coltest.C("dozenten_zusatz", "mit Tutorium", "dozenten_zusatz"),
		coltest.C("teilnehmermanagement", "true", "teilnehmermanagement ja"),
		coltest.C("teilnehmerbegrenzung", "120", "teilnehmerbegrenzung"),
		coltest.C("import_run_id", run, "this import"),
		coltest.C("updated_at", o.recent(), "written now"),
	})
	coltest.RequireRow(t, p, coltest.T("ekvv_dozent"), "veranstaltung_id = '900001' AND pos = 1", nil, []coltest.Col{
		coltest.C("veranstaltung_id", "900001", "its course"),
		coltest.C("pos", "1", "first dozent"),
		coltest.C("dozent_id", "4711", "id attribute"),
		coltest.C("anrede", "Frau", "anrede"),
		coltest.C("titel", "Dr.", "titel"),
		coltest.C("vorname", "Käthe", "vorname"),
		coltest.C("nachname", "Böhm", "nachname"),
	})
	coltest.RequireRow(t, p, coltest.T("ekvv_fachzuordnung"), "veranstaltung_id = '900001' AND pos = 1", nil, []coltest.Col{
		coltest.C("veranstaltung_id", "900001", "its course"),
		coltest.C("pos", "1", "first fachzuordnung"),
		coltest.C("fachzuordnung_id", "FZ-1", "id"),
		coltest.C("ekvv_studiengang_id", "6993900", "ekvvstudiengangid"),
		coltest.C("sos_fach_code", "175", "sosfachcode"),
		coltest.C("sos_abschluss_code", "82", "sosabschlusscode"),
		coltest.C("fuer_kern_hauptfach", "false", "attribute absent"),
		coltest.C("fuer_nebenfach", "true", "fuernebenfach ja"),
		coltest.C("modell", "2-Fach", "modell"),
		coltest.C("studiengang_name", "Volkswirtschaftslehre / Bachelor", "ekvvstudiengangname"),
		coltest.C("abschnitt", "Grundstudium", "abschnitt"),
		coltest.C("status", "Pflicht", "status"),
		coltest.C("fachsemester", "3", "fachsemester"),
		coltest.C("leistung", "Klausur", "leistung"),
		coltest.C("leistungspunkte", "6", "leistungspunkte"),
		coltest.C("kommentar", "nur WS", "kommentar"),
	})
	coltest.RequireRow(t, p, coltest.T("ekvv_untergliederung"), "veranstaltung_id = '900001'", nil, []coltest.Col{
		coltest.C("veranstaltung_id", "900001", "its course"),
		coltest.C("fachzuordnung_pos", "1", "of the first fachzuordnung"),
		coltest.C("pos", "1", "first untergliederung"),
		coltest.C("untergliederung_id", "UG-7", "id"),
		coltest.C("kuerzel", "VWL 2.1", "kuerzel"),
		coltest.C("name", "Methoden", "name"),
	})
	coltest.RequireRow(t, p, coltest.T("ekvv_teilnehmer"), "veranstaltung_id = '900001' AND pos = 1", nil, []coltest.Col{
		coltest.C("veranstaltung_id", "900001", "its course"),
		coltest.C("pos", "1", "first participant"),
		coltest.C("teilnehmer", "m:2233445", "m: and the matrikelnummer"),
		coltest.C("matrikelnummer", "2233445", "matrikelnummer"),
		coltest.C("gastbenutzer", nil, "a student, no guest"),
		coltest.C("teilnahmestatus", "wartet0007", "teilnahmestatus"),
		coltest.C("warteposition", "7", "NNNN of wartetNNNN"),
		coltest.C("hat_geoeffnete_einschreibungen", "false", "nein"),
		coltest.C("eltern", "true", "ja"),
		coltest.C("prioritaet", "2", "prioritaet"),
		coltest.C("anrede", "Herr", "anrede"),
		coltest.C("vornamen", "Sören Lüder", "vornamen"),
		coltest.C("nachname", "Jäger", "nachname"),
	})
	coltest.RequireRow(t, p, coltest.T("ekvv_teilnehmer"), "veranstaltung_id = '900001' AND pos = 2", nil, []coltest.Col{
		coltest.C("veranstaltung_id", "900001", "its course"),
		coltest.C("pos", "2", "second participant"),
		coltest.C("teilnehmer", "g:gast17", "g: and the guest user"),
		coltest.C("matrikelnummer", nil, "a guest"),
		coltest.C("gastbenutzer", "gast17", "gastbenutzer"),
		coltest.C("teilnahmestatus", "drin", "teilnahmestatus"),
		coltest.C("warteposition", nil, "not waiting"),
		coltest.C("hat_geoeffnete_einschreibungen", nil, "attribute absent"),
		coltest.C("eltern", nil, "attribute absent"),
		coltest.C("prioritaet", "-1", "no prioritaet: the lowest"),
		coltest.C("anrede", nil, "none"),
		coltest.C("vornamen", nil, "none"),
		coltest.C("nachname", "Gast", "nachname"),
	})
	coltest.RequireRow(t, p, coltest.T("ekvv_einschreibung"), "veranstaltung_id = '900001'", nil, []coltest.Col{
		coltest.C("veranstaltung_id", "900001", "its course"),
		coltest.C("teilnehmer_pos", "1", "the first participant's"),
		coltest.C("pos", "1", "first enrolment"),
		coltest.C("semester", "20252", "semester"),
		coltest.C("sos_fach_code", "175", "sosfachcode"),
		coltest.C("sos_abschluss_code", "82", "sosabschlusscode"),
		coltest.C("fuer_kern_hauptfach", "true", "ja"),
		coltest.C("fuer_nebenfach", "false", "absent"),
		coltest.C("geoeffnet", "true", "ja"),
		coltest.C("studiengang_name", "Volkswirtschaftslehre / Bachelor", "sosstudiengangname"),
		coltest.C("fachsemester", "3", "fachsemester"),
	})
	coltest.RequireRow(t, p, coltest.T("ekvv_termin"), "veranstaltung_id = '900001'", nil, []coltest.Col{
		coltest.C("veranstaltung_id", "900001", "its course"),
		coltest.C("pos", "1", "first termin"),
		coltest.C("datum", "2025-10-13", "datum 13.10.2025"),
		coltest.C("start_minuten", "840", "14:00"),
		coltest.C("end_minuten", "960", "16:00"),
		coltest.C("typ", "klausur", "typ"),
		coltest.C("ketten_id", "K-99", "kettenId"),
		coltest.C("uhrzeit", "14-16", "uhrzeit"),
	})
	coltest.RequireRow(t, p, coltest.T("ekvv_prioritaet_normalisiert"), "teilnehmer = 'm:2233445'", nil, []coltest.Col{
		coltest.C("verfahren", "20252", "the course's verfahren"),
		coltest.C("teilnehmer", "m:2233445", "the student"),
		coltest.C("matrikelnummer", "2233445", "the student"),
		coltest.C("gastbenutzer", nil, "not a guest"),
		coltest.C("veranstaltung_id", "900001", "the course"),
		coltest.C("belegnummer", "310042", "the course's"),
		coltest.C("prioritaet", "2", "given"),
		coltest.C("rang", "1", "the student's only course in the verfahren"),
		coltest.C("anzahl", "1", "one course"),
		coltest.C("normalisiert", "0", "a single course normalises to 0"),
	})
}
