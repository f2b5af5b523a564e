package admin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"sestd/internal/config"
)

func newTestServer(t *testing.T, listen string, token config.Secret) (*Server, error) {
	t.Helper()
	reg := prometheus.NewRegistry()
	return New(Options{
		Listen: listen, Token: token, Log: zap.NewNop(),
		Ready:   func(context.Context) error { return nil },
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
	})
}

func TestNewRefusesPublicListenWithoutToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		listen, token, err string
	}{
		{"127.0.0.1:8787", "", ""},
		{"[::1]:8787", "", ""},
		{"localhost:8787", "", ""},
		{"0.0.0.0:8787", "", "refusing to serve the admin API without admin.token"},
		{":8787", "", "refusing"},
		{"192.0.2.10:8787", "", "refusing"},
		{"0.0.0.0:8787", "a-token-of-sixteen-chars", ""},
		{"8787", "", "must be host:port"},
	} {
		t.Run(fmt.Sprintf("%s token=%t", tc.listen, tc.token != ""), func(t *testing.T) {
			t.Parallel()
			_, err := newTestServer(t, tc.listen, config.Secret(tc.token))
			if tc.err == "" {
				require.NoError(t, err, tc.listen)
			} else {
				require.ErrorContains(t, err, tc.err, tc.listen)
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	const token = "the-admin-token-123456"
	s, err := newTestServer(t, "127.0.0.1:0", token)
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	get := func(path string, auth func(*http.Request)) (int, string, http.Header) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	const missing = `{"error":"no token given: send Authorization: Bearer <admin.token> (or the token as the password of HTTP basic authentication)"}`
	const wrong = `{"error":"the token does not match admin.token"}`
	for name, tc := range map[string]struct {
		auth func(*http.Request)
		want int
		body string // of a 401
	}{
		"none":            {func(*http.Request) {}, http.StatusUnauthorized, missing},
		"bearer empty":    {func(r *http.Request) { r.Header.Set("Authorization", "Bearer ") }, http.StatusUnauthorized, missing},
		"bearer":          {func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }, http.StatusOK, ""},
		"bearer wrong":    {func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token+"x") }, http.StatusUnauthorized, wrong},
		"bearer prefix":   {func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token[:10]) }, http.StatusUnauthorized, wrong},
		"bearer no space": {func(r *http.Request) { r.Header.Set("Authorization", "Bearer"+token) }, http.StatusUnauthorized, wrong},
		"token only":      {func(r *http.Request) { r.Header.Set("Authorization", token) }, http.StatusUnauthorized, wrong},
		"basic":           {func(r *http.Request) { r.SetBasicAuth("anyone", token) }, http.StatusOK, ""},
		"basic wrong":     {func(r *http.Request) { r.SetBasicAuth(token, "nope") }, http.StatusUnauthorized, wrong},
	} {
		status, body, hdr := get("/healthz", tc.auth)
		require.Equal(t, tc.want, status, name)
		if status == http.StatusUnauthorized {
			require.JSONEq(t, tc.body, body, name)
			require.Len(t, hdr.Values("WWW-Authenticate"), 2, name)
		}
	}

	// The operator routes exist before the job queue runs, and say so.
	withToken := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	for _, path := range []string{"/api/status", "/api/jobs", "/api/runs/1", "/riverui/"} {
		status, body, _ := get(path, withToken)
		require.Equal(t, http.StatusServiceUnavailable, status, path)
		require.Contains(t, body, "starting", path)
	}
	status, body, _ := get("/api/nothing", withToken)
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "no route GET /api/nothing")
}

func TestNoTokenOnLoopbackIsOpen(t *testing.T) {
	t.Parallel()
	s, err := newTestServer(t, "127.0.0.1:0", "")
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}
