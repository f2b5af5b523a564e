package importers_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
	"sestd/internal/store"
)

// The summary is a River job's recorded output: its JSON is a contract.
func TestSummaryJSON(t *testing.T) {
	t.Parallel()
	sum := importers.Summary{RunID: 7, Kind: importers.KindRanking, Mode: importers.ModeCreate, File: "r.csv", SHA256: "ab", Encoding: "windows-1252", Duration: 1500 * time.Millisecond, Status: "partial", RejectsFile: "/in/r.rejects.csv", RejectsEncoding: "windows-1252", ImportCounts: store.ImportCounts{Read: 3, Created: 2, Rejected: 1}}
	raw, err := json.Marshal(sum)
	require.NoError(t, err)
	require.JSONEq(t, `{"run_id":7,"kind":"ranking","mode":"create","file":"r.csv","sha256":"ab","encoding":"windows-1252",
		"read":3,"created":2,"updated":0,"removed":0,"rejected":1,"skipped":0,"unchanged":0,"missing":0,"duration_seconds":1.5,"status":"partial",
		"rejects_file":"/in/r.rejects.csv","rejects_encoding":"windows-1252"}`, string(raw))
	var back importers.Summary
	require.NoError(t, json.Unmarshal(raw, &back))
	require.Equal(t, sum, back)
}

// A run left "running" by a process that died (kill -9) is ended by the
// next import of its kind, which holds the kind's lock: interrupted, and
// pointing to the run that imported the same file again.
func TestDeadRunEndedByTheNextImport(t *testing.T) {
	t.Parallel()
	b := setup(t)
	content := []byte("rangliste;bewerber_id;rang\nHQ;1;1\n")
	sum := sha256.Sum256(content)
	dead, err := b.st.ImportRunStart(b.ctx, store.ImportRun{Kind: "ranking", Mode: "sync", FileName: "r.csv", SHA256: hex.EncodeToString(sum[:])})
	require.NoError(t, err)
	other, err := b.st.ImportRunStart(b.ctx, store.ImportRun{Kind: "ranking", Mode: "create", FileName: "old.csv", SHA256: "00"})
	require.NoError(t, err)

	got := b.run(t, b.put(t, "r.csv", content), importers.Options{Kind: importers.KindRanking})
	require.Equal(t, store.ImportSucceeded, got.Status)
	for id, retried := range map[int64]*int64{dead: &got.RunID, other: nil} {
		r, err := b.st.ImportRunGet(b.ctx, id)
		require.NoError(t, err)
		require.Equal(t, store.ImportFailed, r.Status)
		require.True(t, r.Interrupted)
		require.Equal(t, "interrupted: the importing process ended without an outcome; rolled back, nothing imported", r.Error)
		require.Equal(t, retried, r.RetriedBy, "run %d", id)
	}
}
