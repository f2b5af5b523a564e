package console

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

type jobInfo struct {
	Name, Help string
}

type jobsData struct {
	Jobs []jobInfo
	Name string
	Args string
}

// jobs lists what an operator may start by hand, with a form to start it.
func (q *request) jobs() {
	d := jobsData{Name: q.r.URL.Query().Get("name"), Args: q.r.URL.Query().Get("args")}
	for _, name := range slices.Sorted(maps.Keys(q.c.Triggers)) {
		d.Jobs = append(d.Jobs, jobInfo{Name: name, Help: q.c.Triggers[name].Help})
	}
	q.render(200, "jobs", "jobs", text(q.lang, "jobs.title"), d)
}

// jobTrigger starts a job with the arguments given as JSON (as the admin
// API's POST /api/jobs/{name}).
func (q *request) jobTrigger() {
	name := q.r.PostFormValue("name")
	args := strings.TrimSpace(q.r.PostFormValue("args"))
	var raw json.RawMessage
	if args != "" {
		if !json.Valid([]byte(args)) {
			q.redirect(Prefix+"jobs?name="+name, text(q.lang, "jobs.badjson"))
			return
		}
		raw = json.RawMessage(args)
	}
	if _, ok := q.c.Triggers[name]; !ok {
		q.notFound()
		return
	}
	res, err := q.enqueue(name, raw, "job.trigger", name, map[string]any{"args": raw})
	if !q.proceed(err, Prefix+"jobs?name="+name, text(q.lang, "im.badargs")+": ") {
		return
	}
	msg := text(q.lang, "jobs.started") + " " + strconv.FormatInt(res.Job.ID, 10)
	if res.UniqueSkippedAsDuplicate {
		msg = text(q.lang, "jobs.duplicate") + " " + strconv.FormatInt(res.Job.ID, 10)
	}
	q.redirect(Prefix+"jobs", msg)
}
