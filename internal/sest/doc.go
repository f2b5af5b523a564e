// Package sest is sestd's client for the Servicestelle's SOAP web service
// ("Schnittstelle Service-Stelle" of the Dialogorientiertes
// Serviceverfahren): the typed operations, the gosoap-based transport,
// metrics and configuration, and the mapping of everything that can go
// wrong to typed errors. Jobs are written against the Servicestelle
// interface; *Client implements it.
//
// The data it sends and receives is the model in internal/sestmodel
// (Bewerbung, Bewerber, Studienangebot, Rangliste, Timestamp, the
// Bearbeitungsstatus table, result codes, operation names), a leaf package
// that the store, the importers and the configuration use without this
// client or gosoap. The contract (WSDLs, schemas) and the wire codec (the
// messages, the encoder and both decoders) are in internal/sest/wire,
// which imports the model and not this client; the simulator
// (internal/sest/sim) uses the model and the codec, not this client.
//
// # Sending and reading
//
// Two request paths, one client. gosoap encodes and sends every request
// without a polymorphic item (16 of 19 operations): its envelope carries
// sestd's prefix declarations (gosoap.SetCustomEnvelope, which is
// package-global: sestd sets it once per process, in New, always to the same
// value) and its parameters are gosoap.ArrayParams with prefixed names in
// schema order, every value in its lexical form. gosoap writes no
// attributes, so the three operations that send xsi:type
// (anlegenAendernStudienangeboteDurchHS, uebermittelnNeueBewerbungenAnSeSt,
// uebermittelnGeaenderteBewerbungenAnSeSt; wire.Operation.ViaGosoap
// reports it) are encoded by the same encoder (wire.EncodeMessage) into the
// same envelope (wire.RequestEnvelope) and POSTed through
// the very http.Client gosoap uses for that service: same round tripper,
// endpoint, SOAPAction, timeout, context, basic auth, logging, metrics and
// errors.
//
// The Client reads every answer with wire.DecodeResponse; a fault in it
// becomes a *FaultError, a body that is no answer a
// *MalformedResponseError.
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
// body's bytes (internal/sest/wire, scan.go; a body in another encoding than UTF-8 goes
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
