// Package ranking declares the ranking-list kind: CSV rows
// rangliste;bewerber_id;rang, several Ranglisten in one file, the input of
// the ranking upload (table ranking_entry).
package ranking

import (
	"errors"

	"sestd/internal/importers/batch"
	"sestd/internal/store"
)

// Spec returns the ranking kind. A Bewerber may appear once per
// Rangliste and a Rang be held by one Bewerber: a row breaking either,
// within the file or against what is stored, is rejected. Ranks start at
// 1.
func Spec() *batch.Spec {
	t := store.TargetRankingEntry
	return &batch.Spec{
		Kind: "ranking",
		Fields: []batch.Field{
			{Name: "RANGLISTE", Location: true, Doc: "key of the Rangliste"},
			{Name: "BEWERBER_ID", Aliases: []string{"BEWERBERID", "BEWERBER"}, Location: true, Doc: "Bewerber-ID"},
			{Name: "RANG", Required: true, Doc: "rank, from 1"},
		},
		Targets: []*store.ImportTarget{t},
		// The file replaces each Rangliste it contains: what its valid
		// rows say is the Rangliste.
		// (The removal guard does not apply: a Bewerber leaving a
		// Rangliste is its normal course.)
		Sync: []batch.SyncTarget{{Target: t, Scope: store.SyncScope{Columns: []string{"rangliste"}}, Unguarded: true}},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			c.Put(v, t.Col("rangliste"), 0, batch.Text)
			c.Put(v, t.Col("bewerber_id"), 1, batch.Text)
			if c.Mode != store.ModeRemove {
				c.Put(v, t.Col("rang"), 2, rang)
			}
			return []batch.Out{{Values: v}}
		},
	}
}

func rang(s string) (store.Value, error) {
	n, err := batch.ParseInt(s)
	if err != nil {
		return store.Value{}, err
	}
	if n < 1 || n > 1<<31-1 {
		return store.Value{}, errors.New("must be 1 or more")
	}
	return store.Int(n), nil
}
