package demo

import (
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"sestd/internal/fsutil"
)

// startMailbox runs an SMTP server on loopback that writes every message
// it receives to dir as NNNN.eml: the demo's mail catcher. It returns the
// server's address and a function that stops it.
func startMailbox(dir string) (addr string, stop func(), err error) {
	if err := fsutil.MkdirPrivate(dir); err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listening for the mail catcher: %w", err)
	}
	var n atomic.Int64
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &mailboxSession{dir: dir, n: &n}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { _ = srv.Close() }, nil
}

type mailboxSession struct {
	dir string
	n   *atomic.Int64
}

func (s *mailboxSession) Reset()        {}
func (s *mailboxSession) Logout() error { return nil }
func (s *mailboxSession) Mail(string, *smtp.MailOptions) error {
	return nil
}
func (s *mailboxSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (s *mailboxSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, 10<<20))
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return errors.New("empty message")
	}
	name := filepath.Join(s.dir, fmt.Sprintf("%s-%04d.eml", time.Now().Format("20060102-150405"), s.n.Add(1)))
	return fsutil.WriteFileAtomic(name, raw)
}
