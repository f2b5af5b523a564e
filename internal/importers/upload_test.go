package importers_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers"
)

func TestUploadName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ranking.csv":              "ranking.csv",
		"../../etc/passwd":         "passwd",
		`C:\Users\x\S-BEAT 1.csv`:  "S-BEAT_1.csv",
		"Bewerbungen_Ü.csv":        "Bewerbungen__.csv",
		"":                         "upload",
		"..":                       "upload",
		".hidden":                  "hidden",
		"/":                        "upload",
		"a;b$(rm -rf).csv":         "a_b__rm_-rf_.csv",
		"eKVV-Anmeldeliste v2.xml": "eKVV-Anmeldeliste_v2.xml",
	} {
		require.Equal(t, want, importers.UploadName(in), in)
	}
}

func TestStoreUploadKeepsTheNameBelowUploads(t *testing.T) {
	t.Parallel()
	inbox := t.TempDir()
	up, err := importers.StoreUpload(inbox, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), "../S-BEAT 1.csv", bytes.NewReader([]byte("abc")))
	require.NoError(t, err)
	require.Equal(t, "S-BEAT_1.csv", filepath.Base(up.Path))
	rel, err := filepath.Rel(inbox, up.Path)
	require.NoError(t, err)
	require.Regexp(t, `^uploads/20261127T090000Z-[0-9a-f]{12}/S-BEAT_1\.csv$`, rel)
	require.Equal(t, int64(3), up.Size)
	require.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", up.SHA256, "sha256 of abc")
	info, err := os.Stat(up.Path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}
