// Package sestmodel is the Servicestelle's data model: the data types of
// the Dialogorientiertes Serviceverfahren as sestd holds, stores and sends
// them (Bewerbung, Bewerber, Studienangebot, Studienpaket, Rangliste,
// Ranglistenstatus, Dokument and their keys), the per-item results
// (Ergebnis with its status values and rejection codes, ParseCode,
// RejectedError), the Servicestelle's timestamps (Timestamp, ParseTimestamp,
// InLocation), the Bearbeitungsstatus table with the interface versions that
// brought each status (DefaultStatusRules, StatusSince), the status of a
// Bewerber marked for deletion, and the names of the SOAP operations (as
// the upload log records them).
//
// It depends on the standard library alone (deps_test.go checks it), so
// that every package may import it: the store, the importers and the
// configuration use the model without the SOAP client in internal/sest and
// its dependencies, as River's rivertype gives River's types to code that
// does not need River's client.
//
// The types are also the wire types: their field order, xml tags and the
// methods XSIType, XSITypes and SetXSIType are read by the codec in
// internal/sest, which writes and reads the Servicestelle's messages from
// them; their json tags are the keys of the JSON stored in the mirror, the
// outbox and the upload log. Changing either changes a contract (see
// internal/sest's golden and stored-JSON tests).
package sestmodel
