package sim

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// Config configures a Sim. The zero value plus defaults is a small,
// deterministic data set with a frozen clock and no authentication.
type Config struct {
	// Listen is the address ListenAndServe binds (default 127.0.0.1:8089).
	Listen string
	// Seed makes the data set and fault injection deterministic.
	Seed int64
	// Bewerber is the number of applicants (default Bewerbungen/2, at
	// least 10; raised so that no applicant needs more Bewerbungen than
	// there are Studienangebote).
	Bewerber int
	// Bewerbungen is the number of applications (default 200).
	Bewerbungen int
	// Churn is the number of random changes per minute that
	// ListenAndServe/RunChurn apply (0: none).
	Churn float64
	// Hochschulnummer the sim answers for (default 1810); others get a SOAP
	// fault.
	Hochschulnummer string
	// Username and Password for HTTP basic auth; no auth when Username is
	// empty. Wrong credentials get HTTP 401.
	Username, Password string
	// Jahr and Semester of the Serviceverfahren (default 2026, WS).
	Jahr     int
	Semester string
	// Location of the zone-less wire timestamps (default Europe/Berlin).
	Location *time.Location
	// Start is the simulated clock's start (default 2026-07-15 10:00 in
	// Location). Generated changes lie before it.
	Start time.Time
	// RealTimeClock makes the simulated clock run with real time (for
	// `sestd sim`); otherwise it stands still until Clock().Advance/Set.
	RealTimeClock bool
	// ReferenceTTL is how long delta references stay valid (default 1h of
	// simulated time).
	ReferenceTTL time.Duration
	// SameTimestamp is how many generated items share one letzteAenderung
	// (default 50).
	SameTimestamp int
	// Faults per operation name ("*" for all), see Fault.
	Faults map[string]Fault
	// MaxRecorded bounds the recorded calls kept (default 100000) and
	// MaxRecordedBytes their raw bodies (default 256 MiB); beyond either,
	// the oldest half is dropped.
	MaxRecorded      int
	MaxRecordedBytes int
	// Log receives one line per call at debug level (default no-op).
	Log *zap.Logger
}

// Fault injects failures into calls of one operation. Each rate is a
// probability in [0,1] drawn per call (seeded); 1 means every call.
type Fault struct {
	Latency       time.Duration `json:"latency,omitempty"`         // added before answering
	FaultRate     float64       `json:"fault_rate,omitempty"`      // SOAP fault TechnischerFehler, HTTP 500
	HTTPErrorRate float64       `json:"http_error_rate,omitempty"` // plain HTTP error
	HTTPStatus    int           `json:"http_status,omitempty"`     // for HTTPErrorRate (default 503)
	HangRate      float64       `json:"hang_rate,omitempty"`       // no answer until the client gives up (or HangFor)
	HangFor       time.Duration `json:"hang_for,omitempty"`        // default 10m
	TruncateRate  float64       `json:"truncate_rate,omitempty"`   // 200 with the body cut in half
	MalformedRate float64       `json:"malformed_rate,omitempty"`  // 200 with a body that is not the expected XML
	// Times limits the fault to the next Times calls of the operation
	// (0: unlimited).
	Times int `json:"times,omitempty"`
}

func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8089"
	}
	if c.Bewerbungen == 0 {
		c.Bewerbungen = 200
	}
	if c.Bewerber == 0 {
		c.Bewerber = max(10, c.Bewerbungen/2)
	}
	if c.Hochschulnummer == "" {
		c.Hochschulnummer = "1810"
	}
	if c.Jahr == 0 {
		c.Jahr = 2026
	}
	if c.Semester == "" {
		c.Semester = "WS"
	}
	if c.Location == nil {
		if loc, err := time.LoadLocation("Europe/Berlin"); err == nil {
			c.Location = loc
		} else {
			c.Location = time.UTC
		}
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2026, 7, 15, 10, 0, 0, 0, c.Location)
	}
	if c.ReferenceTTL == 0 {
		c.ReferenceTTL = time.Hour
	}
	if c.SameTimestamp == 0 {
		c.SameTimestamp = 50
	}
	if c.MaxRecorded == 0 {
		c.MaxRecorded = 100000
	}
	if c.MaxRecordedBytes == 0 {
		c.MaxRecordedBytes = 256 << 20
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	return c
}

// Validate checks the configuration and names the offending flag.
func (c Config) Validate() error {
	switch {
	case c.Bewerbungen < 0:
		return errors.New("sim --bewerbungen: negative")
	case c.Bewerber < 0:
		return errors.New("sim --bewerber: negative")
	case c.Churn < 0:
		return errors.New("sim --churn: negative")
	case c.Semester != "" && c.Semester != "WS" && c.Semester != "SS":
		return fmt.Errorf("sim semester: %q, want WS or SS", c.Semester)
	case c.Password != "" && c.Username == "":
		return errors.New("sim --password: set --username too")
	}
	for op, f := range c.Faults {
		if _, ok := wire.LookupOperation(op); !ok && op != "*" {
			return fmt.Errorf("sim faults: unknown operation %q", op)
		}
		for _, r := range []float64{f.FaultRate, f.HTTPErrorRate, f.HangRate, f.TruncateRate, f.MalformedRate} {
			if r < 0 || r > 1 {
				return fmt.Errorf("sim faults %s: rate %v not in [0,1]", op, r)
			}
		}
	}
	return nil
}

// Sim is a simulated Servicestelle. It is safe for concurrent use.
type Sim struct {
	cfg   Config
	clock *Clock
	// statusRules: who may set and leave each Bearbeitungsstatus.
	statusRules map[string]sestmodel.StatusRule

	mu sync.RWMutex
	st *store

	fmu    sync.Mutex
	faults map[string]*faultState
	rnd    *rand.Rand // fault and churn randomness, under fmu

	rmu           sync.Mutex
	recorded      []Call
	recordedBytes int
	seq           int
}

type faultState struct {
	Fault
	used int
}

// Call is one request the sim received.
type Call struct {
	Seq       int
	Service   string
	Operation string
	At        time.Time // simulated clock, UTC
	Body      []byte    // the raw SOAP envelope
	// Request is the decoded request message, e.g. *wire.BewerbungenRequest
	// (nil when it did not decode).
	Request any
	// Injected names the injected fault applied ("" for none): fault,
	// http_error, hang, truncate, malformed.
	Injected string
}

// New generates the data set and returns a Sim.
func New(cfg Config) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Sim{
		cfg:    cfg,
		clock:  newClock(cfg.Start, cfg.RealTimeClock, cfg.Location),
		faults: map[string]*faultState{},
		rnd:    rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5e57)),

		statusRules: sestmodel.DefaultStatusRules(sestmodel.InterfaceVersionNewest),
	}
	for op, f := range cfg.Faults {
		s.faults[op] = &faultState{Fault: f}
	}
	s.st = generate(cfg)
	return s, nil
}

// Config returns the effective configuration.
func (s *Sim) Config() Config { return s.cfg }

// Clock returns the simulated clock.
func (s *Sim) Clock() *Clock { return s.clock }

// BaseURL returns the base URL for a server at addr (host:port) and the
// given interface version, e.g. http://127.0.0.1:8089/hochschule/webservice/3.
func BaseURL(addr string, version int) string {
	return "http://" + addr + "/hochschule/webservice/" + strconv.Itoa(version)
}

// ListenAndServe serves the sim on cfg.Listen and applies churn until ctx
// is done; it then shuts the server down. This is what `sestd sim` runs.
func (s *Sim) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.Listen, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is ListenAndServe on an existing listener.
func (s *Sim) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.RunChurn(ctx)
	go func() {
		<-ctx.Done()
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
	}()
	s.cfg.Log.Info("servicestelle simulator listening", zap.String("base_url", BaseURL(ln.Addr().String(), 3)),
		zap.Int("bewerbungen", len(s.st.bewerbungen)), zap.Int("bewerber", len(s.st.bewerber)))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

// RunChurn applies cfg.Churn random changes per minute (of real time)
// until ctx is done.
func (s *Sim) RunChurn(ctx context.Context) {
	if s.cfg.Churn <= 0 {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var acc float64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			acc += s.cfg.Churn / 60
			if n := int(acc); n > 0 {
				acc -= float64(n)
				s.Churn(n)
			}
		}
	}
}

// Handler returns the sim's HTTP handler: the services under
// /hochschule/webservice/<version>/<service> (WSDL with ?wsdl) and the
// test API under /sim/.
func (s *Sim) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

const soapNS = "http://schemas.xmlsoap.org/soap/envelope/"

func (s *Sim) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/sim/") {
		s.serveTestAPI(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/hochschule/webservice/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	vs, service, _ := strings.Cut(rest, "/")
	if strings.HasSuffix(service, ".xsd") && r.Method == http.MethodGet {
		// The schemas the WSDLs import by relative schemaLocation.
		b, err := wire.Schema(service)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(b)
		return
	}
	version, err := strconv.Atoi(vs)
	if err != nil || version < 2 || version > 4 || wire.Namespace(service) == "" {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodGet && r.URL.Query().Has("wsdl") {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		b, err := wire.WSDLWithAddress(service, scheme+"://"+r.Host+"/hochschule/webservice/"+vs+"/"+service)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(b)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.cfg.Username != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != s.cfg.Username || p != s.cfg.Password {
			w.Header().Set("WWW-Authenticate", `Basic realm="Servicestelle"`)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 256<<20))
	if err != nil {
		http.Error(w, "reading request", http.StatusBadRequest)
		return
	}
	s.serveSOAP(w, r, version, service, body)
}

func (s *Sim) serveSOAP(w http.ResponseWriter, r *http.Request, version int, service string, body []byte) {
	// Like a schema-validating server: the request element, every element
	// below it in its official namespace, xsi:type on every polymorphic
	// item, nothing unknown; otherwise a ValidierungsFehler naming the
	// element.
	op, req, decErr := wire.ParseRequest(body, service)
	if op.Name == "" {
		s.writeFault(w, service, "soap:Client", wire.FaultValidierung, 0, "Unbekannte Operation im Dienst "+service+": "+decErr.Error())
		return
	}
	call := s.record(op, body, req, decErr == nil)

	injected, done := s.inject(w, r, op)
	s.setInjected(call, injected)
	if done {
		return
	}
	if decErr != nil {
		s.writeFault(w, service, "soap:Client", wire.FaultValidierung, 0,
			"Die Anfrage ist ungültig: "+decErr.Error()+" [Sitzungskennung: "+s.sitzungskennung()+"]")
		return
	}
	sestmodel.InLocation(req, s.cfg.Location)
	sestmodel.ToLocation(req, s.cfg.Location)
	if f := s.checkKontext(version, kontextOf(req)); f != nil {
		s.writeFault(w, service, f.code, f.typ, f.num, f.msg)
		return
	}
	resp, f := s.dispatch(op, req, version)
	if f != nil {
		s.writeFault(w, service, f.code, f.typ, f.num, f.msg)
		return
	}
	out := s.envelope(op, resp)
	s.cfg.Log.Debug("sim call", zap.String("operation", op.Name), zap.Int("response_bytes", len(out)))
	switch injected {
	case "truncate":
		out = out[:len(out)/2]
	case "malformed":
		out = []byte(`<?xml version="1.0"?><soap:Envelope xmlns:soap="` + soapNS + `"><soap:Body><kaputt>&undefined;</soap:Body>`)
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
}

func kontextOf(req any) sestmodel.Kontext {
	switch r := req.(type) {
	case *wire.KontextRequest:
		return r.Kontext
	case *wire.StudienangebotFilter:
		return r.Kontext
	case *wire.StudienangeboteRequest:
		return r.Kontext
	case *wire.StammdatenRequest:
		return r.Kontext
	case *wire.AnfrageRequest:
		return r.Kontext
	case *wire.ReferenzRequest:
		return r.Kontext
	case *wire.SuchRequest:
		return r.Kontext
	case *wire.BewerbungenRequest:
		return r.Kontext
	case *wire.StudienpaketeRequest:
		return r.Kontext
	case *wire.RanglistenRequest:
		return r.Kontext
	case *wire.RanglistenstatusRequest:
		return r.Kontext
	case *wire.ZulassungsangeboteRequest:
		return r.Kontext
	case *wire.DokumenteRequest:
		return r.Kontext
	}
	return sestmodel.Kontext{}
}

type soapFault struct {
	code, typ string
	num       int
	msg       string
}

func (s *Sim) checkKontext(version int, k sestmodel.Kontext) *soapFault {
	if k.Hochschulnummer != s.cfg.Hochschulnummer {
		return &soapFault{"soap:Server", wire.FaultUnbekannteHochschule, 0,
			fmt.Sprintf("Die Hochschule mit der Nummer %s wurde nicht gefunden. [Sitzungskennung: %s]", k.Hochschulnummer, s.sitzungskennung())}
	}
	if k.Version != version {
		return &soapFault{"soap:Client", wire.FaultValidierung, 0,
			fmt.Sprintf("Die Schnittstellenversion %d passt nicht zum Endpunkt der Version %d. [Sitzungskennung: %s]", k.Version, version, s.sitzungskennung())}
	}
	if k.Serviceverfahren.Jahr != s.cfg.Jahr || k.Serviceverfahren.Semester != s.cfg.Semester {
		return &soapFault{"soap:Client", wire.FaultValidierung, 0,
			fmt.Sprintf("Das Serviceverfahren %s %d wurde nicht gefunden. [Sitzungskennung: %s]", k.Serviceverfahren.Semester, k.Serviceverfahren.Jahr, s.sitzungskennung())}
	}
	if k.VermittlungsprozessTyp != "Koordinierung" && k.VermittlungsprozessTyp != "Clearing" {
		return &soapFault{"soap:Client", wire.FaultValidierung, 0,
			fmt.Sprintf("Unbekannter Vermittlungsprozesstyp %q. [Sitzungskennung: %s]", k.VermittlungsprozessTyp, s.sitzungskennung())}
	}
	return nil
}

func (s *Sim) sitzungskennung() string {
	now := s.clock.Now().In(s.cfg.Location)
	s.rmu.Lock()
	n := s.seq
	s.rmu.Unlock()
	return fmt.Sprintf("%s%03d_%d@51", now.Format("060102-150405"), now.Nanosecond()/1e6, n)
}

// envelope renders resp as the operation's response element in a SOAP
// envelope, in the official shape (wire.Envelope).
func (s *Sim) envelope(op wire.Operation, resp any) []byte {
	b, err := wire.Envelope(wire.Namespace(op.Service), op.ResponseElement(), resp, s.cfg.Location)
	if err != nil {
		return []byte(err.Error())
	}
	return b
}

func (s *Sim) writeFault(w http.ResponseWriter, service, code, typ string, num int, msg string) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<soap:Envelope xmlns:soap="` + soapNS + `"><soap:Body><soap:Fault><faultcode>`)
	_ = xml.EscapeText(&b, []byte(code))
	b.WriteString(`</faultcode><faultstring xml:lang="de">`)
	_ = xml.EscapeText(&b, []byte(msg))
	// The fault types are in the default namespace of ServiceFehler: a
	// public client compares the xsi:type value without prefix.
	b.WriteString(`</faultstring><detail><` + wire.FaultElement(service) + ` xmlns="` + wire.ServiceNamespace(service) +
		`" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="` + typ + `">`)
	if num != 0 {
		b.WriteString("<fehlercode>" + strconv.Itoa(num) + "</fehlercode>")
	}
	b.WriteString("<nachricht>")
	_ = xml.EscapeText(&b, []byte(msg))
	b.WriteString("</nachricht></" + wire.FaultElement(service) + "></detail></soap:Fault></soap:Body></soap:Envelope>")
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = io.WriteString(w, b.String())
}

// ---- recording ----

func (s *Sim) record(op wire.Operation, body []byte, req any, decoded bool) int {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	s.seq++
	c := Call{Seq: s.seq, Service: op.Service, Operation: op.Name, At: s.clock.Now().UTC(), Body: body}
	if decoded {
		c.Request = req
	}
	if len(s.recorded) >= s.cfg.MaxRecorded || s.recordedBytes+len(body) > s.cfg.MaxRecordedBytes {
		half := len(s.recorded) / 2
		for _, old := range s.recorded[:half] {
			s.recordedBytes -= len(old.Body)
		}
		s.recorded = append(s.recorded[:0], s.recorded[half:]...)
	}
	s.recorded = append(s.recorded, c)
	s.recordedBytes += len(body)
	return s.seq
}

func (s *Sim) setInjected(seq int, injected string) {
	if injected == "" {
		return
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	for i := len(s.recorded) - 1; i >= 0; i-- {
		if s.recorded[i].Seq == seq {
			s.recorded[i].Injected = injected
			return
		}
	}
}

// Received returns the calls received for an operation (all operations
// when op is ""), oldest first. The Request values are shared: do not
// modify them.
func (s *Sim) Received(op string) []Call {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	var out []Call
	for _, c := range s.recorded {
		if op == "" || c.Operation == op {
			out = append(out, c)
		}
	}
	return out
}

// ResetReceived forgets the recorded calls.
func (s *Sim) ResetReceived() {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	s.recorded, s.recordedBytes = nil, 0
}

// ---- fault injection ----

// SetFault sets the fault for an operation ("*" for all operations); a zero
// Fault clears it.
func (s *Sim) SetFault(op string, f Fault) error {
	if _, ok := wire.LookupOperation(op); !ok && op != "*" {
		return fmt.Errorf("unknown operation %q", op)
	}
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if f == (Fault{}) {
		delete(s.faults, op)
		return nil
	}
	s.faults[op] = &faultState{Fault: f}
	return nil
}

// ClearFaults removes all faults.
func (s *Sim) ClearFaults() {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	clear(s.faults)
}

// inject applies the operation's fault. It returns the kind applied and
// whether the response was already written.
func (s *Sim) inject(w http.ResponseWriter, r *http.Request, op wire.Operation) (string, bool) {
	s.fmu.Lock()
	fs := s.faults[op.Name]
	if fs == nil {
		fs = s.faults["*"]
	}
	if fs == nil {
		s.fmu.Unlock()
		return "", false
	}
	if fs.Times > 0 {
		if fs.used >= fs.Times {
			s.fmu.Unlock()
			return "", false
		}
		fs.used++
	}
	f := fs.Fault
	hit := func(rate float64) bool { return rate > 0 && (rate >= 1 || s.rnd.Float64() < rate) }
	kind := ""
	switch {
	case hit(f.HangRate):
		kind = "hang"
	case hit(f.FaultRate):
		kind = "fault"
	case hit(f.HTTPErrorRate):
		kind = "http_error"
	case hit(f.TruncateRate):
		kind = "truncate"
	case hit(f.MalformedRate):
		kind = "malformed"
	}
	s.fmu.Unlock()

	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return kind, true
		}
	}
	switch kind {
	case "hang":
		d := f.HangFor
		if d == 0 {
			d = 10 * time.Minute
		}
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		return kind, true
	case "fault":
		s.writeFault(w, op.Service, "soap:Server", wire.FaultTechnisch, 0,
			"Es ist ein technischer Fehler aufgetreten. Bitte versuchen Sie es später erneut. [Sitzungskennung: "+s.sitzungskennung()+"]")
		return kind, true
	case "http_error":
		st := f.HTTPStatus
		if st == 0 {
			st = http.StatusServiceUnavailable
		}
		http.Error(w, http.StatusText(st), st)
		return kind, true
	}
	return kind, false
}
