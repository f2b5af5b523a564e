package batch_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers/batch"
	"sestd/internal/store/bulk"
)

// rankingLike declares a kind over ranking_entry whose spec resolves the
// given field and column names.
func rankingLike(field, col string) batch.Kind {
	t := bulk.TargetRankingEntry
	return batch.Kind{
		Name: "test_ranks", Format: batch.FormatCSV, Description: "test", Sync: "test",
		Targets: []*bulk.Target{t}, Modes: batch.AllModes(), DefaultMode: bulk.ModeSync,
		Run: batch.RunCSV,
		Spec: func(batch.Settings) (*batch.Spec, error) {
			fields := []batch.Field{{Name: "RANGLISTE", Location: true}, {Name: "BEWERBER_ID", Location: true}, {Name: "RANG"}}
			n := batch.NewNames("test_ranks", fields)
			f, c := n.Field(field), n.Col(t, col)
			if err := n.Err(); err != nil {
				return nil, err
			}
			return &batch.Spec{Kind: "test_ranks", Fields: fields, Targets: []*bulk.Target{t},
				Convert: func(cv *batch.Conv) []batch.Out {
					v := cv.Row(t)
					cv.Put(v, c, f, batch.Int)
					return []batch.Out{{Values: v}}
				}}, nil
		},
	}
}

// A declaration whose spec names a column its table lacks, or a field it
// does not declare, is refused by Check with kind and name: the first test
// that builds the kind list fails, not a clerk's import.
func TestKindCheckRefusesMisspeltNames(t *testing.T) {
	t.Parallel()
	good := rankingLike("RANG", "rang")
	require.NoError(t, good.Check())

	col := rankingLike("RANG", "rnag")
	require.EqualError(t, col.Check(), "kind test_ranks: table ranking_entry has no column rnag")

	field := rankingLike("RANK", "rang")
	require.EqualError(t, field.Check(), "kind test_ranks: no field RANK")

	both := rankingLike("rang", "RANG") // fields match case-insensitively, columns exactly
	require.EqualError(t, both.Check(), "kind test_ranks: table ranking_entry has no column RANG")
}

// Check refuses incomplete declarations, naming the kind and what is
// wrong.
func TestKindCheckRefusesIncompleteDeclarations(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		change func(*batch.Kind)
		want   string
	}{
		"upper-case name": {func(k *batch.Kind) { k.Name = "Test_Ranks" }, `kind "Test_Ranks": the name must be a lower-case word`},
		"no targets":      {func(k *batch.Kind) { k.Targets = nil }, "kind test_ranks: no target tables\nkind test_ranks: its spec writes ranking_entry, which is not among its targets"},
		"default mode":    {func(k *batch.Kind) { k.Modes = []batch.Mode{bulk.ModeCreate} }, `kind test_ranks: the default mode "sync" is not one of its modes [create]`},
		"format":          {func(k *batch.Kind) { k.Format = "json" }, `kind test_ranks: format "json" is not csv or xml`},
		"no run":          {func(k *batch.Kind) { k.Run = nil }, "kind test_ranks: no run function"},
		"alias":           {func(k *batch.Kind) { k.Aliases = []string{"Ranks"} }, `kind test_ranks: alias "Ranks" is not a lower-case word`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k := rankingLike("RANG", "rang")
			tc.change(&k)
			require.EqualError(t, k.Check(), tc.want)
		})
	}
}

// Names resolves by the declared names, whatever their position.
func TestNamesResolveByName(t *testing.T) {
	t.Parallel()
	n := batch.NewNames("test", []batch.Field{{Name: "A"}, {Name: "B"}, {Name: "C"}})
	require.Equal(t, batch.FieldRef(2), n.Field("c"))
	require.Equal(t, batch.FieldRef(0), n.Field("A"))
	// ranking_entry's columns: rangliste, bewerber_id, rang
	require.Equal(t, []batch.ColRef{2, 0}, n.Cols(bulk.TargetRankingEntry, "rang", "rangliste"))
	require.NoError(t, n.Err())
	require.Equal(t, batch.FieldRef(-1), n.Field("D"))
	require.EqualError(t, n.Err(), "kind test: no field D")
}
