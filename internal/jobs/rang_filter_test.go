package jobs_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/importers"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// paketOfAbschluss returns the first simulated Studienpaket whose
// Studienangebot has the Abschluss.
func paketOfAbschluss(t *testing.T, s *sim.Sim, abschluss string) sestmodel.Studienpaket {
	t.Helper()
	for _, p := range s.Studienpakete() {
		if len(p.Paketbestandteil) == 1 && p.Paketbestandteil[0].Studienangebot.AbschlussSchluessel == abschluss {
			return p
		}
	}
	t.Fatalf("the simulator has no Studienpaket of Abschluss %s", abschluss)
	return sestmodel.Studienpaket{}
}

// TestRangAbschlussFilter: outbox.abschluss_filter (Sestco's
// SECO_ABSCHLUSS_SCHLUESSEL, "updating data at the Servicestelle is
// limited to the Abschlüsse given here") holds back the Ranglisten of
// Studienpakete of other Abschlüsse, of the schema and of the entries:
// the Servicestelle receives none of them, the upload log and the job's
// result name each.
func TestRangAbschlussFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rangSetup(t, rangOptions{sim: sim.Config{Seed: 7, Bewerber: 40}, schema: testSchema(), abschlussFilter: []string{"82"}})
	bsc := paketOfAbschluss(t, w.sim, "82") // a Bachelor of Science: sent
	ba := paketOfAbschluss(t, w.sim, "84")  // a Bachelor of Arts: held back
	var ids []string
	for _, b := range w.sim.AllBewerber()[:3] {
		ids = append(ids, b.ID)
	}
	applyFor(t, w.sim, bsc.Paketbestandteil[0].Studienangebot, ids)
	applyFor(t, w.sim, ba.Paketbestandteil[0].Studienangebot, ids)
	w.poll(t, store.StreamRanglistenstatus, store.StreamBewerbungen)

	// The schema, for both and a Studienpaket the mirror does not know
	// (its Abschluss unknown: held back while a filter is set).
	ev := w.mustComplete(t, jobs.RangUploadSchemaArgs{Studienpakete: []string{bsc.Schluessel, ba.Schluessel, "SP-UNBEKANNT"}})
	calls := w.sentRanglisten(t)
	require.Len(t, calls, 1)
	var sent []string
	for _, rl := range calls[0] {
		sent = append(sent, rl.Schluessel)
	}
	require.Equal(t, []string{bsc.Schluessel + "-HF", bsc.Schluessel + "-ZS", bsc.Schluessel + "-HQ"}, sent)
	var res jobs.RangUploadResult
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &res))
	require.Equal(t, 3, res.Ranglisten)
	require.Equal(t, 6, res.AusserhalbFilterRanglisten)
	require.Len(t, res.AusserhalbFilter, 2)
	require.Equal(t, ba.Schluessel, res.AusserhalbFilter[0].Studienpaket)
	require.Equal(t, []string{ba.Schluessel + "-HF", ba.Schluessel + "-HQ", ba.Schluessel + "-ZS"}, res.AusserhalbFilter[0].Ranglisten)
	require.Equal(t, "SP-UNBEKANNT", res.AusserhalbFilter[1].Studienpaket)
	require.Empty(t, res.NichtGespiegelt, "the unknown Studienpaket was not sent")
	l := w.uploadLog(t, ba.Schluessel+"-HQ")
	require.Len(t, l, 1)
	require.Equal(t, "not sent: Studienpaket "+ba.Schluessel+" has Studienangebote of Abschluss 84, not in outbox.abschluss_filter (82): updates at the Servicestelle are limited to those Abschlüsse", l[0].Reason)
	require.Empty(t, l[0].ErgebnisStatus)
	require.Contains(t, w.uploadLog(t, "SP-UNBEKANNT-HQ")[0].Reason, "not in the mirror")

	// The entries: one Hauptquote per Studienpaket imported, one sent.
	hq := []string{config.RanglisteKey(bsc.Schluessel, "HQ"), config.RanglisteKey(ba.Schluessel, "HQ")}
	_, err := importers.Import(ctx, w.store, writeRanking(t, hq, map[string][]string{hq[0]: ids, hq[1]: ids}), importers.Options{Kind: importers.KindRanking}, w.log, nil)
	require.NoError(t, err)
	ev = w.mustComplete(t, jobs.RangUploadEintraegeArgs{Studienpakete: []string{bsc.Schluessel, ba.Schluessel}, Status: "befuellt"})
	calls = w.sentRanglisten(t)
	require.Len(t, calls, 2)
	require.Len(t, calls[1], 1)
	require.Equal(t, hq[0], calls[1][0].Schluessel)
	require.Len(t, calls[1][0].Eintrag, 3)
	res = jobs.RangUploadResult{}
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &res))
	require.Equal(t, 1, res.Ranglisten)
	require.Equal(t, 1, res.AusserhalbFilterRanglisten)
	require.Equal(t, []jobs.RangFiltered{{Studienpaket: ba.Schluessel, Ranglisten: []string{hq[1]},
		Grund: "not sent: Studienpaket " + ba.Schluessel + " has Studienangebote of Abschluss 84, not in outbox.abschluss_filter (82): updates at the Servicestelle are limited to those Abschlüsse"}}, res.AusserhalbFilter)
	require.Len(t, w.uploadLog(t, hq[1]), 2, "the schema's and the entries' row")

	// Only the held-back Studienpaket: nothing is sent, the job completes.
	ev = w.mustComplete(t, jobs.RangUploadEintraegeArgs{Ranglisten: []string{hq[1]}, Status: "befuellt"})
	require.Len(t, w.sentRanglisten(t), 2)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind)
}
