package batch

import "testing"

func TestKeySetTellsNewFromRepeatedHashesAcrossGrowth(t *testing.T) {
	s := keySet{withLines: true}
	for i := uint64(0); i < 200_000; i++ {
		if isNew, _ := s.add(i*7919, int64(i)+2); !isNew {
			t.Fatalf("hash %d reported as repeated on first add", i*7919)
		}
	}
	// The first line of a hash survives the set's growth.
	for _, c := range []struct {
		h    uint64
		line int64
	}{{0, 2}, {7919, 3}, {199_999 * 7919, 200_001}} {
		isNew, first := s.add(c.h, 999_999)
		if isNew {
			t.Fatalf("hash %d reported as new on second add", c.h)
		}
		if first != c.line {
			t.Fatalf("hash %d: first line %d, want %d", c.h, first, c.line)
		}
	}
	if isNew, first := s.add(3, 7); !isNew || first != 7 {
		t.Fatalf("hash 3 was never added but reported as repeated (or first on line %d, want 7)", first)
	}
	if s.n != 200_001 {
		t.Fatalf("%d hashes in the set, want 200001", s.n)
	}
}
