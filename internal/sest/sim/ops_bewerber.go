package sim

import (
	"fmt"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// The Bewerber operations: Stammdaten with the Bewerber's authorisation,
// the search without it, and the Bewerber behind delta references.

func (s *Sim) abrufenStammdaten(req *wire.StammdatenRequest) (any, *soapFault) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.st.bewerberIdx[req.BewerberID]
	if !ok {
		return nil, &soapFault{"soap:Server", wire.FaultUnbekannterBenutzer, 0,
			fmt.Sprintf("Der Benutzer mit der ID %s wurde nicht gefunden. [Sitzungskennung: %s]", req.BewerberID, s.sitzungskennung())}
	}
	br := s.st.bewerber[i]
	if br.ban != req.BewerberBAN {
		return nil, &soapFault{"soap:Server", wire.FaultAutorisierung, 0,
			fmt.Sprintf("Die Bewerber-Autorisierungsnummer ist für den Benutzer %s ungültig. [Sitzungskennung: %s]", req.BewerberID, s.sitzungskennung())}
	}
	return &wire.BewerberListe{Bewerber: []sestmodel.Bewerber{*br.b}}, nil
}

func (s *Sim) abrufenStammdatenOhneAuth(req *wire.SuchRequest) (any, *soapFault) {
	if f := s.checkSuche(req); f != nil {
		return nil, f
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &wire.BewerberListe{}
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

func (s *Sim) uebermittelnBewerber(req *wire.ReferenzRequest) (any, *soapFault) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, f := s.resolveRefs(refBewerber, req.Referenz)
	if f != nil {
		return nil, f
	}
	out := &wire.BewerberListe{Bewerber: make([]sestmodel.Bewerber, 0, len(idx))}
	for _, i := range idx {
		out.Bewerber = append(out.Bewerber, *s.st.bewerber[i].b)
	}
	return out, nil
}
