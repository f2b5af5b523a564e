package ekvv

import (
	"context"
	"path/filepath"
	"strings"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/charset"
	"sestd/internal/importers/xmlx"
	"sestd/internal/store/bulk"
)

// Name is the eKVV kind's name.
const Name = "ekvv"

// Kind declares the eKVV kind. Its rejects file is a UTF-8 CSV
// (RejectNames, line, error) whatever the XML's encoding. The view
// ekvv_prioritaet_normalisiert gives each student's priorities normalised
// across the courses of one allocation procedure (verfahren; Settings'
// Verfahren, default the semester): explicit priorities first, then
// courses without one (-1, the lowest) by ascending Belegnummer; rang 1..,
// anzahl, normalisiert in [0, 1]. Read counts the Veranstaltung and its
// participants.
var Kind = batch.Kind{
	Name:        Name,
	Aliases:     []string{"anmeldeliste", "anmeldelisten", "teilnehmerliste"},
	Format:      batch.FormatXML,
	Description: "eKVV Anmeldeliste XML (one Veranstaltung per file, located by its id); priorities normalised in view ekvv_prioritaet_normalisiert",
	Targets: []*bulk.Target{bulk.TargetEkvvVeranstaltung, bulk.TargetEkvvDozent, bulk.TargetEkvvFachzuordnung,
		bulk.TargetEkvvUntergliederung, bulk.TargetEkvvTeilnehmer, bulk.TargetEkvvEinschreibung, bulk.TargetEkvvTermin},
	Modes:       batch.AllModes(),
	DefaultMode: bulk.ModeSync,
	Sync:        "one Veranstaltung: the file replaces it with its lecturers, participants and dates",
	RejectsUTF8: true,
	Columns: func() error {
		_, err := resolveColumns()
		return err
	},
	Run: run,
}

// run imports the document; rejects go to a CSV beside the rejects path.
func run(ctx context.Context, tx *bulk.Tx, _ *batch.Kind, in batch.Input) (batch.Result, error) {
	path := strings.TrimSuffix(in.RejectsPath, filepath.Ext(in.RejectsPath)) + ".csv"
	rej := batch.NewCSVRejects(path, charset.UTF8, false, ';', RejectNames)
	cfg := Config{Encoding: in.Encoding, Verfahren: in.Settings.Verfahren,
		Limits: xmlx.Limits{MaxDepth: in.Settings.MaxXMLDepth, MaxTokenBytes: in.Settings.MaxXMLTokenBytes}}
	counts, enc, err := Run(ctx, tx, in.File, cfg, rej, in.Params)
	return batch.Finish(batch.Result{Encoding: enc}, rej)(counts, err)
}
