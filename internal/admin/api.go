package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
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

// APIDeps are the operator routes' collaborators. They exist once the
// database answers and the River client is built, so they are mounted
// after New with MountAPI; until then the operator routes answer 503.
type APIDeps struct {
	Config   config.Config
	Store    *store.Store
	River    *river.Client[pgx.Tx]
	Triggers map[string]jobs.Trigger
}

// api serves the operator routes.
type api struct {
	APIDeps
	log   *zap.Logger
	actor string
	now   func() time.Time
}

// Actors recorded in the audit log for admin actions.
const (
	// ActorToken is a request authenticated with admin.token.
	ActorToken = "admin-token"
	// ActorLoopback is a request on a loopback listener without a token.
	ActorLoopback = "admin-loopback"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// MountAPI makes the operator routes and River's UI answer. Call it once;
// River's UI runs its background services until ctx ends.
func (s *Server) MountAPI(ctx context.Context, d APIDeps) error {
	if d.Store == nil || d.River == nil {
		return errors.New("admin API: store and River client are required")
	}
	if d.Triggers == nil {
		d.Triggers = map[string]jobs.Trigger{}
	}
	a := &api{APIDeps: d, log: s.log, actor: ActorToken, now: time.Now}
	if s.token == "" {
		a.actor = ActorLoopback
	}
	ui, err := newRiverUI(ctx, d.River, s.log)
	if err != nil {
		return err
	}
	s.ui.Store(&ui)
	if !s.api.CompareAndSwap(nil, a) {
		return errors.New("admin API mounted twice")
	}
	return nil
}

// routes registers the operator routes; they answer 503 until MountAPI.
func (s *Server) routes() {
	s.route("GET /api/status", (*api).status)
	s.route("GET /api/jobs", (*api).jobList)
	s.route("POST /api/jobs/{name}", (*api).jobTrigger)
	s.route("GET /api/runs", (*api).runList)
	s.route("GET /api/runs/{id}", (*api).runGet)
	s.route("GET /api/cursors", (*api).cursorList)
	s.route("POST /api/cursors/{stream}/reset", (*api).cursorReset)
	s.outboxRoutes()
	s.subjectRoutes()
	s.route("GET /api/imports", (*api).importList)
	s.route("POST /api/imports", (*api).importUpload)
	s.route("GET /api/imports/{id}", (*api).importGet)
	s.route("GET /api/imports/{id}/rejects", (*api).importRejects)
	s.mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s; see GET /api/jobs, /api/runs, /api/cursors, /api/outbox, /api/imports, /api/status", r.Method, r.URL.Path))
	}))
	s.mux.Handle("/riverui/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ui := s.ui.Load()
		a := s.api.Load()
		if ui == nil || a == nil {
			WriteError(w, http.StatusServiceUnavailable, "starting: River's UI is not running yet")
			return
		}
		// Cancelling, retrying or deleting jobs through the UI changes
		// sync state: it is audited like the API's own actions.
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !a.audit(w, r, "riverui."+strings.ToLower(r.Method), strings.TrimPrefix(r.URL.Path, riverUIPrefix), nil) {
				return
			}
		}
		(*ui).ServeHTTP(w, r)
	}))
}

func (s *Server) route(pattern string, h func(*api, http.ResponseWriter, *http.Request)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		a := s.api.Load()
		if a == nil {
			WriteError(w, http.StatusServiceUnavailable, "starting: the job queue is not running yet; try again shortly")
			return
		}
		h(a, w, r)
	})
}

// fail answers an unexpected (server-side) error.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client went away
	}
	// The error may quote stored data (personal data among it): it goes
	// to the log, the client gets a reference to find it there.
	ref := fmt.Sprintf("%x", time.Now().UnixNano())
	a.log.Error("admin request failed", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.String("ref", ref), zap.Error(err))
	WriteError(w, http.StatusInternalServerError, "internal error; the sestd log has the details under ref "+ref)
}

// audit records an action; a failure to record is logged and reported
// in the response, the action itself has happened.
func (a *api) audit(w http.ResponseWriter, r *http.Request, action, subject string, detail map[string]any) bool {
	if err := a.Store.AuditInsert(r.Context(), a.actor, action, subject, detail); err != nil {
		a.log.Error("recording audit entry failed", zap.String("action", action), zap.String("subject", subject), zap.Error(err))
		WriteError(w, http.StatusInternalServerError, fmt.Sprintf("%s %s done, but recording it in the audit log failed: %v", action, subject, err))
		return false
	}
	return true
}

// readJSONBody reads an optional JSON body (at most maxJSONBody bytes);
// an empty body gives nil.
func readJSONBody(w http.ResponseWriter, r *http.Request) (json.RawMessage, int, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", tooBig.Limit)
	}
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("reading request body: %w", err)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, 0, nil
	}
	if !json.Valid(raw) {
		return nil, http.StatusBadRequest, errors.New("request body is not valid JSON")
	}
	return raw, 0, nil
}

func (a *api) jobList(w http.ResponseWriter, _ *http.Request) {
	out := []JobInfo{}
	for _, name := range slices.Sorted(maps.Keys(a.Triggers)) {
		out = append(out, JobInfo{Name: name, Help: a.Triggers[name].Help})
	}
	WriteJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

func (a *api) jobTrigger(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	t, ok := a.Triggers[name]
	if !ok {
		WriteJSON(w, http.StatusNotFound, map[string]any{
			"error": fmt.Sprintf("unknown job %q", name),
			"known": slices.Sorted(maps.Keys(a.Triggers)),
		})
		return
	}
	raw, status, err := readJSONBody(w, r)
	if err != nil {
		WriteError(w, status, err.Error())
		return
	}
	args, err := t.Args(raw)
	if err != nil {
		WriteError(w, http.StatusBadRequest, fmt.Sprintf("arguments of %s: %v", name, err))
		return
	}
	res, err := a.enqueue(w, r, args, "job.trigger", name, map[string]any{"args": raw})
	if err != nil {
		return
	}
	WriteJSON(w, http.StatusAccepted, res)
}

// enqueue inserts args and audits it; on failure it has answered.
func (a *api) enqueue(w http.ResponseWriter, r *http.Request, args river.JobArgs, action, subject string, detail map[string]any) (Enqueued, error) {
	res, err := a.River.Insert(r.Context(), args, nil)
	if err != nil {
		err = fmt.Errorf("enqueueing %s: %w", args.Kind(), err)
		a.fail(w, r, err)
		return Enqueued{}, err
	}
	e := Enqueued{JobID: res.Job.ID, Kind: res.Job.Kind, Queue: res.Job.Queue, State: string(res.Job.State), Duplicate: res.UniqueSkippedAsDuplicate}
	if e.Duplicate && (res.Job.State == rivertype.JobStateRetryable || res.Job.State == rivertype.JobStateScheduled) {
		// An operator who triggers a job wants it now, not after the
		// duplicate's backoff or schedule.
		job, err := a.River.JobRetry(r.Context(), e.JobID)
		if err != nil {
			err = fmt.Errorf("running the waiting %s job %d now: %w", e.Kind, e.JobID, err)
			a.fail(w, r, err)
			return Enqueued{}, err
		}
		e.State, e.RunNow = string(job.State), true
	}
	a.log.Info("job enqueued by operator", zap.String("job_kind", e.Kind), zap.Int64("job_id", e.JobID), zap.Bool("duplicate", e.Duplicate))
	if detail == nil {
		detail = map[string]any{}
	}
	detail["job_id"], detail["kind"], detail["duplicate"], detail["run_now"] = e.JobID, e.Kind, e.Duplicate, e.RunNow
	if !a.audit(w, r, action, subject, detail) {
		return e, errors.New("audit failed")
	}
	return e, nil
}

func (a *api) runList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := queryLimit(q.Get("limit"), 50, 1000)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	params := river.NewJobListParams().OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit)
	if kinds := splitList(q.Get("kind")); len(kinds) > 0 {
		params = params.Kinds(kinds...)
	}
	if states := splitList(q.Get("state")); len(states) > 0 {
		js, err := parseStates(states)
		if err != nil {
			WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		params = params.States(js...)
	}
	runs, err := a.listRuns(r.Context(), params)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"runs": runs})
}

func (a *api) listRuns(ctx context.Context, params *river.JobListParams) ([]Run, error) {
	res, err := a.River.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("listing jobs: %w", err)
	}
	now := a.now()
	out := make([]Run, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		out = append(out, runFromRow(j, now))
	}
	return out, nil
}

func (a *api) runGet(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	j, err := a.River.JobGet(r.Context(), id)
	if errors.Is(err, river.ErrNotFound) {
		WriteError(w, http.StatusNotFound, fmt.Sprintf("no job %d", id))
		return
	}
	if err != nil {
		a.fail(w, r, fmt.Errorf("reading job %d: %w", id, err))
		return
	}
	WriteJSON(w, http.StatusOK, runFromRow(j, a.now()))
}

func (a *api) cursorList(w http.ResponseWriter, r *http.Request) {
	cs, err := a.Store.CursorStatusList(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"cursors": cs})
}

// streamLock is the lock the sync jobs hold while they work on a cursor:
// the delta poll one per stream, the full download one for all of its.
func streamLock(stream string) string {
	if strings.HasPrefix(stream, "full_") {
		return "stream:full"
	}
	return "stream:" + stream
}

func (a *api) cursorReset(w http.ResponseWriter, r *http.Request) {
	stream := r.PathValue("stream")
	ctx := r.Context()
	cs, err := a.Store.CursorStatusList(ctx)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(cs, func(c store.CursorStatus) bool { return c.Stream == stream })
	if i < 0 {
		names := make([]string, 0, len(cs))
		for _, c := range cs {
			names = append(names, c.Stream)
		}
		WriteJSON(w, http.StatusNotFound, map[string]any{"error": fmt.Sprintf("unknown stream %q", stream), "known": names})
		return
	}
	prev := cs[i]
	unlock, ok, err := a.Store.TryLock(ctx, streamLock(stream))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !ok {
		WriteError(w, http.StatusConflict, fmt.Sprintf("a sync of %s is running; reset it when the run is over", stream))
		return
	}
	err = a.Store.CursorReset(ctx, stream)
	unlock()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	fields := []zap.Field{zap.String("stream", stream), zap.String("actor", a.actor)}
	detail := map[string]any{}
	if prev.Position != nil {
		fields = append(fields, zap.Time("previous_position", *prev.Position))
		detail["previous_position"] = prev.Position
	}
	if prev.Run != nil {
		detail["dropped_run"] = prev.Run
	}
	a.log.Warn("cursor reset by operator: the next poll starts from the beginning of the Vermittlungsprozess", fields...)
	if !a.audit(w, r, "cursor.reset", stream, detail) {
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"stream": stream, "reset": true, "previous": prev})
}

func (a *api) status(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := Status{At: a.now().UTC(), Jobs: map[string]int64{}}
	var err error
	if st.Cursors, err = a.Store.CursorStatusList(ctx); err != nil {
		a.fail(w, r, err)
		return
	}
	counts, err := a.Store.RiverJobCountsByState(ctx)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	for state, n := range counts {
		st.Jobs[state] = int64(n)
	}
	if st.Outbox, err = a.outboxCounts(ctx); err != nil {
		a.fail(w, r, err)
		return
	}
	if st.LastRuns, err = a.listRuns(ctx, river.NewJobListParams().
		States(rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded).
		OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(10)); err != nil {
		a.fail(w, r, err)
		return
	}
	failing, err := a.listRuns(ctx, river.NewJobListParams().
		States(rivertype.JobStateRetryable, rivertype.JobStateCancelled, rivertype.JobStateDiscarded, rivertype.JobStateRunning, rivertype.JobStateAvailable).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(200))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	st.Failing = []Run{}
	dayAgo := a.now().Add(-24 * time.Hour)
	for _, run := range failing {
		if len(run.Errors) == 0 || (run.FinalizedAt != nil && run.FinalizedAt.Before(dayAgo)) {
			continue
		}
		st.Failing = append(st.Failing, run)
		if len(st.Failing) == 20 {
			break
		}
	}
	if st.Imports, err = a.Store.ImportRunList(ctx, 5); err != nil {
		a.fail(w, r, err)
		return
	}
	if st.Imports == nil {
		st.Imports = []store.ImportRun{}
	}
	WriteJSON(w, http.StatusOK, st)
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		WriteError(w, http.StatusBadRequest, fmt.Sprintf("id must be a positive integer, got %q", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

func queryLimit(s string, def, most int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > most {
		return 0, fmt.Errorf("limit must be an integer from 1 to %d, got %q", most, s)
	}
	return n, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseStates(names []string) ([]rivertype.JobState, error) {
	valid := rivertype.JobStates()
	out := make([]rivertype.JobState, 0, len(names))
	for _, n := range names {
		s := rivertype.JobState(n)
		if !slices.Contains(valid, s) {
			return nil, fmt.Errorf("state must be one of %v, got %q", valid, n)
		}
		out = append(out, s)
	}
	return out, nil
}
