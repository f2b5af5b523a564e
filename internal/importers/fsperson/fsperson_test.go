package fsperson_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers/fsperson"
)

func TestSourceReadsRealFile(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "cerebrum", "FS-persons.dat"))
	require.NoError(t, err)
	src, err := fsperson.NewSource(bytes.NewReader(raw), "", fsperson.Limits{})
	require.NoError(t, err)
	var tags []string
	for {
		rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		tags = append(tags, rec.Tag)
	}
	require.Equal(t, []string{"fagperson", "fagperson", "fagperson", "student", "student", "evu", "evu"}, tags)
	require.Equal(t, "latin_1", src.Encoding())
}

func FuzzFSPersonSource(f *testing.F) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "cerebrum", "FS-persons.dat"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`<data><student a="1"/><evu/></data>`))
	f.Add([]byte(`<data><x><y><z/></y></x>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := fsperson.NewSource(bytes.NewReader(data), "", fsperson.Limits{MaxDepth: 8, MaxTokenBytes: 1024})
		if err != nil {
			return
		}
		for i := 0; i <= len(data); i++ {
			rec, err := src.Next()
			if err != nil {
				return
			}
			if len(rec.Names) != len(rec.Values) {
				t.Fatalf("names and values differ")
			}
		}
		t.Fatalf("more records than bytes")
	})
}
