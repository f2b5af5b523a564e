package sim

import (
	"fmt"

	"sestd/internal/sest"
	"sestd/internal/sestmodel"
)

// The Bewerber operations: Stammdaten with the Bewerber's authorisation,
// the search without it, and the Bewerber behind delta references.

func (s *Sim) abrufenStammdaten(req *sest.StammdatenRequest) (any, *soapFault) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.st.bewerberIdx[req.BewerberID]
	if !ok {
		return nil, &soapFault{"soap:Server", sest.FaultUnbekannterBenutzer, 0,
			fmt.Sprintf("Der Benutzer mit der ID %s wurde nicht gefunden. [Sitzungskennung: %s]", req.BewerberID, s.sitzungskennung())}
	}
	br := s.st.bewerber[i]
	if br.ban != req.BewerberBAN {
		return nil, &soapFault{"soap:Server", sest.FaultAutorisierung, 0,
			fmt.Sprintf("Die Bewerber-Autorisierungsnummer ist für den Benutzer %s ungültig. [Sitzungskennung: %s]", req.BewerberID, s.sitzungskennung())}
	}
	return &sest.BewerberListe{Bewerber: []sestmodel.Bewerber{*br.b}}, nil
}

func (s *Sim) abrufenStammdatenOhneAuth(req *sest.SuchRequest) (any, *soapFault) {
	if f := s.checkSuche(req); f != nil {
		return nil, f
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &sest.BewerberListe{}
	seen := map[string]bool{}
	s.eachMatching(req, func(b sestmodel.Bewerbung) {
		id := b.BewerberID()
		if seen[id] {
			return
		}
		seen[id] = true
		if i, ok := s.st.bewerberIdx[id]; ok {
			out.Bewerber = append(out.Bewerber, *s.st.bewerber[i].b)
		}
	})
	return out, nil
}

func (s *Sim) uebermittelnBewerber(req *sest.ReferenzRequest) (any, *soapFault) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, f := s.resolveRefs(refBewerber, req.Referenz)
	if f != nil {
		return nil, f
	}
	out := &sest.BewerberListe{Bewerber: make([]sestmodel.Bewerber, 0, len(idx))}
	for _, i := range idx {
		out.Bewerber = append(out.Bewerber, *s.st.bewerber[i].b)
	}
	return out, nil
}
