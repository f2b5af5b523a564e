package sest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest"
)

// TestResponseLimit: a response body up to MaxResponseBytes is read and
// decoded, one byte more is a transport error naming the limit, whether
// the server announces the length or sends it chunked.
func TestResponseLimit(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join("testdata", "golden", "abrufenStudienpaketeDurchHS.response.xml"))
	require.NoError(t, err)
	for _, chunked := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			if !chunked {
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			}
			_, _ = w.Write(body[:len(body)/2])
			if chunked {
				w.(http.Flusher).Flush()
			}
			_, _ = w.Write(body[len(body)/2:])
		}))
		t.Cleanup(srv.Close)
		for _, limit := range []int64{int64(len(body)), int64(len(body)) - 1} {
			cfg := clientConfig(srv.URL)
			cfg.MaxResponseBytes = limit
			c, err := sest.New(cfg, nil, nil)
			require.NoError(t, err)
			got, err := c.StudienpaketeAbrufen(context.Background())
			c.Close()
			if limit == int64(len(body)) {
				require.NoError(t, err, "chunked %v", chunked)
				require.Len(t, got, 1)
				require.Equal(t, "SP-1", got[0].Schluessel)
				continue
			}
			var te *sest.TransportError
			require.ErrorAs(t, err, &te, "chunked %v", chunked)
			require.ErrorContains(t, err, "response larger than "+strconv.FormatInt(limit, 10)+" bytes")
		}
	}
}
