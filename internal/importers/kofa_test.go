package importers_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers/batch"
	"sestd/internal/store"
	"sestd/internal/store/bulk"
)

// kofaStudents maps Kofa's student sample files onto a table of ours, to
// run Kofa's own files through the shared machinery: comma CSV, location
// by matric_number, <IGNORE> in update mode, columns the kind does not
// know (date_of_birth) ignored.
func kofaStudents() *batch.Spec {
	t := bulk.TargetSbeatIdentity
	cols := []string{"identnr", "matrikelnr", "vorname", "nachname", "email", "plz"}
	return &batch.Spec{
		Kind: "kofa_students",
		Fields: []batch.Field{
			{Name: "matric_number", Location: true},
			{Name: "reg_number"},
			{Name: "firstname", Required: true},
			{Name: "lastname", Required: true},
			{Name: "email"},
			{Name: "phone"},
		},
		Targets: []*bulk.Target{t},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			for f, col := range cols {
				if c.Mode == bulk.ModeRemove && f > 0 {
					break
				}
				c.Put(v, batch.ColRef(t.Col(col)), batch.FieldRef(f), batch.Text)
			}
			return []batch.Out{{Values: v}}
		},
	}
}

type memRejects struct{ lines []int64 }

func (m *memRejects) Reject(rec batch.Record, _ string) error {
	m.lines = append(m.lines, rec.Line)
	return nil
}
func (m *memRejects) Close() (string, error) { return "", nil }
func (m *memRejects) Abort()                 {}

func runKofa(t *testing.T, st *store.Store, file string, mode bulk.Mode) (batch.Counts, []int64) {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open(filepath.Join("testdata", "kofa", file))
	require.NoError(t, err)
	defer f.Close()
	src, err := batch.NewCSVSource(f)
	require.NoError(t, err)
	require.Equal(t, ',', src.Comma())
	tx, err := bulk.Begin(ctx, st, 0, "kofa")
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	rej := &memRejects{}
	counts, err := batch.Run(ctx, tx, kofaStudents(), src, rej, batch.Params{Mode: mode, BatchSize: 4})
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	return counts, rej.lines
}

func TestKofaSamplesWithKofaSemantics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	counts, rejected := runKofa(t, b.st, "sample_student_data.csv", bulk.ModeCreate)
	notOurs := []string{"student_id", "date_of_birth", "sex", "state"}
	require.Equal(t, batch.Counts{Ignored: notOurs, ImportCounts: store.ImportCounts{Read: 9, Created: 9}}, counts)
	require.Empty(t, rejected)
	require.Equal(t, []any{"1", "Aaren", "Pieri", "1234"}, b.one(t, `SELECT matrikelnr, vorname, nachname, plz FROM sbeat_identity WHERE identnr = '100000'`))

	// Kofa's update2 sample: an empty phone clears it, XXX sets it,
	// <IGNORE> leaves it; date_of_birth is not ours and ignored.
	counts, rejected = runKofa(t, b.st, "sample_student_data_update2.csv", bulk.ModeUpdate)
	// 100002's only column is <IGNORE>: nothing changes, nothing is written
	require.Equal(t, batch.Counts{Ignored: []string{"date_of_birth"}, ImportCounts: store.ImportCounts{Read: 3, Updated: 2, Unchanged: 1}}, counts)
	require.Empty(t, rejected)
	require.Equal(t, []any{nil, "Aaren"}, b.one(t, `SELECT plz, vorname FROM sbeat_identity WHERE identnr = '100000'`))
	require.Equal(t, []any{"XXX"}, b.one(t, `SELECT plz FROM sbeat_identity WHERE identnr = '100001'`))
	require.Equal(t, []any{"1234"}, b.one(t, `SELECT plz FROM sbeat_identity WHERE identnr = '100002'`))

	// create again: every record exists and is rejected by its line
	counts, rejected = runKofa(t, b.st, "sample_student_data_extascii.csv", bulk.ModeCreate)
	require.Equal(t, batch.Counts{Ignored: notOurs, ImportCounts: store.ImportCounts{Read: 2, Rejected: 2}}, counts)
	require.Equal(t, []int64{2, 3}, rejected)
	counts, _ = runKofa(t, b.st, "sample_student_data_extascii.csv", bulk.ModeUpsert)
	require.EqualValues(t, 2, counts.Updated)
	require.Equal(t, []any{"Fabian", "Müßig"}, b.one(t, `SELECT vorname, nachname FROM sbeat_identity WHERE identnr = '100006'`))
}
