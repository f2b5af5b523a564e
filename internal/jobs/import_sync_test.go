package jobs_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/importers"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
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
	require.Len(t, applied(b.sim, sestmodel.OpUebermittelnNeueBewerbungen), 6)

	b.sim.ResetReceived()
	b.sim.Clock().Advance(time.Minute)
	changed := apps[2]
	csv := strings.Replace(applicationsCSV(apps, "eingegangen"), changed.hsID+";einfach;"+changed.bewerber+";"+changed.ban+";"+changed.studiengang+";2026-07-01T10:00:00+02:00;eingegangen;",
		changed.hsID+";einfach;"+changed.bewerber+";"+changed.ban+";"+changed.studiengang+";2026-07-01T10:00:00+02:00;gueltig;", 1)
	require.Equal(t, 1, strings.Count(csv, ";gueltig;"))
	sum = b.importCSV(t, importers.KindUniBewerbungen, "", csv)
	require.Equal(t, []int64{0, 1, 5}, []int64{sum.Created, sum.Updated, sum.Unchanged})
	b.outboundUntilQuiet(t, 5)

	require.Empty(t, b.sim.Received(sestmodel.OpUebermittelnNeueBewerbungen))
	calls := b.sim.Received(sestmodel.OpUebermittelnGeaenderteBew)
	require.Len(t, calls, 1, "one call")
	require.Equal(t, map[string]int{changed.key(): 1}, applied(b.sim, sestmodel.OpUebermittelnGeaenderteBew), "with the one change")
	cur, err := b.sim.Bewerbung(changed.key())
	require.NoError(t, err)
	require.Equal(t, "gueltig", cur.Bearbeitungsstatus())
	require.Equal(t, store.OutboxAccepted, b.items(t, store.OutboxKindBewerbung)[changed.hsID].State)

	// The same delivery again: nothing changed, nothing is sent.
	b.sim.ResetReceived()
	sum = b.importCSV(t, importers.KindUniBewerbungen, "", csv)
	require.EqualValues(t, 6, sum.Unchanged)
	b.run(t, jobs.OutboundArgs{})
	require.Empty(t, b.sim.Received(sestmodel.OpUebermittelnNeueBewerbungen))
	require.Empty(t, b.sim.Received(sestmodel.OpUebermittelnGeaenderteBew))
}

// The import job (what the inbox, the upload and the CLI enqueue) takes
// its default mode per kind and the removal guard's share from the
// configuration.
func TestImportJobTakesDefaultModesAndRemovalShareFromConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := setup(t, options{sim: sim.Config{Seed: 2, Bewerbungen: 5}, configure: func(c *config.Config) {
		c.Import.Modes = map[string]string{"sbeat_courses": "create"}
		c.Import.MaxRemovalShare = 0.5
		c.Import.AllowedDirs = []string{dir}
	}})
	run := func(name, content string, args jobs.ImportArgs) (importers.Summary, *river.Event) {
		t.Helper()
		args.Path = filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(args.Path, []byte(content), 0o600))
		ev := b.run(t, args)
		var sum importers.Summary
		if ev.Kind == river.EventKindJobCompleted {
			require.NoError(t, json.Unmarshal(ev.Job.Output(), &sum))
		}
		return sum, ev
	}

	// Courses: create, as configured; a course again is rejected.
	sum, _ := run("studiengaenge_1.csv", "STG;ABSCHLART\nWR;Bachelor\nBWL;Bachelor\n", jobs.ImportArgs{})
	require.Equal(t, importers.ModeCreate, sum.Mode)
	sum, _ = run("studiengaenge_2.csv", "STG;ABSCHLART\nWR;Bachelor\nMB;Bachelor\n", jobs.ImportArgs{})
	require.Equal(t, []int64{1, 1}, []int64{sum.Created, sum.Rejected})

	// Students: sync, the kinds' default; 1 of 3 removed is within the
	// configured 50 %, 2 of 2 is not.
	sum, _ = run("studenten_1.csv", "IDENTNR;STG\n1;WR\n2;WR\n3;WR\n", jobs.ImportArgs{})
	require.Equal(t, importers.ModeSync, sum.Mode)
	sum, _ = run("studenten_2.csv", "IDENTNR;STG\n1;WR\n2;WR\n", jobs.ImportArgs{})
	require.EqualValues(t, 1, sum.Removed)
	_, ev := run("studenten_3.csv", "IDENTNR;STG\n9;WR\n", jobs.ImportArgs{})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind, "refused for good: retrying cannot help")
	require.Contains(t, lastError(ev), "lacks 2 of the 2 stored sbeat_student rows of its scope (100 %; import.max_removal_share allows 50 %)")
	sum, _ = run("studenten_3.csv", "IDENTNR;STG\n9;WR\n", jobs.ImportArgs{Force: true})
	require.Equal(t, []int64{1, 2}, []int64{sum.Created, sum.Removed})
}
