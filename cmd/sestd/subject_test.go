package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/fsutil"
	"sestd/internal/jobs"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestSubjectCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	st := store.New(pool)
	dir := t.TempDir()
	env := map[string]string{
		"SESTD_DATABASE_URL":        pool.Config().ConnString(),
		"SESTD_SYNC_DOCUMENT_ROOT":  filepath.Join(dir, "documents"),
		"SESTD_EXPORT_DIR":          filepath.Join(dir, "export"),
		"SESTD_IMPORT_INBOX_DIR":    filepath.Join(dir, "inbox"),
		"SESTD_LOG_LEVEL":           "warn",
		"SESTD_RETENTION_CLOSED_AT": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339),
		"USER":                      "tester",
	}
	at := sestmodel.NewTimestamp(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	_, err := st.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{{ID: "B77", Status: sestmodel.BewerberStatusZurLoeschung, Nachname: "Beispiel", LetzteAenderung: at}}, store.Step{})
	require.NoError(t, err)
	_, err = st.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{BewerberID: "B77", Bearbeitungsstatus: "eingegangen",
		VersionSeSt: 1, Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "84-008"}, LetzteAenderung: at,
		Bestandteil: []sestmodel.Bewerbungsbestandteil{{FeldangabeSchluessel: "ZEUGNIS", Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D7", Dateiname: "z.pdf"}}}}}}, store.Step{})
	require.NoError(t, err)
	doc := jobs.DocumentFileName(sestmodel.Dokument{DokumentID: "D7", BewerberID: "B77", Dateiname: "z.pdf"})
	require.NoError(t, fsutil.WriteFileAtomic(filepath.Join(env["SESTD_SYNC_DOCUMENT_ROOT"], doc), []byte("%PDF-1.4 B77")))
	require.NoError(t, st.DokumentMarkDownloaded(ctx, []store.Download{{DokumentID: "D7", Path: doc, SHA256: "x", Size: 12}}))

	out, _, err := runCLI(t, nil, "subject", "--help")
	require.NoError(t, err)
	require.Contains(t, out, "Usage: sestd subject")
	_, _, err = runCLI(t, nil, "subject", "frobnicate")
	require.ErrorIs(t, err, errUsage)

	// Export.
	zipPath := filepath.Join(dir, "requests", "b77.zip")
	out, _, err = runCLI(t, env, "subject", "export", "--bewerber-id", "B77", "--out", zipPath)
	require.NoError(t, err)
	require.Contains(t, out, "document files: 1")
	info, err := os.Stat(zipPath)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	zr, err := zip.OpenReader(zipPath)
	require.NoError(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	require.NoError(t, zr.Close())
	require.ElementsMatch(t, []string{"subject.json", "documents/" + doc}, names)

	// Into an existing directory (the operator's): it keeps its mode.
	shared := filepath.Join(dir, "shared")
	require.NoError(t, os.Mkdir(shared, 0o755))
	require.NoError(t, os.Chmod(shared, 0o755))
	_, _, err = runCLI(t, env, "subject", "export", "--bewerber-id", "B77", "--out", filepath.Join(shared, "b77.zip"))
	require.NoError(t, err)
	info, err = os.Stat(shared)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o755), info.Mode().Perm(), "an existing directory keeps its mode")
	info, err = os.Stat(filepath.Join(shared, "b77.zip"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// Retention, dry: the applicant marked for deletion would go.
	out, _, err = runCLI(t, env, "subject", "retention", "--dry-run", "--json")
	require.NoError(t, err)
	var rep jobs.RetentionReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.True(t, rep.DryRun)
	require.Equal(t, []string{"B77"}, rep.Subjects)
	require.Equal(t, 1, rep.Files)

	// Erase: refused without --yes, a dry run changes nothing, then gone.
	_, _, err = runCLI(t, env, "subject", "erase", "--bewerber-id", "B77")
	require.ErrorIs(t, err, errUsage)
	_, _, err = runCLI(t, env, "subject", "erase")
	require.ErrorIs(t, err, errUsage)
	out, _, err = runCLI(t, env, "subject", "erase", "--bewerber-id", "B77", "--dry-run")
	require.NoError(t, err)
	require.Contains(t, out, "would erase")
	data, err := st.SubjectCollect(ctx, "B77")
	require.NoError(t, err)
	require.Len(t, data.Tables["bewerber"], 1)
	out, _, err = runCLI(t, env, "subject", "erase", "--bewerber-id", "B77", "--yes")
	require.NoError(t, err)
	require.Contains(t, out, "erased")
	require.Contains(t, out, "document files: 1")
	data, err = st.SubjectCollect(ctx, "B77")
	require.NoError(t, err)
	require.Empty(t, data.Tables["bewerber"])
	require.Empty(t, data.Tables["bewerbung"])
	require.Empty(t, data.Tables["dokument"])
	_, err = os.Stat(filepath.Join(env["SESTD_SYNC_DOCUMENT_ROOT"], doc))
	require.ErrorIs(t, err, os.ErrNotExist)

	audit, err := st.AuditList(ctx, 10)
	require.NoError(t, err)
	var actions []string
	for _, e := range audit {
		require.Equal(t, "cli:tester", e.Actor)
		require.Equal(t, "B77", e.Subject)
		actions = append(actions, e.Action)
	}
	require.ElementsMatch(t, []string{jobs.AuditSubjectExport, jobs.AuditSubjectExport, jobs.AuditSubjectErase}, actions, "dry runs are not audited")
}
