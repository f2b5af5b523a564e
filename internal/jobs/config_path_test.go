package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"sestd/internal/coltest"
	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

// Configuration through the path users take: a YAML file as an admin
// writes it, loaded and validated by config.Load, handed to the jobs on a
// real River client; the effect is read from the database and the
// simulator's record of received calls, never from the Options the job
// builds.

// cfgWorld is one such test's world.
type cfgWorld struct {
	sim  *sim.Sim
	pool *pgxpool.Pool
	cfg  config.Config
	rig  *rig
	dir  string
}

// newCfgWorld writes a config file: the test's Servicestelle and database,
// directories in a temporary folder, schedules off, and the given lines
// per section ("servicestelle", "sync", "import", "outbox"), and starts
// the jobs on the configuration config.Load makes of it.
func newCfgWorld(t *testing.T, sc sim.Config, sections map[string]string) *cfgWorld {
	t.Helper()
	s, url := testSim(t, sc, nil)
	pool := testdb.New(t)
	dir := t.TempDir()
	var y strings.Builder
	// base_url ends in the interface version the config states (config
	// check refuses a mismatch); 3 is servicestelle.interface_version's
	// default.
	version := "3"
	if m := regexp.MustCompile(`interface_version: ([0-9]+)`).FindStringSubmatch(sections["servicestelle"]); m != nil {
		version = m[1]
	}
	fmt.Fprintf(&y, "database:\n  url: %q\n", pool.Config().ConnString())
	fmt.Fprintf(&y, "servicestelle:\n  base_url: %q\n  hochschulnummer: \"4411\"\n  username: %s\n  password: %s\n  vermittlungsprozess:\n    jahr: 2026\n  timeout: 10s\n%s",
		url+"/hochschule/webservice/"+version, testUser, testPassword, sections["servicestelle"])
	fmt.Fprintf(&y, "sync:\n  document_root: %q\n  schedules: {delta: \"off\", studienangebote: \"off\", full: \"off\", outbound: \"off\", inbox: \"off\", retention: \"off\"}\n%s",
		filepath.Join(dir, "documents"), sections["sync"])
	fmt.Fprintf(&y, "import:\n  inbox_dir: %q\n  allowed_dirs: [%q]\n%s", filepath.Join(dir, "inbox"), filepath.Join(dir, "files"), sections["import"])
	fmt.Fprintf(&y, "export:\n  dir: %q\n", filepath.Join(dir, "export"))
	if o := sections["outbox"]; o != "" {
		fmt.Fprintf(&y, "outbox:\n%s", o)
	}
	path := filepath.Join(dir, "sestd.yaml")
	require.NoError(t, os.WriteFile(path, []byte(y.String()), 0o600))
	cfg, err := config.Load(path, func(string) string { return "" })
	require.NoError(t, err, "config:\n%s", y.String())
	r := startRig(t, cfg, jobs.Deps{Store: store.New(pool)}, pool)
	return &cfgWorld{sim: s, pool: pool, cfg: cfg, rig: r, dir: dir}
}

// importFile writes content into the import.allowed_dirs directory (an
// import by path reads only below the inbox or those) and imports it with
// the import job in mode create (stated: the default mode is not what
// these tests are about).
func (w *cfgWorld) importFile(t *testing.T, kind, name string, content []byte) {
	t.Helper()
	dir := filepath.Join(w.dir, "files")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, content, 0o600))
	ev := w.rig.await(t, jobs.ImportArgs{Path: path, FileKind: kind, Mode: "create"}, 1, true)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "import %s: %v", name, ev.Job.Errors)
}

func (w *cfgWorld) strings(t *testing.T, sql string) []string {
	t.Helper()
	rows, err := w.pool.Query(context.Background(), sql)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}

// The university's applications for the status tests: eingeschrieben
// exists only from interface version 4; zugelassen is the Servicestelle's
// to set unless sync.bearbeitungsstatus lets the university set it.
const statusApplications = "HS_BEWERBUNG_ID;TYP;BEWERBER_ID;BAN;STUDIENGANG_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS\n" +
	"C-1;einfach;B1;BAN1;82-079;2026-07-01 10:00;eingeschrieben\n" +
	"C-2;einfach;B2;BAN2;82-079;2026-07-01 10:00;zugelassen\n" +
	"C-3;einfach;B3;BAN3;82-079;2026-07-01 10:00;gueltig\n"

// Courses of study with two Abschlussarten.
const configCourses = "STG;ABSCHLART;LTXT\n079;Bachelor;Informatik\n128;Master;Mathematik\n"

// A students file in cp437 (MS-DOS): ü is 0x81, ß 0xE1.
func cp437Students(t *testing.T) []byte {
	t.Helper()
	raw, err := charmap.CodePage437.NewEncoder().Bytes([]byte("IDENTNR;STG;VORNAME;NACHNAME\r\nCP01;079;Jürgen;Weiß\r\n"))
	require.NoError(t, err)
	return raw
}

func TestConfigReachesImports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newCfgWorld(t, sim.Config{Seed: 1, Bewerbungen: 10}, map[string]string{
		"servicestelle": "  interface_version: 3\n",
		"sync":          "  bearbeitungsstatus:\n    zugelassen: {sest_in: true, sest_out: true, uni_in: true, uni_out: true}\n",
		"import":        "  encoding: cp437\n  allowed_abschlussarten: [Bachelor]\n",
	})

	// servicestelle.interface_version 3 and the sync.bearbeitungsstatus
	// override reach the import job.
	w.importFile(t, "uni_bewerbungen", "bewerbungen.csv", []byte(statusApplications))
	require.Equal(t, []string{"C-2:zugelassen", "C-3:gueltig"},
		w.strings(t, `SELECT hs_bewerbung_id || ':' || bearbeitungsstatus FROM uni_bewerbung ORDER BY 1`),
		"eingeschrieben refused below interface version 4; zugelassen allowed by the override")
	var rejectsPath string
	require.NoError(t, w.pool.QueryRow(ctx, `SELECT rejects_path FROM import_runs WHERE kind = 'uni_bewerbungen'`).Scan(&rejectsPath))
	rejects, err := os.ReadFile(rejectsPath)
	require.NoError(t, err)
	require.Contains(t, string(rejects), "C-1")
	require.Contains(t, string(rejects), "interface version 4", "the reason names the interface version")

	// import.allowed_abschlussarten.
	w.importFile(t, "sbeat_courses", "courses.csv", []byte(configCourses))
	require.Equal(t, []string{"079"}, w.strings(t, `SELECT stg FROM sbeat_course ORDER BY 1`), "only Bachelor is allowed")

	// import.encoding, through the inbox.
	inboxDir := filepath.Join(w.cfg.Import.InboxDir, "sbeat_students")
	require.NoError(t, os.MkdirAll(inboxDir, 0o700))
	file := filepath.Join(inboxDir, "students.csv")
	require.NoError(t, os.WriteFile(file, cp437Students(t), 0o600))
	old := time.Now().Add(-time.Minute)
	require.NoError(t, os.Chtimes(file, old, old))
	ev := w.rig.await(t, jobs.InboxArgs{}, 1, true)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind)
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(inboxDir, "processed", "students.csv"))
		return err == nil
	}, 3*time.Minute, 50*time.Millisecond, "the inbox imports the file and moves it to processed/")
	require.Equal(t, []string{"Jürgen Weiß"},
		w.strings(t, `SELECT vorname || ' ' || nachname FROM sbeat_identity WHERE identnr = 'CP01'`), "decoded as cp437")
	require.Equal(t, []string{"cp437"}, w.strings(t, `SELECT encoding FROM import_runs WHERE kind = 'sbeat_students'`))
}

// The same files under the defaults: what the configuration changed above
// is not what the importers do anyway.
func TestConfigDefaultsForImports(t *testing.T) {
	t.Parallel()
	w := newCfgWorld(t, sim.Config{Seed: 1, Bewerbungen: 10}, map[string]string{
		"servicestelle": "  interface_version: 4\n",
	})
	w.importFile(t, "uni_bewerbungen", "bewerbungen.csv", []byte(statusApplications))
	require.Equal(t, []string{"C-1:eingeschrieben", "C-3:gueltig"},
		w.strings(t, `SELECT hs_bewerbung_id || ':' || bearbeitungsstatus FROM uni_bewerbung ORDER BY 1`),
		"interface version 4 knows eingeschrieben; zugelassen is the Servicestelle's")
	w.importFile(t, "sbeat_courses", "courses.csv", []byte(configCourses))
	require.Equal(t, []string{"079", "128"}, w.strings(t, `SELECT stg FROM sbeat_course ORDER BY 1`), "every Abschlussart")
	w.importFile(t, "sbeat_students", "students.csv", cp437Students(t))
	names := w.strings(t, `SELECT vorname || ' ' || nachname FROM sbeat_identity WHERE identnr = 'CP01'`)
	require.Len(t, names, 1)
	require.NotEqual(t, "Jürgen Weiß", names[0], "auto-detection takes cp437 bytes for windows-1252")
}

func TestConfigStudienangeboteFilters(t *testing.T) {
	t.Parallel()
	w := newCfgWorld(t, sim.Config{Seed: 1, Bewerbungen: 10}, map[string]string{
		"sync": "  abschluss_filter: [\"84\"]\n  download_faecher: [\"128\"]\n",
	})
	ev := w.rig.await(t, jobs.StudienangeboteArgs{}, 1, true)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "%v", ev.Job.Errors)
	// sync.download_faecher 128 (Mathematik): the sim's offers with that
	// Studienfach, the B.Sc. 82-128 and the Teilfächer 25-128
	// (Zwei-Fächer-Bachelor) and 26-128 (Lehramt an Gymnasien); not the
	// Mehrfach offers 25 and 26, which have no Studienfach of their own.
	// sync.abschluss_filter 84 is the former name of
	// outbox.abschluss_filter: it limits what is sent, not the download,
	// so no Bachelor of Arts offer (84-…) comes in on its account.
	want := []string{"25-128", "26-128", "82-128"}
	got := w.strings(t, `SELECT schluessel FROM studienangebot`)
	sort.Strings(got)
	require.Equal(t, want, got)
}

func TestConfigOutboxRetryLeadsToASend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Now()
	w := newCfgWorld(t, sim.Config{Seed: 5, Bewerbungen: 20}, map[string]string{
		"outbox": "  max_attempts: 1\n  backoff: 1h\n  digest: \"off\"\n",
	})
	w.rig.syncAll(t)
	// An application for the offer still in preparation: refused.
	apps := newApplications(t, w.sim, 1, "R")
	a := apps[0]
	a.studiengang = "82-999"
	w.importFile(t, "uni_bewerbungen", "bewerbungen.csv", []byte(applicationsCSV([]application{a}, "eingegangen")))
	sends := func() int { return w.sim.SentBewerbungen(sestmodel.OpUebermittelnNeueBewerbungen)[a.key()] }

	require.Equal(t, river.EventKindJobCompleted, w.rig.await(t, jobs.OutboundArgs{}, 1, true).Kind)
	require.Equal(t, 1, sends(), "sent once and refused")
	st := store.New(w.pool)
	items, err := st.OutboxList(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, items, 1)
	refused := items[0]
	require.NotEqual(t, store.OutboxAccepted, refused.State)
	require.Contains(t, refused.Reason, "82-999")
	// outbox.max_attempts 1 and outbox.backoff 1h: the next run does not
	// send it again.
	require.Equal(t, river.EventKindJobCompleted, w.rig.await(t, jobs.OutboundArgs{}, 1, true).Kind)
	require.Equal(t, 1, sends(), "not sent again within the backoff or past the attempts")

	// The university publishes the offer; the admin runs outbox_retry as
	// the failure mail tells them (the trigger the admin API and `sestd
	// trigger` use).
	var offer sestmodel.Studienangebot
	for _, o := range w.sim.Studienangebote() {
		if o.Key() == "82-999" {
			offer = o
		}
	}
	require.NotNil(t, offer.Einfach)
	offer.Einfach.Status = "oeffentlich_sichtbar"
	_, err = w.rig.deps.Sest.StudienangeboteAnlegenAendern(ctx, []sestmodel.Studienangebot{offer})
	require.NoError(t, err)
	trigger, ok := w.rig.kit.Triggers["outbox_retry"]
	require.True(t, ok, "outbox_retry is a trigger")
	args, err := trigger.Args(json.RawMessage(fmt.Sprintf(`{"id": %d}`, refused.ID)))
	require.NoError(t, err)
	ev := w.rig.await(t, args, 1, true)
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "%v", ev.Job.Errors)
	// The retry queued an outbound run; wait for the item to settle.
	var it store.OutboxItem
	require.Eventually(t, func() bool {
		it, err = st.OutboxGet(ctx, refused.ID)
		return err == nil && it.State == store.OutboxAccepted
	}, 3*time.Minute, 50*time.Millisecond, "the retried item is sent and accepted (state %q: %s)", it.State, it.Reason)
	require.Equal(t, 2, sends(), "the retry led to exactly one more send")
	_, err = w.sim.Bewerbung(a.key())
	require.NoError(t, err, "the Bewerbung is at the Servicestelle")

	// The university sees the result in the uni view of the run's export.
	require.Eventually(t, func() bool {
		return coltest.Count(t, w.pool, coltest.T("uni.outbox_ergebnisse"), "id = $1", refused.ID) == 1
	}, 3*time.Minute, 50*time.Millisecond, "the outbound run exports the accepted item")
	coltest.RequireRow(t, w.pool, coltest.T("uni.outbox_ergebnisse"), "id = $1", []any{refused.ID}, []coltest.Col{
		coltest.C("id", fmt.Sprint(refused.ID), "the item"),
		coltest.C("kind", "bewerbung", "a university application"),
		coltest.C("item_key", "R-00001", "its HS_BEWERBUNG_ID"),
		coltest.C("bewerber_id", a.bewerber, "its applicant"),
		coltest.C("sest_key", a.key(), "<bewerberId>/<studiengang> at the Servicestelle"),
		coltest.C("state", "accepted", "sent after the retry and accepted"),
		coltest.C("operation", sestmodel.OpUebermittelnNeueBewerbungen, "new at the Servicestelle"),
		coltest.C("attempts", "1", "the retry reset the attempts; one send since"),
		coltest.C("ergebnis_status", "neu", "created at the Servicestelle"),
		coltest.C("reason", "", "accepted: no refusal reason"),
		coltest.C("code", "0", "no refusal code"),
		coltest.C("result_version", "1", "a new Bewerbung has version 1"),
		coltest.C("finished_at", coltest.Recent(start), "accepted during this test"),
	})
}
