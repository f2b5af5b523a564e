package sim

import (
	"fmt"
	"strconv"
	"time"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// The delta: references handed out by anfragen… and resolved by
// uebermitteln…, purged after their lifetime.

// anfragen answers step one of a delta: references for every item changed
// at or after start, and ende = the clock now. Every later change is
// stamped at or after ende.
func (s *Sim) anfragen(kind refKind, req *wire.AnfrageRequest) *wire.ReferenzListe {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	start := req.Start.Time
	expires := now.Add(s.cfg.ReferenceTTL)
	s.purgeRefs(now)
	out := &wire.ReferenzListe{Ende: sestmodel.NewTimestamp(now)}
	add := func(i int) {
		s.st.nextRef++
		ref := string(kind) + strconv.FormatInt(s.st.nextRef, 10)
		s.st.refs[ref] = refRec{kind: kind, idx: i, expires: expires}
		out.Referenz = append(out.Referenz, ref)
	}
	switch kind {
	case refBewerber:
		for i, b := range s.st.bewerber {
			if !b.b.LetzteAenderung.Before(start) {
				add(i)
			}
		}
	case refBewerbung:
		for i, b := range s.st.bewerbungen {
			if !b.deleted && !b.b.LetzteAenderung().Before(start) {
				add(i)
			}
		}
	case refRangliste:
		for i, r := range s.st.ranglisten {
			if !r.changed.Before(start) {
				add(i)
			}
		}
	}
	return out
}

func (s *Sim) purgeRefs(now time.Time) {
	if now.Sub(s.st.lastRefPurged) < time.Minute && len(s.st.refs) < 1_000_000 {
		return
	}
	s.st.lastRefPurged = now
	for k, r := range s.st.refs {
		if now.After(r.expires) {
			delete(s.st.refs, k)
		}
	}
}

// resolveRefs maps references to item indexes; an unknown, expired or
// foreign reference fails the whole call with UngueltigeReferenzFehler.
// Must hold s.mu.
func (s *Sim) resolveRefs(kind refKind, refs []string) ([]int, *soapFault) {
	now := s.clock.Now()
	out := make([]int, 0, len(refs))
	for _, ref := range refs {
		r, ok := s.st.refs[ref]
		if !ok || r.kind != kind || now.After(r.expires) {
			return nil, &soapFault{"soap:Client", wire.FaultUngueltigeReferenz, 0,
				fmt.Sprintf("Die Referenz %s ist ungültig oder abgelaufen. [Sitzungskennung: %s]", ref, s.sitzungskennung())}
		}
		out = append(out, r.idx)
	}
	return out, nil
}
