package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// RangUploadEintraegeArgs sends the imported ranking entries (table
// ranking_entry: bewerberId and rang) of Ranglisten with a status
// (Sestco's rang_upload_eintraege). Studienpakete selects every Rangliste
// <studienpaket>-<id_nr> of the Vergabeschema that has imported entries;
// Ranglisten names lists directly (each must have entries).
//
// Packages: a message carries at most servicestelle.package_size entries.
// Smaller Ranglisten share messages (sent first); a larger one is split into packages
// sent one after the other in rank order: the first replaces the entries
// stored at the Servicestelle, each further one is appended to them. All
// packages but the last carry status eingerichtet (so the list cannot be
// released half full), the last the run's status. Kopfdaten, when sent,
// go with the first package.
type RangUploadEintraegeArgs struct {
	Studienpakete []string `json:"studienpakete,omitempty"`
	Ranglisten    []string `json:"ranglisten,omitempty"`
	// Status is eingerichtet, befuellt or freigegeben.
	Status string `json:"status"`
	// KopfdatenBeibehalten (default true) sends no Kopfdaten: the
	// Servicestelle keeps the stored ones. False sends the Vergabeschema's.
	KopfdatenBeibehalten *bool `json:"kopfdaten_beibehalten,omitempty"`
}

// Kind implements river.JobArgs.
func (RangUploadEintraegeArgs) Kind() string { return "rang_upload_eintraege" }

// InsertOpts: a send to the Servicestelle; the same request once at a time.
func (RangUploadEintraegeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutbound, UniqueOpts: uniqueWhileActive()}
}

func (a RangUploadEintraegeArgs) keepKopfdaten() bool {
	return a.KopfdatenBeibehalten == nil || *a.KopfdatenBeibehalten
}

func (a RangUploadEintraegeArgs) validate(schema config.Vergabeschema) error {
	if schema.Empty() {
		return errors.New("the vergabeschema is empty: configure it (see deploy/sestd.example.yaml) before uploading Ranglisten")
	}
	if !slices.Contains(rangStatusValues, a.Status) {
		return fmt.Errorf("status must be one of %s, got %q", strings.Join(rangStatusValues, ", "), a.Status)
	}
	if len(rangUniq(a.Studienpakete)) == 0 && len(rangUniq(a.Ranglisten)) == 0 {
		return errors.New(`name the Studienpakete or Ranglisten: {"studienpakete": ["<key>", …]} or {"ranglisten": ["<studienpaket>-<id_nr>", …]}`)
	}
	var bad []string
	for _, k := range rangUniq(a.Ranglisten) {
		if _, _, err := parseRanglisteKey(schema, k); err != nil {
			bad = append(bad, err.Error())
		}
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// RangUploadEintraegeWorker runs RangUploadEintraegeArgs.
type RangUploadEintraegeWorker struct {
	river.WorkerDefaults[RangUploadEintraegeArgs]
	rank *ranker
}

// Timeout: large lists take many calls, each bounded by the Servicestelle
// timeout.
func (w *RangUploadEintraegeWorker) Timeout(*river.Job[RangUploadEintraegeArgs]) time.Duration {
	return -1
}

// rangTarget is one Rangliste to send.
type rangTarget struct {
	key, studienpaket string
	typ               config.PositionedTyp
}

// Work sends the entries. Ranglisten of Studienpakete outside
// outbox.abschluss_filter are not sent (ranker.abschlussFilter; each is in
// the upload log with the reason, the result counts them). Entries whose applicant has no Bewerbung for the
// Studienpaket in the mirror are refused: their Ranglisten are not sent,
// each refused entry goes to the upload log, and the job is cancelled
// naming them once the other Ranglisten were sent. So are Ranglisten the
// Servicestelle rejects.
func (w *RangUploadEintraegeWorker) Work(ctx context.Context, job *river.Job[RangUploadEintraegeArgs]) error {
	r := w.rank
	a := job.Args
	schema := r.deps.Config.Vergabeschema
	if err := a.validate(schema); err != nil {
		return river.JobCancel(err)
	}
	log := Logger(ctx)
	targets, err := w.targets(ctx, a, schema)
	if err != nil {
		return err
	}
	var res RangUploadResult
	pakete := make([]string, len(targets))
	for i, t := range targets {
		pakete[i] = t.studienpaket
	}
	outside, err := r.abschlussFilter(ctx, pakete)
	if err != nil {
		return err
	}
	if len(outside) > 0 {
		skipped := map[string]string{}
		var keep []rangTarget
		for _, t := range targets {
			if _, ok := outside[t.studienpaket]; ok {
				skipped[t.key] = t.studienpaket
			} else {
				keep = append(keep, t)
			}
		}
		if err := r.skipFiltered(ctx, job.Attempt, outside, skipped, &res); err != nil {
			return err
		}
		targets = keep
		if len(targets) == 0 {
			log.Info("no Ranglisten entries uploaded: every Studienpaket is outside outbox.abschluss_filter", zap.Int("ausserhalb_filter", res.AusserhalbFilterRanglisten))
			return river.RecordOutput(ctx, res)
		}
	}
	keys := make([]string, len(targets))
	pakete = make([]string, len(targets))
	for i, t := range targets {
		keys[i], pakete[i] = t.key, t.studienpaket
	}
	unlock, err := r.lock(ctx, keys)
	if err != nil {
		return err
	}
	defer unlock()

	rows, err := r.deps.Store.RankingEntryListForUpload(ctx, keys, pakete)
	if err != nil {
		return err
	}
	byList := map[string][]sestmodel.Ranglisteneintrag{}
	refused := map[string]bool{}
	for _, e := range rows {
		if !e.HatBewerbung {
			refused[e.Rangliste] = true
			res.Verweigert = append(res.Verweigert, RangRefusedRow{Rangliste: e.Rangliste, BewerberID: e.BewerberID, Rang: e.Rang})
			continue
		}
		byList[e.Rangliste] = append(byList[e.Rangliste], sestmodel.Ranglisteneintrag{Rang: e.Rang, BewerberID: e.BewerberID})
	}
	if len(res.Verweigert) > 0 {
		if err := w.logRefused(ctx, job.Attempt, targets, res.Verweigert); err != nil {
			return err
		}
		var l []string
		for _, v := range res.Verweigert[:min(len(res.Verweigert), 20)] {
			l = append(l, fmt.Sprintf("%s/%s (rang %d)", v.Rangliste, v.BewerberID, v.Rang))
		}
		log.Warn("entries refused: the applicants have no Bewerbung for the Studienpaket in the mirror; their Ranglisten are not sent",
			zap.Int("entries", len(res.Verweigert)), zap.Int("ranglisten", len(refused)), zap.Strings("first", l))
	}

	size := r.deps.Config.Servicestelle.PackageSize
	var msgs []rangMessage
	var open []sestmodel.Rangliste
	openEntries := 0
	base := func(t rangTarget) sestmodel.Rangliste {
		rl := sestmodel.Rangliste{Schluessel: t.key, StudienpaketSchluessel: t.studienpaket, Ebene: t.typ.Ebene, Status: a.Status}
		if !a.keepKopfdaten() {
			rl.NameDe, rl.Kopfdaten = t.typ.Name, rangKopfdaten(t.typ)
		}
		return rl
	}
	flush := func() {
		if len(open) > 0 {
			msgs = append(msgs, rangMessage{ranglisten: open, part: 1, parts: 1})
			open, openEntries = nil, 0
		}
	}
	var large []rangTarget
	for _, t := range targets {
		if refused[t.key] {
			continue
		}
		entries := byList[t.key]
		if len(entries) > size {
			large = append(large, t)
			continue
		}
		if openEntries+len(entries) > size {
			flush()
		}
		rl := base(t)
		rl.Eintrag = entries
		open, openEntries = append(open, rl), openEntries+len(entries)
	}
	flush()
	for _, t := range large {
		entries := byList[t.key]
		parts := (len(entries) + size - 1) / size
		for p := range parts {
			rl := base(t)
			rl.Eintrag = entries[p*size : min((p+1)*size, len(entries))]
			if p < parts-1 {
				rl.Status = "eingerichtet"
			}
			if p > 0 {
				rl.NameDe, rl.Kopfdaten = "", nil
			}
			msgs = append(msgs, rangMessage{ranglisten: []sestmodel.Rangliste{rl}, part: p + 1, parts: parts})
		}
	}
	log.Info("uploading Ranglisten entries", zap.Int("ranglisten", len(targets)-len(refused)), zap.Int("refused_ranglisten", len(refused)),
		zap.Int("messages", len(msgs)), zap.String("status", a.Status), zap.Bool("kopfdaten_beibehalten", a.keepKopfdaten()))
	sendErr := r.send(ctx, job.Attempt, msgs, &res)
	if err := river.RecordOutput(ctx, res); err != nil {
		return err
	}
	if sendErr != nil {
		return sendErr
	}
	log.Info("Ranglisten entries uploaded", zap.Int("ranglisten", res.Ranglisten), zap.Int("eintraege", res.Eintraege),
		zap.Int("neu", len(res.Neu)), zap.Int("aktualisiert", len(res.Aktualisiert)), zap.Int("zurueckgewiesen", len(res.Zurueckgewiesen)),
		zap.Int("ausserhalb_filter", res.AusserhalbFilterRanglisten))
	if err := res.err(); err != nil {
		return river.JobCancel(fmt.Errorf("uploading Ranglisten entries: %w", err))
	}
	return nil
}

// targets resolves the args into Ranglisten with imported entries, in key
// order.
func (w *RangUploadEintraegeWorker) targets(ctx context.Context, a RangUploadEintraegeArgs, schema config.Vergabeschema) ([]rangTarget, error) {
	want := map[string]rangTarget{}
	explicit := map[string]bool{}
	for _, p := range rangUniq(a.Studienpakete) {
		for _, t := range schema.Typen() {
			k := config.RanglisteKey(p, t.IDNr)
			want[k] = rangTarget{key: k, studienpaket: p, typ: t}
		}
	}
	for _, k := range rangUniq(a.Ranglisten) {
		p, t, err := parseRanglisteKey(schema, k)
		if err != nil {
			return nil, river.JobCancel(err)
		}
		want[k] = rangTarget{key: k, studienpaket: p, typ: t}
		explicit[k] = true
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	counts, err := w.rank.deps.Store.RankingEntryCounts(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out []rangTarget
	var empty []string
	for _, k := range keys {
		switch {
		case counts[k] > 0:
			out = append(out, want[k])
		case explicit[k]:
			empty = append(empty, k)
		}
	}
	if len(empty) > 0 {
		return nil, river.JobCancel(fmt.Errorf("no entries imported for Rangliste %s: import the ranking file first (keys <studienpaket>-<id_nr>)", strings.Join(empty, ", ")))
	}
	if len(out) == 0 {
		return nil, river.JobCancel(fmt.Errorf("no entries imported for any Rangliste of Studienpaket %s (keys <studienpaket>-<id_nr>)", strings.Join(rangUniq(a.Studienpakete), ", ")))
	}
	return out, nil
}

// logRefused writes one upload log row per refused entry.
func (w *RangUploadEintraegeWorker) logRefused(ctx context.Context, attempt int, targets []rangTarget, refused []RangRefusedRow) error {
	paket := map[string]string{}
	for _, t := range targets {
		paket[t.key] = t.studienpaket
	}
	entries := make([]store.UploadLogEntry, len(refused))
	for i, v := range refused {
		entries[i] = store.UploadLogEntry{Operation: sestmodel.OpUebermittelnRanglisten, ItemKind: ItemKindRangliste, ItemKey: v.Rangliste,
			BewerberID: v.BewerberID, Attempt: attempt,
			Reason: fmt.Sprintf("not sent: applicant %s (rang %d) has no Bewerbung for Studienpaket %s in the mirror; the Rangliste is held back",
				v.BewerberID, v.Rang, paket[v.Rangliste])}
	}
	return w.rank.deps.Store.UploadLogInsert(ctx, entries)
}
