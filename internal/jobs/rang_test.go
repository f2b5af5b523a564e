package jobs_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/importers"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// readStatusCSV reads rang_status.csv into rows keyed by Rangliste.
func readStatusCSV(t *testing.T, dir string) map[string]map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, jobs.RangStatusFile))
	require.NoError(t, err)
	r := csv.NewReader(bytes.NewReader(raw))
	r.Comma = ';'
	recs, err := r.ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	out := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		out[row["ranglisten_schluessel"]] = row
	}
	return out
}

func TestRangEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rangSetup(t, rangOptions{sim: sim.Config{Seed: 7, Bewerber: 2100}, packageSize: 5000, schema: testSchema()})

	// A mirror in which 2,000 applicants applied for the first Studienpaket.
	paket := w.sim.Studienpakete()[0]
	var ids []string
	for _, b := range w.sim.AllBewerber()[:2000] {
		ids = append(ids, b.ID)
	}
	applyFor(t, w.sim, paket.Paketbestandteil[0].Studienangebot, ids)
	w.poll(t, store.StreamRanglistenstatus, store.StreamBewerbungen)

	pakete, err := w.store.RangStudienpaketList(ctx)
	require.NoError(t, err)
	require.Len(t, pakete, len(w.sim.Studienpakete()), "the poll mirrored the Studienpakete")

	// A ranking file of 3 Ranglisten × 2,000 entries, in three orders.
	keys := []string{config.RanglisteKey(paket.Schluessel, "HF"), config.RanglisteKey(paket.Schluessel, "ZS"), config.RanglisteKey(paket.Schluessel, "HQ")}
	lists := map[string][]string{keys[0]: ids, keys[1]: slices.Clone(ids), keys[2]: make([]string, len(ids))}
	slices.Reverse(lists[keys[1]])
	for i := range ids {
		lists[keys[2]][i] = ids[(i*7)%len(ids)]
	}
	sum, err := importers.Import(ctx, w.store, writeRanking(t, keys, lists), importers.Options{Kind: importers.KindRanking}, w.log, nil)
	require.NoError(t, err)
	require.EqualValues(t, 6000, sum.Created, "import: %+v", sum)

	// Schema: the three Ranglisten with their Kopfdaten, empty.
	w.mustComplete(t, jobs.RangUploadSchemaArgs{Studienpakete: []string{paket.Schluessel}})
	hf := w.simRangliste(t, keys[0])
	require.Equal(t, "Vorabquoten", hf.Ebene)
	require.Equal(t, "Härtefälle", hf.NameDe)
	require.Equal(t, "eingerichtet", hf.Status)
	require.Equal(t, &sestmodel.Kopfdaten{Abarbeitungsposition: 1, PlaetzeProzentual: f64(2), IstVorwegzulasserrangliste: true,
		Klauseln: &sestmodel.Klauseln{Unterbelegungsklausel: &sestmodel.Unterbelegungsklausel{PlatzuebergabeEbene: "Hauptquoten"}}}, hf.Kopfdaten)
	three := 3
	zs := w.simRangliste(t, keys[1])
	require.Equal(t, "geminderte_Vorabquoten", zs.Ebene)
	require.Equal(t, &sestmodel.Kopfdaten{Abarbeitungsposition: 2, PlaetzeAbsolut: &three,
		Klauseln: &sestmodel.Klauseln{Mindestplatzklausel: &sestmodel.Mindestplatzklausel{Grenzkapazitaet: 20}, Limitierungsklausel: true}}, zs.Kopfdaten)
	hq := w.simRangliste(t, keys[2])
	require.Equal(t, &sestmodel.Kopfdaten{Abarbeitungsposition: 3, PlaetzeProzentual: f64(100), IstChancenrangliste: true,
		Klauseln: &sestmodel.Klauseln{Nichtauffuellklausel: true}}, hq.Kopfdaten)
	for _, k := range keys {
		require.Empty(t, w.simRangliste(t, k).Eintrag)
		l := w.uploadLog(t, k)
		require.Len(t, l, 1)
		require.Equal(t, sestmodel.ErgebnisNeu, l[0].ErgebnisStatus)
		require.Equal(t, sestmodel.OpUebermittelnRanglisten, l[0].Operation)
	}

	// Entries: kept Kopfdaten, status befuellt, two messages (≤ 5,000 entries each).
	w.sim.ResetReceived()
	ev := w.mustComplete(t, jobs.RangUploadEintraegeArgs{Studienpakete: []string{paket.Schluessel}, Status: "befuellt"})
	var res jobs.RangUploadResult
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &res))
	require.Equal(t, 3, res.Ranglisten)
	require.Equal(t, 6000, res.Eintraege)
	require.Equal(t, 2, res.Nachrichten)
	require.ElementsMatch(t, keys, res.Aktualisiert)
	sent := w.sentRanglisten(t)
	require.Len(t, sent, 2)
	for _, msg := range sent {
		for _, rl := range msg {
			require.Nil(t, rl.Kopfdaten, "kopfdaten_beibehalten is the default")
		}
	}
	for _, k := range keys {
		got := w.simRangliste(t, k)
		require.Equal(t, "befuellt", got.Status)
		require.Len(t, got.Eintrag, 2000)
		for i, e := range got.Eintrag {
			require.Equal(t, sestmodel.Ranglisteneintrag{Rang: i + 1, BewerberID: lists[k][i]}, e, "%s entry %d", k, i)
		}
		require.NotNil(t, got.Kopfdaten, "the Servicestelle kept the Kopfdaten")
		l := w.uploadLog(t, k)
		require.Len(t, l, 2)
		require.Equal(t, sestmodel.ErgebnisAktualisiert, l[1].ErgebnisStatus)
	}
	require.Equal(t, hf.Kopfdaten, w.simRangliste(t, keys[0]).Kopfdaten)

	// Status back: the Servicestelle releases a list; the next poll brings
	// its statusanmerkung to the export.
	w.poll(t, store.StreamRanglistenstatus)
	w.mustComplete(t, jobs.RangExportStatusArgs{})
	rows := readStatusCSV(t, w.cfg.Export.Dir)
	require.Equal(t, "befuellt", rows[keys[2]]["status"])
	require.Equal(t, "2000", rows[keys[2]]["anzahl_eintraege"])
	require.Equal(t, "2000", rows[keys[2]]["eintraege_importiert"])
	require.Equal(t, sestmodel.ErgebnisAktualisiert, rows[keys[2]]["letzter_upload_ergebnis"])

	w.sim.Clock().Advance(time.Minute)
	require.NoError(t, w.sim.SetRanglistenstatus(keys[2], "freigegeben", "Geprüft: 2000 Einträge, freigegeben"))
	w.poll(t, store.StreamRanglistenstatus)
	ev = w.mustComplete(t, jobs.RangExportStatusArgs{})
	var out jobs.RangExportResult
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &out))
	require.True(t, out.Written)
	rows = readStatusCSV(t, w.cfg.Export.Dir)
	require.Equal(t, "freigegeben", rows[keys[2]]["status"])
	require.Equal(t, "Geprüft: 2000 Einträge, freigegeben", rows[keys[2]]["statusanmerkung"])
	require.Equal(t, paket.NameDe, rows[keys[2]]["studienpaket_name"])
	require.Equal(t, "befuellt", rows[keys[0]]["status"])
	info, err := os.Stat(filepath.Join(w.cfg.Export.Dir, jobs.RangStatusFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	st, err := w.store.RangStatusList(ctx)
	require.NoError(t, err)
	i := slices.IndexFunc(st, func(s store.RangStatus) bool { return s.Rangliste == keys[2] })
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, "Geprüft: 2000 Einträge, freigegeben", st[i].Statusanmerkung, "the view uni.ranglisten_status")

	ev = w.mustComplete(t, jobs.RangExportStatusArgs{})
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &out))
	require.False(t, out.Written, "an unchanged status is not written again")
}

func TestRangLargeListsGoInPackages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rangSetup(t, rangOptions{sim: sim.Config{Seed: 3, Bewerber: 1300}, packageSize: 500, schema: testSchema()})
	paket := w.sim.Studienpakete()[1]
	var ids []string
	for _, b := range w.sim.AllBewerber()[:1200] {
		ids = append(ids, b.ID)
	}
	applyFor(t, w.sim, paket.Paketbestandteil[0].Studienangebot, ids)
	w.poll(t, store.StreamRanglistenstatus, store.StreamBewerbungen)
	hf, zs, hq := config.RanglisteKey(paket.Schluessel, "HF"), config.RanglisteKey(paket.Schluessel, "ZS"), config.RanglisteKey(paket.Schluessel, "HQ")
	lists := map[string][]string{hf: ids[:300], zs: ids[300:450], hq: ids}
	_, err := importers.Import(ctx, w.store, writeRanking(t, []string{hf, zs, hq}, lists), importers.Options{Kind: importers.KindRanking}, w.log, nil)
	require.NoError(t, err)
	w.mustComplete(t, jobs.RangUploadSchemaArgs{Studienpakete: []string{paket.Schluessel}})

	w.sim.ResetReceived()
	kopf := false
	w.mustComplete(t, jobs.RangUploadEintraegeArgs{Ranglisten: []string{hq, hf, zs}, Status: "freigegeben", KopfdatenBeibehalten: &kopf})
	sent := w.sentRanglisten(t)
	require.Len(t, sent, 4, "HF and ZS share a message; HQ's 1,200 entries go in 3 packages of at most 500")
	require.Len(t, sent[0], 2)
	require.Equal(t, []string{hf, zs}, []string{sent[0][0].Schluessel, sent[0][1].Schluessel})
	for _, rl := range sent[0] {
		require.Equal(t, "freigegeben", rl.Status)
		require.NotNil(t, rl.Kopfdaten, "kopfdaten_beibehalten false sends the schema's Kopfdaten")
	}
	var statuses []string
	var all []sestmodel.Ranglisteneintrag
	for i, msg := range sent[1:] {
		require.Len(t, msg, 1)
		require.Equal(t, hq, msg[0].Schluessel)
		require.LessOrEqual(t, len(msg[0].Eintrag), 500)
		require.Equal(t, i == 0, msg[0].Kopfdaten != nil, "Kopfdaten go with the first package only")
		statuses = append(statuses, msg[0].Status)
		all = append(all, msg[0].Eintrag...)
	}
	require.Equal(t, []string{"eingerichtet", "eingerichtet", "freigegeben"}, statuses, "the list is released with its last package")
	require.Len(t, all, 1200)
	for i, e := range all {
		require.Equal(t, sestmodel.Ranglisteneintrag{Rang: i + 1, BewerberID: ids[i]}, e)
	}
	for _, k := range []string{hf, zs} {
		got := w.simRangliste(t, k)
		require.Equal(t, "freigegeben", got.Status)
		require.Len(t, got.Eintrag, len(lists[k]))
	}
	got := w.simRangliste(t, hq)
	require.Equal(t, "freigegeben", got.Status)
	require.Equal(t, all, got.Eintrag, "the Servicestelle holds the whole list, in order, from its packages")
	l := w.uploadLog(t, hq)
	require.Len(t, l, 4) // schema + 3 packages
	require.Contains(t, l[1].Reason, "package 1 of 3")
	require.Contains(t, l[3].Reason, "package 3 of 3")
}

func TestRangRejectionsReachTheUploadLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A schema sestd's validation refuses (Nichtauffuell- with
	// Unterbelegungsklausel, a Vorwegzulasser on Hauptquoten), to show the
	// Servicestelle's answer.
	schema := testSchema()
	schema.Hauptquoten.Ranglisten = append(schema.Hauptquoten.Ranglisten, config.Ranglistentyp{IDNr: "BAD", Name: "Falsch", Plaetze: config.Plaetze{Absolut: f64(1)},
		Klauseln: config.Klauseln{Nichtauffuellklausel: true, Unterbelegungsklausel: &config.Unterbelegungsklausel{Platzuebergabe: config.Platzuebergabe{Ebene: "Hauptquoten"}}}})
	w := rangSetup(t, rangOptions{sim: sim.Config{Seed: 11}, schema: schema, unchecked: true})
	err := w.cfg.Validate()
	require.ErrorContains(t, err, "vergabeschema.Hauptquoten[1].klauseln.Unterbelegungsklausel: excludes the Nichtauffuellklausel")

	w.poll(t, store.StreamRanglistenstatus, store.StreamBewerbungen)
	paket := w.sim.Studienpakete()[0]
	sp := paket.Schluessel
	hf, zs, hq, bad := sp+"-HF", sp+"-ZS", sp+"-HQ", sp+"-BAD"

	// Unknown Studienpaket: the whole schema is rejected, reason logged.
	ev := w.run(t, jobs.RangUploadSchemaArgs{Studienpakete: []string{"SP-GIBTESNICHT"}})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind)
	require.Contains(t, lastError(ev), "SP-GIBTESNICHT-HF: Das Studienpaket SP-GIBTESNICHT konnte nicht gefunden werden")
	l := w.uploadLog(t, "SP-GIBTESNICHT-HQ")
	require.Len(t, l, 1)
	require.Equal(t, sestmodel.ErgebnisZurueckgewiesen, l[0].ErgebnisStatus)
	require.Equal(t, sim.CodePaketUnbekannt, l[0].Code)
	require.Contains(t, l[0].Reason, "konnte nicht gefunden werden")
	var res jobs.RangUploadResult
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &res))
	require.Equal(t, []string{"SP-GIBTESNICHT"}, res.NichtGespiegelt)

	// Bad Klausel combination: that Rangliste is rejected, the others made.
	ev = w.run(t, jobs.RangUploadSchemaArgs{Studienpakete: []string{sp}})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind)
	require.Contains(t, lastError(ev), "1 Ranglisten rejected by the Servicestelle: "+bad+": Die Nichtauffüllklausel und die Unterbelegungsklausel schließen einander aus.")
	l = w.uploadLog(t, bad)
	require.Len(t, l, 1)
	require.Equal(t, sim.CodeKlauseln, l[0].Code)
	for _, k := range []string{hf, zs, hq} {
		require.Equal(t, sestmodel.ErgebnisNeu, w.uploadLog(t, k)[0].ErgebnisStatus)
	}

	// Entries: HF names an applicant the Servicestelle does not know (a
	// Bewerbung in the mirror only), ZS one without a Bewerbung for the
	// Studienpaket (refused by sestd), HQ a rank twice (impossible through
	// the import: the test drops the constraint).
	known := []string{w.sim.AllBewerber()[0].ID, w.sim.AllBewerber()[1].ID}
	applyFor(t, w.sim, paket.Paketbestandteil[0].Studienangebot, known)
	w.poll(t, store.StreamBewerbungen)
	ghost := sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{Bearbeitungsstatus: "gueltig", VersionSeSt: 1, BewerberID: "B-GHOST",
		Studienangebot: paket.Paketbestandteil[0].Studienangebot}}
	_, err = w.store.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{ghost}, store.Step{})
	require.NoError(t, err)
	_, err = w.pool.Exec(ctx, `ALTER TABLE ranking_entry DROP CONSTRAINT ranking_entry_rang_key`)
	require.NoError(t, err)
	_, err = w.pool.Exec(ctx, `INSERT INTO ranking_entry (rangliste, bewerber_id, rang) VALUES
		($1, $4, 1), ($1, 'B-GHOST', 2),
		($2, $4, 1), ($2, 'B-OHNE-BEWERBUNG', 2), ($2, $5, 3),
		($3, $4, 1), ($3, $5, 1)`, hf, zs, hq, known[0], known[1])
	require.NoError(t, err)
	w.sim.ResetReceived()
	ev = w.run(t, jobs.RangUploadEintraegeArgs{Studienpakete: []string{sp}, Status: "befuellt"})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind)
	msg := lastError(ev)
	require.Contains(t, msg, "1 entries refused, their Ranglisten not sent: applicants without a Bewerbung for the Studienpaket in the mirror: "+zs+": B-OHNE-BEWERBUNG (rang 2)")
	require.Contains(t, msg, hf+": Der Bewerber B-GHOST konnte nicht gefunden werden.")
	require.Contains(t, msg, hq+": Der Rang 1 ist mehrfach vergeben.")

	l = w.uploadLog(t, zs)
	last := l[len(l)-1]
	require.Equal(t, "B-OHNE-BEWERBUNG", last.BewerberID)
	require.Empty(t, last.ErgebnisStatus, "not sent")
	require.Contains(t, last.Reason, "has no Bewerbung for Studienpaket "+sp)
	for _, msg := range w.sentRanglisten(t) {
		for _, rl := range msg {
			require.NotEqual(t, zs, rl.Schluessel, "a Rangliste with refused entries is not sent")
		}
	}
	l = w.uploadLog(t, hf)
	require.Equal(t, sim.CodeRanglisteBewerber, l[len(l)-1].Code)
	l = w.uploadLog(t, hq)
	require.Equal(t, sim.CodeRangDoppelt, l[len(l)-1].Code)
	require.Equal(t, sestmodel.ErgebnisZurueckgewiesen, l[len(l)-1].ErgebnisStatus)

	// Two uploads never write one Rangliste at once: the second waits.
	unlock, ok, err := w.store.TryLock(ctx, store.RanglisteLockName(hf))
	require.NoError(t, err)
	require.True(t, ok)
	ev = w.run(t, jobs.RangUploadEintraegeArgs{Ranglisten: []string{hf}, Status: "befuellt"})
	require.Equal(t, river.EventKindJobSnoozed, ev.Kind)
	unlock()

	// "alle": the schema for every mirrored Studienpaket.
	ev = w.run(t, jobs.RangUploadSchemaArgs{Alle: true})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind, "the BAD type is rejected for every Paket")
	require.NoError(t, json.Unmarshal(ev.Job.Output(), &res))
	n := len(w.sim.Studienpakete())
	require.Equal(t, 4*n, res.Ranglisten)
	require.Len(t, res.Zurueckgewiesen, n)
	lastPaket := w.sim.Studienpakete()[n-1].Schluessel
	require.Equal(t, sestmodel.ErgebnisNeu, w.uploadLog(t, lastPaket+"-HQ")[0].ErgebnisStatus)
}

func TestRangTriggers(t *testing.T) {
	t.Parallel()
	w := rangSetup(t, rangOptions{schema: testSchema()})
	for _, name := range []string{"rang_upload_schema", "rang_upload_eintraege", "rang_export_status"} {
		require.Contains(t, w.kit.Triggers, name)
		require.NotEmpty(t, w.kit.Triggers[name].Help)
	}
	eintraege := w.kit.Triggers["rang_upload_eintraege"].Args
	a, err := eintraege(json.RawMessage(`{"studienpakete": ["SP-1"], "status": "befuellt"}`))
	require.NoError(t, err)
	require.Equal(t, jobs.RangUploadEintraegeArgs{Studienpakete: []string{"SP-1"}, Status: "befuellt"}, a)
	for raw, want := range map[string]string{
		`{"studienpakete": ["SP-1"]}`:                                                      "status must be one of eingerichtet, befuellt, freigegeben",
		`{"studienpakete": ["SP-1"], "status": "fertig"}`:                                  "status must be one of",
		`{"status": "befuellt"}`:                                                           "name the Studienpakete or Ranglisten",
		`{"ranglisten": ["SP-1-XX"], "status": "befuellt"}`:                                `"XX" is no id_nr of the vergabeschema`,
		`{"ranglisten": ["SP1"], "status": "befuellt"}`:                                    "not of the form <studienpaket>-<id_nr>",
		`{"studienpaket": ["SP-1"], "status": "befuellt"}`:                                 "unknown field",
		`{"studienpakete": ["SP-1"], "status": "befuellt", "kopfdaten_beibehalten": "ja"}`: "decoding job arguments",
	} {
		_, err := eintraege(json.RawMessage(raw))
		require.ErrorContains(t, err, want, raw)
	}
	schema := w.kit.Triggers["rang_upload_schema"].Args
	_, err = schema(nil)
	require.ErrorContains(t, err, "name the Studienpakete")
	_, err = schema(json.RawMessage(`{"alle": true, "studienpakete": ["x"]}`))
	require.ErrorContains(t, err, "either studienpakete or alle")
	a, err = schema(json.RawMessage(`{"alle": true}`))
	require.NoError(t, err)
	require.Equal(t, jobs.RangUploadSchemaArgs{Alle: true}, a)

	// Without a Vergabeschema the uploads refuse to start.
	empty := rangSetup(t, rangOptions{})
	_, err = empty.kit.Triggers["rang_upload_schema"].Args(json.RawMessage(`{"alle": true}`))
	require.ErrorContains(t, err, "the vergabeschema is empty")
}
