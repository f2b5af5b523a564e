// Package ranking declares the ranking-list kind: CSV rows
// rangliste;bewerber_id;rang, several Ranglisten in one file, the input of
// the ranking upload (table ranking_entry).
package ranking

import (
	"errors"

	"sestd/internal/importers/batch"
	"sestd/internal/store/bulk"
)

// Name is the ranking kind's name.
const Name = "ranking"

// Kind declares the ranking kind.
var Kind = batch.Kind{
	Name:        Name,
	Aliases:     []string{"rangliste", "ranglisten"},
	Format:      batch.FormatCSV,
	Description: "ranking lists: RANGLISTE;BEWERBER_ID;RANG, several Ranglisten per file; input of the ranking upload",
	Targets:     []*bulk.Target{bulk.TargetRankingEntry},
	Modes:       batch.AllModes(),
	DefaultMode: bulk.ModeSync,
	Sync:        "each Rangliste in the file: the file's valid rows replace it",
	// A Rangliste belongs to one Vermittlungsprozess.
	PerVermittlungsprozess: true,
	Spec:                   Spec, Run: batch.RunCSV,
}

// Spec returns the ranking kind's spec. A Bewerber may appear once per
// Rangliste and a Rang be held by one Bewerber: a row breaking either,
// within the file or against what is stored, is rejected. Ranks start at
// 1.
func Spec(batch.Settings) (*batch.Spec, error) {
	t := bulk.TargetRankingEntry
	fields := []batch.Field{
		{Name: "RANGLISTE", Location: true, Doc: "key of the Rangliste"},
		{Name: "BEWERBER_ID", Aliases: []string{"BEWERBERID", "BEWERBER"}, Location: true, Doc: "Bewerber-ID"},
		{Name: "RANG", Required: true, Doc: "rank, from 1"},
	}
	n := batch.NewNames(Name, fields)
	fRangliste, cRangliste := n.Field("RANGLISTE"), n.Col(t, "rangliste")
	fBewerber, cBewerber := n.Field("BEWERBER_ID"), n.Col(t, "bewerber_id")
	fRang, cRang := n.Field("RANG"), n.Col(t, "rang")
	if err := n.Err(); err != nil {
		return nil, err
	}
	return &batch.Spec{
		Fields: fields,
		// The file replaces each Rangliste it contains: what its valid
		// rows say is the Rangliste.
		// (The removal guard does not apply: a Bewerber leaving a
		// Rangliste is its normal course.)
		Sync: []batch.SyncTarget{{Target: t, Scope: bulk.SyncScope{Columns: []string{"rangliste"}}, Unguarded: true}},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			c.Put(v, cRangliste, fRangliste, batch.Text)
			c.Put(v, cBewerber, fBewerber, batch.Text)
			if c.Mode != bulk.ModeRemove {
				c.Put(v, cRang, fRang, rang)
			}
			return []batch.Out{{Values: v}}
		},
	}, nil
}

func rang(s string) (bulk.Value, error) {
	n, err := batch.ParseInt(s)
	if err != nil {
		return bulk.Value{}, err
	}
	if n < 1 || n > 1<<31-1 {
		return bulk.Value{}, errors.New("must be 1 or more")
	}
	return bulk.Int(n), nil
}
