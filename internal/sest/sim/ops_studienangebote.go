package sim

import (
	"fmt"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// The Studienangebote service: reading and creating or changing
// Studienangebote.

func (s *Sim) abrufenStudienangebote(req *wire.StudienangebotFilter) *wire.StudienangebotListe {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &wire.StudienangebotListe{}
	for _, a := range s.st.angebote {
		var abs, fach string
		switch {
		case a.Einfach != nil:
			abs, fach = a.Einfach.Schluessel.AbschlussSchluessel, a.Einfach.Schluessel.StudienfachSchluessel
		case a.Mehrfach != nil:
			abs = a.Mehrfach.Schluessel.AbschlussSchluessel
		}
		if req.AbschlussSchluessel != "" && req.AbschlussSchluessel != abs || req.StudienfachSchluessel != "" && req.StudienfachSchluessel != fach {
			continue
		}
		out.Studienangebot = append(out.Studienangebot, a)
	}
	return out
}

func (s *Sim) anlegenAendernStudienangebote(req *wire.StudienangeboteRequest) *wire.StudienangebotErgebnisse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &wire.StudienangebotErgebnisse{}
	for _, a := range req.Studienangebot {
		res := sestmodel.StudienangebotErgebnis{}
		switch {
		case a.Einfach != nil:
			e := *a.Einfach
			res.Schluessel = sestmodel.StudienangebotsSchluessel{Einfach: &e.Schluessel}
			k := e.Schluessel
			atomic := einfachKey(k.AbschlussSchluessel, k.StudienfachSchluessel, k.FachkennzeichenSchluessel).StudiengangSchluessel
			switch {
			case k.AbschlussSchluessel == "" || k.StudienfachSchluessel == "":
				res.ErgebnisStatus, res.GrundZurueckweisung = sestmodel.ErgebnisZurueckgewiesen, reason(CodeUngueltig, "Abschluss und Studienfach müssen angegeben sein. Typ: EinfachStudienangebot, Feld: schluessel | ")
			case k.StudiengangSchluessel != atomic:
				res.ErgebnisStatus, res.GrundZurueckweisung = sestmodel.ErgebnisZurueckgewiesen, reason(CodeUngueltig, fmt.Sprintf("Der Studiengangschlüssel %s passt nicht zu %s. Typ: EinfachStudienangebot, Feld: studiengangSchluessel | ", k.StudiengangSchluessel, atomic))
			default:
				if old, ok := s.st.einfach[atomic]; ok {
					for i := range s.st.angebote {
						if s.st.angebote[i].Einfach == old {
							s.st.angebote[i].Einfach = &e
						}
					}
					s.st.einfach[atomic] = &e
					res.ErgebnisStatus = sestmodel.ErgebnisAktualisiert
				} else {
					s.st.addEinfach(&e)
					res.ErgebnisStatus = sestmodel.ErgebnisNeu
				}
			}
		case a.Mehrfach != nil:
			m := *a.Mehrfach
			res.Schluessel = sestmodel.StudienangebotsSchluessel{Mehrfach: &m.Schluessel}
			abs := m.Schluessel.AbschlussSchluessel
			if !s.st.mehrfachAbs[abs] {
				res.ErgebnisStatus, res.GrundZurueckweisung = sestmodel.ErgebnisZurueckgewiesen, reason(CodeUngueltig, "Ein Mehrfachstudienangebot muss einen Mehrfachabschluss haben. Typ: MehrfachStudienangebot, Feld: abschluss | ")
				break
			}
			if old, ok := s.st.mehrfach[abs]; ok {
				for i := range s.st.angebote {
					if s.st.angebote[i].Mehrfach == old {
						s.st.angebote[i].Mehrfach = &m
					}
				}
				res.ErgebnisStatus = sestmodel.ErgebnisAktualisiert
			} else {
				s.st.angebote = append(s.st.angebote, sestmodel.Studienangebot{Mehrfach: &m})
				res.ErgebnisStatus = sestmodel.ErgebnisNeu
			}
			s.st.mehrfach[abs] = &m
		default:
			res.ErgebnisStatus, res.GrundZurueckweisung = sestmodel.ErgebnisZurueckgewiesen, reason(CodeUngueltig, "Leeres Studienangebot.")
		}
		out.Ergebnis = append(out.Ergebnis, res)
	}
	return out
}
