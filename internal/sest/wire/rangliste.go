package wire

import "sestd/internal/sestmodel"

// The Rangliste on the wire: its Kopfdaten flattened into the element, as
// the public clients send it.

// ranglisteWire is a Rangliste as the public clients send it: the
// Kopfdaten fields directly in the rangliste element, in their order.
// A Rangliste without Kopfdaten omits them (the Servicestelle keeps its
// stored ones).
type ranglisteWire struct {
	Schluessel                 string                        `xml:"schluessel"`
	StudienpaketSchluessel     string                        `xml:"studienpaketSchluessel"`
	NameDe                     string                        `xml:"nameDe,omitempty"`
	NameEn                     string                        `xml:"nameEn,omitempty"`
	Status                     string                        `xml:"status"`
	Statusanmerkung            string                        `xml:"statusanmerkung,omitempty"`
	Abarbeitungsposition       *int                          `xml:"abarbeitungsposition,omitempty"`
	PlaetzeProzentual          *float64                      `xml:"plaetzeProzentual,omitempty"`
	PlaetzeAbsolut             *int                          `xml:"plaetzeAbsolut,omitempty"`
	Ebene                      string                        `xml:"ebene"`
	IstVorwegzulasserrangliste *bool                         `xml:"istVorwegzulasserrangliste,omitempty"`
	IstChancenrangliste        *bool                         `xml:"istChancenrangliste,omitempty"`
	Klauseln                   *sestmodel.Klauseln           `xml:"klauseln,omitempty"`
	Eintrag                    []sestmodel.Ranglisteneintrag `xml:"eintrag"`
}

// ranglisteToWire flattens r for the wire.
func ranglisteToWire(r sestmodel.Rangliste) ranglisteWire {
	w := ranglisteWire{Schluessel: r.Schluessel, StudienpaketSchluessel: r.StudienpaketSchluessel, NameDe: r.NameDe,
		NameEn: r.NameEn, Status: r.Status, Statusanmerkung: r.Statusanmerkung, Ebene: r.Ebene, Eintrag: r.Eintrag}
	if k := r.Kopfdaten; k != nil {
		pos, vorweg, chancen := k.Abarbeitungsposition, k.IstVorwegzulasserrangliste, k.IstChancenrangliste
		w.Abarbeitungsposition, w.PlaetzeProzentual, w.PlaetzeAbsolut = &pos, k.PlaetzeProzentual, k.PlaetzeAbsolut
		w.IstVorwegzulasserrangliste, w.IstChancenrangliste, w.Klauseln = &vorweg, &chancen, k.Klauseln
	}
	return w
}

func (w ranglisteWire) rangliste() sestmodel.Rangliste {
	r := sestmodel.Rangliste{Schluessel: w.Schluessel, StudienpaketSchluessel: w.StudienpaketSchluessel, NameDe: w.NameDe,
		NameEn: w.NameEn, Status: w.Status, Statusanmerkung: w.Statusanmerkung, Ebene: w.Ebene, Eintrag: w.Eintrag}
	if w.Abarbeitungsposition != nil || w.PlaetzeProzentual != nil || w.PlaetzeAbsolut != nil ||
		w.IstVorwegzulasserrangliste != nil || w.IstChancenrangliste != nil || w.Klauseln != nil {
		k := &sestmodel.Kopfdaten{PlaetzeProzentual: w.PlaetzeProzentual, PlaetzeAbsolut: w.PlaetzeAbsolut, Klauseln: w.Klauseln}
		if w.Abarbeitungsposition != nil {
			k.Abarbeitungsposition = *w.Abarbeitungsposition
		}
		if w.IstVorwegzulasserrangliste != nil {
			k.IstVorwegzulasserrangliste = *w.IstVorwegzulasserrangliste
		}
		if w.IstChancenrangliste != nil {
			k.IstChancenrangliste = *w.IstChancenrangliste
		}
		r.Kopfdaten = k
	}
	return r
}
