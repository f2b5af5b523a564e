package console

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"sestd/internal/store"
)

type stateCount struct {
	State string
	Count int64
}

type failingJob struct {
	ID      int64
	Kind    string
	State   string
	Attempt int
	At      time.Time
	Error   string
}

type overviewData struct {
	Cursors       []store.CursorStatus
	Lag           map[string]string
	Outbox        []stateCount
	FailedItems   int64
	RejectedItems int64
	Failing       []failingJob
	Imports       []store.ImportRun
	RejectImports int
	// Mailed are the items of the last mails to the admins.
	Mailed  []store.OutboxItem
	Lagging int
}

// overview: what needs attention first, then the streams, the outbox,
// failing jobs and the last imports.
func (q *request) overview() {
	ctx := q.ctx()
	var d overviewData
	var err error
	if d.Cursors, err = q.c.Store.CursorStatusList(ctx); err != nil {
		q.fail(err)
		return
	}
	d.Lag = map[string]string{}
	for _, cur := range d.Cursors {
		if cur.AgeSeconds != nil {
			age := time.Duration(*cur.AgeSeconds) * time.Second
			d.Lag[cur.Stream] = age.Round(time.Second).String()
			if age > time.Hour {
				d.Lagging++
			}
		}
	}
	counts, err := q.c.Store.OutboxCountsByState(ctx)
	if err != nil {
		q.fail(err)
		return
	}
	for _, st := range store.OutboxStates() {
		d.Outbox = append(d.Outbox, stateCount{string(st), int64(counts[string(st)])})
	}
	d.FailedItems, d.RejectedItems = int64(counts[string(store.OutboxFailed)]), int64(counts[string(store.OutboxRejected)])
	if q.c.River != nil {
		res, err := q.c.River.JobList(ctx, river.NewJobListParams().
			States(rivertype.JobStateRetryable, rivertype.JobStateCancelled, rivertype.JobStateDiscarded, rivertype.JobStateRunning, rivertype.JobStateAvailable).
			OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(200))
		if err != nil {
			q.fail(err)
			return
		}
		dayAgo := q.c.Now().Add(-24 * time.Hour)
		for _, j := range res.Jobs {
			if len(j.Errors) == 0 || (j.FinalizedAt != nil && j.FinalizedAt.Before(dayAgo)) {
				continue
			}
			last := j.Errors[len(j.Errors)-1]
			d.Failing = append(d.Failing, failingJob{ID: j.ID, Kind: j.Kind, State: string(j.State), Attempt: j.Attempt, At: last.At, Error: last.Error})
			if len(d.Failing) == 20 {
				break
			}
		}
	}
	if d.Mailed, err = q.c.Store.OutboxNotifiedRecent(ctx, 5); err != nil {
		q.fail(err)
		return
	}
	if d.Imports, err = q.c.Store.ImportRunList(ctx, 10); err != nil {
		q.fail(err)
		return
	}
	for _, imp := range d.Imports {
		if imp.Rejected > 0 {
			d.RejectImports++
		}
	}
	q.render(200, "overview", "overview", text(q.lang, "ov.title"), d)
}
