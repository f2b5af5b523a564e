package sest_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest"
	"sestd/internal/sest/sim"
	"sestd/internal/sest/sim/simtest"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// BenchmarkDecode500 decodes a package of 500 Bewerbungen with sestd's
// one-pass decoder (what the Client uses). gosoap's Response.Unmarshal is
// no alternative: encoding/xml cannot pick a type by xsi:type.
func BenchmarkDecode500(b *testing.B) {
	body := simtest.ResponseBody500(b)
	op, _ := wire.LookupOperation(sestmodel.OpUebermittelnBewerbungen)
	loc, _ := time.LoadLocation("Europe/Berlin")
	b.Run("sestd", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var resp wire.BewerbungListe
			if err := sest.DecodeBody(body, op, &resp); err != nil {
				b.Fatal(err)
			}
			sestmodel.InLocation(&resp, loc)
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
	respBytes := int64(len(simtest.ResponseBody500(b)))
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

// BenchmarkSimServe500 measures the simulator alone answering
// uebermittelnNeueGeaenderteBewerbungenAnHS with 500 Bewerbungen from a
// data set of 100,000 (in-process, no network).
func BenchmarkSimServe500(b *testing.B) {
	s, err := sim.New(sim.Config{Seed: 1, Bewerbungen: 100000})
	require.NoError(b, err)
	k := sestmodel.Kontext{Version: 3, Hochschulnummer: "1810", Serviceverfahren: sestmodel.Serviceverfahren{Jahr: 2026, Semester: "WS"},
		VermittlungsprozessTyp: "Koordinierung"}
	post := func(op string, req any) *httptest.ResponseRecorder {
		env, err := wire.Envelope(wire.Namespace(wire.ServiceBewerbungen), op+"Request", req, time.UTC)
		require.NoError(b, err)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/hochschule/webservice/3/bewerbungenService", strings.NewReader(string(env))))
		return rec
	}
	refsResp := post(sestmodel.OpAnfragenBewerbungen, &wire.AnfrageRequest{Kontext: k, Start: sestmodel.NewTimestamp(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))}).Body.String()
	parts := strings.Split(refsResp, "<bewerbungenService:referenz>")[1:]
	require.Len(b, parts, 100000)
	var reqs []*wire.ReferenzRequest
	for i := 0; i+500 <= len(parts); i += 500 {
		req := &wire.ReferenzRequest{Kontext: k}
		for _, part := range parts[i : i+500] {
			ref, _, ok := strings.Cut(part, "</bewerbungenService:referenz>")
			require.True(b, ok, "referenz element not closed: %.80s", part)
			req.Referenz = append(req.Referenz, ref)
		}
		reqs = append(reqs, req)
	}
	b.ReportAllocs()
	var n int64
	i := 0
	for b.Loop() {
		rec := post(sestmodel.OpUebermittelnBewerbungen, reqs[i%len(reqs)])
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
