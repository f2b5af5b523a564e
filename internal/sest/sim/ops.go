package sim

import (
	"fmt"
	"sort"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
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
// that brought it (version 4, with the 2020 process, brought
// eingeschrieben, nicht_eingeschrieben and Frist_ueberschritten): the same
// facts sestd's defaults follow, in internal/sestmodel (StatusSince).

// statusInVersion reports whether a known Bearbeitungsstatus exists in
// interface version iface.
func statusInVersion(status string, iface int) bool {
	return iface >= sestmodel.StatusSince(status)
}

// dispatch answers a decoded request. iface is the call's interface
// version (the endpoint's, which checkKontext has matched with the
// context block's).
func (s *Sim) dispatch(op wire.Operation, req any, iface int) (any, *soapFault) {
	switch op.Name {
	case sestmodel.OpAbrufenStudienangebote:
		return s.abrufenStudienangebote(req.(*wire.StudienangebotFilter)), nil
	case sestmodel.OpAnlegenAendernStudienangebote:
		return s.anlegenAendernStudienangebote(req.(*wire.StudienangeboteRequest)), nil
	case sestmodel.OpAbrufenStammdaten:
		return s.abrufenStammdaten(req.(*wire.StammdatenRequest))
	case sestmodel.OpAnfragenStammdatenaenderungen:
		return s.anfragen(refBewerber, req.(*wire.AnfrageRequest)), nil
	case sestmodel.OpUebermittelnStammdatenaenderung:
		return s.uebermittelnBewerber(req.(*wire.ReferenzRequest))
	case sestmodel.OpAbrufenStammdatenOhneAuth:
		return s.abrufenStammdatenOhneAuth(req.(*wire.SuchRequest))
	case sestmodel.OpUebermittelnNeueBewerbungen:
		return s.sendBewerbungen(req.(*wire.BewerbungenRequest), true, iface), nil
	case sestmodel.OpUebermittelnGeaenderteBew:
		return s.sendBewerbungen(req.(*wire.BewerbungenRequest), false, iface), nil
	case sestmodel.OpAnfragenBewerbungen:
		return s.anfragen(refBewerbung, req.(*wire.AnfrageRequest)), nil
	case sestmodel.OpUebermittelnBewerbungen:
		return s.uebermittelnBewerbungen(req.(*wire.ReferenzRequest))
	case sestmodel.OpAbrufenBewerbungen:
		return s.abrufenBewerbungen(req.(*wire.SuchRequest))
	case sestmodel.OpAnlegenAendernStudienpakete:
		return s.anlegenAendernStudienpakete(req.(*wire.StudienpaketeRequest)), nil
	case sestmodel.OpUebermittelnRanglisten:
		return s.uebermittelnRanglisten(req.(*wire.RanglistenRequest)), nil
	case sestmodel.OpAnfragenRanglistenstatus:
		return s.anfragen(refRangliste, req.(*wire.AnfrageRequest)), nil
	case sestmodel.OpUebermittelnRanglistenstatus:
		return s.uebermittelnRanglistenstatus(req.(*wire.ReferenzRequest))
	case sestmodel.OpAbrufenRanglistenstatus:
		return s.abrufenRanglistenstatus(req.(*wire.RanglistenstatusRequest)), nil
	case sestmodel.OpAusloesenZulassungsangebote:
		return s.ausloesen(req.(*wire.ZulassungsangeboteRequest)), nil
	case sestmodel.OpAbrufenStudienpakete:
		return s.abrufenStudienpakete(), nil
	case sestmodel.OpAbrufenDokumente:
		return s.abrufenDokumente(req.(*wire.DokumenteRequest)), nil
	}
	return nil, &soapFault{"soap:Client", wire.FaultValidierung, 0, "Operation nicht unterstützt: " + op.Name}
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
func kombinationAllowed(kombis []sestmodel.Studiengangskombination, teile []sestmodel.Teilfachbewerbung) bool {
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
