package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"strconv"

	"github.com/riverqueue/river"

	"sestd/internal/importers"
	"sestd/internal/store"
)

type importsData struct {
	Kinds []importers.KindInfo
	Modes []string
	Runs  []store.ImportRun
	// Kind preselects the upload form's kind (the Ranglisten page links
	// here with kind=ranking).
	Kind string
}

func (q *request) imports() {
	runs, err := q.c.Store.ImportRunList(q.ctx(), 100)
	if err != nil {
		q.fail(err)
		return
	}
	d := importsData{Kinds: importers.Kinds(), Runs: runs, Kind: q.r.URL.Query().Get("kind"),
		Modes: importModes()}
	q.render(200, "imports", "imports", text(q.lang, "im.title"), d)
}

// importModes are the modes the upload form offers besides the kind's
// default (sync for the full exports).
func importModes() []string {
	var out []string
	for _, m := range importers.Modes() {
		out = append(out, string(m))
	}
	return out
}

// importUpload stores the file below import.inbox_dir/uploads (0600, as
// the admin API does) and enqueues its import.
func (q *request) importUpload() {
	mf := q.r.MultipartForm
	if mf == nil || len(mf.File["file"]) == 0 || mf.File["file"][0].Size == 0 {
		q.redirect(Prefix+"imports", text(q.lang, "im.empty"))
		return
	}
	fh := mf.File["file"][0]
	path, size, sum, err := q.storeUpload(fh)
	if err != nil {
		q.fail(err)
		return
	}
	kind, mode := q.r.PostFormValue("kind"), q.r.PostFormValue("mode")
	force := q.r.PostFormValue("force") == "on"
	// Strings and a bool: the encoding cannot fail (errchkjson checks it).
	raw, _ := json.Marshal(struct {
		Force bool   `json:"force"`
		Kind  string `json:"kind"`
		Mode  string `json:"mode"`
		Path  string `json:"path"`
	}{force, kind, mode, path})
	res, err := q.enqueue("import", raw, "import.upload", filepath.Base(path), map[string]any{
		"path": path, "size": size, "sha256": sum, "kind": kind, "mode": mode, "force": force,
	})
	if err != nil && !errors.Is(err, errAnswered) {
		_ = os.RemoveAll(filepath.Dir(path)) // not queued: nobody will read it
	}
	if !q.proceed(err, Prefix+"imports", text(q.lang, "im.badargs")+": ") {
		return
	}
	q.redirect(Prefix+"import-jobs/"+strconv.FormatInt(res.Job.ID, 10), "")
}

func (q *request) storeUpload(fh *multipart.FileHeader) (path string, size int64, sum string, err error) {
	src, err := fh.Open()
	if err != nil {
		return "", 0, "", fmt.Errorf("reading upload: %w", err)
	}
	defer src.Close()
	up, err := importers.StoreUpload(q.c.Config.Import.InboxDir, q.c.Now(), fh.Filename, src)
	return up.Path, up.Size, up.SHA256, err
}

type importJobData struct {
	JobID    int64
	State    string
	Finished bool
	Errors   []string
	Summary  *importers.Summary
	Run      *store.ImportRun
}

// importJob is the progress view of an uploaded file's import: it
// refreshes itself (a meta refresh, no script) until the job is done.
func (q *request) importJob() {
	id, err := strconv.ParseInt(q.r.PathValue("job"), 10, 64)
	if err != nil || q.c.River == nil {
		q.notFound()
		return
	}
	j, err := q.c.River.JobGet(q.ctx(), id)
	if errors.Is(err, river.ErrNotFound) || (err == nil && j.Kind != "import") {
		q.notFound()
		return
	}
	if err != nil {
		q.fail(err)
		return
	}
	d := importJobData{JobID: id, State: string(j.State), Finished: j.FinalizedAt != nil}
	for _, e := range j.Errors {
		d.Errors = append(d.Errors, e.Error)
	}
	if out := j.Output(); len(out) > 0 {
		var s importers.Summary
		if json.Unmarshal(out, &s) == nil {
			d.Summary = &s
			if s.RunID > 0 {
				if run, err := q.c.Store.ImportRunGet(q.ctx(), s.RunID); err == nil {
					d.Run = &run
				}
			}
		}
	}
	refresh := 0
	if !d.Finished {
		refresh = 2
	}
	q.renderRefresh(refresh, "import_job", "imports", fmt.Sprintf("%s %d", text(q.lang, "im.job"), id), d)
}

// importRejects sends a run's rejects file (rejected rows: audited).
func (q *request) importRejects() {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		q.notFound()
		return
	}
	run, err := q.c.Store.ImportRunGet(q.ctx(), id)
	if !q.found(err) {
		return
	}
	if run.RejectsPath == "" {
		q.notFound()
		return
	}
	f, err := os.Open(run.RejectsPath)
	if errors.Is(err, os.ErrNotExist) {
		q.notFound()
		return
	}
	if err != nil {
		q.fail(fmt.Errorf("opening rejects file: %w", err))
		return
	}
	defer f.Close()
	if !q.audit("import.rejects.read", strconv.FormatInt(run.ID, 10), map[string]any{"path": run.RejectsPath}) {
		return
	}
	ct := mime.TypeByExtension(filepath.Ext(run.RejectsPath))
	if ct == "" {
		ct = "text/plain"
	}
	q.w.Header().Set("Content-Type", ct)
	q.w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filepath.Base(run.RejectsPath)}))
	_, _ = io.Copy(q.w, f)
}
