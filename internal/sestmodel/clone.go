package sestmodel

// Clone returns a deep copy of b: no slice or pointer of the copy is
// shared with b, so either may be changed without touching the other.
// A nil slice stays nil.
func (b Bewerbung) Clone() Bewerbung {
	var out Bewerbung
	if b.Einfach != nil {
		e := *b.Einfach
		e.Bestandteil = cloneBestandteile(e.Bestandteil)
		e.Bescheid = cloneBescheide(e.Bescheid)
		out.Einfach = &e
	}
	if b.Mehrfach != nil {
		m := *b.Mehrfach
		if m.Teilfachbewerbung != nil {
			m.Teilfachbewerbung = make([]Teilfachbewerbung, len(b.Mehrfach.Teilfachbewerbung))
			for i, t := range b.Mehrfach.Teilfachbewerbung {
				t.HauptfachSchluessel = clonePtr(t.HauptfachSchluessel)
				t.ErsatzfachSchluessel = clonePtr(t.ErsatzfachSchluessel)
				m.Teilfachbewerbung[i] = t
			}
		}
		m.Bestandteil = cloneBestandteile(m.Bestandteil)
		m.Bescheid = cloneBescheide(m.Bescheid)
		out.Mehrfach = &m
	}
	return out
}

// clonePtr returns a pointer to a copy of *p, or nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneBestandteile(in []Bewerbungsbestandteil) []Bewerbungsbestandteil {
	if in == nil {
		return nil
	}
	out := make([]Bewerbungsbestandteil, len(in))
	for i, x := range in {
		x.Dokument = clonePtr(x.Dokument)
		out[i] = x
	}
	return out
}

func cloneBescheide(in []Bescheid) []Bescheid {
	if in == nil {
		return nil
	}
	out := make([]Bescheid, len(in))
	for i, x := range in {
		x.Dokument = clonePtr(x.Dokument)
		out[i] = x
	}
	return out
}
