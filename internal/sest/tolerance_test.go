package sest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"sestd/internal/sest"
	"sestd/internal/sestmodel"
)

// replay answers every call with status and body.
func replay(t *testing.T, status int, body string) (*sest.Client, *prometheus.Registry, *observer.ObservedLogs) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	reg := prometheus.NewRegistry()
	core, logs := observer.New(zapcore.DebugLevel)
	c, err := sest.New(clientConfig(srv.URL), zap.New(core), sest.NewMetrics(reg))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c, reg, logs
}

const nsDecl = `xmlns:p="http://BewerbungenServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de" ` +
	`xmlns:b="http://BewerbungenV1_0.HochschulSchnittstelle.hochschulstart.de" ` +
	`xmlns:s="http://StudiengaengeV1_0.HochschulSchnittstelle.hochschulstart.de" ` +
	`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`

func bewerbungenResponse(items string) string {
	return `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
		`<p:abrufenBewerbungenDurchHSResponse ` + nsDecl + `>` + items + `</p:abrufenBewerbungenDurchHSResponse></soap:Body></soap:Envelope>`
}

const einfachItem = `<p:bewerbung xsi:type="b:Einfachstudienangebotsbewerbung">
  <b:eingangsZeitpunkt>2026-06-02T09:00:00.000</b:eingangsZeitpunkt>
  <b:bearbeitungsstatus>gueltig</b:bearbeitungsstatus>
  <b:versionSeSt>2</b:versionSeSt>
  <b:bewerberId>B1</b:bewerberId>
  <b:einfachstudienangebotsSchluessel><s:studiengangSchluessel>82-079</s:studiengangSchluessel>
    <s:abschlussSchluessel>82</s:abschlussSchluessel><s:studienfachSchluessel>079</s:studienfachSchluessel></b:einfachstudienangebotsSchluessel>
  %s
</p:bewerbung>`

// TestUnknownElementsIgnoredAndCounted: elements a newer interface version
// adds are skipped, the known fields still read, and each is counted and
// logged at debug level.
func TestUnknownElementsIgnoredAndCounted(t *testing.T) {
	t.Parallel()
	item := strings.Replace(einfachItem, "%s", `<b:bewertungV5><b:punkte>12</b:punkte></b:bewertungV5><b:statusanmerkung>ok</b:statusanmerkung>`, 1)
	c, reg, logs := replay(t, 200, bewerbungenResponse(item+`<p:seitenInfo>1/1</p:seitenInfo>`))
	got, err := c.BewerbungenAbrufen(context.Background(), sest.Suche{BewerberID: "B1"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "B1/82-079", got[0].Key())
	require.Equal(t, 2, got[0].Version())
	require.Equal(t, "ok", got[0].Einfach.Statusanmerkung, "fields after the unknown one are read")

	const op = sestmodel.OpAbrufenBewerbungen
	require.InDelta(t, 1, unknownCount(t, reg, op, op+"Response/bewerbung/bewertungV5"), 0)
	require.InDelta(t, 1, unknownCount(t, reg, op, op+"Response/seitenInfo"), 0)
	require.Equal(t, 2, logs.FilterMessageSnippet("does not know").Len())
	require.Equal(t, op+"Response/bewerbung/bewertungV5", logs.FilterMessageSnippet("does not know").All()[0].ContextMap()["element"])
}

func unknownCount(t *testing.T, reg *prometheus.Registry, op, element string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "sestd_soap_unknown_elements_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["operation"] == op && labels["element"] == element {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no sestd_soap_unknown_elements_total{operation=%q,element=%q}", op, element)
	return 0
}

// TestUnknownOrMissingTypeIsAnError: an item of a type sestd does not know
// is an error naming the type, never a silently empty item.
func TestUnknownOrMissingTypeIsAnError(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ item, want string }{
		"unknown type": {strings.Replace(strings.Replace(einfachItem, "%s", "", 1), "b:Einfachstudienangebotsbewerbung", "b:Dreifachstudienangebotsbewerbung", 1),
			"unknown xsi:type Dreifachstudienangebotsbewerbung"},
		"known name, other namespace": {strings.Replace(strings.Replace(einfachItem, "%s", "", 1), "b:Einfachstudienangebotsbewerbung", "s:Einfachstudienangebotsbewerbung", 1),
			"unknown xsi:type Einfachstudienangebotsbewerbung (namespace http://StudiengaengeV1_0"},
		"no type": {strings.Replace(strings.Replace(einfachItem, "%s", "", 1), ` xsi:type="b:Einfachstudienangebotsbewerbung"`, "", 1),
			"bewerbung: xsi:type missing"},
	} {
		c, _, _ := replay(t, 200, bewerbungenResponse(tc.item))
		got, err := c.BewerbungenAbrufen(context.Background(), sest.Suche{BewerberID: "B1"})
		var me *sest.MalformedResponseError
		require.ErrorAs(t, err, &me, name)
		require.Contains(t, err.Error(), tc.want, name)
		require.Empty(t, got, name)
	}
}

// TestFaultTypeFromXSIType: the fault's type is the ServiceFehler's
// xsi:type, whatever the prefixes.
func TestFaultTypeFromXSIType(t *testing.T) {
	t.Parallel()
	for name, detail := range map[string]string{
		"unprefixed, default namespace": `<ServiceFehler xmlns="http://BenutzerServiceV1_0.HochschulSchnittstelle.hochschulstart.de" ` +
			`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AutorisierungsFehler"><nachricht>BAN falsch</nachricht></ServiceFehler>`,
		"prefixed, prefixes declared on the envelope": `<f:ServiceFehler i:type="f:AutorisierungsFehler"><f:fehlercode>20101</f:fehlercode><f:nachricht>BAN falsch</f:nachricht></f:ServiceFehler>`,
	} {
		body := `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:f="http://BenutzerServiceV1_0.HochschulSchnittstelle.hochschulstart.de" ` +
			`xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><S:Body><S:Fault><faultcode>S:Client</faultcode>` +
			`<faultstring>Die BAN ist nicht korrekt. [Sitzungskennung: 1]</faultstring><detail>` + detail + `</detail></S:Fault></S:Body></S:Envelope>`
		c, _, _ := replay(t, 500, body)
		_, err := c.StammdatenAbrufen(context.Background(), "B1", "X")
		var fe *sest.FaultError
		require.ErrorAs(t, err, &fe, name)
		require.Equal(t, sest.FaultAutorisierung, fe.DetailType, name)
		require.Equal(t, "BAN falsch", fe.DetailMessage, name)
		require.Equal(t, "Die BAN ist nicht korrekt. [Sitzungskennung: 1]", fe.String, name)
		require.True(t, sest.IsPermanent(err), name)
		require.False(t, errors.Is(err, sest.ErrReferenceExpired), name)
	}
}
