package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

func newSim(t *testing.T, cfg sim.Config) (*sim.Sim, *httptest.Server) {
	t.Helper()
	s, err := sim.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return s, srv
}

func do(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestWSDLServedWithOwnAddress(t *testing.T) {
	t.Parallel()
	_, srv := newSim(t, sim.Config{Bewerbungen: 10})
	for _, svc := range wire.Services() {
		resp, err := http.Get(srv.URL + "/hochschule/webservice/4/" + svc + "?wsdl")
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		require.Contains(t, string(b), `<soap:address location="`+srv.URL+`/hochschule/webservice/4/`+svc+`"/>`)
	}
	resp, err := http.Get(srv.URL + "/hochschule/webservice/9/benutzerService?wsdl")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 404, resp.StatusCode)
}

func TestAuth(t *testing.T) {
	t.Parallel()
	_, srv := newSim(t, sim.Config{Bewerbungen: 10, Username: "u", Password: "p"})
	resp, err := http.Post(srv.URL+"/hochschule/webservice/3/benutzerService", "text/xml", strings.NewReader("<x/>"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 401, resp.StatusCode)
	require.NotEmpty(t, resp.Header.Get("WWW-Authenticate"))
}

func TestHTTPTestAPI(t *testing.T) {
	t.Parallel()
	s, srv := newSim(t, sim.Config{Bewerbungen: 50, Seed: 2})
	b := s.Bewerbungen()[0]
	code, out := do(t, "POST", srv.URL+"/sim/bewerbungen/status", `{"key":"`+b.Key()+`","status":"zugelassen"}`)
	require.Equal(t, 200, code, out)
	require.Equal(t, float64(b.Version()+1), out["version"])
	cur, err := s.Bewerbung(b.Key())
	require.NoError(t, err)
	require.Equal(t, "zugelassen", cur.Bearbeitungsstatus())

	code, _ = do(t, "POST", srv.URL+"/sim/bewerbungen/status", `{"key":"nope","status":"zugelassen"}`)
	require.Equal(t, 404, code)

	code, _ = do(t, "POST", srv.URL+"/sim/bewerber/mark-deletion", `{"id":"`+b.BewerberID()+`"}`)
	require.Equal(t, 200, code)
	bw, _, err := s.Bewerber(b.BewerberID())
	require.NoError(t, err)
	require.Equal(t, sestmodel.BewerberStatusZurLoeschung, bw.Status)

	code, out = do(t, "POST", srv.URL+"/sim/dokumente", `{"id":"`+b.BewerberID()+`","dateiname":"../../etc/x.pdf"}`)
	require.Equal(t, 200, code, out)
	d, err := s.Dokument(out["dokument_id"].(string))
	require.NoError(t, err)
	require.Equal(t, "../../etc/x.pdf", d.Dateiname)

	before := s.Clock().Now()
	code, _ = do(t, "POST", srv.URL+"/sim/clock", `{"advance":"90m"}`)
	require.Equal(t, 200, code)
	require.Equal(t, 90*time.Minute, s.Clock().Now().Sub(before))

	code, out = do(t, "PUT", srv.URL+"/sim/faults/abrufenStudienpaketeDurchHS", `{"fault":{"latency":"10ms","http_error_rate":1,"http_status":502,"times":1}}`)
	require.Equal(t, 200, code, out)
	code, _ = do(t, "PUT", srv.URL+"/sim/faults/gibtsNicht", `{"fault":{"fault_rate":1}}`)
	require.Equal(t, 400, code)

	rl := s.Ranglisten()[0].Schluessel
	code, _ = do(t, "POST", srv.URL+"/sim/ranglisten/status", `{"key":"`+rl+`","status":"freigegeben"}`)
	require.Equal(t, 200, code)

	code, out = do(t, "POST", srv.URL+"/sim/churn", `{"n":25}`)
	require.Equal(t, 200, code)
	require.Equal(t, float64(25), out["applied"])

	code, out = do(t, "GET", srv.URL+"/sim/state", "")
	require.Equal(t, 200, code)
	require.Equal(t, float64(50), out["bewerbungen"])

	resp, err := http.Get(srv.URL + "/sim/snapshot/bewerbungen")
	require.NoError(t, err)
	var snap []sestmodel.Bewerbung
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&snap))
	resp.Body.Close()
	require.Len(t, snap, 50)
}

func TestChurnChangesAreSeenByTheDelta(t *testing.T) {
	t.Parallel()
	s, _ := newSim(t, sim.Config{Bewerbungen: 200, Seed: 5})
	start := s.Clock().Now()
	before := map[string]int{}
	for _, b := range s.Bewerbungen() {
		before[b.Key()] = b.Version()
	}
	s.Clock().Advance(time.Minute)
	require.Equal(t, 40, s.Churn(40))
	changed := 0
	for _, b := range s.Bewerbungen() {
		if b.Version() != before[b.Key()] {
			changed++
			require.False(t, b.LetzteAenderung().Before(start))
		}
	}
	require.Positive(t, changed)
}

func TestRealTimeClockAndServe(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s, err := sim.New(sim.Config{Bewerbungen: 20, RealTimeClock: true, Churn: 600})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t0 := s.Clock().Now()
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + ln.Addr().String() + "/hochschule/webservice/3/bewerbungenService?wsdl")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 5*time.Second, 20*time.Millisecond)
	time.Sleep(1200 * time.Millisecond)
	require.True(t, s.Clock().Now().After(t0))
	cancel()
	require.NoError(t, <-done)
}

// TestGenerationMakesDistinctApplicants checks a large generated data set:
// every Bewerbung generated, every applicant id distinct. How fast it is
// generated is BenchmarkGenerate100k's business, not a test's.
func TestGenerationMakesDistinctApplicants(t *testing.T) {
	t.Parallel()
	n := 100000
	if testing.Short() {
		n = 10000
	}
	s, err := sim.New(sim.Config{Bewerbungen: n, Seed: 1})
	require.NoError(t, err)
	require.Len(t, s.Bewerbungen(), n)
	ids := map[string]bool{}
	for _, b := range s.AllBewerber() {
		require.False(t, ids[b.ID], "unique bewerber ids")
		ids[b.ID] = true
	}
}

// BenchmarkGenerate100k measures generating the data set of `sestd sim
// --bewerbungen 100000` (about 0.5-1 s on an idle machine; quadratic
// generation would show here):
//
//	go test ./internal/sest/sim -run '^$' -bench Generate100k -benchtime 3x
func BenchmarkGenerate100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sim.New(sim.Config{Bewerbungen: 100000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSOAPErrors(t *testing.T) {
	t.Parallel()
	_, srv := newSim(t, sim.Config{Bewerbungen: 5})
	post := func(body string) (int, string) {
		resp, err := http.Post(srv.URL+"/hochschule/webservice/3/bewerbungenService", "text/xml", bytes.NewBufferString(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post("kein xml")
	require.Equal(t, 500, code)
	require.Contains(t, body, "ValidierungsFehler")
	code, body = post(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><abrufenStudienpaketeDurchHSRequest xmlns="x"/></soap:Body></soap:Envelope>`)
	require.Equal(t, 500, code)
	require.Contains(t, body, "Unbekannte Operation")
}
