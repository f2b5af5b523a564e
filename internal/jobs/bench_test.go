package jobs_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/riverqueue/river"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/sest/sim"
	"sestd/internal/store"
)

// BenchmarkDeltaPollNoChanges measures a Bewerbungen delta poll that finds
// no changes, against mirrors of 10,000 and 200,000 Bewerbungen: its cost
// must not grow with the mirror. The mirror is filled through the store
// (not timed). Run with
//
//	go test ./internal/jobs -run '^$' -bench DeltaPollNoChanges -benchtime 20x
func BenchmarkDeltaPollNoChanges(b *testing.B) {
	for _, n := range []int{10_000, 200_000} {
		b.Run(fmt.Sprintf("mirror=%d", n), func(b *testing.B) {
			bnd := setup(b, options{sim: sim.Config{Seed: 1, Bewerbungen: n}})
			ctx := context.Background()
			all := bnd.sim.Bewerbungen()
			for i := 0; i < len(all); i += 5000 {
				if _, err := bnd.store.BewerbungUpsertBatch(ctx, all[i:min(i+5000, len(all))], store.Step{}); err != nil {
					b.Fatal(err)
				}
			}
			if err := bnd.store.CursorSet(ctx, store.StreamBewerbungen.String(), bnd.sim.Clock().Now()); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if ev := bnd.run(b, jobs.DeltaArgs{Stream: store.StreamBewerbungen}); ev.Kind != river.EventKindJobCompleted {
					b.Fatalf("delta poll %s: %v", ev.Kind, ev.Job.Errors)
				}
			}
		})
	}
}

// BenchmarkFullDownloadInProcess runs a full download of 20,000
// Bewerbungen and 10,000 Bewerber (packages of 500) in this process, so
// that -cpuprofile and -memprofile see the worker (and the simulator
// beside it: subtract sim.* when reading the profile). The figures to
// compare with their references are cmd/sestd's BenchmarkFullDownload20k.
//
//	go test ./internal/jobs -run '^$' -bench FullDownloadInProcess -benchtime 1x -cpuprofile cpu.out
func BenchmarkFullDownloadInProcess(b *testing.B) {
	for range b.N {
		b.StopTimer()
		bnd := setup(b, options{sim: sim.Config{Seed: 1, Bewerbungen: 20_000, Bewerber: 10_000},
			configure: func(c *config.Config) { c.Sync.DokumentDownload = false }})
		b.StartTimer()
		if ev := bnd.run(b, jobs.FullArgs{}); ev.Kind != river.EventKindJobCompleted {
			b.Fatalf("full download %s: %v", ev.Kind, ev.Job.Errors)
		}
	}
}
