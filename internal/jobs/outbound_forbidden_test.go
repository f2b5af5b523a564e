package jobs_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"sestd/internal/config"
	"sestd/internal/importers"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// When the outbound sync brings the Servicestelle's current Bewerbung
// into the mirror (after a version conflict, or looking up a send whose
// answer was lost), a status change the table does not allow the
// Servicestelle is judged as the delta poll judges it: mirrored as sent,
// recorded once (the next poll, bringing the same version, records
// nothing again), logged and counted.
func TestOutboundReportsForbiddenTransitionOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		lost bool // the answer to the change is lost: recovery looks it up
	}{{"Conflict", false}, {"Recovery", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forbiddenTransitionOnce(t, tc.lost)
		})
	}
}

func forbiddenTransitionOnce(t *testing.T, lost bool) {
	core, logs := observer.New(zap.WarnLevel)
	b := setupOutbound(t, ooptions{sim: sim.Config{Seed: 31, Bewerber: 20, Bewerbungen: 10}, log: zap.New(core),
		configure: func(c *config.Config) {
			// Only the university's side may admit (sest_in false); the
			// university may not change an admission (uni_out false, the
			// default).
			c.Sync.Bearbeitungsstatus = map[string]config.StatusRule{"zugelassen": {SestIn: false, SestOut: true, UniIn: false, UniOut: false}}
		}})
	ctx := context.Background()
	b.mirror(t)
	apps := newApplications(t, b.sim, 2, "F")
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeCreate, applicationsCSV(apps, "eingegangen"))
	b.outboundUntilQuiet(t, 3)
	b.mirror(t) // the mirror holds both at the version the university sent
	before, err := b.sim.Bewerbung(apps[0].key())
	require.NoError(t, err)
	require.Equal(t, "eingegangen", before.Bearbeitungsstatus())

	// The Servicestelle admits the first meanwhile (forbidden to it); the
	// university excludes both: the first meets a version conflict.
	b.sim.Clock().Advance(time.Minute)
	v, err := b.sim.SetBearbeitungsstatus(apps[0].key(), "zugelassen")
	require.NoError(t, err)
	require.Greater(t, v, before.Version())
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeUpdate, applicationsCSV(apps, "ausgeschlossen"))
	var res jobs.OutboundResult
	run := func() {
		t.Helper()
		ev := b.run(t, jobs.OutboundArgs{})
		require.Equal(t, river.EventKindJobCompleted, ev.Kind)
		res = jobs.OutboundResult{}
		require.NoError(t, json.Unmarshal(ev.Job.Output(), &res))
	}
	if lost {
		require.NoError(t, b.sim.SetFault(sestmodel.OpUebermittelnGeaenderteBew, sim.Fault{TruncateRate: 1, Times: 1}))
		// Every call of the run failed: the job fails (once, not retried).
		require.Equal(t, river.EventKindJobFailed, b.rig.await(t, jobs.OutboundArgs{}, 1, true).Kind)
		items := b.items(t, store.OutboxKindBewerbung)
		require.Equal(t, store.OutboxSent, items[apps[0].hsID].State, "the outcome is unknown")
		b.passTime(t, b.cfg.Outbox.Backoff, store.OutboxSent, store.OutboxPending)
	}
	run()
	if lost {
		require.Equal(t, 2, res.Recovered)
	} else {
		require.Equal(t, 1, res.VersionConflicts)
	}
	require.Equal(t, 1, res.TransitionsForbidden)

	// The mirror holds what the Servicestelle sent.
	var status string
	var version int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT bearbeitungsstatus, version FROM bewerbung WHERE bewerbung_key = $1`, apps[0].key()).Scan(&status, &version))
	require.Equal(t, "zugelassen", status)
	require.Equal(t, v, version)
	b.outboundUntilQuiet(t, 3)
	items := b.items(t, store.OutboxKindBewerbung)
	require.Equal(t, store.OutboxRejected, items[apps[0].hsID].State, "the university may not change an admission")
	require.Equal(t, store.OutboxAccepted, items[apps[1].hsID].State)

	want := func() {
		t.Helper()
		got, err := b.store.BewerbungStatusForbiddenList(ctx)
		require.NoError(t, err)
		require.Len(t, got, 1)
		f := got[0]
		require.Equal(t, []any{apps[0].key(), apps[0].bewerber, "eingegangen", "zugelassen", v},
			[]any{f.BewerbungKey, f.BewerberID, f.OldStatus, f.NewStatus, f.Version})
		require.Equal(t, "the Servicestelle may not change a Bewerbung into Bearbeitungsstatus zugelassen (sest_in is false) from eingegangen", f.Reason)
		require.Equal(t, 1.0, metricValue(t, b.metrics, "sestd_sync_items_total", "transition_forbidden"))
		logged := logs.FilterMessageSnippet("status table does not allow").All()
		require.Len(t, logged, 1)
		require.Equal(t, apps[0].key(), logged[0].ContextMap()["bewerbung_key"])
	}
	want()
	// The delta poll brings the same version: nothing is reported again.
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.DeltaArgs{Stream: store.StreamBewerbungen}).Kind)
	want()
}
