package console

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"sestd/internal/fsutil"
	"sestd/internal/jobs"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// pageSize is how many rows a list shows per page.
const pageSize = 50

// pager is a list's position: its query without the offset, and the
// offsets of the previous and next pages (-1: none).
type pager struct {
	Query      url.Values
	Prev, Next int
	Offset     int
}

func newPager(q url.Values, offset int, more bool) pager {
	p := pager{Query: url.Values{}, Prev: -1, Next: -1, Offset: offset}
	for k, v := range q {
		if k != "offset" && k != "flash" && len(v) > 0 && v[0] != "" {
			p.Query[k] = v
		}
	}
	if offset > 0 {
		p.Prev = max(offset-pageSize, 0)
	}
	if more {
		p.Next = offset + pageSize
	}
	return p
}

// Link is the query of the page at offset.
func (p pager) Link(offset int) string {
	v := url.Values{}
	for k, vs := range p.Query {
		v[k] = vs
	}
	v.Set("offset", strconv.Itoa(offset))
	return "?" + v.Encode()
}

func offsetOf(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("offset"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

type applicantsData struct {
	Q, Angebot, Status string
	Angebote           []store.StudienangebotOption
	Statuses           []string
	Hits               []store.ApplicantHit
	Searched           bool
	Pager              pager
}

// statuses lists the Bearbeitungsstatus values for the filter.
func statuses() []string {
	out := []string{}
	for s := range sestmodel.DefaultStatusRules(sestmodel.InterfaceVersionNewest) {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// applicants is the applicant search.
func (q *request) applicants() {
	v := q.r.URL.Query()
	d := applicantsData{Q: strings.TrimSpace(v.Get("q")), Angebot: v.Get("angebot"), Status: v.Get("status"), Statuses: statuses()}
	var err error
	if d.Angebote, err = q.c.Store.StudienangebotOptions(q.ctx()); err != nil {
		q.fail(err)
		return
	}
	off := offsetOf(q.r)
	d.Searched = d.Q != "" || d.Angebot != "" || d.Status != ""
	var more bool
	if d.Searched {
		d.Hits, more, err = q.c.Store.ApplicantSearch(q.ctx(), store.ApplicantQuery{Text: d.Q, Studienangebot: d.Angebot, Status: d.Status, Limit: pageSize, Offset: off})
		if err != nil {
			q.fail(err)
			return
		}
		// The hits show names: personal data read, so recorded (the
		// query itself may be a name, it stays out of the record).
		if !q.audit("applicant.search", "", map[string]any{"hits": len(d.Hits), "angebot": d.Angebot, "status": d.Status}) {
			return
		}
	}
	d.Pager = newPager(v, off, more)
	q.render(200, "applicants", "applicants", text(q.lang, "app.search"), d)
}

type applicantData struct {
	A store.Applicant
}

// applicant shows one applicant: every read is in the audit log.
func (q *request) applicant() {
	id := q.r.PathValue("id")
	a, err := q.c.Store.ApplicantGet(q.ctx(), id)
	if !q.found(err) {
		return
	}
	if !q.audit("applicant.read", id, nil) {
		return
	}
	title := strings.TrimSpace(a.Vorname + " " + a.Nachname)
	if title == "" {
		title = a.BewerberID
	}
	q.render(200, "applicant", "applicants", title, applicantData{A: a})
}

// document sends one of the applicant's documents.
func (q *request) document() {
	id, docID := q.r.PathValue("id"), q.r.PathValue("doc")
	d, err := q.c.Store.ApplicantDokumentGet(q.ctx(), id, docID)
	if !q.found(err) {
		return
	}
	if d.Path == "" {
		q.notFound()
		return
	}
	if !filepath.IsLocal(d.Path) {
		q.fail(fmt.Errorf("document %s: path %q leaves the document root", docID, d.Path))
		return
	}
	f, err := os.Open(filepath.Join(q.c.Config.Sync.DocumentRoot, d.Path))
	if errors.Is(err, os.ErrNotExist) {
		q.notFound()
		return
	}
	if err != nil {
		q.fail(fmt.Errorf("opening document %s: %w", docID, err))
		return
	}
	defer f.Close()
	if !q.audit("dokument.read", id, map[string]any{"dokument_id": docID}) {
		return
	}
	ct := d.MimeType
	if ct == "" {
		ct = mime.TypeByExtension(filepath.Ext(d.Path))
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	name := d.Dateiname
	if name == "" {
		name = filepath.Base(d.Path)
	}
	q.w.Header().Set("Content-Type", ct)
	q.w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fsutil.SafeName(name)}))
	var mod time.Time
	if d.DownloadedAt != nil {
		mod = *d.DownloadedAt
	}
	http.ServeContent(q.w, q.r, "", mod, f)
}

// subjectExport answers an access request with the zip of package jobs.
func (q *request) subjectExport() {
	id := q.r.PathValue("id")
	var buf bytes.Buffer
	if _, err := jobs.SubjectExport(q.ctx(), q.c.Store, q.c.Config.Sync.DocumentRoot, id, q.actor(), &buf); err != nil {
		q.fail(fmt.Errorf("exporting applicant data: %w", err))
		return
	}
	q.w.Header().Set("Content-Type", "application/zip")
	q.w.Header().Set("Content-Disposition", `attachment; filename="subject-`+fsutil.SafeName(id)+`.zip"`)
	q.w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = q.w.Write(buf.Bytes())
}

// subjectErase erases the applicant after the ID was typed again.
func (q *request) subjectErase() {
	id := q.r.PathValue("id")
	if strings.TrimSpace(q.r.PostFormValue("confirm")) != id {
		q.redirect(Prefix+"applicants/"+url.PathEscape(id), text(q.lang, "a.erase.mismatch"))
		return
	}
	d := jobs.Deps{Config: q.c.Config, Store: q.c.Store, Log: q.c.Log}
	sum, err := jobs.SubjectErase(q.ctx(), d, id, q.actor(), false)
	if err != nil {
		q.fail(fmt.Errorf("erasing applicant data: %w", err))
		return
	}
	q.redirect(Prefix+"applicants/"+url.PathEscape(id), fmt.Sprintf("%s %d", text(q.lang, "a.erase.done"), sum.Total()))
}
