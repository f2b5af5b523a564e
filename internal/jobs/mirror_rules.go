package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// The mirror jobs' policies: which Bewerbungen are mirrored (the Fach
// filter), which status changes of the Servicestelle are reported, when a
// failed poll runs again, and what a run reports as its output.

// inFaecher returns the Bewerbungen of the configured Fächer
// (sync.download_faecher): an Einfachbewerbung by its Studienfach, a
// Mehrfachbewerbung when one of its Teilfächer is one of them. Without a
// filter it returns items unchanged.
func (s *syncer) inFaecher(items []sestmodel.Bewerbung) []sestmodel.Bewerbung {
	if len(s.faecher) == 0 {
		return items
	}
	kept := make([]sestmodel.Bewerbung, 0, len(items))
	for _, b := range items {
		switch {
		case b.Einfach != nil:
			if s.faecher[studienfach(b.Einfach.Studienangebot)] {
				kept = append(kept, b)
			}
		case b.Mehrfach != nil:
			for _, t := range b.Mehrfach.Teilfachbewerbung {
				if s.faecher[studienfach(t.Studienangebot)] {
					kept = append(kept, b)
					break
				}
			}
		}
	}
	return kept
}

// studienfach is a Studienangebot's Studienfach key: its own field, else
// the middle part of the atomic studiengangSchluessel
// (<abschluss>-<fach>[-<fkz>]).
func studienfach(k sestmodel.EinfachstudienangebotsSchluessel) string {
	if k.StudienfachSchluessel != "" {
		return k.StudienfachSchluessel
	}
	if parts := strings.Split(k.StudiengangSchluessel, "-"); len(parts) >= 2 {
		return parts[1]
	}
	return ""
}

// sestForbidden judges a status change of the Servicestelle by the
// syncer's status table (sestmodel.SestForbidden).
func (s *syncer) sestForbidden(from, to string) string {
	return sestmodel.SestForbidden(s.rules, from, to)
}

// logForbidden logs each forbidden status change the store recorded: the
// delta poll's and the outbound sync's (newOutboundSender).
func logForbidden(log *zap.Logger, forbidden []store.ForbiddenTransition) {
	for _, f := range forbidden {
		log.Warn("the Servicestelle changed a Bearbeitungsstatus the status table does not allow it to; mirrored as sent and reported",
			zap.String("bewerbung_key", f.BewerbungKey), zap.String("bewerber_id", f.BewerberID),
			zap.String("old_status", f.OldStatus), zap.String("new_status", f.NewStatus), zap.Int("version", f.Version),
			zap.String("reason", f.Reason))
	}
}

// nextPoll is when the delta schedule next runs after now, or the zero
// time (River's default backoff) when the schedule is off.
func (s *syncer) nextPoll(now time.Time) time.Time {
	if s.poll == nil {
		return time.Time{}
	}
	return s.poll.Next(now)
}

// Summary is what a mirror job records as its output (River's job output,
// shown by the admin API and printed by sestd sync download).
type Summary struct {
	Streams map[string]StreamSummary `json:"streams"`
	// Removed counts what a full download removed, by kind (bewerbung,
	// bewerber).
	Removed map[string]int `json:"removed,omitempty"`
}

// StreamSummary is what a run did to one stream.
type StreamSummary struct {
	Created              int `json:"created"`
	Updated              int `json:"updated"`
	Unchanged            int `json:"unchanged"`
	Filtered             int `json:"filtered,omitempty"`
	TransitionsForbidden int `json:"transitions_forbidden,omitempty"`
	// Removed: Studienangebote no longer offered, removed by a whole
	// download.
	Removed int `json:"removed,omitempty"`
}

func summaryOf(c store.Counts) StreamSummary {
	return StreamSummary{Created: c.Created, Updated: c.Updated, Unchanged: c.Unchanged, Filtered: c.Filtered, TransitionsForbidden: len(c.Forbidden), Removed: len(c.Removed)}
}

func recordSummary(ctx context.Context, s Summary) error {
	if err := river.RecordOutput(ctx, s); err != nil {
		return fmt.Errorf("recording the run's summary: %w", err)
	}
	return nil
}
