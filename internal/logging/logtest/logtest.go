// Package logtest holds what tests need to read sestd's logs.
package logtest

import (
	"bytes"
	"sync"
)

// Buffer collects log output written from many goroutines (a daemon's,
// River's, the test's) and reads it back whole.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
