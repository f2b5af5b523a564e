package jobs

// The ranking upload (Sestco's rang_show_studienpakete, rang_upload_schema,
// rang_upload_eintraege and BaseRangHandler.update_university):
//
//   - rang_upload_schema sends, for the chosen Studienpakete, one Rangliste
//     per Ranglisten type of the configured Vergabeschema, with Kopfdaten
//     and no entries, status eingerichtet.
//   - rang_upload_eintraege sends the entries of the ranking import
//     (table ranking_entry) with the run's status, without Kopfdaten by
//     default (the Servicestelle keeps the stored ones).
//   - rang_export_status writes every Rangliste's status and
//     statusanmerkung, as the Ranglistenstatus delta poll mirrored them, to
//     rang_status.csv in export.dir (and the view uni.ranglisten_status).
//
// Rangliste keys are "<studienpaket>-<id_nr>" (config.RanglisteKey): the
// ranking import file must use them. Since id_nr holds letters and digits
// only, the part after the last "-" is the type, the part before it the
// Studienpaket.
//
// outbox.abschluss_filter (Sestco's SECO_ABSCHLUSS_SCHLUESSEL) limits both
// uploads: the Ranglisten of a Studienpaket are sent only when every one
// of its Studienangebote has an Abschluss of the filter
// (ranker.abschlussFilter); the others go to the upload log as "not sent"
// and are counted in the result (AusserhalbFilter).
//
// Uploads take the advisory lock of every Rangliste they send
// (store.RanglisteTryLock) and snooze while another upload holds one, so
// two uploads never write the same Rangliste at once. Every sent Rangliste
// (and every entry refused before sending) is written to the upload log
// with item_kind "rangliste".

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/sest"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// ItemKindRangliste is the upload log's item_kind of the ranking upload.
const ItemKindRangliste = "rangliste"

// The Ranglisten status values a run may set.
var rangStatusValues = []string{"eingerichtet", "befuellt", "freigegeben"}

// rangLockSnooze is how long an upload waits for another one holding a
// Rangliste.
const rangLockSnooze = 30 * time.Second

// ranker holds what the ranking jobs share.
type ranker struct {
	deps Deps
	sest sest.Servicestelle
}

// RangUploadResult is the recorded output of an upload job.
type RangUploadResult struct {
	// Ranglisten sent (whole or in packages) and their entries.
	Ranglisten int `json:"ranglisten"`
	Eintraege  int `json:"eintraege"`
	// Nachrichten is the number of uebermittelnRanglistenAnSeSt calls.
	Nachrichten     int              `json:"nachrichten"`
	Neu             []string         `json:"neu,omitempty"`
	Aktualisiert    []string         `json:"aktualisiert,omitempty"`
	Zurueckgewiesen []RangRejection  `json:"zurueckgewiesen,omitempty"`
	Verweigert      []RangRefusedRow `json:"verweigert,omitempty"`
	// NichtGespiegelt lists Studienpakete not in the mirror (sent anyway:
	// the Servicestelle decides).
	NichtGespiegelt []string `json:"nicht_gespiegelt,omitempty"`
	// AusserhalbFilter lists the Studienpakete not sent because of
	// outbox.abschluss_filter, with their Ranglisten (each also in the
	// upload log); AusserhalbFilterRanglisten counts those Ranglisten.
	AusserhalbFilter           []RangFiltered `json:"ausserhalb_filter,omitempty"`
	AusserhalbFilterRanglisten int            `json:"ausserhalb_filter_ranglisten,omitempty"`
}

// RangFiltered is a Studienpaket whose Ranglisten were not sent because
// outbox.abschluss_filter (Sestco's SECO_ABSCHLUSS_SCHLUESSEL) does not
// cover all of its Studienangebote.
type RangFiltered struct {
	Studienpaket string   `json:"studienpaket"`
	Ranglisten   []string `json:"ranglisten"`
	Grund        string   `json:"grund"`
}

// RangRejection is a Rangliste the Servicestelle rejected.
type RangRejection struct {
	Rangliste string `json:"rangliste"`
	Grund     string `json:"grund"`
	Code      int    `json:"code,omitempty"`
}

// RangRefusedRow is an entry sestd refused to send: the applicant has no
// Bewerbung for the Rangliste's Studienpaket in the mirror.
type RangRefusedRow struct {
	Rangliste  string `json:"rangliste"`
	BewerberID string `json:"bewerber_id"`
	Rang       int    `json:"rang"`
}

// err summarises what went wrong, nil when every Rangliste was accepted.
func (r RangUploadResult) err() error {
	var parts []string
	if n := len(r.Verweigert); n > 0 {
		var l []string
		for _, v := range r.Verweigert[:min(n, 20)] {
			l = append(l, fmt.Sprintf("%s: %s (rang %d)", v.Rangliste, v.BewerberID, v.Rang))
		}
		more := ""
		if n > 20 {
			more = fmt.Sprintf(", and %d more (see the upload log)", n-20)
		}
		parts = append(parts, fmt.Sprintf("%d entries refused, their Ranglisten not sent: applicants without a Bewerbung for the Studienpaket in the mirror: %s%s",
			n, strings.Join(l, ", "), more))
	}
	if n := len(r.Zurueckgewiesen); n > 0 {
		var l []string
		for _, z := range r.Zurueckgewiesen {
			l = append(l, z.Rangliste+": "+z.Grund)
		}
		parts = append(parts, fmt.Sprintf("%d Ranglisten rejected by the Servicestelle: %s", n, strings.Join(l, "; ")))
	}
	if len(parts) == 0 {
		return nil
	}
	return errors.New(strings.Join(parts, "; "))
}

// rangKopfdaten builds a type's Kopfdaten.
func rangKopfdaten(t config.PositionedTyp) *sestmodel.Kopfdaten {
	k := &sestmodel.Kopfdaten{Abarbeitungsposition: t.Abarbeitungsposition, IstVorwegzulasserrangliste: t.IstVorwegzulasser, IstChancenrangliste: t.IstChance}
	if p := t.Plaetze.Absolut; p != nil {
		n := int(*p)
		k.PlaetzeAbsolut = &n
	}
	if p := t.Plaetze.Prozentual; p != nil {
		v := *p
		k.PlaetzeProzentual = &v
	}
	c := t.Klauseln
	if c == (config.Klauseln{}) {
		return k
	}
	kl := &sestmodel.Klauseln{Limitierungsklausel: c.Limitierungsklausel, Nichtauffuellklausel: c.Nichtauffuellklausel}
	if b := c.Binnenquotenklausel; b != nil {
		kl.Binnenquotenklausel = &sestmodel.Binnenquotenklausel{Binnenquotenkennung: b.Binnenquotenkennung, IstBinnenquotendachrangliste: b.IstBinnenquotendachrangliste}
	}
	if m := c.Mindestplatzklausel; m != nil {
		kl.Mindestplatzklausel = &sestmodel.Mindestplatzklausel{Grenzkapazitaet: int(m.Grenzkapazitaet)}
	}
	if u := c.Unterbelegungsklausel; u != nil {
		kl.Unterbelegungsklausel = &sestmodel.Unterbelegungsklausel{PlatzuebergabeEbene: u.Platzuebergabe.Ebene, PlatzuebergabeRanglistentyp: u.Platzuebergabe.RanglistenTyp}
	}
	k.Klauseln = kl
	return k
}

// parseRanglisteKey splits a Rangliste key into its Studienpaket and type.
func parseRanglisteKey(schema config.Vergabeschema, key string) (string, config.PositionedTyp, error) {
	i := strings.LastIndexByte(key, '-')
	if i <= 0 || i == len(key)-1 {
		return "", config.PositionedTyp{}, fmt.Errorf("rangliste %q: not of the form <studienpaket>-<id_nr>", key)
	}
	t, ok := schema.Typ(key[i+1:])
	if !ok {
		return "", config.PositionedTyp{}, fmt.Errorf("rangliste %q: %q is no id_nr of the vergabeschema", key, key[i+1:])
	}
	return key[:i], t, nil
}

// rangUniq returns the non-empty strings of in, sorted and without duplicates.
func rangUniq(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// abschlussFilter splits the Studienpakete by outbox.abschluss_filter
// (Sestco's SECO_ABSCHLUSS_SCHLUESSEL: "updating data at the Servicestelle
// is limited to the Abschlüsse given here"). A Rangliste ranks applicants
// for all Studienangebote of its Studienpaket, so a Studienpaket is sent
// only when the Abschluss of every one of its Bestandteile is in the
// filter; one that is not mirrored (its Abschlüsse unknown) is not sent
// either while a filter is set. outside maps each Studienpaket not sent to
// the reason. An empty filter sends all.
func (r *ranker) abschlussFilter(ctx context.Context, pakete []string) (outside map[string]string, err error) {
	filter := r.deps.Config.SendAbschluesse()
	if len(filter) == 0 || len(pakete) == 0 {
		return nil, nil
	}
	abs, err := r.deps.Store.RangStudienpaketAbschluesse(ctx, pakete)
	if err != nil {
		return nil, err
	}
	fl := strings.Join(filter, ", ")
	outside = map[string]string{}
	for _, p := range rangUniq(pakete) {
		a, ok := abs[p]
		if !ok {
			outside[p] = fmt.Sprintf("not sent: Studienpaket %s is not in the mirror, so its Abschlüsse are unknown, and outbox.abschluss_filter (%s) is set: run the ranglistenstatus delta poll first", p, fl)
			continue
		}
		if len(a) == 0 {
			outside[p] = fmt.Sprintf("not sent: the mirror knows no Studienangebot of Studienpaket %s, so its Abschlüsse are unknown, and outbox.abschluss_filter (%s) is set", p, fl)
			continue
		}
		var not []string
		for _, x := range a {
			if !slices.Contains(filter, x) {
				if x == "" {
					x = "(unknown)"
				}
				not = append(not, x)
			}
		}
		if len(not) > 0 {
			outside[p] = fmt.Sprintf("not sent: Studienpaket %s has Studienangebote of Abschluss %s, not in outbox.abschluss_filter (%s): updates at the Servicestelle are limited to those Abschlüsse",
				p, strings.Join(not, ", "), fl)
		}
	}
	return outside, nil
}

// skipFiltered records the Ranglisten (key → Studienpaket) of
// Studienpakete outside the Abschluss filter in res, the upload log (one
// row per Rangliste) and the job's log.
func (r *ranker) skipFiltered(ctx context.Context, attempt int, outside map[string]string, ranglisten map[string]string, res *RangUploadResult) error {
	if len(outside) == 0 {
		return nil
	}
	byPaket := map[string][]string{}
	for k, p := range ranglisten {
		if _, ok := outside[p]; ok {
			byPaket[p] = append(byPaket[p], k)
		}
	}
	var entries []store.UploadLogEntry
	for _, p := range slices.Sorted(maps.Keys(outside)) {
		keys := byPaket[p]
		slices.Sort(keys)
		res.AusserhalbFilter = append(res.AusserhalbFilter, RangFiltered{Studienpaket: p, Ranglisten: keys, Grund: outside[p]})
		res.AusserhalbFilterRanglisten += len(keys)
		for _, k := range keys {
			entries = append(entries, store.UploadLogEntry{Operation: sestmodel.OpUebermittelnRanglisten, ItemKind: ItemKindRangliste, ItemKey: k,
				Attempt: attempt, Reason: outside[p]})
		}
	}
	Logger(ctx).Warn("Ranglisten not sent: their Studienpakete are outside outbox.abschluss_filter",
		zap.Int("studienpakete", len(outside)), zap.Int("ranglisten", res.AusserhalbFilterRanglisten),
		zap.Strings("studienpaket_keys", slices.Sorted(maps.Keys(outside))), zap.Strings("abschluss_filter", r.deps.Config.SendAbschluesse()))
	if len(entries) == 0 {
		return nil
	}
	return r.deps.Store.UploadLogInsert(ctx, entries)
}

// lock takes the upload locks of the Ranglisten or asks River to try
// again later.
func (r *ranker) lock(ctx context.Context, keys []string) (func(), error) {
	unlock, ok, err := r.deps.Store.RanglisteTryLock(ctx, keys)
	if err != nil {
		return nil, err
	}
	if !ok {
		Logger(ctx).Info("another upload holds one of these Ranglisten; waiting", zap.Int("ranglisten", len(keys)))
		return nil, river.JobSnooze(rangLockSnooze)
	}
	return unlock, nil
}

// rangMessage is one uebermittelnRanglistenAnSeSt call.
type rangMessage struct {
	ranglisten []sestmodel.Rangliste
	// part and parts number the packages of a split Rangliste (both 1
	// for whole ones).
	part, parts int
}

// send sends the messages one after the other and logs every Rangliste
// to the upload log. A rejected package of a split Rangliste stops that
// Rangliste's further packages. A failed call logs its Ranglisten and
// returns the error (River retries the job, which sends everything
// again: the first package of a list replaces what is stored).
func (r *ranker) send(ctx context.Context, attempt int, msgs []rangMessage, res *RangUploadResult) error {
	log := Logger(ctx)
	stopped := map[string]bool{}
	counted := map[string]bool{}
	for mi, m := range msgs {
		var batch []sestmodel.Rangliste
		for _, rl := range m.ranglisten {
			if !stopped[rl.Schluessel] {
				batch = append(batch, rl)
			}
		}
		if len(batch) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		results, err := r.sest.RanglistenUebermitteln(ctx, batch)
		res.Nachrichten++
		entries := make([]store.UploadLogEntry, 0, len(batch))
		if err != nil {
			for _, rl := range batch {
				entries = append(entries, r.logEntry(attempt, rl, m, nil, err.Error()))
			}
			if lerr := r.deps.Store.UploadLogInsert(ctx, entries); lerr != nil {
				log.Error("writing the upload log failed", zap.Error(lerr))
			}
			return classify(fmt.Errorf("message %d of %d: %w", mi+1, len(msgs), err))
		}
		byKey := make(map[string]sestmodel.RanglisteErgebnis, len(results))
		for _, e := range results {
			byKey[e.RanglistenSchluessel] = e
		}
		for _, rl := range batch {
			e, ok := byKey[rl.Schluessel]
			if !ok {
				e = sestmodel.RanglisteErgebnis{RanglistenSchluessel: rl.Schluessel,
					Ergebnis: sestmodel.Ergebnis{ErgebnisStatus: sestmodel.ErgebnisZurueckgewiesen, GrundZurueckweisung: "no result for this Rangliste in the Servicestelle's answer"}}
			}
			entries = append(entries, r.logEntry(attempt, rl, m, &e, e.GrundZurueckweisung))
			if !counted[rl.Schluessel] {
				counted[rl.Schluessel] = true
				res.Ranglisten++
			}
			res.Eintraege += len(rl.Eintrag)
			switch {
			case e.Rejected():
				stopped[rl.Schluessel] = true
				res.Zurueckgewiesen = append(res.Zurueckgewiesen, RangRejection{Rangliste: rl.Schluessel, Grund: e.GrundZurueckweisung, Code: e.Code})
				log.Warn("Rangliste rejected", zap.String("rangliste", rl.Schluessel), zap.Int("part", m.part), zap.Int("parts", m.parts),
					zap.String("reason", e.GrundZurueckweisung), zap.Int("code", e.Code))
			case m.part < m.parts:
				// More packages follow.
			case e.ErgebnisStatus == sestmodel.ErgebnisNeu:
				res.Neu = append(res.Neu, rl.Schluessel)
			default:
				res.Aktualisiert = append(res.Aktualisiert, rl.Schluessel)
			}
		}
		if err := r.deps.Store.UploadLogInsert(ctx, entries); err != nil {
			return err
		}
	}
	return nil
}

// logEntry is the upload log row of one sent Rangliste (e nil: the call
// failed with reason).
func (r *ranker) logEntry(attempt int, rl sestmodel.Rangliste, m rangMessage, e *sestmodel.RanglisteErgebnis, reason string) store.UploadLogEntry {
	le := store.UploadLogEntry{Operation: sestmodel.OpUebermittelnRanglisten, ItemKind: ItemKindRangliste, ItemKey: rl.Schluessel,
		Attempt: attempt, Request: logJSON(rl), Reason: reason}
	if m.parts > 1 {
		le.Reason = strings.TrimSpace(fmt.Sprintf("package %d of %d. %s", m.part, m.parts, reason))
	}
	if e != nil {
		le.Response, le.ErgebnisStatus, le.Code = logJSON(e), e.ErgebnisStatus, e.Code
	}
	return le
}

func registerRanking(d Deps, k *Kit) error {
	river.AddWorker(k.Workers, &RangExportStatusWorker{deps: d})
	k.Triggers[RangExportStatusArgs{}.Kind()] = Trigger{
		Help: "write every Rangliste's status and statusanmerkung (as last polled) to rang_status.csv in export.dir; no arguments",
		Args: func(raw json.RawMessage) (river.JobArgs, error) { return decodeArgs[RangExportStatusArgs](raw) },
	}
	if !d.Config.Vergabeschema.Empty() {
		// The CSV follows the Ranglistenstatus poll within one delta
		// period; uni.ranglisten_status is always current.
		if err := k.addPeriodic("rang_export_status", d.Config.Sync.Schedules.Delta, func() river.JobArgs { return RangExportStatusArgs{} }); err != nil {
			return err
		}
	}
	if d.Sest == nil {
		return nil
	}
	r := &ranker{deps: d, sest: d.Sest}
	river.AddWorker(k.Workers, &RangUploadSchemaWorker{rank: r})
	river.AddWorker(k.Workers, &RangUploadEintraegeWorker{rank: r})
	schema := d.Config.Vergabeschema
	k.Triggers[RangUploadSchemaArgs{}.Kind()] = Trigger{
		Help: `send the Vergabeschema's Ranglisten with Kopfdaten (status eingerichtet, no entries) for Studienpakete; {"studienpakete": ["<key>", …]} or {"alle": true} for every mirrored one`,
		Args: func(raw json.RawMessage) (river.JobArgs, error) {
			a, err := decodeArgs[RangUploadSchemaArgs](raw)
			if err != nil {
				return nil, err
			}
			return a, a.validate(schema)
		},
	}
	k.Triggers[RangUploadEintraegeArgs{}.Kind()] = Trigger{
		Help: `send the imported ranking entries; {"studienpakete": ["<key>", …]} and/or {"ranglisten": ["<studienpaket>-<id_nr>", …]}, "status": "eingerichtet" | "befuellt" | "freigegeben", "kopfdaten_beibehalten": true (default; false sends the Vergabeschema's Kopfdaten too)`,
		Args: func(raw json.RawMessage) (river.JobArgs, error) {
			a, err := decodeArgs[RangUploadEintraegeArgs](raw)
			if err != nil {
				return nil, err
			}
			return a, a.validate(schema)
		},
	}
	return nil
}

// logJSON is v as JSON for the upload log's request and response columns
// (text). A value that cannot be encoded (a Kopfdaten percentage that is
// NaN or infinite) is logged as the reason instead of an empty text, so
// that the log says what was sent could not be shown.
func logJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return "(not shown: encoding as JSON failed: " + err.Error() + ")"
	}
	return string(raw)
}
