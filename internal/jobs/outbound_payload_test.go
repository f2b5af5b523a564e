package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// TestUndecodablePayloadIsRejectedVisibly puts outbox items whose
// payloads do not decode beside good ones: each bad item is rejected
// (not sent, not left queued) with a reason naming the item, its kind
// and the decode error, listed by state and mailed to the admins; the
// good items of the same run are sent and accepted.
func TestUndecodablePayloadIsRejectedVisibly(t *testing.T) {
	t.Parallel()
	b := setupOutbound(t, ooptions{sim: sim.Config{Seed: 31, Bewerber: 20, Bewerbungen: 5}})
	ctx := context.Background()
	b.mirror(t)
	apps := newApplications(t, b.sim, 3, "G")
	b.importCSV(t, importers.KindUniBewerbungen, importers.ModeCreate, applicationsCSV(apps, "eingegangen"))
	b.importCSV(t, importers.KindUniBewerberAuth, importers.ModeCreate,
		fmt.Sprintf("BEWERBER_ID;BAN\n%s;%s\n", apps[0].bewerber, apps[0].ban))

	bid := apps[1].bewerber
	bad := []struct {
		kind, key, state, payload string
		// want is the decode error as encoding/json words it, or ours.
		want string
	}{
		{store.OutboxKindBewerbung, "BAD-TYPE", "pending", `{"Einfach": 5}`,
			"json: cannot unmarshal number into Go struct field"},
		{store.OutboxKindBewerbung, "BAD-NEITHER", "pending", `{}`,
			"it is not exactly one of an Einfach- and a Mehrfachstudienangebotsbewerbung"},
		{store.OutboxKindBewerbung, "BAD-KEY", "pending", `{"Einfach": {"Bearbeitungsstatus": "eingegangen", "bewerbungsstatus_alt": "x"}}`,
			`json: unknown field "bewerbungsstatus_alt"`},
		// Left in state sent by an interrupted run: the lookup of its
		// outcome needs the payload too.
		{store.OutboxKindBewerbung, "BAD-SENT", "sent", `"eine Bewerbung"`,
			"json: cannot unmarshal string into Go value"},
		{store.OutboxKindBewerberAuth, "BAD-AUTH", "pending", `[1, 2]`,
			"json: cannot unmarshal array into Go value"},
		{store.OutboxKindBewerberAuth, "BAD-NOBAN", "pending", `{}`,
			"it holds no BAN"},
	}
	ids := map[string]int64{}
	for _, x := range bad {
		var id int64
		require.NoError(t, b.pool.QueryRow(ctx, `INSERT INTO outbox_item (kind, item_key, bewerber_id, sest_key, payload, source_updated_at, state, operation, attempts)
			VALUES ($1, $2, $3, $4, $5::jsonb, now(), $6, CASE WHEN $6 = 'sent' THEN 'uebermittelnNeueBewerbungenAnSeSt' ELSE '' END,
			        CASE WHEN $6 = 'sent' THEN 1 ELSE 0 END)
			RETURNING id`, x.kind, x.key, bid, bid+"/"+x.key, x.payload, x.state).Scan(&id))
		ids[x.key] = id
	}

	b.sim.ResetReceived()
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboundArgs{}).Kind)

	for _, x := range bad {
		it, err := b.store.OutboxGet(ctx, ids[x.key])
		require.NoError(t, err)
		require.Equal(t, store.OutboxRejected, it.State, "%s: %s", x.key, it.Reason)
		require.Contains(t, it.Reason, fmt.Sprintf("outbox item %d (%s %s)", it.ID, x.kind, x.key))
		require.Contains(t, it.Reason, "does not decode")
		require.Contains(t, it.Reason, x.want)
	}
	rejected, err := b.store.OutboxList(ctx, store.OutboxRejected, 100)
	require.NoError(t, err)
	require.Len(t, rejected, len(bad), "the operators' list of rejected items shows them")
	require.Eventually(t, func() bool {
		for _, x := range bad {
			if b.mailsAbout(ids[x.key], x.kind) != 1 {
				return false
			}
		}
		return true
	}, 20*time.Second, 100*time.Millisecond, "each is mailed to the admins once")
	for _, m := range b.smtp.Messages() {
		if strings.Contains(m.Data, fmt.Sprintf("#%d bewerbung BAD-TYPE", ids["BAD-TYPE"])) {
			require.Contains(t, m.Data, "json: cannot unmarshal number")
		}
	}

	// The good items of the run went out, each once; nothing of the bad
	// ones reached the simulator.
	sent := b.sim.SentBewerbungen("")
	for _, a := range apps {
		require.Equal(t, 1, sent[a.key()], a.hsID)
	}
	require.Len(t, sent, len(apps))
	items := b.items(t, store.OutboxKindBewerbung)
	for _, a := range apps {
		require.Equal(t, store.OutboxAccepted, items[a.hsID].State, items[a.hsID].Reason)
	}
	auths := b.sim.Received(sestmodel.OpAbrufenStammdaten)
	require.Len(t, auths, 1, "only the good authorisation is verified")
	require.Equal(t, store.OutboxAccepted, b.items(t, store.OutboxKindBewerberAuth)[apps[0].bewerber].State)
	lookups := b.sim.Received(sestmodel.OpAbrufenBewerbungen)
	require.Empty(t, lookups, "the bad sent item is not looked up")

	// A second run leaves them alone: rejected items wait for an
	// operator or a new delivery.
	require.Equal(t, river.EventKindJobCompleted, b.run(t, jobs.OutboundArgs{}).Kind)
	for _, x := range bad {
		it, err := b.store.OutboxGet(ctx, ids[x.key])
		require.NoError(t, err)
		require.Equal(t, store.OutboxRejected, it.State)
	}
	require.Len(t, b.sim.Received(sestmodel.OpAbrufenStammdaten), 1)
}
