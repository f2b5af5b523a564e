package sest_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tiaguinho/gosoap"

	"sestd/internal/sest"
	"sestd/internal/sest/sim"
)

// responseBody500 returns the SOAP body content of an
// uebermittelnNeueGeaenderteBewerbungenAnHS response with 500 Bewerbungen,
// as the simulator sends it.
func responseBody500(tb testing.TB) []byte {
	tb.Helper()
	s, err := sim.New(sim.Config{Seed: 3, Bewerbungen: 500})
	require.NoError(tb, err)
	ctxXML := `<version>3</version><hochschulnummer>1810</hochschulnummer><serviceverfahren><jahr>2026</jahr><semester>WS</semester></serviceverfahren><vermittlungsprozessTyp>Koordinierung</vermittlungsprozessTyp>`
	post := func(op, inner string) string {
		ns := sest.Namespace(sest.ServiceBewerbungen)
		env := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><` + op + `Request xmlns="` + ns + `">` + ctxXML + inner + `</` + op + `Request></soap:Body></soap:Envelope>`
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/hochschule/webservice/3/bewerbungenService", strings.NewReader(env)))
		require.Equal(tb, 200, rec.Code, rec.Body.String())
		return rec.Body.String()
	}
	refsResp := post(sest.OpAnfragenBewerbungen, `<start>2000-01-01T00:00:00.000</start>`)
	var refs strings.Builder
	for _, part := range strings.Split(refsResp, "<referenz>")[1:] {
		refs.WriteString("<referenz>" + part[:strings.Index(part, "</referenz>")] + "</referenz>")
	}
	full := post(sest.OpUebermittelnBewerbungen, refs.String())
	start := strings.Index(full, "<soap:Body>") + len("<soap:Body>")
	end := strings.LastIndex(full, "</soap:Body>")
	return []byte(full[start:end])
}

// BenchmarkDecode500 decodes a package of 500 Bewerbungen: sestd's one-pass
// decoder (what the Client uses) against gosoap's Response.Unmarshal
// (fault check pass + payload pass).
func BenchmarkDecode500(b *testing.B) {
	body := responseBody500(b)
	op, _ := sest.LookupOperation(sest.OpUebermittelnBewerbungen)
	loc, _ := time.LoadLocation("Europe/Berlin")
	b.Run("sestd", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var resp sest.BewerbungListe
			if err := sest.DecodeBody(body, op, &resp); err != nil {
				b.Fatal(err)
			}
			sest.InLocation(&resp, loc)
			if len(resp.Bewerbung) != 500 {
				b.Fatal(len(resp.Bewerbung))
			}
		}
	})
	b.Run("gosoap-unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var resp sest.BewerbungListe
			r := &gosoap.Response{Body: body}
			if err := r.Unmarshal(&resp); err != nil {
				b.Fatal(err)
			}
			if len(resp.Bewerbung) != 500 {
				b.Fatal(len(resp.Bewerbung))
			}
		}
	})
}

// BenchmarkRoundTrip500 fetches packages of 500 Bewerbungen through the
// Client from the simulator over HTTP (loopback): encode, send, serve,
// decode. Bytes are response bytes.
func BenchmarkRoundTrip500(b *testing.B) {
	bd := setup(b, func(s *sim.Config, _ *sest.Config) { s.Bewerbungen = 5000; s.Bewerber = 2000 })
	ctx := context.Background()
	d, err := bd.client.BewerbungenAnfragen(ctx, time.Time{})
	require.NoError(b, err)
	respBytes := int64(len(responseBody500(b)))
	b.SetBytes(respBytes)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		refs := d.Referenzen[(i*500)%len(d.Referenzen):][:500]
		got, err := bd.client.BewerbungenUebermitteln(ctx, refs)
		if err != nil || len(got) != 500 {
			b.Fatal(err, len(got))
		}
		i++
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "bewerbungen/s")
	bd.sim.ResetReceived()
}

// BenchmarkSimGenerate100k measures generating the simulator's data set
// for `sestd sim --bewerbungen 100000`.
func BenchmarkSimGenerate100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sim.New(sim.Config{Seed: 1, Bewerbungen: 100000}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimServe500 measures the simulator alone answering
// uebermittelnNeueGeaenderteBewerbungenAnHS with 500 Bewerbungen from a
// data set of 100,000 (in-process, no network).
func BenchmarkSimServe500(b *testing.B) {
	s, err := sim.New(sim.Config{Seed: 1, Bewerbungen: 100000})
	require.NoError(b, err)
	ctxXML := `<version>3</version><hochschulnummer>1810</hochschulnummer><serviceverfahren><jahr>2026</jahr><semester>WS</semester></serviceverfahren><vermittlungsprozessTyp>Koordinierung</vermittlungsprozessTyp>`
	ns := sest.Namespace(sest.ServiceBewerbungen)
	post := func(op, inner string) *httptest.ResponseRecorder {
		env := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><` + op + `Request xmlns="` + ns + `">` + ctxXML + inner + `</` + op + `Request></soap:Body></soap:Envelope>`
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/hochschule/webservice/3/bewerbungenService", strings.NewReader(env)))
		return rec
	}
	refsResp := post(sest.OpAnfragenBewerbungen, `<start>2000-01-01T00:00:00.000</start>`).Body.String()
	parts := strings.Split(refsResp, "<referenz>")[1:]
	require.Len(b, parts, 100000)
	var reqs []string
	for i := 0; i+500 <= len(parts); i += 500 {
		var refs strings.Builder
		for _, part := range parts[i : i+500] {
			refs.WriteString("<referenz>" + part[:strings.Index(part, "</referenz>")] + "</referenz>")
		}
		reqs = append(reqs, refs.String())
	}
	b.ReportAllocs()
	var n int64
	i := 0
	for b.Loop() {
		rec := post(sest.OpUebermittelnBewerbungen, reqs[i%len(reqs)])
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
		n += int64(rec.Body.Len())
		i++
	}
	b.SetBytes(n / int64(max(i, 1)))
	b.ReportMetric(float64(i*500)/b.Elapsed().Seconds(), "bewerbungen/s")
	s.ResetReceived()
}
