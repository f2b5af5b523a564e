package sestmodel

import (
	"errors"
	"reflect"
)

// ErrOtherKind is returned by ApplyUniversity when the change is not of
// the Bewerbung's kind (Einfach or Mehrfach).
var ErrOtherKind = errors.New("the change is not of the Bewerbung's kind (Einfach- or Mehrfachstudienangebotsbewerbung)")

// ApplyUniversity returns a copy of b, the Bewerbung as the Servicestelle
// holds it, with the university's change u applied; b is not changed and
// its version stays. ErrOtherKind when u is not of b's kind.
//
// The rule: a university changes a Bewerbung by sending it again, on the
// version it last saw (uebermittelnGeaenderteBewerbungenAnSeSt). Of what
// it sends, these fields change the Bewerbung; everything else (the
// applicant, the Studienangebot, the Eingang, Bestandteile and
// Bescheide, which Teilfächer there are) stays as the Servicestelle holds
// it:
//
//   - Bearbeitungsstatus, always: a required element. (Whether the
//     university may make the transition is the status table's question,
//     asked before.)
//   - Aktivitaetsstatus, Papierantragstatus, Statusanmerkung and
//     Sonderantragsentscheidung, when given. They are optional elements;
//     an empty one does not travel (the codec omits it), so the
//     Servicestelle cannot tell it from one not given: a field the
//     university leaves empty keeps its current value. Sestco's client
//     likewise sends aktivitaetsstatus and papierantragstatus only when
//     given. The university can thus replace a Statusanmerkung or a
//     Sonderantragsentscheidung but not clear it.
//   - Of a Mehrfachstudienangebotsbewerbung, each Teilfachbewerbung the
//     university gives, matched by studiengangSchluessel: its
//     Bearbeitungsstatus always, its Aktivitaetsstatus, Statusanmerkung
//     and Sonderantragsentscheidung when given (a Teilfach has no
//     Papierantragstatus). A Teilfach the university does not give stays
//     as it is; one the Bewerbung does not have is not added.
//
// sestd applies the rule when it re-applies a change after a version
// conflict and when it checks whether a send whose answer was lost
// arrived; the simulator applies it when it takes a change.
func (b Bewerbung) ApplyUniversity(u Bewerbung) (Bewerbung, error) {
	out := b.Clone()
	switch {
	case out.Einfach != nil && u.Einfach != nil:
		e, x := out.Einfach, u.Einfach
		e.Bearbeitungsstatus = x.Bearbeitungsstatus
		setGiven(&e.Aktivitaetsstatus, x.Aktivitaetsstatus)
		setGiven(&e.Papierantragstatus, x.Papierantragstatus)
		setGiven(&e.Statusanmerkung, x.Statusanmerkung)
		setGiven(&e.Sonderantragsentscheidung, x.Sonderantragsentscheidung)
	case out.Mehrfach != nil && u.Mehrfach != nil:
		m, x := out.Mehrfach, u.Mehrfach
		m.Bearbeitungsstatus = x.Bearbeitungsstatus
		setGiven(&m.Aktivitaetsstatus, x.Aktivitaetsstatus)
		setGiven(&m.Papierantragstatus, x.Papierantragstatus)
		setGiven(&m.Statusanmerkung, x.Statusanmerkung)
		setGiven(&m.Sonderantragsentscheidung, x.Sonderantragsentscheidung)
		for i := range m.Teilfachbewerbung {
			t := &m.Teilfachbewerbung[i]
			for _, xt := range x.Teilfachbewerbung {
				if xt.Studienangebot.StudiengangSchluessel != t.Studienangebot.StudiengangSchluessel {
					continue
				}
				t.Bearbeitungsstatus = xt.Bearbeitungsstatus
				setGiven(&t.Aktivitaetsstatus, xt.Aktivitaetsstatus)
				setGiven(&t.Statusanmerkung, xt.Statusanmerkung)
				setGiven(&t.Sonderantragsentscheidung, xt.Sonderantragsentscheidung)
			}
		}
	default:
		return Bewerbung{}, ErrOtherKind
	}
	return out, nil
}

// HoldsUniversity reports whether b already holds the university's change
// u: applying it would change nothing.
func (b Bewerbung) HoldsUniversity(u Bewerbung) bool {
	applied, err := b.ApplyUniversity(u)
	return err == nil && reflect.DeepEqual(applied, b)
}

// setGiven sets *dst to v when v is given (not empty).
func setGiven(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}
