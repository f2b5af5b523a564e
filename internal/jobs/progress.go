package jobs

import "sync"

// packageWriters is how many packages are written at once, each in its own
// transaction on its own connection, by the streams of one syncer
// together (syncer.writeSlots): while one package's statements run in the
// database, the next one's are sent, and the database works on two cores.
// A stream alone (a delta poll, the last stream of a full download) gets
// them all; more writers than cores made the database spin on its locks
// (issue 19).
const packageWriters = 2

// progress tracks which packages of a run have committed, for runs whose
// packages commit out of order (packageWriters). The progress a run
// records (sync_run.done, where a resumed run starts) must stay a prefix
// of committed packages: a package records it only when every package
// before it has committed, and then up to the end of the packages that
// committed after it meanwhile.
type progress struct {
	mu sync.Mutex
	// prefix: every reference before it is committed.
	prefix int
	// ahead holds, by start, the end of each package committed beyond
	// prefix.
	ahead map[int]int
	// recorded is the highest progress a committed package recorded.
	recorded int
}

func newProgress(done int) *progress {
	return &progress{prefix: done, recorded: done, ahead: map[int]int{}}
}

// through is the progress the package [start, end) may record in its
// transaction: 0 while an earlier package is uncommitted.
func (p *progress) through(start, end int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if start != p.prefix {
		return 0
	}
	for {
		next, ok := p.ahead[end]
		if !ok {
			return end
		}
		end = next
	}
}

// committed notes that the package [start, end) committed, having recorded
// the progress rec (0: none).
func (p *progress) committed(start, end, rec int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.recorded = max(p.recorded, rec)
	if start != p.prefix {
		p.ahead[start] = end
		return
	}
	p.prefix = end
	for {
		next, ok := p.ahead[p.prefix]
		if !ok {
			return
		}
		delete(p.ahead, p.prefix)
		p.prefix = next
	}
}

// lag returns the committed prefix when it is beyond what any package
// recorded (the last packages committed in an order that kept them from
// recording it), else 0.
func (p *progress) lag() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.prefix > p.recorded {
		return p.prefix
	}
	return 0
}
