package importers_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
	"sestd/internal/store"
)

// stamps returns identnr → (updated_at, import_run_id) of sbeat_student.
func (b *bundle) stamps(t *testing.T, table, key string) map[string][2]any {
	t.Helper()
	rows, err := b.st.Pool().Query(b.ctx, fmt.Sprintf(`SELECT %s, updated_at, import_run_id FROM %s`, key, table))
	require.NoError(t, err)
	defer rows.Close()
	out := map[string][2]any{}
	for rows.Next() {
		var k string
		var at time.Time
		var run int64
		require.NoError(t, rows.Scan(&k, &at, &run))
		out[k] = [2]any{at, run}
	}
	require.NoError(t, rows.Err())
	return out
}

// The S-BEAT export of next week: the same students, one value changed,
// dropped in with no mode (a full export: sync). Exactly that row is
// written; the others keep their updated_at and import run.
func TestRefreshedStudentsFileUpdatesOneRowAndTouchesNoOther(t *testing.T) {
	t.Parallel()
	b := setup(t)
	week1 := "IDENTNR;STG;IMMDAT;GESCHL;HZBNOTE\n" +
		"1;WR;01.10.2016;W;2,0\n" +
		"2;BWL;01.10.2017;M;3,0\n" +
		"3;MB;01.04.2018;W;1,7\n"
	first := b.run(t, b.put(t, "students_week1.csv", []byte(week1)), importers.Options{Kind: importers.KindSbeatStudents})
	require.Equal(t, importers.ModeSync, first.Mode)
	require.EqualValues(t, 3, first.Created)
	before := b.stamps(t, "sbeat_student", "identnr")

	week2 := strings.Replace(week1, "2;BWL;01.10.2017;M;3,0", "2;BWL;01.10.2017;M;2,3", 1)
	sum := b.run(t, b.put(t, "students_week2.csv", []byte(week2)), importers.Options{Kind: importers.KindSbeatStudents})
	require.Equal(t, importers.Summary{RunID: sum.RunID, Kind: importers.KindSbeatStudents, Mode: importers.ModeSync, File: "students_week2.csv", SHA256: sum.SHA256, Encoding: "utf8", Duration: sum.Duration, Status: "succeeded", ImportCounts: store.ImportCounts{Read: 3, Updated: 1, Unchanged: 2}}, sum)

	after := b.stamps(t, "sbeat_student", "identnr")
	require.Equal(t, before["1"], after["1"], "student 1 untouched")
	require.Equal(t, before["3"], after["3"], "student 3 untouched")
	require.Equal(t, sum.RunID, after["2"][1], "student 2 written by the second run")
	require.True(t, after["2"][0].(time.Time).After(before["2"][0].(time.Time)))
	require.Equal(t, []any{int32(230)}, b.one(t, `SELECT hzbnote FROM sbeat_student WHERE identnr = '2'`))

	run, err := b.st.ImportRunGet(b.ctx, sum.RunID)
	require.NoError(t, err)
	require.Equal(t, []any{"sync", int64(1), int64(2), int64(0)}, []any{run.Mode, run.Updated, run.Unchanged, run.Removed})
}

// A full export lacking stored rows removes them, unless they are more
// than import.max_removal_share of its scope: then the file is refused
// (a truncated export must not wipe data) until forced.
func TestTruncatedFullExportIsRefusedByTheRemovalGuardUnlessForced(t *testing.T) {
	t.Parallel()
	b := setup(t)
	students := func(from, to int) []byte {
		var sb strings.Builder
		sb.WriteString("IDENTNR;STG\n")
		for i := from; i <= to; i++ {
			fmt.Fprintf(&sb, "%d;WR\n", i)
		}
		return []byte(sb.String())
	}
	opts := importers.Options{Kind: importers.KindSbeatStudents}
	require.EqualValues(t, 20, b.run(t, b.put(t, "s20.csv", students(1, 20)), opts).Created)

	// 1 of 20 gone (5 %): removed.
	sum := b.run(t, b.put(t, "s19.csv", students(1, 19)), opts)
	require.EqualValues(t, 1, sum.Removed)
	require.EqualValues(t, 19, sum.Unchanged)
	require.EqualValues(t, 19, b.count(t, "sbeat_student"))

	// Cut off after student 10: 9 of 19 would go. Refused, nothing written.
	truncated := b.put(t, "s10.csv", append(students(1, 10), "11;VWL"...)) // and a last, half line
	sum, err := importers.Import(b.ctx, b.st, truncated, opts, nil, nil)
	require.ErrorIs(t, err, importers.ErrRemovalGuard)
	require.ErrorIs(t, err, importers.ErrPermanent, "an inbox file goes to failed/")
	require.ErrorContains(t, err, "this full export lacks 8 of the 19 stored sbeat_student rows of its scope (42 %; import.max_removal_share allows 10 %)")
	require.ErrorContains(t, err, "sestd import --force")
	require.Equal(t, store.ImportFailed, sum.Status)
	require.EqualValues(t, 19, b.count(t, "sbeat_student"))
	require.Equal(t, []any{"WR"}, b.one(t, `SELECT stg FROM sbeat_student WHERE identnr = '11'`), "11 not updated either")
	run, err := b.st.ImportRunGet(b.ctx, sum.RunID)
	require.NoError(t, err)
	require.Equal(t, store.ImportFailed, run.Status)
	require.Contains(t, run.Error, "lacks 8 of the 19 stored sbeat_student rows")

	// A larger share configured lets it through.
	wide := opts
	wide.MaxRemoveShare = 0.5
	sum = b.run(t, truncated, wide)
	require.EqualValues(t, 8, sum.Removed)
	require.EqualValues(t, 1, sum.Updated, "11 is VWL now")
	require.EqualValues(t, 11, b.count(t, "sbeat_student"))

	// 6 of 11 gone refused; forced, removed.
	_, err = importers.Import(b.ctx, b.st, b.put(t, "s5.csv", students(1, 5)), opts, nil, nil)
	require.ErrorIs(t, err, importers.ErrRemovalGuard)
	require.EqualValues(t, 11, b.count(t, "sbeat_student"))
	forced := opts
	forced.Force = true
	sum = b.run(t, b.put(t, "s5.csv", students(1, 5)), forced)
	require.EqualValues(t, 6, sum.Removed)
	require.Equal(t, store.ImportSucceeded, sum.Status)
	require.EqualValues(t, 5, b.count(t, "sbeat_student"))

	// A record whose key cannot be read (wrong field count) might be any
	// student: nothing is removed, and the run says why.
	sum = b.run(t, b.put(t, "s4broken.csv", []byte("IDENTNR;STG\n1;WR\n2;WR\n3;WR;extra\n")), opts)
	require.Zero(t, sum.Removed)
	require.EqualValues(t, 1, sum.Rejected)
	require.Contains(t, sum.Note, "3 stored rows absent from the file were kept: 1 records were rejected before their key could be read")
	require.EqualValues(t, 5, b.count(t, "sbeat_student"))

	// A record rejected for a bad value keeps its stored student: a typo
	// does not delete anyone.
	sum = b.run(t, b.put(t, "s5typo.csv", []byte("IDENTNR;STG;IMMDAT\n1;WR;\n2;WR;\n3;WR;31.02.2020\n4;WR;\n5;WR;\n")), opts)
	require.Equal(t, []int64{1, 0, 4}, []int64{sum.Rejected, sum.Removed, sum.Unchanged})
	require.Empty(t, sum.Note)
	require.EqualValues(t, 5, b.count(t, "sbeat_student"))
}

// Identity columns in a students file and an identities file fill the
// same rows: the identities file after the students file updates them.
func TestIdentitiesFileAfterStudentsFileWithIdentityColumns(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.run(t, b.put(t, "students.csv", []byte("IDENTNR;STG;VORNAME;NACHNAME\n1;WR;Anna;Alt\n2;BWL;Bernd;Berg\n")),
		importers.Options{Kind: importers.KindSbeatStudents})
	require.Equal(t, []any{nil, "Anna"}, b.one(t, `SELECT matrikelnr, vorname FROM sbeat_identity WHERE identnr = '1'`))

	sum := b.run(t, b.put(t, "identities.csv", []byte("IDENTNR;MATRIKELNR;VORNAME;NACHNAME\n1;700001;Anna;Alt\n2;700002;Bernd;Berg-Neu\n")),
		importers.Options{Kind: importers.KindSbeatIdentities})
	require.EqualValues(t, 2, sum.Updated)
	require.Zero(t, sum.Created+sum.Rejected+sum.Removed)
	require.Equal(t, []any{"700001", "Alt", sum.RunID}, b.one(t, `SELECT matrikelnr, nachname, import_run_id FROM sbeat_identity WHERE identnr = '1'`))
	require.Equal(t, []any{"700002", "Berg-Neu", sum.RunID}, b.one(t, `SELECT matrikelnr, nachname, import_run_id FROM sbeat_identity WHERE identnr = '2'`))
}

// A ranking file replaces the Ranglisten it contains; a shared rank and a
// repeated applicant reject their rows by line, the others import.
func TestRankingFileRejectsSharedRankAndRepeatedApplicantByLine(t *testing.T) {
	t.Parallel()
	b := setup(t)
	opts := importers.Options{Kind: importers.KindRanking}
	b.run(t, b.put(t, "other.csv", []byte("RANGLISTE;BEWERBER_ID;RANG\nR9;B7;1\n")), opts)
	other := b.stamps(t, "ranking_entry", "rangliste || '/' || bewerber_id")

	sum := b.run(t, b.put(t, "ranking.csv", []byte("RANGLISTE;BEWERBER_ID;RANG\nR1;B1;1\nR1;B2;1\nR1;B1;2\n")), opts)
	require.EqualValues(t, 3, sum.Read)
	require.EqualValues(t, 1, sum.Created)
	require.EqualValues(t, 2, sum.Rejected)
	require.Equal(t, store.ImportPartial, sum.Status)
	rej, err := os.ReadFile(sum.RejectsFile)
	require.NoError(t, err)
	require.Equal(t, "RANGLISTE;BEWERBER_ID;RANG;line;error\r\n"+
		"R1;B2;1;3;rangliste, rang = R1, 1 is given to R1, B1 on line 2 already\r\n"+
		"R1;B1;2;4;rangliste, bewerber_id = R1, B1 is in the file already, on line 2\r\n", string(rej))
	require.Equal(t, []any{int64(1), "B1", int32(1)}, b.one(t, `SELECT count(*), min(bewerber_id), min(rang) FROM ranking_entry WHERE rangliste = 'R1'`))

	// The next version of R1: B1 left, B2 and B3 ranked. R9 is not in the
	// file and stays as it was.
	sum = b.run(t, b.put(t, "ranking2.csv", []byte("RANGLISTE;BEWERBER_ID;RANG\nR1;B3;1\nR1;B2;2\n")), opts)
	require.Equal(t, []int64{2, 1, 0}, []int64{sum.Created, sum.Removed, sum.Rejected})
	// Ranks swap within one file.
	sum = b.run(t, b.put(t, "ranking3.csv", []byte("RANGLISTE;BEWERBER_ID;RANG\nR1;B2;1\nR1;B3;2\n")), opts)
	require.EqualValues(t, 2, sum.Updated)
	require.Equal(t, []any{"B2,B3"}, b.one(t, `SELECT string_agg(bewerber_id, ',' ORDER BY rang) FROM ranking_entry WHERE rangliste = 'R1'`))
	// A rejected row does not keep its stored entry: the Rangliste is what
	// the file's valid rows say.
	sum = b.run(t, b.put(t, "ranking4.csv", []byte("RANGLISTE;BEWERBER_ID;RANG\nR1;B2;1\nR1;B3;zwei\n")), opts)
	require.Equal(t, []int64{1, 1, 1}, []int64{sum.Rejected, sum.Removed, sum.Unchanged})
	require.Equal(t, []any{"B2"}, b.one(t, `SELECT string_agg(bewerber_id, ',' ORDER BY rang) FROM ranking_entry WHERE rangliste = 'R1'`))
	require.Equal(t, other["R9/B7"], b.stamps(t, "ranking_entry", "rangliste || '/' || bewerber_id")["R9/B7"])
}

// The university's second delivery: one status changed, one application
// missing. The change is written (and only it); the missing application
// is reported, not deleted.
func TestSecondApplicationDeliveryUpdatesTheChangeAndReportsTheMissing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	head := "HS_BEWERBUNG_ID;TYP;BEWERBER_ID;STUDIENGANG_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS\n"
	row := func(id, status string) string {
		return fmt.Sprintf("%s;einfach;B-%s;084-132;2026-07-01T10:00:00+02:00;%s\n", id, id, status)
	}
	opts := importers.Options{Kind: importers.KindUniBewerbungen}
	b.run(t, b.put(t, "apps1.csv", []byte(head+row("A1", "eingegangen")+row("A2", "eingegangen")+row("A3", "eingegangen"))), opts)
	before := b.stamps(t, "uni_bewerbung", "hs_bewerbung_id")

	sum := b.run(t, b.put(t, "apps2.csv", []byte(head+row("A1", "eingegangen")+row("A2", "gueltig"))), opts)
	require.Equal(t, []int64{0, 1, 1, 0, 1}, []int64{sum.Created, sum.Updated, sum.Unchanged, sum.Removed, sum.Missing})
	after := b.stamps(t, "uni_bewerbung", "hs_bewerbung_id")
	require.Equal(t, before["A1"], after["A1"])
	require.Equal(t, before["A3"], after["A3"], "missing: kept as it was")
	require.NotEqual(t, before["A2"], after["A2"])
	rep, err := os.ReadFile(sum.MissingFile)
	require.NoError(t, err)
	require.Equal(t, "table;key;note\r\nuni_bewerbung;A3;stored, absent from this full export: kept (not withdrawn at the Servicestelle)\r\n", string(rep))
	run, err := b.st.ImportRunGet(b.ctx, sum.RunID)
	require.NoError(t, err)
	require.EqualValues(t, 1, run.Missing)
}

// An exam export is the semesters it contains: a registration (AN) the
// next export repeats stays untouched, one it lacks (the exam was taken)
// goes, and other semesters are not touched.
func TestExamExportIsItsSemesters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	opts := importers.Options{Kind: importers.KindSbeatExams}
	b.run(t, b.put(t, "old.csv", []byte("IDENTNR;PNR;PSEM;PVERSUCH;PSTATUS;PNOTE\n1;100;20171;1;BE;170\n")), opts)
	week1 := "IDENTNR;PNR;PSEM;PVERSUCH;PSTATUS;PNOTE\n1;100;20172;1;AN;\n2;100;20172;1;AN;\n3;100;20172;1;BE;230\n"
	b.run(t, b.put(t, "w1.csv", []byte(week1)), opts)
	before := b.stamps(t, "sbeat_exam", "identnr || '/' || psem || '/' || pversuch")

	// 1 took the exam (its AN row is replaced by a result with attempt 2);
	// 2's registration is repeated.
	week2 := "IDENTNR;PNR;PSEM;PVERSUCH;PSTATUS;PNOTE\n1;100;20172;2;BE;300\n2;100;20172;1;AN;\n3;100;20172;1;BE;230\n"
	sum := b.run(t, b.put(t, "w2.csv", []byte(week2)), importers.Options{Kind: importers.KindSbeatExams, MaxRemoveShare: 0.5})
	require.Equal(t, []int64{1, 0, 2, 1}, []int64{sum.Created, sum.Updated, sum.Unchanged, sum.Removed})
	after := b.stamps(t, "sbeat_exam", "identnr || '/' || psem || '/' || pversuch")
	require.Equal(t, before["2/20172/1"], after["2/20172/1"], "the repeated registration untouched")
	require.Equal(t, before["1/20171/1"], after["1/20171/1"], "another semester untouched")
	require.NotContains(t, after, "1/20172/1")
	require.Len(t, after, 4)
}

// A mehrfach application's Teilfächer are those the delivery gives it: one
// dropped is removed, and the application counts as changed (so the
// outbound sync sends it again).
func TestApplicationDeliveryReplacesTeilfaecher(t *testing.T) {
	t.Parallel()
	b := setup(t)
	head := "HS_BEWERBUNG_ID;TYP;BEWERBER_ID;ABSCHLUSS_SCHLUESSEL;STUDIENGANG_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS\n"
	m := "M1;mehrfach;B-1;025;;2026-07-01T10:00:00+02:00;eingegangen\n"
	teil := func(sg string) string { return "M1;teilfach;;;" + sg + ";;\n" }
	opts := importers.Options{Kind: importers.KindUniBewerbungen}
	sum := b.run(t, b.put(t, "m1.csv", []byte(head+m+teil("025-007")+teil("025-059")+teil("025-132"))), opts)
	require.EqualValues(t, 4, sum.Created)
	before := b.stamps(t, "uni_bewerbung", "hs_bewerbung_id")["M1"]

	sum = b.run(t, b.put(t, "m2.csv", []byte(head+m+teil("025-007")+teil("025-132"))), opts)
	require.Equal(t, []int64{0, 0, 3, 1}, []int64{sum.Created, sum.Updated, sum.Unchanged, sum.Removed})
	require.Equal(t, []any{"025-007,025-132"}, b.one(t, `SELECT string_agg(studiengang_schluessel, ',' ORDER BY 1) FROM uni_teilfachbewerbung WHERE hs_bewerbung_id = 'M1'`))
	after := b.stamps(t, "uni_bewerbung", "hs_bewerbung_id")["M1"]
	require.True(t, after[0].(time.Time).After(before[0].(time.Time)), "the application changed: it is sent again")
}
