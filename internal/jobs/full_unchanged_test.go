package jobs_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/mirrortest"
	"sestd/internal/sest/sim"
)

// TestFullDownloadOfUnchangedServicestelleRewritesNoRow: a second full
// download, the Servicestelle unchanged, counts every item unchanged and
// writes no row: no updated_at moves, no child row is replaced (same
// ctid), no status change is recorded; only seen_at, which the sweep
// needs, moves.
func TestFullDownloadOfUnchangedServicestelleRewritesNoRow(t *testing.T) {
	t.Parallel()
	const bewerbungen, bewerber = 900, 400
	b := setup(t, options{sim: sim.Config{Seed: 19, Bewerbungen: bewerbungen, Bewerber: bewerber}, packageSize: 250,
		configure: func(c *config.Config) { c.Sync.DokumentDownload = false }})
	ctx := context.Background()
	full := func() jobs.Summary {
		t.Helper()
		ev := b.run(t, jobs.FullArgs{})
		require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
		var sum jobs.Summary
		require.NoError(t, json.Unmarshal(ev.Job.Output(), &sum))
		return sum
	}
	first := full()
	require.Equal(t, bewerbungen, first.Streams["bewerbungen"].Created)
	// (Applicants a Bewerbung brought in as stubs first count as updated.)
	require.Equal(t, bewerber, first.Streams["bewerber"].Created+first.Streams["bewerber"].Updated)
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)

	// What a rewrite would change: updated_at of the items, the physical
	// row (ctid) of the child rows, the status history.
	snapshot := func() map[string]string {
		t.Helper()
		rows, err := b.pool.Query(ctx, `
SELECT 'bewerbung/' || bewerbung_key, updated_at::text FROM bewerbung
UNION ALL SELECT 'bewerber/' || bewerber_id, updated_at::text FROM bewerber
UNION ALL SELECT 'ranglistenstatus/' || ranglisten_schluessel, updated_at::text FROM ranglistenstatus
UNION ALL SELECT 'bestandteil/' || bewerbung_key || '/' || position, ctid::text FROM bewerbungsbestandteil
UNION ALL SELECT 'teilfach/' || bewerbung_key || '/' || studiengang_schluessel, ctid::text FROM teilfachbewerbung
UNION ALL SELECT 'bescheid/' || bewerbung_key || '/' || position, ctid::text FROM bescheid
UNION ALL SELECT 'status_changes', count(*)::text FROM bewerbung_status_change`)
		require.NoError(t, err)
		out := map[string]string{}
		for rows.Next() {
			var k, v string
			require.NoError(t, rows.Scan(&k, &v))
			out[k] = v
		}
		require.NoError(t, rows.Err())
		return out
	}
	before := snapshot()
	require.Greater(t, len(before), bewerbungen+bewerber, "children are in the snapshot")
	var seenBefore string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT max(seen_at)::text FROM bewerbung`).Scan(&seenBefore))

	second := full()
	for _, stream := range []string{"bewerbungen", "bewerber"} {
		s := second.Streams[stream]
		require.Zero(t, s.Created, stream)
		require.Zero(t, s.Updated, stream)
	}
	require.Equal(t, bewerbungen, second.Streams["bewerbungen"].Unchanged)
	require.Equal(t, bewerber, second.Streams["bewerber"].Unchanged)
	require.Equal(t, before, snapshot(), "no row rewritten")
	var seenAfter string
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT min(seen_at)::text FROM bewerbung`).Scan(&seenAfter))
	require.Greater(t, seenAfter, seenBefore, "every Bewerbung seen again")
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
}
