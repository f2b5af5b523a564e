package admin

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"sestd/internal/fsutil"
	"sestd/internal/jobs"
)

// subjectRoutes adds the data-protection routes:
//
//	GET /api/subjects/{bewerberId}/export
//
// answers an access request: a zip with subject.json (everything sestd
// holds about the applicant) and the applicant's document files, recorded
// in the audit log as subject.export. Mount with s.subjectRoutes() in
// routes.
func (s *Server) subjectRoutes() {
	s.route("GET /api/subjects/{id}/export", (*api).subjectExport)
}

func (a *api) subjectExport(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSpace(r.PathValue("id"))
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "/\\\x00") {
		WriteError(w, http.StatusBadRequest, "bewerberId must be 1 to 64 characters without slashes")
		return
	}
	var buf bytes.Buffer
	sum, err := jobs.SubjectExport(r.Context(), a.Store, a.Config.Sync.DocumentRoot, id, a.actor, &buf)
	if err != nil {
		a.fail(w, r, fmt.Errorf("exporting applicant data: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="subject-`+fsutil.SafeName(id)+`.zip"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Sestd-Rows", strconv.Itoa(totalRows(sum.Rows)))
	w.Header().Set("X-Sestd-Documents", strconv.Itoa(sum.Documents))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

func totalRows(rows map[string]int) int {
	n := 0
	for _, c := range rows {
		n += c
	}
	return n
}
