package sim

import (
	"fmt"
	"sort"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// The Bewerberauswahl service: Studienpakete, Ranglisten (validated as the
// Servicestelle does), their status, and releasing Zulassungsangebote.

func (s *Sim) abrufenStudienpakete() *wire.StudienpaketListe {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &wire.StudienpaketListe{}
	for _, p := range s.st.pakete {
		out.Studienpaket = append(out.Studienpaket, *p)
	}
	return out
}

func (s *Sim) anlegenAendernStudienpakete(req *wire.StudienpaketeRequest) *wire.StudienpaketErgebnisse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &wire.StudienpaketErgebnisse{}
	for _, p := range req.Studienpaket {
		res := sestmodel.StudienpaketErgebnis{StudienpaketSchluessel: p.Schluessel}
		why := ""
		if p.Schluessel == "" || p.Kapazitaet < 0 || len(p.Paketbestandteil) == 0 {
			why = reason(CodeUngueltig, "Ein Studienpaket braucht einen Schlüssel, eine Kapazität und mindestens einen Paketbestandteil.")
		}
		for _, pb := range p.Paketbestandteil {
			if why != "" {
				break
			}
			if w := s.checkEinfachKey(pb.Studienangebot); w != "" {
				why = reason(CodeAngebotUnbekannt, w)
			} else if pb.Bewerberplatzbedarf.Zaehler <= 0 || pb.Bewerberplatzbedarf.Nenner <= 0 {
				why = reason(CodeUngueltig, "Der Bewerberplatzbedarf muss positiv sein.")
			}
		}
		switch {
		case why != "":
			res.ErgebnisStatus, res.GrundZurueckweisung = sestmodel.ErgebnisZurueckgewiesen, why
		default:
			np := p
			np.Paketbestandteil = append([]sestmodel.Paketbestandteil(nil), p.Paketbestandteil...)
			if i, ok := s.st.paketIdx[p.Schluessel]; ok {
				s.st.pakete[i] = &np
				res.ErgebnisStatus = sestmodel.ErgebnisAktualisiert
			} else {
				s.st.paketIdx[p.Schluessel] = len(s.st.pakete)
				s.st.pakete = append(s.st.pakete, &np)
				res.ErgebnisStatus = sestmodel.ErgebnisNeu
			}
		}
		out.Ergebnis = append(out.Ergebnis, res)
	}
	return out
}

var (
	ebenen           = map[string]bool{"Vorabquoten": true, "geminderte_Vorabquoten": true, "Hauptquoten": true}
	ranglistenStatus = map[string]bool{"eingerichtet": true, "befuellt": true, "freigegeben": true}
)

// validateRangliste checks a sent Rangliste. sentTypen are the Ranglisten
// types sent with Kopfdaten in the same call (they are part of the
// Vergabeschema even when stored after r). Must hold s.mu.
func (s *Sim) validateRangliste(r sestmodel.Rangliste, sentTypen map[string]bool) (int, string) {
	if _, ok := s.st.paketIdx[r.StudienpaketSchluessel]; !ok {
		return CodePaketUnbekannt, fmt.Sprintf("Das Studienpaket %s konnte nicht gefunden werden.", r.StudienpaketSchluessel)
	}
	if !ebenen[r.Ebene] {
		return CodeRanglisteUngueltig, fmt.Sprintf("Unbekannte Ebene %q.", r.Ebene)
	}
	if !ranglistenStatus[r.Status] {
		return CodeRanglisteUngueltig, fmt.Sprintf("Unbekannter Ranglistenstatus %q.", r.Status)
	}
	if k := r.Kopfdaten; k != nil {
		if (k.PlaetzeProzentual == nil) == (k.PlaetzeAbsolut == nil) {
			return CodeRanglisteUngueltig, "Genau eine Angabe der Plätze (prozentual oder absolut) ist erforderlich."
		}
		if k.PlaetzeProzentual != nil && (*k.PlaetzeProzentual < 0 || *k.PlaetzeProzentual > 100) {
			return CodeRanglisteUngueltig, "Der prozentuale Platzanteil muss zwischen 0 und 100 liegen."
		}
		if r.NameDe == "" && r.NameEn == "" {
			return CodeRanglisteUngueltig, "Eine Rangliste mit Kopfdaten braucht einen Namen (nameDe oder nameEn)."
		}
		if k.IstVorwegzulasserrangliste && r.Ebene != "Vorabquoten" {
			return CodeKlauseln, "Eine Vorwegzulasserrangliste ist nur auf der Ebene Vorabquoten erlaubt."
		}
		if kl := k.Klauseln; kl != nil {
			if kl.Nichtauffuellklausel && kl.Unterbelegungsklausel != nil {
				return CodeKlauseln, "Die Nichtauffüllklausel und die Unterbelegungsklausel schließen einander aus."
			}
			if u := kl.Unterbelegungsklausel; u != nil && (u.PlatzuebergabeEbene == "") == (u.PlatzuebergabeRanglistentyp == "") {
				return CodeKlauseln, "Die Unterbelegungsklausel braucht genau ein Ziel der Platzübergabe."
			}
			if u := kl.Unterbelegungsklausel; u != nil && u.PlatzuebergabeEbene != "" && !ebenen[u.PlatzuebergabeEbene] {
				return CodeKlauseln, fmt.Sprintf("Unbekannte Ebene %q in der Unterbelegungsklausel.", u.PlatzuebergabeEbene)
			}
			// The places go to a Ranglisten type of the Vergabeschema
			// (Sestco: "ID number of Rangliste type, e.g. 66"): one
			// the sim holds a Rangliste of, or one sent in this call.
			// Rejected like the other Klausel errors, with the sim's own
			// CodeKlauseln (the real code is not public).
			if u := kl.Unterbelegungsklausel; u != nil && u.PlatzuebergabeRanglistentyp != "" &&
				!s.st.typen[u.PlatzuebergabeRanglistentyp] && !sentTypen[u.PlatzuebergabeRanglistentyp] {
				return CodeKlauseln, fmt.Sprintf("Der Ranglistentyp %q der Unterbelegungsklausel ist im Vergabeschema nicht vorhanden.", u.PlatzuebergabeRanglistentyp)
			}
			if b := kl.Binnenquotenklausel; b != nil && b.Binnenquotenkennung == "" {
				return CodeKlauseln, "Die Binnenquotenklausel braucht eine Binnenquotenkennung."
			}
			if m := kl.Mindestplatzklausel; m != nil && m.Grenzkapazitaet <= 0 {
				return CodeKlauseln, "Die Mindestplatzklausel braucht eine positive Grenzkapazität."
			}
		}
	} else if _, ok := s.st.ranglisteIdx[r.Schluessel]; !ok {
		return CodeKopfdatenFehlen, fmt.Sprintf("Die Rangliste %s ist unbekannt; ohne Kopfdaten können keine Kopfdaten beibehalten werden.", r.Schluessel)
	}
	ranks := make(map[int]bool, len(r.Eintrag))
	ids := make(map[string]bool, len(r.Eintrag))
	for _, e := range r.Eintrag {
		if e.Rang < 1 {
			return CodeRanglisteUngueltig, fmt.Sprintf("Ungültiger Rang %d für Bewerber %s.", e.Rang, e.BewerberID)
		}
		if ranks[e.Rang] {
			return CodeRangDoppelt, fmt.Sprintf("Der Rang %d ist mehrfach vergeben.", e.Rang)
		}
		if ids[e.BewerberID] {
			return CodeRangDoppelt, fmt.Sprintf("Der Bewerber %s ist mehrfach in der Rangliste enthalten.", e.BewerberID)
		}
		if _, ok := s.st.bewerberIdx[e.BewerberID]; !ok {
			return CodeRanglisteBewerber, fmt.Sprintf("Der Bewerber %s konnte nicht gefunden werden.", e.BewerberID)
		}
		ranks[e.Rang], ids[e.BewerberID] = true, true
	}
	return 0, ""
}

func (s *Sim) uebermittelnRanglisten(req *wire.RanglistenRequest) *wire.RanglisteErgebnisse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &wire.RanglisteErgebnisse{}
	now := s.clock.Now()
	sentTypen := map[string]bool{}
	for _, r := range req.Rangliste {
		if r.Kopfdaten != nil {
			sentTypen[ranglistentyp(r.Schluessel)] = true
		}
	}
	for _, r := range req.Rangliste {
		res := sestmodel.RanglisteErgebnis{RanglistenSchluessel: r.Schluessel}
		if code, why := s.validateRangliste(r, sentTypen); code != 0 {
			res.ErgebnisStatus, res.GrundZurueckweisung = sestmodel.ErgebnisZurueckgewiesen, reason(code, why)
			out.Ergebnis = append(out.Ergebnis, res)
			continue
		}
		nr := r
		nr.Eintrag = append([]sestmodel.Ranglisteneintrag(nil), r.Eintrag...)
		if i, ok := s.st.ranglisteIdx[r.Schluessel]; ok {
			// A list too long for one message comes in packages: while the
			// stored list is eingerichtet, a package whose ranks all follow
			// the stored ones continues it; any other replaces it.
			old := s.st.ranglisten[i].r
			if old.Status == "eingerichtet" && len(nr.Eintrag) > 0 && minRang(nr.Eintrag) > maxRang(old.Eintrag) {
				if dup := duplicateBewerber(old.Eintrag, nr.Eintrag); dup != "" {
					res.ErgebnisStatus, res.GrundZurueckweisung = sestmodel.ErgebnisZurueckgewiesen,
						reason(CodeRangDoppelt, fmt.Sprintf("Der Bewerber %s ist mehrfach in der Rangliste enthalten.", dup))
					out.Ergebnis = append(out.Ergebnis, res)
					continue
				}
				nr.Eintrag = append(append([]sestmodel.Ranglisteneintrag(nil), old.Eintrag...), nr.Eintrag...)
			}
			if nr.Kopfdaten == nil {
				nr.Kopfdaten = s.st.ranglisten[i].r.Kopfdaten
				if nr.NameDe == "" {
					nr.NameDe = s.st.ranglisten[i].r.NameDe
				}
			}
			s.st.ranglisten[i] = &ranglisteRec{r: &nr, changed: now}
			res.ErgebnisStatus = sestmodel.ErgebnisAktualisiert
		} else {
			s.st.addRangliste(&nr, now)
			res.ErgebnisStatus = sestmodel.ErgebnisNeu
		}
		out.Ergebnis = append(out.Ergebnis, res)
	}
	return out
}

func statusOf(r *ranglisteRec) sestmodel.Ranglistenstatus {
	return sestmodel.Ranglistenstatus{RanglistenSchluessel: r.r.Schluessel, StudienpaketSchluessel: r.r.StudienpaketSchluessel,
		Status: r.r.Status, Statusanmerkung: r.r.Statusanmerkung, AnzahlEintraege: len(r.r.Eintrag), LetzteAenderung: sestmodel.NewTimestamp(r.changed)}
}

func minRang(es []sestmodel.Ranglisteneintrag) int {
	m := es[0].Rang
	for _, e := range es {
		m = min(m, e.Rang)
	}
	return m
}

func maxRang(es []sestmodel.Ranglisteneintrag) int {
	m := 0
	for _, e := range es {
		m = max(m, e.Rang)
	}
	return m
}

// duplicateBewerber returns an applicant in both lists, or "".
func duplicateBewerber(a, b []sestmodel.Ranglisteneintrag) string {
	in := make(map[string]bool, len(a))
	for _, e := range a {
		in[e.BewerberID] = true
	}
	for _, e := range b {
		if in[e.BewerberID] {
			return e.BewerberID
		}
	}
	return ""
}

func (s *Sim) uebermittelnRanglistenstatus(req *wire.ReferenzRequest) (any, *soapFault) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, f := s.resolveRefs(refRangliste, req.Referenz)
	if f != nil {
		return nil, f
	}
	out := &wire.RanglistenstatusListe{}
	for _, i := range idx {
		out.Ranglistenstatus = append(out.Ranglistenstatus, statusOf(s.st.ranglisten[i]))
	}
	return out, nil
}

func (s *Sim) abrufenRanglistenstatus(req *wire.RanglistenstatusRequest) *wire.RanglistenstatusListe {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &wire.RanglistenstatusListe{}
	if len(req.RanglistenSchluessel) == 0 {
		for _, r := range s.st.ranglisten {
			out.Ranglistenstatus = append(out.Ranglistenstatus, statusOf(r))
		}
		return out
	}
	for _, k := range req.RanglistenSchluessel {
		if i, ok := s.st.ranglisteIdx[k]; ok {
			out.Ranglistenstatus = append(out.Ranglistenstatus, statusOf(s.st.ranglisten[i]))
		}
	}
	return out
}

// ausloesen answers ausloesenFruehzeitigerZulassungsangeboteDurchHS: for a
// Studienpaket with a freigegebene Rangliste, the Bewerbungen (status
// gueltig) of the best-ranked applicants, up to the Paket's capacity, get
// an offer (Zulassungsangebot_liegt_vor, version+1).
func (s *Sim) ausloesen(req *wire.ZulassungsangeboteRequest) *wire.StudienpaketErgebnisse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &wire.StudienpaketErgebnisse{}
	for _, k := range req.StudienpaketSchluessel {
		res := sestmodel.StudienpaketErgebnis{StudienpaketSchluessel: k}
		pi, ok := s.st.paketIdx[k]
		if !ok {
			res.ErgebnisStatus, res.GrundZurueckweisung = sestmodel.ErgebnisZurueckgewiesen, reason(CodePaketUnbekannt, fmt.Sprintf("Das Studienpaket %s konnte nicht gefunden werden.", k))
			out.Ergebnis = append(out.Ergebnis, res)
			continue
		}
		var lists []*sestmodel.Rangliste
		for _, r := range s.st.ranglisten {
			if r.r.StudienpaketSchluessel == k && r.r.Status == "freigegeben" {
				lists = append(lists, r.r)
			}
		}
		if len(lists) == 0 {
			res.ErgebnisStatus, res.GrundZurueckweisung = sestmodel.ErgebnisZurueckgewiesen, reason(CodeRanglisteNichtFreigeg, fmt.Sprintf("Für das Studienpaket %s ist keine Rangliste freigegeben.", k))
			out.Ergebnis = append(out.Ergebnis, res)
			continue
		}
		p := s.st.pakete[pi]
		angebote := map[string]bool{}
		for _, pb := range p.Paketbestandteil {
			angebote[pb.Studienangebot.StudiengangSchluessel] = true
		}
		offers := 0
		for _, rl := range lists {
			eintraege := append([]sestmodel.Ranglisteneintrag(nil), rl.Eintrag...)
			sort.Slice(eintraege, func(i, j int) bool { return eintraege[i].Rang < eintraege[j].Rang })
			for _, e := range eintraege {
				if offers >= p.Kapazitaet {
					break
				}
				for _, bi := range s.st.byBewerber[e.BewerberID] {
					b := s.st.bewerbungen[bi]
					if b.deleted || b.b.Einfach == nil || !angebote[b.b.Einfach.Studienangebot.StudiengangSchluessel] || b.b.Bearbeitungsstatus() != "gueltig" {
						continue
					}
					if _, err := s.changeBewerbungLocked(b.b.Key(), func(nb *sestmodel.Bewerbung) {
						nb.Einfach.Bearbeitungsstatus = "Zulassungsangebot_liegt_vor"
					}); err == nil {
						offers++
					}
				}
			}
		}
		res.ErgebnisStatus = sestmodel.ErgebnisAktualisiert
		out.Ergebnis = append(out.Ergebnis, res)
	}
	return out
}
