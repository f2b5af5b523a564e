package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"sestd/internal/store"
)

// TestConsoleInBrowser drives the console in headless Chromium against the
// daemon and the simulator, as the people of an admissions office would.
func TestConsoleInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("internal/console: the browser test is slow; skipped with -short")
	}
	ctx := newBrowser(t)
	w := startWorld(t)
	bg := context.Background()
	w.runJob(t, "full_download", "")

	// An applicant with an umlaut in the surname and a downloaded document,
	// found without the console's search.
	var id, nachname, docID, docPath, studiengang string
	require.NoError(t, w.pool.QueryRow(bg, `SELECT b.bewerber_id, b.nachname, d.dokument_id, d.path, w.studienangebot_schluessel
		FROM bewerber b JOIN dokument d ON d.bewerber_id = b.bewerber_id
		JOIN bewerbung w ON w.bewerber_id = b.bewerber_id AND w.art = 'einfach'
		WHERE b.nachname ~ '[äöüÄÖÜ]' AND d.path IS NOT NULL ORDER BY b.bewerber_id LIMIT 1`).Scan(&id, &nachname, &docID, &docPath, &studiengang))

	t.Run("refused without signing in", func(t *testing.T) {
		var body string
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(w.base+"/console/applicants/"+id),
			chromedp.WaitVisible(chromedp.ID("signin"))))
		url, err := chromedp.Run(ctx, chromedp.Location())
		require.NoError(t, err)
		body = text(t, ctx, chromedp.CSS("main"))
		require.Contains(t, url, "/console/signin?next=")
		require.NotContains(t, body, nachname)
		shot(t, ctx, "signin")
		// A browser opening / gets the console, not the token API's 401.
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.base+"/"), chromedp.WaitVisible(chromedp.ID("signin"))))
	})

	t.Run("wrong password", func(t *testing.T) {
		var msg string
		require.NoError(t, chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("name"), "otto"), chromedp.SendKeys(chromedp.ID("password"), "falsch-falsch-falsch"),
			chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("error"))))
		msg = text(t, ctx, chromedp.CSS("#error"))
		require.Equal(t, "Benutzername oder Passwort ist falsch.", msg)
	})

	t.Run("viewer is refused operator and admin pages", func(t *testing.T) {
		signIn(t, ctx, w.base, "clara")
		var msg string
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.base+"/console/audit"),
			chromedp.WaitVisible(chromedp.ID("error"))))
		msg = text(t, ctx, chromedp.CSS("#error"))
		require.Contains(t, msg, "Ihre Rolle erlaubt diese Seite oder Aktion nicht")
		// The outbox shows no retry buttons to a viewer.
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.base+"/console/outbox"), chromedp.WaitVisible(chromedp.CSS("h1"))))
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("button.retry, #retry-all").length`))
		require.NoError(t, err)
		require.Zero(t, n)
		signOut(t, ctx)
	})

	signIn(t, ctx, w.base, "otto")

	t.Run("search by a surname with an umlaut and open the applicant", func(t *testing.T) {
		folded := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "ae", "Ö", "oe", "Ü", "ue", "ß", "ss").Replace(strings.ToLower(nachname))
		for _, q := range []string{nachname, strings.ToUpper(nachname), folded} {
			var hits string
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Navigate(w.base+"/console/applicants"),
				chromedp.SendKeys(chromedp.ID("q"), q), chromedp.Click(chromedp.ID("search")),
				chromedp.WaitVisible(chromedp.ID("hits"))))
			hits = text(t, ctx, chromedp.CSS("#hits"))
			require.Contains(t, hits, id, "search %q", q)
		}
		shot(t, ctx, "applicants")
		var shown string
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`a[href="/console/applicants/`+id+`"]`)),
			chromedp.WaitVisible(chromedp.ID("bewerber-id"))))
		shown = text(t, ctx, chromedp.CSS("#nachname"))
		require.Equal(t, nachname, shown)
		shot(t, ctx, "applicant")
		entries, _, err := w.store.AuditSearch(bg, store.AuditQuery{Actor: "console:otto", Action: "applicant.read", Subject: id, Limit: 5})
		require.NoError(t, err)
		require.Len(t, entries, 1, "the read is in the audit log with the person's name")
	})

	t.Run("download a document", func(t *testing.T) {
		want, err := os.ReadFile(filepath.Join(w.cfg.Sync.DocumentRoot, docPath))
		require.NoError(t, err)
		got := download(t, ctx, chromedp.CSS(`a.doc[href$="/documents/`+docID+`"]`))
		require.Equal(t, want, got)
		entries, _, err := w.store.AuditSearch(bg, store.AuditQuery{Actor: "console:otto", Action: "dokument.read", Subject: id, Limit: 5})
		require.NoError(t, err)
		require.Len(t, entries, 1)
	})

	t.Run("retry a failed outbox item", func(t *testing.T) {
		_, err := w.store.OutboxUpsert(bg, []store.OutboxNew{{Kind: store.OutboxKindBewerberAuth, ItemKey: id, BewerberID: id,
			Payload: json.RawMessage(`{"bewerber_id":"` + id + `","ban":"ABCDEFGH23"}`), SourceUpdatedAt: time.Now()}})
		require.NoError(t, err)
		var itemID int64
		require.NoError(t, w.pool.QueryRow(bg, `UPDATE outbox_item SET state = 'failed', attempts = 3,
			reason = 'BAN passt nicht zum Bewerber (Code 30210): die Servicestelle kennt diese BAN nicht' WHERE item_key = $1 RETURNING id`, id).Scan(&itemID))
		var reason, flash string
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(w.base+"/console/outbox?state=failed"),
			chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("item-%d", itemID)))))
		reason = text(t, ctx, chromedp.CSS(fmt.Sprintf("#item-%d .reason", itemID)))
		require.Equal(t, "BAN passt nicht zum Bewerber (Code 30210): die Servicestelle kennt diese BAN nicht", reason, "the reason in full")
		shot(t, ctx, "outbox")
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(fmt.Sprintf("#item-%d button.retry", itemID))),
			chromedp.WaitVisible(chromedp.ID("flash"))))
		flash = text(t, ctx, chromedp.CSS("#flash"))
		require.Equal(t, "Wird erneut gesendet", flash)
		it, err := w.store.OutboxGet(bg, itemID)
		require.NoError(t, err)
		require.NotEqual(t, store.OutboxFailed, it.State)
		entries, _, err := w.store.AuditSearch(bg, store.AuditQuery{Actor: "console:otto", Action: "outbox.retry", Subject: strconv.FormatInt(itemID, 10), Limit: 5})
		require.NoError(t, err)
		require.Len(t, entries, 1)
	})

	rangliste := "SP-" + studiengang + "-HQ"
	var ranked []string
	t.Run("upload a file with a broken row and download its rejects", func(t *testing.T) {
		rows, err := w.pool.Query(bg, `SELECT DISTINCT bewerber_id FROM bewerbung WHERE studienangebot_schluessel = $1 ORDER BY 1 LIMIT 3`, studiengang)
		require.NoError(t, err)
		for rows.Next() {
			var b string
			require.NoError(t, rows.Scan(&b))
			ranked = append(ranked, b)
		}
		require.NoError(t, rows.Err())
		require.NotEmpty(t, ranked)
		file := "RANGLISTE;BEWERBER_ID;RANG\n"
		for i, b := range ranked {
			file += fmt.Sprintf("%s;%s;%d\n", rangliste, b, i+1)
		}
		file += rangliste + ";B-KAPUTT;erster\n" // line len(ranked)+2: the rank is no number
		path := filepath.Join(t.TempDir(), "rangliste.csv")
		require.NoError(t, os.WriteFile(path, []byte(file), 0o600))
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(w.base+"/console/imports?kind=ranking"),
			chromedp.SetUploadFiles(chromedp.ID("file"), []string{path}),
			chromedp.SetValue(chromedp.ID("mode"), "upsert"),
			chromedp.Click(chromedp.ID("upload")),
			chromedp.WaitVisible(chromedp.ID("import-done"))))
		shot(t, ctx, "import")
		// The file name stays on one line (overflow-wrap: anywhere broke
		// it to "rangliste.c sv"), its full name in the title.
		lines, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => { const e = document.querySelector("td.file span");
			return e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight) })()`))
		require.NoError(t, err)
		require.Less(t, lines, 1.5, "the file name takes %.1f lines", lines)
		title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("td.file span").title`))
		require.NoError(t, err)
		require.Equal(t, "rangliste.csv", title)
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
		require.NoError(t, err)
		require.LessOrEqual(t, overflow, 0, "the result table fits the window")
		rejects := string(download(t, ctx, chromedp.CSS("a.rejects")))
		require.Contains(t, rejects, "B-KAPUTT")
		require.Regexp(t, regexp.MustCompile(`(?i)\b`+strconv.Itoa(len(ranked)+2)+`\b`), rejects, "the rejects name the line")
		for _, b := range ranked {
			require.NotContains(t, rejects, b)
		}
	})

	t.Run("upload a Rangliste's entries with confirmation", func(t *testing.T) {
		// First the Vergabeschema's Kopfdaten: the Servicestelle knows no
		// Rangliste before.
		var plan, flash string
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(w.base+"/console/ranglisten"),
			chromedp.Click(chromedp.ID("sp-SP-"+studiengang)),
			chromedp.Click(chromedp.ID("what-schema")),
			chromedp.Click(chromedp.ID("review")),
			chromedp.WaitVisible(chromedp.ID("send")),
			chromedp.Click(chromedp.ID("send")),
			chromedp.WaitVisible(chromedp.ID("flash"))))
		flash = text(t, ctx, chromedp.ID("flash"))
		m := regexp.MustCompile(`Job (\d+)`).FindStringSubmatch(flash)
		require.NotNil(t, m, flash)
		job, _ := strconv.ParseInt(m[1], 10, 64)
		w.waitJob(t, job)

		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(w.base+"/console/ranglisten"),
			chromedp.Click(chromedp.ID("sp-SP-"+studiengang)),
			chromedp.Click(chromedp.ID("review")),
			chromedp.WaitVisible(chromedp.ID("send"))))
		plan = text(t, ctx, chromedp.CSS("main table"))
		require.Contains(t, plan, rangliste)
		require.Contains(t, plan, strconv.Itoa(len(ranked)))
		shot(t, ctx, "rangliste-confirm")
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("send")),
			chromedp.WaitVisible(chromedp.ID("flash"))))
		flash = text(t, ctx, chromedp.CSS("#flash"))
		m = regexp.MustCompile(`Job (\d+)`).FindStringSubmatch(flash)
		require.NotNil(t, m, flash)
		job, _ = strconv.ParseInt(m[1], 10, 64)
		w.waitJob(t, job)
		log, _, err := w.store.UploadLogSearch(bg, store.UploadLogQuery{Key: rangliste, ItemKind: "rangliste", Limit: 5})
		require.NoError(t, err)
		require.NotEmpty(t, log, "the Rangliste went to the Servicestelle")
		require.NotEqual(t, "zurueckgewiesen", log[0].ErgebnisStatus, log[0].Reason)
		// The status comes back with the Ranglistenstatus delta poll,
		// started by hand in the console.
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(w.base+"/console/jobs"),
			chromedp.SendKeys(chromedp.ID("args-delta_poll"), `{"stream":"ranglistenstatus"}`),
			chromedp.Click(chromedp.CSS("#job-delta_poll button")),
			chromedp.WaitVisible(chromedp.ID("flash"))))
		flash = text(t, ctx, chromedp.ID("flash"))
		m = regexp.MustCompile(`Gestartet: Job (\d+)`).FindStringSubmatch(flash)
		require.NotNil(t, m, flash)
		job, _ = strconv.ParseInt(m[1], 10, 64)
		w.waitJob(t, job)
		var page string
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.base+"/console/ranglisten")))
		page = text(t, ctx, chromedp.CSS("main"))
		require.Contains(t, page, rangliste)
		shot(t, ctx, "ranglisten")
	})

	t.Run("admin reads the audit log with names", func(t *testing.T) {
		signOut(t, ctx)
		signIn(t, ctx, w.base, "anna")
		var audit string
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.base+"/console/audit?actor=console:otto"),
			chromedp.WaitVisible(chromedp.ID("audit"))))
		audit = text(t, ctx, chromedp.CSS("#audit"))
		for _, action := range []string{"applicant.read", "dokument.read", "outbox.retry", "import.upload", "import.rejects.read", "rang.rang_upload_eintraege"} {
			require.Contains(t, audit, action)
		}
		shot(t, ctx, "audit")
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.base+"/console/"), chromedp.WaitVisible(chromedp.ID("att"))))
		shot(t, ctx, "overview")
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.base+"/console/applicants/"+id), chromedp.WaitVisible(chromedp.ID("dsgvo"))))
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.base+"/console/uploadlog")))
		shot(t, ctx, "uploadlog")
	})
}
