package admin

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// The console takes / and /console/; every other route keeps the token.
func TestMountConsoleKeepsTheTokenElsewhere(t *testing.T) {
	t.Parallel()
	s, err := newTestServer(t, "127.0.0.1:0", "a-token-of-sixteen-chars")
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	status := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(raw)
	}
	code, _ := status("/")
	require.Equal(t, http.StatusUnauthorized, code, "before the console is mounted / is the token API's")

	s.MountConsole(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "console "+r.URL.Path) }))
	for path, want := range map[string]string{"/": "console /", "/console/": "console /console/", "/console/applicants": "console /console/applicants", "/console": "console /console"} {
		code, body := status(path)
		require.Equal(t, http.StatusOK, code, path)
		require.Equal(t, want, body)
	}
	for _, path := range []string{"/api/status", "/metrics", "/healthz", "/riverui/", "/consolex"} {
		code, _ := status(path)
		require.Equal(t, http.StatusUnauthorized, code, path)
	}
}
