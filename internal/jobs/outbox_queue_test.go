package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/importers"
	"sestd/internal/jobs"
	"sestd/internal/mail/mailtest"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// mailsAbout counts the admins' mails (digests included) naming item id.
func (b *obundle) mailsAbout(id int64, kind string) int {
	n := 0
	for _, m := range b.smtp.Messages() {
		if strings.Contains(m.Data, fmt.Sprintf("#%d %s", id, kind)) {
			n++
		}
	}
	return n
}

// awaitNewest waits for the newest job of kind to finish (one a worker
// inserted).
func (b *obundle) awaitNewest(t *testing.T, kind string) *river.Event {
	t.Helper()
	var id int64
	require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT id FROM river_job WHERE kind = $1 ORDER BY id DESC LIMIT 1`, kind).Scan(&id))
	return b.rig.awaitID(t, id, true)
}

// TestRefusedItemsStayQueued follows applications the Servicestelle
// refuses (an offer that is not public): each stays queued and is tried
// again after the backoff, doubled per attempt and capped at
// outbox.max_backoff; past outbox.max_attempts it is failed, mailed once
// and in the digest; it leaves the queue when accepted after a newer
// delivery of the application, or discarded by an operator; outbox_retry
// makes a failed item pending and sends it at once.
func TestRefusedItemsStayQueued(t *testing.T) {
	t.Parallel()
	b := setupOutbound(t, ooptions{sim: sim.Config{Seed: 23, Bewerber: 30, Bewerbungen: 10}})
	b.cfg.Outbox = config.Outbox{MaxAttempts: 2, Backoff: time.Hour, MaxBackoff: 3 * time.Hour, Digest: "off"}
	require.NoError(t, b.cfg.Validate())
	b.cancel()
	b.start(t)
	ctx := context.Background()
	b.mirror(t)
	var apps []application
	seen := map[string]bool{}
	for _, a := range newApplications(t, b.sim, 200, "Q") {
		if !seen[a.bewerber] && len(apps) < 3 {
			seen[a.bewerber] = true
			a.hsID = fmt.Sprintf("Q-%d", len(apps)+1)
			a.studiengang = "82-999" // in preparation: the Servicestelle refuses every send
			apps = append(apps, a)
		}
	}
	require.Len(t, apps, 3)
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeCreate, applicationsCSV(apps, "eingegangen"))
	op := sestmodel.OpUebermittelnNeueBewerbungen
	sends := func(a application) int { return applied(b.sim, op)[a.key()] }
	item := func(a application) store.OutboxItem { return b.items(t, store.OutboxKindBewerbung)[a.hsID] }
	// within says the item's next attempt is d from now (a minute's slack
	// for the time the test takes).
	within := func(a application, d time.Duration) {
		t.Helper()
		next := time.Until(item(a).NextAttemptAt)
		require.InDelta(t, d.Seconds(), next.Seconds(), 60, "next attempt of %s in %s, want %s", a.hsID, next, d)
	}
	outbound := func() {
		t.Helper()
		require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboundArgs{}).Kind)
	}

	outbound()
	for _, a := range apps {
		require.Equal(t, 1, sends(a))
		it := item(a)
		require.Equal(t, store.OutboxPending, it.State, "refused once: queued for a retry")
		require.Contains(t, it.Reason, "82-999", "the Servicestelle's reason")
		within(a, time.Hour)
	}
	outbound()
	require.Equal(t, 1, sends(apps[0]), "not before its backoff")

	b.passTime(t, time.Hour, store.OutboxPending)
	outbound()
	for _, a := range apps {
		require.Equal(t, 2, sends(a))
		require.Equal(t, store.OutboxFailed, item(a).State, "outbox.max_attempts reached")
		within(a, 2*time.Hour) // doubled
	}
	require.Eventually(t, func() bool { return b.mailsAbout(item(apps[0]).ID, store.OutboxKindBewerbung) == 1 }, 20*time.Second, 50*time.Millisecond,
		"the admins are mailed when it passes outbox.max_attempts")
	first := b.smtp.Messages()[0].Data
	require.Contains(t, first, "Failed items stay queued and are tried again", "the mail says what happens next")
	require.Contains(t, first, "next attempt "+item(apps[0]).NextAttemptAt.UTC().Format("2006-01-02 15:04 UTC"))

	// Failed, it is still retried, the wait capped at three hours.
	b.passTime(t, 2*time.Hour, store.OutboxFailed)
	outbound()
	for _, a := range apps {
		require.Equal(t, 3, sends(a))
		require.Equal(t, store.OutboxFailed, item(a).State)
		within(a, 3*time.Hour) // 4h, capped
	}
	b.passTime(t, 3*time.Hour, store.OutboxFailed)
	outbound()
	for _, a := range apps {
		require.Equal(t, 4, sends(a))
		within(a, 3*time.Hour)
	}

	// Mailed once, however often it fails again; in the digest while it
	// fails.
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboxMailArgs{Digest: true}).Kind)
	require.Eventually(t, func() bool { return b.mailsAbout(item(apps[0]).ID, store.OutboxKindBewerbung) == 2 }, 20*time.Second, 50*time.Millisecond)
	msgs := b.smtp.Messages()
	require.Contains(t, msgs[len(msgs)-1].Data, "still failing")
	require.Equal(t, 1, strings.Count(strings.Join(mailData(msgs[:len(msgs)-1]), ""), fmt.Sprintf("#%d bewerbung", item(apps[0]).ID)))

	// apps[0]: the university delivers the application anew, for a public
	// offer: the newer delivery supersedes the refused one and is accepted.
	fixed := newApplications(t, b.sim, 1, "unused")[0]
	fixed.hsID = apps[0].hsID
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeUpdate, applicationsCSV([]application{fixed}, "eingegangen"))
	// apps[1]: an operator discards it.
	require.NoError(t, b.store.OutboxDiscard(ctx, item(apps[1]).ID))
	b.passTime(t, 3*time.Hour, store.OutboxFailed, store.OutboxDiscarded)
	outbound()
	it := item(apps[0])
	require.Equal(t, store.OutboxAccepted, it.State, it.Reason)
	require.Equal(t, 1, it.Attempts, "attempts begin anew with a new delivery")
	require.Equal(t, 1, applied(b.sim, op)[fixed.key()])
	require.Equal(t, 4, sends(apps[0]), "the superseded one is not sent again")
	require.Equal(t, store.OutboxDiscarded, item(apps[1]).State)
	require.Equal(t, 4, sends(apps[1]), "a discarded item is not sent")
	require.Equal(t, 5, sends(apps[2]), "the other one is still retried")

	// outbox_retry: apps[2] waits three hours; an operator retries it now.
	require.Equal(t, store.OutboxFailed, item(apps[2]).State)
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboxRetryArgs{ID: item(apps[2]).ID}).Kind)
	require.Equal(t, river.EventKindJobCompleted, b.awaitNewest(t, "outbound_sync").Kind, "the retry starts an outbound run")
	require.Equal(t, 6, sends(apps[2]), "sent at once")
	it = item(apps[2])
	require.Equal(t, store.OutboxPending, it.State, "attempts begin anew: one refusal is not yet failed")
	require.Equal(t, 1, it.Attempts)
	// and the whole failed list at once.
	b.passTime(t, time.Hour, store.OutboxPending)
	outbound()
	require.Equal(t, store.OutboxFailed, item(apps[2]).State)
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboxRetryArgs{All: true}).Kind)
	require.Equal(t, river.EventKindJobCompleted, b.awaitNewest(t, "outbound_sync").Kind)
	require.Equal(t, 8, sends(apps[2]))
	require.Equal(t, 4, sends(apps[1]), "retry-all takes failed items, not discarded ones")
}

func mailData(msgs []mailtest.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Data
	}
	return out
}

// TestAbschlussFilterLimitsWhatIsSent configures Sestco's
// SECO_ABSCHLUSS_SCHLUESSEL as outbox.abschluss_filter: applications for
// the Abschluss 84 are sent; those for 82 are discarded with the reason,
// and the simulator receives nothing for them.
func TestAbschlussFilterLimitsWhatIsSent(t *testing.T) {
	t.Parallel()
	b := setupOutbound(t, ooptions{sim: sim.Config{Seed: 29, Bewerber: 30, Bewerbungen: 10}})
	path := filepath.Join(t.TempDir(), "sestd.yaml")
	require.NoError(t, os.WriteFile(path, []byte("outbox:\n  abschluss_filter: [\"84\"]\n"), 0o600))
	fromFile, err := config.Load(path, func(string) string { return "" })
	require.NoError(t, err)
	b.cfg.Outbox.AbschlussFilter = fromFile.Outbox.AbschlussFilter
	b.cancel()
	b.start(t)
	b.mirror(t)

	var in, out []application
	for _, a := range newApplications(t, b.sim, 40, "F") {
		switch {
		case strings.HasPrefix(a.studiengang, "84-") && len(in) < 3:
			in = append(in, a)
		case strings.HasPrefix(a.studiengang, "82-") && len(out) < 3:
			out = append(out, a)
		}
	}
	require.Len(t, in, 3)
	require.Len(t, out, 3)
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeCreate, applicationsCSV(append(in, out...), "eingegangen"))
	ev := b.run(t, jobs.OutboundArgs{})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind)

	sent := applied(b.sim, sestmodel.OpUebermittelnNeueBewerbungen)
	items := b.items(t, store.OutboxKindBewerbung)
	for _, a := range in {
		require.Equal(t, 1, sent[a.key()])
		require.Equal(t, store.OutboxAccepted, items[a.hsID].State, items[a.hsID].Reason)
	}
	for _, a := range out {
		require.Zero(t, sent[a.key()], "%s: nothing received", a.hsID)
		_, err := b.sim.Bewerbung(a.key())
		require.ErrorIs(t, err, sim.ErrNotFound)
		it := items[a.hsID]
		require.Equal(t, store.OutboxDiscarded, it.State)
		require.Equal(t, "not sent: Abschluss 82 is not in outbox.abschluss_filter (84): updates at the Servicestelle are limited to those Abschlüsse", it.Reason)
		require.Zero(t, it.Attempts, "never sent")
	}
	var res jobs.OutboundResult
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &res))
	require.Equal(t, 3, res.Sent)
	require.Equal(t, 3, res.Accepted)
	require.Equal(t, 3, res.DiscardedCount)
	require.Len(t, res.Discarded, 3)

	// Discarded stays discarded: later runs send nothing for them.
	b.sim.ResetReceived()
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboundArgs{}).Kind)
	require.Empty(t, b.sim.Received(sestmodel.OpUebermittelnNeueBewerbungen))
	require.Empty(t, b.sim.Received(sestmodel.OpUebermittelnGeaenderteBew))
}

// TestStatusTableHoldsBackATeilfach: the Servicestelle gives one
// Teilfach of a Mehrfachstudienangebotsbewerbung an admission offer,
// which the university may not change (uni_out false in the status
// table); the university's delivery that excludes it is not sent, with a
// reason that names the Teilfach and the rule, and the simulator receives
// nothing for it.
func TestStatusTableHoldsBackATeilfach(t *testing.T) {
	t.Parallel()
	b := setupOutbound(t, ooptions{sim: sim.Config{Seed: 37, Bewerber: 60, Bewerbungen: 60}})
	var mb sestmodel.Bewerbung
	for _, x := range b.sim.Bewerbungen() {
		if x.Mehrfach == nil || len(x.Mehrfach.Teilfachbewerbung) < 2 {
			continue
		}
		ok := slices.Contains([]string{"eingegangen", "gueltig"}, x.Mehrfach.Bearbeitungsstatus)
		for _, tf := range x.Mehrfach.Teilfachbewerbung {
			ok = ok && slices.Contains([]string{"eingegangen", "gueltig"}, tf.Bearbeitungsstatus)
		}
		if ok {
			mb = x
			break
		}
	}
	require.NotNil(t, mb.Mehrfach, "the simulator has a Mehrfachstudienangebotsbewerbung in progress")
	key := mb.Key()
	offered := mb.Mehrfach.Teilfachbewerbung[1].Studienangebot.StudiengangSchluessel
	_, err := b.sim.ChangeBewerbung(key, func(x *sestmodel.Bewerbung) {
		x.Mehrfach.Teilfachbewerbung[1].Bearbeitungsstatus = "Zulassungsangebot_liegt_vor"
	})
	require.NoError(t, err)
	b.mirror(t)

	_, ban, err := b.sim.Bewerber(mb.BewerberID())
	require.NoError(t, err)
	var csv strings.Builder
	csv.WriteString("HS_BEWERBUNG_ID;TYP;BEWERBER_ID;BAN;STUDIENGANG_SCHLUESSEL;ABSCHLUSS_SCHLUESSEL;EINGANGSZEITPUNKT;BEARBEITUNGSSTATUS;HAUPTFACH\n")
	fmt.Fprintf(&csv, "M-9;mehrfach;%s;%s;;25;2026-07-01T10:00:00+02:00;%s;\n", mb.BewerberID(), ban, mb.Mehrfach.Bearbeitungsstatus)
	for _, tf := range mb.Mehrfach.Teilfachbewerbung {
		sg, status, h := tf.Studienangebot.StudiengangSchluessel, tf.Bearbeitungsstatus, ""
		if sg == offered {
			status = "ausgeschlossen"
		}
		if tf.HauptfachSchluessel != nil {
			h = tf.HauptfachSchluessel.StudiengangSchluessel
		}
		fmt.Fprintf(&csv, "M-9;teilfach;;;%s;;;%s;%s\n", sg, status, h)
	}
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeCreate, csv.String())
	b.sim.ResetReceived()
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboundArgs{}).Kind)

	it := b.items(t, store.OutboxKindBewerbung)["M-9"]
	require.Equal(t, key, it.SestKey)
	require.Equal(t, store.OutboxRejected, it.State)
	require.Equal(t, "not sent: Teilfach "+offered+": the university may not change a Bewerbung out of Bearbeitungsstatus "+
		"Zulassungsangebot_liegt_vor (uni_out is false) into ausgeschlossen", it.Reason)
	require.Zero(t, applied(b.sim, sestmodel.OpUebermittelnGeaenderteBew)[key])
	require.Zero(t, applied(b.sim, sestmodel.OpUebermittelnNeueBewerbungen)[key])
	cur, err := b.sim.Bewerbung(key)
	require.NoError(t, err)
	require.Equal(t, "Zulassungsangebot_liegt_vor", cur.Mehrfach.Teilfachbewerbung[1].Bearbeitungsstatus)
}
