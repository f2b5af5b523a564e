package sim

import (
	"sync"
	"time"
)

// Clock is the simulator's clock. It either stands still (the default for
// tests) and moves only by Set and Advance, or runs with real time from an
// offset. Every change the sim makes is stamped with Now, truncated to
// milliseconds (the wire's resolution).
type Clock struct {
	mu      sync.Mutex
	base    time.Time // simulated time at realRef
	realRef time.Time
	running bool
	loc     *time.Location
}

func newClock(start time.Time, running bool, loc *time.Location) *Clock {
	return &Clock{base: start.In(loc), realRef: time.Now(), running: running, loc: loc}
}

// Now returns the simulated time (in the sim's Location, ms precision).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	t := c.base
	if c.running {
		t = t.Add(time.Since(c.realRef))
	}
	return t.Truncate(time.Millisecond).In(c.loc)
}

// Set sets the simulated time.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.realRef = t.In(c.loc), time.Now()
}

// Advance moves the simulated time forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.realRef = c.nowLocked().Add(d), time.Now()
}

// SetRunning starts or stops the clock following real time.
func (c *Clock) SetRunning(running bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.realRef, c.running = c.nowLocked(), time.Now(), running
}
