package jobs_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

func retentionReport(t *testing.T, w *dpWorld, dry bool) jobs.RetentionReport {
	t.Helper()
	job := w.work(t, jobs.RetentionArgs{DryRun: dry})
	var rep jobs.RetentionReport
	require.NoError(t, json.Unmarshal(job.Output(), &rep))
	return rep
}

func countRows(t *testing.T, w *dpWorld, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, w.pool.QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

// TestRetentionPurgesApplicantsMarkedForDeletion: one applicant marked for
// deletion in the Servicestelle's data, one whose send was rejected with
// code 30235; a dry run lists both and changes nothing, the run purges
// both (rows, documents, upload-log bodies) and leaves the rest.
func TestRetentionPurgesApplicantsMarkedForDeletion(t *testing.T) {
	t.Parallel()
	w := newDPWorld(t, sim.Config{Seed: 9, Bewerbungen: 60}, nil)
	ctx := context.Background()
	bs := w.sim.Bewerbungen()
	marked, rejected := bs[0].BewerberID(), ""
	for _, b := range bs {
		if b.BewerberID() != marked {
			rejected = b.BewerberID()
			break
		}
	}
	require.NoError(t, w.sim.MarkBewerberForDeletion(marked))
	w.work(t, jobs.FullArgs{})
	require.NoError(t, w.store.UploadLogInsert(ctx, []store.UploadLogEntry{{
		Operation: sestmodel.OpUebermittelnNeueBewerbungen, ItemKind: "bewerbung", ItemKey: "HS-9", BewerberID: rejected,
		Request: `{"bewerberId":"` + rejected + `"}`, Response: "zurueckgewiesen", ErgebnisStatus: "zurueckgewiesen",
		Reason: "30235: zur Löschung vorgemerkt", Code: sestmodel.CodeBewerberZurLoeschung,
	}}))
	beforeBewerbung := countRows(t, w, `SELECT count(*) FROM bewerbung`)
	docs := countRows(t, w, `SELECT count(*) FROM dokument WHERE bewerber_id = ANY($1) AND path IS NOT NULL`, []string{marked, rejected})
	require.Positive(t, docs)

	dry := retentionReport(t, w, true)
	require.True(t, dry.DryRun)
	require.False(t, dry.Closed)
	require.ElementsMatch(t, []string{marked, rejected}, dry.Subjects)
	require.Positive(t, dry.Rows["bewerbung"])
	require.Equal(t, int64(1), dry.Rows["upload_log_bodies"])
	require.Equal(t, docs, dry.Files)
	require.Equal(t, beforeBewerbung, countRows(t, w, `SELECT count(*) FROM bewerbung`), "a dry run changes nothing")

	rep := retentionReport(t, w, false)
	require.Equal(t, 2, rep.Purged)
	require.Empty(t, rep.Subjects, "a real run lists no ids")
	require.Equal(t, docs, rep.Files)
	for _, id := range []string{marked, rejected} {
		// The dry run's output lists the ids: River deletes it with the
		// completed job (after a day by default).
		require.Empty(t, rowsMentioning(t, w.pool, id, "audit_log", "subject_tombstone", "upload_log", "river_job"), id)
	}
	require.Zero(t, countRows(t, w, `SELECT count(*) FROM upload_log WHERE request IS NOT NULL OR response IS NOT NULL`))
	require.Equal(t, 1, countRows(t, w, `SELECT count(*) FROM upload_log`), "upload-log entries stay, without bodies")
	require.Equal(t, beforeBewerbung-int(rep.Rows["bewerbung"]), countRows(t, w, `SELECT count(*) FROM bewerbung`))
	require.Positive(t, countRows(t, w, `SELECT count(*) FROM bewerbung`), "the others stay")
	require.Equal(t, 1, countRows(t, w, `SELECT count(*) FROM audit_log WHERE action = $1`, jobs.AuditRetention))

	// Nothing is due any more; a full download does not bring them back.
	again := retentionReport(t, w, true)
	require.Zero(t, again.Purged)
	require.Zero(t, again.Leftovers)

	// A file an interrupted erasure left behind goes with the next run;
	// others' files stay.
	root := w.deps.Config.Sync.DocumentRoot
	require.NoError(t, os.WriteFile(filepath.Join(root, marked+"_DLEFT.pdf"), []byte("left"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(root, "B9_DOTHER.pdf"), []byte("other"), 0o600))
	again = retentionReport(t, w, false)
	require.Equal(t, 1, again.Leftovers)
	_, err := os.Stat(filepath.Join(root, marked+"_DLEFT.pdf"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = os.Stat(filepath.Join(root, "B9_DOTHER.pdf"))
	require.NoError(t, err)
	w.work(t, jobs.FullArgs{})
	require.Zero(t, countRows(t, w, `SELECT count(*) FROM bewerber WHERE bewerber_id = ANY($1)`, []string{marked, rejected}))
}

// TestRetentionPurgesAClosedVermittlungsprozess: after_close past the
// close, everything personal goes; what is not personal stays.
func TestRetentionPurgesAClosedVermittlungsprozess(t *testing.T) {
	t.Parallel()
	w := newDPWorld(t, sim.Config{Seed: 12, Bewerbungen: 40}, func(c *config.Config) {
		c.Retention.ClosedAt = time.Now().Add(-200 * 24 * time.Hour)
		c.Retention.AfterClose = 180 * 24 * time.Hour
	})
	ctx := context.Background()
	w.work(t, jobs.FullArgs{})
	id := w.sim.Bewerbungen()[0].BewerberID()
	_, err := w.pool.Exec(ctx, `INSERT INTO uni_bewerber_auth (bewerber_id, ban) VALUES ($1, 'BAN')`, id)
	require.NoError(t, err)
	require.NoError(t, w.store.UploadLogInsert(ctx, []store.UploadLogEntry{{
		Operation: "uebermittelnRanglistenAnSeSt", ItemKind: "rangliste", ItemKey: "P1-HQ", Request: `[{"bewerberId":"` + id + `"}]`,
	}}))
	angebote := countRows(t, w, `SELECT count(*) FROM studienangebot`)
	cfg := w.deps.Config
	files := map[string]bool{ // path → removed by the purge
		filepath.Join(cfg.Export.Dir, "bewerber_000001.csv"):                                true,
		filepath.Join(cfg.Import.InboxDir, "processed", "uni_bewerbungen.csv"):              true,
		filepath.Join(cfg.Import.InboxDir, "ranking", "processed", "liste.csv"):             true,
		filepath.Join(cfg.Import.InboxDir, "uploads", "20260101T000000Z-ab", "ranking.csv"): true,
		filepath.Join(cfg.Import.InboxDir, "sbeat_students", "processed", "students.csv"):   false,
		filepath.Join(cfg.Import.InboxDir, "uni_bewerbungen.csv"):                           false, // still waiting
	}
	for f := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(f), 0o700))
		require.NoError(t, os.WriteFile(f, []byte("x;"+id+"\n"), 0o600))
	}

	dry := retentionReport(t, w, true)
	require.True(t, dry.Closed)
	require.Equal(t, 4, dry.ExchangeFiles)
	require.Len(t, dry.Subjects, countRows(t, w, `SELECT count(*) FROM bewerber`))
	require.Positive(t, countRows(t, w, `SELECT count(*) FROM bewerber`))

	rep := retentionReport(t, w, false)
	require.True(t, rep.Closed)
	require.Positive(t, rep.Files)
	require.Equal(t, 4, rep.ExchangeFiles)
	for f, removed := range files {
		_, err := os.Stat(f)
		if removed {
			require.ErrorIs(t, err, fs.ErrNotExist, f)
		} else {
			require.NoError(t, err, f)
		}
	}
	for _, table := range []string{"bewerber", "bewerbung", "dokument", "bewerbungsbestandteil", "uni_bewerber_auth"} {
		require.Zero(t, countRows(t, w, `SELECT count(*) FROM `+table), table)
	}
	require.Zero(t, countRows(t, w, `SELECT count(*) FROM upload_log WHERE request IS NOT NULL OR response IS NOT NULL`))
	require.Equal(t, angebote, countRows(t, w, `SELECT count(*) FROM studienangebot`), "what is not personal stays")
	var left []string
	require.NoError(t, filepath.WalkDir(w.deps.Config.Sync.DocumentRoot, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			left = append(left, p)
		}
		return err
	}))
	require.Empty(t, left, "every document file is gone")
	_, err = os.Stat(w.deps.Config.Sync.DocumentRoot)
	require.NoError(t, err, "the root stays")
}
