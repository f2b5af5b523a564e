package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/sestmodel"
)

// RangUploadSchemaArgs sends the Vergabeschema's Ranglisten with Kopfdaten
// for Studienpakete (Sestco's rang_upload_schema): one Rangliste per
// Ranglisten type, keyed <studienpaket>-<id_nr>, status eingerichtet, no
// entries. Sending the schema again replaces the Kopfdaten and empties the
// lists; upload the entries afterwards.
type RangUploadSchemaArgs struct {
	Studienpakete []string `json:"studienpakete,omitempty"`
	// Alle sends the schema for every mirrored Studienpaket.
	Alle bool `json:"alle,omitempty"`
}

// Kind implements river.JobArgs.
func (RangUploadSchemaArgs) Kind() string { return "rang_upload_schema" }

// InsertOpts: a send to the Servicestelle; the same request once at a time.
func (RangUploadSchemaArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOutbound, UniqueOpts: uniqueWhileActive()}
}

func (a RangUploadSchemaArgs) validate(schema config.Vergabeschema) error {
	switch {
	case schema.Empty():
		return errors.New("the vergabeschema is empty: configure it (see deploy/sestd.example.yaml) before uploading Ranglisten")
	case a.Alle && len(a.Studienpakete) > 0:
		return errors.New("give either studienpakete or alle, not both")
	case !a.Alle && len(rangUniq(a.Studienpakete)) == 0:
		return errors.New(`name the Studienpakete: {"studienpakete": ["<key>", …]} or {"alle": true} (see sestd rang studienpakete)`)
	}
	return nil
}

// RangUploadSchemaWorker runs RangUploadSchemaArgs.
type RangUploadSchemaWorker struct {
	river.WorkerDefaults[RangUploadSchemaArgs]
	rank *ranker
}

// Timeout: bounded by the Servicestelle timeout per call.
func (w *RangUploadSchemaWorker) Timeout(*river.Job[RangUploadSchemaArgs]) time.Duration { return -1 }

// Work sends the schema. Studienpakete outside outbox.abschluss_filter
// are not sent (ranker.abschlussFilter; each of their Ranglisten is in the
// upload log with the reason, the result counts them). Without a filter,
// Studienpakete missing from the mirror are sent anyway (the mirror may be
// behind; the Servicestelle rejects unknown ones). A rejected Rangliste cancels the job after all were sent, naming
// each with its reason; the upload log has every result.
func (w *RangUploadSchemaWorker) Work(ctx context.Context, job *river.Job[RangUploadSchemaArgs]) error {
	r := w.rank
	schema := r.deps.Config.Vergabeschema
	if err := job.Args.validate(schema); err != nil {
		return river.JobCancel(err)
	}
	log := Logger(ctx)
	pakete := rangUniq(job.Args.Studienpakete)
	var res RangUploadResult
	if job.Args.Alle {
		all, err := r.deps.Store.RangStudienpaketList(ctx)
		if err != nil {
			return err
		}
		for _, p := range all {
			pakete = append(pakete, p.Schluessel)
		}
		if len(pakete) == 0 {
			return river.JobCancel(errors.New("the mirror holds no Studienpakete: run the ranglistenstatus delta poll first"))
		}
	}
	outside, err := r.abschlussFilter(ctx, pakete)
	if err != nil {
		return err
	}
	if len(outside) > 0 {
		skipped := map[string]string{}
		var keep []string
		for _, p := range pakete {
			if _, ok := outside[p]; !ok {
				keep = append(keep, p)
				continue
			}
			for _, t := range schema.Typen() {
				skipped[config.RanglisteKey(p, t.IDNr)] = p
			}
		}
		if err := r.skipFiltered(ctx, job.Attempt, outside, skipped, &res); err != nil {
			return err
		}
		pakete = keep
	}
	if !job.Args.Alle {
		known, err := r.deps.Store.RangStudienpaketKeys(ctx, pakete)
		if err != nil {
			return err
		}
		for _, p := range pakete {
			if !known[p] {
				res.NichtGespiegelt = append(res.NichtGespiegelt, p)
			}
		}
		if len(res.NichtGespiegelt) > 0 {
			log.Warn("Studienpakete not in the mirror; sending anyway", zap.Strings("studienpakete", res.NichtGespiegelt))
		}
	}
	var ranglisten []sestmodel.Rangliste
	var keys []string
	for _, p := range pakete {
		for _, t := range schema.Typen() {
			key := config.RanglisteKey(p, t.IDNr)
			keys = append(keys, key)
			ranglisten = append(ranglisten, sestmodel.Rangliste{Schluessel: key, StudienpaketSchluessel: p, NameDe: t.Name, Ebene: t.Ebene,
				Status: "eingerichtet", Kopfdaten: rangKopfdaten(t)})
		}
	}
	if len(keys) == 0 {
		log.Info("Vergabeschema not uploaded: every Studienpaket is outside outbox.abschluss_filter", zap.Int("ausserhalb_filter", len(res.AusserhalbFilter)))
		return river.RecordOutput(ctx, res)
	}
	unlock, err := r.lock(ctx, keys)
	if err != nil {
		return err
	}
	defer unlock()
	size := r.deps.Config.Servicestelle.PackageSize
	var msgs []rangMessage
	for i := 0; i < len(ranglisten); i += size {
		msgs = append(msgs, rangMessage{ranglisten: ranglisten[i:min(i+size, len(ranglisten))], part: 1, parts: 1})
	}
	log.Info("uploading the Vergabeschema", zap.Int("studienpakete", len(pakete)), zap.Int("ranglisten", len(ranglisten)), zap.Int("messages", len(msgs)))
	sendErr := r.send(ctx, job.Attempt, msgs, &res)
	if err := river.RecordOutput(ctx, res); err != nil {
		return err
	}
	if sendErr != nil {
		return sendErr
	}
	log.Info("Vergabeschema uploaded", zap.Int("neu", len(res.Neu)), zap.Int("aktualisiert", len(res.Aktualisiert)), zap.Int("zurueckgewiesen", len(res.Zurueckgewiesen)),
		zap.Int("ausserhalb_filter", res.AusserhalbFilterRanglisten))
	if err := res.err(); err != nil {
		return river.JobCancel(fmt.Errorf("uploading the Vergabeschema: %w", err))
	}
	return nil
}
