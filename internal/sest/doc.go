// Package sest is sestd's client for the Servicestelle's SOAP web service
// ("Schnittstelle Service-Stelle" of the Dialogorientiertes
// Serviceverfahren). It owns the WSDLs, the Servicestelle's data types, the
// typed operations, and the mapping of everything that can go wrong to
// typed errors. Jobs are written against the Servicestelle interface;
// *Client implements it.
//
// # WSDLs
//
// The official WSDL is not public. The five WSDLs in wsdl/ (embedded) are
// written from the public facts in the Sestco manual and
// shared/SERVICESTELLE.md: document/literal SOAP 1.1, one endpoint per
// service at <base_url>/<service> where base_url ends in the interface
// version, request elements named <operation>Request, every request
// starting with the context block (version, hochschulnummer,
// serviceverfahren{jahr, semester}, vermittlungsprozessTyp). They are
// generated from the Go types (wsdl_gen_test.go), so the XSD, encoding/xml
// and the request encoder share one element order.
//
// Two deliberate deviations from the official service, both forced by
// gosoap v1.4.4 (see shared/GOSOAP.md) and both small to undo:
//
//   - One namespace per service. gosoap writes the request element with a
//     default xmlns (the first schema's target namespace) and cannot
//     qualify nested elements with another namespace except through
//     gosoap.SetCustomEnvelope, which is package-global mutable state
//     (racy, and shared with any other gosoap user in the process). So
//     every type of a service lives in its <Name>ServiceParamV1_0
//     namespace instead of CommonV1_0, BewerbungenV1_0, ….
//   - Polymorphism as xs:choice of elements. gosoap cannot write
//     attributes, so no xsi:type. Where the official service sends
//     <bewerbung xsi:type="Einfachstudienangebotsbewerbung">…, sestd's WSDL
//     has <bewerbung><einfachstudienangebotsbewerbung>…</…></bewerbung>
//     (likewise Studienangebot, the Schlüssel types). The fault detail,
//     which only the server writes, keeps xsi:type.
//
// # Client contract
//
// Built on gosoap: a free list of gosoap clients per service, each with
// its own http.Client whose round tripper serves the embedded WSDL under a
// pseudo host (gosoap insists on fetching it; nothing touches disk or
// network), rewrites every request to the configured base URL, sets
// SOAPAction from the operation table, applies the call's context (gosoap
// takes none), reads the whole response and keeps it. Parameters are
// gosoap.ArrayParams in schema order, every value converted to its lexical
// form by encodeParams (gosoap writes non-strings as empty elements).
// gosoap thus encodes and sends; it does not decode: the round tripper
// hands it a minimal envelope, because gosoap would tokenize the whole
// response only to copy its body, and Response.Unmarshal tokenizes it
// twice more. The Client decodes the kept response once with
// encoding/xml. Measured on 500 Bewerbungen (~670 KB, BenchmarkDecode500):
// one pass 37 ms and 5.4 MB allocated, gosoap's Unmarshal 56 ms and 9.2 MB,
// plus gosoap's envelope pass; a round trip through the simulator
// (BenchmarkRoundTrip500) fetches about 11,000 Bewerbungen/s.
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
