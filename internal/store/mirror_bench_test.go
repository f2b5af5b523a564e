package store_test

import (
	"context"
	"testing"

	"sestd/internal/sest/sim"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

// BenchmarkBewerbungUpsert500 writes packages of 500 new Bewerbungen, as a
// delta run does.
func BenchmarkBewerbungUpsert500(b *testing.B) {
	s, err := sim.New(sim.Config{Seed: 1, Bewerbungen: 20000})
	if err != nil {
		b.Fatal(err)
	}
	all := s.Bewerbungen()
	st := store.New(testdb.New(b))
	b.ResetTimer()
	for i := range b.N {
		off := (i * 500) % len(all)
		pkg := all[off:min(off+500, len(all))]
		if _, err := st.BewerbungUpsertBatch(context.Background(), pkg, store.Step{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "bewerbungen/s")
}
