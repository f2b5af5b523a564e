package jobs

import "testing"

// TestProgressStaysAPrefixOfCommittedPackages plays packages of 500
// references (a run resumed at 1000) committing out of order, and checks
// what each may record in its transaction and what is left to record at
// the end.
func TestProgressStaysAPrefixOfCommittedPackages(t *testing.T) {
	p := newProgress(1000)
	step := func(start, end, wantThrough int) {
		t.Helper()
		got := p.through(start, end)
		if got != wantThrough {
			t.Fatalf("package [%d, %d) may record %d, want %d", start, end, got, wantThrough)
		}
		p.committed(start, end, got)
	}
	// The second package commits before the first: it records nothing.
	step(1500, 2000, 0)
	if got := p.lag(); got != 0 {
		t.Fatalf("lag %d with the first package outstanding, want 0", got)
	}
	// The first records through the second.
	step(1000, 1500, 2000)
	// Two ahead of a gap.
	step(2500, 3000, 0)
	step(3000, 3200, 0)
	// The gap's package asks while the ones after it are committed: it
	// records through them.
	step(2000, 2500, 3200)
	if got := p.lag(); got != 0 {
		t.Fatalf("lag %d after everything was recorded, want 0", got)
	}

	// A package that asked before its predecessor committed, and
	// committed after it: the prefix is beyond what was recorded.
	q := newProgress(0)
	first := q.through(0, 500)    // 500
	second := q.through(500, 900) // 0: the first is still uncommitted
	q.committed(0, 500, first)
	q.committed(500, 900, second)
	if first != 500 || second != 0 {
		t.Fatalf("recorded %d and %d, want 500 and 0", first, second)
	}
	if got := q.lag(); got != 900 {
		t.Fatalf("lag %d, want 900 (the run's end, to record after the writers)", got)
	}
}
