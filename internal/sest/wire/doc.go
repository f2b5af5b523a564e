// Package wire is sestd's contract with the Servicestelle and its wire
// codec: the WSDLs and schemas (embedded, generated from the Go types),
// the service and operation tables, the request and response messages,
// the encoder (EncodeMessage, Envelope, RequestEnvelope), the tolerant
// response decoder (DecodeResponse, with its own scanner over the body's
// bytes, scan.go, tokens read without boxing, token.go, and memoised type
// metadata, decode_types.go) and the strict request decoder
// (ParseRequest).
//
// It imports the model (internal/sestmodel) and nothing of the SOAP
// client: the client (internal/sest, built on gosoap) sends and receives
// through it, the simulator (internal/sest/sim) decodes requests strictly
// and encodes its answers with it, and `sestd sest check-wsdl`
// (internal/sest/wsdlcheck) compares its WSDLs with the official ones.
// internal/sestmodel/deps_test.go checks that neither this package nor the
// simulator depends on internal/sest or gosoap. The codec knows the
// model's shape through struct tags, its table of choice types
// (choiceTypes in wire.go) and the exported XSIType/XSITypes/SetXSIType
// methods of a type behind several xsi:types; the model knows nothing of
// the codec.
//
// # Contract: WSDLs and schemas
//
// The official WSDL is not public. The files in wsdl/ (embedded; Contract
// returns them as an fs.FS, Schema one schema) are written from the public
// facts of the Sestco manual and the public clients named below, and generated
// from the Go types and the namespace table in wire.go
// (wsdl_gen_test.go; regenerate with SEST_UPDATE_WSDL=1 go test
// ./internal/sest/wire -run TestWSDLUpToDate), so the XSD, the encoder and
// the decoder share one element order and one namespace per element:
//
//   - <service>.wsdl per service: document/literal SOAP 1.1, target
//     namespace <Name>ServiceV1_0; its first schema is the service's
//     …ServiceParamV1_0 (request elements <operation>Request, responses
//     <operation>Response, the message and result types), its second holds
//     the fault element ServiceFehler (abstract) and the fault types
//     extending it.
//   - one schema file per data namespace (CommonV1_0.xsd,
//     ServiceverfahrenV1_0.xsd, StudiengaengeV1_0.xsd, BewerbungenV1_0.xsd,
//     BewerberauswahlV1_0.xsd, BenutzerV1_0.xsd, UnterstuetzungV1_0.xsd),
//     imported by relative schemaLocation where used. Polymorphic types are
//     abstract base types (Bewerbung, Studienangebot, BewerbungsSchluessel,
//     StudienangebotsSchluessel) that the concrete types extend
//     (xs:extension); request messages extend common:Kontext, results
//     common:Ergebnis.
//
// The simulator serves them (…/<version>/<service>?wsdl and
// …/<version>/<Name>V1_0.xsd); python zeep loads them strictly
// (zeep_test.go).
//
// # Wire format
//
// Every element is in the namespace of the schema type that declares it:
// the request element and the operation's parameters (start, referenz,
// bewerbung, …) in the service's …ServiceParamV1_0; the context block
// (version, hochschulnummer, serviceverfahren, vermittlungsprozessTyp) in
// CommonV1_0, jahr and semester in ServiceverfahrenV1_0; a Bewerbung's
// fields in BewerbungenV1_0; a Studienangebot's and a Schlüssel's in
// StudiengaengeV1_0; a Studienpaket's and a Rangliste's in
// BewerberauswahlV1_0. Polymorphic items carry xsi:type
// (<bewerbung xsi:type="bewerbungen:Einfachstudienangebotsbewerbung">);
// their Go stand-ins are structs of pointers, one set (Bewerbung,
// Studienangebot, BewerbungsSchluessel, StudienangebotsSchluessel); a
// Mehrfachstudienangebot is read from either of its kinds' xsi:types and
// written as the one its Art names. A
// Rangliste travels flat (its Kopfdaten fields directly in the rangliste
// element, as the public clients send them); the Go type keeps Kopfdaten.
// Every prefix sestd writes is declared once, on soap:Envelope.
//
// The response decoder (DecodeResponse, the Client's) takes any prefixes,
// reads payload fields by local name (as the public clients do; not every
// response namespace is public), resolves xsi:type values through the
// namespace declarations in scope, skips elements it does not know
// (elements a newer interface version adds) and lists them (the Client
// counts each in sestd_soap_unknown_elements_total{operation, element}
// with a debug log line), and refuses an item whose xsi:type it does not
// know or that has none (an error naming the element and the type; the
// Client's *MalformedResponseError), never returning a silently empty
// item. A fault's type is its ServiceFehler's xsi:type (Fault). The
// simulator decodes requests strictly (ParseRequest): every element in its official namespace and in
// its xs:sequence's order, every required element (minOccurs 1, from the
// same field metadata the generated schema is written from) present, only
// lists repeated, known xsi:type on every polymorphic item, nothing
// unknown; otherwise a ValidierungsFehler naming the element.
//
// # What is verified from public sources and what is assumed
//
// Verified (request templates and response reading of the HU Berlin DoSV
// client and the dibs DoSV sync job, both run against the real service;
// the Sestco manual):
//
//   - the namespace names CommonV1_0, ServiceverfahrenV1_0,
//     StudiengaengeV1_0, BewerbungenV1_0, BewerberauswahlV1_0 and the
//     four …ServiceParamV1_0 of studiengaenge, benutzer, bewerbungen,
//     bewerberauswahl; request elements <operation>Request in the
//     service's …ServiceParamV1_0; the context block in CommonV1_0 with
//     jahr/semester in ServiceverfahrenV1_0; parameters start, referenz,
//     bewerbung, studienangebot, studienpaket, rangliste, bewerberId, BAN
//     in the service's namespace;
//   - xsi:type on bewerbung (bewerbungen:Einfachstudienangebotsbewerbung)
//     and studienangebot (studiengaenge:Einfachstudienangebot) in requests
//     and responses; typed keys in results (EinfachstudienangebotsSchluessel,
//     EinfachstudienangebotsbewerbungsSchluessel: a public client casts
//     them); the classes Bewerbung, Studienangebot, Einfachstudienangebot,
//     EinfachstudienangebotsSchluessel in the data namespaces,
//     BewerbungErgebnis, StudienangebotErgebnis, StudienpaketErgebnis,
//     RanglisteErgebnis in the …ServiceParamV1_0 namespaces, ErgebnisStatus
//     in CommonV1_0;
//   - the order of a request Einfachstudienangebotsbewerbung's first fields
//     (eingangsZeitpunkt, bearbeitungsstatus, versionSeSt, bewerberBAN,
//     bewerberEmailAdresse, bewerberId, einfachstudienangebotsSchluessel),
//     of a Studienpaket (schluessel, nameDe, kapazitaet, paketbestandteil
//     with einfachstudienangebotsSchluessel and bewerberplatzbedarf
//     zaehler/nenner) and of a Rangliste (schluessel,
//     studienpaketSchluessel, nameDe, status, abarbeitungsposition,
//     plaetzeProzentual, ebene, istVorwegzulasserrangliste,
//     istChancenrangliste, eintrag with rang and bewerberId), and of an
//     Einfachstudienangebot's status, nameDe, beschreibungDe,
//     koordinierungsangebotsdaten, studiengang;
//   - faults: detail holds ServiceFehler typed by xsi:type
//     (UnbekannterBenutzerFehler, AutorisierungsFehler, …), compared
//     without prefix by a public client; one fault class per service
//     (BewerbungenServiceFehler, …) in a <Name>ServiceV1_0 package;
//   - the field names read from responses (Bewerbung, Bewerber,
//     referenz/ende, ergebnisStatus, grundZurueckweisung with codes 30233 and
//     30235), timestamps without zone.
//
// Assumed (check-wsdl compares them with the official files a university
// receives):
//
//   - the namespaces BenutzerV1_0 (Bewerber, Postanschrift) and
//     UnterstuetzungV1_0/UnterstuetzungServiceParamV1_0 (documents; the
//     service's public name is unknown), the WSDL target namespaces
//     <Name>ServiceV1_0 and that they hold ServiceFehler and the fault
//     types (fehlercode, nachricht);
//   - ergebnisStatus and grundZurueckweisung in CommonV1_0 (a base type
//     Ergebnis), results' keys and versionSeSt in the ServiceParam
//     namespace;
//   - the full context block on SAF 201 (the public template sends only
//     version); the Einfachstudienangebot's leading schluessel element and
//     studiengangSchluessel/fachkennzeichenSchluessel inside
//     EinfachstudienangebotsSchluessel (public requests send
//     abschlussSchluessel and studienfachSchluessel only);
//     integrationseinstellungen as a string (public requests send a
//     structure: bewerbungsort, …BescheidVersandart,
//     hzbPruefungGewuenscht), so sestd leaves it empty when sending;
//   - every field and the order of the fields no public client sends or
//     reads: the Mehrfachstudienangebot and Mehrfachstudienangebotsbewerbung
//     with Teilfachbewerbung, bestandteil, bescheid, dokument, Klauseln,
//     Ranglistenstatus, the search parameters of SAF 102, 204, 304, 404,
//     405, and the shapes of SAF 202, 403 and 406 (taken from SAF 303's);
//     Mehrfach keys in results (MehrfachstudienangebotsSchluessel,
//     MehrfachstudienangebotsbewerbungsSchluessel);
//   - the kinds of Mehrfachstudienangebot: Sestco 0.2 and 0.3 name
//     FreieFachbezogeneStudiengangskombination and
//     ExpliziteStudiengangskombination (no public client shows their
//     shape). sestd takes them as the xsi:types of a studienangebot,
//     concrete subtypes of an abstract Mehrfachstudienangebot with its
//     fields (schluessel with abschlussSchluessel, status, nameDe,
//     beschreibungDe, koordinierungsangebotsdaten, abschluss,
//     teilstudienangebot*); the explicit kind adds kombination* (each a
//     list of teilstudienangebot keys, the Teilfächer allowed together). In
//     Go both are a Mehrfachstudienangebot whose Art names the kind (so the
//     mirror stores them as art "mehrfach", the kind in its data JSON); a
//     Bewerbung for either kind is a Mehrfachstudienangebotsbewerbung;
//   - which elements are optional (minOccurs) beyond the public examples.
package wire
