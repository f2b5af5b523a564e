package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"

	"sestd/internal/daemon"
	"sestd/internal/metrics"
	"sestd/internal/sest"
	"sestd/internal/sest/wire"
	"sestd/internal/sest/wsdlcheck"
	"sestd/internal/sestmodel"
)

// Exit codes of `sestd sest`.
const (
	exitDiffers     = 1 // check-wsdl: differences; ping: the Servicestelle answered with an error
	exitUnreachable = 3 // ping: no answer (DNS, connection, TLS, proxy, timeout)
	exitUnreadable  = 3 // check-wsdl: the files in DIR cannot be read as WSDL/XSD
)

func cmdSest(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "sest", "check-wsdl DIR | ping [flags]", `
Checks before going live against the Servicestelle.

  check-wsdl DIR  compares the official WSDL/XSD files the Servicestelle gave
                  the university (all *.wsdl and *.xsd in DIR, with the files
                  they import) with the contract sestd is built on, and lists
                  every difference.
  ping            calls a read-only operation of the configured Servicestelle
                  and prints one line for a ticket.

Run 'sestd sest check-wsdl --help' or 'sestd sest ping --help' for details.`)
	if len(args) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: want check-wsdl or ping", errUsage)
	}
	switch args[0] {
	case "check-wsdl":
		return cmdSestCheckWSDL(e, args[1:])
	case "ping":
		return cmdSestPing(ctx, e, args[1:])
	}
	if err := parse(fs, e, args); err != nil {
		return err
	}
	fs.Usage()
	return fmt.Errorf("%w: unknown subcommand %q (want check-wsdl or ping)", errUsage, args[0])
}

func cmdSestCheckWSDL(e env, args []string) error {
	fs := newFlags(e, "sest check-wsdl", "DIR", `
Compares the official WSDL and XSD files in DIR (as the Servicestelle hands
them to a university: every *.wsdl and *.xsd in DIR or a folder below it,
e.g. sibling wsdl/ and xsd/, with the files their wsdl:import, xs:import and
xs:include name, relative to the importing file) with sestd's own WSDLs, the
contract its client and simulator are built on.

For every operation sestd calls it compares the SOAP binding (soapAction,
style, use, the soap:address path but for its version segment), the request,
response and fault elements and, recursively, their content: element names, namespaces, order,
required elements (minOccurs), repetition (maxOccurs), types, abstract types
and the derived types used as xsi:type. Each difference is one line,
"operation message/path: what differs", sestd's side first. Operations only
the official files declare are listed as a note (sestd does not call them).

Exit status: 0 no difference, 1 differences found, 2 usage,
3 the files in DIR cannot be read as WSDL/XSD.`)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("%w: want exactly one DIR", errUsage)
	}
	dir := fs.Arg(0)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return &exitError{exitUnreadable, fmt.Errorf("check-wsdl: %s is not a directory", dir)}
	}
	want, err := wsdlcheck.Load(wire.WSDLFiles())
	if err != nil {
		return fmt.Errorf("check-wsdl: sestd's own WSDLs: %w", err)
	}
	got, err := wsdlcheck.Load(os.DirFS(dir))
	if err != nil {
		return &exitError{exitUnreadable, fmt.Errorf("check-wsdl: reading %s: %w", dir, err)}
	}
	res := wsdlcheck.Compare(want, got)
	for _, d := range res.Differences {
		fmt.Fprintln(e.stdout, d)
	}
	if len(res.Extra) > 0 {
		fmt.Fprintf(e.stdout, "note: %d operation(s) only in the official files (sestd does not call them): %s\n", len(res.Extra), strings.Join(res.Extra, ", "))
	}
	if n := len(res.Differences); n > 0 {
		return &exitError{exitDiffers, fmt.Errorf("check-wsdl: %d difference(s) between %s and sestd's WSDLs (%d operations compared)", n, dir, len(want.Operations))}
	}
	fmt.Fprintf(e.stdout, "no difference: the %d operations sestd calls match %s\n", len(want.Operations), dir)
	return nil
}

func cmdSestPing(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "sest ping", "[--config FILE]", `
Calls abrufenStudienangeboteDurchHS (read-only: it lists the university's
Studienangebote) on the Servicestelle of the config (servicestelle.base_url,
username, password, hochschulnummer, interface_version, proxy_url, ca_file)
and prints one line to paste into a ticket: time, sestd version, endpoint,
Hochschulnummer, interface version, then

  ok: N Studienangebote in 183ms
  SOAP fault soap:Server UnbekannteHochschuleFehler: <the service's text>
  HTTP 401 Unauthorized from <endpoint> without a SOAP answer: check …
  DNS: …, TLS with <host>: …, connection: …, timeout after …, malformed answer: …

Try the test system first (https://hsst.hochschulstart.de/hochschule/webservice/<version>),
then production (https://dosv.hochschulstart.de/…); SESTD_SERVICESTELLE_BASE_URL
overrides the config's.

Exit status: 0 ok, 1 the Servicestelle answered with an error (fault, HTTP
status, malformed answer), 2 usage or configuration, 3 no answer (DNS,
connection, TLS, proxy, timeout).`)
	cfgPath := configFlag(fs, e)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: unexpected arguments %v", errUsage, fs.Args())
	}
	cfg, log, err := loadConfig(e, *cfgPath)
	if err != nil {
		return &exitError{exitUsage, err}
	}
	defer func() { _ = log.Sync() }()
	s := cfg.Servicestelle
	if s.Hochschulnummer == "" || s.Username == "" {
		return &exitError{exitUsage, errors.New("sest ping: servicestelle.hochschulnummer and servicestelle.username must be set (and servicestelle.password, e.g. SESTD_SERVICESTELLE_PASSWORD_FILE)")}
	}
	client, err := daemon.NewSestClient(cfg, zap.NewNop(), metrics.New(metrics.BuildInfo{Version: version, Commit: buildCommit()}))
	if err != nil {
		return &exitError{exitUsage, err}
	}
	defer client.Close()
	const op = sestmodel.OpAbrufenStudienangebote
	endpoint := strings.TrimRight(s.BaseURL, "/") + "/" + wire.ServiceStudiengaenge
	head := fmt.Sprintf("%s sestd %s ping %s %s hochschulnummer=%s interface_version=%d:",
		time.Now().UTC().Format(time.RFC3339), version, op, endpoint, s.Hochschulnummer, s.InterfaceVersion)
	start := time.Now()
	angebote, err := client.StudienangeboteAbrufen(ctx, sest.StudienangebotSuche{})
	took := time.Since(start).Round(time.Millisecond)
	if err == nil {
		fmt.Fprintf(e.stdout, "%s ok: %d Studienangebote in %s\n", head, len(angebote), took)
		return nil
	}
	what, code := pingOutcome(err, endpoint)
	fmt.Fprintf(e.stdout, "%s %s (after %s)\n", head, what, took)
	// The line above says why; the error does not repeat it.
	why := "the Servicestelle answered with an error"
	if code == exitUnreachable {
		why = "no answer"
	}
	return &exitError{code, fmt.Errorf("sest ping failed: %s (see the line on standard output)", why)}
}

// pingOutcome names what came back from endpoint and the exit code for
// it.
func pingOutcome(err error, endpoint string) (string, int) {
	var fault *sest.FaultError
	var status *sest.HTTPError
	var timeout *sest.TimeoutError
	var malformed *sest.MalformedResponseError
	var unknownType *wire.UnknownTypeError
	switch {
	case errors.As(err, &fault):
		what := fmt.Sprintf("SOAP fault %s %s: %s", fault.Code, fault.DetailType, oneLine(fault.String, 300))
		if fault.DetailType == "" {
			what = fmt.Sprintf("SOAP fault %s, fault without a type: %s", fault.Code, oneLine(fault.String, 300))
		}
		if fault.DetailCode != 0 {
			what += fmt.Sprintf(" (fehlercode %d)", fault.DetailCode)
		}
		return what, exitDiffers
	case errors.As(err, &status):
		// An HTTPError carries no SOAP fault: the answer may well not be
		// the Servicestelle's.
		what := fmt.Sprintf("HTTP %s from %s without a SOAP answer", status.Status, endpoint)
		if errors.Is(err, sest.ErrUnauthorized) {
			what += ": check servicestelle.username/password, or whether servicestelle.base_url points at the Servicestelle"
		} else {
			what += ": check whether servicestelle.base_url points at the Servicestelle's webservice"
		}
		return what, exitDiffers
	case errors.As(err, &unknownType):
		return fmt.Sprintf("answer with an xsi:type sestd does not know: %s (namespace %s) at %s; sestd's contract and the service's differ, "+
			"compare the official WSDLs with `sestd sest check-wsdl DIR`", unknownType.Type.Local, unknownType.Type.Space, unknownType.Element), exitDiffers
	case errors.As(err, &malformed):
		return "malformed answer (not the expected SOAP message; is servicestelle.base_url the webservice?): " + oneLine(malformed.Err.Error(), 300), exitDiffers
	case errors.As(err, &timeout):
		return fmt.Sprintf("timeout after %s (servicestelle.timeout): %s", timeout.After, oneLine(timeout.Err.Error(), 200)), exitUnreachable
	}
	return transportText(err, endpoint), exitUnreachable
}

// transportText says which layer failed to carry the call to endpoint.
func transportText(err error, endpoint string) string {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &dns):
		return "DNS: " + dns.Error() + " (check servicestelle.base_url and the resolver)"
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify), errors.As(err, &record):
		return "TLS with " + hostOf(endpoint) + ": " + tlsText(err) + " (servicestelle.ca_file names extra trusted CAs)"
	case errors.Is(err, syscall.ECONNREFUSED):
		// The root cause is the errno, "connection refused" again: name
		// the address instead.
		var op *net.OpError
		if errors.As(err, &op) && op.Addr != nil {
			return "connection refused by " + op.Addr.String() + " (check servicestelle.base_url, servicestelle.proxy_url and the firewall)"
		}
		return "connection refused (check servicestelle.base_url, servicestelle.proxy_url and the firewall)"
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return "connection closed by the other side: " + oneLine(err.Error(), 200)
	}
	return "no answer: " + oneLine(err.Error(), 300)
}

// tlsText says once, without Go's package prefixes and hints, why the TLS
// handshake failed: what an operator pastes into a ticket.
func tlsText(err error) string {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	if errors.As(err, &unknownCA) {
		// Its text may add "(possibly because of … while trying to verify
		// candidate authority certificate …)": the issuer says more.
		what := "certificate signed by unknown authority"
		if c := unknownCA.Cert; c != nil {
			what += fmt.Sprintf(", issued by %q", oneLine(c.Issuer.String(), 160))
		}
		return what
	}
	if errors.As(err, &hostname) {
		return oneLine(strings.TrimPrefix(hostname.Error(), "x509: "), 300)
	}
	text := rootCause(err).Error()
	for _, prefix := range []string{"tls: failed to verify certificate: ", "x509: ", "tls: "} {
		text = strings.TrimPrefix(text, prefix)
	}
	return oneLine(text, 300)
}

// hostOf is the host (and port) of a URL, or the URL when it has none.
func hostOf(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		return u.Host
	}
	return endpoint
}

func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
