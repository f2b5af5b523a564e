package console

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"sestd/internal/store"
)

// Every text a template asks for exists in both languages.
func TestEveryTemplateTextExists(t *testing.T) {
	keys := map[string]bool{}
	use := regexp.MustCompile(`\bT "([a-z0-9._]+)"`)
	count := regexp.MustCompile(`\bN (?:\([^)]*\)|\S+) "([a-z0-9._]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		for _, m := range use.FindAllStringSubmatch(string(raw), -1) {
			keys[m[1]] = true
		}
		for _, m := range count.FindAllStringSubmatch(string(raw), -1) {
			keys[m[1]], keys[m[1]+".one"] = true, true
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, len(keys), 100)
	// Keys the templates and handlers build from values.
	for _, s := range store.OutboxStates() {
		keys["state."+string(s)] = true
	}
	for _, s := range store.ImportStatuses() {
		keys["imp."+string(s)] = true
	}
	for _, s := range rivertype.JobStates() {
		keys["job."+string(s)] = true
	}
	for _, r := range store.Roles {
		keys["role."+r] = true
	}
	for k := range keys {
		v, ok := texts[k]
		require.True(t, ok, "text %q used but not in texts.go", k)
		require.NotEmpty(t, v[0], "German text of %q", k)
		require.NotEmpty(t, v[1], "English text of %q", k)
	}
}

// A count of one reads in the singular.
func TestCountsReadInTheirNumber(t *testing.T) {
	de, en := page{Lang: "de"}, page{Lang: "en"}
	require.Equal(t, "Import mit abgelehnten Zeilen", de.N(1, "ov.rejects"))
	require.Equal(t, "Importe mit abgelehnten Zeilen", de.N(2, "ov.rejects"))
	require.Equal(t, "Übermittlung zurückgewiesen", de.N(int64(1), "ov.rejected.items"))
	require.Equal(t, "Übermittlungen zurückgewiesen", de.N(int64(3), "ov.rejected.items"))
	require.Equal(t, "job with errors", en.N(1, "ov.failing.jobs"))
}
