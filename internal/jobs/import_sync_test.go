package jobs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
	"sestd/internal/jobs"
	"sestd/internal/sest"
	"sestd/internal/sest/sim"
	"sestd/internal/store"
)

// The university delivers its applications every week as a full export
// (no mode given: sync). The second delivery changes one status from
// eingegangen to gueltig: exactly that application is sent, as a change;
// a third, identical delivery sends nothing.
func TestSecondApplicationDeliverySendsExactlyTheOneChange(t *testing.T) {
	t.Parallel()
	b := setupOutbound(t, ooptions{sim: sim.Config{Seed: 15, Bewerber: 40, Bewerbungen: 20}})
	b.mirror(t)
	apps := newApplications(t, b.sim, 6, "W")

	sum := b.importCSV(t, importers.KindUniBewerbungen, "", applicationsCSV(apps, "eingegangen"))
	require.Equal(t, importers.ModeSync, sum.Mode)
	require.EqualValues(t, 6, sum.Created)
	b.outboundUntilQuiet(t, 5)
	require.Len(t, applied(b.sim, sest.OpUebermittelnNeueBewerbungen), 6)

	b.sim.ResetReceived()
	b.sim.Clock().Advance(time.Minute)
	changed := apps[2]
	csv := strings.Replace(applicationsCSV(apps, "eingegangen"), changed.hsID+";einfach;"+changed.bewerber+";"+changed.ban+";"+changed.studiengang+";2026-07-01T10:00:00+02:00;eingegangen;",
		changed.hsID+";einfach;"+changed.bewerber+";"+changed.ban+";"+changed.studiengang+";2026-07-01T10:00:00+02:00;gueltig;", 1)
	require.Equal(t, 1, strings.Count(csv, ";gueltig;"))
	sum = b.importCSV(t, importers.KindUniBewerbungen, "", csv)
	require.Equal(t, []int64{0, 1, 5}, []int64{sum.Created, sum.Updated, sum.Unchanged})
	b.outboundUntilQuiet(t, 5)

	require.Empty(t, b.sim.Received(sest.OpUebermittelnNeueBewerbungen))
	calls := b.sim.Received(sest.OpUebermittelnGeaenderteBew)
	require.Len(t, calls, 1, "one call")
	require.Equal(t, map[string]int{changed.key(): 1}, applied(b.sim, sest.OpUebermittelnGeaenderteBew), "with the one change")
	cur, err := b.sim.Bewerbung(changed.key())
	require.NoError(t, err)
	require.Equal(t, "gueltig", cur.Bearbeitungsstatus())
	require.Equal(t, store.OutboxAccepted, b.items(t, store.OutboxKindBewerbung)[changed.hsID].State)

	// The same delivery again: nothing changed, nothing is sent.
	b.sim.ResetReceived()
	sum = b.importCSV(t, importers.KindUniBewerbungen, "", csv)
	require.EqualValues(t, 6, sum.Unchanged)
	b.run(t, jobs.OutboundArgs{})
	require.Empty(t, b.sim.Received(sest.OpUebermittelnNeueBewerbungen))
	require.Empty(t, b.sim.Received(sest.OpUebermittelnGeaenderteBew))
}
