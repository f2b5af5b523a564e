package jobs

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
)

func TestRangStatusCSVEncodings(t *testing.T) {
	t.Parallel()
	rows := []store.RangStatus{{Rangliste: "SP-1-HQ", Studienpaket: "SP-1", Status: "freigegeben", Statusanmerkung: "Geprüft; \"ok\""}}
	utf8, err := rangStatusCSV(rows, "utf-8")
	require.NoError(t, err)
	require.Contains(t, string(utf8), "SP-1-HQ;SP-1;;freigegeben;\"Geprüft; \"\"ok\"\"\";0;0;;;;\n", "separators in values are quoted")
	cp, err := rangStatusCSV(rows, "windows-1252")
	require.NoError(t, err)
	require.True(t, bytes.Contains(cp, []byte("Gepr\xfcft")), "%q", cp)
	_, err = rangStatusCSV(rows, "klingon")
	require.Error(t, err)
}
