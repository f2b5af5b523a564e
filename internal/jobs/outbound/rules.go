package outbound

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// This file decides what is sent: the status table, outbox.abschluss_filter,
// and when a refused item is tried again.

// transitionForbidden says why the university may not move a Bewerbung
// from cur (empty: new) to target, or "" when it may.
func (o *Sender) transitionForbidden(cur, target string) string {
	to, known := o.rules[target]
	if !known {
		if v := sestmodel.StatusSince(target); v > o.version {
			return fmt.Sprintf("Bearbeitungsstatus %s exists only from interface version %d (servicestelle.interface_version is %d)", target, v, o.version)
		}
		return fmt.Sprintf("Bearbeitungsstatus %s is not in the status table (sync.bearbeitungsstatus)", target)
	}
	if cur == "" {
		if !to.UniIn {
			return fmt.Sprintf("the university may not create a Bewerbung in Bearbeitungsstatus %s (uni_in is false)", target)
		}
		return ""
	}
	if cur == target {
		return ""
	}
	from := o.rules[cur]
	switch {
	case !from.UniOut:
		return fmt.Sprintf("the university may not change a Bewerbung out of Bearbeitungsstatus %s (uni_out is false) into %s", cur, target)
	case !to.UniIn:
		return fmt.Sprintf("the university may not change a Bewerbung into Bearbeitungsstatus %s (uni_in is false) from %s", target, cur)
	}
	return ""
}

// sestForbidden judges a status change of the Servicestelle that a run
// mirrors, as the delta poll does (sestmodel.SestForbidden).
func (o *Sender) sestForbidden(from, to string) string {
	return sestmodel.SestForbidden(o.rules, from, to)
}

// teilfachForbidden says why the university may not give the
// Teilfachbewerbungen of a Mehrfachstudienangebotsbewerbung their
// statuses, given the mirrored ones (by studiengang_schluessel; a
// Teilfach not mirrored is new), or "" when it may.
func (o *Sender) teilfachForbidden(cur map[string]string, tfs []sestmodel.Teilfachbewerbung) string {
	for _, tf := range tfs {
		if tf.Bearbeitungsstatus == "" {
			continue
		}
		if why := o.transitionForbidden(cur[tf.Studienangebot.StudiengangSchluessel], tf.Bearbeitungsstatus); why != "" {
			return fmt.Sprintf("Teilfach %s: %s", tf.Studienangebot.StudiengangSchluessel, why)
		}
	}
	return ""
}

// retryLater is the result for an item refused for a reason that may go
// away: it stays queued and is tried again after the backoff for its
// attempts; from outbox.max_attempts on it is failed (mailed to the admins
// once, in the digest while it fails) and still tried again, at the
// latest after outbox.max_backoff, until it is accepted, discarded by an
// operator or superseded by a newer delivery.
func (o *Sender) retryLater(attempts int, r store.OutboxResult) store.OutboxResult {
	r.State = o.queuedState(attempts)
	r.NextAttemptAt = time.Now().Add(retryDelay(o.backoff, o.maxBackoff, attempts))
	return r
}

// queuedState is the state of a queued item after attempts attempts:
// pending, or failed from outbox.max_attempts on.
func (o *Sender) queuedState(attempts int) store.OutboxState {
	if attempts >= o.maxAttempts {
		return store.OutboxFailed
	}
	return store.OutboxPending
}

// retryDelay is the wait before attempt attempts+1: backoff, doubled per
// attempt made after the first, at most limit.
func retryDelay(backoff, limit time.Duration, attempts int) time.Duration {
	d := backoff
	for i := 1; i < attempts && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// abschlussOf is the Abschluss a Bewerbung is for: the
// Einfachstudienangebot's, or the Mehrfachabschluss.
func abschlussOf(b sestmodel.Bewerbung) string {
	switch {
	case b.Einfach != nil:
		k := b.Einfach.Studienangebot
		if k.AbschlussSchluessel != "" {
			return k.AbschlussSchluessel
		}
		a, _, _ := strings.Cut(k.StudiengangSchluessel, "-")
		return a
	case b.Mehrfach != nil:
		return b.Mehrfach.Studienangebot.AbschlussSchluessel
	}
	return ""
}

// outsideFilter says why b is not sent under outbox.abschluss_filter, or
// "" when it is sent.
func (o *Sender) outsideFilter(b sestmodel.Bewerbung) string {
	if len(o.abschluesse) == 0 {
		return ""
	}
	a := abschlussOf(b)
	if slices.Contains(o.abschluesse, a) {
		return ""
	}
	return fmt.Sprintf("not sent: Abschluss %s is not in outbox.abschluss_filter (%s): updates at the Servicestelle are limited to those Abschlüsse",
		a, strings.Join(o.abschluesse, ", "))
}
