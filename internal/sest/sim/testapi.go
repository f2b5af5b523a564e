package sim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// ErrNotFound is returned by the test API for unknown keys.
var ErrNotFound = errors.New("sim: not found")

// ---- snapshots (all values are deep copies with Timestamps in UTC) ----

// Bewerbungen returns all Bewerbungen (deleted ones excluded) in creation
// order, deep-copied, Timestamps in UTC.
func (s *Sim) Bewerbungen() []sestmodel.Bewerbung {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]sestmodel.Bewerbung, 0, len(s.st.bewerbungen))
	for _, b := range s.st.bewerbungen {
		if !b.deleted {
			out = append(out, toUTC(b.b.Clone()))
		}
	}
	return out
}

// Bewerbung returns the Bewerbung with the given key (sestmodel.Bewerbung.Key).
func (s *Sim) Bewerbung(key string) (sestmodel.Bewerbung, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.st.bewerbungIdx[key]
	if !ok || s.st.bewerbungen[i].deleted {
		return sestmodel.Bewerbung{}, fmt.Errorf("bewerbung %s: %w", key, ErrNotFound)
	}
	return toUTC(s.st.bewerbungen[i].b.Clone()), nil
}

// AllBewerber returns all applicants in creation order, Timestamps in UTC.
func (s *Sim) AllBewerber() []sestmodel.Bewerber {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]sestmodel.Bewerber, 0, len(s.st.bewerber))
	for _, b := range s.st.bewerber {
		out = append(out, toUTC(cloneBewerber(*b.b)))
	}
	return out
}

// Bewerber returns one applicant and the BAN that authorises it.
func (s *Sim) Bewerber(id string) (sestmodel.Bewerber, string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.st.bewerberIdx[id]
	if !ok {
		return sestmodel.Bewerber{}, "", fmt.Errorf("bewerber %s: %w", id, ErrNotFound)
	}
	return toUTC(cloneBewerber(*s.st.bewerber[i].b)), s.st.bewerber[i].ban, nil
}

// Studienangebote returns all Studienangebote, deep-copied, Timestamps in
// UTC.
func (s *Sim) Studienangebote() []sestmodel.Studienangebot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]sestmodel.Studienangebot, 0, len(s.st.angebote))
	for _, a := range s.st.angebote {
		var c sestmodel.Studienangebot
		if a.Einfach != nil {
			e := *a.Einfach
			if e.Koordinierungsangebotsdaten != nil {
				k := *e.Koordinierungsangebotsdaten
				e.Koordinierungsangebotsdaten = &k
			}
			c.Einfach = &e
		}
		if a.Mehrfach != nil {
			m := *a.Mehrfach
			if m.Koordinierungsangebotsdaten != nil {
				k := *m.Koordinierungsangebotsdaten
				m.Koordinierungsangebotsdaten = &k
			}
			c.Mehrfach = &m
		}
		out = append(out, c)
	}
	return toUTC(out)
}

// Studienpakete returns all Studienpakete.
func (s *Sim) Studienpakete() []sestmodel.Studienpaket {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]sestmodel.Studienpaket, 0, len(s.st.pakete))
	for _, p := range s.st.pakete {
		out = append(out, *p)
	}
	return out
}

// Ranglisten returns all Ranglisten (shared values: do not modify).
func (s *Sim) Ranglisten() []sestmodel.Rangliste {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]sestmodel.Rangliste, 0, len(s.st.ranglisten))
	for _, r := range s.st.ranglisten {
		out = append(out, *r.r)
	}
	return out
}

// Ranglistenstatus returns the status of all Ranglisten, Timestamps in UTC.
func (s *Sim) Ranglistenstatus() []sestmodel.Ranglistenstatus {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]sestmodel.Ranglistenstatus, 0, len(s.st.ranglisten))
	for _, r := range s.st.ranglisten {
		out = append(out, statusOf(r))
	}
	return toUTC(out)
}

// Dokument returns a document as abrufenDokumenteDurchHS would.
func (s *Sim) Dokument(id string) (sestmodel.Dokument, error) {
	l := s.abrufenDokumente(&wire.DokumenteRequest{DokumentID: []string{id}})
	if len(l.Dokument) == 0 {
		return sestmodel.Dokument{}, fmt.Errorf("dokument %s: %w", id, ErrNotFound)
	}
	return l.Dokument[0], nil
}

// DokumentIDs returns all document ids, sorted.
func (s *Sim) DokumentIDs() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return sortedKeys(s.st.dokumente)
}

func toUTC[T any](v T) T {
	sestmodel.ToLocation(&v, time.UTC)
	return v
}

func cloneBewerber(b sestmodel.Bewerber) sestmodel.Bewerber {
	if b.Staatsangehoerigkeit != nil {
		l := *b.Staatsangehoerigkeit
		b.Staatsangehoerigkeit = &l
	}
	return b
}

// ---- changes (each bumps version / letzteAenderung to the clock) ----

// ChangeBewerbung applies fn to a copy of the Bewerbung, then stores it
// with version+1 and letzteAenderung = clock now. It returns the new
// version. fn must not change the key.
func (s *Sim) ChangeBewerbung(key string, fn func(*sestmodel.Bewerbung)) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changeBewerbungLocked(key, fn)
}

func (s *Sim) changeBewerbungLocked(key string, fn func(*sestmodel.Bewerbung)) (int, error) {
	i, ok := s.st.bewerbungIdx[key]
	if !ok || s.st.bewerbungen[i].deleted {
		return 0, fmt.Errorf("bewerbung %s: %w", key, ErrNotFound)
	}
	cur := s.st.bewerbungen[i].b
	nb := cur.Clone()
	if fn != nil {
		fn(&nb)
	}
	if nb.Key() != key {
		return 0, fmt.Errorf("bewerbung %s: key must not change", key)
	}
	v := cur.Version() + 1
	stampBewerbung(nb, v, sestmodel.NewTimestamp(s.clock.Now()), false, "")
	s.st.bewerbungen[i] = &bewerbungRec{b: nb}
	return v, nil
}

// SetBearbeitungsstatus changes a Bewerbung's status as the Servicestelle
// would (no transition check) and returns the new version.
func (s *Sim) SetBearbeitungsstatus(key, status string) (int, error) {
	return s.ChangeBewerbung(key, func(b *sestmodel.Bewerbung) {
		switch {
		case b.Einfach != nil:
			b.Einfach.Bearbeitungsstatus = status
		case b.Mehrfach != nil:
			b.Mehrfach.Bearbeitungsstatus = status
			for i := range b.Mehrfach.Teilfachbewerbung {
				b.Mehrfach.Teilfachbewerbung[i].Bearbeitungsstatus = status
			}
		}
	})
}

// AddBewerbung adds a Bewerbung as if the applicant applied at the
// Servicestelle (version 1, letzteAenderung now). The applicant must
// exist. It returns the key.
func (s *Sim) AddBewerbung(b sestmodel.Bewerbung) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if (b.Einfach == nil) == (b.Mehrfach == nil) {
		return "", errors.New("add bewerbung: set exactly one of Einfach, Mehrfach")
	}
	bi, ok := s.st.bewerberIdx[b.BewerberID()]
	if !ok {
		return "", fmt.Errorf("add bewerbung: bewerber %s: %w", b.BewerberID(), ErrNotFound)
	}
	key := b.Key()
	if i, ok := s.st.bewerbungIdx[key]; ok && !s.st.bewerbungen[i].deleted {
		return "", fmt.Errorf("add bewerbung: %s exists", key)
	}
	nb := b.Clone()
	stampBewerbung(nb, 1, sestmodel.NewTimestamp(s.clock.Now()), true, s.st.bewerber[bi].ban)
	if nb.Einfach != nil {
		nb.Einfach.OrtDesEingangs = "SeSt"
	} else {
		nb.Mehrfach.OrtDesEingangs = "SeSt"
	}
	if i, ok := s.st.bewerbungIdx[key]; ok {
		s.st.bewerbungen[i] = &bewerbungRec{b: nb}
	} else {
		s.st.addBewerbung(nb)
	}
	return key, nil
}

// DeleteBewerbung removes a Bewerbung. The delta does not report
// deletions (neither does the Servicestelle); only a full download notices.
func (s *Sim) DeleteBewerbung(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.st.bewerbungIdx[key]
	if !ok || s.st.bewerbungen[i].deleted {
		return fmt.Errorf("bewerbung %s: %w", key, ErrNotFound)
	}
	s.st.bewerbungen[i] = &bewerbungRec{b: s.st.bewerbungen[i].b, deleted: true}
	return nil
}

// ChangeBewerber applies fn to a copy of the applicant and stores it with
// letzteAenderung = clock now. fn must not change the id.
func (s *Sim) ChangeBewerber(id string, fn func(*sestmodel.Bewerber)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changeBewerberLocked(id, fn)
}

func (s *Sim) changeBewerberLocked(id string, fn func(*sestmodel.Bewerber)) error {
	i, ok := s.st.bewerberIdx[id]
	if !ok {
		return fmt.Errorf("bewerber %s: %w", id, ErrNotFound)
	}
	nb := cloneBewerber(*s.st.bewerber[i].b)
	fn(&nb)
	if nb.ID != id {
		return fmt.Errorf("bewerber %s: id must not change", id)
	}
	nb.LetzteAenderung = sestmodel.NewTimestamp(s.clock.Now())
	s.st.bewerber[i] = &bewerberRec{b: &nb, ban: s.st.bewerber[i].ban}
	return nil
}

// AddBewerber adds an applicant with the given BAN.
func (s *Sim) AddBewerber(b sestmodel.Bewerber, ban string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.ID == "" {
		return errors.New("add bewerber: empty id")
	}
	if _, ok := s.st.bewerberIdx[b.ID]; ok {
		return fmt.Errorf("add bewerber: %s exists", b.ID)
	}
	nb := cloneBewerber(b)
	if nb.Status == "" {
		nb.Status = "aktiv"
	}
	nb.LetzteAenderung = sestmodel.NewTimestamp(s.clock.Now())
	s.st.bewerberIdx[b.ID] = len(s.st.bewerber)
	s.st.bewerber = append(s.st.bewerber, &bewerberRec{b: &nb, ban: ban})
	return nil
}

// MarkBewerberForDeletion sets the applicant's status to
// sestmodel.BewerberStatusZurLoeschung; Bewerbungen sent for it are then
// rejected with code 30235.
func (s *Sim) MarkBewerberForDeletion(id string) error {
	return s.ChangeBewerber(id, func(b *sestmodel.Bewerber) { b.Status = sestmodel.BewerberStatusZurLoeschung })
}

// SetRanglistenstatus changes a Rangliste's status (as the Servicestelle
// does when it checks and releases lists); it shows in the
// Ranglistenstatus delta.
func (s *Sim) SetRanglistenstatus(schluessel, status, anmerkung string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.st.ranglisteIdx[schluessel]
	if !ok {
		return fmt.Errorf("rangliste %s: %w", schluessel, ErrNotFound)
	}
	nr := *s.st.ranglisten[i].r
	nr.Status, nr.Statusanmerkung = status, anmerkung
	s.st.ranglisten[i] = &ranglisteRec{r: &nr, changed: s.clock.Now()}
	return nil
}

// InjectDokument attaches a document with the given (possibly hostile)
// file name to the applicant's first Bewerbung as a new Bestandteil
// (bumping its version) and returns its id. A nil content serves a
// generated PDF.
func (s *Sim) InjectDokument(bewerberID, dateiname string, content []byte) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	idxs := s.st.byBewerber[bewerberID]
	if len(idxs) == 0 {
		return "", fmt.Errorf("inject dokument: no bewerbung of %s: %w", bewerberID, ErrNotFound)
	}
	id := s.st.newDokumentID()
	s.st.dokumente[id] = dokumentRec{bewerberID: bewerberID, dateiname: dateiname, mime: "application/pdf", content: content}
	ref := &sestmodel.Dokumentreferenz{DokumentID: id, Dateiname: dateiname, MimeType: "application/pdf"}
	bt := sestmodel.Bewerbungsbestandteil{FeldangabeSchluessel: "SONSTIGES", NameDe: "Sonstiger Nachweis", Dokument: ref}
	_, err := s.changeBewerbungLocked(s.st.bewerbungen[idxs[0]].b.Key(), func(b *sestmodel.Bewerbung) {
		if b.Einfach != nil {
			b.Einfach.Bestandteil = append(b.Einfach.Bestandteil, bt)
		} else {
			b.Mehrfach.Bestandteil = append(b.Mehrfach.Bestandteil, bt)
		}
	})
	return id, err
}

// churnNext is the Servicestelle-side progress of a Bearbeitungsstatus.
var churnNext = map[string]string{
	"in_Vorbereitung":             "eingegangen",
	"eingegangen":                 "gueltig",
	"gueltig":                     "Zulassungsangebot_liegt_vor",
	"Zulassungsangebot_liegt_vor": "zugelassen",
}

// Churn applies n random changes (deterministic for a seed and call
// sequence): Bewerbung status progress or withdrawal, Stammdaten edits,
// Ranglistenstatus changes. It returns the number applied.
func (s *Sim) Churn(n int) int {
	s.fmu.Lock()
	draws := make([][3]int, n)
	for i := range draws {
		draws[i] = [3]int{s.rnd.IntN(100), s.rnd.IntN(1 << 30), s.rnd.IntN(1 << 30)}
	}
	s.fmu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	applied := 0
	for _, d := range draws {
		switch {
		case d[0] < 65 && len(s.st.bewerbungen) > 0:
			rec := s.st.bewerbungen[d[1]%len(s.st.bewerbungen)]
			if rec.deleted {
				continue
			}
			cur := rec.b.Bearbeitungsstatus()
			next, ok := churnNext[cur]
			if d[2]%10 == 0 && cur != "zurueckgezogen" {
				next, ok = "zurueckgezogen", true
			}
			_, err := s.changeBewerbungLocked(rec.b.Key(), func(b *sestmodel.Bewerbung) {
				setStatus := func(st *string, an *string, akt *string) {
					if ok {
						*st = next
					}
					*an = fmt.Sprintf("Geprüft am %s", s.clock.Now().Format("02.01.2006 15:04"))
					if next == "zurueckgezogen" {
						*akt = "inaktiv"
					}
				}
				if b.Einfach != nil {
					setStatus(&b.Einfach.Bearbeitungsstatus, &b.Einfach.Statusanmerkung, &b.Einfach.Aktivitaetsstatus)
				} else {
					setStatus(&b.Mehrfach.Bearbeitungsstatus, &b.Mehrfach.Statusanmerkung, &b.Mehrfach.Aktivitaetsstatus)
				}
			})
			if err == nil {
				applied++
			}
		case d[0] < 95 && len(s.st.bewerber) > 0:
			id := s.st.bewerber[d[1]%len(s.st.bewerber)].b.ID
			err := s.changeBewerberLocked(id, func(b *sestmodel.Bewerber) {
				switch d[2] % 3 {
				case 0:
					b.Telefonnummer = fmt.Sprintf("0%d %07d", 30+d[2]%900, d[2]%10000000)
				case 1:
					b.Mobilnummer = fmt.Sprintf("01%d %07d", 50+d[2]%30, d[2]%10000000)
				default:
					o := orte[d[2]%len(orte)]
					b.Postanschrift.Plz, b.Postanschrift.Ort = o.plz, o.ort
					b.Postanschrift.StrasseHausNrOderPostfach = fmt.Sprintf("%s %d", strassen[d[2]%len(strassen)], 1+d[2]%120)
				}
			})
			if err == nil {
				applied++
			}
		case len(s.st.ranglisten) > 0:
			rec := s.st.ranglisten[d[1]%len(s.st.ranglisten)]
			nr := *rec.r
			if nr.Status == "befuellt" {
				nr.Status = "freigegeben"
			} else {
				nr.Statusanmerkung = "Geprüft durch die Servicestelle"
			}
			s.st.ranglisten[d[1]%len(s.st.ranglisten)] = &ranglisteRec{r: &nr, changed: s.clock.Now()}
			applied++
		}
	}
	return applied
}

// ---- HTTP test API ----

// serveTestAPI serves the JSON test API under /sim/ (no authentication:
// bind the sim to loopback). See the package documentation for the routes.
func (s *Sim) serveTestAPI(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Key        string               `json:"key"`
		ID         string               `json:"id"`
		Status     string               `json:"status"`
		Anmerkung  string               `json:"anmerkung"`
		N          int                  `json:"n"`
		Set        string               `json:"set"`
		Advance    string               `json:"advance"`
		Running    *bool                `json:"running"`
		Dateiname  string               `json:"dateiname"`
		Content    string               `json:"content_base64"`
		Email      string               `json:"email"`
		Telefon    string               `json:"telefonnummer"`
		Nachname   string               `json:"nachname"`
		Fault      json.RawMessage      `json:"fault"`
		Bewerbung  *sestmodel.Bewerbung `json:"bewerbung"`
		BewerberIn *sestmodel.Bewerber  `json:"bewerber"`
		BAN        string               `json:"ban"`
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<20)).Decode(&in); err != nil {
			http.Error(w, "bad json: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	route := r.Method + " " + strings.TrimPrefix(r.URL.Path, "/sim")
	var (
		out any = map[string]string{"status": "ok"}
		err error
	)
	switch {
	case route == "GET /state":
		s.mu.RLock()
		out = map[string]any{"now": s.clock.Now().UTC(), "bewerber": len(s.st.bewerber), "bewerbungen": len(s.st.bewerbungen),
			"ranglisten": len(s.st.ranglisten), "dokumente": len(s.st.dokumente), "referenzen": len(s.st.refs)}
		s.mu.RUnlock()
	case route == "POST /clock":
		if in.Set != "" {
			t, perr := time.Parse(time.RFC3339Nano, in.Set)
			if perr != nil {
				err = perr
				break
			}
			s.clock.Set(t)
		}
		if in.Advance != "" {
			d, perr := time.ParseDuration(in.Advance)
			if perr != nil {
				err = perr
				break
			}
			s.clock.Advance(d)
		}
		if in.Running != nil {
			s.clock.SetRunning(*in.Running)
		}
		out = map[string]any{"now": s.clock.Now().UTC()}
	case strings.HasPrefix(route, "PUT /faults/"):
		var f Fault
		if f, err = decodeFault(in.Fault); err == nil {
			err = s.SetFault(strings.TrimPrefix(route, "PUT /faults/"), f)
		}
	case route == "DELETE /faults":
		s.ClearFaults()
	case route == "POST /churn":
		out = map[string]int{"applied": s.Churn(in.N)}
	case route == "POST /bewerbungen/status":
		var v int
		v, err = s.SetBearbeitungsstatus(in.Key, in.Status)
		out = map[string]int{"version": v}
	case route == "POST /bewerbungen/touch":
		var v int
		v, err = s.ChangeBewerbung(in.Key, nil)
		out = map[string]int{"version": v}
	case route == "POST /bewerbungen/add":
		if in.Bewerbung == nil {
			err = errors.New("bewerbung required")
			break
		}
		var k string
		k, err = s.AddBewerbung(*in.Bewerbung)
		out = map[string]string{"key": k}
	case route == "POST /bewerbungen/delete":
		err = s.DeleteBewerbung(in.Key)
	case route == "POST /bewerber/add":
		if in.BewerberIn == nil {
			err = errors.New("bewerber required")
			break
		}
		err = s.AddBewerber(*in.BewerberIn, in.BAN)
	case route == "POST /bewerber/change":
		err = s.ChangeBewerber(in.ID, func(b *sestmodel.Bewerber) {
			if in.Email != "" {
				b.EmailAdresse = in.Email
			}
			if in.Telefon != "" {
				b.Telefonnummer = in.Telefon
			}
			if in.Nachname != "" {
				b.Nachname = in.Nachname
			}
		})
	case route == "POST /bewerber/mark-deletion":
		err = s.MarkBewerberForDeletion(in.ID)
	case route == "POST /ranglisten/status":
		err = s.SetRanglistenstatus(in.Key, in.Status, in.Anmerkung)
	case route == "POST /dokumente":
		var content []byte
		if in.Content != "" {
			if content, err = base64.StdEncoding.DecodeString(in.Content); err != nil {
				break
			}
		}
		var id string
		id, err = s.InjectDokument(in.ID, in.Dateiname, content)
		out = map[string]string{"dokument_id": id}
	case route == "GET /received":
		type rc struct {
			Seq       int       `json:"seq"`
			Operation string    `json:"operation"`
			At        time.Time `json:"at"`
			Injected  string    `json:"injected,omitempty"`
			Body      string    `json:"body"`
		}
		calls := s.Received(r.URL.Query().Get("operation"))
		list := make([]rc, 0, len(calls))
		for _, c := range calls {
			list = append(list, rc{c.Seq, c.Operation, c.At, c.Injected, string(c.Body)})
		}
		out = list
	case route == "DELETE /received":
		s.ResetReceived()
	case route == "GET /snapshot/bewerbungen":
		out = s.Bewerbungen()
	case route == "GET /snapshot/bewerber":
		out = s.AllBewerber()
	case route == "GET /snapshot/studienangebote":
		out = s.Studienangebote()
	case route == "GET /snapshot/studienpakete":
		out = s.Studienpakete()
	case route == "GET /snapshot/ranglisten":
		out = s.Ranglisten()
	case route == "GET /snapshot/ranglistenstatus":
		out = s.Ranglistenstatus()
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, ErrNotFound) {
			code = http.StatusNotFound
		}
		writeJSON(w, code, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// writeJSON answers v as JSON with code. A value that does not encode is a
// bug of the simulator: the answer is a 500 that names the error, not a
// truncated 200. A failed write means the client has gone; no one is left
// to tell.
func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		body, _ = json.Marshal(map[string]string{"error": "encoding the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

// decodeFault reads a Fault from JSON with durations as Go duration
// strings ("250ms").
func decodeFault(raw json.RawMessage) (Fault, error) {
	var in struct {
		Fault
		Latency string `json:"latency"`
		HangFor string `json:"hang_for"`
	}
	if len(raw) == 0 {
		return Fault{}, nil
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return Fault{}, fmt.Errorf("fault: %w", err)
	}
	f := in.Fault
	var err error
	if in.Latency != "" {
		if f.Latency, err = time.ParseDuration(in.Latency); err != nil {
			return Fault{}, fmt.Errorf("fault latency: %w", err)
		}
	}
	if in.HangFor != "" {
		if f.HangFor, err = time.ParseDuration(in.HangFor); err != nil {
			return Fault{}, fmt.Errorf("fault hang_for: %w", err)
		}
	}
	return f, nil
}

// SentBewerbungen counts, per Bewerbung key, how often it was received in
// uebermittelnNeueBewerbungenAnSeSt and uebermittelnGeaenderteBewerbungenAnSeSt
// calls (only op when op is not ""), including calls answered with an
// injected fault. A count above 1 means a Bewerbung was sent twice.
func (s *Sim) SentBewerbungen(op string) map[string]int {
	out := map[string]int{}
	for _, c := range s.Received(op) {
		if c.Operation != sestmodel.OpUebermittelnNeueBewerbungen && c.Operation != sestmodel.OpUebermittelnGeaenderteBew {
			continue
		}
		if req, ok := c.Request.(*wire.BewerbungenRequest); ok {
			for _, b := range req.Bewerbung {
				out[b.Key()]++
			}
		}
	}
	return out
}
