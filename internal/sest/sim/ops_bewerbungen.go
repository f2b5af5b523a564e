package sim

import (
	"fmt"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// The Bewerbungen service: search, the delta's Bewerbungen, and creating or
// changing Bewerbungen with the Servicestelle's versioning and status rules.

func (s *Sim) uebermittelnBewerbungen(req *wire.ReferenzRequest) (any, *soapFault) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, f := s.resolveRefs(refBewerbung, req.Referenz)
	if f != nil {
		return nil, f
	}
	out := &wire.BewerbungListe{Bewerbung: make([]sestmodel.Bewerbung, 0, len(idx))}
	for _, i := range idx {
		if b := s.st.bewerbungen[i]; !b.deleted {
			out.Bewerbung = append(out.Bewerbung, b.b)
		}
	}
	return out, nil
}

func (s *Sim) checkSuche(req *wire.SuchRequest) *soapFault {
	if req.BewerberID == "" && req.AbschlussSchluessel == "" && req.StudienfachSchluessel == "" && req.FachkennzeichenSchluessel == "" {
		return &soapFault{"soap:Client", wire.FaultValidierung, 0,
			"Es muss mindestens eines der Felder bewerberId, abschlussSchluessel, studienfachSchluessel, fachkennzeichenSchluessel angegeben werden. [Sitzungskennung: " + s.sitzungskennung() + "]"}
	}
	return nil
}

// eachMatching calls fn for every Bewerbung matching a search. Must hold
// s.mu.
func (s *Sim) eachMatching(req *wire.SuchRequest, fn func(sestmodel.Bewerbung)) {
	match := func(k sestmodel.EinfachstudienangebotsSchluessel) bool {
		return (req.AbschlussSchluessel == "" || req.AbschlussSchluessel == k.AbschlussSchluessel) &&
			(req.StudienfachSchluessel == "" || req.StudienfachSchluessel == k.StudienfachSchluessel) &&
			(req.FachkennzeichenSchluessel == "" || req.FachkennzeichenSchluessel == k.FachkennzeichenSchluessel)
	}
	check := func(b sestmodel.Bewerbung) {
		switch {
		case b.Einfach != nil:
			if match(b.Einfach.Studienangebot) {
				fn(b)
			}
		case b.Mehrfach != nil:
			if req.AbschlussSchluessel == b.Mehrfach.Studienangebot.AbschlussSchluessel && req.StudienfachSchluessel == "" && req.FachkennzeichenSchluessel == "" {
				fn(b)
				return
			}
			for _, t := range b.Mehrfach.Teilfachbewerbung {
				if match(t.Studienangebot) {
					fn(b)
					return
				}
			}
		}
	}
	if req.BewerberID != "" {
		for _, i := range s.st.byBewerber[req.BewerberID] {
			if b := s.st.bewerbungen[i]; !b.deleted {
				check(b.b)
			}
		}
		return
	}
	for _, b := range s.st.bewerbungen {
		if !b.deleted {
			check(b.b)
		}
	}
}

func (s *Sim) abrufenBewerbungen(req *wire.SuchRequest) (any, *soapFault) {
	if f := s.checkSuche(req); f != nil {
		return nil, f
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &wire.BewerbungListe{}
	s.eachMatching(req, func(b sestmodel.Bewerbung) { out.Bewerbung = append(out.Bewerbung, b) })
	return out, nil
}

// sendBewerbungen implements uebermittelnNeue/GeaenderteBewerbungenAnSeSt.
func (s *Sim) sendBewerbungen(req *wire.BewerbungenRequest, neu bool, iface int) *wire.BewerbungErgebnisse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &wire.BewerbungErgebnisse{Ergebnis: make([]sestmodel.BewerbungErgebnis, 0, len(req.Bewerbung))}
	for _, b := range req.Bewerbung {
		res := sestmodel.BewerbungErgebnis{Schluessel: b.Schluessel()}
		version, status, why := s.applyBewerbung(b, neu, iface)
		res.ErgebnisStatus, res.GrundZurueckweisung, res.VersionSeSt = status, why, version
		out.Ergebnis = append(out.Ergebnis, res)
	}
	return out
}

func reject(code int, text string) (int, string, string) {
	return 0, sestmodel.ErgebnisZurueckgewiesen, reason(code, text)
}

// applyBewerbung validates and stores one sent Bewerbung, sent with
// interface version iface. Must hold s.mu.
func (s *Sim) applyBewerbung(b sestmodel.Bewerbung, neu bool, iface int) (version int, status, why string) {
	if (b.Einfach == nil) == (b.Mehrfach == nil) {
		return reject(CodeUngueltig, "Die Bewerbung muss genau eine Einfach- oder Mehrfachstudienangebotsbewerbung sein.")
	}
	bid := b.BewerberID()
	bi, ok := s.st.bewerberIdx[bid]
	if !ok {
		return reject(CodeBewerberUnbekannt, fmt.Sprintf("Der Bewerber mit der ID %s konnte nicht gefunden werden.", bid))
	}
	if s.st.bewerber[bi].b.Status == sestmodel.BewerberStatusZurLoeschung {
		return reject(sestmodel.CodeBewerberZurLoeschung, fmt.Sprintf("Das Benutzerkonto des Bewerbers %s ist zur Löschung vorgemerkt.", bid))
	}
	// Studienangebot.
	switch {
	case b.Einfach != nil:
		if why := s.checkEinfachKey(b.Einfach.Studienangebot); why != "" {
			return reject(CodeAngebotUnbekannt, why)
		}
	case b.Mehrfach != nil:
		m, ok := s.st.mehrfach[b.Mehrfach.Studienangebot.AbschlussSchluessel]
		if !ok || m.Status != "oeffentlich_sichtbar" {
			return reject(CodeAngebotUnbekannt, fmt.Sprintf("Das angegebene Mehrfachstudienangebot %s konnte nicht gefunden werden.", b.Mehrfach.Studienangebot.AbschlussSchluessel))
		}
		if len(b.Mehrfach.Teilfachbewerbung) < 2 {
			return reject(CodeUngueltig, "Eine Mehrfachstudienangebotsbewerbung braucht mindestens zwei Teilfachbewerbungen.")
		}
		for _, t := range b.Mehrfach.Teilfachbewerbung {
			allowed := false
			for _, k := range m.Teilstudienangebot {
				allowed = allowed || k.StudiengangSchluessel == t.Studienangebot.StudiengangSchluessel
			}
			if why := s.checkEinfachKey(t.Studienangebot); why != "" || !allowed {
				return reject(CodeAngebotUnbekannt, fmt.Sprintf("Das angegebene Teilfach %s konnte im Mehrfachstudienangebot %s nicht gefunden werden.", t.Studienangebot.StudiengangSchluessel, m.Schluessel.AbschlussSchluessel))
			}
		}
		if len(m.Kombination) > 0 && !kombinationAllowed(m.Kombination, b.Mehrfach.Teilfachbewerbung) {
			return reject(CodeUngueltig, fmt.Sprintf("Die gewählte Fächerkombination ist im Mehrfachstudienangebot %s nicht zugelassen.", m.Schluessel.AbschlussSchluessel))
		}
	}
	newStatus := b.Bearbeitungsstatus()
	rules := s.statusRules
	rule, known := rules[newStatus]
	if !known {
		return reject(CodeStatusUnbekannt, fmt.Sprintf("Unbekannter Bearbeitungsstatus %q.", newStatus))
	}
	// A status of a later interface version is unknown to the version
	// the call speaks. The documents do not say how the Servicestelle
	// answers it (fault or rejection); the sim rejects the item like any
	// other unknown status (CodeStatusUnbekannt, the sim's own code), so
	// the other items of the call are still processed.
	if why := statusNotInVersion(b, iface); why != "" {
		return reject(CodeStatusUnbekannt, why)
	}
	key := b.Key()
	idx, exists := s.st.bewerbungIdx[key]
	if exists && s.st.bewerbungen[idx].deleted {
		exists = false
	}
	now := sestmodel.NewTimestamp(s.clock.Now())
	if neu {
		if exists {
			return reject(CodeBewerbungExistiert, "Die Bewerbung existiert bereits.")
		}
		if !rule.UniIn {
			return reject(CodeStatusuebergang, fmt.Sprintf("Die Hochschule darf keine Bewerbung im Bearbeitungsstatus %s anlegen.", newStatus))
		}
		nb := b.Clone()
		stampBewerbung(nb, 1, now, true, s.st.bewerber[bi].ban)
		if i, ok := s.st.bewerbungIdx[key]; ok { // re-create a deleted one in place
			s.st.bewerbungen[i] = &bewerbungRec{b: nb}
		} else {
			s.st.addBewerbung(nb)
		}
		return 1, sestmodel.ErgebnisNeu, ""
	}
	if !exists {
		return reject(CodeBewerbungUnbekannt, "Die angegebene Bewerbung konnte nicht gefunden werden.")
	}
	cur := s.st.bewerbungen[idx].b
	if b.Version() != cur.Version() {
		return reject(sestmodel.CodeVersionConflict, textVersion)
	}
	old := cur.Bearbeitungsstatus()
	if old != newStatus && !(rules[old].UniOut && rule.UniIn) {
		return reject(CodeStatusuebergang, fmt.Sprintf("Der Bearbeitungsstatus kann durch die Hochschule nicht von %s nach %s geändert werden.", old, newStatus))
	}
	// The fields a university may change, by the rule both sides share.
	nb, err := cur.ApplyUniversity(b)
	if err != nil {
		return reject(CodeUngueltig, "Die Bewerbung ist nicht von der Art der bestehenden (Einfach- oder Mehrfachstudienangebotsbewerbung).")
	}
	version = cur.Version() + 1
	stampBewerbung(nb, version, now, false, "")
	s.st.bewerbungen[idx] = &bewerbungRec{b: nb}
	return version, sestmodel.ErgebnisAktualisiert, ""
}

// statusNotInVersion explains why the Bearbeitungsstatus of a Bewerbung
// or of one of its Teilfachbewerbungen does not exist in interface
// version iface, or returns "" when all do.
func statusNotInVersion(b sestmodel.Bewerbung, iface int) string {
	bad := func(st string) string {
		return fmt.Sprintf("Unbekannter Bearbeitungsstatus %q: den Status gibt es erst ab der Schnittstellenversion %d, die Anfrage verwendet Version %d.", st, sestmodel.StatusSince(st), iface)
	}
	if st := b.Bearbeitungsstatus(); !statusInVersion(st, iface) {
		return bad(st)
	}
	if b.Mehrfach != nil {
		for _, t := range b.Mehrfach.Teilfachbewerbung {
			if !statusInVersion(t.Bearbeitungsstatus, iface) {
				return bad(t.Bearbeitungsstatus)
			}
		}
	}
	return ""
}

func (s *Sim) checkEinfachKey(k sestmodel.EinfachstudienangebotsSchluessel) string {
	a, ok := s.st.einfach[k.StudiengangSchluessel]
	if !ok {
		return fmt.Sprintf("Das angegebene Studienangebot %s konnte nicht gefunden werden.", k.StudiengangSchluessel)
	}
	if a.Status != "oeffentlich_sichtbar" {
		return fmt.Sprintf("Das angegebene Studienangebot %s konnte nicht gefunden werden: es ist im Serviceverfahren nicht öffentlich sichtbar.", k.StudiengangSchluessel)
	}
	ak := a.Schluessel
	if ak.AbschlussSchluessel != k.AbschlussSchluessel || ak.StudienfachSchluessel != k.StudienfachSchluessel || ak.FachkennzeichenSchluessel != k.FachkennzeichenSchluessel {
		return fmt.Sprintf("Das angegebene Studienangebot %s konnte nicht gefunden werden: Abschluss, Studienfach oder Fachkennzeichen passen nicht.", k.StudiengangSchluessel)
	}
	return ""
}

// stampBewerbung sets version and letzteAenderung (and, for new ones,
// Eingang and BAN) on a Bewerbung the sim owns.
func stampBewerbung(b sestmodel.Bewerbung, version int, now sestmodel.Timestamp, neu bool, ban string) {
	switch {
	case b.Einfach != nil:
		e := b.Einfach
		e.VersionSeSt, e.LetzteAenderung = version, now
		if neu {
			e.OrtDesEingangs = "HS"
			if e.EingangsZeitpunkt.IsZero() {
				e.EingangsZeitpunkt = now
			}
			if e.Aktivitaetsstatus == "" {
				e.Aktivitaetsstatus = "aktiv"
			}
			e.BewerberBAN = ban
		}
	case b.Mehrfach != nil:
		m := b.Mehrfach
		m.VersionSeSt, m.LetzteAenderung = version, now
		for i := range m.Teilfachbewerbung {
			m.Teilfachbewerbung[i].VersionSeSt, m.Teilfachbewerbung[i].LetzteAenderung = version, now
			if neu && m.Teilfachbewerbung[i].EingangsZeitpunkt.IsZero() {
				m.Teilfachbewerbung[i].EingangsZeitpunkt = now
			}
		}
		if neu {
			m.OrtDesEingangs = "HS"
			if m.EingangsZeitpunkt.IsZero() {
				m.EingangsZeitpunkt = now
			}
			if m.Aktivitaetsstatus == "" {
				m.Aktivitaetsstatus = "aktiv"
			}
			m.BewerberBAN = ban
		}
	}
}
