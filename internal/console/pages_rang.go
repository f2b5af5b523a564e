package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"sestd/internal/config"
	"sestd/internal/store"
)

// rangSendStatuses are the statuses an entries upload may give.
var rangSendStatuses = []string{"eingerichtet", "befuellt", "freigegeben"}

type rangData struct {
	Pakete   []store.RangStudienpaket
	Status   []store.RangStatus
	Imported map[string]int
	Statuses []string
	NoSchema bool
}

func (q *request) ranglisten() {
	ctx := q.ctx()
	var d rangData
	var err error
	if d.Pakete, err = q.c.Store.RangStudienpaketList(ctx); err != nil {
		q.fail(err)
		return
	}
	if d.Status, err = q.c.Store.RangStatusList(ctx); err != nil {
		q.fail(err)
		return
	}
	if d.Imported, err = q.c.Store.RankingEntryRanglisten(ctx); err != nil {
		q.fail(err)
		return
	}
	d.Statuses = rangSendStatuses
	d.NoSchema = q.c.Config.Vergabeschema.Empty()
	q.render(200, "ranglisten", "rang", text(q.lang, "rl.title"), d)
}

type ranglisteData struct {
	Key     string
	Entries []store.RankingEntryRow
}

// rangliste lists a Rangliste's imported entries (applicants' ids and
// ranks: audited).
func (q *request) rangliste() {
	key := q.r.PathValue("key")
	entries, err := q.c.Store.RankingEntryList(q.ctx(), key, 5000)
	if err != nil {
		q.fail(err)
		return
	}
	if !q.audit("rangliste.read", key, map[string]any{"entries": len(entries)}) {
		return
	}
	q.render(200, "rangliste", "rang", text(q.lang, "rl.rangliste")+" "+key, ranglisteData{Key: key, Entries: entries})
}

// rangPlan is what an upload will send, shown for confirmation.
type rangPlan struct {
	What          string // entries or schema
	Studienpakete []string
	Status        string
	Ranglisten    []rangPlanRow
}

type rangPlanRow struct {
	Key     string
	Entries int
}

func (q *request) rangPlan() (rangPlan, error) {
	if err := q.r.ParseForm(); err != nil {
		return rangPlan{}, &badInput{err}
	}
	p := rangPlan{What: q.r.PostForm.Get("what"), Studienpakete: q.r.PostForm["studienpaket"], Status: q.r.PostForm.Get("status")}
	if p.What != "schema" {
		p.What = "entries"
		if !slices.Contains(rangSendStatuses, p.Status) {
			return p, &badInput{fmt.Errorf("status must be one of %v", rangSendStatuses)}
		}
	}
	if len(p.Studienpakete) == 0 {
		return p, &badInput{errors.New(text(q.lang, "rl.nothing"))}
	}
	imported, err := q.c.Store.RankingEntryRanglisten(q.ctx())
	if err != nil {
		return p, err
	}
	for _, sp := range p.Studienpakete {
		for _, t := range q.c.Config.Vergabeschema.Typen() {
			k := config.RanglisteKey(sp, t.IDNr)
			if p.What == "schema" || imported[k] > 0 {
				p.Ranglisten = append(p.Ranglisten, rangPlanRow{Key: k, Entries: imported[k]})
			}
		}
	}
	return p, nil
}

// rangPlanned is rangPlan; when there is none, it has answered: back to
// the Ranglisten page with what is wrong in the form, 500 for another
// error.
func (q *request) rangPlanned() (rangPlan, bool) {
	p, err := q.rangPlan()
	return p, q.proceed(err, Prefix+"ranglisten", "")
}

// rangConfirm shows what the upload will send and asks to confirm.
func (q *request) rangConfirm() {
	p, ok := q.rangPlanned()
	if !ok {
		return
	}
	q.render(200, "rang_confirm", "rang", text(q.lang, "rl.confirm"), p)
}

// rangSend starts the confirmed upload.
func (q *request) rangSend() {
	p, ok := q.rangPlanned()
	if !ok {
		return
	}
	// Strings only: the encodings cannot fail (errchkjson checks it).
	trigger, raw := "rang_upload_eintraege", []byte(nil)
	if p.What == "schema" {
		trigger = "rang_upload_schema"
		raw, _ = json.Marshal(struct {
			Studienpakete []string `json:"studienpakete"`
		}{p.Studienpakete})
	} else {
		raw, _ = json.Marshal(struct {
			Status        string   `json:"status"`
			Studienpakete []string `json:"studienpakete"`
		}{p.Status, p.Studienpakete})
	}
	res, err := q.enqueue(trigger, raw, "rang."+trigger, "", map[string]any{"args": json.RawMessage(raw)})
	if !q.proceed(err, Prefix+"ranglisten", "") {
		return
	}
	q.redirect(Prefix+"ranglisten", text(q.lang, "rl.sent")+" "+strconv.FormatInt(res.Job.ID, 10))
}
