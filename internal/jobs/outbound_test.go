package jobs_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
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
	"go.uber.org/zap/zaptest"
	"golang.org/x/text/encoding/charmap"

	"sestd/internal/config"
	"sestd/internal/importers"
	"sestd/internal/jobs"
	"sestd/internal/mail/mailtest"
	"sestd/internal/metrics"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

// obundle is an outbound test's world: the simulator behind real HTTP
// (optionally wrapped), a real database, a real SMTP server and a River
// client that the test can stop hard and start again (a crash).
type obundle struct {
	sim     *sim.Sim
	pool    *pgxpool.Pool
	store   *store.Store
	cfg     config.Config
	smtp    *mailtest.Server
	client  *river.Client[pgx.Tx]
	cancel  func()
	metrics *metrics.Metrics
	rig     *rig
	log     *zap.Logger // nil: the test's log only
}

type ooptions struct {
	sim  sim.Config
	wrap func(s *sim.Sim, h http.Handler) http.Handler
	// configure adjusts the configuration before it is validated.
	configure func(*config.Config)
	// log, when set, also receives the jobs' log.
	log *zap.Logger
}

func setupOutbound(t *testing.T, o ooptions) *obundle {
	t.Helper()
	s, url := testSim(t, o.sim, o.wrap)
	smtp := mailtest.New(t)
	pool := testdb.New(t)
	cfg := testConfig(t, pool, url)
	cfg.Servicestelle.PackageSize = 100
	cfg.Export.Encoding = "windows-1252"
	cfg.Mail = config.Mail{Host: smtp.Host, Port: smtp.Port, TLS: "none", From: "sestd@uni.example", To: []string{"admins@uni.example"}}
	cfg.Outbox = config.Outbox{MaxAttempts: 3, Backoff: time.Hour, MaxBackoff: 24 * time.Hour, Digest: "off"}
	if o.configure != nil {
		o.configure(&cfg)
	}
	require.NoError(t, cfg.Validate())
	b := &obundle{sim: s, pool: pool, store: store.New(pool), cfg: cfg, smtp: smtp, log: o.log}
	b.start(t)
	return b
}

// start starts a River client on the bundle's database (again after stop).
func (b *obundle) start(t *testing.T) {
	t.Helper()
	r := startRig(t, b.cfg, jobs.Deps{Store: b.store, Log: b.log}, b.pool)
	b.client, b.metrics, b.cancel, b.rig = r.client, r.metrics, r.stop, r
}

// run inserts args and waits for that job's outcome (snoozes skipped).
func (b *obundle) run(t *testing.T, args river.JobArgs) *river.Event {
	t.Helper()
	return b.rig.await(t, args, 5, true)
}

// mirror brings the whole mirror up to date with delta polls.
func (b *obundle) mirror(t *testing.T) {
	t.Helper()
	b.rig.syncAll(t)
}

// outboundUntilQuiet runs the outbound sync until nothing is pending or
// sent (as the periodic schedule would), at most n times; between two
// runs outbox.backoff passes for the items pending or sent (failed items
// wait for passTime).
func (b *obundle) outboundUntilQuiet(t *testing.T, n int) {
	t.Helper()
	for range n {
		b.run(t, jobs.OutboundArgs{})
		counts, err := b.store.OutboxCountsByState(context.Background())
		require.NoError(t, err)
		if counts[string(store.OutboxPending)] == 0 && counts[string(store.OutboxSent)] == 0 {
			return
		}
		b.passTime(t, b.cfg.Outbox.Backoff, store.OutboxPending, store.OutboxSent)
	}
	t.Fatalf("outbox not settled after %d runs", n)
}

// passTime lets d pass for the outbox items in the given states: their
// next attempts come d closer (the outbox's clock is the database's).
func (b *obundle) passTime(t *testing.T, d time.Duration, states ...store.OutboxState) {
	t.Helper()
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = string(s)
	}
	_, err := b.pool.Exec(context.Background(), `UPDATE outbox_item SET next_attempt_at = next_attempt_at - $1::interval WHERE state = ANY($2)`,
		d.String(), names)
	require.NoError(t, err)
}

func (b *obundle) importCSV(t *testing.T, kind importers.Kind, mode importers.Mode, content string) importers.Summary {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, string(kind)+".csv")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	sum, err := importers.Import(context.Background(), b.store, path, importers.Options{Kind: kind, Mode: mode, Force: true}, zaptest.NewLogger(t, zaptest.Level(logLevel())), nil)
	require.NoError(t, err)
	require.Zero(t, sum.Rejected, "rejected rows: see %s", sum.RejectsFile)
	return sum
}

// application is one university application of the tests.
type application struct {
	hsID, bewerber, ban, studiengang string
}

func (a application) key() string { return a.bewerber + "/" + a.studiengang }

// newApplications picks n (applicant, Studienangebot) pairs the simulator
// does not have yet.
func newApplications(t *testing.T, s *sim.Sim, n int, prefix string) []application {
	t.Helper()
	exists := map[string]bool{}
	for _, b := range s.Bewerbungen() {
		exists[b.Key()] = true
	}
	var angebote []string
	for _, a := range s.Studienangebote() {
		if a.Einfach != nil && a.Einfach.Status == "oeffentlich_sichtbar" && !strings.HasPrefix(a.Key(), "25-") {
			angebote = append(angebote, a.Key())
		}
	}
	sort.Strings(angebote)
	var out []application
	for _, bw := range s.AllBewerber() {
		_, ban, err := s.Bewerber(bw.ID)
		require.NoError(t, err)
		for _, sg := range angebote {
			a := application{hsID: fmt.Sprintf("%s-%05d", prefix, len(out)+1), bewerber: bw.ID, ban: ban, studiengang: sg}
			if exists[a.key()] {
				continue
			}
			exists[a.key()] = true
			out = append(out, a)
			if len(out) == n {
				return out
			}
		}
	}
	t.Fatalf("only %d free pairs", len(out))
	return nil
}

func applicationsCSV(apps []application, status string) string {
	var sb strings.Builder
	sb.WriteString("HS_BEWERBUNG_ID;TYP;BEWERBER_ID;BAN;STUDIENGANG_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS;AKTIVITAETSSTATUS\n")
	for _, a := range apps {
		fmt.Fprintf(&sb, "%s;einfach;%s;%s;%s;2026-07-01T10:00:00+02:00;%s;aktiv\n", a.hsID, a.bewerber, a.ban, a.studiengang, status)
	}
	return sb.String()
}

// applied counts, per Bewerbung key, how often the simulator applied a
// send of op (calls answered with an injected error did not apply).
func applied(s *sim.Sim, op string) map[string]int {
	out := map[string]int{}
	for _, c := range s.Received(op) {
		if c.Injected != "" && c.Injected != "truncate" {
			continue
		}
		req, ok := c.Request.(*wire.BewerbungenRequest)
		if !ok {
			continue
		}
		for _, b := range req.Bewerbung {
			out[b.Key()]++
		}
	}
	return out
}

func (b *obundle) items(t *testing.T, kind string) map[string]store.OutboxItem {
	t.Helper()
	all, err := b.store.OutboxList(context.Background(), "", 100000)
	require.NoError(t, err)
	out := map[string]store.OutboxItem{}
	for _, it := range all {
		if it.Kind == kind {
			out[it.ItemKey] = it
		}
	}
	return out
}

func TestOutboundSendsChangesAndReports(t *testing.T) {
	t.Parallel()
	b := setupOutbound(t, ooptions{sim: sim.Config{Seed: 11, Bewerber: 150, Bewerbungen: 100}})
	ctx := context.Background()
	b.mirror(t)

	// 1,000 new applications, 4 for an offer still in preparation (always
	// rejected), 20 authorisations of which 2 carry a wrong BAN.
	apps := newApplications(t, b.sim, 1000, "H")
	hidden := make([]application, 4)
	for i := range hidden {
		hidden[i] = application{hsID: fmt.Sprintf("X-%d", i), bewerber: apps[900+i*20].bewerber, ban: apps[900+i*20].ban, studiengang: "82-999"}
	}
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeCreate, applicationsCSV(append(slices.Clone(apps), hidden...), "eingegangen"))
	var auth strings.Builder
	auth.WriteString("BEWERBER_ID;BAN\n")
	for i := range 20 {
		ban := apps[i*40].ban
		if i < 2 {
			ban = "falsch"
		}
		fmt.Fprintf(&auth, "%s;%s\n", apps[i*40].bewerber, ban)
	}
	b.importCSV(t, importers.KindUniBewerberAuth, importers.ModeCreate, auth.String())
	// The account of the last applicant is marked for deletion: its
	// applications are rejected with 30235 and not retried.
	gone := apps[len(apps)-1].bewerber
	require.NoError(t, b.sim.MarkBewerberForDeletion(gone))
	var zl []application
	for _, a := range apps {
		if a.bewerber == gone {
			zl = append(zl, a)
		}
	}

	// One Zwei-Fächer-Bachelor application (Mehrfach with two Teilfächer).
	var mbid string
	for _, bw := range slices.Backward(b.sim.AllBewerber()) {
		if !slices.ContainsFunc(b.sim.Bewerbungen(), func(x sestmodel.Bewerbung) bool { return x.Mehrfach != nil && x.BewerberID() == bw.ID }) {
			mbid = bw.ID
			break
		}
	}
	_, mban, err := b.sim.Bewerber(mbid)
	require.NoError(t, err)
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeCreate, fmt.Sprintf(
		"HS_BEWERBUNG_ID;TYP;BEWERBER_ID;BAN;STUDIENGANG_SCHLUESSEL;ABSCHLUSS_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS;HAUPTFACH\n"+
			"M-1;mehrfach;%s;%s;;25;2026-07-01T10:00:00+02:00;eingegangen;\n"+
			"M-1;teilfach;;;25-007;;;;25-007\n"+
			"M-1;teilfach;;;25-059;;;;\n", mbid, mban))

	// The Servicestelle answers the first send with a SOAP fault; then some
	// with HTTP errors, and it applies some whose answer is lost
	// (truncated): their outcome is unknown.
	require.NoError(t, b.sim.SetFault(sestmodel.OpUebermittelnNeueBewerbungen, sim.Fault{FaultRate: 1, Times: 1}))
	b.smtp.Refuse(1) // and the first mail delivery fails
	b.run(t, jobs.OutboundArgs{})
	require.NoError(t, b.sim.SetFault(sestmodel.OpUebermittelnNeueBewerbungen, sim.Fault{HTTPErrorRate: 0.25, TruncateRate: 0.25, Times: 6}))
	b.outboundUntilQuiet(t, 15)
	mkey := mbid + "/25/25-007"
	require.Equal(t, 1, applied(b.sim, sestmodel.OpUebermittelnNeueBewerbungen)[mkey])
	mb, err := b.sim.Bewerbung(mkey)
	require.NoError(t, err)
	require.Len(t, mb.Mehrfach.Teilfachbewerbung, 2)
	require.Equal(t, store.OutboxAccepted, b.items(t, store.OutboxKindBewerbung)["M-1"].State)

	got := applied(b.sim, sestmodel.OpUebermittelnNeueBewerbungen)
	items := b.items(t, store.OutboxKindBewerbung)
	for _, a := range apps {
		require.Equal(t, 1, got[a.key()], "application %s reached the simulator exactly once", a.hsID)
		it := items[a.hsID]
		if a.bewerber == gone {
			require.Equal(t, store.OutboxRejected, it.State)
			require.Equal(t, sestmodel.CodeBewerberZurLoeschung, it.Code)
			require.Equal(t, 1, it.Attempts, "not retried")
			continue
		}
		_, err := b.sim.Bewerbung(a.key())
		require.NoError(t, err)
		require.Equal(t, store.OutboxAccepted, it.State, "%s: %s", a.hsID, it.Reason)
		require.Equal(t, 1, it.ResultVersion)
	}
	for _, h := range hidden {
		it := items[h.hsID]
		require.Equal(t, store.OutboxFailed, it.State, "refused on the first try and two retries: failed, and still queued")
		require.GreaterOrEqual(t, it.Attempts, 3)
		require.Contains(t, it.Reason, "82-999")
		require.GreaterOrEqual(t, got[h.key()], 3)
		logs, err := b.store.UploadLogList(ctx, store.OutboxKindBewerbung, h.hsID, 100)
		require.NoError(t, err)
		require.Len(t, logs, it.Attempts, "every attempt is in the upload log")
		require.Equal(t, sestmodel.ErgebnisZurueckgewiesen, logs[len(logs)-1].ErgebnisStatus)
		require.True(t, it.NextAttemptAt.After(time.Now()), "retried later")
	}
	auths := b.items(t, store.OutboxKindBewerberAuth)
	require.Len(t, auths, 20)
	for i := range 20 {
		it := auths[apps[i*40].bewerber]
		if i < 2 {
			require.Equal(t, store.OutboxRejected, it.State)
			require.NotEmpty(t, it.Reason)
		} else {
			require.Equal(t, store.OutboxAccepted, it.State, it.Reason)
		}
	}
	var authLeft int
	require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM uni_bewerber_auth`).Scan(&authLeft))
	require.Zero(t, authLeft, "authorisations no longer needed are cleaned up")

	// A SOAP fault's text, HTTP errors and lost answers reach the upload log.
	for _, like := range []string{"%soap fault%TechnischerFehler%", "%http status 503%", "%malformed%"} {
		var n int
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM upload_log WHERE reason LIKE $1`, like).Scan(&n))
		require.Positive(t, n, like)
	}

	// Each failed or rejected item is in exactly one mail.
	require.Eventually(t, func() bool {
		n := 0
		for _, m := range b.smtp.Messages() {
			n += strings.Count(m.Data, "retry:")
		}
		return n == len(hidden)+2+len(zl)
	}, 20*time.Second, 100*time.Millisecond)
	for _, it := range append(mapValues(items), mapValues(auths)...) {
		if it.State != store.OutboxFailed && it.State != store.OutboxRejected {
			continue
		}
		n := 0
		for _, m := range b.smtp.Messages() {
			if strings.Contains(m.Data, fmt.Sprintf("#%d %s", it.ID, it.Kind)) {
				n++
				require.Contains(t, m.Data, fmt.Sprintf("sestd trigger outbox_retry --arg id=%d", it.ID))
			}
		}
		require.Equal(t, 1, n, "item %d is in exactly one mail", it.ID)
	}
	mailsBefore := len(b.smtp.Messages())
	require.Equal(t, 1, b.smtp.Refused(), "the refused delivery was retried")
	require.Equal(t, 1.0, metricValue(t, b.metrics, "sestd_mails_total", "failed"))
	require.Equal(t, float64(mailsBefore), metricValue(t, b.metrics, "sestd_mails_total", "sent"))
	require.Equal(t, 4.0, metricValue(t, b.metrics, "sestd_outbox_items", "failed"))
	require.Equal(t, float64(2+len(zl)), metricValue(t, b.metrics, "sestd_outbox_items", "rejected"))
	require.Equal(t, float64(1000-len(zl)+1+18), metricValue(t, b.metrics, "sestd_outbox_items", "accepted"))

	// Changes: 100 applications become gueltig; 10 of them were changed at
	// the Servicestelle meanwhile (stale version); 10 more were given an
	// admission offer there, which the university may not change (a
	// forbidden transition).
	b.sim.ResetReceived()
	b.sim.Clock().Advance(time.Minute)
	changed := apps[100:200]
	forbidden := apps[300:310]
	for _, a := range forbidden {
		_, err := b.sim.SetBearbeitungsstatus(a.key(), "Zulassungsangebot_liegt_vor")
		require.NoError(t, err)
	}
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.DeltaArgs{Stream: store.StreamBewerbungen}).Kind)
	for _, a := range changed[:10] { // after the poll: the mirror's version is stale
		_, err := b.sim.ChangeBewerbung(a.key(), func(x *sestmodel.Bewerbung) { x.Einfach.Statusanmerkung = "geändert an der Servicestelle" })
		require.NoError(t, err)
	}
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeUpdate, applicationsCSV(append(slices.Clone(changed), forbidden...), "ausgeschlossen"))
	// The answer to the first package of changes is lost: the changes that
	// arrived are recognised, the stale ones are sent again.
	require.NoError(t, b.sim.SetFault(sestmodel.OpUebermittelnGeaenderteBew, sim.Fault{TruncateRate: 1, Times: 1}))
	b.outboundUntilQuiet(t, 10)

	require.Empty(t, b.sim.Received(sestmodel.OpUebermittelnNeueBewerbungen), "changes are not sent as new")
	got = applied(b.sim, sestmodel.OpUebermittelnGeaenderteBew)
	items = b.items(t, store.OutboxKindBewerbung)
	for i, a := range changed {
		want := 1
		if i < 10 {
			want = 3 // lost answer, the stale version again, then the change re-applied to the current one
		}
		require.Equal(t, want, got[a.key()], "change of %s sent", a.hsID)
		require.Equal(t, store.OutboxAccepted, items[a.hsID].State, items[a.hsID].Reason)
		cur, err := b.sim.Bewerbung(a.key())
		require.NoError(t, err)
		require.Equal(t, "ausgeschlossen", cur.Bearbeitungsstatus())
		if i < 10 {
			require.Equal(t, "geändert an der Servicestelle", cur.Einfach.Statusanmerkung)
			require.Equal(t, 3, cur.Version())
			logs, err := b.store.UploadLogList(ctx, store.OutboxKindBewerbung, a.hsID, 10)
			require.NoError(t, err)
			require.True(t, slices.ContainsFunc(logs, func(l store.UploadLogEntry) bool { return l.Code == sestmodel.CodeVersionConflict }),
				"the refusal of the stale version is in the upload log")
		}
	}
	for _, a := range forbidden {
		require.Zero(t, got[a.key()], "forbidden transition of %s not sent", a.hsID)
		require.Equal(t, store.OutboxRejected, items[a.hsID].State)
		require.Contains(t, items[a.hsID].Reason, "uni_out is false")
	}
	require.Eventually(t, func() bool { return len(b.smtp.Messages()) == mailsBefore+1 }, 20*time.Second, 100*time.Millisecond,
		"the forbidden transitions are mailed once")
	require.Equal(t, 10, strings.Count(b.smtp.Messages()[mailsBefore].Data, "retry:"))

	// Operators: retry one failed item, discard another.
	failed, err := b.store.OutboxList(ctx, store.OutboxFailed, 10)
	require.NoError(t, err)
	require.Len(t, failed, len(hidden))
	require.NoError(t, b.store.OutboxDiscard(ctx, failed[0].ID))
	require.ErrorIs(t, b.store.OutboxDiscard(ctx, failed[0].ID), store.ErrOutboxState)
	require.ErrorIs(t, b.store.OutboxRetry(ctx, 999999), store.ErrNotFound)
	// The university publishes the offer the item was refused for, then
	// the operator retries it: it is sent again and accepted.
	retried := failed[1]
	var hiddenOffer sestmodel.Studienangebot
	for _, a := range b.sim.Studienangebote() {
		if a.Key() == "82-999" {
			hiddenOffer = a
		}
	}
	require.NotNil(t, hiddenOffer.Einfach)
	hiddenOffer.Einfach.Status = "oeffentlich_sichtbar"
	res, err := b.rig.deps.Sest.StudienangeboteAnlegenAendern(ctx, []sestmodel.Studienangebot{hiddenOffer})
	require.NoError(t, err)
	require.Equal(t, sestmodel.ErgebnisAktualisiert, res[0].ErgebnisStatus)
	retriedKey := hidden[slices.IndexFunc(hidden, func(a application) bool { return a.hsID == retried.ItemKey })].key()
	sendsBefore := applied(b.sim, sestmodel.OpUebermittelnNeueBewerbungen)[retriedKey]
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboxRetryArgs{ID: retried.ID}).Kind)
	b.outboundUntilQuiet(t, 5)
	it, err := b.store.OutboxGet(ctx, retried.ID)
	require.NoError(t, err)
	require.Equal(t, store.OutboxAccepted, it.State, "the retried item is sent and accepted: %s", it.Reason)
	require.Equal(t, sendsBefore+1, applied(b.sim, sestmodel.OpUebermittelnNeueBewerbungen)[retriedKey], "the retry led to exactly one send")

	// Back to the university: what the mirror learns after this point is
	// exported exactly once, in files and in the uni views.
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.DeltaArgs{Stream: store.StreamBewerbungen}).Kind)
	b.outboundUntilQuiet(t, 5)
	b.sim.Clock().Advance(time.Minute)
	var wantBewerbungen, wantStatus []string
	for i, a := range apps[500:507] {
		if i < 2 {
			_, err := b.sim.SetBearbeitungsstatus(a.key(), "gueltig")
			require.NoError(t, err)
			wantStatus = append(wantStatus, a.key())
		} else {
			_, err := b.sim.ChangeBewerbung(a.key(), func(x *sestmodel.Bewerbung) { x.Einfach.Statusanmerkung = "Nachweis fehlt" })
			require.NoError(t, err)
		}
		wantBewerbungen = append(wantBewerbungen, a.key())
	}
	bewerber := b.sim.AllBewerber()[:3]
	wantBewerber := []string{gone} // marked for deletion earlier: the Bewerber stream brings it now
	for _, bw := range bewerber {
		require.NoError(t, b.sim.ChangeBewerber(bw.ID, func(x *sestmodel.Bewerber) { x.Nachname = "Größer-Müller" }))
		wantBewerber = append(wantBewerber, bw.ID)
	}
	for _, s := range []store.Stream{store.StreamBewerbungen, store.StreamBewerber} {
		require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.DeltaArgs{Stream: s}).Kind)
	}
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboundArgs{}).Kind)
	run, err := b.store.ExportRunLatest(ctx)
	require.NoError(t, err)
	sort.Strings(wantBewerbungen)
	sort.Strings(wantStatus)
	sort.Strings(wantBewerber)
	require.Equal(t, wantBewerbungen, b.exportKeys(t, run, "bewerbungen", "bewerbung_key"))
	require.Equal(t, wantBewerbungen, b.viewKeys(t, "bewerbungen", "bewerbung_key"))
	require.Equal(t, wantStatus, b.exportKeys(t, run, "statusaenderungen", "bewerbung_key"))
	require.Equal(t, wantStatus, b.viewKeys(t, "statusaenderungen", "bewerbung_key"))
	require.Equal(t, wantBewerber, b.exportKeys(t, run, "bewerber", "bewerber_id"))
	require.Equal(t, wantBewerber, b.viewKeys(t, "bewerber", "bewerber_id"))
	require.Empty(t, b.exportKeys(t, run, "outbox_ergebnisse", "id"), "nothing was sent in this run")
	raw, err := os.ReadFile(filepath.Join(b.cfg.Export.Dir, fileOf(t, run, "bewerber")))
	require.NoError(t, err)
	require.Contains(t, string(raw), "Gr\xf6\xdfer-M\xfcller", "windows-1252")
	fi, err := os.Stat(filepath.Join(b.cfg.Export.Dir, fileOf(t, run, "bewerber")))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// The daily digest lists what is still failing.
	before := len(b.smtp.Messages())
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboxMailArgs{Digest: true}).Kind)
	msgs := b.smtp.Messages()
	require.Len(t, msgs, before+1)
	require.Contains(t, msgs[before].Data, "still failing")
}

// metricValue reads the value of a one-label gauge or counter family from
// the registry.
func metricValue(t *testing.T, m *metrics.Metrics, name, label string) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, mm := range mf.GetMetric() {
			for _, l := range mm.GetLabel() {
				if l.GetValue() == label {
					return mm.GetGauge().GetValue() + mm.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{%q}", name, label)
	return 0
}

func mapValues(m map[string]store.OutboxItem) []store.OutboxItem {
	out := make([]store.OutboxItem, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func fileOf(t *testing.T, run store.ExportRun, kind string) string {
	t.Helper()
	for _, f := range run.Files {
		if strings.HasPrefix(f, kind+"_") {
			return f
		}
	}
	return ""
}

// exportKeys reads the column of the run's CSV file of kind (none: no
// rows), sorted.
func (b *obundle) exportKeys(t *testing.T, run store.ExportRun, kind, col string) []string {
	t.Helper()
	name := fileOf(t, run, kind)
	if name == "" {
		return nil
	}
	raw, err := os.ReadFile(filepath.Join(b.cfg.Export.Dir, name))
	require.NoError(t, err)
	dec, err := io.ReadAll(charmap.Windows1252.NewDecoder().Reader(bytes.NewReader(raw)))
	require.NoError(t, err)
	r := csv.NewReader(bytes.NewReader(dec))
	r.Comma = ';'
	recs, err := r.ReadAll()
	require.NoError(t, err)
	i := slices.Index(recs[0], col)
	require.GreaterOrEqual(t, i, 0)
	var out []string
	for _, rec := range recs[1:] {
		out = append(out, rec[i])
	}
	sort.Strings(out)
	return out
}

func (b *obundle) viewKeys(t *testing.T, view, col string) []string {
	t.Helper()
	rows, err := b.pool.Query(context.Background(), fmt.Sprintf(`SELECT %s::text FROM uni.%s ORDER BY 1`, col, view))
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	if len(out) == 0 {
		return nil
	}
	return out
}

// TestOutboundCrashBetweenSendAndRecord stops the process (River, hard)
// after the Servicestelle applied a package of new Bewerbungen but before
// sestd recorded the results; the restarted sync looks the outcome up and
// sends nothing twice.
func TestOutboundCrashBetweenSendAndRecord(t *testing.T) {
	t.Parallel()
	var crashOnce atomic.Bool
	crashed := make(chan struct{})
	b := setupOutbound(t, ooptions{sim: sim.Config{Seed: 5, Bewerber: 40, Bewerbungen: 20},
		wrap: func(s *sim.Sim, h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.Header.Get("SOAPAction"), sestmodel.OpUebermittelnNeueBewerbungen) && crashOnce.CompareAndSwap(false, true) {
					h.ServeHTTP(httptest.NewRecorder(), r) // the Servicestelle applies it ...
					close(crashed)                         // ... and sestd dies before it hears back
					<-r.Context().Done()
					return
				}
				h.ServeHTTP(w, r)
			})
		}})
	b.mirror(t)
	apps := newApplications(t, b.sim, 150, "C")
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeCreate, applicationsCSV(apps, "eingegangen"))

	_, err := b.client.Insert(context.Background(), jobs.OutboundArgs{}, nil)
	require.NoError(t, err)
	select {
	case <-crashed:
	case <-time.After(time.Minute):
		t.Fatal("no send")
	}
	b.cancel() // kill: the job's context ends mid-call
	counts, err := b.store.OutboxCountsByState(context.Background())
	require.NoError(t, err)
	require.Positive(t, counts[string(store.OutboxSent)], "a package is left with an unknown outcome")

	// What River's rescuer would do after a real crash: the killed job
	// does not block a new run.
	_, err = b.pool.Exec(context.Background(), `DELETE FROM river_job WHERE kind = 'outbound_sync'`)
	require.NoError(t, err)
	b.start(t) // restart
	b.outboundUntilQuiet(t, 5)
	got := applied(b.sim, sestmodel.OpUebermittelnNeueBewerbungen)
	items := b.items(t, store.OutboxKindBewerbung)
	for _, a := range apps {
		require.Equal(t, 1, got[a.key()], "%s reached the simulator exactly once", a.hsID)
		require.Equal(t, store.OutboxAccepted, items[a.hsID].State, items[a.hsID].Reason)
	}
	recovered, err := b.store.UploadLogList(context.Background(), store.OutboxKindBewerbung, apps[0].hsID, 10)
	require.NoError(t, err)
	require.Equal(t, sestmodel.OpAbrufenBewerbungen, recovered[len(recovered)-1].Operation, "the outcome was looked up")
}

// TestOutboundSendsTeilfachRemoval removes one Teilfach of mehrfach
// Bewerbungen already sent and accepted (the uni_bewerbungen import in
// mode remove): the next outbound run sends each Bewerbung again as a
// change carrying only the Teilfächer that remain.
func TestOutboundSendsTeilfachRemoval(t *testing.T) {
	t.Parallel()
	b := setupOutbound(t, ooptions{sim: sim.Config{Seed: 7, Bewerber: 40, Bewerbungen: 20}})
	b.mirror(t)
	var bids, bans []string
	for _, bw := range b.sim.AllBewerber() {
		if slices.ContainsFunc(b.sim.Bewerbungen(), func(x sestmodel.Bewerbung) bool { return x.Mehrfach != nil && x.BewerberID() == bw.ID }) {
			continue
		}
		_, ban, err := b.sim.Bewerber(bw.ID)
		require.NoError(t, err)
		bids, bans = append(bids, bw.ID), append(bans, ban)
		if len(bids) == 2 {
			break
		}
	}
	require.Len(t, bids, 2)
	// M-3 has three Teilfächer, M-2 two (the fewest a Mehrfachstudien-
	// angebotsbewerbung may have).
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeCreate, fmt.Sprintf(
		"HS_BEWERBUNG_ID;TYP;BEWERBER_ID;BAN;STUDIENGANG_SCHLUESSEL;ABSCHLUSS_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS;HAUPTFACH\n"+
			"M-3;mehrfach;%s;%s;;25;2026-07-01T10:00:00+02:00;eingegangen;\n"+
			"M-3;teilfach;;;25-007;;;;25-007\n"+
			"M-3;teilfach;;;25-059;;;;\n"+
			"M-3;teilfach;;;25-084;;;;\n"+
			"M-2;mehrfach;%s;%s;;25;2026-07-01T10:00:00+02:00;eingegangen;\n"+
			"M-2;teilfach;;;25-021;;;;25-021\n"+
			"M-2;teilfach;;;25-128;;;;\n", bids[0], bans[0], bids[1], bans[1]))
	b.outboundUntilQuiet(t, 5)
	k3, k2 := bids[0]+"/25/25-007", bids[1]+"/25/25-021"
	teilfaecher := func(x sestmodel.Bewerbung) []string {
		var out []string
		for _, tf := range x.Mehrfach.Teilfachbewerbung {
			out = append(out, tf.Studienangebot.StudiengangSchluessel)
		}
		sort.Strings(out)
		return out
	}
	for key, want := range map[string][]string{k3: {"25-007", "25-059", "25-084"}, k2: {"25-021", "25-128"}} {
		got, err := b.sim.Bewerbung(key)
		require.NoError(t, err)
		require.Equal(t, want, teilfaecher(got))
		require.Equal(t, 1, got.Version())
	}
	items := b.items(t, store.OutboxKindBewerbung)
	require.Equal(t, store.OutboxAccepted, items["M-3"].State, items["M-3"].Reason)
	require.Equal(t, store.OutboxAccepted, items["M-2"].State, items["M-2"].Reason)

	b.sim.ResetReceived()
	sum := b.importCSV(t, importers.KindUniBewerbungen, importers.ModeRemove,
		"HS_BEWERBUNG_ID;TYP;STUDIENGANG_SCHLUESSEL\nM-3;teilfach;25-084\nM-2;teilfach;25-128\n")
	require.EqualValues(t, 2, sum.Removed)
	// Three runs, a day apart: one attempt per run.
	for range 3 {
		require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboundArgs{}).Kind)
		b.passTime(t, 24*time.Hour, store.OutboxPending, store.OutboxFailed)
	}

	require.Empty(t, b.sim.Received(sestmodel.OpUebermittelnNeueBewerbungen), "a removal is a change, not a new Bewerbung")
	sent := map[string][][]string{}
	for _, c := range b.sim.Received(sestmodel.OpUebermittelnGeaenderteBew) {
		for _, x := range c.Request.(*wire.BewerbungenRequest).Bewerbung {
			sent[x.Key()] = append(sent[x.Key()], teilfaecher(x))
		}
	}
	items = b.items(t, store.OutboxKindBewerbung)
	// M-3 keeps two Teilfächer: the change is sent once, on the version
	// accepted before, and accepted. (What the simulator then holds says
	// nothing about sestd: a change there takes only the fields a
	// university may change, and its Teilfächer stay as they were.)
	require.Equal(t, [][]string{{"25-007", "25-059"}}, sent[k3])
	require.Equal(t, store.OutboxAccepted, items["M-3"].State, items["M-3"].Reason)
	require.Equal(t, 2, items["M-3"].ResultVersion)
	got, err := b.sim.Bewerbung(k3)
	require.NoError(t, err)
	require.Equal(t, 2, got.Version(), "the Servicestelle applied the change")
	// M-2 would keep one Teilfach, which the Servicestelle refuses: sent
	// once per run, failed for the admins after the third attempt.
	require.Equal(t, [][]string{{"25-021"}, {"25-021"}, {"25-021"}}, sent[k2])
	require.Equal(t, store.OutboxFailed, items["M-2"].State)
	require.Equal(t, 3, items["M-2"].Attempts)
	require.Contains(t, items["M-2"].Reason, "zwei Teilfachbewerbungen")
	got, err = b.sim.Bewerbung(k2)
	require.NoError(t, err)
	require.Equal(t, 1, got.Version(), "unchanged at the Servicestelle")
}
