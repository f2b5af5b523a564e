package jobs_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
)

// A whole Studienangebote download reports its counts and removes, logs
// and counts (operation "removed") the offers the Servicestelle no longer
// has.
func TestStudienangeboteDownloadCountsRemovals(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sim: sim.Config{Seed: 5, Bewerbungen: 10}})
	offers := len(b.sim.Studienangebote())
	require.NotZero(t, offers)
	ev := b.run(t, jobs.StudienangeboteArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind)
	var sum jobs.Summary
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &sum))
	require.Equal(t, map[string]jobs.StreamSummary{"studienangebote": {Created: offers}}, sum.Streams)

	// Two offers in the mirror that the Servicestelle does not return.
	ctx := context.Background()
	_, err := b.pool.Exec(ctx, `INSERT INTO studienangebot (schluessel, art, studiengang_schluessel, abschluss_schluessel, status, name_de, data)
		SELECT k, art, studiengang_schluessel, abschluss_schluessel, status, name_de, data
		FROM (SELECT * FROM studienangebot WHERE art = 'einfach' LIMIT 1) s, unnest(ARRAY['WITHDRAWN-1', 'WITHDRAWN-2']) k`)
	require.NoError(t, err)
	before := b.syncCounter(t, "studienangebote", "removed")
	ev = b.run(t, jobs.StudienangeboteArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind)
	sum = jobs.Summary{}
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &sum))
	require.Equal(t, map[string]jobs.StreamSummary{"studienangebote": {Unchanged: offers, Removed: 2}}, sum.Streams)
	require.Equal(t, 2.0, b.syncCounter(t, "studienangebote", "removed")-before)
	var left int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM studienangebot`).Scan(&left))
	require.Equal(t, offers, left)
}
