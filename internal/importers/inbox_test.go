package importers_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
)

func TestDetectKind(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]importers.Kind{
		"/in/sbeat_exams/x.csv":                  importers.KindSbeatExams,
		"/in/ranking/2026.csv":                   importers.KindRanking,
		"/in/2026-11-25_sbeat_students.csv":      importers.KindSbeatStudents,
		"/in/student_data.csv":                   importers.KindSbeatStudents,
		"/in/courses_data.csv":                   importers.KindSbeatCourses,
		"/in/test_applicants.csv":                importers.KindSbeatApplicants,
		"/in/FS-persons.dat":                     importers.KindFSPersons,
		"/in/uni_bewerber_auth_2026.csv":         importers.KindUniBewerberAuth,
		"/in/bewerbungen.csv":                    importers.KindUniBewerbungen,
		"/in/ekvv/259030.xml":                    importers.KindEkvv,
		"/in/Anmeldeliste_259030.xml":            importers.KindEkvv,
		"/in/SBEAT_EXAMS/x.csv":                  importers.KindSbeatExams,
		"/in/identities/ident.csv":               importers.KindSbeatIdentities,
		"/in/exams/student_data_is_misnamed.csv": importers.KindSbeatExams,
	} {
		got, err := importers.DetectKind(path)
		require.NoError(t, err, path)
		require.Equal(t, want, got, path)
	}
	_, err := importers.DetectKind("/in/something.csv")
	require.ErrorIs(t, err, importers.ErrPermanent)
}

func TestKindsListing(t *testing.T) {
	t.Parallel()
	kinds := importers.Kinds()
	require.Len(t, kinds, 10)
	for _, k := range kinds {
		require.NotEmpty(t, k.Description, k.Kind)
		require.NotEmpty(t, k.Tables, k.Kind)
		require.NotEmpty(t, k.Modes, k.Kind)
		parsed, err := importers.ParseKind(string(k.Kind))
		require.NoError(t, err)
		require.Equal(t, k.Kind, parsed)
		if k.Kind != importers.KindEkvv {
			require.NotEmpty(t, k.Fields, k.Kind)
		}
	}
	m, err := importers.ParseMode("")
	require.NoError(t, err)
	require.Equal(t, importers.Mode(""), m, "empty: the kind's default")
	for _, k := range importers.Kinds() {
		require.Equal(t, importers.ModeSync, k.DefaultMode, k.Kind)
		require.NotEmpty(t, k.Sync, k.Kind)
	}
	_, err = importers.ParseMode("replace")
	require.ErrorIs(t, err, importers.ErrPermanent)
}

func TestInbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(rel string, age time.Duration) {
		p := filepath.Join(dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o600))
		when := time.Now().Add(-age)
		require.NoError(t, os.Chtimes(p, when, when))
	}
	write("sbeat_exams/b.csv", time.Minute)
	write("sbeat_exams/a.csv", time.Hour)
	write("ranking.csv", 2*time.Hour)
	write("mystery.csv", 3*time.Hour)
	write("sbeat_exams/c.csv.part", 0)
	write(".hidden.csv", 0)
	write("processed/old_ranking.csv", 0)
	write("sbeat_exams/failed/x.csv", 0)

	files, err := importers.ScanInbox(dir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	require.Equal(t, []string{"mystery.csv", "ranking.csv", "a.csv", "b.csv"}, names, "oldest first, no partial, hidden or done files")
	require.ErrorIs(t, files[0].KindErr, importers.ErrPermanent)
	require.Equal(t, importers.KindRanking, files[1].Kind)
	require.Equal(t, importers.KindSbeatExams, files[2].Kind)

	require.NoError(t, os.Chmod(files[2].Path, 0o644))
	require.NoError(t, importers.MoveDone(files[2], true))
	require.FileExists(t, filepath.Join(dir, "sbeat_exams", "processed", "a.csv"))
	info, err := os.Stat(filepath.Join(dir, "sbeat_exams", "processed"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	info, err = os.Stat(filepath.Join(dir, "sbeat_exams", "processed", "a.csv"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "a file that arrived world-readable is owner-only once done")
	require.NoError(t, importers.MoveDone(files[0], false))
	require.FileExists(t, filepath.Join(dir, "failed", "mystery.csv"))
	// the same name again does not overwrite
	write("failed/dup.csv", 0)
	write("dup.csv", 0)
	files, err = importers.ScanInbox(dir)
	require.NoError(t, err)
	for _, f := range files {
		if f.Name == "dup.csv" {
			require.NoError(t, importers.MoveDone(f, false))
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "failed"))
	require.NoError(t, err)
	require.Len(t, entries, 3)
	_, err = importers.ScanInbox(filepath.Join(dir, "nope"))
	require.Error(t, err)
}
