package wire

// This file is the wire codec's namespace table: which namespace every
// element lives in and how polymorphic items carry xsi:type. The encoder is
// in encode.go, the decoder in decode.go (its scanner in scan.go, the
// response reader in response.go), the Rangliste's wire shape in
// rangliste.go. See the package documentation, section "Wire format".

import (
	"reflect"

	"sestd/internal/sestmodel"
)

// Namespaces of the Servicestelle's schemas. The first five and the
// …ServiceParamV1_0 ones are seen in public request templates; the others
// are assumed (see the package documentation).
const (
	NSCommon           = "http://CommonV1_0.HochschulSchnittstelle.hochschulstart.de"
	NSServiceverfahren = "http://ServiceverfahrenV1_0.HochschulSchnittstelle.hochschulstart.de"
	NSStudiengaenge    = "http://StudiengaengeV1_0.HochschulSchnittstelle.hochschulstart.de"
	NSBewerbungen      = "http://BewerbungenV1_0.HochschulSchnittstelle.hochschulstart.de"
	NSBewerberauswahl  = "http://BewerberauswahlV1_0.HochschulSchnittstelle.hochschulstart.de"
	NSBenutzer         = "http://BenutzerV1_0.HochschulSchnittstelle.hochschulstart.de"       // assumed
	NSUnterstuetzung   = "http://UnterstuetzungV1_0.HochschulSchnittstelle.hochschulstart.de" // assumed
	NSXSI              = "http://www.w3.org/2001/XMLSchema-instance"
	NSSOAP             = "http://schemas.xmlsoap.org/soap/envelope/"
)

// dataSchemas are the namespaces of the data types with the prefix sestd
// declares for them and the file name of their schema in wsdl/.
var dataSchemas = []struct{ NS, Prefix, File string }{
	{NSCommon, "common", "CommonV1_0.xsd"},
	{NSServiceverfahren, "serviceverfahren", "ServiceverfahrenV1_0.xsd"},
	{NSStudiengaenge, "studiengaenge", "StudiengaengeV1_0.xsd"},
	{NSBewerbungen, "bewerbungen", "BewerbungenV1_0.xsd"},
	{NSBewerberauswahl, "bewerberauswahl", "BewerberauswahlV1_0.xsd"},
	{NSBenutzer, "benutzer", "BenutzerV1_0.xsd"},
	{NSUnterstuetzung, "unterstuetzung", "UnterstuetzungV1_0.xsd"},
}

// typeNamespace places every data type in its schema. A struct field is an
// element in the namespace of the type that declares it (XSD's
// elementFormDefault="qualified"); an embedded struct is the XSD base type
// the outer type extends, its fields keep their own namespace (so the
// context block of every request is in CommonV1_0). Types not listed (the
// request and response messages and the per-item results) live in the
// namespace of the service they are used in (…ServiceParamV1_0).
var typeNamespace = map[reflect.Type]string{
	reflect.TypeFor[sestmodel.Kontext]():          NSCommon,
	reflect.TypeFor[sestmodel.Ergebnis]():         NSCommon,
	reflect.TypeFor[sestmodel.Serviceverfahren](): NSServiceverfahren,

	reflect.TypeFor[sestmodel.Schluesselwert]():                    NSStudiengaenge,
	reflect.TypeFor[sestmodel.EinfachstudienangebotsSchluessel]():  NSStudiengaenge,
	reflect.TypeFor[sestmodel.MehrfachstudienangebotsSchluessel](): NSStudiengaenge,
	reflect.TypeFor[sestmodel.StudienangebotsSchluessel]():         NSStudiengaenge,
	reflect.TypeFor[sestmodel.Studiengang]():                       NSStudiengaenge,
	reflect.TypeFor[sestmodel.Koordinierungsangebotsdaten]():       NSStudiengaenge,
	reflect.TypeFor[sestmodel.Einfachstudienangebot]():             NSStudiengaenge,
	reflect.TypeFor[sestmodel.Mehrfachstudienangebot]():            NSStudiengaenge,
	reflect.TypeFor[sestmodel.Studiengangskombination]():           NSStudiengaenge,
	reflect.TypeFor[sestmodel.Studienangebot]():                    NSStudiengaenge,

	reflect.TypeFor[sestmodel.Dokumentreferenz]():                            NSBewerbungen,
	reflect.TypeFor[sestmodel.Bewerbungsbestandteil]():                       NSBewerbungen,
	reflect.TypeFor[sestmodel.Bescheid]():                                    NSBewerbungen,
	reflect.TypeFor[sestmodel.Einfachstudienangebotsbewerbung]():             NSBewerbungen,
	reflect.TypeFor[sestmodel.Teilfachbewerbung]():                           NSBewerbungen,
	reflect.TypeFor[sestmodel.Mehrfachstudienangebotsbewerbung]():            NSBewerbungen,
	reflect.TypeFor[sestmodel.Bewerbung]():                                   NSBewerbungen,
	reflect.TypeFor[sestmodel.EinfachstudienangebotsbewerbungsSchluessel]():  NSBewerbungen,
	reflect.TypeFor[sestmodel.MehrfachstudienangebotsbewerbungsSchluessel](): NSBewerbungen,
	reflect.TypeFor[sestmodel.BewerbungsSchluessel]():                        NSBewerbungen,

	reflect.TypeFor[sestmodel.Bewerberplatzbedarf]():   NSBewerberauswahl,
	reflect.TypeFor[sestmodel.Paketbestandteil]():      NSBewerberauswahl,
	reflect.TypeFor[sestmodel.Studienpaket]():          NSBewerberauswahl,
	reflect.TypeFor[sestmodel.Binnenquotenklausel]():   NSBewerberauswahl,
	reflect.TypeFor[sestmodel.Mindestplatzklausel]():   NSBewerberauswahl,
	reflect.TypeFor[sestmodel.Unterbelegungsklausel](): NSBewerberauswahl,
	reflect.TypeFor[sestmodel.Klauseln]():              NSBewerberauswahl,
	reflect.TypeFor[sestmodel.Ranglisteneintrag]():     NSBewerberauswahl,
	reflect.TypeFor[sestmodel.Rangliste]():             NSBewerberauswahl,
	reflect.TypeFor[ranglisteWire]():                   NSBewerberauswahl,
	reflect.TypeFor[sestmodel.Ranglistenstatus]():      NSBewerberauswahl,

	reflect.TypeFor[sestmodel.Bewerber]():      NSBenutzer,
	reflect.TypeFor[sestmodel.Postanschrift](): NSBenutzer,

	reflect.TypeFor[sestmodel.Dokument](): NSUnterstuetzung,
}

// nsOf returns the namespace of t's fields: its schema's, or inherit for
// message types.
func nsOf(t reflect.Type, inherit string) string {
	if ns, ok := typeNamespace[t]; ok {
		return ns
	}
	return inherit
}

// Prefixes maps every namespace sestd writes to its prefix. They are all
// declared once, on the envelope.
func Prefixes() map[string]string {
	m := map[string]string{NSXSI: "xsi", NSSOAP: "soap"}
	for _, s := range dataSchemas {
		m[s.NS] = s.Prefix
	}
	for _, svc := range Services() {
		m[Namespace(svc)] = svc
	}
	return m
}

// EnvelopeAttrs are the namespace declarations on every envelope sestd
// writes, as attributes of soap:Envelope (xmlns:<prefix> -> namespace; the
// form gosoap.SetCustomEnvelope takes).
func EnvelopeAttrs() map[string]string {
	out := map[string]string{}
	for ns, p := range Prefixes() {
		out["xmlns:"+p] = ns
	}
	return out
}

// choiceTypes are the Go stand-ins of the official abstract types: a
// struct of pointers, exactly one set, each pointing at a concrete type
// that travels as xsi:type (the concrete type's name, or its XSIType, see
// multiTyped). A new abstract type of the model must be added here.
var choiceTypes = map[reflect.Type]bool{
	reflect.TypeFor[sestmodel.StudienangebotsSchluessel](): true,
	reflect.TypeFor[sestmodel.Studienangebot]():            true,
	reflect.TypeFor[sestmodel.Bewerbung]():                 true,
	reflect.TypeFor[sestmodel.BewerbungsSchluessel]():      true,
}

// multiTyped is a concrete model type behind several xsi:types (an
// abstract official type whose subtypes sestd holds in one struct, e.g.
// the kinds of sestmodel.Mehrfachstudienangebot): XSIType says which one to
// write, XSITypes which ones to read it from, SetXSIType remembers the one
// it was read as. The model implements it with exported methods.
type multiTyped interface {
	XSIType() string
	XSITypes() []string
	SetXSIType(string)
}

var multiTypedIface = reflect.TypeFor[multiTyped]()

// xsiNames returns the xsi:type local names a choice alternative ct is
// read from.
func xsiNames(ct reflect.Type) []string {
	if reflect.PointerTo(ct).Implements(multiTypedIface) {
		return reflect.New(ct).Interface().(multiTyped).XSITypes()
	}
	return []string{ct.Name()}
}

var (
	ranglisteType     = reflect.TypeFor[sestmodel.Rangliste]()
	ranglisteWireType = reflect.TypeFor[ranglisteWire]()
	base64Type        = reflect.TypeFor[sestmodel.Base64Binary]()
	timestampType     = reflect.TypeFor[sestmodel.Timestamp]()
)
