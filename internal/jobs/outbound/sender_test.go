package outbound_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/jobs/outbound"
	"sestd/internal/sest"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestSenderRunsWithoutRiver runs the outbound sync as the package
// offers it, with no job queue: staged applications go to the simulator
// over HTTP, a forbidden one is rejected, and the rejected item is handed
// to EnqueueMail once, inside the transaction that marks it mailed; a
// failing EnqueueMail leaves it unmarked for the next run.
func TestSenderRunsWithoutRiver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := sim.New(sim.Config{Seed: 5, Bewerber: 10, Bewerbungen: 1, Hochschulnummer: "4411", Username: "hs4411", Password: "pw"})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	client, err := sest.New(sest.Config{BaseURL: srv.URL + "/hochschule/webservice/3", Username: "hs4411", Password: "pw",
		Hochschulnummer: "4411", Jahr: 2026, Semester: "WS", Timeout: 10 * time.Second}, zap.NewNop(), sest.NewMetrics(prometheus.NewRegistry()))
	require.NoError(t, err)
	t.Cleanup(client.Close)
	pool := testdb.New(t)
	st := store.New(pool)

	// Two applicants the simulator knows, one public Einfachstudienangebot.
	var offer string
	for _, a := range s.Studienangebote() {
		if a.Einfach != nil && a.Einfach.Status == "oeffentlich_sichtbar" && offer == "" {
			offer = a.Key()
		}
	}
	require.NotEmpty(t, offer)
	var bws []string // applicants without a Bewerbung for offer
	for _, bw := range s.AllBewerber() {
		if !slices.ContainsFunc(s.Bewerbungen(), func(b sestmodel.Bewerbung) bool { return b.Key() == bw.ID+"/"+offer }) {
			bws = append(bws, bw.ID)
		}
	}
	require.GreaterOrEqual(t, len(bws), 3)
	stage := func(hsID, bid, status string) {
		_, ban, err := s.Bewerber(bid)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `INSERT INTO uni_bewerbung (hs_bewerbung_id, typ, bewerber_id, bewerber_ban, studiengang_schluessel,
			abschluss_schluessel, studienfach_schluessel, eingangszeitpunkt, bearbeitungsstatus)
			VALUES ($1, 'einfach', $2, $3, $4, split_part($4, '-', 1), split_part($4, '-', 2), '2026-07-01T10:00:00Z', $5)`,
			hsID, bid, ban, offer, status)
		require.NoError(t, err)
	}
	stage("G-1", bws[0], "eingegangen")
	stage("G-2", bws[1], "eingegangen")
	stage("R-1", bws[2], "zugelassen") // the university may not create an admitted Bewerbung

	cfg := config.Default()
	cfg.Export.Dir = t.TempDir()
	var mailed [][]int64
	failMail := true
	o := outbound.New(outbound.Deps{Config: cfg, Store: st, Sest: client,
		EnqueueMail: func(ctx context.Context, tx pgx.Tx, ids []int64) error {
			var marked int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM outbox_item WHERE id = ANY($1) AND notified_at IS NOT NULL`, ids).Scan(&marked); err != nil {
				return err
			}
			require.Equal(t, len(ids), marked, "called in the transaction that marks the items mailed")
			if failMail {
				return errors.New("mail queue down")
			}
			mailed = append(mailed, slices.Clone(ids))
			return nil
		}})

	res, err := o.Run(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, res.Sent)
	require.Equal(t, 2, res.Accepted, "%+v", res)
	require.Equal(t, 1, res.RefusedCount)
	require.Equal(t, "R-1", res.Refused[0].ItemKey)
	require.Equal(t, store.OutboxRejected, res.Refused[0].State)
	require.Contains(t, res.Refused[0].Reason, "uni_in is false")
	sent := s.SentBewerbungen("")
	require.Equal(t, map[string]int{bws[0] + "/" + offer: 1, bws[1] + "/" + offer: 1}, sent)
	require.Empty(t, mailed, "the mail queue refused")
	var unmarked int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM outbox_item WHERE item_key = 'R-1' AND notified_at IS NULL`).Scan(&unmarked))
	require.Equal(t, 1, unmarked, "a failed enqueue leaves the item to the next run")

	failMail = false
	res, err = o.Run(ctx)
	require.NoError(t, err)
	require.Zero(t, res.Sent, "nothing is due")
	rejected, err := st.OutboxList(ctx, store.OutboxRejected, 10)
	require.NoError(t, err)
	require.Len(t, rejected, 1)
	require.Equal(t, [][]int64{{rejected[0].ID}}, mailed)

	_, err = o.Run(ctx)
	require.NoError(t, err)
	require.Len(t, mailed, 1, "each item is mailed once")
}
