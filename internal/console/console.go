package console

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/store"
)

// Prefix is where the console is served on the admin listener.
const Prefix = "/console/"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are the console's collaborators.
type Deps struct {
	Config   config.Config
	Store    *store.Store
	River    *river.Client[pgx.Tx]
	Triggers map[string]jobs.Trigger
	Log      *zap.Logger
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
}

// Console serves the console's pages.
type Console struct {
	Deps
	cfg     config.Console
	mux     *http.ServeMux
	pages   map[string]*template.Template
	proxies []*net.IPNet
}

// New builds the console. It fails only on a programming error (a broken
// template) or a bad console.sso_trusted_proxies entry.
func New(d Deps) (*Console, error) {
	if d.Store == nil {
		return nil, errors.New("console: a store is required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Triggers == nil {
		d.Triggers = map[string]jobs.Trigger{}
	}
	c := &Console{Deps: d, cfg: d.Config.Console, mux: http.NewServeMux()}
	for _, p := range c.cfg.SSOTrustedProxies {
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil && ip.To4() != nil {
				p += "/32"
			} else {
				p += "/128"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("console.sso_trusted_proxies: %w", err)
		}
		c.proxies = append(c.proxies, n)
	}
	var err error
	loc := d.Config.Servicestelle.Location()
	if loc == nil {
		loc = time.UTC
	}
	if c.pages, err = parseTemplates(loc); err != nil {
		return nil, err
	}
	c.routes()
	return c, nil
}

// route is a page or action and the least role it needs ("" = signed in
// or not).
func (c *Console) handle(pattern, role string, h func(*request)) {
	c.mux.Handle(pattern, c.guard(role, h))
}

func (c *Console) routes() {
	static, _ := fs.Sub(staticFS, "static")
	fileServer := http.StripPrefix(Prefix+"static/", http.FileServerFS(static))
	c.mux.Handle("GET "+Prefix+"static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	}))
	c.handle("GET "+Prefix+"signin", "", (*request).signinPage)
	c.handle("POST "+Prefix+"signin", "", (*request).signin)
	c.handle("POST "+Prefix+"signout", store.RoleViewer, (*request).signout)

	c.handle("GET "+Prefix+"{$}", store.RoleViewer, (*request).overview)
	c.handle("GET "+Prefix+"applicants", store.RoleViewer, (*request).applicants)
	c.handle("GET "+Prefix+"applicants/{id}", store.RoleViewer, (*request).applicant)
	c.handle("GET "+Prefix+"applicants/{id}/documents/{doc}", store.RoleViewer, (*request).document)
	c.handle("POST "+Prefix+"applicants/{id}/export", store.RoleAdmin, (*request).subjectExport)
	c.handle("POST "+Prefix+"applicants/{id}/erase", store.RoleAdmin, (*request).subjectErase)

	c.handle("GET "+Prefix+"outbox", store.RoleViewer, (*request).outbox)
	c.handle("GET "+Prefix+"outbox/{id}", store.RoleViewer, (*request).outboxItem)
	c.handle("POST "+Prefix+"outbox/{id}/retry", store.RoleOperator, (*request).outboxRetry)
	c.handle("POST "+Prefix+"outbox/{id}/discard", store.RoleOperator, (*request).outboxDiscard)
	c.handle("POST "+Prefix+"outbox/retry-failed", store.RoleOperator, (*request).outboxRetryFailed)

	c.handle("GET "+Prefix+"imports", store.RoleViewer, (*request).imports)
	c.handle("POST "+Prefix+"imports", store.RoleOperator, (*request).importUpload)
	c.handle("GET "+Prefix+"import-jobs/{job}", store.RoleViewer, (*request).importJob)
	c.handle("GET "+Prefix+"imports/{id}/rejects", store.RoleViewer, (*request).importRejects)

	c.handle("GET "+Prefix+"ranglisten", store.RoleViewer, (*request).ranglisten)
	c.handle("GET "+Prefix+"ranglisten/{key}", store.RoleViewer, (*request).rangliste)
	c.handle("POST "+Prefix+"ranglisten/confirm", store.RoleOperator, (*request).rangConfirm)
	c.handle("POST "+Prefix+"ranglisten/send", store.RoleOperator, (*request).rangSend)

	c.handle("GET "+Prefix+"jobs", store.RoleViewer, (*request).jobs)
	c.handle("POST "+Prefix+"jobs", store.RoleOperator, (*request).jobTrigger)
	c.handle("GET "+Prefix+"uploadlog", store.RoleViewer, (*request).uploadLog)
	c.handle("GET "+Prefix+"audit", store.RoleAdmin, (*request).auditLog)
	c.mux.Handle(Prefix, c.guard(store.RoleViewer, func(q *request) { q.notFound() }))
}

// ServeHTTP serves the console; "/" is sent to the overview.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	if r.URL.Path == "/" || r.URL.Path == "/console" {
		http.Redirect(w, r, Prefix, http.StatusFound)
		return
	}
	c.mux.ServeHTTP(w, r)
}

// request is one request with its session and language.
type request struct {
	c       *Console
	w       http.ResponseWriter
	r       *http.Request
	lang    string
	session *store.Session // nil when not signed in
}

func (q *request) ctx() context.Context { return q.r.Context() }

// actor is the audit log's name for the signed-in person.
func (q *request) actor() string { return "console:" + q.session.User.Name }

// roleRank orders the roles.
func roleRank(role string) int { return slices.Index(store.Roles, role) }

// may reports whether the signed-in person has at least role.
func (q *request) may(role string) bool {
	return q.session != nil && roleRank(q.session.User.Role) >= roleRank(role)
}

// guard finds the session, sends people who are not signed in to the
// sign-in page, refuses a role too small and a POST without the session's
// CSRF token.
func (c *Console) guard(role string, h func(*request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := &request{c: c, w: w, r: r, lang: lang(r)}
		w.Header().Set("Cache-Control", "no-store")
		ses, err := c.session(w, r)
		if err != nil {
			q.fail(err)
			return
		}
		q.session = ses
		if role == "" {
			h(q)
			return
		}
		if ses == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Prefix+"signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			q.errorPage(http.StatusForbidden, text(q.lang, "err.csrf"))
			return
		}
		if !q.may(role) {
			q.errorPage(http.StatusForbidden, text(q.lang, "err.forbidden")+" "+text(q.lang, "err.forbidden.need")+": "+text(q.lang, "role."+role)+".")
			return
		}
		if r.Method == http.MethodPost {
			limit := c.Config.Admin.UploadMaxBytes + 1<<20
			if r.ContentLength > limit {
				q.errorPage(http.StatusRequestEntityTooLarge, text(q.lang, "im.toolarge"))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if r.Method == http.MethodPost && !q.csrfOK(ses.CSRFToken) {
			q.errorPage(http.StatusForbidden, text(q.lang, "err.csrf"))
			return
		}
		h(q)
	})
}

// page is what every template gets.
type page struct {
	Lang    string
	Title   string
	Nav     string
	User    *store.User
	CSRF    string
	Flash   string
	Error   string
	Refresh int
	RiverUI string
	Grafana string
	Data    any
	req     *request
}

// T returns the text of key in the page's language.
func (p page) T(key string) string { return text(p.Lang, key) }

// N is the text key for a count of n: key+".one" for exactly one, else
// key (the plural).
func (p page) N(n any, key string) string {
	if n == 1 || n == int64(1) {
		return p.T(key + ".one")
	}
	return p.T(key)
}

// May reports whether the signed-in person has at least role.
func (p page) May(role string) bool { return p.req.may(role) }

// render writes the page name with data.
func (q *request) render(status int, name, nav, title string, data any) {
	q.renderPage(status, name, q.newPage(0, nav, title, data))
}

// renderRefresh renders a page that reloads itself every refresh seconds.
func (q *request) renderRefresh(refresh int, name, nav, title string, data any) {
	q.renderPage(http.StatusOK, name, q.newPage(refresh, nav, title, data))
}

func (q *request) newPage(refresh int, nav, title string, data any) page {
	p := page{Lang: q.lang, Title: title, Nav: nav, Data: data, req: q, Refresh: refresh,
		RiverUI: q.c.cfg.RiverUIURL, Grafana: q.c.cfg.GrafanaURL, Flash: q.r.URL.Query().Get("flash")}
	if q.session != nil {
		p.User, p.CSRF = &q.session.User, q.session.CSRFToken
	}
	return p
}

func (q *request) renderPage(status int, name string, p page) {
	t, ok := q.c.pages[name]
	if !ok {
		q.fail(fmt.Errorf("no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		q.fail(fmt.Errorf("rendering %s: %w", name, err))
		return
	}
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.WriteHeader(status)
	_, _ = q.w.Write(buf.Bytes())
}

// errorPage answers status with a message for people.
func (q *request) errorPage(status int, msg string) {
	q.render(status, "error", "", text(q.lang, "err.title"), msg)
}

func (q *request) notFound() { q.errorPage(http.StatusNotFound, text(q.lang, "err.notfound")) }

// found reports whether a record was read; when it was not, it has
// answered: 404 for one that is not there, 500 for another error.
func (q *request) found(err error) bool {
	switch {
	case errors.Is(err, store.ErrNotFound):
		q.notFound()
		return false
	case err != nil:
		q.fail(err)
		return false
	}
	return true
}

// fail answers an unexpected error: the details go to the log (they may
// quote personal data), the person gets a reference.
func (q *request) fail(err error) {
	if q.r.Context().Err() != nil {
		return
	}
	ref := fmt.Sprintf("%x", time.Now().UnixNano())
	q.c.Log.Error("console request failed", zap.String("method", q.r.Method), zap.String("path", q.r.URL.Path), zap.String("ref", ref), zap.Error(err))
	q.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	q.w.WriteHeader(http.StatusInternalServerError)
	_, _ = fmt.Fprintf(q.w, "%s %s\n", text(q.lang, "err.internal"), ref)
}

// audit records what the person did or read; false when recording failed
// (then it has answered).
func (q *request) audit(action, subject string, detail map[string]any) bool {
	if err := q.c.Store.AuditInsert(q.ctx(), q.actor(), action, subject, detail); err != nil {
		q.fail(fmt.Errorf("recording %s in the audit log: %w", action, err))
		return false
	}
	return true
}

// redirect answers a POST with 303 to path (and a flash message).
func (q *request) redirect(path, flash string) {
	if flash != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "flash=" + url.QueryEscape(flash)
	}
	http.Redirect(q.w, q.r, path, http.StatusSeeOther)
}

// enqueue starts the trigger name with raw arguments and audits it.
func (q *request) enqueue(name string, raw []byte, action, subject string, detail map[string]any) (*rivertype.JobInsertResult, error) {
	t, ok := q.c.Triggers[name]
	if !ok {
		return nil, fmt.Errorf("this sestd has no job %s", name)
	}
	args, err := t.Args(raw)
	if err != nil {
		return nil, &badInput{err}
	}
	if q.c.River == nil {
		return nil, errors.New("the job queue is not running")
	}
	res, err := q.c.River.Insert(q.ctx(), args, nil)
	if err != nil {
		return nil, fmt.Errorf("enqueueing %s: %w", name, err)
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["job_id"], detail["kind"], detail["duplicate"] = res.Job.ID, res.Job.Kind, res.UniqueSkippedAsDuplicate
	q.c.Log.Info("job enqueued in the console", zap.String("job_kind", res.Job.Kind), zap.Int64("job_id", res.Job.ID), zap.String("actor", q.actor()))
	if !q.audit(action, subject, detail) {
		return nil, errAnswered
	}
	return res, nil
}

// badInput is an error the person can fix (shown to them).
type badInput struct{ err error }

func (e *badInput) Error() string { return e.err.Error() }

// proceed reports whether a request may go on after a step that returned
// err; when not, it has answered: input the person can fix goes back to
// back with the reason (after prefix), an error already answered stays
// so, another error is a 500.
func (q *request) proceed(err error, back, prefix string) bool {
	var bad *badInput
	switch {
	case errors.As(err, &bad):
		q.redirect(back, prefix+bad.Error())
		return false
	case errors.Is(err, errAnswered):
		return false
	case err != nil:
		q.fail(err)
		return false
	}
	return true
}

// errAnswered says the response is written already.
var errAnswered = errors.New("answered")

// runsView is the data of the shared "runs" template.
type runsView struct {
	P    page
	Runs []store.ImportRun
}

// itemsView is the data of the shared "outboxtable" template.
type itemsView struct {
	P     page
	Items []store.OutboxItem
}

// logView is the data of the shared "uploadtable" template.
type logView struct {
	P   page
	Log []store.UploadLogEntry
}

// parseTemplates parses the layout with each page.
func parseTemplates(berlin *time.Location) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"when": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return "–"
				}
				return v.In(berlin).Format("02.01.2006 15:04:05")
			case *time.Time:
				if v == nil || v.IsZero() {
					return "–"
				}
				return v.In(berlin).Format("02.01.2006 15:04:05")
			}
			return fmt.Sprint(t)
		},
		"date": func(t *time.Time) string {
			if t == nil {
				return "–"
			}
			return t.Format("02.01.2006")
		},
		"fileName":  fileName,
		"withRuns":  func(p page, runs []store.ImportRun) runsView { return runsView{P: p, Runs: runs} },
		"withItems": func(p page, items []store.OutboxItem) itemsView { return itemsView{P: p, Items: items} },
		"withLog":   func(p page, log []store.UploadLogEntry) logView { return logView{P: p, Log: log} },
		"one":       func(r *store.ImportRun) []store.ImportRun { return []store.ImportRun{*r} },
		"list":      func(s ...string) []string { return s },
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", n, err)
		}
		out[base] = t
	}
	return out, nil
}

// fileName is a file name as HTML that may break after each "_" (a long
// export name like 2026-11-25_studentendaten_sose.csv), escaped.
func fileName(name string) template.HTML {
	parts := strings.Split(name, "_")
	for i, p := range parts {
		parts[i] = template.HTMLEscapeString(p)
	}
	return template.HTML(strings.Join(parts, "_<wbr>")) // every part is escaped
}
