package sest

// This file is the wire codec's namespace table: which namespace every
// element lives in and how polymorphic items carry xsi:type. The encoder is
// in wire_encode.go, the decoder in wire_decode.go, the Rangliste's wire
// shape in wire_rangliste.go. See the package documentation, section
// "Wire format".

import (
	"reflect"
	"sync"

	"github.com/tiaguinho/gosoap"
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
	reflect.TypeFor[Kontext]():          NSCommon,
	reflect.TypeFor[Ergebnis]():         NSCommon,
	reflect.TypeFor[Serviceverfahren](): NSServiceverfahren,

	reflect.TypeFor[Schluesselwert]():                    NSStudiengaenge,
	reflect.TypeFor[EinfachstudienangebotsSchluessel]():  NSStudiengaenge,
	reflect.TypeFor[MehrfachstudienangebotsSchluessel](): NSStudiengaenge,
	reflect.TypeFor[StudienangebotsSchluessel]():         NSStudiengaenge,
	reflect.TypeFor[Studiengang]():                       NSStudiengaenge,
	reflect.TypeFor[Koordinierungsangebotsdaten]():       NSStudiengaenge,
	reflect.TypeFor[Einfachstudienangebot]():             NSStudiengaenge,
	reflect.TypeFor[Mehrfachstudienangebot]():            NSStudiengaenge,
	reflect.TypeFor[Studiengangskombination]():           NSStudiengaenge,
	reflect.TypeFor[Studienangebot]():                    NSStudiengaenge,

	reflect.TypeFor[Dokumentreferenz]():                            NSBewerbungen,
	reflect.TypeFor[Bewerbungsbestandteil]():                       NSBewerbungen,
	reflect.TypeFor[Bescheid]():                                    NSBewerbungen,
	reflect.TypeFor[Einfachstudienangebotsbewerbung]():             NSBewerbungen,
	reflect.TypeFor[Teilfachbewerbung]():                           NSBewerbungen,
	reflect.TypeFor[Mehrfachstudienangebotsbewerbung]():            NSBewerbungen,
	reflect.TypeFor[Bewerbung]():                                   NSBewerbungen,
	reflect.TypeFor[EinfachstudienangebotsbewerbungsSchluessel]():  NSBewerbungen,
	reflect.TypeFor[MehrfachstudienangebotsbewerbungsSchluessel](): NSBewerbungen,
	reflect.TypeFor[BewerbungsSchluessel]():                        NSBewerbungen,

	reflect.TypeFor[Bewerberplatzbedarf]():   NSBewerberauswahl,
	reflect.TypeFor[Paketbestandteil]():      NSBewerberauswahl,
	reflect.TypeFor[Studienpaket]():          NSBewerberauswahl,
	reflect.TypeFor[Binnenquotenklausel]():   NSBewerberauswahl,
	reflect.TypeFor[Mindestplatzklausel]():   NSBewerberauswahl,
	reflect.TypeFor[Unterbelegungsklausel](): NSBewerberauswahl,
	reflect.TypeFor[Klauseln]():              NSBewerberauswahl,
	reflect.TypeFor[Ranglisteneintrag]():     NSBewerberauswahl,
	reflect.TypeFor[Rangliste]():             NSBewerberauswahl,
	reflect.TypeFor[ranglisteWire]():         NSBewerberauswahl,
	reflect.TypeFor[Ranglistenstatus]():      NSBewerberauswahl,

	reflect.TypeFor[Bewerber]():      NSBenutzer,
	reflect.TypeFor[Postanschrift](): NSBenutzer,

	reflect.TypeFor[Dokument](): NSUnterstuetzung,
}

// nsOf returns the namespace of t's fields: its schema's, or inherit for
// message types.
func nsOf(t reflect.Type, inherit string) string {
	if ns, ok := typeNamespace[t]; ok {
		return ns
	}
	return inherit
}

// prefixes maps every namespace sestd writes to its prefix. They are all
// declared once, on the envelope.
func prefixes() map[string]string {
	m := map[string]string{NSXSI: "xsi", NSSOAP: "soap"}
	for _, s := range dataSchemas {
		m[s.NS] = s.Prefix
	}
	for _, svc := range Services() {
		m[Namespace(svc)] = svc
	}
	return m
}

// envelopeAttrs are the namespace declarations on every envelope sestd
// writes, as gosoap.SetCustomEnvelope wants them.
func envelopeAttrs() map[string]string {
	out := map[string]string{}
	for ns, p := range prefixes() {
		out["xmlns:"+p] = ns
	}
	return out
}

var setEnvelopeOnce sync.Once

// setGosoapEnvelope declares sestd's prefixes on gosoap's envelope. gosoap
// keeps this in package variables (SetCustomEnvelope); sestd sets it once
// per process, always to the same value, before its first call.
func setGosoapEnvelope() {
	setEnvelopeOnce.Do(func() { gosoap.SetCustomEnvelope("soap", envelopeAttrs()) })
}

// choiceType marks the Go stand-ins of the official abstract types: a
// struct of pointers, exactly one set, each pointing at a concrete type
// that travels as xsi:type.
type choiceType interface{ isChoice() }

var choiceIface = reflect.TypeFor[choiceType]()

func isChoiceType(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.Implements(choiceIface)
}

// multiTyped is a concrete Go type behind several xsi:types (an abstract
// official type whose subtypes sestd holds in one struct, e.g. the kinds
// of Mehrfachstudienangebot): it says which one to write and remembers
// which one it was read as.
type multiTyped interface {
	xsiType() string
	xsiTypes() []string
	setXSIType(string)
}

var multiTypedIface = reflect.TypeFor[multiTyped]()

// xsiNames returns the xsi:type local names a choice alternative ct is
// read from.
func xsiNames(ct reflect.Type) []string {
	if reflect.PointerTo(ct).Implements(multiTypedIface) {
		return reflect.New(ct).Interface().(multiTyped).xsiTypes()
	}
	return []string{ct.Name()}
}

var (
	ranglisteType     = reflect.TypeFor[Rangliste]()
	ranglisteWireType = reflect.TypeFor[ranglisteWire]()
	base64Type        = reflect.TypeFor[Base64Binary]()
)
