package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"sestd/internal/sest"
)

// Rejection texts. The codes 30233 and 30235 are the Servicestelle's;
// the others are the simulator's own (the official list is not public).
const (
	textVersion   = "Die angegebene Version der Bewerbung stimmt nicht mit der im System der Servicestelle gespeicherten Version überein."
	codeSuffixFmt = " [Fehlercode: %d]"
)

// Simulator-only rejection codes.
const (
	CodeAngebotUnbekannt      = 30210
	CodeBewerberUnbekannt     = 30211
	CodeBewerbungExistiert    = 30212
	CodeBewerbungUnbekannt    = 30213
	CodeStatusuebergang       = 30240
	CodeStatusUnbekannt       = 30241
	CodeUngueltig             = 30250
	CodePaketUnbekannt        = 40201
	CodeKlauseln              = 40202
	CodeRangDoppelt           = 40203
	CodeRanglisteBewerber     = 40204
	CodeKopfdatenFehlen       = 40205
	CodeRanglisteUngueltig    = 40206
	CodeRanglisteNichtFreigeg = 40207
)

func reason(code int, text string) string { return text + fmt.Sprintf(codeSuffixFmt, code) }

// The Servicestelle's status rules are Sestco's (sest_in, sest_out,
// uni_in, uni_out) table, and a status exists from the interface version
// that brought it (SERVICESTELLE.md: version 4, with the 2020 process,
// brought eingeschrieben, nicht_eingeschrieben and Frist_ueberschritten):
// the same facts sestd's defaults follow, in package sest.

// statusInVersion reports whether a known Bearbeitungsstatus exists in
// interface version iface.
func statusInVersion(status string, iface int) bool {
	return iface >= sest.StatusSince(status)
}

// dispatch answers a decoded request. iface is the call's interface
// version (the endpoint's, which checkKontext has matched with the
// context block's).
func (s *Sim) dispatch(op sest.Operation, req any, iface int) (any, *soapFault) {
	switch op.Name {
	case sest.OpAbrufenStudienangebote:
		return s.abrufenStudienangebote(req.(*sest.StudienangebotFilter)), nil
	case sest.OpAnlegenAendernStudienangebote:
		return s.anlegenAendernStudienangebote(req.(*sest.StudienangeboteRequest)), nil
	case sest.OpAbrufenStammdaten:
		return s.abrufenStammdaten(req.(*sest.StammdatenRequest))
	case sest.OpAnfragenStammdatenaenderungen:
		return s.anfragen(refBewerber, req.(*sest.AnfrageRequest)), nil
	case sest.OpUebermittelnStammdatenaenderung:
		return s.uebermittelnBewerber(req.(*sest.ReferenzRequest))
	case sest.OpAbrufenStammdatenOhneAuth:
		return s.abrufenStammdatenOhneAuth(req.(*sest.SuchRequest))
	case sest.OpUebermittelnNeueBewerbungen:
		return s.sendBewerbungen(req.(*sest.BewerbungenRequest), true, iface), nil
	case sest.OpUebermittelnGeaenderteBew:
		return s.sendBewerbungen(req.(*sest.BewerbungenRequest), false, iface), nil
	case sest.OpAnfragenBewerbungen:
		return s.anfragen(refBewerbung, req.(*sest.AnfrageRequest)), nil
	case sest.OpUebermittelnBewerbungen:
		return s.uebermittelnBewerbungen(req.(*sest.ReferenzRequest))
	case sest.OpAbrufenBewerbungen:
		return s.abrufenBewerbungen(req.(*sest.SuchRequest))
	case sest.OpAnlegenAendernStudienpakete:
		return s.anlegenAendernStudienpakete(req.(*sest.StudienpaketeRequest)), nil
	case sest.OpUebermittelnRanglisten:
		return s.uebermittelnRanglisten(req.(*sest.RanglistenRequest)), nil
	case sest.OpAnfragenRanglistenstatus:
		return s.anfragen(refRangliste, req.(*sest.AnfrageRequest)), nil
	case sest.OpUebermittelnRanglistenstatus:
		return s.uebermittelnRanglistenstatus(req.(*sest.ReferenzRequest))
	case sest.OpAbrufenRanglistenstatus:
		return s.abrufenRanglistenstatus(req.(*sest.RanglistenstatusRequest)), nil
	case sest.OpAusloesenZulassungsangebote:
		return s.ausloesen(req.(*sest.ZulassungsangeboteRequest)), nil
	case sest.OpAbrufenStudienpakete:
		return s.abrufenStudienpakete(), nil
	case sest.OpAbrufenDokumente:
		return s.abrufenDokumente(req.(*sest.DokumenteRequest)), nil
	}
	return nil, &soapFault{"soap:Client", sest.FaultValidierung, 0, "Operation nicht unterstützt: " + op.Name}
}

// ---- Studienangebote ----

func (s *Sim) abrufenStudienangebote(req *sest.StudienangebotFilter) *sest.StudienangebotListe {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &sest.StudienangebotListe{}
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

func (s *Sim) anlegenAendernStudienangebote(req *sest.StudienangeboteRequest) *sest.StudienangebotErgebnisse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &sest.StudienangebotErgebnisse{}
	for _, a := range req.Studienangebot {
		res := sest.StudienangebotErgebnis{}
		switch {
		case a.Einfach != nil:
			e := *a.Einfach
			res.Schluessel = sest.StudienangebotsSchluessel{Einfach: &e.Schluessel}
			k := e.Schluessel
			atomic := einfachKey(k.AbschlussSchluessel, k.StudienfachSchluessel, k.FachkennzeichenSchluessel).StudiengangSchluessel
			switch {
			case k.AbschlussSchluessel == "" || k.StudienfachSchluessel == "":
				res.ErgebnisStatus, res.GrundZurueckweisung = sest.ErgebnisZurueckgewiesen, reason(CodeUngueltig, "Abschluss und Studienfach müssen angegeben sein. Typ: EinfachStudienangebot, Feld: schluessel | ")
			case k.StudiengangSchluessel != atomic:
				res.ErgebnisStatus, res.GrundZurueckweisung = sest.ErgebnisZurueckgewiesen, reason(CodeUngueltig, fmt.Sprintf("Der Studiengangschlüssel %s passt nicht zu %s. Typ: EinfachStudienangebot, Feld: studiengangSchluessel | ", k.StudiengangSchluessel, atomic))
			default:
				if old, ok := s.st.einfach[atomic]; ok {
					for i := range s.st.angebote {
						if s.st.angebote[i].Einfach == old {
							s.st.angebote[i].Einfach = &e
						}
					}
					s.st.einfach[atomic] = &e
					res.ErgebnisStatus = sest.ErgebnisAktualisiert
				} else {
					s.st.addEinfach(&e)
					res.ErgebnisStatus = sest.ErgebnisNeu
				}
			}
		case a.Mehrfach != nil:
			m := *a.Mehrfach
			res.Schluessel = sest.StudienangebotsSchluessel{Mehrfach: &m.Schluessel}
			abs := m.Schluessel.AbschlussSchluessel
			if !s.st.mehrfachAbs[abs] {
				res.ErgebnisStatus, res.GrundZurueckweisung = sest.ErgebnisZurueckgewiesen, reason(CodeUngueltig, "Ein Mehrfachstudienangebot muss einen Mehrfachabschluss haben. Typ: MehrfachStudienangebot, Feld: abschluss | ")
				break
			}
			if old, ok := s.st.mehrfach[abs]; ok {
				for i := range s.st.angebote {
					if s.st.angebote[i].Mehrfach == old {
						s.st.angebote[i].Mehrfach = &m
					}
				}
				res.ErgebnisStatus = sest.ErgebnisAktualisiert
			} else {
				s.st.angebote = append(s.st.angebote, sest.Studienangebot{Mehrfach: &m})
				res.ErgebnisStatus = sest.ErgebnisNeu
			}
			s.st.mehrfach[abs] = &m
		default:
			res.ErgebnisStatus, res.GrundZurueckweisung = sest.ErgebnisZurueckgewiesen, reason(CodeUngueltig, "Leeres Studienangebot.")
		}
		out.Ergebnis = append(out.Ergebnis, res)
	}
	return out
}

// ---- Bewerber ----

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
	return &sest.BewerberListe{Bewerber: []sest.Bewerber{*br.b}}, nil
}

func (s *Sim) abrufenStammdatenOhneAuth(req *sest.SuchRequest) (any, *soapFault) {
	if f := s.checkSuche(req); f != nil {
		return nil, f
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &sest.BewerberListe{}
	seen := map[string]bool{}
	s.eachMatching(req, func(b sest.Bewerbung) {
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
	out := &sest.BewerberListe{Bewerber: make([]sest.Bewerber, 0, len(idx))}
	for _, i := range idx {
		out.Bewerber = append(out.Bewerber, *s.st.bewerber[i].b)
	}
	return out, nil
}

// ---- delta ----

// anfragen answers step one of a delta: references for every item changed
// at or after start, and ende = the clock now. Every later change is
// stamped at or after ende.
func (s *Sim) anfragen(kind refKind, req *sest.AnfrageRequest) *sest.ReferenzListe {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	start := req.Start.Time
	expires := now.Add(s.cfg.ReferenceTTL)
	s.purgeRefs(now)
	out := &sest.ReferenzListe{Ende: sest.NewTimestamp(now)}
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
			return nil, &soapFault{"soap:Client", sest.FaultUngueltigeReferenz, 0,
				fmt.Sprintf("Die Referenz %s ist ungültig oder abgelaufen. [Sitzungskennung: %s]", ref, s.sitzungskennung())}
		}
		out = append(out, r.idx)
	}
	return out, nil
}

// ---- Bewerbungen ----

func (s *Sim) uebermittelnBewerbungen(req *sest.ReferenzRequest) (any, *soapFault) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, f := s.resolveRefs(refBewerbung, req.Referenz)
	if f != nil {
		return nil, f
	}
	out := &sest.BewerbungListe{Bewerbung: make([]sest.Bewerbung, 0, len(idx))}
	for _, i := range idx {
		if b := s.st.bewerbungen[i]; !b.deleted {
			out.Bewerbung = append(out.Bewerbung, b.b)
		}
	}
	return out, nil
}

func (s *Sim) checkSuche(req *sest.SuchRequest) *soapFault {
	if req.BewerberID == "" && req.AbschlussSchluessel == "" && req.StudienfachSchluessel == "" && req.FachkennzeichenSchluessel == "" {
		return &soapFault{"soap:Client", sest.FaultValidierung, 0,
			"Es muss mindestens eines der Felder bewerberId, abschlussSchluessel, studienfachSchluessel, fachkennzeichenSchluessel angegeben werden. [Sitzungskennung: " + s.sitzungskennung() + "]"}
	}
	return nil
}

// eachMatching calls fn for every Bewerbung matching a search. Must hold
// s.mu.
func (s *Sim) eachMatching(req *sest.SuchRequest, fn func(sest.Bewerbung)) {
	match := func(k sest.EinfachstudienangebotsSchluessel) bool {
		return (req.AbschlussSchluessel == "" || req.AbschlussSchluessel == k.AbschlussSchluessel) &&
			(req.StudienfachSchluessel == "" || req.StudienfachSchluessel == k.StudienfachSchluessel) &&
			(req.FachkennzeichenSchluessel == "" || req.FachkennzeichenSchluessel == k.FachkennzeichenSchluessel)
	}
	check := func(b sest.Bewerbung) {
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

func (s *Sim) abrufenBewerbungen(req *sest.SuchRequest) (any, *soapFault) {
	if f := s.checkSuche(req); f != nil {
		return nil, f
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &sest.BewerbungListe{}
	s.eachMatching(req, func(b sest.Bewerbung) { out.Bewerbung = append(out.Bewerbung, b) })
	return out, nil
}

// sendBewerbungen implements uebermittelnNeue/GeaenderteBewerbungenAnSeSt.
func (s *Sim) sendBewerbungen(req *sest.BewerbungenRequest, neu bool, iface int) *sest.BewerbungErgebnisse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &sest.BewerbungErgebnisse{Ergebnis: make([]sest.BewerbungErgebnis, 0, len(req.Bewerbung))}
	for _, b := range req.Bewerbung {
		res := sest.BewerbungErgebnis{Schluessel: b.Schluessel()}
		version, status, why := s.applyBewerbung(b, neu, iface)
		res.ErgebnisStatus, res.GrundZurueckweisung, res.VersionSeSt = status, why, version
		out.Ergebnis = append(out.Ergebnis, res)
	}
	return out
}

func reject(code int, text string) (int, string, string) {
	return 0, sest.ErgebnisZurueckgewiesen, reason(code, text)
}

// applyBewerbung validates and stores one sent Bewerbung, sent with
// interface version iface. Must hold s.mu.
func (s *Sim) applyBewerbung(b sest.Bewerbung, neu bool, iface int) (version int, status, why string) {
	if (b.Einfach == nil) == (b.Mehrfach == nil) {
		return reject(CodeUngueltig, "Die Bewerbung muss genau eine Einfach- oder Mehrfachstudienangebotsbewerbung sein.")
	}
	bid := b.BewerberID()
	bi, ok := s.st.bewerberIdx[bid]
	if !ok {
		return reject(CodeBewerberUnbekannt, fmt.Sprintf("Der Bewerber mit der ID %s konnte nicht gefunden werden.", bid))
	}
	if s.st.bewerber[bi].b.Status == sest.BewerberStatusZurLoeschung {
		return reject(sest.CodeBewerberZurLoeschung, fmt.Sprintf("Das Benutzerkonto des Bewerbers %s ist zur Löschung vorgemerkt.", bid))
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
	now := sest.NewTimestamp(s.clock.Now())
	if neu {
		if exists {
			return reject(CodeBewerbungExistiert, "Die Bewerbung existiert bereits.")
		}
		if !rule.UniIn {
			return reject(CodeStatusuebergang, fmt.Sprintf("Die Hochschule darf keine Bewerbung im Bearbeitungsstatus %s anlegen.", newStatus))
		}
		nb := cloneBewerbung(b)
		stampBewerbung(nb, 1, now, true, s.st.bewerber[bi].ban)
		if i, ok := s.st.bewerbungIdx[key]; ok { // re-create a deleted one in place
			s.st.bewerbungen[i] = &bewerbungRec{b: nb}
		} else {
			s.st.addBewerbung(nb)
		}
		return 1, sest.ErgebnisNeu, ""
	}
	if !exists {
		return reject(CodeBewerbungUnbekannt, "Die angegebene Bewerbung konnte nicht gefunden werden.")
	}
	cur := s.st.bewerbungen[idx].b
	if b.Version() != cur.Version() {
		return reject(sest.CodeVersionConflict, textVersion)
	}
	old := cur.Bearbeitungsstatus()
	if old != newStatus && !(rules[old].UniOut && rule.UniIn) {
		return reject(CodeStatusuebergang, fmt.Sprintf("Der Bearbeitungsstatus kann durch die Hochschule nicht von %s nach %s geändert werden.", old, newStatus))
	}
	nb := mergeBewerbung(cur, b)
	version = cur.Version() + 1
	stampBewerbung(nb, version, now, false, "")
	s.st.bewerbungen[idx] = &bewerbungRec{b: nb}
	return version, sest.ErgebnisAktualisiert, ""
}

// statusNotInVersion explains why the Bearbeitungsstatus of a Bewerbung
// or of one of its Teilfachbewerbungen does not exist in interface
// version iface, or returns "" when all do.
func statusNotInVersion(b sest.Bewerbung, iface int) string {
	bad := func(st string) string {
		return fmt.Sprintf("Unbekannter Bearbeitungsstatus %q: den Status gibt es erst ab der Schnittstellenversion %d, die Anfrage verwendet Version %d.", st, sest.StatusSince(st), iface)
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

func (s *Sim) checkEinfachKey(k sest.EinfachstudienangebotsSchluessel) string {
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

// mergeBewerbung applies the fields a university may change to a copy of
// cur.
func mergeBewerbung(cur, in sest.Bewerbung) sest.Bewerbung {
	nb := cloneBewerbung(cur)
	switch {
	case nb.Einfach != nil && in.Einfach != nil:
		e, i := nb.Einfach, in.Einfach
		e.Bearbeitungsstatus = i.Bearbeitungsstatus
		if i.Aktivitaetsstatus != "" {
			e.Aktivitaetsstatus = i.Aktivitaetsstatus
		}
		e.Statusanmerkung, e.Sonderantragsentscheidung = i.Statusanmerkung, i.Sonderantragsentscheidung
		if i.Papierantragstatus != "" {
			e.Papierantragstatus = i.Papierantragstatus
		}
	case nb.Mehrfach != nil && in.Mehrfach != nil:
		m, i := nb.Mehrfach, in.Mehrfach
		m.Bearbeitungsstatus = i.Bearbeitungsstatus
		if i.Aktivitaetsstatus != "" {
			m.Aktivitaetsstatus = i.Aktivitaetsstatus
		}
		m.Statusanmerkung, m.Sonderantragsentscheidung = i.Statusanmerkung, i.Sonderantragsentscheidung
		for ti := range m.Teilfachbewerbung {
			for _, it := range i.Teilfachbewerbung {
				if it.Studienangebot.StudiengangSchluessel == m.Teilfachbewerbung[ti].Studienangebot.StudiengangSchluessel {
					m.Teilfachbewerbung[ti].Bearbeitungsstatus = it.Bearbeitungsstatus
					m.Teilfachbewerbung[ti].Statusanmerkung = it.Statusanmerkung
				}
			}
		}
	}
	return nb
}

// stampBewerbung sets version and letzteAenderung (and, for new ones,
// Eingang and BAN) on a Bewerbung the sim owns.
func stampBewerbung(b sest.Bewerbung, version int, now sest.Timestamp, neu bool, ban string) {
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

// cloneBewerbung deep-copies b (so that the copy may be changed).
func cloneBewerbung(b sest.Bewerbung) sest.Bewerbung {
	var out sest.Bewerbung
	if b.Einfach != nil {
		e := *b.Einfach
		e.Bestandteil = cloneBestandteile(e.Bestandteil)
		e.Bescheid = cloneBescheide(e.Bescheid)
		out.Einfach = &e
	}
	if b.Mehrfach != nil {
		m := *b.Mehrfach
		m.Teilfachbewerbung = append([]sest.Teilfachbewerbung(nil), m.Teilfachbewerbung...)
		for i := range m.Teilfachbewerbung {
			t := &m.Teilfachbewerbung[i]
			if t.HauptfachSchluessel != nil {
				k := *t.HauptfachSchluessel
				t.HauptfachSchluessel = &k
			}
			if t.ErsatzfachSchluessel != nil {
				k := *t.ErsatzfachSchluessel
				t.ErsatzfachSchluessel = &k
			}
		}
		m.Bestandteil = cloneBestandteile(m.Bestandteil)
		m.Bescheid = cloneBescheide(m.Bescheid)
		out.Mehrfach = &m
	}
	return out
}

func cloneBestandteile(in []sest.Bewerbungsbestandteil) []sest.Bewerbungsbestandteil {
	if in == nil {
		return nil
	}
	out := append([]sest.Bewerbungsbestandteil(nil), in...)
	for i := range out {
		if out[i].Dokument != nil {
			d := *out[i].Dokument
			out[i].Dokument = &d
		}
	}
	return out
}

func cloneBescheide(in []sest.Bescheid) []sest.Bescheid {
	if in == nil {
		return nil
	}
	out := append([]sest.Bescheid(nil), in...)
	for i := range out {
		if out[i].Dokument != nil {
			d := *out[i].Dokument
			out[i].Dokument = &d
		}
	}
	return out
}

// ---- Bewerberauswahl ----

func (s *Sim) abrufenStudienpakete() *sest.StudienpaketListe {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &sest.StudienpaketListe{}
	for _, p := range s.st.pakete {
		out.Studienpaket = append(out.Studienpaket, *p)
	}
	return out
}

func (s *Sim) anlegenAendernStudienpakete(req *sest.StudienpaketeRequest) *sest.StudienpaketErgebnisse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &sest.StudienpaketErgebnisse{}
	for _, p := range req.Studienpaket {
		res := sest.StudienpaketErgebnis{StudienpaketSchluessel: p.Schluessel}
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
			res.ErgebnisStatus, res.GrundZurueckweisung = sest.ErgebnisZurueckgewiesen, why
		default:
			np := p
			np.Paketbestandteil = append([]sest.Paketbestandteil(nil), p.Paketbestandteil...)
			if i, ok := s.st.paketIdx[p.Schluessel]; ok {
				s.st.pakete[i] = &np
				res.ErgebnisStatus = sest.ErgebnisAktualisiert
			} else {
				s.st.paketIdx[p.Schluessel] = len(s.st.pakete)
				s.st.pakete = append(s.st.pakete, &np)
				res.ErgebnisStatus = sest.ErgebnisNeu
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
func (s *Sim) validateRangliste(r sest.Rangliste, sentTypen map[string]bool) (int, string) {
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

func (s *Sim) uebermittelnRanglisten(req *sest.RanglistenRequest) *sest.RanglisteErgebnisse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &sest.RanglisteErgebnisse{}
	now := s.clock.Now()
	sentTypen := map[string]bool{}
	for _, r := range req.Rangliste {
		if r.Kopfdaten != nil {
			sentTypen[ranglistentyp(r.Schluessel)] = true
		}
	}
	for _, r := range req.Rangliste {
		res := sest.RanglisteErgebnis{RanglistenSchluessel: r.Schluessel}
		if code, why := s.validateRangliste(r, sentTypen); code != 0 {
			res.ErgebnisStatus, res.GrundZurueckweisung = sest.ErgebnisZurueckgewiesen, reason(code, why)
			out.Ergebnis = append(out.Ergebnis, res)
			continue
		}
		nr := r
		nr.Eintrag = append([]sest.Ranglisteneintrag(nil), r.Eintrag...)
		if i, ok := s.st.ranglisteIdx[r.Schluessel]; ok {
			// A list too long for one message comes in packages: while the
			// stored list is eingerichtet, a package whose ranks all follow
			// the stored ones continues it; any other replaces it.
			old := s.st.ranglisten[i].r
			if old.Status == "eingerichtet" && len(nr.Eintrag) > 0 && minRang(nr.Eintrag) > maxRang(old.Eintrag) {
				if dup := duplicateBewerber(old.Eintrag, nr.Eintrag); dup != "" {
					res.ErgebnisStatus, res.GrundZurueckweisung = sest.ErgebnisZurueckgewiesen,
						reason(CodeRangDoppelt, fmt.Sprintf("Der Bewerber %s ist mehrfach in der Rangliste enthalten.", dup))
					out.Ergebnis = append(out.Ergebnis, res)
					continue
				}
				nr.Eintrag = append(append([]sest.Ranglisteneintrag(nil), old.Eintrag...), nr.Eintrag...)
			}
			if nr.Kopfdaten == nil {
				nr.Kopfdaten = s.st.ranglisten[i].r.Kopfdaten
				if nr.NameDe == "" {
					nr.NameDe = s.st.ranglisten[i].r.NameDe
				}
			}
			s.st.ranglisten[i] = &ranglisteRec{r: &nr, changed: now}
			res.ErgebnisStatus = sest.ErgebnisAktualisiert
		} else {
			s.st.addRangliste(&nr, now)
			res.ErgebnisStatus = sest.ErgebnisNeu
		}
		out.Ergebnis = append(out.Ergebnis, res)
	}
	return out
}

func statusOf(r *ranglisteRec) sest.Ranglistenstatus {
	return sest.Ranglistenstatus{RanglistenSchluessel: r.r.Schluessel, StudienpaketSchluessel: r.r.StudienpaketSchluessel,
		Status: r.r.Status, Statusanmerkung: r.r.Statusanmerkung, AnzahlEintraege: len(r.r.Eintrag), LetzteAenderung: sest.NewTimestamp(r.changed)}
}

func minRang(es []sest.Ranglisteneintrag) int {
	m := es[0].Rang
	for _, e := range es {
		m = min(m, e.Rang)
	}
	return m
}

func maxRang(es []sest.Ranglisteneintrag) int {
	m := 0
	for _, e := range es {
		m = max(m, e.Rang)
	}
	return m
}

// duplicateBewerber returns an applicant in both lists, or "".
func duplicateBewerber(a, b []sest.Ranglisteneintrag) string {
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

func (s *Sim) uebermittelnRanglistenstatus(req *sest.ReferenzRequest) (any, *soapFault) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, f := s.resolveRefs(refRangliste, req.Referenz)
	if f != nil {
		return nil, f
	}
	out := &sest.RanglistenstatusListe{}
	for _, i := range idx {
		out.Ranglistenstatus = append(out.Ranglistenstatus, statusOf(s.st.ranglisten[i]))
	}
	return out, nil
}

func (s *Sim) abrufenRanglistenstatus(req *sest.RanglistenstatusRequest) *sest.RanglistenstatusListe {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &sest.RanglistenstatusListe{}
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
func (s *Sim) ausloesen(req *sest.ZulassungsangeboteRequest) *sest.StudienpaketErgebnisse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &sest.StudienpaketErgebnisse{}
	for _, k := range req.StudienpaketSchluessel {
		res := sest.StudienpaketErgebnis{StudienpaketSchluessel: k}
		pi, ok := s.st.paketIdx[k]
		if !ok {
			res.ErgebnisStatus, res.GrundZurueckweisung = sest.ErgebnisZurueckgewiesen, reason(CodePaketUnbekannt, fmt.Sprintf("Das Studienpaket %s konnte nicht gefunden werden.", k))
			out.Ergebnis = append(out.Ergebnis, res)
			continue
		}
		var lists []*sest.Rangliste
		for _, r := range s.st.ranglisten {
			if r.r.StudienpaketSchluessel == k && r.r.Status == "freigegeben" {
				lists = append(lists, r.r)
			}
		}
		if len(lists) == 0 {
			res.ErgebnisStatus, res.GrundZurueckweisung = sest.ErgebnisZurueckgewiesen, reason(CodeRanglisteNichtFreigeg, fmt.Sprintf("Für das Studienpaket %s ist keine Rangliste freigegeben.", k))
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
			eintraege := append([]sest.Ranglisteneintrag(nil), rl.Eintrag...)
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
					if _, err := s.changeBewerbungLocked(b.b.Key(), func(nb *sest.Bewerbung) {
						nb.Einfach.Bearbeitungsstatus = "Zulassungsangebot_liegt_vor"
					}); err == nil {
						offers++
					}
				}
			}
		}
		res.ErgebnisStatus = sest.ErgebnisAktualisiert
		out.Ergebnis = append(out.Ergebnis, res)
	}
	return out
}

// ---- Dokumente ----

func (s *Sim) abrufenDokumente(req *sest.DokumenteRequest) *sest.DokumentListe {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &sest.DokumentListe{}
	for _, id := range req.DokumentID {
		d, ok := s.st.dokumente[id]
		if !ok {
			continue
		}
		content := d.content
		if content == nil {
			content = pdfFor(id, d.dateiname)
		}
		ext := ""
		if i := strings.LastIndexByte(d.dateiname, '.'); i >= 0 {
			ext = d.dateiname[i+1:]
		}
		out.Dokument = append(out.Dokument, sest.Dokument{DokumentID: id, BewerberID: d.bewerberID, Dateiname: d.dateiname,
			Dateiendung: ext, MimeType: d.mime, Inhalt: content})
	}
	return out
}

// sortedKeys returns a map's keys sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// kombinationAllowed reports whether the Teilfächer applied for are one of
// the combinations of an ExpliziteStudiengangskombination (in any order).
func kombinationAllowed(kombis []sest.Studiengangskombination, teile []sest.Teilfachbewerbung) bool {
	want := map[string]bool{}
	for _, t := range teile {
		want[t.Studienangebot.StudiengangSchluessel] = true
	}
	for _, k := range kombis {
		if len(k.Teilstudienangebot) != len(want) {
			continue
		}
		match := true
		for _, t := range k.Teilstudienangebot {
			match = match && want[t.StudiengangSchluessel]
		}
		if match {
			return true
		}
	}
	return false
}
