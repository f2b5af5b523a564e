package wire

import (
	"reflect"
	"sort"

	"sestd/internal/sestmodel"
)

// Wire messages. A request element is named `<operation>Request`, a
// response element `<operation>Response`; several operations share a
// message type (and so an XSD complexType). The simulator decodes requests
// into and encodes responses from these types; callers of the Client use its
// typed methods instead.

// KontextRequest carries nothing but the context block.
type KontextRequest struct {
	sestmodel.Kontext
}

// StudienangebotFilter asks for Studienangebote, optionally filtered.
type StudienangebotFilter struct {
	sestmodel.Kontext
	AbschlussSchluessel   string `xml:"abschlussSchluessel,omitempty"`
	StudienfachSchluessel string `xml:"studienfachSchluessel,omitempty"`
}

// StudienangeboteRequest creates or changes Studienangebote.
type StudienangeboteRequest struct {
	sestmodel.Kontext
	Studienangebot []sestmodel.Studienangebot `xml:"studienangebot"`
}

// StudienangebotListe lists Studienangebote.
type StudienangebotListe struct {
	Studienangebot []sestmodel.Studienangebot `xml:"studienangebot"`
}

// StudienangebotErgebnisse are per-item results.
type StudienangebotErgebnisse struct {
	Ergebnis []sestmodel.StudienangebotErgebnis `xml:"studienangebotErgebnis"`
}

// StammdatenRequest asks for one authorised applicant's Stammdaten.
type StammdatenRequest struct {
	sestmodel.Kontext
	BewerberID  string `xml:"bewerberId"`
	BewerberBAN string `xml:"BAN"` // element name as in the public clients
}

// AnfrageRequest is step one of a delta: changes at or after Start.
type AnfrageRequest struct {
	sestmodel.Kontext
	Start sestmodel.Timestamp `xml:"start"`
}

// ReferenzListe answers step one: references and the watermark Ende.
type ReferenzListe struct {
	Referenz []string            `xml:"referenz"`
	Ende     sestmodel.Timestamp `xml:"ende"`
}

// ReferenzRequest is step two of a delta: fetch the referenced items.
type ReferenzRequest struct {
	sestmodel.Kontext
	Referenz []string `xml:"referenz"`
}

// SuchRequest filters by applicant or Studienangebot parts; at least one
// field must be set.
type SuchRequest struct {
	sestmodel.Kontext
	BewerberID                string `xml:"bewerberId,omitempty"`
	AbschlussSchluessel       string `xml:"abschlussSchluessel,omitempty"`
	StudienfachSchluessel     string `xml:"studienfachSchluessel,omitempty"`
	FachkennzeichenSchluessel string `xml:"fachkennzeichenSchluessel,omitempty"`
}

// BewerberListe lists applicants.
type BewerberListe struct {
	Bewerber []sestmodel.Bewerber `xml:"bewerber"`
}

// BewerbungenRequest sends Bewerbungen.
type BewerbungenRequest struct {
	sestmodel.Kontext
	Bewerbung []sestmodel.Bewerbung `xml:"bewerbung"`
}

// BewerbungListe lists Bewerbungen.
type BewerbungListe struct {
	Bewerbung []sestmodel.Bewerbung `xml:"bewerbung"`
}

// BewerbungErgebnisse are per-item results.
type BewerbungErgebnisse struct {
	Ergebnis []sestmodel.BewerbungErgebnis `xml:"bewerbungErgebnis"`
}

// StudienpaketeRequest creates or changes Studienpakete.
type StudienpaketeRequest struct {
	sestmodel.Kontext
	Studienpaket []sestmodel.Studienpaket `xml:"studienpaket"`
}

// StudienpaketListe lists Studienpakete.
type StudienpaketListe struct {
	Studienpaket []sestmodel.Studienpaket `xml:"studienpaket"`
}

// StudienpaketErgebnisse are per-item results.
type StudienpaketErgebnisse struct {
	Ergebnis []sestmodel.StudienpaketErgebnis `xml:"studienpaketErgebnis"`
}

// RanglistenRequest sends Ranglisten.
type RanglistenRequest struct {
	sestmodel.Kontext
	Rangliste []sestmodel.Rangliste `xml:"rangliste"`
}

// RanglisteErgebnisse are per-item results.
type RanglisteErgebnisse struct {
	Ergebnis []sestmodel.RanglisteErgebnis `xml:"ranglisteErgebnis"`
}

// RanglistenstatusRequest asks for the status of the given Ranglisten (all
// when empty).
type RanglistenstatusRequest struct {
	sestmodel.Kontext
	RanglistenSchluessel []string `xml:"ranglistenSchluessel"`
}

// RanglistenstatusListe lists Ranglistenstatus.
type RanglistenstatusListe struct {
	Ranglistenstatus []sestmodel.Ranglistenstatus `xml:"ranglistenstatus"`
}

// ZulassungsangeboteRequest triggers early admission offers for Studienpakete.
type ZulassungsangeboteRequest struct {
	sestmodel.Kontext
	StudienpaketSchluessel []string `xml:"studienpaketSchluessel"`
}

// DokumenteRequest fetches documents by id.
type DokumenteRequest struct {
	sestmodel.Kontext
	DokumentID []string `xml:"dokumentId"`
}

// DokumentListe lists documents.
type DokumentListe struct {
	Dokument []sestmodel.Dokument `xml:"dokument"`
}

// Service names (the last path segment of each endpoint).
const (
	ServiceStudiengaenge   = "studiengaengeService"
	ServiceBenutzer        = "benutzerService"
	ServiceBewerbungen     = "bewerbungenService"
	ServiceBewerberauswahl = "bewerberauswahlService"
	ServiceUnterstuetzung  = "unterstuetzungService"
)

// Services returns the service names in a fixed order.
func Services() []string {
	return []string{ServiceStudiengaenge, ServiceBenutzer, ServiceBewerbungen, ServiceBewerberauswahl, ServiceUnterstuetzung}
}

// serviceInfo names each service's WSDL, namespace and fault element.
var serviceInfo = map[string]struct{ Name, Namespace, Fehler string }{
	ServiceStudiengaenge:   {"StudiengaengeService", "http://StudiengaengeServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de", "ServiceFehler"},
	ServiceBenutzer:        {"BenutzerService", "http://BenutzerServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de", "ServiceFehler"},
	ServiceBewerbungen:     {"BewerbungenService", "http://BewerbungenServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de", "ServiceFehler"},
	ServiceBewerberauswahl: {"BewerberauswahlService", "http://BewerberauswahlServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de", "ServiceFehler"},
	ServiceUnterstuetzung:  {"UnterstuetzungService", "http://UnterstuetzungServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de", "ServiceFehler"},
}

// Namespace returns the target namespace of a service's messages.
func Namespace(service string) string { return serviceInfo[service].Namespace }

// FaultElement returns the name of the element inside a fault's detail
// (ServiceFehler, as the public clients read it); its xsi:type names the
// error.
func FaultElement(service string) string { return serviceInfo[service].Fehler }

// ServiceNamespace returns the target namespace of a service's WSDL
// (e.g. http://BewerbungenServiceV1_0.HochschulSchnittstelle.hochschulstart.de),
// which also holds its ServiceFehler element and the fault types. Assumed
// from the Java package names a public client generated from the official
// WSDL (bewerbungenservicev1_0.BewerbungenServiceFehler).
func ServiceNamespace(service string) string {
	return "http://" + serviceInfo[service].Name + "V1_0.HochschulSchnittstelle.hochschulstart.de"
}

// Operation describes one SOAP operation.
type Operation struct {
	Name     string // e.g. anfragenNeueGeaenderteBewerbungenDurchHS
	Service  string // e.g. bewerbungenService
	SAF      string // number in the interface documentation, "" when unknown
	request  reflect.Type
	response reflect.Type
}

// SOAPAction is the value of the SOAPAction header (unquoted).
func (o Operation) SOAPAction() string { return Namespace(o.Service) + "/" + o.Name }

// RequestElement is the request body element's local name.
func (o Operation) RequestElement() string { return o.Name + "Request" }

// ResponseElement is the response body element's local name.
func (o Operation) ResponseElement() string { return o.Name + "Response" }

// NewRequest returns a pointer to a zero request message of the operation.
func (o Operation) NewRequest() any { return reflect.New(o.request).Interface() }

// NewResponse returns a pointer to a zero response message of the operation.
func (o Operation) NewResponse() any { return reflect.New(o.response).Interface() }

func op(name, service, saf string, req, resp any) Operation {
	return Operation{Name: name, Service: service, SAF: saf,
		request: reflect.TypeOf(req), response: reflect.TypeOf(resp)}
}

// operations is the constant operation table.
var operations = map[string]Operation{
	sestmodel.OpAnlegenAendernStudienangebote:   op(sestmodel.OpAnlegenAendernStudienangebote, ServiceStudiengaenge, "101", StudienangeboteRequest{}, StudienangebotErgebnisse{}),
	sestmodel.OpAbrufenStudienangebote:          op(sestmodel.OpAbrufenStudienangebote, ServiceStudiengaenge, "102", StudienangebotFilter{}, StudienangebotListe{}),
	sestmodel.OpAbrufenStammdaten:               op(sestmodel.OpAbrufenStammdaten, ServiceBenutzer, "201", StammdatenRequest{}, BewerberListe{}),
	sestmodel.OpAnfragenStammdatenaenderungen:   op(sestmodel.OpAnfragenStammdatenaenderungen, ServiceBenutzer, "202", AnfrageRequest{}, ReferenzListe{}),
	sestmodel.OpUebermittelnStammdatenaenderung: op(sestmodel.OpUebermittelnStammdatenaenderung, ServiceBenutzer, "202", ReferenzRequest{}, BewerberListe{}),
	sestmodel.OpAbrufenStammdatenOhneAuth:       op(sestmodel.OpAbrufenStammdatenOhneAuth, ServiceBenutzer, "204", SuchRequest{}, BewerberListe{}),
	sestmodel.OpUebermittelnNeueBewerbungen:     op(sestmodel.OpUebermittelnNeueBewerbungen, ServiceBewerbungen, "301", BewerbungenRequest{}, BewerbungErgebnisse{}),
	sestmodel.OpUebermittelnGeaenderteBew:       op(sestmodel.OpUebermittelnGeaenderteBew, ServiceBewerbungen, "302", BewerbungenRequest{}, BewerbungErgebnisse{}),
	sestmodel.OpAnfragenBewerbungen:             op(sestmodel.OpAnfragenBewerbungen, ServiceBewerbungen, "303", AnfrageRequest{}, ReferenzListe{}),
	sestmodel.OpUebermittelnBewerbungen:         op(sestmodel.OpUebermittelnBewerbungen, ServiceBewerbungen, "303", ReferenzRequest{}, BewerbungListe{}),
	sestmodel.OpAbrufenBewerbungen:              op(sestmodel.OpAbrufenBewerbungen, ServiceBewerbungen, "304", SuchRequest{}, BewerbungListe{}),
	sestmodel.OpAnlegenAendernStudienpakete:     op(sestmodel.OpAnlegenAendernStudienpakete, ServiceBewerberauswahl, "401", StudienpaketeRequest{}, StudienpaketErgebnisse{}),
	sestmodel.OpUebermittelnRanglisten:          op(sestmodel.OpUebermittelnRanglisten, ServiceBewerberauswahl, "402", RanglistenRequest{}, RanglisteErgebnisse{}),
	sestmodel.OpAnfragenRanglistenstatus:        op(sestmodel.OpAnfragenRanglistenstatus, ServiceBewerberauswahl, "403", AnfrageRequest{}, ReferenzListe{}),
	sestmodel.OpUebermittelnRanglistenstatus:    op(sestmodel.OpUebermittelnRanglistenstatus, ServiceBewerberauswahl, "403", ReferenzRequest{}, RanglistenstatusListe{}),
	sestmodel.OpAbrufenRanglistenstatus:         op(sestmodel.OpAbrufenRanglistenstatus, ServiceBewerberauswahl, "404", RanglistenstatusRequest{}, RanglistenstatusListe{}),
	sestmodel.OpAusloesenZulassungsangebote:     op(sestmodel.OpAusloesenZulassungsangebote, ServiceBewerberauswahl, "405", ZulassungsangeboteRequest{}, StudienpaketErgebnisse{}),
	sestmodel.OpAbrufenStudienpakete:            op(sestmodel.OpAbrufenStudienpakete, ServiceBewerberauswahl, "406", KontextRequest{}, StudienpaketListe{}),
	sestmodel.OpAbrufenDokumente:                op(sestmodel.OpAbrufenDokumente, ServiceUnterstuetzung, "", DokumenteRequest{}, DokumentListe{}),
}

// LookupOperation returns the operation with the given name.
func LookupOperation(name string) (Operation, bool) {
	o, ok := operations[name]
	return o, ok
}

// Operations returns all operations of a service (all when service is ""),
// sorted by name.
func Operations(service string) []Operation {
	var out []Operation
	for _, o := range operations {
		if service == "" || o.Service == service {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
