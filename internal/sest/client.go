package sest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/tiaguinho/gosoap"
	"go.uber.org/zap"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
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
	hc    *http.Client // the gosoap client's, for the requests gosoap cannot encode
	state *callState
}

// callState is what one call shares with the round tripper.
type callState struct {
	ctx       context.Context //nolint:containedctx // gosoap takes no context; this per-call state is how the round tripper gets the call's
	op        wire.Operation
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
	setGosoapEnvelope()
	c := &Client{cfg: cfg, log: log, metrics: m, base: base, rt: tr, conns: map[string]chan *conn{}}
	for _, svc := range wire.Services() {
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
	return &conn{soap: sc, hc: hc, state: st}
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
		b, err := wire.WSDL(svc)
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
	body, err := readBody(resp.Body, resp.ContentLength, t.c.cfg.MaxResponseBytes)
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

// readBody reads at most limit+1 bytes of a response body (more than
// limit is the caller's error) into one buffer sized from the announced
// length when it is known and within limit (io.ReadAll would start at 512
// bytes and double: about twice the body allocated and copied again).
func readBody(r io.Reader, announced, limit int64) ([]byte, error) {
	size := int64(512)
	if announced >= 0 && announced <= limit {
		// The spare byte reads EOF without growing. An announced length
		// is not trusted beyond 64 MiB up front: a larger body grows as
		// it arrives.
		size = min(announced+1, 64<<20)
	}
	buf := make([]byte, 0, size)
	lr := io.LimitReader(r, limit+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
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
	op, ok := wire.LookupOperation(opName)
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
	nodes, err := wire.EncodeMessage(req, wire.Namespace(op.Service), c.cfg.Location)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", op.Name, err)
	}
	var (
		params    gosoap.ArrayParams
		payload   []byte
		viaGosoap = op.ViaGosoap()
	)
	if viaGosoap {
		if params, err = toParams(nodes, wire.Prefixes()); err != nil {
			return fmt.Errorf("encoding %s: %w", op.Name, err)
		}
	} else {
		payload = wire.RequestEnvelope(wire.Namespace(op.Service), op.RequestElement(), nodes)
	}
	callCtx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	cn := c.getConn(op.Service)
	*cn.state = callState{ctx: callCtx, op: op}
	var (
		res     any
		callErr error
	)
	if viaGosoap {
		var r *gosoap.Response
		r, callErr = cn.soap.Call(op.RequestElement(), params)
		if r != nil {
			res = r
		}
	} else {
		res, callErr = c.post(callCtx, cn, op, payload)
	}
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
	unknown, err := decodeBody(st.body, op, resp)
	for _, u := range unknown {
		c.metrics.unknownElement(op.Name, u)
		c.log.Debug("servicestelle sent an element sestd does not know; ignored", zap.String("operation", op.Name), zap.String("element", u))
	}
	if err != nil {
		// Nothing half-decoded reaches the caller.
		reflect.ValueOf(resp).Elem().SetZero()
		return err
	}
	sestmodel.InLocation(resp, c.cfg.Location)
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// post sends a request body that gosoap cannot encode through the conn's
// http.Client, the one gosoap uses: the same round tripper (endpoint,
// SOAPAction, context, logging, response capture), the same headers and
// basic authentication. It returns a non-nil result when a 2xx answer was
// captured.
func (c *Client) post(ctx context.Context, cn *conn, op wire.Operation, payload []byte) (any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://servicestelle.sestd.invalid/"+op.Service, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml;charset=UTF-8")
	req.Header.Set("Accept", "text/xml")
	req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	resp, err := cn.hc.Do(req)
	if err != nil {
		return nil, err
	}
	_ = resp.Body.Close()
	return resp, nil
}

// decodeBody decodes a SOAP response envelope (wire.DecodeResponse): a
// Fault becomes *FaultError, the expected response element is decoded into
// resp, anything else is a *MalformedResponseError. It returns the paths
// of the elements it did not know and skipped.
func decodeBody(body []byte, op wire.Operation, resp any) ([]string, error) {
	unknown, f, err := wire.DecodeResponse(body, op, resp)
	switch {
	case err != nil:
		return unknown, &MalformedResponseError{Service: op.Service, Operation: op.Name, Err: err}
	case f != nil:
		return nil, &FaultError{Service: op.Service, Operation: op.Name, Code: f.Code, String: f.String,
			DetailType: f.DetailType, DetailCode: f.DetailCode, DetailMessage: f.DetailMessage}
	}
	return unknown, nil
}

// parseFault returns the fault in a non-2xx SOAP response body, or nil.
func parseFault(body []byte, op wire.Operation) *FaultError {
	_, err := decodeBody(body, op, op.NewResponse())
	var fe *FaultError
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}

var setEnvelopeOnce sync.Once

// setGosoapEnvelope declares sestd's prefixes (wire.EnvelopeAttrs) on
// gosoap's envelope. gosoap keeps this in package variables
// (SetCustomEnvelope); sestd sets it once per process, always to the same
// value, before its first call.
func setGosoapEnvelope() {
	setEnvelopeOnce.Do(func() { gosoap.SetCustomEnvelope("soap", wire.EnvelopeAttrs()) })
}

// toParams renders nodes as gosoap parameters with prefixed names.
func toParams(nodes []wire.Node, pfx map[string]string) (gosoap.ArrayParams, error) {
	out := gosoap.ArrayParams{}
	for _, n := range nodes {
		if n.Type != nil {
			return nil, fmt.Errorf("%s needs xsi:type, which gosoap cannot write", n.Name.Local)
		}
		key := pfx[n.Name.Space] + ":" + n.Name.Local
		if n.Leaf {
			out = append(out, [2]any{key, n.Text})
			continue
		}
		kids, err := toParams(n.Kids, pfx)
		if err != nil {
			return nil, err
		}
		out = append(out, [2]any{key, kids})
	}
	return out, nil
}
