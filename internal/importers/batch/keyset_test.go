package batch

import "testing"

func TestKeySetTellsNewFromRepeatedHashesAcrossGrowth(t *testing.T) {
	var s keySet
	for i := uint64(0); i < 200_000; i++ {
		if !s.add(i * 7919) {
			t.Fatalf("hash %d reported as repeated on first add", i*7919)
		}
	}
	for _, h := range []uint64{0, 7919, 199_999 * 7919} {
		if s.add(h) {
			t.Fatalf("hash %d reported as new on second add", h)
		}
	}
	if !s.add(3) {
		t.Fatal("hash 3 was never added but reported as repeated")
	}
	if s.n != 200_001 {
		t.Fatalf("%d hashes in the set, want 200001", s.n)
	}
}
