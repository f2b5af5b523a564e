package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"go.uber.org/zap"

	"sestd/internal/importers"
	"sestd/internal/importers/charset"
	"sestd/internal/store"
)

// importTrigger is the trigger name of the import job.
const importTrigger = "import"

// importUpload stores the multipart field "file" below
// import.inbox_dir/uploads and enqueues its import.
func (a *api) importUpload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	force := false
	if v := q.Get("force"); v != "" {
		var err error
		if force, err = strconv.ParseBool(v); err != nil {
			WriteError(w, http.StatusBadRequest, fmt.Sprintf("force must be true or false, got %q", v))
			return
		}
	}
	limit := a.Config.Admin.UploadMaxBytes
	if r.ContentLength > limit {
		WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("upload over admin.upload_max_bytes (%d bytes)", limit))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		WriteError(w, http.StatusBadRequest, `expected a multipart/form-data body with the file in the field "file"`)
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		WriteError(w, http.StatusBadRequest, fmt.Sprintf("reading multipart body: %v", err))
		return
	}
	var up Upload
	for up.Path == "" {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			WriteError(w, http.StatusBadRequest, `no field "file" in the multipart body`)
			return
		}
		if err != nil {
			uploadError(w, err)
			return
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		up, err = a.storeUpload(part)
		_ = part.Close()
		if err != nil {
			var status *statusError
			if errors.As(err, &status) {
				WriteError(w, status.code, status.msg)
				return
			}
			if isTooLarge(err) {
				uploadError(w, err)
				return
			}
			a.fail(w, r, err)
			return
		}
	}
	removeUpload := func() { _ = os.RemoveAll(filepath.Dir(up.Path)) }
	t, ok := a.Triggers[importTrigger]
	if !ok {
		removeUpload()
		WriteError(w, http.StatusServiceUnavailable, "this sestd has no import job")
		return
	}
	raw, err := json.Marshal(map[string]any{
		"path": up.Path, "kind": q.Get("kind"), "mode": q.Get("mode"), "encoding": q.Get("encoding"), "force": force,
		"trust_encoding": q.Get("trust_encoding") == "true",
	})
	if err != nil {
		removeUpload()
		a.fail(w, r, err)
		return
	}
	args, err := t.Args(raw)
	if err != nil {
		removeUpload()
		WriteError(w, http.StatusBadRequest, fmt.Sprintf("import arguments: %v", err))
		return
	}
	e, err := a.enqueue(w, r, args, "import.upload", filepath.Base(up.Path), map[string]any{
		"path": up.Path, "size": up.Size, "sha256": up.SHA256,
		"kind": q.Get("kind"), "mode": q.Get("mode"), "encoding": q.Get("encoding"), "force": force,
	})
	if err != nil {
		return
	}
	up.Enqueued = e
	a.log.Info("import uploaded", zap.String("file", filepath.Base(up.Path)), zap.Int64("size", up.Size), zap.Int64("job_id", e.JobID))
	WriteJSON(w, http.StatusAccepted, up)
}

type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

func isTooLarge(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}

func uploadError(w http.ResponseWriter, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("upload over admin.upload_max_bytes (%d bytes)", tooBig.Limit))
		return
	}
	WriteError(w, http.StatusBadRequest, fmt.Sprintf("reading multipart body: %v", err))
}

// storeUpload stores the part below the inbox (importers.StoreUpload); an
// empty file is refused with 400.
func (a *api) storeUpload(part *multipart.Part) (Upload, error) {
	up, err := importers.StoreUpload(a.Config.Import.InboxDir, a.now(), part.FileName(), part)
	if err != nil {
		return Upload{}, err
	}
	if up.Size == 0 {
		_ = os.RemoveAll(filepath.Dir(up.Path))
		return Upload{}, &statusError{http.StatusBadRequest, "the uploaded file is empty"}
	}
	return Upload{Path: up.Path, Size: up.Size, SHA256: up.SHA256}, nil
}

func (a *api) importList(w http.ResponseWriter, r *http.Request) {
	limit, err := queryLimit(r.URL.Query().Get("limit"), 50, 1000)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	runs, err := a.Store.ImportRunList(r.Context(), limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if runs == nil {
		runs = []store.ImportRun{}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"imports": runs})
}

func (a *api) importRun(w http.ResponseWriter, r *http.Request) (store.ImportRun, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return store.ImportRun{}, false
	}
	run, err := a.Store.ImportRunGet(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		WriteError(w, http.StatusNotFound, fmt.Sprintf("no import run %d", id))
		return run, false
	}
	if err != nil {
		a.fail(w, r, err)
		return run, false
	}
	return run, true
}

func (a *api) importGet(w http.ResponseWriter, r *http.Request) {
	if run, ok := a.importRun(w, r); ok {
		WriteJSON(w, http.StatusOK, run)
	}
}

// importRejects serves the run's rejects file (rejected rows with line
// number and reason: personal data, so audited).
func (a *api) importRejects(w http.ResponseWriter, r *http.Request) {
	run, ok := a.importRun(w, r)
	if !ok {
		return
	}
	if run.RejectsPath == "" {
		WriteError(w, http.StatusNotFound, fmt.Sprintf("import run %d has no rejects file", run.ID))
		return
	}
	f, err := os.Open(run.RejectsPath)
	if errors.Is(err, os.ErrNotExist) {
		WriteError(w, http.StatusNotFound, fmt.Sprintf("the rejects file of import run %d is gone", run.ID))
		return
	}
	if err != nil {
		a.fail(w, r, fmt.Errorf("opening rejects file: %w", err))
		return
	}
	defer f.Close()
	if !a.audit(w, r, "import.rejects.read", strconv.FormatInt(run.ID, 10), map[string]any{"path": run.RejectsPath}) {
		return
	}
	w.Header().Set("Content-Type", rejectsContentType(run))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", filepath.Base(run.RejectsPath)))
	_, _ = io.Copy(w, f)
}

// rejectsContentType is the rejects file's media type with its real
// charset: rejects are written in the file's encoding (eKVV's as UTF-8).
func rejectsContentType(run store.ImportRun) string {
	mt, _, _ := mime.ParseMediaType(mime.TypeByExtension(filepath.Ext(run.RejectsPath)))
	if mt == "" {
		mt = "text/plain"
	}
	enc := run.RejectsEncoding
	if enc == "" {
		enc = run.Encoding // runs recorded before rejects_encoding
	}
	return mime.FormatMediaType(mt, map[string]string{"charset": charset.MIMEName(enc)})
}
