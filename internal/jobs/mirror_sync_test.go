package jobs_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/mirrortest"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// mirrorKeys returns the keys of the mirrored Bewerbungen, sorted.
func mirrorKeys(t *testing.T, b *bundle) []string {
	t.Helper()
	rows, err := b.pool.Query(context.Background(), `SELECT bewerbung_key FROM bewerbung ORDER BY 1`)
	require.NoError(t, err)
	var keys []string
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		keys = append(keys, k)
	}
	require.NoError(t, rows.Err())
	return keys
}

// exported runs an export and returns the rows of one kind (header first).
func exported(t *testing.T, b *bundle, kind string) [][]string {
	t.Helper()
	var out [][]string
	_, err := b.store.ExportChanges(context.Background(), func(_ store.ExportRun, k string, header []string, rows [][]string) (string, error) {
		if k == kind {
			out = append([][]string{header}, rows...)
		}
		return "", nil
	})
	require.NoError(t, err)
	return out
}

// column returns the values of the named column of exported rows.
func column(t *testing.T, rows [][]string, name string) []string {
	t.Helper()
	require.NotEmpty(t, rows, "a header")
	i := slices.Index(rows[0], name)
	require.GreaterOrEqual(t, i, 0, "column %s in %v", name, rows[0])
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	sort.Strings(out)
	return out
}

// einfachAndMehrfach picks the first Einfach- and Mehrfachbewerbung of the
// simulator, by key.
func einfachAndMehrfach(t *testing.T, s *sim.Sim) (einfach, mehrfach sestmodel.Bewerbung) {
	t.Helper()
	all := s.Bewerbungen()
	sort.Slice(all, func(i, j int) bool { return all[i].Key() < all[j].Key() })
	for _, x := range all {
		if x.Einfach != nil && einfach.Einfach == nil {
			einfach = x
		}
		if x.Mehrfach != nil && mehrfach.Mehrfach == nil {
			mehrfach = x
		}
	}
	require.NotNil(t, einfach.Einfach)
	require.NotNil(t, mehrfach.Mehrfach)
	return einfach, mehrfach
}

func TestFullDownloadRemovesWhatTheServicestelleDeleted(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sim: sim.Config{Seed: 21, Bewerbungen: 300}, packageSize: 40,
		configure: func(c *config.Config) { c.Sync.DokumentDownload = false }})
	ev := b.run(t, jobs.FullArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
	before := len(mirrorKeys(t, b))
	require.Equal(t, 300, before)

	einfach, mehrfach := einfachAndMehrfach(t, b.sim)
	require.NoError(t, b.sim.DeleteBewerbung(einfach.Key()))
	require.NoError(t, b.sim.DeleteBewerbung(mehrfach.Key()))
	exported(t, b, "entfernungen") // the export window starts after the first download

	// The delta reports no deletion: the mirror keeps both.
	b.sync(t)
	require.Len(t, mirrorKeys(t, b), 300, "a delta poll removes nothing")

	ev = b.run(t, jobs.FullArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
	keys := mirrorKeys(t, b)
	require.Len(t, keys, 298)
	require.NotContains(t, keys, einfach.Key())
	require.NotContains(t, keys, mehrfach.Key())

	ctx := context.Background()
	var children int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM teilfachbewerbung WHERE bewerbung_key = ANY($1))
		+ (SELECT count(*) FROM bewerbungsbestandteil WHERE bewerbung_key = ANY($1))
		+ (SELECT count(*) FROM bescheid WHERE bewerbung_key = ANY($1))`, []string{einfach.Key(), mehrfach.Key()}).Scan(&children))
	require.Zero(t, children, "Teilfachbewerbungen, Bestandteile and Bescheide leave with their Bewerbung")
	var applicants int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM bewerber WHERE bewerber_id = ANY($1)`,
		[]string{einfach.BewerberID(), mehrfach.BewerberID()}).Scan(&applicants))
	require.Equal(t, 2, applicants, "the applicants are still at the Servicestelle and stay")

	// Each removal is recorded: what, which run, when.
	removals, err := b.store.MirrorRemovalList(ctx)
	require.NoError(t, err)
	require.Len(t, removals, 2)
	got := map[string]store.MirrorRemoval{}
	for _, r := range removals {
		got[r.ItemKey] = r
		require.Equal(t, "bewerbung", r.Kind)
		require.Equal(t, "full_download job "+itoa(ev.Job.ID), r.Run)
		require.False(t, r.RemovedAt.IsZero())
		require.True(t, r.LastSeenAt.Before(r.RemovedAt))
	}
	require.Equal(t, einfach.BewerberID(), got[einfach.Key()].BewerberID)
	require.Equal(t, einfach.Bearbeitungsstatus(), got[einfach.Key()].Bearbeitungsstatus)
	require.Equal(t, einfach.Einfach.Studienangebot.StudiengangSchluessel, got[einfach.Key()].StudienangebotSchluessel)
	require.Equal(t, mehrfach.Mehrfach.Studienangebot.AbschlussSchluessel, got[mehrfach.Key()].StudienangebotSchluessel)

	// /metrics counts them; the university sees them in its export.
	require.Equal(t, 2.0, b.bewerbungenCounter(t, "removed"))
	rows := exported(t, b, "entfernungen")
	require.Equal(t, sortedOf(einfach.Key(), mehrfach.Key()), column(t, rows, "item_key"))
	require.Equal(t, sortedOf(einfach.BewerberID(), mehrfach.BewerberID()), column(t, rows, "bewerber_id"))
	var viewRows int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM uni.entfernungen`).Scan(&viewRows))
	require.Equal(t, 2, viewRows, "uni.entfernungen holds the removals of the latest export")

	// A second full download has nothing more to remove.
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.FullArgs{}).Kind)
	removals, err = b.store.MirrorRemovalList(ctx)
	require.NoError(t, err)
	require.Len(t, removals, 2)
}

func TestInterruptedFullDownloadRemovesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sim: sim.Config{Seed: 22, Bewerbungen: 300}, packageSize: 20,
		configure: func(c *config.Config) { c.Sync.DokumentDownload = false }})
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.FullArgs{}).Kind)
	einfach, _ := einfachAndMehrfach(t, b.sim)
	require.NoError(t, b.sim.DeleteBewerbung(einfach.Key()))

	// The third package of Bewerbungen of the next full download fails:
	// the run stops half-way.
	b.failNth.Store(int64(len(b.sim.Received(sestmodel.OpUebermittelnBewerbungen)) + 3))
	ev := b.rig.await(t, jobs.FullArgs{}, 1, true)
	require.Equal(t, river.EventKindJobFailed, ev.Kind)
	require.Contains(t, mirrorKeys(t, b), einfach.Key(), "an interrupted full download removes nothing")
	removals, err := b.store.MirrorRemovalList(context.Background())
	require.NoError(t, err)
	require.Empty(t, removals)
	require.Zero(t, b.bewerbungenCounter(t, "removed"))

	// Run again, it resumes and completes; only then is the Bewerbung
	// removed.
	ev = b.waitRetry(t, ev.Job.ID)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	require.NotContains(t, mirrorKeys(t, b), einfach.Key())
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
}

func TestCancelledFullDownloadRemovesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sim: sim.Config{Seed: 27, Bewerbungen: 300}, packageSize: 20,
		configure: func(c *config.Config) { c.Sync.DokumentDownload = false }})
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.FullArgs{}).Kind)
	einfach, _ := einfachAndMehrfach(t, b.sim)
	require.NoError(t, b.sim.DeleteBewerbung(einfach.Key()))

	// The next full download is cancelled by an operator while it fetches
	// its third package of Bewerbungen.
	ctx := context.Background()
	b.holdNth.Store(int64(len(b.sim.Received(sestmodel.OpUebermittelnBewerbungen)) + 3))
	res, err := b.client.Insert(ctx, jobs.FullArgs{}, &river.InsertOpts{MaxAttempts: 1})
	require.NoError(t, err)
	<-b.held
	_, err = b.client.JobCancel(ctx, res.Job.ID)
	require.NoError(t, err)
	ev := b.rig.awaitID(t, res.Job.ID, true)
	require.Equal(t, river.EventKindJobCancelled, ev.Kind)
	require.Contains(t, mirrorKeys(t, b), einfach.Key(), "a cancelled full download removes nothing")
	removals, err := b.store.MirrorRemovalList(ctx)
	require.NoError(t, err)
	require.Empty(t, removals)

	// The next complete one does.
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.FullArgs{}).Kind)
	require.NotContains(t, mirrorKeys(t, b), einfach.Key())
}

func TestFachFilterLimitsTheMirrorAndRemovesNothing(t *testing.T) {
	t.Parallel()
	// The Fach: the Studienfach of the simulator's first Einfachbewerbung.
	probe, err := sim.New(sim.Config{Seed: 23, Bewerbungen: 300})
	require.NoError(t, err)
	first, _ := einfachAndMehrfach(t, probe)
	fach := first.Einfach.Studienangebot.StudienfachSchluessel
	require.NotEmpty(t, fach)

	b := setup(t, options{sim: sim.Config{Seed: 23, Bewerbungen: 300}, packageSize: 40,
		configure: func(c *config.Config) { c.Sync.DokumentDownload = false; c.Sync.DownloadFaecher = []string{fach} }})
	// Expected: the Bewerbungen whose Studienfach (Einfach) or one of whose
	// Teilfächer (Mehrfach) is fach, read off the simulator's items.
	var want []string
	for _, x := range b.sim.Bewerbungen() {
		in := x.Einfach != nil && x.Einfach.Studienangebot.StudienfachSchluessel == fach
		if x.Mehrfach != nil {
			for _, tf := range x.Mehrfach.Teilfachbewerbung {
				in = in || tf.Studienangebot.StudienfachSchluessel == fach
			}
		}
		if in {
			want = append(want, x.Key())
		}
	}
	sort.Strings(want)
	require.NotEmpty(t, want)
	require.Less(t, len(want), 300, "the filter leaves Bewerbungen out")

	b.sync(t)
	require.Equal(t, want, mirrorKeys(t, b), "the delta mirrors the Bewerbungen of the Fach only")
	require.Equal(t, float64(300-len(want)), b.bewerbungenCounter(t, "filtered"))

	// A Bewerbung of the Fach deleted at the Servicestelle stays: a
	// filtered full download removes nothing.
	require.NoError(t, b.sim.DeleteBewerbung(want[0]))
	ev := b.run(t, jobs.FullArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	require.Equal(t, want, mirrorKeys(t, b), "the full download mirrors the Fach only and removes nothing")
	removals, err := b.store.MirrorRemovalList(context.Background())
	require.NoError(t, err)
	require.Empty(t, removals)
}

func TestForbiddenStatusChangeIsMirroredAndReported(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.WarnLevel)
	b := setup(t, options{sim: sim.Config{Seed: 24, Bewerbungen: 120}, log: zap.New(core), configure: func(c *config.Config) {
		// Only the university may make a Bewerbung gueltig.
		c.Sync.Bearbeitungsstatus = map[string]config.StatusRule{"gueltig": {SestIn: false, SestOut: true, UniIn: true, UniOut: true}}
	}})
	var einfach []string
	for _, x := range b.sim.Bewerbungen() {
		if x.Einfach != nil {
			einfach = append(einfach, x.Key())
		}
	}
	sort.Strings(einfach)
	require.GreaterOrEqual(t, len(einfach), 3)
	toGueltig, toZugelassen, outOfAusgeschlossen := einfach[0], einfach[1], einfach[2]
	for key, status := range map[string]string{toGueltig: "eingegangen", toZugelassen: "eingegangen", outOfAusgeschlossen: "ausgeschlossen"} {
		_, err := b.sim.SetBearbeitungsstatus(key, status)
		require.NoError(t, err)
	}
	b.sync(t)
	exported(t, b, "unzulaessige_statusaenderungen")

	b.sim.Clock().Advance(60e9)
	vGueltig, err := b.sim.SetBearbeitungsstatus(toGueltig, "gueltig") // sest_in false by the override
	require.NoError(t, err)
	_, err = b.sim.SetBearbeitungsstatus(toZugelassen, "zugelassen") // allowed
	require.NoError(t, err)
	vAus, err := b.sim.SetBearbeitungsstatus(outOfAusgeschlossen, "eingegangen") // ausgeschlossen: sest_out false by default
	require.NoError(t, err)
	b.sync(t)

	// The mirror is a copy: every status as the Servicestelle sent it.
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
	ctx := context.Background()
	status := func(key string) string {
		var s string
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT bearbeitungsstatus FROM bewerbung WHERE bewerbung_key = $1`, key).Scan(&s))
		return s
	}
	require.Equal(t, "gueltig", status(toGueltig))
	require.Equal(t, "zugelassen", status(toZugelassen))
	require.Equal(t, "eingegangen", status(outOfAusgeschlossen))

	// Reported: a row each for the two forbidden changes, none for the
	// allowed one.
	got, err := b.store.BewerbungStatusForbiddenList(ctx)
	require.NoError(t, err)
	require.Len(t, got, 2)
	byKey := map[string]store.ForbiddenTransition{}
	for _, f := range got {
		byKey[f.BewerbungKey] = f
	}
	g := byKey[toGueltig]
	require.Equal(t, []any{"eingegangen", "gueltig", vGueltig}, []any{g.OldStatus, g.NewStatus, g.Version})
	require.Contains(t, g.Reason, "sest_in is false")
	a := byKey[outOfAusgeschlossen]
	require.Equal(t, []any{"ausgeschlossen", "eingegangen", vAus}, []any{a.OldStatus, a.NewStatus, a.Version})
	require.Contains(t, a.Reason, "sest_out is false")
	require.Equal(t, 2.0, b.bewerbungenCounter(t, "transition_forbidden"))

	// A log line each, naming the Bewerbung.
	var logged []string
	for _, e := range logs.FilterMessageSnippet("status table does not allow").All() {
		logged = append(logged, e.ContextMap()["bewerbung_key"].(string)+" "+e.ContextMap()["new_status"].(string))
	}
	require.ElementsMatch(t, []string{toGueltig + " gueltig", outOfAusgeschlossen + " eingegangen"}, logged)

	rows := exported(t, b, "unzulaessige_statusaenderungen")
	require.Equal(t, sortedOf(toGueltig, outOfAusgeschlossen), column(t, rows, "bewerbung_key"))
	require.Equal(t, []string{"eingegangen", "gueltig"}, column(t, rows, "new_status"))
}

func sortedOf(s ...string) []string {
	sort.Strings(s)
	return s
}

func itoa(n int64) string {
	return fmt.Sprint(n)
}
