package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
)

func TestDownloadFaecherAndItsDeprecatedAlias(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		env        map[string]string
		want       []string
		err        string
	}{
		{name: "unset: everything", want: nil},
		{name: "the key", yaml: "sync:\n  download_faecher: [\"132\", \"079\"]\n", want: []string{"132", "079"}},
		{name: "from the environment", env: map[string]string{"SESTD_SYNC_DOWNLOAD_FAECHER": "132,079"}, want: []string{"132", "079"}},
		{name: "the deprecated alias still works", yaml: "sync:\n  fach_filter: [\"132\"]\n", want: []string{"132"}},
		{name: "not both", yaml: "sync:\n  fach_filter: [\"132\"]\n  download_faecher: [\"079\"]\n",
			err: "sync.fach_filter: is the deprecated name of sync.download_faecher"},
		{name: "keys are digits", yaml: "sync:\n  download_faecher: [\"132\", \"Informatik\"]\n",
			err: `sync.download_faecher[1]: must be a Studienfach key (digits, e.g. "132"), got "Informatik"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.yaml != "" {
				path = writeFile(t, tc.yaml)
			}
			cfg, err := config.Load(path, func(k string) string { return tc.env[k] })
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, cfg.Sync.Faecher())
		})
	}
}
