package sest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tiaguinho/gosoap"
	"go.uber.org/zap"
	"golang.org/x/net/html/charset"
)

// wsdlHost is the pseudo host under which the Client's round tripper
// serves the embedded WSDLs to gosoap, which insists on reading a WSDL
// from a URL. Requests to it never reach the network.
const wsdlHost = "wsdl.sestd.invalid"

// Client talks to the Servicestelle. It is safe for concurrent use.
type Client struct {
	cfg     Config
	log     *zap.Logger
	metrics *Metrics
	base    *url.URL
	rt      http.RoundTripper
	conns   map[string]chan *conn // service -> idle conns (a bounded free list)
}

// conn is one gosoap client with its own round tripper state. gosoap's
// Client takes no context and keeps its http.Client in a field, so each
// call checks a conn out of a free list (creating one when none is idle;
// that parses the embedded WSDL once) and hands its context to the round
// tripper through the conn's callState.
type conn struct {
	soap  *gosoap.Client
	state *callState
}

// callState is what one call shares with the round tripper.
type callState struct {
	ctx       context.Context
	op        Operation
	status    int
	statusTxt string
	body      []byte
	err       error // transport error
}

var _ Servicestelle = (*Client)(nil)

// New builds a Client. cfg gets its defaults filled in and is validated;
// m may be nil (no metrics).
func New(cfg Config, log *zap.Logger, m *Metrics) (*Client, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	base, _ := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 30 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	if cfg.ProxyURL != "" {
		p, err := url.Parse(cfg.ProxyURL)
		if err != nil {
			return nil, fmt.Errorf("servicestelle.proxy_url: %w", err)
		}
		tr.Proxy = http.ProxyURL(p)
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("servicestelle.ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("servicestelle.ca_file: no certificate found in %s", cfg.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	if cfg.InsecureSkipVerify {
		tlsCfg.InsecureSkipVerify = true
		log.Warn("TLS CERTIFICATE VERIFICATION IS DISABLED for the Servicestelle (servicestelle.insecure_skip_verify): credentials and personal data can be intercepted; never use this in production",
			zap.String("base_url", cfg.BaseURL))
	}
	tr.TLSClientConfig = tlsCfg
	c := &Client{cfg: cfg, log: log, metrics: m, base: base, rt: tr, conns: map[string]chan *conn{}}
	for _, svc := range Services() {
		c.conns[svc] = make(chan *conn, maxIdleConns)
	}
	return c, nil
}

// Config returns the effective configuration (defaults filled in).
func (c *Client) Config() Config { return c.cfg }

// Close releases idle connections.
func (c *Client) Close() {
	if t, ok := c.rt.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

// maxIdleConns bounds the idle gosoap clients kept per service.
const maxIdleConns = 32

func (c *Client) getConn(service string) *conn {
	select {
	case cn := <-c.conns[service]:
		return cn
	default:
		return c.newConn(service)
	}
}

func (c *Client) putConn(service string, cn *conn) {
	select {
	case c.conns[service] <- cn:
	default:
	}
}

func (c *Client) newConn(service string) *conn {
	st := &callState{}
	hc := &http.Client{
		Transport: &roundTripper{c: c, state: st},
		// Never follow redirects: a redirect would resend the body
		// elsewhere; report it as an HTTP error instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	sc, _ := gosoap.SoapClientWithConfig("http://"+wsdlHost+"/"+service+".wsdl", hc, &gosoap.Config{})
	sc.Username = c.cfg.Username
	sc.Password = c.cfg.Password
	return &conn{soap: sc, state: st}
}

// roundTripper serves the embedded WSDL, points each request at the
// configured endpoint, sets SOAPAction, applies the call's context, reads
// the whole response and records status and body in the call state.
type roundTripper struct {
	c     *Client
	state *callState
}

func (t *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == wsdlHost {
		svc := strings.TrimSuffix(strings.TrimPrefix(req.URL.Path, "/"), ".wsdl")
		b, err := WSDL(svc)
		if err != nil {
			return nil, err
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"text/xml"}}, Body: io.NopCloser(bytes.NewReader(b)),
			ContentLength: int64(len(b)), Request: req}, nil
	}
	st := t.state
	out := req.Clone(st.ctx)
	u := *t.c.base
	u.Path = t.c.base.Path + "/" + st.op.Service
	out.URL = &u
	out.Host = u.Host
	out.Header.Set("SOAPAction", `"`+st.op.SOAPAction()+`"`)
	out.Header.Set("User-Agent", "sestd")
	if t.c.cfg.DebugBodies && t.c.log.Core().Enabled(zap.DebugLevel) && req.GetBody != nil {
		if rb, err := req.GetBody(); err == nil {
			body, _ := io.ReadAll(rb)
			t.c.log.Debug("soap request", zap.String("service", st.op.Service), zap.String("operation", st.op.Name),
				zap.String("url", u.String()), zap.Any("headers", redactHeaders(out.Header)), zap.ByteString("body", body))
		}
	}
	resp, err := t.c.rt.RoundTrip(out)
	if err != nil {
		st.err = err
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, t.c.cfg.MaxResponseBytes+1))
	if err != nil {
		st.err = fmt.Errorf("reading response: %w", err)
		return nil, st.err
	}
	if int64(len(body)) > t.c.cfg.MaxResponseBytes {
		st.err = fmt.Errorf("response larger than %d bytes", t.c.cfg.MaxResponseBytes)
		return nil, st.err
	}
	st.status, st.statusTxt, st.body = resp.StatusCode, resp.Status, body
	if t.c.cfg.DebugBodies {
		t.c.log.Debug("soap response", zap.String("service", st.op.Service), zap.String("operation", st.op.Name),
			zap.Int("status", resp.StatusCode), zap.ByteString("body", body))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Handled by Client.call from the state; gosoap would drop the body.
		return nil, errStatusHandled
	}
	// gosoap would tokenize the whole envelope only to copy the body out;
	// Client.call decodes st.body itself in one pass, so gosoap gets a
	// minimal envelope (halves the client's decoding cost, see
	// BenchmarkRoundTrip500).
	resp.Body = io.NopCloser(strings.NewReader(stubEnvelope))
	resp.ContentLength = int64(len(stubEnvelope))
	return resp, nil
}

const stubEnvelope = `<Envelope><Body></Body></Envelope>`

var errStatusHandled = errors.New("non-2xx status")

func redactHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Proxy-Authorization") {
			out[k] = "REDACTED"
			continue
		}
		out[k] = strings.Join(v, ", ")
	}
	return out
}

// call sends req (a message struct) as operation opName and decodes the
// response into resp (a pointer to the operation's response message). It
// returns *FaultError, *HTTPError, *TimeoutError, *MalformedResponseError,
// *TransportError or the context's error.
func (c *Client) call(ctx context.Context, opName string, req, resp any) (err error) {
	op, ok := operations[opName]
	if !ok {
		return fmt.Errorf("unknown operation %s", opName)
	}
	start := time.Now()
	defer func() {
		d := time.Since(start)
		c.metrics.observe(op.Service, op.Name, err, d)
		if err != nil {
			c.log.Debug("soap call failed", zap.String("operation", op.Name), zap.Duration("duration", d), zap.Error(err))
		}
	}()
	params, err := encodeParams(req, c.cfg.Location)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", op.Name, err)
	}
	callCtx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	cn := c.getConn(op.Service)
	*cn.state = callState{ctx: callCtx, op: op}
	res, callErr := cn.soap.Call(op.RequestElement(), params)
	st := *cn.state
	*cn.state = callState{}
	c.putConn(op.Service, cn)

	switch {
	case st.err != nil:
		if ctxErr := ctx.Err(); errors.Is(ctxErr, context.Canceled) {
			return fmt.Errorf("servicestelle %s: %w", op.Name, ctxErr)
		}
		if errors.Is(st.err, context.DeadlineExceeded) || isTimeout(st.err) {
			return &TimeoutError{Service: op.Service, Operation: op.Name, After: c.cfg.Timeout, Err: st.err}
		}
		return &TransportError{Service: op.Service, Operation: op.Name, Err: st.err}
	case st.status == 0:
		// gosoap failed before sending (WSDL, marshalling).
		return fmt.Errorf("servicestelle %s: %w", op.Name, callErr)
	case st.status < 200 || st.status > 299:
		if fe := parseFault(st.body, op); fe != nil {
			return fe
		}
		return &HTTPError{Service: op.Service, Operation: op.Name, StatusCode: st.status, Status: st.statusTxt}
	case callErr != nil || res == nil:
		return &MalformedResponseError{Service: op.Service, Operation: op.Name, Err: callErr}
	}
	if err := decodeBody(st.body, op, resp); err != nil {
		return err
	}
	InLocation(resp, c.cfg.Location)
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// decodeBody decodes a SOAP response envelope (or just the body's
// content) in one pass: a Fault becomes *FaultError, the expected response
// element is decoded into resp, anything else is malformed.
func decodeBody(body []byte, op Operation, resp any) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = charset.NewReaderLabel // e.g. ISO-8859-1 declared in the prolog
	for {
		tok, err := d.Token()
		if err != nil {
			return &MalformedResponseError{Service: op.Service, Operation: op.Name, Err: fmt.Errorf("no response element: %w", err)}
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "Envelope", "Body":
			continue
		case "Header":
			if err := d.Skip(); err != nil {
				return &MalformedResponseError{Service: op.Service, Operation: op.Name, Err: err}
			}
			continue
		case "Fault":
			var f soapFault
			if err := d.DecodeElement(&f, &se); err != nil {
				return &MalformedResponseError{Service: op.Service, Operation: op.Name, Err: err}
			}
			return f.toError(op)
		case op.ResponseElement():
			if err := d.DecodeElement(resp, &se); err != nil {
				return &MalformedResponseError{Service: op.Service, Operation: op.Name, Err: err}
			}
			return nil
		default:
			return &MalformedResponseError{Service: op.Service, Operation: op.Name,
				Err: fmt.Errorf("unexpected element %s, want %s", se.Name.Local, op.ResponseElement())}
		}
	}
}

type soapFault struct {
	Code   string `xml:"faultcode"`
	String string `xml:"faultstring"`
	Detail struct {
		Inner []struct {
			XMLName xml.Name
			Attrs   []xml.Attr `xml:",any,attr"`
			Code    int        `xml:"fehlercode"`
			Msg     string     `xml:"nachricht"`
		} `xml:",any"`
	} `xml:"detail"`
}

func (f soapFault) toError(op Operation) *FaultError {
	fe := &FaultError{Service: op.Service, Operation: op.Name, Code: strings.TrimSpace(f.Code), String: strings.TrimSpace(f.String)}
	if len(f.Detail.Inner) > 0 {
		in := f.Detail.Inner[0]
		fe.DetailType = in.XMLName.Local
		for _, a := range in.Attrs {
			if a.Name.Local == "type" && (a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" || a.Name.Space == "xsi") {
				_, local, found := strings.Cut(a.Value, ":")
				if !found {
					local = a.Value
				}
				fe.DetailType = local
			}
		}
		fe.DetailCode, fe.DetailMessage = in.Code, strings.TrimSpace(in.Msg)
	}
	return fe
}

// parseFault returns the fault in a non-2xx SOAP response body, or nil.
func parseFault(body []byte, op Operation) *FaultError {
	var env struct {
		Body struct {
			Fault *soapFault `xml:"Fault"`
		} `xml:"Body"`
	}
	if xml.Unmarshal(body, &env) != nil || env.Body.Fault == nil {
		return nil
	}
	return env.Body.Fault.toError(op)
}
