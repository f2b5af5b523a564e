// Package simtest holds test fixtures built with the simulator, for the
// tests of several packages.
package simtest

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// ResponseBody500 returns an uebermittelnNeueGeaenderteBewerbungenAnHS
// response envelope with 500 Bewerbungen, as the simulator sends it: the
// package the decoder's tests and benchmarks read.
func ResponseBody500(tb testing.TB) []byte {
	tb.Helper()
	s, err := sim.New(sim.Config{Seed: 3, Bewerbungen: 500})
	require.NoError(tb, err)
	k := sestmodel.Kontext{Version: 3, Hochschulnummer: "1810", Serviceverfahren: sestmodel.Serviceverfahren{Jahr: 2026, Semester: "WS"},
		VermittlungsprozessTyp: "Koordinierung"}
	post := func(op string, req any) string {
		env, err := wire.Envelope(wire.Namespace(wire.ServiceBewerbungen), op+"Request", req, time.UTC)
		require.NoError(tb, err)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/hochschule/webservice/3/bewerbungenService", strings.NewReader(string(env))))
		require.Equal(tb, 200, rec.Code, rec.Body.String())
		return rec.Body.String()
	}
	refsResp := post(sestmodel.OpAnfragenBewerbungen, &wire.AnfrageRequest{Kontext: k, Start: sestmodel.NewTimestamp(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))})
	var refs []string
	for _, part := range strings.Split(refsResp, "<bewerbungenService:referenz>")[1:] {
		ref, _, ok := strings.Cut(part, "</bewerbungenService:referenz>")
		require.True(tb, ok, "referenz element not closed: %.80s", part)
		refs = append(refs, ref)
	}
	require.Len(tb, refs, 500)
	return []byte(post(sestmodel.OpUebermittelnBewerbungen, &wire.ReferenzRequest{Kontext: k, Referenz: refs}))
}
