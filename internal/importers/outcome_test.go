package importers_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
)

// The summary is a River job's recorded output: its JSON is a contract.
func TestSummaryJSON(t *testing.T) {
	t.Parallel()
	sum := importers.Summary{RunID: 7, Kind: importers.KindRanking, Mode: importers.ModeCreate, File: "r.csv", SHA256: "ab",
		Encoding: "windows-1252", Read: 3, Created: 2, Rejected: 1, Duration: 1500 * time.Millisecond, Status: "partial",
		RejectsFile: "/in/r.rejects.csv", RejectsEncoding: "windows-1252"}
	raw, err := json.Marshal(sum)
	require.NoError(t, err)
	require.JSONEq(t, `{"run_id":7,"kind":"ranking","mode":"create","file":"r.csv","sha256":"ab","encoding":"windows-1252",
		"read":3,"created":2,"updated":0,"removed":0,"rejected":1,"skipped":0,"duration_seconds":1.5,"status":"partial",
		"rejects_file":"/in/r.rejects.csv","rejects_encoding":"windows-1252"}`, string(raw))
	var back importers.Summary
	require.NoError(t, json.Unmarshal(raw, &back))
	require.Equal(t, sum, back)
}
