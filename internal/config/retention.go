package config

import (
	"fmt"
	"time"
)

// Retention configures how long applicants' personal data is kept (the
// retention job, scheduled by sync.schedules.retention).
type Retention struct {
	// AfterClose is how long after the Vermittlungsprozess closed its
	// applicants' data is purged (mirror rows, upload-log bodies, staging
	// rows, documents).
	AfterClose time.Duration `yaml:"after_close"`
	// ClosedAt is when the Vermittlungsprozess closed; zero derives it
	// from servicestelle.vermittlungsprozess (see ClosedAt).
	ClosedAt time.Time `yaml:"closed_at"`
	// PurgeMarked purges applicants the Servicestelle marks for deletion
	// (Bewerber status zur_Loeschung_vorgemerkt, or a send rejected with
	// code 30235) at the next retention run.
	PurgeMarked bool `yaml:"purge_marked"`
}

// DefaultRetention is Retention's defaults: 180 days after the close,
// applicants marked for deletion purged.
func DefaultRetention() Retention {
	return Retention{AfterClose: 180 * 24 * time.Hour, PurgeMarked: true}
}

// Closed returns when the Vermittlungsprozess vp closed: r.ClosedAt when
// set, else the end of the round's semester's first month of lectures
// (a winter round: 30 November of its year; a summer round: 31 May),
// after which no admission of the round is open any more.
func (r Retention) Closed(vp Vermittlungsprozess) time.Time {
	if !r.ClosedAt.IsZero() {
		return r.ClosedAt
	}
	jahr := vp.Jahr
	if jahr == 0 {
		return time.Time{}
	}
	if vp.Semester == "SS" {
		return time.Date(jahr, time.June, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(jahr, time.December, 1, 0, 0, 0, 0, time.UTC)
}

// PurgeAt returns when the retention job purges the Vermittlungsprozess
// vp's data; zero when unknown (no year configured).
func (r Retention) PurgeAt(vp Vermittlungsprozess) time.Time {
	c := r.Closed(vp)
	if c.IsZero() {
		return c
	}
	return c.Add(r.AfterClose)
}

func (r Retention) validate(bad func(key, format string, args ...any)) {
	if r.AfterClose < 24*time.Hour {
		bad("retention.after_close", "must be at least 24h (e.g. 4320h for 180 days), got %s", r.AfterClose)
	}
	if !r.ClosedAt.IsZero() && r.ClosedAt.Year() < 2000 {
		bad("retention.closed_at", "%s", fmt.Sprintf("must be an RFC 3339 time like 2027-01-31T00:00:00Z, got %s", r.ClosedAt))
	}
}
