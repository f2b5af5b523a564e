package importers_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"sestd/internal/importers"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type bundle struct {
	ctx context.Context //nolint:containedctx // context.Background(), never cancelled: nothing to outlive
	st  *store.Store
	dir string
}

func setup(t *testing.T) *bundle {
	t.Helper()
	return &bundle{ctx: context.Background(), st: store.New(testdb.New(t)), dir: t.TempDir()}
}

// put copies a testdata file (or writes content when data is given) into
// the bundle's directory and returns its path.
func (b *bundle) put(t *testing.T, src string, data ...[]byte) string {
	t.Helper()
	raw := []byte(nil)
	if len(data) > 0 {
		raw = data[0]
	} else {
		var err error
		raw, err = os.ReadFile(filepath.Join("testdata", src))
		require.NoError(t, err)
	}
	p := filepath.Join(b.dir, filepath.Base(src))
	require.NoError(t, os.WriteFile(p, raw, 0o600))
	return p
}

func (b *bundle) run(t *testing.T, path string, opts importers.Options) importers.Summary {
	t.Helper()
	sum, err := importers.Import(b.ctx, b.st, path, opts, nil, nil)
	require.NoError(t, err)
	return sum
}

func (b *bundle) one(t *testing.T, sql string, args ...any) []any {
	t.Helper()
	rows, err := b.st.Pool().Query(b.ctx, sql, args...)
	require.NoError(t, err)
	got, err := pgx.CollectExactlyOneRow(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	require.NoError(t, err, sql)
	return got
}

func (b *bundle) count(t *testing.T, table string) int64 {
	t.Helper()
	return b.one(t, "SELECT count(*) FROM "+table)[0].(int64)
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestRealSbeatFiles(t *testing.T) {
	t.Parallel()
	b := setup(t)

	sum := b.run(t, b.put(t, "s-beat/student_data.csv"), importers.Options{Kind: importers.KindSbeatStudents})
	require.Equal(t, importers.Summary{RunID: sum.RunID, Kind: "sbeat_students", Mode: "sync", File: "student_data.csv", SHA256: sum.SHA256, Encoding: "utf8", Duration: sum.Duration, Status: "succeeded", ImportCounts: store.ImportCounts{Read: 1, Created: 1}}, sum)
	got := b.one(t, `SELECT stg, immdat, exmdat, sem_start, sem_end, hzbnote, hzbart, hzbgrp, geschl, gebdat FROM sbeat_student WHERE identnr = $1`, "210863")
	require.Equal(t, []any{"WR", day(2012, 3, 1), day(2013, 8, 31), int32(20121), int32(20131), int32(200), "3",
		"allgemeine Hochschulreife Gymnasium", "W", day(1989, 11, 19)}, got)
	require.Equal(t, []any{"admin", nil}, b.one(t, `SELECT kuerzel, matrikelnr FROM sbeat_identity WHERE identnr = '210863'`))

	// initialSettings.json allows Bachelor only: the one course is imported.
	sum = b.run(t, b.put(t, "s-beat/courses_data.csv"), importers.Options{Kind: importers.KindSbeatCourses, AllowedAbschlussarten: []string{"Bachelor"}})
	require.EqualValues(t, 1, sum.Created)
	require.Equal(t, []any{"Bachelor", "Wirtschaftsrecht", "Wirts.Rech", "3", int32(7)},
		b.one(t, `SELECT abschlart, ltxt, ktxt, fb, regelstz FROM sbeat_course WHERE stg = 'WR'`))
	// With Master only it is skipped and counted.
	sum = b.run(t, b.put(t, "s-beat/courses_data.csv"), importers.Options{Kind: importers.KindSbeatCourses, Mode: importers.ModeUpsert, AllowedAbschlussarten: []string{"Master"}})
	require.EqualValues(t, 1, sum.Skipped)
	require.Zero(t, sum.Created+sum.Updated)

	// Lower-case headers, SEM from APPLDAT (June 2017 is summer 2017: the
	// next semester is winter 2017/18), HZBNOTE ×100.
	sum = b.run(t, b.put(t, "s-beat/test_applicants.csv"), importers.Options{Kind: importers.KindSbeatApplicants})
	require.EqualValues(t, 2, sum.Created)
	require.Equal(t, []any{int32(20172), int32(260), "Abitur", day(2017, 8, 20)},
		b.one(t, `SELECT sem, hzbnote, hzbgrp, zuldat FROM sbeat_applicant WHERE identnr = '453' AND stg = 'MIB'`))
}

func TestExamResultsInEveryEncoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, encoding, detected string
	}{
		{"exams_windows1252.csv", "", "windows-1252"},
		{"exams_windows1252.csv", "windows-1252", "windows-1252"},
		{"exams_latin1.csv", "latin_1", "latin_1"},
		{"exams_cp437.csv", "cp437", "cp437"},
		{"exams_utf8_bom.csv", "", "utf8"},
		{"exams_utf8_lf.csv", "utf-8", "utf8"},
	} {
		t.Run(tc.file+"/"+tc.encoding, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			sum := b.run(t, b.put(t, "sestd/"+tc.file), importers.Options{Kind: importers.KindSbeatExams, Encoding: tc.encoding})
			require.Equal(t, tc.detected, sum.Encoding)
			require.EqualValues(t, 4, sum.Read)
			require.EqualValues(t, 4, sum.Created)
			require.Equal(t, []any{"Einführung in die Wirtschaftsprüfung", "Bachelor", "Müller", "Jürgen", "BE", "PL", int32(170), false},
				b.one(t, `SELECT pdtxt, abschlart, pruefer_nachname, pruefer_vorname, pstatus, part, pnote, panerk FROM sbeat_exam WHERE identnr='1001' AND pnr='1100'`))
			// quoted separator, decimal comma, umlauts at the start of a name
			require.Equal(t, []any{"Recht; Grundlagen", "Groß", "Ärzte"},
				b.one(t, `SELECT pdtxt, pruefer_nachname, pruefer_vorname FROM sbeat_exam WHERE identnr='1001' AND pnr='1200'`))
			require.Equal(t, "7.50", b.one(t, `SELECT bonus::text FROM sbeat_exam WHERE identnr='1001' AND pnr='1200'`)[0])
			require.Equal(t, []any{"Master", true, "Übung Statistik"},
				b.one(t, `SELECT abschlart, panerk, pdtxt FROM sbeat_exam WHERE identnr='1003'`))
		})
	}
}

func TestBrokenRowRejectedAndFixedRejectsComplete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sum := b.run(t, b.put(t, "sestd/exams_broken_row.csv"), importers.Options{Kind: importers.KindSbeatExams})
	require.Equal(t, store.ImportPartial, sum.Status)
	require.EqualValues(t, 5, sum.Read)
	require.EqualValues(t, 4, sum.Created)
	require.EqualValues(t, 1, sum.Rejected)
	require.Equal(t, filepath.Join(b.dir, "exams_broken_row.rejects.csv"), sum.RejectsFile)
	info, err := os.Stat(sum.RejectsFile)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	raw, err := os.ReadFile(sum.RejectsFile)
	require.NoError(t, err)
	text, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	require.NoError(t, err, "the rejects file is in the original encoding")
	lines := strings.Split(strings.TrimSpace(string(text)), "\r\n")
	require.Len(t, lines, 2)
	require.True(t, strings.HasSuffix(lines[0], ";PVERSION;line;error"), lines[0])
	require.Contains(t, lines[1], "1005;1100;Kaputt;84;WR;2017X;5;Müller;Jürgen;")
	require.Contains(t, lines[1], `;4;"PSEM: ""2017X"" is not a semester`)

	run, err := b.st.ImportRunGet(b.ctx, sum.RunID)
	require.NoError(t, err)
	require.Equal(t, sum.RejectsFile, run.RejectsPath)
	require.EqualValues(t, 1, run.Rejected)

	// The clerk fixes the semester and imports the rejects file: the extra
	// line and error columns are ignored and the data is complete.
	// It is a partial delivery: imported as a full export (the default)
	// it would remove the other rows of its semester, and the removal
	// guard refuses it.
	fixed := bytes.Replace(raw, []byte("2017X"), []byte("20171"), 1)
	_, err = importers.Import(b.ctx, b.st, b.put(t, "fixed.csv", fixed), importers.Options{Kind: importers.KindSbeatExams}, nil, nil)
	require.ErrorIs(t, err, importers.ErrRemovalGuard)
	require.EqualValues(t, 4, b.count(t, "sbeat_exam"))
	sum = b.run(t, b.put(t, "fixed.csv", fixed), importers.Options{Kind: importers.KindSbeatExams, Mode: importers.ModeUpsert})
	require.Equal(t, store.ImportSucceeded, sum.Status)
	require.EqualValues(t, 1, sum.Created)
	require.Empty(t, sum.RejectsFile)
	require.EqualValues(t, 5, b.count(t, "sbeat_exam"))
	require.Equal(t, []any{"Kaputt", int32(20171)}, b.one(t, `SELECT pdtxt, psem FROM sbeat_exam WHERE identnr = '1005'`))
}

func TestExamRegistrationsOfTheFilesSemestersAreReplaced(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.run(t, b.put(t, "sestd/exams_utf8_lf.csv"), importers.Options{Kind: importers.KindSbeatExams})
	require.Equal(t, []any{int64(1)}, b.one(t, `SELECT count(*) FROM sbeat_exam WHERE pstatus = 'AN'`))
	// A new export of winter 2017/18: the registration of 1002 is gone
	// (the exam was taken: a result row with status BE comes instead).
	next := "IDENTNR;PNR;PSEM;PVERSUCH;PSTATUS;PNOTE\r\n1002;1100;20172;2;BE;300\r\n1004;1100;20172;1;AN;\r\n"
	sum := b.run(t, b.put(t, "exams_next.csv", []byte(next)), importers.Options{Kind: importers.KindSbeatExams, Mode: importers.ModeUpsert})
	require.EqualValues(t, 2, sum.Created, "1002's AN row was deleted first, so BE is created")
	require.Equal(t, []any{"BE", int32(300), nil}, b.one(t, `SELECT pstatus, pnote, pdtxt FROM sbeat_exam WHERE identnr = '1002'`))
	require.Equal(t, []any{int64(1)}, b.one(t, `SELECT count(*) FROM sbeat_exam WHERE pstatus = 'AN'`))
	// semester 20171 untouched
	require.EqualValues(t, 2, b.one(t, `SELECT count(*) FROM sbeat_exam WHERE psem = 20171`)[0])
}

func TestStudentRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sum := b.run(t, b.put(t, "sestd/students_windows1252.csv"), importers.Options{Kind: importers.KindSbeatStudents})
	require.Equal(t, "windows-1252", sum.Encoding)
	require.EqualValues(t, 4, sum.Read)
	require.EqualValues(t, 3, sum.Created)
	require.EqualValues(t, 1, sum.Skipped, "SPERRART1 01 is not imported")
	require.Zero(t, sum.Rejected)
	require.EqualValues(t, 0, b.one(t, `SELECT count(*) FROM sbeat_student WHERE identnr = '2003'`)[0])

	// TT.MM.YYYY; TT-MMM-YY with Mrz; SEM_START from IMMDAT (October: winter)
	require.Equal(t, []any{day(2016, 10, 1), int32(20162), nil, day(1998, 3, 3), int32(230), day(2016, 6, 15), "Abitur"},
		b.one(t, `SELECT immdat, sem_start, sem_end, gebdat, hzbnote, hzbdatum, hzbgrp FROM sbeat_student WHERE identnr = '2001'`))
	// February belongs to the winter semester begun the year before;
	// SEM_END given wins over EXMDAT; 9.9 is no grade.
	require.Equal(t, []any{day(2017, 2, 15), int32(20162), int32(20201), nil, "F-Abitur"},
		b.one(t, `SELECT immdat, sem_start, sem_end, hzbnote, hzbgrp FROM sbeat_student WHERE identnr = '2002'`))
	// two-digit years: 39 → 2039, 40 → 1940; 990 is no grade; HZBART 99 has no group
	require.Equal(t, []any{day(2039, 12, 31), day(1940, 5, 1), nil, "99", nil},
		b.one(t, `SELECT gebdat, hzbdatum, hzbnote, hzbart, hzbgrp FROM sbeat_student WHERE identnr = '2004'`))
	// identity columns (MTKNR alias) in their own table
	require.Equal(t, []any{"700001", "Jörg", "Bäcker"}, b.one(t, `SELECT matrikelnr, vorname, nachname FROM sbeat_identity WHERE identnr = '2001'`))
}

func TestModesAndIgnoreMarker(t *testing.T) {
	t.Parallel()
	b := setup(t)
	create := "IDENTNR;STG;IMMDAT;GESCHL;HZBNOTE\n1;WR;01.10.2016;W;2,0\n2;BWL;01.10.2017;M;3,0\n"
	sum := b.run(t, b.put(t, "s1.csv", []byte(create)), importers.Options{Kind: importers.KindSbeatStudents, Mode: importers.ModeCreate})
	require.EqualValues(t, 2, sum.Created)

	// create again: both exist → rejected with the reason
	sum = b.run(t, b.put(t, "s2.csv", []byte(create+"3;MB;01.04.2018;W;\n")), importers.Options{Kind: importers.KindSbeatStudents, Mode: importers.ModeCreate})
	require.EqualValues(t, 1, sum.Created)
	require.EqualValues(t, 2, sum.Rejected)
	rej, err := os.ReadFile(sum.RejectsFile)
	require.NoError(t, err)
	require.Contains(t, string(rej), "1;WR;01.10.2016;W;2,0;2;already exists: 1")

	// update: <IGNORE> keeps, empty clears, absent columns stay, missing → rejected
	update := "IDENTNR;STG;HZBNOTE;GESCHL\n1;<IGNORE>;;M\n2;VWL;<IGNORE>;<IGNORE>\n9;X;;\n"
	sum = b.run(t, b.put(t, "s3.csv", []byte(update)), importers.Options{Kind: importers.KindSbeatStudents, Mode: importers.ModeUpdate})
	require.EqualValues(t, 2, sum.Updated)
	require.EqualValues(t, 1, sum.Rejected)
	require.Equal(t, []any{"WR", nil, "M", day(2016, 10, 1), int32(20162)},
		b.one(t, `SELECT stg, hzbnote, geschl, immdat, sem_start FROM sbeat_student WHERE identnr = '1'`))
	require.Equal(t, []any{"VWL", int32(300), "M"}, b.one(t, `SELECT stg, hzbnote, geschl FROM sbeat_student WHERE identnr = '2'`))

	// update may not empty a required field; a file whose every row is
	// rejected fails, keeping its rejects file
	sum, err = importers.Import(b.ctx, b.st, b.put(t, "s4.csv", []byte("IDENTNR;STG\n1;\n")), importers.Options{Kind: importers.KindSbeatStudents, Mode: importers.ModeUpdate}, nil, nil)
	require.ErrorIs(t, err, importers.ErrPermanent)
	require.ErrorContains(t, err, "every row was rejected: all 1 rows; nothing imported")
	require.Equal(t, store.ImportFailed, sum.Status)
	require.EqualValues(t, 1, sum.Rejected)
	require.FileExists(t, sum.RejectsFile)

	// remove: location fields only
	sum = b.run(t, b.put(t, "s5.csv", []byte("IDENTNR\n1\n7\n")), importers.Options{Kind: importers.KindSbeatStudents, Mode: importers.ModeRemove})
	require.EqualValues(t, 1, sum.Removed)
	require.EqualValues(t, 1, sum.Rejected)
	require.EqualValues(t, 2, b.count(t, "sbeat_student"))

	// a header without a required column is the file's fault
	_, err = importers.Import(b.ctx, b.st, b.put(t, "s6.csv", []byte("IDENTNR;GESCHL\n5;W\n")), importers.Options{Kind: importers.KindSbeatStudents}, nil, nil)
	require.ErrorIs(t, err, importers.ErrPermanent)
	require.ErrorContains(t, err, "lacks the required column(s) STG")
}

func TestSameFileOnceUnlessForced(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.put(t, "s-beat/courses_data.csv")
	first := b.run(t, p, importers.Options{Kind: importers.KindSbeatCourses})
	again := b.run(t, p, importers.Options{Kind: importers.KindSbeatCourses})
	require.True(t, again.AlreadyImported)
	require.Equal(t, first.RunID, again.RunID)
	// another mode is another import
	upd := b.run(t, p, importers.Options{Kind: importers.KindSbeatCourses, Mode: importers.ModeUpdate})
	require.False(t, upd.AlreadyImported)
	forced := b.run(t, p, importers.Options{Kind: importers.KindSbeatCourses, Force: true})
	require.False(t, forced.AlreadyImported)
	require.EqualValues(t, 1, forced.Unchanged, "the one course, as stored")
	require.Zero(t, forced.Created+forced.Updated+forced.Rejected)
	created, err := importers.Import(b.ctx, b.st, p, importers.Options{Kind: importers.KindSbeatCourses, Mode: importers.ModeCreate, Force: true}, nil, nil)
	require.ErrorContains(t, err, "every row was rejected", "create of an existing course, the file's only row")
	require.EqualValues(t, 1, created.Rejected)
	require.Equal(t, store.ImportFailed, created.Status)
	runs, err := b.st.ImportRunList(b.ctx, 10)
	require.NoError(t, err)
	require.Len(t, runs, 4)
	require.True(t, runs[0].Forced)
}

func TestBadFilesArePermanentErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cp1252 := []byte("IDENTNR;STG\r\n1;Pr\xfcfung\r\n")
	for name, tc := range map[string]struct {
		data []byte
		opts importers.Options
		want string
	}{
		"invalid utf8":    {cp1252, importers.Options{Kind: importers.KindSbeatStudents, Encoding: "utf8"}, "the file is not valid UTF-8 (at line 2); it looks like windows-1252: import it with encoding windows-1252 (or auto)"},
		"unknown kind":    {cp1252, importers.Options{Kind: "nope"}, "unknown kind"},
		"unknown mode":    {cp1252, importers.Options{Kind: importers.KindSbeatStudents, Mode: "merge"}, "unknown mode"},
		"unknown charset": {cp1252, importers.Options{Kind: importers.KindSbeatStudents, Encoding: "ebcdic"}, "unknown encoding"},
		"empty file":      {nil, importers.Options{Kind: importers.KindRanking}, "no header"},
		"not xml":         {[]byte("IDENTNR;STG\n"), importers.Options{Kind: importers.KindEkvv}, "no veranstaltung"},
	} {
		_, err := importers.Import(b.ctx, b.st, b.put(t, name+".csv", tc.data), tc.opts, nil, nil)
		require.ErrorIs(t, err, importers.ErrPermanent, name)
		require.ErrorContains(t, err, tc.want, name)
	}
	_, err := importers.Import(b.ctx, b.st, filepath.Join(b.dir, "missing.csv"), importers.Options{Kind: importers.KindRanking}, nil, nil)
	require.ErrorIs(t, err, importers.ErrPermanent)
	_, err = importers.Import(b.ctx, b.st, b.dir, importers.Options{Kind: importers.KindRanking}, nil, nil)
	require.ErrorIs(t, err, importers.ErrPermanent, "a directory")
	// auto-detection reads the same bytes as windows-1252
	sum := b.run(t, b.put(t, "auto.csv", cp1252), importers.Options{Kind: importers.KindSbeatStudents})
	require.Equal(t, "windows-1252", sum.Encoding)
	require.Equal(t, []any{"Prüfung"}, b.one(t, `SELECT stg FROM sbeat_student`))
	// failed runs are recorded
	var failed int64
	require.NoError(t, b.st.Pool().QueryRow(b.ctx, `SELECT count(*) FROM import_runs WHERE status = 'failed' AND error <> ''`).Scan(&failed))
	require.Positive(t, failed)
}

func TestRankingLists(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var progress []importers.Progress
	sum, err := importers.Import(b.ctx, b.st, b.put(t, "sestd/ranking.csv"), importers.Options{Kind: importers.KindRanking, BatchSize: 2}, nil,
		func(p importers.Progress) { progress = append(progress, p) })
	require.NoError(t, err)
	require.EqualValues(t, 7, sum.Read)
	require.EqualValues(t, 4, sum.Created)
	require.EqualValues(t, 3, sum.Rejected)
	require.NotEmpty(t, progress)
	last := progress[len(progress)-1]
	require.Equal(t, sum.Created, last.Created)
	require.Equal(t, last.BytesTotal, last.BytesRead, "the whole file was read")
	require.Positive(t, last.BytesTotal)
	rej, err := os.ReadFile(sum.RejectsFile)
	require.NoError(t, err)
	require.Equal(t, "rangliste;bewerber_id;rang;line;error\r\n"+
		"RL-BWL-HQ;B-0003;2;4;rangliste, rang = RL-BWL-HQ, 2 is given to RL-BWL-HQ, B-0002 on line 3 already\r\n"+
		"RL-VWL-HQ;B-0001;3;7;rangliste, bewerber_id = RL-VWL-HQ, B-0001 is in the file already, on line 5\r\n"+
		"RL-VWL-HQ;B-0005;0;8;RANG: must be 1 or more\r\n", string(rej))
	require.Equal(t, []any{"B-0004", int32(2)}, b.one(t, `SELECT bewerber_id, rang FROM ranking_entry WHERE rangliste = 'RL-VWL-HQ' AND rang = 2`))
}

func TestUniversityApplications(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sum := b.run(t, b.put(t, "sestd/uni_bewerbungen.csv"), importers.Options{Kind: importers.KindUniBewerbungen})
	require.EqualValues(t, 6, sum.Read)
	require.EqualValues(t, 4, sum.Created)
	require.EqualValues(t, 2, sum.Rejected)
	rej, err := os.ReadFile(sum.RejectsFile)
	require.NoError(t, err)
	require.Contains(t, string(rej), "BEARBEITUNGSSTATUS: zugelassen is set by the Servicestelle only")
	require.Contains(t, string(rej), "no uni_bewerbung row with hs_bewerbung_id A-4")

	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	got := b.one(t, `SELECT typ, bewerber_id, bewerber_ban, abschluss_schluessel, studienfach_schluessel, fachkennzeichen_schluessel, eingangszeitpunkt, bearbeitungsstatus FROM uni_bewerbung WHERE hs_bewerbung_id = 'A-1'`)
	got[6] = got[6].(time.Time).UTC()
	require.Equal(t, []any{"einfach", "B-0001", "BAN-1", "084", "132", nil, time.Date(2026, 3, 6, 12, 3, 0, 0, time.UTC), "eingegangen"}, got)
	got = b.one(t, `SELECT typ, studiengang_schluessel, abschluss_schluessel, eingangszeitpunkt FROM uni_bewerbung WHERE hs_bewerbung_id = 'A-2'`)
	require.True(t, got[3].(time.Time).Equal(time.Date(2026, 3, 6, 13, 3, 0, 0, berlin)), "a time without zone is Berlin time")
	require.Equal(t, []any{"mehrfach", nil, "025"}, got[:3])
	require.Equal(t, []any{"025", "059", false, true},
		b.one(t, `SELECT abschluss_schluessel, studienfach_schluessel, ist_ersatzfach_akzeptabel, ist_fachwechsel FROM uni_teilfachbewerbung WHERE studiengang_schluessel = '025-059'`))

	// Status changes follow the rules: the university may not undo an
	// admission; eingegangen → gueltig is fine; a configured override wins.
	upd := "HS_BEWERBUNG_ID;TYP;BEARBEITUNGSSTATUS\nA-1;einfach;gueltig\nA-2;mehrfach;Frist_ueberschritten\n"
	sum = b.run(t, b.put(t, "u2.csv", []byte(upd)), importers.Options{Kind: importers.KindUniBewerbungen, Mode: importers.ModeUpdate})
	require.EqualValues(t, 1, sum.Updated)
	require.EqualValues(t, 1, sum.Rejected)
	require.Equal(t, []any{"gueltig", "B-0001"}, b.one(t, `SELECT bearbeitungsstatus, bewerber_id FROM uni_bewerbung WHERE hs_bewerbung_id = 'A-1'`))
	sum = b.run(t, b.put(t, "u2.csv", []byte(upd)), importers.Options{Kind: importers.KindUniBewerbungen, Mode: importers.ModeUpdate, Force: true,
		Bearbeitungsstatus: map[string]importers.StatusRule{"Frist_ueberschritten": {UniIn: true}}})
	require.EqualValues(t, 1, sum.Updated, "A-2; A-1 is gueltig already")
	require.EqualValues(t, 1, sum.Unchanged)

	// a Teilfachbewerbung without a status of its own may be given one
	sum = b.run(t, b.put(t, "u4.csv", []byte("HS_BEWERBUNG_ID;TYP;STUDIENGANG_SCHLUESSEL;BEARBEITUNGSSTATUS\nA-2;teilfach;025-007;gueltig\n")),
		importers.Options{Kind: importers.KindUniBewerbungen, Mode: importers.ModeUpdate})
	require.EqualValues(t, 1, sum.Updated)
	require.Equal(t, []any{"gueltig", "025-007"}, b.one(t, `SELECT bearbeitungsstatus, hauptfach_schluessel FROM uni_teilfachbewerbung WHERE studiengang_schluessel = '025-007'`))

	// a change the database refuses (an einfach Bewerbung needs its
	// Studienangebot) is the file's fault, not worth a retry
	_, err = importers.Import(b.ctx, b.st, b.put(t, "u5.csv", []byte("HS_BEWERBUNG_ID;TYP\nA-2;einfach\n")),
		importers.Options{Kind: importers.KindUniBewerbungen, Mode: importers.ModeUpdate}, nil, nil)
	require.ErrorIs(t, err, importers.ErrPermanent)
	require.ErrorContains(t, err, "uni_bewerbung_check")

	// removing the head removes its Teilfachbewerbungen
	sum = b.run(t, b.put(t, "u3.csv", []byte("HS_BEWERBUNG_ID;TYP\nA-2;mehrfach\n")), importers.Options{Kind: importers.KindUniBewerbungen, Mode: importers.ModeRemove})
	require.EqualValues(t, 1, sum.Removed)
	require.EqualValues(t, 0, b.count(t, "uni_teilfachbewerbung"))

	sum = b.run(t, b.put(t, "sestd/uni_bewerber_auth.csv"), importers.Options{Kind: importers.KindUniBewerberAuth})
	require.EqualValues(t, 2, sum.Created)
	require.EqualValues(t, 1, sum.Rejected, "BAN is required")
}

// Enrolment statuses came with interface version 4: a university still on
// version 3 is told so at import, not by a rejection from the Servicestelle.
func TestApplicationStatusesOfTheInterfaceVersion(t *testing.T) {
	t.Parallel()
	b := setup(t)
	file := b.put(t, "v.csv", []byte("HS_BEWERBUNG_ID;TYP;BEWERBER_ID;STUDIENGANG_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS\n"+
		"V-1;einfach;B-1;084-132;06.03.2026 13:03;eingegangen\nV-2;einfach;B-2;084-132;06.03.2026 13:04;eingeschrieben\n"))
	sum := b.run(t, file, importers.Options{Kind: importers.KindUniBewerbungen, InterfaceVersion: 3})
	require.EqualValues(t, 1, sum.Created)
	require.EqualValues(t, 1, sum.Rejected)
	rej, err := os.ReadFile(sum.RejectsFile)
	require.NoError(t, err)
	require.Contains(t, string(rej), "BEARBEITUNGSSTATUS: eingeschrieben exists only from interface version 4 (servicestelle.interface_version is 3)")

	sum = b.run(t, file, importers.Options{Kind: importers.KindUniBewerbungen, Mode: importers.ModeUpsert, InterfaceVersion: 4})
	require.EqualValues(t, 1, sum.Created, "version 4 knows eingeschrieben")
	require.Equal(t, []any{"eingeschrieben"}, b.one(t, `SELECT bearbeitungsstatus FROM uni_bewerbung WHERE hs_bewerbung_id = 'V-2'`))
}

func TestImportHonoursCancellation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(b.ctx)
	cancel()
	_, err := importers.Import(ctx, b.st, b.put(t, "s-beat/courses_data.csv"), importers.Options{Kind: importers.KindSbeatCourses}, nil, nil)
	require.Error(t, err)
	require.False(t, errors.Is(err, importers.ErrPermanent))
}

func TestConcurrentImportsOfOneFile(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.put(t, "sestd/ranking.csv")
	sums := make([]importers.Summary, 3)
	errs := make([]error, 3)
	done := make(chan int)
	for i := range sums {
		go func() {
			sums[i], errs[i] = importers.Import(b.ctx, b.st, p, importers.Options{Kind: importers.KindRanking, RejectsDir: filepath.Join(b.dir, strconv.Itoa(i))}, nil, nil)
			done <- i
		}()
	}
	for range sums {
		<-done
	}
	imported := 0
	for i := range sums {
		require.NoError(t, errs[i])
		if !sums[i].AlreadyImported {
			imported++
			require.EqualValues(t, 4, sums[i].Created)
		}
	}
	require.Equal(t, 1, imported, "the kind's lock makes the others see the first run")
	require.EqualValues(t, 4, b.count(t, "ranking_entry"))
}

func TestIdentitiesAndApplicants(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ident := "IDENTNR;MTKNR;VORNAME;NACHNAME;EMAIL;EU;STANG\r\n1;900001;Jörg;Weiß;jw@example.org;J;D\r\n2;900002;Ana;Lima;;N;BR\r\n3;;Ohne;Nummer;;;\r\n4;900004;Eu;Falsch;;vielleicht;\r\n"
	sum := b.run(t, b.put(t, "ident.csv", []byte(ident)), importers.Options{Kind: importers.KindSbeatIdentities})
	require.EqualValues(t, 2, sum.Created)
	require.EqualValues(t, 2, sum.Rejected, "MATRIKELNR is required; EU is J or N")
	require.Equal(t, []any{"900001", "Jörg", "Weiß", true, "D"}, b.one(t, `SELECT matrikelnr, vorname, nachname, eu, stang FROM sbeat_identity WHERE identnr = '1'`))
	acl := b.one(t, `SELECT coalesce(relacl::text, '') FROM pg_class WHERE relname = 'sbeat_identity'`)[0].(string)
	require.NotContains(t, acl, "{=", "PUBLIC has no access to personal data")
	require.NotContains(t, acl, ",=")

	// applicants: SEM given wins; from APPLDAT otherwise (TT-MMM-YY too:
	// 15 January is winter 2016/17, so the next semester is summer 2017);
	// identity columns update the identity table, keeping what they lack.
	appl := "IDENTNR;STG;SEM;APPLDAT;ZULDAT;HZBNOTE;HZBART;VORNAME\r\n1;WR;20181;05.06.2017;;1,7;39;Jörg\r\n1;BWL;;15-Jan-17;01-Mrz-17;9,9;;Jörg\r\n5;WR;;;;;;X\r\n"
	sum = b.run(t, b.put(t, "appl.csv", []byte(appl)), importers.Options{Kind: importers.KindSbeatApplicants})
	require.EqualValues(t, 2, sum.Created)
	require.EqualValues(t, 1, sum.Rejected, "SEM or APPLDAT is required")
	require.Equal(t, []any{int32(170), "Ausland", nil}, b.one(t, `SELECT hzbnote, hzbgrp, zuldat FROM sbeat_applicant WHERE identnr = '1' AND sem = 20181`))
	require.Equal(t, []any{"BWL", nil, day(2017, 3, 1)}, b.one(t, `SELECT stg, hzbnote, zuldat FROM sbeat_applicant WHERE identnr = '1' AND sem = 20171`))
	require.Equal(t, []any{"900001", "Weiß"}, b.one(t, `SELECT matrikelnr, nachname FROM sbeat_identity WHERE identnr = '1'`))
	require.EqualValues(t, 0, b.one(t, `SELECT count(*) FROM sbeat_identity WHERE identnr = '5'`)[0], "a rejected row writes no identity")
}

func TestEdgesOfCSVFiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sum := b.run(t, b.put(t, "header_only_ranking.csv", []byte("\xef\xbb\xbfRANGLISTE;BEWERBER_ID;RANG\r\n")), importers.Options{Kind: importers.KindRanking})
	require.Equal(t, store.ImportSucceeded, sum.Status)
	require.Zero(t, sum.Read)
	require.Equal(t, "utf8", sum.Encoding)

	// too many or too few fields, a bare quote: rejected by line, the rest imported
	data := "RANGLISTE;BEWERBER_ID;RANG\nL;B1;1\nL;B2;2;extra\nL;B3\nL;B\"4;4\nL;B5;5\n"
	sum = b.run(t, b.put(t, "fields_ranking.csv", []byte(data)), importers.Options{Kind: importers.KindRanking})
	require.EqualValues(t, 5, sum.Read)
	require.EqualValues(t, 2, sum.Created)
	require.EqualValues(t, 3, sum.Rejected)
	rej, err := os.ReadFile(sum.RejectsFile)
	require.NoError(t, err)
	require.Contains(t, string(rej), "L;B2;2;3;4 fields where the header has 3")
	require.Contains(t, string(rej), "L;B3;;4;2 fields where the header has 3")
	require.Contains(t, string(rej), `;;;5;"line 5: bare "" in non-quoted-field"`, "an unparsable line keeps its number and reason")

	// A NUL is no text: the file fails, naming where, and nothing is
	// imported (no NUL reaches a rejects file).
	nul := []byte("RANGLISTE;BEWERBER_ID;RANG\nL;B1;3\nL;B6;6\nL;B\x007;7\n")
	failed, err := importers.Import(b.ctx, b.st, b.put(t, "nul_ranking.csv", nul), importers.Options{Kind: importers.KindRanking, Mode: importers.ModeUpsert}, nil, nil)
	require.ErrorIs(t, err, importers.ErrPermanent)
	require.ErrorContains(t, err, "not a text file: a NUL byte (0x00) at line 4 (byte offset 44)")
	require.Equal(t, store.ImportFailed, failed.Status)
	require.Empty(t, failed.RejectsFile)

	// upsert: created and updated counted apart
	sum = b.run(t, b.put(t, "upsert_ranking.csv", []byte("RANGLISTE;BEWERBER_ID;RANG\nL;B1;3\nL;B6;6\nL;B7\n")), importers.Options{Kind: importers.KindRanking, Mode: importers.ModeUpsert})
	require.EqualValues(t, 1, sum.Created)
	require.EqualValues(t, 1, sum.Updated)
	require.EqualValues(t, 1, sum.Rejected)
}
