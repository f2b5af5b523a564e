// Package sest is sestd's client for the Servicestelle's SOAP web service
// ("Schnittstelle Service-Stelle" of the Dialogorientiertes
// Serviceverfahren). It owns the WSDLs, the wire codec, the request and
// response messages, the typed operations, and the mapping of everything
// that can go wrong to typed errors. Jobs are written against the
// Servicestelle interface; *Client implements it.
//
// The data it sends and receives is the model in internal/sestmodel
// (Bewerbung, Bewerber, Studienangebot, Rangliste, Timestamp, the
// Bearbeitungsstatus table, result codes, operation names), a leaf package
// that the store, the importers and the configuration use without this
// client or gosoap. The codec knows the model's shape through struct tags,
// its table of choice types (choiceTypes in wire.go) and the exported
// XSIType/XSITypes/SetXSIType methods of a type behind several xsi:types;
// the model knows nothing of the codec. The simulator (internal/sest/sim)
// imports the model for its data and this package for the codec (strict
// request decoding, response encoding): a known, accepted dependency.
//
// # Contract: WSDLs and schemas
//
// The official WSDL is not public. The files in wsdl/ (embedded; Contract
// returns them as an fs.FS, Schema one schema) are written from the public
// facts of the Sestco manual and the public clients named below, and generated
// from the Go types and the namespace table in wire.go
// (wsdl_gen_test.go), so the XSD, the encoder and the decoder share one
// element order and one namespace per element:
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
// Two request paths, one client. gosoap encodes and sends every request
// without a polymorphic item (16 of 19 operations): its envelope carries
// sestd's prefix declarations (gosoap.SetCustomEnvelope, which is
// package-global: sestd sets it once per process, in New, always to the same
// value) and its parameters are gosoap.ArrayParams with prefixed names in
// schema order, every value in its lexical form. gosoap writes no
// attributes, so the three operations that send xsi:type
// (anlegenAendernStudienangeboteDurchHS, uebermittelnNeueBewerbungenAnSeSt,
// uebermittelnGeaenderteBewerbungenAnSeSt; Operation.ViaGosoap reports it)
// are encoded by the same encoder into the same envelope and POSTed through
// the very http.Client gosoap uses for that service: same round tripper,
// endpoint, SOAPAction, timeout, context, basic auth, logging, metrics and
// errors.
//
// The decoder (Client) takes any prefixes, reads payload fields by local
// name (as the public clients do; not every response namespace is public),
// resolves xsi:type values through the namespace declarations in scope,
// skips elements it does not know (elements a newer interface version
// adds), counting each in sestd_soap_unknown_elements_total{operation,
// element} with a debug log line, and refuses an item whose xsi:type it
// does not know or that has none (a *MalformedResponseError naming the
// element and the type), never returning a silently empty item. A fault's
// type is its ServiceFehler's xsi:type. The simulator decodes requests
// strictly (ParseRequest): every element in its official namespace and in
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
//
// # Client contract
//
// Built on gosoap: a free list of gosoap clients per service, each with
// its own http.Client whose round tripper serves the embedded WSDL under a
// pseudo host (gosoap insists on fetching it; nothing touches disk or
// network), rewrites every request to the configured base URL, sets
// SOAPAction from the operation table, applies the call's context (gosoap
// takes none), reads the whole response and keeps it. gosoap (or, for the
// xsi:type requests, the Client's own encoder through gosoap's http.Client)
// encodes and sends; neither decodes through gosoap: the round tripper
// hands gosoap a minimal envelope, because gosoap would tokenize the whole
// response only to copy its body, and Response.Unmarshal tokenizes it
// twice more. The Client decodes the kept response once (see BenchmarkDecode500
// and BenchmarkRoundTrip500 for the cost), with its own scanner over the
// body's bytes (wire_scan.go; a body in another encoding than UTF-8 goes
// through encoding/xml); the simulator's strict decoding uses encoding/xml.
//
// Every call is bounded by Config.Timeout and ctx, counted in
// sestd_soap_requests_total{service,operation,outcome} and timed in
// sestd_soap_request_duration_seconds. Failures are typed: *FaultError
// (SOAP fault, also on HTTP 500), *HTTPError (other non-2xx; 401/403 match
// ErrUnauthorized), *TimeoutError, *MalformedResponseError,
// *TransportError, or ctx's error wrapped on cancellation. IsPermanent
// tells a job whether to give up (river.JobCancel) or retry.
//
// Timestamps travel as yyyy-MM-ddTHH:mm:ss.SSS wall clock in
// Config.Location (default Europe/Berlin); Go values are UTC.
//
// Logging: request and response bodies (personal data) only at debug level
// and only with Config.DebugBodies; the Authorization header never.
package sest
