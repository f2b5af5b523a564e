package store

import (
	"fmt"
	"slices"
)

// Stream is a delta stream: the Servicestelle reports the changes of its
// items since a cursor (DESIGN.md, flow 1). Its name keys the stream's
// cursor, its run bookkeeping, its lock and its metrics.
type Stream string

// The delta streams.
const (
	StreamBewerber         Stream = "bewerber"
	StreamBewerbungen      Stream = "bewerbungen"
	StreamRanglistenstatus Stream = "ranglistenstatus"
)

// AllStreams lists the delta streams, in the order a full download
// reports them.
func AllStreams() []Stream {
	return []Stream{StreamBewerber, StreamBewerbungen, StreamRanglistenstatus}
}

// ParseStream returns the stream called name, or an error that lists the
// streams.
func ParseStream(name string) (Stream, error) {
	if s := Stream(name); slices.Contains(AllStreams(), s) {
		return s, nil
	}
	return "", fmt.Errorf("unknown stream %q: want one of %v", name, AllStreams())
}

// String returns the stream's name.
func (s Stream) String() string { return string(s) }

// streamNames returns the names of all streams (for SQL parameters).
func streamNames() []string {
	out := make([]string, 0, len(AllStreams()))
	for _, s := range AllStreams() {
		out = append(out, string(s))
	}
	return out
}
