// Package mail sends the admins' plain-text mails (the outbox summary and
// the daily digest) over SMTP with github.com/wneessen/go-mail. It owns
// nothing else: what to mail and when is the jobs' business, retrying a
// failed delivery is River's.
package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"

	"sestd/internal/config"
)

// ErrDisabled is returned by Send when no mail host is configured.
var ErrDisabled = errors.New("mail: disabled (mail.host is empty)")

// Sender delivers mails to the configured admins.
type Sender struct {
	cfg config.Mail
	// Timeout bounds one delivery (default 30s).
	Timeout time.Duration
}

// New returns a Sender for cfg; cfg is validated by config.Validate.
func New(cfg config.Mail) *Sender { return &Sender{cfg: cfg, Timeout: 30 * time.Second} }

// Enabled reports whether a mail host is configured.
func (s *Sender) Enabled() bool { return s.cfg.Host != "" }

// Send delivers one plain-text mail to every configured recipient. It
// returns when ctx is cancelled.
func (s *Sender) Send(ctx context.Context, subject, body string) error {
	if !s.Enabled() {
		return ErrDisabled
	}
	m := gomail.NewMsg(gomail.WithEncoding(gomail.NoEncoding)) // 8bit: readable in any client and in tests
	if err := m.From(s.cfg.From); err != nil {
		return fmt.Errorf("mail.from %q: %w", s.cfg.From, err)
	}
	if err := m.To(s.cfg.To...); err != nil {
		return fmt.Errorf("mail.to: %w", err)
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(gomail.TypeTextPlain, body)

	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.Timeout)}
	switch s.cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(string(s.cfg.Password)))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail client for %s: %w", s.cfg.Host, err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("sending mail via %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}
