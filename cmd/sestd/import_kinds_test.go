package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
)

// Each import kind is declared once, in its package; this test proves
// that every place that lists or recognises kinds finds it: the kind list
// (the admin API's and the console's), `sestd import --help`, config
// import.modes, and the inbox (its folder, an alias in a file name). The
// expectations are written by hand from the kinds' documentation.
func TestImportKindsDeclaredOnceAreFoundEverywhere(t *testing.T) {
	t.Parallel()
	kinds := []struct {
		name, format, file string // file: a name the inbox tells the kind by
		tables             []string
	}{
		{"sbeat_students", "csv", "2026-11_studentendaten.csv", []string{"sbeat_student", "sbeat_identity"}},
		{"sbeat_exams", "csv", "pruefungen.csv", []string{"sbeat_exam"}},
		{"sbeat_identities", "csv", "identdaten.csv", []string{"sbeat_identity"}},
		{"sbeat_courses", "csv", "studiengaenge.csv", []string{"sbeat_course"}},
		{"sbeat_applicants", "csv", "bewerberdaten.csv", []string{"sbeat_applicant", "sbeat_identity"}},
		{"ekvv", "xml", "Anmeldeliste_259030.xml", []string{"ekvv_veranstaltung", "ekvv_dozent", "ekvv_fachzuordnung",
			"ekvv_untergliederung", "ekvv_teilnehmer", "ekvv_einschreibung", "ekvv_termin"}},
		{"fs_persons", "xml", "FS-persons.dat", []string{"fs_person"}},
		{"ranking", "csv", "Rangliste_WS26.csv", []string{"ranking_entry"}},
		{"uni_bewerbungen", "csv", "applications.csv", []string{"uni_bewerbung", "uni_teilfachbewerbung"}},
		{"uni_bewerber_auth", "csv", "authorisations.csv", []string{"uni_bewerber_auth"}},
	}

	// The kind list, in --help order, with formats and the tables an
	// import locks.
	var want, got []string
	for _, k := range kinds {
		want = append(want, k.name+" "+k.format+" "+strings.Join(k.tables, ","))
	}
	for _, k := range importers.Kinds() {
		got = append(got, string(k.Kind)+" "+k.Format+" "+strings.Join(k.Tables, ","))
	}
	require.Equal(t, want, got)

	// `sestd import --help`: a line for the kind and one for its full
	// export's scope.
	help, _, err := runCLI(t, nil, "import", "--help")
	require.NoError(t, err)
	for _, k := range kinds {
		lines := regexp.MustCompile(`(?m)^  `+k.name+` +\S`).FindAllString(help, -1)
		require.Len(t, lines, 2, "%s in sestd import --help", k.name)
	}

	// config import.modes takes every kind, and nothing else.
	dir := t.TempDir()
	var yaml strings.Builder
	yaml.WriteString("import:\n  modes:\n")
	for _, k := range kinds {
		yaml.WriteString("    " + k.name + ": upsert\n")
	}
	path := filepath.Join(dir, "sestd.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yaml.String()), 0o600))
	noEnv := env{getenv: func(string) string { return "" }, stderr: io.Discard}
	cfg, _, err := loadConfig(noEnv, path)
	require.NoError(t, err)
	require.Len(t, cfg.Import.Modes, len(kinds))
	require.NoError(t, os.WriteFile(path, []byte("import:\n  modes:\n    sbeat_exam: upsert\n"), 0o600))
	_, _, err = loadConfig(noEnv, path)
	require.ErrorContains(t, err, "import.modes.sbeat_exam: is not a kind; kinds are sbeat_students, sbeat_exams, sbeat_identities, "+
		"sbeat_courses, sbeat_applicants, ekvv, fs_persons, ranking, uni_bewerbungen, uni_bewerber_auth")

	// The inbox: a file in the kind's folder, and one named by an alias.
	inbox := t.TempDir()
	for _, k := range kinds {
		require.NoError(t, os.MkdirAll(filepath.Join(inbox, k.name), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(inbox, k.name, "export.dat"), nil, 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(inbox, k.file), nil, 0o600))
	}
	files, err := importers.ScanInbox(inbox)
	require.NoError(t, err)
	found := map[string]string{}
	for _, f := range files {
		require.NoError(t, f.KindErr, f.Path)
		rel, err := filepath.Rel(inbox, f.Path)
		require.NoError(t, err)
		found[rel] = string(f.Kind)
	}
	expected := map[string]string{}
	for _, k := range kinds {
		expected[filepath.Join(k.name, "export.dat")] = k.name
		expected[k.file] = k.name
	}
	require.Equal(t, expected, found)
}
