package importers_test

import (
	"os"
	"path/filepath"
	"strings"
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
	_, err = importers.MoveDone(files[2], true)
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dir, "sbeat_exams", "processed", "a.csv"))
	info, err := os.Stat(filepath.Join(dir, "sbeat_exams", "processed"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	info, err = os.Stat(filepath.Join(dir, "sbeat_exams", "processed", "a.csv"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "a file that arrived world-readable is owner-only once done")
	_, err = importers.MoveDone(files[0], false)
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dir, "failed", "mystery.csv"))
	// the same name again does not overwrite
	write("failed/dup.csv", 0)
	write("dup.csv", 0)
	files, err = importers.ScanInbox(dir)
	require.NoError(t, err)
	for _, f := range files {
		if f.Name == "dup.csv" {
			_, err = importers.MoveDone(f, false)
			require.NoError(t, err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "failed"))
	require.NoError(t, err)
	require.Len(t, entries, 3)
	_, err = importers.ScanInbox(filepath.Join(dir, "nope"))
	require.Error(t, err)
}

// MoveDone takes sestd's own files of the file along (those beside it and
// those given), named after the moved file, and leaves other files' alone.
func TestMoveDoneTakesTheFilesOutputsAlong(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	kind := filepath.Join(dir, "sbeat_students")
	write := func(rel string) {
		p := filepath.Join(dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
		require.NoError(t, os.WriteFile(p, []byte(rel), 0o600))
	}
	write("sbeat_students/week2.csv")
	write("sbeat_students/week2.rejects.csv")   // an import by hand's
	write("sbeat_students/week2.rejects-7.csv") // an earlier one's
	write("sbeat_students/week2.missing.csv")   // its report
	write("sbeat_students/week1.rejects.csv")   // another file's
	write("sbeat_students/week2-fixed.csv")     // the operator's
	write("sbeat_students/processed/week2.csv") // last week's file of the name
	write("sbeat_students/processed/week2.rejects.csv")
	write("sbeat_students/processed/week2.rejects-9.csv") // this run's, written there by the scan

	f := importers.InboxFile{Path: filepath.Join(kind, "week2.csv"), Dir: kind, Name: "week2.csv"}
	moved, err := importers.MoveDone(f, false, filepath.Join(kind, "processed", "week2.rejects-9.csv"))
	require.NoError(t, err)
	failed, err := os.ReadDir(filepath.Join(kind, "failed"))
	require.NoError(t, err)
	var names []string
	for _, e := range failed {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{"week2.csv", "week2.missing.csv", "week2.rejects-7.csv", "week2.rejects-9.csv", "week2.rejects.csv"}, names)
	require.Equal(t, map[string]string{
		filepath.Join(kind, "week2.rejects.csv"):                filepath.Join(kind, "failed", "week2.rejects.csv"),
		filepath.Join(kind, "week2.rejects-7.csv"):              filepath.Join(kind, "failed", "week2.rejects-7.csv"),
		filepath.Join(kind, "week2.missing.csv"):                filepath.Join(kind, "failed", "week2.missing.csv"),
		filepath.Join(kind, "processed", "week2.rejects-9.csv"): filepath.Join(kind, "failed", "week2.rejects-9.csv"),
	}, moved)
	raw, err := os.ReadFile(filepath.Join(kind, "failed", "week2.rejects.csv"))
	require.NoError(t, err)
	require.Equal(t, "sbeat_students/week2.rejects.csv", string(raw))
	require.FileExists(t, filepath.Join(kind, "week1.rejects.csv"))
	require.FileExists(t, filepath.Join(kind, "week2-fixed.csv"))
	require.FileExists(t, filepath.Join(kind, "processed", "week2.rejects.csv"), "last week's stays")

	// Into processed/, where last week's file of the name lies: the file
	// and its rejects get the same timestamp.
	write("sbeat_students/week2.csv")
	write("sbeat_students/week2.rejects.csv")
	moved, err = importers.MoveDone(f, true)
	require.NoError(t, err)
	require.Len(t, moved, 1)
	to := moved[filepath.Join(kind, "week2.rejects.csv")]
	require.Regexp(t, `/processed/week2\.\d{8}T\d{6}\.\d{9}\.rejects\.csv$`, to)
	require.FileExists(t, strings.Replace(to, ".rejects.csv", ".csv", 1), "the file and its rejects share the name")
	require.True(t, importers.IsOwnOutput(filepath.Base(to)))
	files, err := importers.ScanInbox(dir)
	require.NoError(t, err)
	require.Len(t, files, 1, "only the operator's file is an input")
	require.Equal(t, "week2-fixed.csv", files[0].Name)
}
