package jobs_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/metrics"
	"sestd/internal/mirrortest"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// bundle is one test's world: a simulator over real HTTP, a real
// PostgreSQL database, sestd's jobs on a real River client.
type bundle struct {
	sim     *sim.Sim
	pool    *pgxpool.Pool
	store   *store.Store
	cfg     config.Config
	metrics *metrics.Metrics
	client  *river.Client[pgx.Tx]
	rig     *rig
	failNth atomic.Int64
	// holdNth holds the n-th fetch of Bewerbungen until its caller gives
	// up, after a signal on held.
	holdNth atomic.Int64
	held    chan struct{}
}

type options struct {
	sim         sim.Config
	packageSize int
	configure   func(*config.Config)
	// log, when set, receives the jobs' log as well.
	log *zap.Logger
}

func setup(t testing.TB, o options) *bundle {
	t.Helper()
	bnd := &bundle{held: make(chan struct{}, 1)}
	// failNth answers the n-th fetch of Bewerbungen with HTTP 503.
	var fetches atomic.Int64
	s, url := testSim(t, o.sim, func(_ *sim.Sim, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.Header.Get("SOAPAction"), sestmodel.OpUebermittelnBewerbungen) {
				n := fetches.Add(1)
				if n == bnd.failNth.Load() {
					http.Error(w, "injected outage", http.StatusServiceUnavailable)
					return
				}
				if n == bnd.holdNth.Load() {
					// Read the request first: the server notices the
					// client going away only once the body is read.
					_, _ = io.Copy(io.Discard, r.Body)
					bnd.held <- struct{}{}
					<-r.Context().Done()
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	})
	pool := testdb.New(t)
	cfg := testConfig(t, pool, url)
	cfg.Servicestelle.PackageSize = 500
	if o.packageSize > 0 {
		cfg.Servicestelle.PackageSize = o.packageSize
	}
	if o.configure != nil {
		o.configure(&cfg)
	}
	require.NoError(t, cfg.Validate())
	st := store.New(pool)
	r := startRig(t, cfg, jobs.Deps{Store: st, Log: o.log}, pool)
	bnd.sim, bnd.pool, bnd.store, bnd.cfg, bnd.metrics, bnd.client, bnd.rig = s, pool, st, cfg, r.metrics, r.client, r
	return bnd
}

// run inserts args and waits for that job's first outcome.
func (b *bundle) run(t testing.TB, args river.JobArgs) *river.Event {
	t.Helper()
	return b.rig.await(t, args, 5, false)
}

// sync brings the whole mirror up to date with delta polls.
func (b *bundle) sync(t *testing.T) {
	t.Helper()
	b.rig.syncAll(t)
}

func TestFullDownloadMirrorsEverything(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sim: sim.Config{Seed: 7, Bewerbungen: 10000},
		configure: func(c *config.Config) { c.Sync.DokumentDownload = false }})
	ev := b.run(t, jobs.FullArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
	// The streams ran side by side, two packages at a time: every
	// applicant, stub first or not, has the search row of its names.
	rows, err := b.pool.Query(context.Background(), `SELECT b.bewerber_id FROM bewerber b
LEFT JOIN bewerber_search s USING (bewerber_id), sestd_search_names(b.vorname, b.nachname, b.geburtsname) f
WHERE s.bewerber_id IS NULL OR (s.sort_key, s.names, s.email) IS DISTINCT FROM (f.sort_key, f.names, lower(b.email_adresse))`)
	require.NoError(t, err)
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Empty(t, stale, "applicants whose search row is not that of their names")
}

func TestFullDownloadWritesDocuments(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sim: sim.Config{Seed: 7, Bewerbungen: 500}})
	ev := b.run(t, jobs.FullArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)

	// Normalised columns agree with the items.
	var mehrfach, teilfach, bestandteile int
	ctx := context.Background()
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM bewerbung WHERE art = 'mehrfach'`).Scan(&mehrfach))
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM teilfachbewerbung`).Scan(&teilfach))
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM bewerbungsbestandteil`).Scan(&bestandteile))
	require.Positive(t, mehrfach)
	require.GreaterOrEqual(t, teilfach, 2*mehrfach)
	require.Positive(t, bestandteile)

	// Every document is on disk, byte for byte, named as the manual says.
	ids := b.sim.DokumentIDs()
	require.NotEmpty(t, ids)
	for _, id := range ids {
		d, err := b.sim.Dokument(id)
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(b.cfg.Sync.DocumentRoot, jobs.DocumentFileName(d)))
		require.NoError(t, err, "document %s written", id)
		require.Equal(t, []byte(d.Inhalt), got)
	}

	// A second full download writes no document again and changes nothing.
	b.sim.ResetReceived()
	ev = b.run(t, jobs.FullArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind)
	require.Empty(t, b.sim.Received(sestmodel.OpAbrufenDokumente), "documents present with their checksum are not fetched again")
}

func TestDeltaPicksUpExactlyTheChanges(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sim: sim.Config{Seed: 3, Bewerbungen: 600}, packageSize: 100})
	b.sync(t)
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)

	// A poll without changes fetches nothing.
	b.sim.ResetReceived()
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.DeltaArgs{Stream: store.StreamBewerbungen}).Kind)
	require.Empty(t, b.sim.Received(sestmodel.OpUebermittelnBewerbungen), "no changes, no items fetched")

	// Change 25 Bewerbungen and 10 applicants, add nothing else.
	b.sim.Clock().Advance(time.Minute)
	all := b.sim.Bewerbungen()
	sort.Slice(all, func(i, j int) bool { return all[i].Key() < all[j].Key() })
	changed := map[string]bool{}
	for i := 0; i < 25; i++ {
		key := all[i*17].Key()
		_, err := b.sim.ChangeBewerbung(key, func(x *sestmodel.Bewerbung) {
			if x.Einfach != nil {
				x.Einfach.Statusanmerkung = "geändert im Test"
			} else {
				x.Mehrfach.Statusanmerkung = "geändert im Test"
			}
		})
		require.NoError(t, err)
		changed[key] = true
	}
	people := b.sim.AllBewerber()
	for i := 0; i < 10; i++ {
		require.NoError(t, b.sim.ChangeBewerber(people[i*3].ID, func(x *sestmodel.Bewerber) { x.Postanschrift.Ort = "Mannheim" }))
	}
	b.sim.ResetReceived()
	before := b.bewerbungenCounter(t, "updated")
	b.sync(t)
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
	require.Equal(t, 25.0, b.bewerbungenCounter(t, "updated")-before, "exactly the changed Bewerbungen are updated")

	var fetched int
	for _, c := range b.sim.Received(sestmodel.OpUebermittelnBewerbungen) {
		fetched += len(c.Request.(*wire.ReferenzRequest).Referenz)
	}
	require.GreaterOrEqual(t, fetched, 25)
	require.Less(t, fetched, 100, "the delta fetches the changes, not the whole data set")
}

// bewerbungenCounter is the sync counter of the bewerbungen stream for op.
func (b *bundle) bewerbungenCounter(t *testing.T, op string) float64 {
	t.Helper()
	return b.syncCounter(t, store.StreamBewerbungen.String(), op)
}

// syncCounter is the sync counter (sestd_sync_items_total) of stream for
// op; 0 when it has not counted yet.
func (b *bundle) syncCounter(t *testing.T, stream, op string) float64 {
	t.Helper()
	mfs, err := b.metrics.Registry.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "sestd_sync_items_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["stream"] == stream && labels["operation"] == op {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestInterruptedRunResumesWithoutLossOrSkip(t *testing.T) {
	t.Parallel()
	// Packages of 7 with 50 items per timestamp: items sharing a timestamp
	// straddle package boundaries.
	b := setup(t, options{sim: sim.Config{Seed: 11, Bewerbungen: 300, SameTimestamp: 50}, packageSize: 7})
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.StudienangeboteArgs{}).Kind)

	// The fifth package fails; the job is retried later.
	b.failNth.Store(5)

	ctx := context.Background()
	run := jobs.DeltaArgs{Stream: store.StreamBewerbungen}
	ev := b.run(t, run)
	require.Equal(t, river.EventKindJobFailed, ev.Kind, "the failing package fails the attempt")
	r, err := b.store.RunGet(ctx, store.StreamBewerbungen.String())
	require.NoError(t, err, "the interrupted run is kept")
	_, err = b.store.CursorGet(ctx, store.StreamBewerbungen.String())
	require.ErrorIs(t, err, store.ErrNotFound, "the cursor moves only when the run completes")

	b.sim.ResetReceived()
	ev2 := b.waitRetry(t, ev.Job.ID)
	require.Equal(t, river.EventKindJobCompleted, ev2.Kind, "the retry completes: %v", ev2.Job.Errors)

	// The retry fetched exactly what was not committed: nothing twice.
	var refetched int
	for _, c := range b.sim.Received(sestmodel.OpUebermittelnBewerbungen) {
		refetched += len(c.Request.(*wire.ReferenzRequest).Referenz)
	}
	require.Equal(t, len(r.Refs)-r.Done, refetched, "the resumed run fetches only the uncommitted references")
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.DeltaArgs{Stream: store.StreamBewerber}).Kind)
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.DeltaArgs{Stream: store.StreamRanglistenstatus}).Kind)
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
}

// waitRetry works a failed job again at once and waits for its outcome.
func (b *bundle) waitRetry(t *testing.T, id int64) *river.Event {
	t.Helper()
	_, err := b.client.JobRetry(context.Background(), id)
	require.NoError(t, err)
	return b.rig.awaitID(t, id, false)
}

func TestEmptyDatabaseRebuildsEverything(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sim: sim.Config{Seed: 5, Bewerbungen: 400}})
	b.sync(t)
	ctx := context.Background()
	_, err := b.pool.Exec(ctx, `TRUNCATE bewerbung, teilfachbewerbung, bewerbungsbestandteil, bescheid, dokument, bewerber,
		studienangebot, studienangebot_teilfach, studiengang, abschluss, studienfach, fachkennzeichen, land,
		studienpaket, studienpaket_bestandteil, ranglistenstatus, sync_cursor, sync_run CASCADE`)
	require.NoError(t, err)
	b.sync(t)
	mirrortest.RequireMirrorEqualsSim(t, b.pool, b.sim)
}

func TestPermanentFaultsCancelTheJob(t *testing.T) {
	t.Parallel()
	b := setup(t, options{
		sim:       sim.Config{Seed: 1, Bewerbungen: 50},
		configure: func(c *config.Config) { c.Servicestelle.Hochschulnummer = "9999" },
	})
	ev := b.run(t, jobs.DeltaArgs{Stream: store.StreamBewerbungen})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind, "an unknown Hochschulnummer never succeeds")
	require.NotEmpty(t, ev.Job.Errors)
	require.Contains(t, ev.Job.Errors[len(ev.Job.Errors)-1].Error, "9999", "the fault's text is in the job's errors")

	b2 := setup(t, options{
		sim:       sim.Config{Seed: 1, Bewerbungen: 50},
		configure: func(c *config.Config) { c.Servicestelle.Password = "wrong" },
	})
	ev = b2.run(t, jobs.DeltaArgs{Stream: store.StreamBewerber})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind, "wrong credentials never succeed")
}

func TestDocumentNamesCannotEscapeTheRoot(t *testing.T) {
	t.Parallel()
	for _, d := range []sestmodel.Dokument{
		{DokumentID: "../../etc/passwd", BewerberID: "..", Dateiname: "x.pdf"},
		{DokumentID: "D1", BewerberID: "B/../../1", Dateiname: "../../evil.sh", Dateiendung: "../pdf"},
		{DokumentID: "D2", Dateiname: "noext"},
	} {
		name := jobs.DocumentFileName(d)
		require.Equal(t, name, filepath.Base(name), "%q stays in the root", name)
		require.NotContains(t, name, "..")
	}
	require.Equal(t, "B1_D9.pdf", jobs.DocumentFileName(sestmodel.Dokument{DokumentID: "D9", BewerberID: "B1", Dateiname: "Zeugnis.PDF"}))
	require.Equal(t, "D9.pdf", jobs.DocumentFileName(sestmodel.Dokument{DokumentID: "D9", Dateiendung: "pdf"}))
}

func logLevel() zapcore.Level {
	if os.Getenv("SESTD_TEST_LOG") != "" {
		return zap.InfoLevel
	}
	return zap.WarnLevel
}
