package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"io/fs"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest/sim"
	"sestd/internal/sest/wire"
)

// writeWSDLSet writes sestd's embedded WSDL set to a directory, each file
// passed through edit.
func writeWSDLSet(t *testing.T, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	src := wire.WSDLFiles()
	require.NoError(t, fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		out := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, []byte(edit(string(raw))), 0o644)
	}))
	return dir
}

func TestSestCheckWSDL(t *testing.T) {
	t.Parallel()
	same := writeWSDLSet(t, func(s string) string { return s })
	out, _, err := runCLI(t, nil, "sest", "check-wsdl", same)
	require.NoError(t, err)
	require.Regexp(t, `^no difference: the \d+ operations sestd calls match `, out)

	// The official set: the Bewerbungen service's parameter namespace is
	// V1_1, bewerberId is called bewerberID in it, and it lacks
	// abrufenBewerbungenDurchHS.
	const ns = "http://BewerbungenServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de"
	official := writeWSDLSet(t, func(s string) string {
		s = strings.ReplaceAll(s, ns, strings.Replace(ns, "V1_0", "V1_1", 1))
		s = strings.ReplaceAll(s, `name="bewerberId"`, `name="bewerberID"`)
		for _, tag := range []string{"wsdl:operation"} {
			for {
				i := strings.Index(s, "<"+tag+` name="abrufenBewerbungenDurchHS"`)
				if i < 0 {
					break
				}
				j := strings.Index(s[i:], "</"+tag+">")
				s = s[:i] + s[i+j+len("</"+tag+">"):]
			}
		}
		return s
	})
	out, _, err = runCLI(t, nil, "sest", "check-wsdl", official)
	require.Error(t, err)
	require.Equal(t, 1, exitCode(err))
	require.ErrorContains(t, err, "difference(s) between "+official)
	require.Contains(t, out, "abrufenBewerbungenDurchHS: operation missing: sestd calls it")
	require.Contains(t, out, "anfragenNeueGeaenderteBewerbungenDurchHS request: namespace differs: sestd "+ns+", official http://BewerbungenServiceParamV1_1.HochschulSchnittstelle.hochschulstart.de")
	require.Contains(t, out, "/bewerberId: element name differs: sestd bewerberId, official bewerberID")

	_, _, err = runCLI(t, nil, "sest", "check-wsdl", t.TempDir())
	require.Equal(t, 3, exitCode(err))
	require.ErrorContains(t, err, "no *.wsdl or *.xsd files found")
	_, _, err = runCLI(t, nil, "sest", "check-wsdl")
	require.Equal(t, 2, exitCode(err))
	out, _, err = runCLI(t, nil, "sest", "check-wsdl", "--help")
	require.NoError(t, err)
	require.Contains(t, out, "Exit status: 0 no difference, 1 differences found")
}

func TestSestPingAgainstTheSimulator(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.Config{Seed: 3, Bewerbungen: 50, Hochschulnummer: "4411", Username: "hs4411", Password: "right-password"})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	base := sim.BaseURL(strings.TrimPrefix(srv.URL, "http://"), 3)
	env := func(user, password, hsnr string) map[string]string {
		return map[string]string{
			"SESTD_SERVICESTELLE_BASE_URL": base, "SESTD_SERVICESTELLE_USERNAME": user,
			"SESTD_SERVICESTELLE_PASSWORD": password, "SESTD_SERVICESTELLE_HOCHSCHULNUMMER": hsnr,
			"SESTD_SERVICESTELLE_VERMITTLUNGSPROZESS_JAHR": "2026", "SESTD_LOG_FORMAT": "json",
		}
	}
	line := `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ sestd \S+ ping abrufenStudienangeboteDurchHS ` + base + `/studiengaengeService hochschulnummer=%s interface_version=3: `

	out, _, err := runCLI(t, env("hs4411", "right-password", "4411"), "sest", "ping")
	require.NoError(t, err, out)
	require.Regexp(t, strings.ReplaceAll(line, "%s", "4411")+`ok: [1-9]\d* Studienangebote in \d+(\.\d+)?m?s\n$`, out)

	out, _, err = runCLI(t, env("hs4411", "wrong-password", "4411"), "sest", "ping")
	require.Equal(t, 1, exitCode(err), "%v", err)
	require.Regexp(t, strings.ReplaceAll(line, "%s", "4411")+regexp.QuoteMeta("HTTP 401 Unauthorized from "+base+"/studiengaengeService without a SOAP answer: "+
		"check servicestelle.username/password, or whether servicestelle.base_url points at the Servicestelle")+` \(after .*\)\n$`, out)

	out, _, err = runCLI(t, env("hs4411", "right-password", "9999"), "sest", "ping")
	require.Equal(t, 1, exitCode(err), "%v", err)
	require.Regexp(t, strings.ReplaceAll(line, "%s", "9999")+`SOAP fault \S+ UnbekannteHochschuleFehler: .*9999`, out)

	// Nothing listens there: no answer at all.
	dead := httptest.NewServer(nil)
	deadURL := dead.URL
	dead.Close()
	e := env("hs4411", "right-password", "4411")
	e["SESTD_SERVICESTELLE_BASE_URL"] = deadURL + "/hochschule/webservice/3"
	out, _, err = runCLI(t, e, "sest", "ping")
	require.Equal(t, 3, exitCode(err), "%v", err)
	require.Contains(t, out, ": connection refused by "+strings.TrimPrefix(deadURL, "http://")+" (check servicestelle.base_url, servicestelle.proxy_url and the firewall) (after ")
	require.NotContains(t, out, "connection refused: connection refused")

	// A certificate the host does not trust (a TLS-inspecting proxy).
	tlsSrv := httptest.NewTLSServer(s.Handler())
	t.Cleanup(tlsSrv.Close)
	e["SESTD_SERVICESTELLE_BASE_URL"] = tlsSrv.URL + "/hochschule/webservice/3"
	host := strings.TrimPrefix(tlsSrv.URL, "https://")
	out, errOut, err := runCLI(t, e, "sest", "ping")
	require.Equal(t, 3, exitCode(err), "%v", err)
	require.Regexp(t, `^\S+ sestd \S+ ping abrufenStudienangeboteDurchHS `+regexp.QuoteMeta(tlsSrv.URL+"/hochschule/webservice/3/studiengaengeService hochschulnummer=4411 interface_version=3: "+
		"TLS with "+host+`: certificate signed by unknown authority, issued by "O=Acme Co" (servicestelle.ca_file names extra trusted CAs) (after `)+`\d+m?s\)\n$`, out)
	// Said once: the error (what sestd prints on standard error) does not
	// repeat the line.
	require.Equal(t, 1, strings.Count(out+errOut+err.Error(), "certificate signed by unknown authority"))
	require.Equal(t, "sest ping failed: no answer (see the line on standard output)", err.Error())

	// A CA file with another certificate of the same name (a proxy's CA
	// renewed): Go's hint ("possibly because of … while trying to verify
	// candidate authority certificate …") stays out of the line.
	e["SESTD_SERVICESTELLE_CA_FILE"] = writeCA(t, "Acme Co")
	out, _, err = runCLI(t, e, "sest", "ping")
	require.Equal(t, 3, exitCode(err), "%v", err)
	require.Contains(t, out, "TLS with "+host+`: certificate signed by unknown authority, issued by "O=Acme Co" (servicestelle.ca_file names extra trusted CAs) (after `)
	require.NotContains(t, out, "possibly")
	require.NotContains(t, out, "x509:")
	delete(e, "SESTD_SERVICESTELLE_CA_FILE")

	e["SESTD_SERVICESTELLE_BASE_URL"] = "https://sestd-test.invalid/hochschule/webservice/3"
	out, _, err = runCLI(t, e, "sest", "ping")
	require.Equal(t, 3, exitCode(err), "%v", err)
	require.Contains(t, out, "DNS: ")

	_, _, err = runCLI(t, map[string]string{"SESTD_LOG_FORMAT": "json"}, "sest", "ping")
	require.Equal(t, 2, exitCode(err))
	require.ErrorContains(t, err, "servicestelle.hochschulnummer and servicestelle.username must be set")
}

// TestSestPingNamesWhatItCannotRead: a fault without a type and an answer
// with an xsi:type sestd does not know are named as such.
func TestSestPingNamesWhatItCannotRead(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.Config{Seed: 3, Bewerbungen: 10, Hochschulnummer: "4411", Username: "hs4411", Password: "right-password"})
	require.NoError(t, err)
	var answer func(w http.ResponseWriter, r *http.Request)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answer(w, r) }))
	t.Cleanup(srv.Close)
	e := map[string]string{
		"SESTD_SERVICESTELLE_BASE_URL": sim.BaseURL(strings.TrimPrefix(srv.URL, "http://"), 3), "SESTD_SERVICESTELLE_USERNAME": "hs4411",
		"SESTD_SERVICESTELLE_PASSWORD": "right-password", "SESTD_SERVICESTELLE_HOCHSCHULNUMMER": "4411",
		"SESTD_SERVICESTELLE_VERMITTLUNGSPROZESS_JAHR": "2026", "SESTD_LOG_FORMAT": "json",
	}

	answer = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>`+
			`<faultcode>soap:Server</faultcode><faultstring>Interner Fehler</faultstring></soap:Fault></soap:Body></soap:Envelope>`)
	}
	out, _, err := runCLI(t, e, "sest", "ping")
	require.Equal(t, 1, exitCode(err), "%v", err)
	require.Contains(t, out, "SOAP fault soap:Server, fault without a type: Interner Fehler (after ")

	// The simulator's answer with its Studienangebote's xsi:type renamed.
	answer = func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, r)
		body := rec.Body.String()
		w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
		w.WriteHeader(rec.Code)
		_, _ = io.WriteString(w, strings.ReplaceAll(body, `xsi:type="studiengaenge:Einfachstudienangebot"`, `xsi:type="studiengaenge:Einzelstudienangebot"`))
	}
	out, _, err = runCLI(t, e, "sest", "ping")
	require.Equal(t, 1, exitCode(err), "%v", err)
	require.Contains(t, out, "answer with an xsi:type sestd does not know: Einzelstudienangebot (namespace "+wire.NSStudiengaenge+
		") at abrufenStudienangeboteDurchHSResponse/studienangebot; sestd's contract and the service's differ, compare the official WSDLs with `sestd sest check-wsdl DIR`")
	require.NotContains(t, out, "base_url")
}

// writeCA writes a PEM file with a self-signed CA certificate of the
// organisation (a new key each time) and returns its path.
func writeCA(t *testing.T, org string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{Organization: []string{org}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return p
}
