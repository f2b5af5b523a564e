package importers_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
	"sestd/internal/store"
)

// xmins returns key → (xmin, updated_at, import_run_id) of sbeat_exam, as
// text: a row written again gets a new xmin even when its values stay.
func (b *bundle) examVersions(t *testing.T) map[string]string {
	t.Helper()
	rows, err := b.st.Pool().Query(b.ctx, `SELECT identnr || '/' || pnr || '/' || psem || '/' || pversuch,
		xmin::text || ' ' || updated_at::text || ' ' || import_run_id FROM sbeat_exam`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		require.NoError(t, rows.Scan(&k, &v))
		out[k] = v
	}
	require.NoError(t, rows.Err())
	return out
}

// The weekly refresh of a full exam export (sync, staged whole) writes
// the rows that changed and no other: the others keep their xmin (not
// rewritten at all), updated_at and import run, and the counts say so.
func TestExamRefreshRewritesOnlyTheChangedRows(t *testing.T) {
	t.Parallel()
	b := setup(t)
	head := "IDENTNR;PNR;PSEM;PVERSUCH;PSTATUS;PNOTE;PDTXT\n"
	week1 := head +
		"1;100;20241;1;BE;170;Mathematik I\n" +
		"1;101;20241;1;BE;230;Statistik\n" +
		"2;100;20241;1;NB;500;Mathematik I\n" +
		"2;100;20242;2;BE;400;Mathematik I\n" +
		"3;102;20242;1;AN;;Recht\n"
	opts := importers.Options{Kind: importers.KindSbeatExams, BatchSize: 2}
	first := b.run(t, b.put(t, "exams_w1.csv", []byte(week1)), opts)
	require.Equal(t, importers.ModeSync, first.Mode)
	require.Equal(t, []int64{5, 0, 0, 0, 0}, []int64{first.Created, first.Updated, first.Unchanged, first.Removed, first.Rejected})
	before := b.examVersions(t)
	require.Len(t, before, 5)

	// The same bytes again (forced: they were imported before): nothing
	// is written.
	opts.Force = true
	again := b.run(t, b.put(t, "exams_w1.csv", []byte(week1)), opts)
	require.Equal(t, []int64{0, 0, 5, 0, 0}, []int64{again.Created, again.Updated, again.Unchanged, again.Removed, again.Rejected})
	require.Equal(t, before, b.examVersions(t))

	// Next week: 2's second attempt got a grade of 3,7 instead of 4,0.
	opts.Force = false
	week2 := head +
		"1;100;20241;1;BE;170;Mathematik I\n" +
		"1;101;20241;1;BE;230;Statistik\n" +
		"2;100;20241;1;NB;500;Mathematik I\n" +
		"2;100;20242;2;BE;370;Mathematik I\n" +
		"3;102;20242;1;AN;;Recht\n"
	sum := b.run(t, b.put(t, "exams_w2.csv", []byte(week2)), opts)
	require.Equal(t, []int64{0, 1, 4, 0, 0}, []int64{sum.Created, sum.Updated, sum.Unchanged, sum.Removed, sum.Rejected})
	after := b.examVersions(t)
	for k, v := range before {
		if k == "2/100/20242/2" {
			require.NotEqual(t, v, after[k], "the changed row is written")
			continue
		}
		require.Equal(t, v, after[k], "row %s untouched", k)
	}
	require.Equal(t, []any{int32(370), sum.RunID}, b.one(t, `SELECT pnote, import_run_id FROM sbeat_exam WHERE identnr = '2' AND psem = 20242`))
	run, err := b.st.ImportRunGet(b.ctx, sum.RunID)
	require.NoError(t, err)
	require.Equal(t, []int64{0, 1, 4, 0}, []int64{run.Created, run.Updated, run.Unchanged, run.Removed})
}

// A full exam export with a key repeated (in the same batch and across
// batches) keeps the first row of the key and rejects the later ones,
// each with its line and the line of the first; a row rejected for its
// values is reported in line order before them.
func TestExamFullExportRejectsRepeatedKeysByLine(t *testing.T) {
	t.Parallel()
	b := setup(t)
	file := "IDENTNR;PNR;PSEM;PVERSUCH;PSTATUS;PNOTE\n" +
		"1;100;20241;1;BE;170\n" + // line 2
		"1;101;20241;1;XX;230\n" + // line 3: bad status
		"1;100;20241;1;BE;400\n" + // line 4: line 2's key, same batch of 3
		"2;100;20241;1;BE;130\n" + // line 5
		"3;100;20241;1;BE;100\n" + // line 6
		"2;100;20241;1;NB;500\n" // line 7: line 5's key, the next batch
	sum := b.run(t, b.put(t, "exams_dup.csv", []byte(file)), importers.Options{Kind: importers.KindSbeatExams, BatchSize: 3})
	require.Equal(t, store.ImportPartial, sum.Status)
	require.Equal(t, []int64{6, 3, 3}, []int64{sum.Read, sum.Created, sum.Rejected})
	rej, err := os.ReadFile(sum.RejectsFile)
	require.NoError(t, err)
	require.Equal(t, "IDENTNR;PNR;PSEM;PVERSUCH;PSTATUS;PNOTE;line;error\r\n"+
		"1;101;20241;1;XX;230;3;\"PSTATUS: \"\"XX\"\" is not one of AN, BE, NB, EN\"\r\n"+
		"1;100;20241;1;BE;400;4;identnr, pnr, psem, pversuch = 1, 100, 20241, 1 is in the file already, on line 2\r\n"+
		"2;100;20241;1;NB;500;7;identnr, pnr, psem, pversuch = 2, 100, 20241, 1 is in the file already, on line 5\r\n", string(rej))
	require.Equal(t, []any{"1:170,2:130,3:100"}, b.one(t, `SELECT string_agg(identnr || ':' || pnote, ',' ORDER BY identnr) FROM sbeat_exam`))
	// The history records what the summary said.
	require.Equal(t, []any{"partial", int64(6), int64(3), int64(3), sum.RejectsFile},
		b.one(t, `SELECT status, rows_read, created, rejected, rejects_path FROM import_runs WHERE id = $1`, sum.RunID))
}

// A full exam export staged whole removes the stored rows of its
// semesters it lacks, keeps the stored row of a row rejected for its
// values, and is refused by the removal guard when it lacks too many.
func TestExamFullExportRemovesTheAbsentAndKeepsTheRejected(t *testing.T) {
	t.Parallel()
	b := setup(t)
	head := "IDENTNR;PNR;PSEM;PVERSUCH;PSTATUS;PNOTE\n"
	row := func(id, status string) string { return id + ";100;20241;1;" + status + ";170\n" }
	opts := importers.Options{Kind: importers.KindSbeatExams, MaxRemoveShare: 0.5}
	sum := b.run(t, b.put(t, "w1.csv", []byte(head+row("A", "BE")+row("B", "BE")+row("C", "BE")+row("D", "BE")+row("E", "BE"))), opts)
	require.EqualValues(t, 5, sum.Created)

	// E is gone; C's row has a bad status: C stays as stored.
	sum = b.run(t, b.put(t, "w2.csv", []byte(head+row("A", "BE")+row("B", "BE")+row("C", "XX")+row("D", "BE"))), opts)
	require.Equal(t, []int64{0, 0, 3, 1, 1}, []int64{sum.Created, sum.Updated, sum.Unchanged, sum.Removed, sum.Rejected})
	require.Equal(t, []any{"A,B,C,D"}, b.one(t, `SELECT string_agg(identnr, ',' ORDER BY identnr) FROM sbeat_exam`))

	// C is gone, and a new one, F, comes.
	sum = b.run(t, b.put(t, "w3.csv", []byte(head+row("A", "BE")+row("B", "BE")+row("D", "BE")+row("F", "BE"))), opts)
	require.Equal(t, []int64{1, 0, 3, 1, 0}, []int64{sum.Created, sum.Updated, sum.Unchanged, sum.Removed, sum.Rejected})
	require.Equal(t, []any{"A,B,D,F"}, b.one(t, `SELECT string_agg(identnr, ',' ORDER BY identnr) FROM sbeat_exam`))

	// Three of four missing: refused, nothing changed.
	_, err := importers.Import(b.ctx, b.st, b.put(t, "w4.csv", []byte(head+row("A", "NB"))), opts, nil, nil)
	require.ErrorIs(t, err, importers.ErrRemovalGuard)
	require.Equal(t, []any{"A:BE,B:BE,D:BE,F:BE"}, b.one(t, `SELECT string_agg(identnr || ':' || pstatus, ',' ORDER BY identnr) FROM sbeat_exam`))
}

// A first import into an empty table (COPY straight into the table, the
// rows of keys met before checked after it) and the same file again into
// the filled table (staged whole, one MERGE) reject the same lines for the
// same reasons: a key thrice names its first line each time, and a row
// repeating the key of a row rejected for its values names that row.
func TestExamFirstImportAndRefreshRejectTheSameRepeatedKeys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	file := "IDENTNR;PNR;PSEM;PVERSUCH;PSTATUS;PNOTE\n" +
		"1;100;20241;1;BE;170\n" + // line 2
		"4;100;20241;1;XX;230\n" + // line 3: bad status
		"4;100;20241;1;BE;300\n" + // line 4: line 3's key
		"1;100;20241;1;BE;400\n" + // line 5: line 2's key
		"1;100;20241;1;NB;500\n" + // line 6: line 2's key again
		"5;100;20241;1;BE;100\n" // line 7
	want := "IDENTNR;PNR;PSEM;PVERSUCH;PSTATUS;PNOTE;line;error\r\n" +
		"4;100;20241;1;XX;230;3;\"PSTATUS: \"\"XX\"\" is not one of AN, BE, NB, EN\"\r\n" +
		"4;100;20241;1;BE;300;4;identnr, pnr, psem, pversuch = 4, 100, 20241, 1 is in the file already, on line 3\r\n" +
		"1;100;20241;1;BE;400;5;identnr, pnr, psem, pversuch = 1, 100, 20241, 1 is in the file already, on line 2\r\n" +
		"1;100;20241;1;NB;500;6;identnr, pnr, psem, pversuch = 1, 100, 20241, 1 is in the file already, on line 2\r\n"
	opts := importers.Options{Kind: importers.KindSbeatExams, BatchSize: 2}
	for i, w := range [][]int64{{2, 0, 0, 4}, {0, 0, 2, 4}} {
		sum := b.run(t, b.put(t, "exams_dup3.csv", []byte(file)), opts)
		require.Equal(t, w, []int64{sum.Created, sum.Updated, sum.Unchanged, sum.Rejected}, "run %d", i+1)
		rej, err := os.ReadFile(sum.RejectsFile)
		require.NoError(t, err)
		require.Equal(t, want, string(rej), "run %d", i+1)
		require.Equal(t, []any{"1:170,5:100"}, b.one(t, `SELECT string_agg(identnr || ':' || pnote, ',' ORDER BY identnr) FROM sbeat_exam`))
		opts.Force = true
	}
}
