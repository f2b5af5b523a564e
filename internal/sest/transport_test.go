package sest_test

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/stretchr/testify/require"

	"sestd/internal/sest"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

func TestProxyURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var hits atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		out := r.Clone(r.Context())
		out.RequestURI = ""
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(proxy.Close)
	cfg := b.cfg
	cfg.ProxyURL = proxy.URL
	c, err := sest.New(cfg, nil, nil)
	require.NoError(t, err)
	_, err = c.StudienpaketeAbrufen(context.Background())
	require.NoError(t, err)
	require.Equal(t, int32(1), hits.Load())
}

func TestCustomCAAndInsecure(t *testing.T) {
	t.Parallel()
	s, err := sim.New(simConfig())
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the unknown-CA handshake error is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	ctx := context.Background()

	plain := clientConfig(srv.URL)
	c, err := sest.New(plain, nil, nil)
	require.NoError(t, err)
	_, err = c.StudienpaketeAbrufen(ctx)
	var te *sest.TransportError
	require.ErrorAs(t, err, &te, "unknown authority")
	require.Contains(t, err.Error(), "certificate")

	withCA := plain
	withCA.CAFile = caFile
	c, err = sest.New(withCA, nil, nil)
	require.NoError(t, err)
	_, err = c.StudienpaketeAbrufen(ctx)
	require.NoError(t, err)

	insecure := plain
	insecure.InsecureSkipVerify = true
	c, err = sest.New(insecure, nil, nil)
	require.NoError(t, err)
	_, err = c.StudienpaketeAbrufen(ctx)
	require.NoError(t, err)
}

func TestMetricsLint(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.client.StudienpaketeAbrufen(context.Background())
	require.NoError(t, err)
	mfs, err := b.reg.Gather()
	require.NoError(t, err)
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	require.NoError(t, err)
	require.Empty(t, problems)
	types := map[string]string{}
	for _, mf := range mfs {
		types[mf.GetName()] = mf.GetType().String()
	}
	require.Equal(t, map[string]string{"sestd_soap_requests_total": "COUNTER", "sestd_soap_request_duration_seconds": "HISTOGRAM"}, types)
	require.Equal(t, 1.0, counterValue(t, b.reg, wire.ServiceBewerberauswahl, sestmodel.OpAbrufenStudienpakete, "ok"))
}
