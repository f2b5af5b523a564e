package config

import (
	"net"
	"net/textproto"
	"time"
)

// Console configures the operator console served on the admin listener
// (internal/console).
type Console struct {
	// Enabled serves the console at / of admin.listen.
	Enabled bool `yaml:"enabled"`
	// SessionTTL is how long a sign-in lasts at most.
	SessionTTL time.Duration `yaml:"session_ttl"`
	// SessionIdle ends a session unused for this long.
	SessionIdle time.Duration `yaml:"session_idle"`
	// SecureCookie marks the session cookie Secure. It is set anyway when
	// the request came over TLS; set it behind a TLS-terminating proxy.
	SecureCookie bool `yaml:"secure_cookie"`
	// SigninMaxFailures is how many failed sign-ins per account (and ten
	// times as many per client address) within SigninWindow lock further
	// tries until the window has passed.
	SigninMaxFailures int           `yaml:"signin_max_failures"`
	SigninWindow      time.Duration `yaml:"signin_window"`
	// SSOHeader, when set, signs in the person whose account name a
	// trusted reverse proxy (e.g. Apache with Shibboleth) puts in this
	// header. Only requests from SSOTrustedProxies are believed.
	SSOHeader         string   `yaml:"sso_header"`
	SSOTrustedProxies []string `yaml:"sso_trusted_proxies"`
	// RiverUIURL and GrafanaURL are linked from the console's menu
	// (GrafanaURL hidden when empty).
	RiverUIURL string `yaml:"river_ui_url"`
	GrafanaURL string `yaml:"grafana_url"`
}

// DefaultConsole is Console's defaults.
func DefaultConsole() Console {
	return Console{
		Enabled: true, SessionTTL: 10 * time.Hour, SessionIdle: 30 * time.Minute,
		SigninMaxFailures: 5, SigninWindow: 15 * time.Minute, RiverUIURL: "/riverui/",
	}
}

func (c Console) validate(bad func(key, format string, args ...any)) {
	if c.SessionTTL < time.Minute || c.SessionTTL > 7*24*time.Hour {
		bad("console.session_ttl", "must be between 1m and 168h, got %s", c.SessionTTL)
	}
	if c.SessionIdle < time.Minute || c.SessionIdle > c.SessionTTL {
		bad("console.session_idle", "must be between 1m and console.session_ttl (%s), got %s", c.SessionTTL, c.SessionIdle)
	}
	if c.SigninMaxFailures < 1 || c.SigninMaxFailures > 100 {
		bad("console.signin_max_failures", "must be between 1 and 100, got %d", c.SigninMaxFailures)
	}
	if c.SigninWindow < time.Minute {
		bad("console.signin_window", "must be at least 1m, got %s", c.SigninWindow)
	}
	if c.SSOHeader != "" {
		if textproto.CanonicalMIMEHeaderKey(c.SSOHeader) == "Authorization" || textproto.CanonicalMIMEHeaderKey(c.SSOHeader) == "Cookie" {
			bad("console.sso_header", "must be a header of its own (e.g. X-Remote-User), got %q", c.SSOHeader)
		}
		if len(c.SSOTrustedProxies) == 0 {
			bad("console.sso_trusted_proxies", "must list the reverse proxy's addresses (e.g. [127.0.0.1/32]) when console.sso_header is set")
		}
	}
	for _, p := range c.SSOTrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			bad("console.sso_trusted_proxies", "must be IP addresses or CIDR networks, got %q", p)
		}
	}
}
