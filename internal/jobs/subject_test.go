package jobs_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// TestSubjectExportThenErase creates data of every kind for one applicant
// (mirror rows and documents from the simulator, staging, ranking, outbox,
// upload log, S-BEAT, files in export.dir and the inbox), exports it and
// finds every item in the zip, erases it and finds nothing left but the
// audit record and the tombstone; delta polls and a full download do not
// bring it back until the Servicestelle changes the applicant again.
func TestSubjectExportThenErase(t *testing.T) {
	t.Parallel()
	w := newDPWorld(t, sim.Config{Seed: 21, Bewerbungen: 80}, nil)
	ctx := context.Background()
	cfg := w.deps.Config

	// The subject: an applicant with Bewerbungen; other: a bystander.
	all := w.sim.Bewerbungen()
	id := all[0].BewerberID()
	var other string
	for _, b := range all {
		if b.BewerberID() != id {
			other = b.BewerberID()
			break
		}
	}
	var own []sestmodel.Bewerbung
	for _, b := range all {
		if b.BewerberID() == id {
			own = append(own, b)
		}
	}
	_, err := w.sim.InjectDokument(id, "Lebenslauf.pdf", []byte("CV of the subject"))
	require.NoError(t, err)
	w.work(t, jobs.FullArgs{})
	w.deltaAll(t)

	// Rows of the university's side.
	for _, q := range []string{
		`INSERT INTO ranking_entry (rangliste, bewerber_id, rang) VALUES ('P1-HQ', $1, 1), ('P1-HQ', $2, 2)`,
		`INSERT INTO uni_bewerbung (hs_bewerbung_id, typ, bewerber_id, studiengang_schluessel, abschluss_schluessel, eingangszeitpunkt, bearbeitungsstatus)
		 SELECT 'HS-1', 'einfach', $1, '84-008', '84', now(), 'eingegangen' WHERE $2 <> ''`,
		`INSERT INTO uni_bewerber_auth (bewerber_id, ban) VALUES ($1, 'BAN-1'), ($2, 'BAN-2')`,
		`INSERT INTO sbeat_identity (identnr, vorname, nachname) SELECT $1, 'Erika', 'Mustermann' WHERE $2 <> ''`,
	} {
		_, err = w.pool.Exec(ctx, q, id, other)
		require.NoError(t, err, q)
	}
	var hasOutbox bool
	require.NoError(t, w.pool.QueryRow(ctx, `SELECT to_regclass('outbox_item') IS NOT NULL`).Scan(&hasOutbox))
	if hasOutbox {
		_, err = w.pool.Exec(ctx, `INSERT INTO outbox_item (kind, item_key, bewerber_id, payload, source_updated_at) VALUES ('bewerber_auth', $1, $1, '{}', now())`, id)
		require.NoError(t, err)
	}
	require.NoError(t, w.store.UploadLogInsert(ctx, []store.UploadLogEntry{
		{Operation: sestmodel.OpUebermittelnNeueBewerbungen, ItemKind: "bewerbung", ItemKey: "HS-1", BewerberID: id, Request: `{"bewerberId":"` + id + `"}`, Response: "neu", ErgebnisStatus: "neu"},
		{Operation: "uebermittelnRanglistenAnSeSt", ItemKind: "rangliste", ItemKey: "P1-HQ", Request: `[{"bewerberId":"` + id + `","rang":1},{"bewerberId":"` + other + `","rang":2}]`, ErgebnisStatus: "neu"},
	}))
	// A finished job that names the applicant (cancelled: unknown stream).
	ev := w.rig.await(t, jobs.DeltaArgs{Stream: store.Stream(id)}, 1, false)
	require.Equal(t, river.EventKindJobCancelled, ev.Kind)
	// Files the university exchanges.
	for dir, name := range map[string]string{cfg.Export.Dir: "bewerber_000001.csv", filepath.Join(cfg.Import.InboxDir, "processed"): "uni_bewerbung.csv"} {
		require.NoError(t, os.MkdirAll(dir, 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("bewerber_id;name\r\n"+id+";Subject\r\n"+other+";Other\r\n"), 0o600))
	}

	// Export: every item is there, documents byte for byte.
	zipPath := filepath.Join(t.TempDir(), "out", "subject.zip")
	sum, err := jobs.SubjectExportFile(ctx, w.store, cfg.Sync.DocumentRoot, id, "cli:tester", zipPath)
	require.NoError(t, err)
	info, err := os.Stat(zipPath)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o600), info.Mode().Perm())
	zr, err := zip.OpenReader(zipPath)
	require.NoError(t, err)
	defer zr.Close()
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		files[f.Name], err = io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
	}
	var data store.SubjectData
	require.NoError(t, json.Unmarshal(files["subject.json"], &data))
	require.Equal(t, id, data.BewerberID)
	count := func(table string) int { return len(data.Tables[table]) }
	require.Equal(t, 1, count("bewerber"))
	require.Equal(t, len(own), count("bewerbung"))
	require.Equal(t, 1, count("ranking_entry"))
	require.Equal(t, 1, count("uni_bewerbung"))
	require.Equal(t, 1, count("uni_bewerber_auth"))
	require.Equal(t, 1, count("sbeat_identity"))
	if hasOutbox {
		require.Equal(t, 1, count("outbox_item"))
	}
	require.Equal(t, 1, count("upload_log"))
	require.Equal(t, 1, count("upload_log_mentions"))
	require.NotContains(t, string(files["subject.json"]), other, "others' data stays out of the export")
	require.Positive(t, count("bewerbungsbestandteil"))

	var wantDocs []string
	for _, did := range w.sim.DokumentIDs() {
		d, err := w.sim.Dokument(did)
		require.NoError(t, err)
		if d.BewerberID != id {
			continue
		}
		wantDocs = append(wantDocs, did)
		require.Equal(t, []byte(d.Inhalt), files["documents/"+jobs.DocumentFileName(d)], "document %s in the export", did)
	}
	require.Equal(t, len(wantDocs), count("dokument"))
	require.Equal(t, len(wantDocs), sum.Documents)
	require.GreaterOrEqual(t, len(wantDocs), 2)
	require.Contains(t, string(files["subject.json"]), "Lebenslauf.pdf")

	// Dry run: nothing changes.
	dry, err := jobs.SubjectErase(ctx, w.deps, id, "cli:tester", true)
	require.NoError(t, err)
	require.Positive(t, dry.Total())
	require.Len(t, dry.Files, len(wantDocs))
	require.NotEmpty(t, rowsMentioning(t, w.pool, id, "audit_log"))

	// Erase: nothing refers to the applicant but the audit log and the tombstone.
	er, err := jobs.SubjectErase(ctx, w.deps, id, "cli:tester", false)
	require.NoError(t, err)
	require.Equal(t, len(wantDocs), er.FilesRemoved)
	require.Len(t, er.Scrubbed, 2)
	require.Equal(t, int64(1), er.Rows["river_job"])
	require.Empty(t, rowsMentioning(t, w.pool, id, "audit_log", "subject_tombstone"))
	requireNoFileMentions(t, id, filepath.Dir(cfg.Sync.DocumentRoot))
	require.NotEmpty(t, rowsMentioning(t, w.pool, other, "audit_log"), "the bystander is untouched")
	raw, err := os.ReadFile(filepath.Join(cfg.Export.Dir, "bewerber_000001.csv"))
	require.NoError(t, err)
	require.Equal(t, "bewerber_id;name\r\n"+other+";Other\r\n", string(raw))

	entries, err := w.store.AuditList(ctx, 10)
	require.NoError(t, err)
	var actions []string
	for _, e := range entries {
		if e.Subject == id {
			require.Equal(t, "cli:tester", e.Actor)
			actions = append(actions, e.Action)
		}
	}
	require.ElementsMatch(t, []string{jobs.AuditSubjectExport, jobs.AuditSubjectErase}, actions)

	// Polls, from the start and whole, do not bring the applicant back.
	for _, s := range store.AllStreams() {
		require.NoError(t, w.store.CursorReset(ctx, s.String()))
	}
	w.deltaAll(t)
	w.work(t, jobs.FullArgs{})
	require.Empty(t, rowsMentioning(t, w.pool, id, "audit_log", "subject_tombstone"), "erased data stays erased")
	requireNoFileMentions(t, id, cfg.Sync.DocumentRoot)
	erased, err := w.store.SubjectErased(ctx, []string{id, other})
	require.NoError(t, err)
	require.Contains(t, erased, id)
	require.NotContains(t, erased, other)

	// Until the Servicestelle changes a Bewerbung of the applicant.
	w.sim.Clock().Advance(time.Minute)
	_, err = w.sim.SetBearbeitungsstatus(own[0].Key(), "gueltig")
	require.NoError(t, err)
	w.work(t, jobs.DeltaArgs{Stream: store.StreamBewerbungen})
	var n int
	require.NoError(t, w.pool.QueryRow(ctx, `SELECT count(*) FROM bewerbung WHERE bewerber_id = $1`, id).Scan(&n))
	require.Equal(t, 1, n, "the changed Bewerbung is mirrored again")
	erased, err = w.store.SubjectErased(ctx, []string{id})
	require.NoError(t, err)
	require.Empty(t, erased, "the change lifts the tombstone")
}

// requireNoFileMentions fails when a file below dir has needle in its name
// or contents.
func requireNoFileMentions(t *testing.T, needle, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		require.NotContains(t, e.Name(), needle, "file name %s", path)
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		require.False(t, bytes.Contains(raw, []byte(needle)), "%s mentions %s", path, needle)
		return nil
	})
	require.NoError(t, err)
}

// TestMaliciousDocumentNamesStayInTheRoot serves documents whose names try
// to leave the document root and checks that each lands inside it, flat.
func TestMaliciousDocumentNamesStayInTheRoot(t *testing.T) {
	t.Parallel()
	w := newDPWorld(t, sim.Config{Seed: 4, Bewerbungen: 20}, nil)
	id := w.sim.Bewerbungen()[0].BewerberID()
	names := []string{"../../../escape.sh", `..\..\evil.pdf`, "a/b/../../../../c.pdf", "..", "/etc/passwd", "x.pdf/../../../y"}
	var ids []string
	for i, n := range names {
		did, err := w.sim.InjectDokument(id, n, []byte("MALICIOUS-"+strings.Repeat("x", i)))
		require.NoError(t, err)
		ids = append(ids, did)
	}
	w.work(t, jobs.FullArgs{})

	root := w.deps.Config.Sync.DocumentRoot
	base := filepath.Dir(root)
	found := 0
	err := filepath.WalkDir(base, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			require.True(t, path == base || path == root, "no directory but the root: %s", path)
			return nil
		}
		require.Equal(t, root, filepath.Dir(path), "documents only directly in the root: %s", path)
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		if bytes.HasPrefix(raw, []byte("MALICIOUS-")) {
			found++
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, len(names), found, "every hostile document is written, inside the root")
	var outside int
	require.NoError(t, w.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM dokument WHERE dokument_id = ANY($1) AND (path IS NULL OR path LIKE '%/%' OR path LIKE '%..%')`, ids).Scan(&outside))
	require.Zero(t, outside)
	_, err = os.Stat(filepath.Join(base, "..", "escape.sh"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}
