package sest

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sestd/internal/sestmodel"
)

// Config configures a Client. Keys in errors are named as in the YAML
// config (servicestelle.*).
type Config struct {
	// BaseURL ends in the interface version, e.g.
	// https://dosv.hochschulstart.de/hochschule/webservice/3; services are
	// reached at BaseURL/<service>.
	BaseURL string
	// InterfaceVersion (2, 3 or 4) is sent in every request's context
	// block. When 0 it is taken from BaseURL's last path segment.
	InterfaceVersion int
	Username         string
	Password         string
	Hochschulnummer  string
	Jahr             int
	Semester         string // WS or SS
	// VermittlungsprozessTyp is Koordinierung (default) or Clearing.
	VermittlungsprozessTyp string
	ProxyURL               string // http(s):// proxy, optional
	CAFile                 string // PEM file with extra trusted CAs, optional
	InsecureSkipVerify     bool   // disables TLS verification; logged loudly
	// Timeout bounds each call (default 60s); the caller's ctx may be
	// shorter.
	Timeout time.Duration
	// Location is the zone of the Servicestelle's zone-less timestamps
	// (default Europe/Berlin).
	Location *time.Location
	// DebugBodies logs request and response bodies at debug level (they
	// hold personal data; the Authorization header is never logged).
	DebugBodies bool
	// MaxResponseBytes bounds a response body (default 256 MiB).
	MaxResponseBytes int64
}

// WithDefaults returns cfg with defaults filled in.
func (cfg Config) WithDefaults() Config {
	if cfg.VermittlungsprozessTyp == "" {
		cfg.VermittlungsprozessTyp = "Koordinierung"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Location == nil {
		if loc, err := time.LoadLocation("Europe/Berlin"); err == nil {
			cfg.Location = loc
		}
	}
	if cfg.InterfaceVersion == 0 {
		base := strings.TrimRight(cfg.BaseURL, "/")
		if i := strings.LastIndex(base, "/"); i >= 0 {
			if v, err := strconv.Atoi(base[i+1:]); err == nil {
				cfg.InterfaceVersion = v
			}
		}
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = 256 << 20
	}
	return cfg
}

// Validate checks a Config (after WithDefaults) and names the offending key.
func (cfg Config) Validate() error {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		return errors.New("servicestelle.base_url: required")
	case err != nil:
		return fmt.Errorf("servicestelle.base_url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("servicestelle.base_url: %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.InterfaceVersion < 2 || cfg.InterfaceVersion > 4 {
		return fmt.Errorf("servicestelle.interface_version: %d, want 2, 3 or 4", cfg.InterfaceVersion)
	}
	if cfg.Username == "" {
		return errors.New("servicestelle.username: required")
	}
	if cfg.Password == "" {
		return errors.New("servicestelle.password: required")
	}
	if cfg.Hochschulnummer == "" {
		return errors.New("servicestelle.hochschulnummer: required")
	}
	if cfg.Jahr < 2000 || cfg.Jahr > 2100 {
		return fmt.Errorf("servicestelle.jahr: %d out of range", cfg.Jahr)
	}
	if cfg.Semester != "WS" && cfg.Semester != "SS" {
		return fmt.Errorf("servicestelle.semester: %q, want WS or SS", cfg.Semester)
	}
	if cfg.VermittlungsprozessTyp != "Koordinierung" && cfg.VermittlungsprozessTyp != "Clearing" {
		return fmt.Errorf("servicestelle.vermittlungsprozess_typ: %q, want Koordinierung or Clearing", cfg.VermittlungsprozessTyp)
	}
	if cfg.ProxyURL != "" {
		if p, err := url.Parse(cfg.ProxyURL); err != nil || p.Host == "" {
			return fmt.Errorf("servicestelle.proxy_url: %q is not a URL", cfg.ProxyURL)
		}
	}
	if cfg.Timeout < 0 {
		return fmt.Errorf("servicestelle.timeout: %s is negative", cfg.Timeout)
	}
	if cfg.Location == nil {
		return errors.New("servicestelle.location: required (time zone database missing?)")
	}
	return nil
}

// Kontext returns the context block sent with every request.
func (cfg Config) Kontext() sestmodel.Kontext {
	return sestmodel.Kontext{
		Version:                cfg.InterfaceVersion,
		Hochschulnummer:        cfg.Hochschulnummer,
		Serviceverfahren:       sestmodel.Serviceverfahren{Jahr: cfg.Jahr, Semester: cfg.Semester},
		VermittlungsprozessTyp: cfg.VermittlungsprozessTyp,
	}
}

// Metrics are the Client's Prometheus metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	unknown  *prometheus.CounterVec
}

// NewMetrics creates and registers sestd_soap_requests_total{service,
// operation,outcome}, sestd_soap_request_duration_seconds{service,
// operation} and sestd_soap_unknown_elements_total{operation,element} on
// reg. A nil reg creates unregistered metrics.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sestd_soap_requests_total",
			Help: "SOAP calls to the Servicestelle by service, operation and outcome (ok, fault, http_error, timeout, malformed, error).",
		}, []string{"service", "operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sestd_soap_request_duration_seconds",
			Help:    "Duration of SOAP calls to the Servicestelle, including reading the response.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"service", "operation"}),
		unknown: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sestd_soap_unknown_elements_total",
			Help: "Elements in Servicestelle responses that sestd does not know (e.g. added by a newer interface version) and ignored, by operation and element path.",
		}, []string{"operation", "element"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.unknown)
	}
	return m
}

func (m *Metrics) observe(service, operation string, err error, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(service, operation, Outcome(err)).Inc()
	m.duration.WithLabelValues(service, operation).Observe(d.Seconds())
}

func (m *Metrics) unknownElement(operation, element string) {
	if m == nil {
		return
	}
	m.unknown.WithLabelValues(operation, element).Inc()
}
