package jobs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

// rangWorld is a ranking test's world: the simulator over real HTTP, a
// real database, sestd's jobs on a real River client with the outbound
// queue.
type rangWorld struct {
	sim    *sim.Sim
	pool   *pgxpool.Pool
	store  *store.Store
	cfg    config.Config
	kit    *jobs.Kit
	client *river.Client[pgx.Tx]
	log    *zap.Logger
	rig    *rig
}

type rangOptions struct {
	sim         sim.Config
	packageSize int
	schema      config.Vergabeschema
	// unchecked skips config validation (to send what sestd would refuse).
	unchecked bool
	// abschlussFilter is outbox.abschluss_filter.
	abschlussFilter []string
}

func f64(v float64) *float64 { return &v }

// testSchema is a schema with three Ranglisten types, one per level.
func testSchema() config.Vergabeschema {
	return config.Vergabeschema{
		Vorabquoten: config.Ebene{Ranglisten: []config.Ranglistentyp{{IDNr: "HF", Name: "Härtefälle", Plaetze: config.Plaetze{Prozentual: f64(2)},
			IstVorwegzulasser: true,
			Klauseln:          config.Klauseln{Unterbelegungsklausel: &config.Unterbelegungsklausel{Platzuebergabe: config.Platzuebergabe{Ebene: "Hauptquoten"}}}}}},
		GeminderteVorabquoten: config.Ebene{Ranglisten: []config.Ranglistentyp{{IDNr: "ZS", Name: "Zweitstudium", Plaetze: config.Plaetze{Absolut: f64(3)},
			Klauseln: config.Klauseln{Mindestplatzklausel: &config.Mindestplatzklausel{Grenzkapazitaet: 20}, Limitierungsklausel: true}}}},
		Hauptquoten: config.Ebene{Ranglisten: []config.Ranglistentyp{{IDNr: "HQ", Name: "Hauptquote", Plaetze: config.Plaetze{Prozentual: f64(100)},
			IstChance: true, Klauseln: config.Klauseln{Nichtauffuellklausel: true}}}},
	}
}

func rangSetup(t *testing.T, o rangOptions) *rangWorld {
	t.Helper()
	s, url := testSim(t, o.sim, nil)
	pool := testdb.New(t)
	cfg := testConfig(t, pool, url)
	cfg.Servicestelle.Timeout = 20 * time.Second
	cfg.Servicestelle.PackageSize = 500
	if o.packageSize > 0 {
		cfg.Servicestelle.PackageSize = o.packageSize
	}
	cfg.Vergabeschema = o.schema
	cfg.Outbox.AbschlussFilter = o.abschlussFilter
	if !o.unchecked {
		require.NoError(t, cfg.Validate())
	}
	st := store.New(pool)
	r := startRig(t, cfg, jobs.Deps{Store: st}, pool)
	return &rangWorld{sim: s, pool: pool, store: st, cfg: cfg, kit: r.kit, client: r.client, log: r.log, rig: r}
}

// run inserts args and waits for that job's first outcome.
func (w *rangWorld) run(t *testing.T, args river.JobArgs) *river.Event {
	t.Helper()
	return w.rig.await(t, args, 3, false)
}

// mustComplete runs args and requires it to complete.
func (w *rangWorld) mustComplete(t *testing.T, args river.JobArgs) *river.Event {
	t.Helper()
	ev := w.run(t, args)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "%s: %s", args.Kind(), lastError(ev))
	return ev
}

func lastError(ev *river.Event) string {
	if n := len(ev.Job.Errors); n > 0 {
		return ev.Job.Errors[n-1].Error
	}
	return ""
}

// poll runs the delta poll of the given streams.
func (w *rangWorld) poll(t *testing.T, streams ...store.Stream) {
	t.Helper()
	for _, s := range streams {
		w.mustComplete(t, jobs.DeltaArgs{Stream: s})
	}
}

// simRangliste returns the simulator's Rangliste with the key.
func (w *rangWorld) simRangliste(t *testing.T, key string) sestmodel.Rangliste {
	t.Helper()
	for _, r := range w.sim.Ranglisten() {
		if r.Schluessel == key {
			return r
		}
	}
	t.Fatalf("the simulator holds no Rangliste %s", key)
	return sestmodel.Rangliste{}
}

// sentRanglisten returns the Ranglisten of every uebermittelnRanglisten
// call, one slice per call.
func (w *rangWorld) sentRanglisten(t *testing.T) [][]sestmodel.Rangliste {
	t.Helper()
	var out [][]sestmodel.Rangliste
	for _, c := range w.sim.Received(sestmodel.OpUebermittelnRanglisten) {
		req, ok := c.Request.(*wire.RanglistenRequest)
		require.True(t, ok, "call %d decoded", c.Seq)
		out = append(out, req.Rangliste)
	}
	return out
}

// applyFor makes every given applicant apply (Einfach) for the
// Studiengang at the simulator, unless it has already.
func applyFor(t *testing.T, s *sim.Sim, studiengang sestmodel.EinfachstudienangebotsSchluessel, bewerber []string) {
	t.Helper()
	have := map[string]bool{}
	for _, b := range s.Bewerbungen() {
		if b.Einfach != nil && b.Einfach.Studienangebot.StudiengangSchluessel == studiengang.StudiengangSchluessel {
			have[b.BewerberID()] = true
		}
	}
	for _, id := range bewerber {
		if have[id] {
			continue
		}
		_, err := s.AddBewerbung(sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{Bearbeitungsstatus: "eingegangen",
			BewerberID: id, Studienangebot: studiengang}})
		require.NoError(t, err, "applicant %s", id)
	}
}

// writeRanking writes a ranking import file: lists maps a Rangliste key to
// its applicants in rank order.
func writeRanking(t *testing.T, keys []string, lists map[string][]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ranking.csv")
	f, err := os.Create(p)
	require.NoError(t, err)
	_, err = fmt.Fprintln(f, "rangliste;bewerber_id;rang")
	require.NoError(t, err)
	for _, k := range keys {
		for i, id := range lists[k] {
			_, err = fmt.Fprintf(f, "%s;%s;%d\n", k, id, i+1)
			require.NoError(t, err)
		}
	}
	require.NoError(t, f.Close())
	return p
}

// uploadLog returns the upload log of a Rangliste, oldest first.
func (w *rangWorld) uploadLog(t *testing.T, key string) []store.UploadLogEntry {
	t.Helper()
	l, err := w.store.UploadLogList(context.Background(), jobs.ItemKindRangliste, key, 1000)
	require.NoError(t, err)
	return l
}
