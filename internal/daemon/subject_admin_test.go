package daemon_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
)

func TestAdminSubjectExport(t *testing.T) {
	t.Parallel()
	w := startAdminWorld(t, nil)
	for _, stream := range store.AllStreams() {
		w.trigger(t, "delta_poll", map[string]string{"stream": stream.String()})
	}
	id := w.sim.Bewerbungen()[0].BewerberID()

	status, _ := w.call(t, http.MethodGet, "/api/subjects/"+id+"/export", "", nil, "")
	require.Equal(t, http.StatusUnauthorized, status)
	status, raw := w.call(t, http.MethodGet, "/api/subjects/"+id+"/export", adminTestToken, nil, "")
	require.Equal(t, http.StatusOK, status, "%s", raw)
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	require.NoError(t, err)
	var subject map[string]any
	for _, f := range zr.File {
		if f.Name != "subject.json" {
			continue
		}
		rc, err := f.Open()
		require.NoError(t, err)
		body, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(body, &subject))
	}
	require.NotNil(t, subject, "the zip holds subject.json")
	require.Contains(t, string(mustJSON(t, subject)), id)

	var audited int
	require.NoError(t, w.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM audit_log WHERE action = 'subject.export' AND subject = $1`, id).Scan(&audited))
	require.Equal(t, 1, audited, "the export is audited")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
