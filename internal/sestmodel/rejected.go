package sestmodel

import "fmt"

// RejectedError describes one item the Servicestelle rejected
// (zurueckgewiesen). The client in internal/sest does not return it for
// batch calls (their per-item results carry the reason); it exists for
// callers that want to treat one rejected item as an error (see
// Ergebnis.Err).
type RejectedError struct {
	Key    string
	Code   int
	Reason string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("servicestelle rejected %s: %s", e.Key, e.Reason)
}

// Permanent: a version conflict can be resolved by fetching the current
// version; every other rejection repeats until the data changes.
func (e *RejectedError) Permanent() bool { return e.Code != CodeVersionConflict }

// Err returns a *RejectedError when the item was rejected, else nil.
func (e Ergebnis) Err(key string) error {
	if !e.Rejected() {
		return nil
	}
	return &RejectedError{Key: key, Code: e.Code, Reason: e.GrundZurueckweisung}
}
