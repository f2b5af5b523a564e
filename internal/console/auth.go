package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"sestd/internal/store"
)

// Cookie names.
const (
	sessionCookie = "sestd_session"
	signinCookie  = "sestd_signin" // the sign-in form's CSRF token
)

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// secure reports whether cookies get the Secure flag.
func (c *Console) secure(r *http.Request) bool { return r.TLS != nil || c.cfg.SecureCookie }

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.secure(r),
	})
}

// remoteIP is the client's address as the listener saw it.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// session returns the request's session: from its cookie, or (with single
// sign-on) made for the account the trusted proxy names. nil when not
// signed in.
func (c *Console) session(w http.ResponseWriter, r *http.Request) (*store.Session, error) {
	var ses *store.Session
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		s, err := c.Store.SessionGet(r.Context(), ck.Value, c.cfg.SessionIdle)
		switch {
		case err == nil:
			ses = &s
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	name := c.ssoUser(r)
	if name == "" || (ses != nil && ses.User.Name == name) {
		return ses, nil
	}
	// The proxy vouches for someone (else): sign them in.
	u, err := c.Store.UserGet(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.DisabledAt != nil) {
		c.Log.Warn("single sign-on for an unknown or disabled console account", zap.String("remote", remoteIP(r)))
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s, err := c.startSession(w, r, u, "sso")
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ssoUser is the account name the trusted proxy put in console.sso_header,
// or "".
func (c *Console) ssoUser(r *http.Request) string {
	if c.cfg.SSOHeader == "" {
		return ""
	}
	v := strings.TrimSpace(r.Header.Get(c.cfg.SSOHeader))
	if v == "" {
		return ""
	}
	ip := net.ParseIP(remoteIP(r))
	for _, n := range c.proxies {
		if ip != nil && n.Contains(ip) {
			return v
		}
	}
	return ""
}

// startSession signs u in: a new session, its cookie, an audit record.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request, u store.User, how string) (*store.Session, error) {
	token, csrf := randomToken(), randomToken()
	now := c.Now()
	expires := now.Add(c.cfg.SessionTTL)
	if err := c.Store.SessionCreate(r.Context(), u.ID, token, csrf, expires); err != nil {
		return nil, err
	}
	c.setCookie(w, r, sessionCookie, token, int(c.cfg.SessionTTL.Seconds()))
	if err := c.Store.AuditInsert(r.Context(), "console:"+u.Name, "console.signin", u.Name, map[string]any{"remote": remoteIP(r), "via": how}); err != nil {
		return nil, err
	}
	c.Log.Info("console sign-in", zap.String("account", u.Name), zap.String("via", how))
	return &store.Session{User: u, CSRFToken: csrf, CreatedAt: now, ExpiresAt: expires}, nil
}

// csrfOK checks the form's _csrf against want in constant time.
func (q *request) csrfOK(want string) bool {
	got := q.r.PostFormValue("_csrf") // parses a multipart body too
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

type signinData struct {
	Name  string
	Next  string
	Token string
}

// safeNext keeps next only when it is a path inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix
	}
	return next
}

func (q *request) signinPage() {
	if q.session != nil {
		http.Redirect(q.w, q.r, safeNext(q.r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	q.showSignin(http.StatusOK, "", "")
}

func (q *request) showSignin(status int, name, msg string) {
	token := randomToken()
	q.c.setCookie(q.w, q.r, signinCookie, token, 3600)
	next := q.r.URL.Query().Get("next")
	if q.r.Method == http.MethodPost {
		next = q.r.PostFormValue("next")
	}
	p := page{Lang: q.lang, Title: text(q.lang, "signin.title"), Error: msg, req: q,
		Data: signinData{Name: name, Next: safeNext(next), Token: token}}
	if q.r.URL.Query().Get("out") == "1" {
		p.Flash = text(q.lang, "signedout")
	}
	q.renderPage(status, "signin", p)
}

// signin checks name and password, throttled per account and address.
func (q *request) signin() {
	ctx := q.ctx()
	ck, err := q.r.Cookie(signinCookie)
	if err != nil || !q.csrfOK(ck.Value) {
		q.showSignin(http.StatusForbidden, "", text(q.lang, "signin.expired"))
		return
	}
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	pw := q.r.PostFormValue("password")
	remote := remoteIP(q.r)
	since := q.c.Now().Add(-q.c.cfg.SigninWindow)
	byName, byRemote, err := q.c.Store.SigninFailureCounts(ctx, name, remote, since)
	if err != nil {
		q.fail(err)
		return
	}
	if byName >= q.c.cfg.SigninMaxFailures || byRemote >= 10*q.c.cfg.SigninMaxFailures {
		q.c.Log.Warn("console sign-in throttled", zap.String("remote", remote))
		q.showSignin(http.StatusTooManyRequests, name, text(q.lang, "signin.throttled"))
		return
	}
	u, err := q.c.Store.UserGet(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		q.fail(err)
		return
	}
	hash := u.PasswordHash
	if err != nil {
		hash = dummyHash
	}
	if !checkPassword(hash, pw) || err != nil || u.DisabledAt != nil {
		if err := q.c.Store.SigninFailureRecord(ctx, name, remote); err != nil {
			q.fail(err)
			return
		}
		if err := q.c.Store.AuditInsert(ctx, "console:"+name, "console.signin_failed", name, map[string]any{"remote": remote}); err != nil {
			q.fail(err)
			return
		}
		q.showSignin(http.StatusUnauthorized, name, text(q.lang, "signin.failed"))
		return
	}
	if err := q.c.Store.SigninFailureClear(ctx, name); err != nil {
		q.fail(err)
		return
	}
	if old, err := q.r.Cookie(sessionCookie); err == nil {
		_ = q.c.Store.SessionDelete(ctx, old.Value)
	}
	if _, err := q.c.startSession(q.w, q.r, u, "password"); err != nil {
		q.fail(fmt.Errorf("signing in: %w", err))
		return
	}
	q.c.setCookie(q.w, q.r, signinCookie, "", -1)
	http.Redirect(q.w, q.r, safeNext(q.r.PostFormValue("next")), http.StatusSeeOther)
}

func (q *request) signout() {
	if ck, err := q.r.Cookie(sessionCookie); err == nil {
		if err := q.c.Store.SessionDelete(q.ctx(), ck.Value); err != nil {
			q.fail(err)
			return
		}
	}
	if !q.audit("console.signout", q.session.User.Name, nil) {
		return
	}
	q.c.setCookie(q.w, q.r, sessionCookie, "", -1)
	http.Redirect(q.w, q.r, Prefix+"signin?out=1", http.StatusSeeOther)
}
