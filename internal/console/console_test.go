package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/console"
	"sestd/internal/jobs"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

// handlerWorld is the console alone on a real database (no browser, no
// job queue): what must hold for any HTTP client.
type handlerWorld struct {
	srv   *httptest.Server
	store *store.Store
}

func startHandler(t *testing.T, configure func(*config.Console)) *handlerWorld {
	t.Helper()
	st := store.New(testdb.New(t))
	cfg := config.Default()
	if configure != nil {
		configure(&cfg.Console)
	}
	require.NoError(t, cfg.Validate())
	// One job, whose arguments are always wrong (there is no queue).
	probe := jobs.Trigger{Help: "refuses every argument", Args: func(json.RawMessage) (river.JobArgs, error) {
		return nil, errors.New("probe takes no arguments")
	}}
	c, err := console.New(console.Deps{Config: cfg, Store: st, Log: zap.NewNop(), Triggers: map[string]jobs.Trigger{"probe": probe}})
	require.NoError(t, err)
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	hash, err := console.HashPassword(testPassword)
	require.NoError(t, err)
	for name, role := range map[string]string{"clara": store.RoleViewer, "otto": store.RoleOperator, "anna": store.RoleAdmin} {
		_, err := st.UserCreate(context.Background(), name, role, hash)
		require.NoError(t, err)
	}
	return &handlerWorld{srv: srv, store: st}
}

// client has its own cookie jar and does not follow redirects.
func client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// reply is what a test reads of a response: get and post read and close
// the body before they return.
type reply struct {
	StatusCode int
	Header     http.Header
	cookies    []*http.Cookie
}

func (r reply) Cookies() []*http.Cookie { return r.cookies }

func replyOf(t *testing.T, resp *http.Response) (reply, string) {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{StatusCode: resp.StatusCode, Header: resp.Header, cookies: resp.Cookies()}, string(raw)
}

func get(t *testing.T, c *http.Client, u string, header map[string]string) (reply, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	return replyOf(t, resp)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (reply, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	require.NoError(t, err)
	return replyOf(t, resp)
}

// signInHTTP signs in and returns the session's CSRF token.
func signInHTTP(t *testing.T, c *http.Client, base, name, password string) (reply, string) {
	t.Helper()
	_, page := get(t, c, base+"/console/signin", nil)
	m := csrfField.FindStringSubmatch(page)
	require.NotNil(t, m, page)
	resp, body := post(t, c, base+"/console/signin", url.Values{"_csrf": {m[1]}, "name": {name}, "password": {password}, "next": {"/console/outbox"}})
	if resp.StatusCode != http.StatusSeeOther {
		return resp, body
	}
	_, page = get(t, c, base+"/console/outbox", nil)
	m = csrfField.FindStringSubmatch(page)
	require.NotNil(t, m, page)
	return resp, m[1]
}

func TestConsoleHTTP(t *testing.T) {
	t.Parallel()
	w := startHandler(t, nil)
	base := w.srv.URL
	ctx := context.Background()

	t.Run("not signed in: sent to the sign-in page, nothing shown", func(t *testing.T) {
		resp, _ := get(t, client(t), base+"/console/applicants?q=x", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, "/console/signin?next=%2Fconsole%2Fapplicants%3Fq%3Dx", resp.Header.Get("Location"))
		resp, _ = get(t, client(t), base+"/", nil)
		require.Equal(t, "/console/", resp.Header.Get("Location"))
		resp, _ = post(t, client(t), base+"/console/outbox/retry-failed", url.Values{})
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
	})

	t.Run("headers: strict CSP, no framing, German by default, English on request", func(t *testing.T) {
		resp, body := get(t, client(t), base+"/console/signin", nil)
		require.Equal(t, "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
			resp.Header.Get("Content-Security-Policy"))
		require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
		require.NotContains(t, body, "<script")
		require.NotContains(t, body, "style=")
		require.Contains(t, body, `<html lang="de">`)
		require.Contains(t, body, "Benutzername")
		_, body = get(t, client(t), base+"/console/signin", map[string]string{"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"})
		require.Contains(t, body, `<html lang="en">`)
		require.Contains(t, body, "User name")
		_, body = get(t, client(t), base+"/console/signin", map[string]string{"Accept-Language": "fr-FR,de;q=0.8,en;q=0.5"})
		require.Contains(t, body, `<html lang="de">`)
	})

	t.Run("the upload form offers every import mode, sync among them", func(t *testing.T) {
		otto := client(t)
		signInHTTP(t, otto, base, "otto", testPassword)
		_, body := get(t, otto, base+"/console/imports", nil)
		for _, m := range []string{"sync", "create", "update", "remove", "upsert"} {
			require.Contains(t, body, "<option>"+m+"</option>", m)
		}
		// A refresh's history row: the unchanged rows and the note are shown.
		id, err := w.store.ImportRunStart(ctx, store.ImportRun{Kind: "sbeat_students", Mode: "sync", FileName: "woche2.csv", SHA256: "ab12"})
		require.NoError(t, err)
		_, err = w.store.ImportRunFinish(ctx, store.ImportRun{ID: id, Status: "succeeded", Note: "column HZBNOTEE is not a column of sbeat_students; ignored", ImportCounts: store.ImportCounts{Read: 3, Updated: 1, Unchanged: 2}})
		require.NoError(t, err)
		_, body = get(t, otto, base+"/console/imports", nil)
		require.Contains(t, body, `<th scope="col" class="num">unverändert</th>`)
		require.Regexp(t, `woche2\.csv</span></td>.*\n<td class="num">3</td><td class="num">0</td><td class="num">1</td><td class="num">2</td>`, body, "read 3, new 0, updated 1, unchanged 2")
		require.Contains(t, body, "column HZBNOTEE is not a column of sbeat_students; ignored")

		// A university export that lacks rows: the missing (kept and
		// reported) rows have a column; a long name breaks after "_" only
		// and the full name is its title.
		id, err = w.store.ImportRunStart(ctx, store.ImportRun{Kind: "uni_bewerbungen", Mode: "sync", FileName: "2026-11-25_uni_bewerbungen<b>.csv", SHA256: "cd34"})
		require.NoError(t, err)
		_, err = w.store.ImportRunFinish(ctx, store.ImportRun{ID: id, Status: "succeeded", ImportCounts: store.ImportCounts{Read: 10, Unchanged: 10, Missing: 4}})
		require.NoError(t, err)
		_, body = get(t, otto, base+"/console/imports", nil)
		require.Contains(t, body, `<th scope="col" class="num">entfernt</th><th scope="col" class="num" title="Zeilen, die die Datei nicht mehr enthält: behalten und in &lt;Datei&gt;.missing.csv gemeldet">fehlend (gemeldet)</th><th scope="col" class="num">abgelehnt</th>`)
		require.Contains(t, body, `<td class="file"><span title="2026-11-25_uni_bewerbungen&lt;b&gt;.csv">2026-11-25_<wbr>uni_<wbr>bewerbungen&lt;b&gt;.csv</span></td>`)
		require.Regexp(t, `bewerbungen&lt;b&gt;\.csv</span></td>.*\n<td class="num">10</td><td class="num">0</td><td class="num">0</td><td class="num">10</td><td class="num">0</td><td class="num">4</td><td class="num">0</td>`, body,
			"read 10, new 0, updated 0, unchanged 10, removed 0, missing 4, rejected 0")
	})

	t.Run("session cookie", func(t *testing.T) {
		resp, _ := signInHTTP(t, client(t), base, "otto", testPassword)
		var ck *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "sestd_session" {
				ck = c
			}
		}
		require.NotNil(t, ck)
		require.True(t, ck.HttpOnly)
		require.Equal(t, http.SameSiteStrictMode, ck.SameSite)
		require.False(t, ck.Secure, "plain HTTP without console.secure_cookie")
		require.Equal(t, int((10 * time.Hour).Seconds()), ck.MaxAge)
	})

	t.Run("CSRF and roles on actions", func(t *testing.T) {
		_, err := w.store.OutboxUpsert(ctx, []store.OutboxNew{{Kind: store.OutboxKindBewerberAuth, ItemKey: "B-9", BewerberID: "B-9",
			Payload: json.RawMessage(`{"bewerber_id":"B-9","ban":"X"}`), SourceUpdatedAt: time.Now()}})
		require.NoError(t, err)
		items, _, err := w.store.OutboxSearch(ctx, store.OutboxQuery{Key: "B-9", Limit: 1})
		require.NoError(t, err)
		require.NoError(t, w.store.OutboxDiscard(ctx, items[0].ID))

		otto := client(t)
		_, csrf := signInHTTP(t, otto, base, "otto", testPassword)
		resp, body := post(t, otto, base+"/console/outbox/retry-failed", url.Values{"_csrf": {"forged"}})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
		resp, _ = post(t, otto, base+"/console/outbox/retry-failed", url.Values{})
		require.Equal(t, http.StatusForbidden, resp.StatusCode)

		clara := client(t)
		_, claraCSRF := signInHTTP(t, clara, base, "clara", testPassword)
		resp, body = post(t, clara, base+"/console/outbox/retry-failed", url.Values{"_csrf": {claraCSRF}})
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Contains(t, body, "Ihre Rolle erlaubt diese Seite oder Aktion nicht")
		resp, _ = get(t, clara, base+"/console/audit", nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "the audit log is the admins'")

		// The operator's token from the form works (no River here, so
		// discarded→pending is all that happens: retry needs no queue
		// when this sestd has no outbound job).
		resp, body = post(t, otto, base+"/console/outbox/"+strconv.FormatInt(items[0].ID, 10)+"/retry", url.Values{"_csrf": {csrf}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
		it, err := w.store.OutboxGet(ctx, items[0].ID)
		require.NoError(t, err)
		require.Equal(t, store.OutboxPending, it.State)
		entries, _, err := w.store.AuditSearch(ctx, store.AuditQuery{Actor: "console:otto", Action: "outbox.retry", Limit: 5})
		require.NoError(t, err)
		require.Len(t, entries, 1)
	})

	t.Run("an unknown or malformed record id answers 404", func(t *testing.T) {
		otto := client(t)
		_, csrf := signInHTTP(t, otto, base, "otto", testPassword)
		for _, path := range []string{"/console/outbox/987654321", "/console/outbox/abc", "/console/outbox/0", "/console/applicants/NOBODY"} {
			resp, _ := get(t, otto, base+path, nil)
			require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		}
		for _, path := range []string{"/console/outbox/987654321/retry", "/console/outbox/abc/discard"} {
			resp, _ := post(t, otto, base+path, url.Values{"_csrf": {csrf}})
			require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		}
	})

	t.Run("a Ranglisten upload without a Studienpaket goes back to the form, saying why", func(t *testing.T) {
		otto := client(t)
		_, csrf := signInHTTP(t, otto, base, "otto", testPassword)
		for _, path := range []string{"/console/ranglisten/confirm", "/console/ranglisten/send"} {
			resp, body := post(t, otto, base+path, url.Values{"_csrf": {csrf}, "what": {"schema"}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
			require.Equal(t, "/console/ranglisten?flash="+url.QueryEscape("Bitte mindestens ein Studienpaket wählen."), resp.Header.Get("Location"), path)
		}
	})

	t.Run("a job started with arguments it refuses goes back to the form, saying why", func(t *testing.T) {
		otto := client(t)
		_, csrf := signInHTTP(t, otto, base, "otto", testPassword)
		resp, body := post(t, otto, base+"/console/jobs", url.Values{"_csrf": {csrf}, "name": {"probe"}, "args": {`{"x":1}`}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
		require.Equal(t, "/console/jobs?name=probe&flash="+url.QueryEscape("Die Angaben passen nicht: probe takes no arguments"), resp.Header.Get("Location"))
	})

	t.Run("admin exports an applicant's data; erasing needs the id typed again", func(t *testing.T) {
		_, err := w.store.BewerberUpsertBatch(ctx, []sestmodel.Bewerber{{ID: "B42", Nachname: "Groß", Vorname: "Jörg",
			LetzteAenderung: sestmodel.NewTimestamp(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))}}, store.Step{})
		require.NoError(t, err)
		otto := client(t)
		_, ottoCSRF := signInHTTP(t, otto, base, "otto", testPassword)
		resp, _ := post(t, otto, base+"/console/applicants/B42/export", url.Values{"_csrf": {ottoCSRF}})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "operators do not export")

		anna := client(t)
		_, csrf := signInHTTP(t, anna, base, "anna", testPassword)
		resp, body := post(t, anna, base+"/console/applicants/B42/export", url.Values{"_csrf": {csrf}})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "application/zip", resp.Header.Get("Content-Type"))
		require.True(t, strings.HasPrefix(body, "PK"), "a zip")

		resp, _ = post(t, anna, base+"/console/applicants/B42/erase", url.Values{"_csrf": {csrf}, "confirm": {"B4"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		_, err = w.store.ApplicantGet(ctx, "B42")
		require.NoError(t, err, "a wrong confirmation erases nothing")
		resp, _ = post(t, anna, base+"/console/applicants/B42/erase", url.Values{"_csrf": {csrf}, "confirm": {"B42"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		a, err := w.store.ApplicantGet(ctx, "B42")
		require.NoError(t, err)
		require.NotNil(t, a.Erased, "only the tombstone is left")
		require.Empty(t, a.Nachname)
		hits, _, err := w.store.ApplicantSearch(ctx, store.ApplicantQuery{Text: "Groß", Limit: 5})
		require.NoError(t, err)
		require.Empty(t, hits, "the folded name went with the applicant")
		entries, _, err := w.store.AuditSearch(ctx, store.AuditQuery{Actor: "console:anna", Subject: "B42", Limit: 10})
		require.NoError(t, err)
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		require.Contains(t, actions, "subject.export")
		require.Contains(t, actions, "subject.erase")
	})

	t.Run("sign-in throttled after failures", func(t *testing.T) {
		c := client(t)
		for range 5 {
			resp, body := signInHTTP(t, c, base, "clara", "wrong-password-123")
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			require.Contains(t, body, "Benutzername oder Passwort ist falsch.")
		}
		resp, body := signInHTTP(t, c, base, "clara", testPassword)
		require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the right password does not help within the window")
		require.Contains(t, body, "Zu viele Fehlversuche")
		// An unknown account answers like a known one.
		resp, _ = signInHTTP(t, client(t), base, "nobody", "whatever-whatever")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
}

func TestConsoleSingleSignOn(t *testing.T) {
	t.Parallel()
	w := startHandler(t, func(c *config.Console) {
		c.SSOHeader = "X-Remote-User"
		c.SSOTrustedProxies = []string{"127.0.0.1"}
		c.SecureCookie = true
	})
	resp, body := get(t, client(t), w.srv.URL+"/console/", map[string]string{"X-Remote-User": "otto"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `<strong id="account">otto</strong>`)
	for _, c := range resp.Cookies() {
		if c.Name == "sestd_session" {
			require.True(t, c.Secure, "console.secure_cookie")
		}
	}
	resp, _ = get(t, client(t), w.srv.URL+"/console/", map[string]string{"X-Remote-User": "mallory"})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "an unknown account is not signed in")

	// From an address that is not a trusted proxy the header is ignored.
	w2 := startHandler(t, func(c *config.Console) {
		c.SSOHeader = "X-Remote-User"
		c.SSOTrustedProxies = []string{"10.0.0.1"}
	})
	resp, _ = get(t, client(t), w2.srv.URL+"/console/", map[string]string{"X-Remote-User": "otto"})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}
