package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"sestd/internal/config"
)

// Readiness reports why sestd is not ready, or nil when it is.
type Readiness func(ctx context.Context) error

// Server is the admin HTTP server.
type Server struct {
	log   *zap.Logger
	token string
	mux   *http.ServeMux
	srv   *http.Server
	api   atomic.Pointer[api]
	ui    atomic.Pointer[http.Handler]
	// console serves browsers at / and /console/ (MountConsole).
	console atomic.Pointer[http.Handler]
}

// Options are the admin server's collaborators.
type Options struct {
	Listen  string
	Token   config.Secret
	Log     *zap.Logger
	Ready   Readiness
	Metrics http.Handler
}

// New builds the server and its base routes. It refuses a non-loopback
// listen address without a token.
func New(opts Options) (*Server, error) {
	host, _, err := net.SplitHostPort(opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("admin.listen: must be host:port: %w", err)
	}
	if !config.IsLoopback(host) && opts.Token == "" {
		return nil, fmt.Errorf("admin.listen is %s, not a loopback address: refusing to serve the admin API without admin.token (set SESTD_ADMIN_TOKEN or SESTD_ADMIN_TOKEN_FILE)", opts.Listen)
	}
	s := &Server{log: opts.Log, token: opts.Token.Value(), mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := opts.Ready(ctx); err != nil {
			WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
			return
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	s.mux.Handle("GET /metrics", opts.Metrics)
	s.routes()
	s.srv = &http.Server{
		Addr:              opts.Listen,
		Handler:           s.withConsole(s.authenticate(s.mux)),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	return s, nil
}

// Handle adds a route (pattern as for http.ServeMux) behind the token.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// HandleFunc adds a route behind the token.
func (s *Server) HandleFunc(pattern string, h http.HandlerFunc) { s.mux.HandleFunc(pattern, h) }

// Handler is the whole API with authentication, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.srv.Handler }

// Listen binds the listener; Serve then serves on it. Split so that the
// caller learns of a busy port before it reports itself started.
func (s *Server) Listen() (net.Listener, error) {
	l, err := net.Listen("tcp", s.srv.Addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener on %s: %w", s.srv.Addr, err)
	}
	return l, nil
}

// Serve serves on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	if err := s.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("admin server: %w", err)
	}
	return nil
}

// Shutdown stops accepting requests and waits for running ones.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// MountConsole serves h (the operator console, with its own sign-in) at
// "/" and below "/console/"; every other route keeps the token.
func (s *Server) MountConsole(h http.Handler) { s.console.Store(&h) }

func (s *Server) withConsole(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := s.console.Load(); c != nil && (r.URL.Path == "/" || r.URL.Path == "/console" || strings.HasPrefix(r.URL.Path, "/console/")) {
			(*c).ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// The 401 answers: no token given, or one that is not admin.token.
const (
	ErrTokenMissing = "no token given: send Authorization: Bearer <admin.token> (or the token as the password of HTTP basic authentication)"
	ErrTokenWrong   = "the token does not match admin.token"
)

// authenticate checks the token in constant time: as a bearer token, or
// as the password of HTTP basic authentication (any user name), so that a
// browser can open River's UI.
func (s *Server) authenticate(next http.Handler) http.Handler {
	if s.token == "" {
		return next
	}
	want := []byte(s.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			_, got, ok = r.BasicAuth()
		}
		if !ok || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Add("WWW-Authenticate", `Bearer realm="sestd"`)
			w.Header().Add("WWW-Authenticate", `Basic realm="sestd admin (any user, the admin token as password)", charset="UTF-8"`)
			msg := ErrTokenWrong
			if auth := strings.TrimSpace(r.Header.Get("Authorization")); auth == "" || auth == "Bearer" || (ok && got == "") {
				msg = ErrTokenMissing
			}
			WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": msg})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// WriteJSON writes v as indented JSON with status. A value that does not
// encode is a bug: the answer is a 500 naming the error instead of a
// truncated body under status. A failed write means the client has gone;
// no one is left to tell.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(map[string]string{"error": "encoding the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// WriteError writes {"error": msg} with status.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, map[string]string{"error": msg})
}
