package batch_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers/batch"
)

// Not parallel: the umask is the process's. Parallel tests of the package
// resume only after the sequential ones.
func TestCreatePrivateWhateverTheUmask(t *testing.T) {
	dir := t.TempDir()
	for _, mask := range []int{0o000, 0o022, 0o277} {
		old := syscall.Umask(mask)
		p := filepath.Join(dir, "m"+strings.Repeat("x", mask%7), "sub", "rejects.csv")
		f, err := batch.CreatePrivate(p)
		syscall.Umask(old)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		info, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "umask %o", mask)
		info, err = os.Stat(filepath.Dir(p))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "umask %o", mask)
	}
}

func TestCSVRejectsDropsEarlierLineAndError(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "x.rejects.csv")
	r := batch.NewCSVRejects(p, "windows-1252", false, ';', []string{"A", "line", "B", "Error"})
	require.NoError(t, r.Reject(batch.Record{Line: 7, Values: []string{"ä", "3", "b", "old"}}, "neu: ü"))
	got, err := r.Close()
	require.NoError(t, err)
	require.Equal(t, p, got)
	raw, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, "A;B;line;error\r\n\xe4;b;7;neu: \xfc\r\n", string(raw))
	none := batch.NewCSVRejects(filepath.Join(t.TempDir(), "none.csv"), "utf8", false, ';', []string{"A"})
	got, err = none.Close()
	require.NoError(t, err)
	require.Empty(t, got, "no rejects, no file")
}

func TestRejectsFileAppearsWholeOrNotAtAll(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.rejects.csv")
	rec := batch.Record{Line: 7, Values: []string{"1005", "Prüfung"}}

	r := batch.NewCSVRejects(path, "windows-1252", false, ';', []string{"IDENTNR", "PDTXT", "line", "error"})
	got, err := r.Close()
	require.NoError(t, err)
	require.Empty(t, got, "nothing rejected, no file")
	require.NoFileExists(t, path)

	r = batch.NewCSVRejects(path, "windows-1252", false, ';', []string{"IDENTNR", "PDTXT"})
	require.NoError(t, r.Reject(rec, "PSEM fehlt"))
	require.NoFileExists(t, path, "only the .part file exists while the import runs")
	require.FileExists(t, path+".part")
	r.Abort()
	require.NoFileExists(t, path+".part", "an aborted import leaves nothing")
	require.NoFileExists(t, path)

	r = batch.NewCSVRejects(path, "windows-1252", false, ';', []string{"IDENTNR", "PDTXT"})
	require.NoError(t, r.Reject(rec, "PSEM fehlt"))
	got, err = r.Close()
	require.NoError(t, err)
	require.Equal(t, path, got)
	require.NoFileExists(t, path+".part")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "IDENTNR;PDTXT;line;error\r\n1005;Pr\xfcfung;7;PSEM fehlt\r\n", string(raw), "windows-1252, CRLF")
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}
