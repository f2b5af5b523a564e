package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"sestd/internal/importers/charset"
)

var (
	queueName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	digits    = regexp.MustCompile(`^[0-9]{1,8}$`)
)

// Validate checks every key and returns all violations at once, each naming
// its key and what is allowed.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	oneOf := func(key, val string, allowed ...string) {
		if !slices.Contains(allowed, val) {
			bad(key, "must be one of %s, got %q", strings.Join(allowed, ", "), val)
		}
	}

	oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf("log.format", c.Log.Format, "auto", "json", "console")

	if c.Database.URL == "" {
		bad("database.url", "must be set (e.g. postgres://sestd@localhost:5432/sestd)")
	}
	if c.Database.MaxConns < 2 || c.Database.MaxConns > 500 {
		bad("database.max_conns", "must be between 2 and 500, got %d", c.Database.MaxConns)
	}

	if host, _, err := net.SplitHostPort(c.Admin.Listen); err != nil {
		bad("admin.listen", "must be host:port, got %q", c.Admin.Listen)
	} else if !IsLoopback(host) && c.Admin.Token == "" {
		bad("admin.token", "must be set when admin.listen (%s) is not a loopback address; set SESTD_ADMIN_TOKEN or SESTD_ADMIN_TOKEN_FILE", c.Admin.Listen)
	}
	if c.Admin.Token != "" && len(c.Admin.Token) < 16 {
		bad("admin.token", "must be at least 16 characters")
	}
	if c.Admin.UploadMaxBytes < 1024 {
		bad("admin.upload_max_bytes", "must be at least 1024, got %d", c.Admin.UploadMaxBytes)
	}

	for _, q := range []string{"default", "sync", "outbound", "import"} {
		if _, ok := c.River.Queues[q]; !ok {
			bad("river.queues", "must give workers for sestd's queue %q (sestd's jobs run on default, sync, outbound and import)", q)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.River.Queues)) {
		if !queueName.MatchString(name) {
			bad("river.queues."+name, "queue names are lower-case letters, digits and _")
		}
		if n := c.River.Queues[name]; n < 1 || n > 1000 {
			bad("river.queues."+name, "workers must be between 1 and 1000, got %d", n)
		}
	}
	if c.River.ShutdownGrace < time.Second {
		bad("river.shutdown_grace", "must be at least 1s, got %s", c.River.ShutdownGrace)
	}
	if c.River.RescueAfter < 5*time.Second {
		bad("river.rescue_after", "must be at least 5s, got %s", c.River.RescueAfter)
	}
	if c.River.MaxAttempts < 1 || c.River.MaxAttempts > 100 {
		bad("river.max_attempts", "must be between 1 and 100, got %d", c.River.MaxAttempts)
	}

	s := c.Servicestelle
	if s.BaseURL != "" && !strings.HasPrefix(s.BaseURL, Placeholder) {
		if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("servicestelle.base_url", "must be an http(s) URL, got %q", s.BaseURL)
		} else if why := baseURLShape(u); why != "" {
			bad("servicestelle.base_url", "%s, got %q: give the webservice location ending in the interface version, without a query or a service name, "+
				"e.g. https://hsst.hochschulstart.de/hochschule/webservice/3 (sestd adds the service names itself)", why, s.BaseURL)
		}
	}
	if s.InterfaceVersion < 2 || s.InterfaceVersion > 4 {
		bad("servicestelle.interface_version", "must be 2, 3 or 4, got %d", s.InterfaceVersion)
	} else if v, ok := urlVersion(s.BaseURL); ok && v != s.InterfaceVersion {
		bad("servicestelle.base_url", "ends in interface version %d but servicestelle.interface_version is %d; make them agree (…/webservice/%d with interface_version: %d)", v, s.InterfaceVersion, s.InterfaceVersion, s.InterfaceVersion)
	}
	if s.Hochschulnummer != "" && !digits.MatchString(s.Hochschulnummer) && !strings.HasPrefix(s.Hochschulnummer, Placeholder) {
		bad("servicestelle.hochschulnummer", "must be digits, got %q", s.Hochschulnummer)
	}
	if vp := s.Vermittlungsprozess; vp.Jahr != 0 && (vp.Jahr < 2000 || vp.Jahr > 2100) {
		bad("servicestelle.vermittlungsprozess.jahr", "must be a year like 2026, got %d", vp.Jahr)
	}
	if s.Hochschulnummer != "" {
		if s.BaseURL == "" {
			bad("servicestelle.base_url", "must be set when servicestelle.hochschulnummer is: the webservice location ending in the interface version, "+
				"e.g. https://hsst.hochschulstart.de/hochschule/webservice/3 (test system) or https://dosv.hochschulstart.de/hochschule/webservice/3 (production); "+
				"there is no default, so that test and production are never mixed up (SESTD_SERVICESTELLE_BASE_URL)")
		}
		if s.Vermittlungsprozess.Jahr == 0 {
			bad("servicestelle.vermittlungsprozess.jahr", "must be set when servicestelle.hochschulnummer is (the admission round's year, e.g. 2026)")
		}
		if s.Username == "" {
			bad("servicestelle.username", "must be set when servicestelle.hochschulnummer is")
		}
		if s.Password == "" {
			bad("servicestelle.password", "must be set when servicestelle.hochschulnummer is (or SESTD_SERVICESTELLE_PASSWORD_FILE)")
		}
	}
	oneOf("servicestelle.vermittlungsprozess.semester", s.Vermittlungsprozess.Semester, "WS", "SS")
	oneOf("servicestelle.vermittlungsprozess.typ", s.Vermittlungsprozess.Typ, "Koordinierung", "Clearing")
	if s.ProxyURL != "" {
		if u, err := url.Parse(s.ProxyURL); err != nil || u.Host == "" {
			bad("servicestelle.proxy_url", "must be a URL like http://proxy:3128, got %q", s.ProxyURL)
		}
	}
	if s.Timeout < time.Second || s.Timeout > 30*time.Minute {
		bad("servicestelle.timeout", "must be between 1s and 30m, got %s", s.Timeout)
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		bad("servicestelle.time_zone", "must be an IANA zone like Europe/Berlin, got %q", s.TimeZone)
	}
	if s.PackageSize < 1 || s.PackageSize > 5000 {
		bad("servicestelle.package_size", "must be between 1 and 5000, got %d", s.PackageSize)
	}

	sched := map[string]string{
		"delta": c.Sync.Schedules.Delta, "studienangebote": c.Sync.Schedules.Studienangebote,
		"full": c.Sync.Schedules.Full, "outbound": c.Sync.Schedules.Outbound,
		"inbox": c.Sync.Schedules.Inbox, "retention": c.Sync.Schedules.Retention,
	}
	for _, name := range slices.Sorted(maps.Keys(sched)) {
		if _, err := ParseSchedule(sched[name]); err != nil {
			bad("sync.schedules."+name, "%v", err)
		}
	}
	if c.Sync.DocumentRoot == "" {
		bad("sync.document_root", "must be set")
	}
	if len(c.Sync.DownloadFaecher) > 0 && len(c.Sync.FachFilter) > 0 {
		bad("sync.fach_filter", "is the deprecated name of sync.download_faecher; set only sync.download_faecher")
	}
	for _, k := range []struct {
		key     string
		faecher []string
	}{{"sync.download_faecher", c.Sync.DownloadFaecher}, {"sync.fach_filter", c.Sync.FachFilter}} {
		for i, f := range k.faecher {
			if !digits.MatchString(f) {
				bad(fmt.Sprintf("%s[%d]", k.key, i), "must be a Studienfach key (digits, e.g. \"132\"), got %q", f)
			}
		}
	}
	for name := range c.Sync.Bearbeitungsstatus {
		if name == "" {
			bad("sync.bearbeitungsstatus", "status names must not be empty")
		}
	}

	if _, err := charset.Normalize(c.Import.Encoding); err != nil {
		bad("import.encoding", "must be auto or one of %s (utf-8, cp1252, iso-8859-1 are spelt either way), got %q", strings.Join(charset.Names(), ", "), c.Import.Encoding)
	}
	if c.Import.BatchSize < 1 || c.Import.BatchSize > 100000 {
		bad("import.batch_size", "must be between 1 and 100000, got %d", c.Import.BatchSize)
	}
	if !(c.Import.MaxRemovalShare > 0 && c.Import.MaxRemovalShare <= 1) {
		bad("import.max_removal_share", "must be a share above 0 and at most 1 (0.1 = 10 %%), got %v", c.Import.MaxRemovalShare)
	}
	for _, d := range c.Import.AllowedDirs {
		if !filepath.IsAbs(d) {
			bad("import.allowed_dirs", "must be absolute paths, got %q", d)
		}
	}
	if n, err := charset.Normalize(c.Export.Encoding); err != nil || (n != charset.UTF8 && n != charset.Windows1252) {
		bad("export.encoding", "must be utf-8 (or utf8) or windows-1252 (or cp1252), got %q", c.Export.Encoding)
	}

	if c.Mail.Host != "" {
		if c.Mail.Port < 1 || c.Mail.Port > 65535 {
			bad("mail.port", "must be a TCP port, got %d", c.Mail.Port)
		}
		oneOf("mail.tls", c.Mail.TLS, "none", "starttls", "tls")
		if !strings.Contains(c.Mail.From, "@") {
			bad("mail.from", "must be an address when mail.host is set, got %q", c.Mail.From)
		}
		if len(c.Mail.To) == 0 {
			bad("mail.to", "must list at least one address when mail.host is set")
		}
	}
	if c.Outbox.MaxAttempts < 1 {
		bad("outbox.max_attempts", "must be at least 1, got %d", c.Outbox.MaxAttempts)
	}
	if c.Outbox.Backoff < 0 {
		bad("outbox.backoff", "must not be negative, got %s", c.Outbox.Backoff)
	}
	if c.Outbox.MaxBackoff < time.Second {
		bad("outbox.max_backoff", "must be at least 1s, got %s", c.Outbox.MaxBackoff)
	} else if c.Outbox.MaxBackoff < c.Outbox.Backoff {
		bad("outbox.max_backoff", "must not be shorter than outbox.backoff (%s), got %s", c.Outbox.Backoff, c.Outbox.MaxBackoff)
	}
	for i, a := range c.Outbox.AbschlussFilter {
		if strings.TrimSpace(a) == "" || strings.ContainsAny(a, " ;,/") {
			bad(fmt.Sprintf("outbox.abschluss_filter[%d]", i), "must be an Abschluss key like 82, got %q", a)
		}
	}
	for i, a := range c.Sync.AbschlussFilter {
		if strings.TrimSpace(a) == "" || strings.ContainsAny(a, " ;,/") {
			bad(fmt.Sprintf("sync.abschluss_filter[%d]", i), "must be an Abschluss key like 82, got %q", a)
		}
	}
	if len(c.Sync.AbschlussFilter) > 0 && len(c.Outbox.AbschlussFilter) > 0 {
		bad("sync.abschluss_filter", "is the former name of outbox.abschluss_filter (what is sent to the Servicestelle); set only outbox.abschluss_filter")
	}
	if _, err := ParseSchedule(c.Outbox.Digest); err != nil {
		bad("outbox.digest", "%v", err)
	}
	c.placeholders(bad)
	c.Vergabeschema.validate(bad)
	c.Retention.validate(bad)
	c.Console.validate(bad)
	return errors.Join(errs...)
}

// ParseSchedule parses a five-field cron expression; "off" gives nil.
func ParseSchedule(expr string) (cron.Schedule, error) {
	if expr == "off" {
		return nil, nil
	}
	sched, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, fmt.Errorf("must be a cron expression like \"*/5 * * * *\" or \"off\", got %q", expr)
	}
	return sched, nil
}

// IsLoopback reports whether host (name or address) is loopback only.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Redacted renders the effective configuration as YAML with every secret
// replaced by [redacted].
func (c Config) Redacted() string {
	out, err := yaml.Marshal(c)
	if err != nil {
		return "# cannot render config: " + err.Error()
	}
	return string(redactURLPassword(out, c.Database.URL))
}

// redactURLPassword hides a password embedded in the database URL.
func redactURLPassword(out []byte, raw string) []byte {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return out
	}
	if _, has := u.User.Password(); !has {
		return out
	}
	return []byte(strings.ReplaceAll(string(out), raw, u.Redacted()))
}

// Location returns the Servicestelle's time zone (validated by Validate).
func (s Servicestelle) Location() *time.Location {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// baseURLShape says what is wrong with the shape of a base URL that parses
// as an http(s) URL, "" when nothing: sestd appends "/<service>" to it, so
// it must end in the interface version, with no query or fragment.
func baseURLShape(u *url.URL) string {
	path := strings.TrimSuffix(u.Path, "/")
	last := path[strings.LastIndex(path, "/")+1:]
	switch {
	case u.RawQuery != "" || u.ForceQuery:
		return "has a query (?" + u.RawQuery + ")"
	case u.Fragment != "":
		return "has a fragment (#" + u.Fragment + ")"
	case strings.HasSuffix(last, "Service"): // studiengaengeService, …
		return "names a service (" + last + ")"
	}
	if _, ok := urlVersion(u.String()); !ok {
		return "does not end in the interface version (…/webservice/3)"
	}
	return ""
}

// ImportKind is what CheckImportModes checks import.modes against: a kind's
// name and the modes it may be imported in. The importers declare the
// kinds; the command that loads the config passes them (importKinds in
// cmd/sestd). Config does not import the importers, so that it stays a
// leaf.
type ImportKind struct {
	Name  string
	Modes []string
}

// CheckImportModes checks import.modes against the declared kinds and
// returns every violation at once, each naming its key.
func (c *Config) CheckImportModes(kinds []ImportKind) error {
	var errs []error
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name
	}
	for _, kind := range slices.Sorted(maps.Keys(c.Import.Modes)) {
		i := slices.IndexFunc(kinds, func(k ImportKind) bool { return k.Name == kind })
		switch {
		case i < 0:
			errs = append(errs, fmt.Errorf("import.modes.%s: is not a kind; kinds are %s", kind, strings.Join(names, ", ")))
		case !slices.Contains(kinds[i].Modes, c.Import.Modes[kind]):
			errs = append(errs, fmt.Errorf("import.modes.%s: must be one of %s, got %q", kind, strings.Join(kinds[i].Modes, ", "), c.Import.Modes[kind]))
		}
	}
	return errors.Join(errs...)
}
