package ekvv_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/ekvv"
	"sestd/internal/importers/xmlx"
	"sestd/internal/store"
	"sestd/internal/store/bulk"
)

// memWriter is an in-memory ekvv.Writer for tests without a database.
type memWriter struct {
	rows   map[string]int
	exists bool
}

func (m *memWriter) EkvvVeranstaltungExists(context.Context, string) (bool, error) {
	return m.exists, nil
}
func (m *memWriter) EkvvVeranstaltungDelete(context.Context, string) (bool, error) {
	return m.exists, nil
}
func (m *memWriter) EkvvVeranstaltungState(context.Context, string) (bulk.EkvvState, bool, error) {
	return bulk.EkvvState{}, false, nil
}

func (m *memWriter) EkvvVeranstaltungKeepStamp(context.Context, string, bulk.EkvvState) error {
	return nil
}

func (m *memWriter) CopyInsert(_ context.Context, t *bulk.Target, rows [][]any) error {
	for _, r := range rows {
		if len(r) != len(t.Columns) {
			panic("row does not fit its table")
		}
	}
	m.rows[t.Table] += len(rows)
	return nil
}
func (m *memWriter) Merge(_ context.Context, t *bulk.Target, _ bulk.Mode, rows []bulk.Row, _ bulk.MergeOptions) (bulk.MergeResult, error) {
	m.rows[t.Table] += len(rows)
	return bulk.MergeResult{Created: int64(len(rows))}, nil
}

type nopRejecter struct{ n int }

func (r *nopRejecter) Reject(batch.Record, string) error { r.n++; return nil }
func (r *nopRejecter) Close() (string, error)            { return "", nil }
func (r *nopRejecter) Abort()                            {}

func TestSeedDocument(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "sestd", "ekvv_817301.xml"))
	require.NoError(t, err)
	w := &memWriter{rows: map[string]int{}}
	counts, enc, err := ekvv.Run(context.Background(), w, bytes.NewReader(raw), ekvv.Config{}, &nopRejecter{}, batch.Params{Mode: bulk.ModeCreate, BatchSize: 1})
	require.NoError(t, err)
	require.Equal(t, "utf8", enc)
	require.Equal(t, batch.Counts{ImportCounts: store.ImportCounts{Read: 2, Created: 2}}, counts)
	require.Equal(t, map[string]int{"ekvv_veranstaltung": 1, "ekvv_dozent": 1, "ekvv_fachzuordnung": 1, "ekvv_untergliederung": 1,
		"ekvv_teilnehmer": 1, "ekvv_einschreibung": 2, "ekvv_termin": 2}, w.rows)
}

func FuzzEKVV(f *testing.F) {
	for _, name := range []string{"ekvv_817301.xml", "ekvv_817302_latin1.xml"} {
		raw, err := os.ReadFile(filepath.Join("..", "testdata", "sestd", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`<veranstaltung id="1"><teilnehmer gastbenutzer="g" prioritaet="x"/><teilnehmer/></veranstaltung>`))
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1252"?><veranstaltung id="1"><semester id="2">x</semester><termin datum="31.02.2009"/></veranstaltung>`))
	f.Add([]byte(`<veranstaltung id="1"><a><b><c><d>`))
	f.Add([]byte(`<?xml version="1.0" encoding="EBCDIC"?><veranstaltung/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		w := &memWriter{rows: map[string]int{}}
		rej := &nopRejecter{}
		counts, _, err := ekvv.Run(context.Background(), w, bytes.NewReader(data),
			ekvv.Config{Limits: xmlx.Limits{MaxDepth: 16, MaxTokenBytes: 4096}}, rej, batch.Params{Mode: bulk.ModeUpsert, BatchSize: 3})
		if err == nil && counts.Rejected != int64(rej.n) {
			t.Fatalf("counted %d rejects, wrote %d", counts.Rejected, rej.n)
		}
	})
}
