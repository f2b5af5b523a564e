// Package config owns sestd's configuration: one YAML file, every key
// overridable from the environment (SESTD_<SECTION>_<KEY>), secrets also read
// from files (SESTD_<SECTION>_<KEY>_FILE or the key `<key>_file`).
//
// Load fills defaults in one place (Default) and validates in one place
// (Validate); every error names the offending key in its YAML spelling, e.g.
// `servicestelle.package_size: must be between 1 and 5000`. Unknown keys are
// rejected. Secrets are never printed: Redacted returns a copy safe to show.
package config

import (
	"fmt"
	"os"
	"time"
)

// Config is the whole of sestd's configuration. The yaml tags are the key
// names operators write; the environment name of a key is SESTD_ followed by
// its path in upper case joined by underscores (servicestelle.base_url →
// SESTD_SERVICESTELLE_BASE_URL).
type Config struct {
	Log           Log           `yaml:"log"`
	Database      Database      `yaml:"database"`
	Admin         Admin         `yaml:"admin"`
	River         River         `yaml:"river"`
	Servicestelle Servicestelle `yaml:"servicestelle"`
	Sync          Sync          `yaml:"sync"`
	Import        Import        `yaml:"import"`
	Export        Export        `yaml:"export"`
	Mail          Mail          `yaml:"mail"`
	Outbox        Outbox        `yaml:"outbox"`
	Vergabeschema Vergabeschema `yaml:"vergabeschema"`
	Retention     Retention     `yaml:"retention"`
	Console       Console       `yaml:"console"`
}

// Log configures the process logger.
type Log struct {
	// Level is one of debug, info, warn, error.
	Level string `yaml:"level"`
	// Format is auto (console on a terminal, JSON otherwise), json or console.
	Format string `yaml:"format"`
}

// Database configures the PostgreSQL connection shared by the store and River.
type Database struct {
	// URL is a libpq connection string or URL. A password given separately
	// (Password / password_file) replaces the one in the URL.
	URL      string `yaml:"url"`
	Password Secret `yaml:"password"`
	// MaxConns bounds the pool; River and the store share it.
	MaxConns int32 `yaml:"max_conns"`
	// PasswordFile names a file holding Password (see SecretFile).
	PasswordFile SecretFile `yaml:"password_file"`
}

// Admin configures the admin HTTP listener.
type Admin struct {
	// Listen is host:port; loopback by default.
	Listen string `yaml:"listen"`
	// Token protects every admin route (Authorization: Bearer <token>).
	// Required when Listen is not a loopback address.
	Token Secret `yaml:"token"`
	// UploadMaxBytes bounds an import upload.
	UploadMaxBytes int64 `yaml:"upload_max_bytes"`
	// TokenFile names a file holding Token (see SecretFile).
	TokenFile SecretFile `yaml:"token_file"`
}

// River configures the job queue.
type River struct {
	// Queues maps queue name to its number of workers.
	Queues map[string]int `yaml:"queues"`
	// ShutdownGrace is how long running jobs may finish after SIGTERM before
	// they are cancelled.
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
	// MaxAttempts is River's default attempt limit for sestd's jobs.
	MaxAttempts int `yaml:"max_attempts"`
	// RescueAfter is when a job running that long is presumed stuck and run
	// again. Jobs of a crashed instance are rescued at once when sestd
	// starts; sync jobs hold locks, so a rescued live job never overlaps.
	RescueAfter time.Duration `yaml:"rescue_after"`
}

// Servicestelle configures the SOAP client (Sestco's SECO_* settings).
type Servicestelle struct {
	// BaseURL is the webservice location up to and including the interface
	// version, e.g. https://hsst.hochschulstart.de/hochschule/webservice/3
	// (the test system). It has no default: as in Sestco 0.3, where the
	// location became mandatory, a default would mix up test and
	// production. Required when Hochschulnummer is set.
	BaseURL          string `yaml:"base_url"`
	InterfaceVersion int    `yaml:"interface_version"`
	Username         string `yaml:"username"`
	Password         Secret `yaml:"password"`
	Hochschulnummer  string `yaml:"hochschulnummer"`
	// Vermittlungsprozess is the admission round this instance serves.
	Vermittlungsprozess Vermittlungsprozess `yaml:"vermittlungsprozess"`
	ProxyURL            string              `yaml:"proxy_url"`
	// CAFile is a PEM bundle trusted in addition to the system roots.
	CAFile string `yaml:"ca_file"`
	// InsecureSkipVerify disables TLS verification. Never in production.
	InsecureSkipVerify bool          `yaml:"insecure_skip_verify"`
	Timeout            time.Duration `yaml:"timeout"`
	// TimeZone is the zone of the Servicestelle's zone-less timestamps.
	TimeZone string `yaml:"time_zone"`
	// PackageSize is how many items one uebermitteln… call fetches or sends.
	PackageSize int `yaml:"package_size"`
	// DebugBodies logs SOAP request and response bodies at debug level.
	// They hold personal data: switch on only to diagnose.
	DebugBodies bool `yaml:"debug_bodies"`
	// PasswordFile names a file holding Password (see SecretFile).
	PasswordFile SecretFile `yaml:"password_file"`
}

// Vermittlungsprozess names one admission round.
type Vermittlungsprozess struct {
	Jahr     int    `yaml:"jahr"`
	Semester string `yaml:"semester"`
	Typ      string `yaml:"typ"`
	// Start is when the round began; an empty cursor starts here.
	Start time.Time `yaml:"start"`
}

// Sync configures the jobs that mirror the Servicestelle.
type Sync struct {
	// AbschlussFilter is the former name of Outbox.AbschlussFilter
	// (outbox.abschluss_filter), kept so that configs that mapped Sestco's
	// SECO_ABSCHLUSS_SCHLUESSEL here keep their meaning: it limits what is
	// sent. See Config.SendAbschluesse.
	AbschlussFilter []string `yaml:"abschluss_filter"`
	// DownloadFaecher (Sestco's SECO_FACH_SCHLUESSEL) limits what is
	// mirrored to these Studienfach keys: the Bewerbungen of the delta and
	// the full download (a Mehrfachbewerbung when one of its Teilfächer is
	// one of them) and the Studienangebote. Empty: everything. A full
	// download with this filter removes nothing from the mirror.
	DownloadFaecher []string `yaml:"download_faecher"`
	// FachFilter is the deprecated name of DownloadFaecher; see Faecher.
	FachFilter []string `yaml:"fach_filter"`
	// StudienangebotDownload switches the Studienangebote download.
	StudienangebotDownload bool `yaml:"studienangebot_download"`
	// DokumentDownload switches document downloads in the full download.
	// Off by default, as Sestco's SECO_DOKUMENT_DOWNLOAD (data
	// minimisation): document references are mirrored either way.
	DokumentDownload bool `yaml:"dokument_download"`
	// DocumentRoot is where documents are written.
	DocumentRoot string `yaml:"document_root"`
	// Schedules are cron expressions (five fields) or "off".
	Schedules Schedules `yaml:"schedules"`
	// Bearbeitungsstatus overrides Sestco's status-transition table.
	Bearbeitungsstatus map[string]StatusRule `yaml:"bearbeitungsstatus"`
}

// Faecher returns the Studienfach keys the mirror is limited to:
// download_faecher, or its deprecated alias fach_filter (Validate refuses
// both at once). Empty means all.
func (s Sync) Faecher() []string {
	if len(s.DownloadFaecher) > 0 {
		return s.DownloadFaecher
	}
	return s.FachFilter
}

// Schedules holds one cron expression per periodic job; "off" disables it.
type Schedules struct {
	Delta           string `yaml:"delta"`
	Studienangebote string `yaml:"studienangebote"`
	Full            string `yaml:"full"`
	Outbound        string `yaml:"outbound"`
	Inbox           string `yaml:"inbox"`
	Retention       string `yaml:"retention"`
}

// StatusRule is one row of the bearbeitungsstatus table: may the status be
// taken from / given to the Servicestelle and the university.
type StatusRule struct {
	SestIn  bool `yaml:"sest_in"`
	SestOut bool `yaml:"sest_out"`
	UniIn   bool `yaml:"uni_in"`
	UniOut  bool `yaml:"uni_out"`
}

// Import configures the file importers.
type Import struct {
	// InboxDir is scanned for new files (one subfolder per kind).
	InboxDir string `yaml:"inbox_dir"`
	// Encoding is the default when an import declares none: auto detects.
	Encoding string `yaml:"encoding"`
	// AllowedAbschlussarten restricts S-BEAT courses of study; empty allows all.
	AllowedAbschlussarten []string `yaml:"allowed_abschlussarten"`
	// MappingsFile overrides the shipped S-BEAT mappings.
	MappingsFile string `yaml:"mappings_file"`
	BatchSize    int    `yaml:"batch_size"`
	// AllowedDirs are directories, besides InboxDir, from which an import
	// triggered through the admin API may read (absolute paths).
	AllowedDirs []string `yaml:"allowed_dirs"`
	// Modes sets the mode of an import that names none, per kind (a
	// kind's name, see importers.Kinds): sync (a full export, the default
	// of every kind), create, update, remove or upsert.
	Modes map[string]string `yaml:"modes"`
	// MaxRemovalShare: a full export that would remove more than this
	// share (0 < x <= 1) of the stored rows of its scope is refused
	// unless forced; a truncated export must not wipe data.
	MaxRemovalShare float64 `yaml:"max_removal_share"`
}

// Export configures the files written for the university's systems.
type Export struct {
	Dir string `yaml:"dir"`
	// Encoding is utf-8 or windows-1252.
	Encoding string `yaml:"encoding"`
}

// Mail configures the admins' summary mail.
type Mail struct {
	// Host empty disables mail.
	Host     string   `yaml:"host"`
	Port     int      `yaml:"port"`
	TLS      string   `yaml:"tls"` // none, starttls, tls
	Username string   `yaml:"username"`
	Password Secret   `yaml:"password"`
	From     string   `yaml:"from"`
	To       []string `yaml:"to"`
	// PasswordFile names a file holding Password (see SecretFile).
	PasswordFile SecretFile `yaml:"password_file"`
}

// Outbox configures the outbound sync: which applications are sent, how
// refused items are retried, and the admins' mails.
//
// An item the Servicestelle refuses stays in the queue, as in Sestco: it
// is tried again after Backoff, doubled per attempt up to MaxBackoff,
// until it is accepted, discarded by an operator or superseded by a newer
// delivery of the same application. After MaxAttempts attempts it is
// failed: still retried, mailed to the admins once, and in every daily
// digest while it fails.
type Outbox struct {
	MaxAttempts int           `yaml:"max_attempts"` // attempts before an item counts as failed and is mailed (first try + retries)
	Backoff     time.Duration `yaml:"backoff"`      // wait before the first retry; doubles per retry up to MaxBackoff
	MaxBackoff  time.Duration `yaml:"max_backoff"`  // the longest wait between two attempts of a refused item
	Digest      string        `yaml:"digest"`       // cron of the daily mail of still-failing items, or "off"
	// AbschlussFilter limits what is sent to the Servicestelle to the
	// applications of these Abschluss keys (Sestco's
	// SECO_ABSCHLUSS_SCHLUESSEL); an item of another Abschluss is
	// discarded with that reason, not sent. Empty sends all.
	AbschlussFilter []string `yaml:"abschluss_filter"`
}

// Default returns the configuration sestd runs with when a key is not set.
func Default() Config {
	return Config{
		Log:      Log{Level: "info", Format: "auto"},
		Database: Database{URL: "postgres://localhost:5432/sestd?sslmode=disable", MaxConns: 20},
		Admin:    Admin{Listen: "127.0.0.1:8787", UploadMaxBytes: 256 << 20},
		River: River{
			Queues:        map[string]int{"default": 4, "sync": 2, "outbound": 2, "import": 2},
			ShutdownGrace: 60 * time.Second,
			MaxAttempts:   10,
			RescueAfter:   15 * time.Minute,
		},
		Servicestelle: Servicestelle{
			InterfaceVersion: 3,
			Vermittlungsprozess: Vermittlungsprozess{
				Semester: "WS", Typ: "Koordinierung",
			},
			Timeout:     60 * time.Second,
			TimeZone:    "Europe/Berlin",
			PackageSize: 500,
		},
		Sync: Sync{
			StudienangebotDownload: true,
			DocumentRoot:           "/var/lib/sestd/documents",
			Schedules: Schedules{
				Delta:           "*/5 * * * *",
				Studienangebote: "0 * * * *",
				Full:            "30 2 * * *",
				Outbound:        "*/5 * * * *",
				Inbox:           "* * * * *",
				Retention:       "15 3 * * *",
			},
		},
		Import: Import{InboxDir: "/var/lib/sestd/inbox", Encoding: "auto", BatchSize: 5000, MaxRemovalShare: 0.10},
		Export: Export{Dir: "/var/lib/sestd/export", Encoding: "utf-8"},
		Mail:   Mail{Port: 587, TLS: "starttls"},
		Outbox: Outbox{MaxAttempts: 3, Backoff: 5 * time.Minute, MaxBackoff: 24 * time.Hour, Digest: "0 7 * * *"},

		Retention: DefaultRetention(),
		Console:   DefaultConsole(),
	}
}

// Load reads the YAML file at path (none when empty), applies environment
// overrides from getenv, reads secret files and validates the result.
func Load(path string, getenv func(string) string) (Config, error) {
	cfg := Default()
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("reading config file: %w", err)
		}
		if err := decodeYAML(raw, &cfg); err != nil {
			return Config{}, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return Config{}, err
	}
	if err := applySecretFiles(&cfg, getenv); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	cfg.Export.Encoding = exportEncoding(cfg.Export.Encoding)
	return cfg, nil
}

// SendAbschluesse is the Abschluss filter of the outbound sync (Sestco's
// SECO_ABSCHLUSS_SCHLUESSEL): outbox.abschluss_filter, or its former name
// sync.abschluss_filter (Validate refuses both at once). Empty: all.
func (c Config) SendAbschluesse() []string {
	if len(c.Outbox.AbschlussFilter) > 0 {
		return c.Outbox.AbschlussFilter
	}
	return c.Sync.AbschlussFilter
}
