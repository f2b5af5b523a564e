// Package sestmodel is the Servicestelle's data model: the data types of
// the Dialogorientiertes Serviceverfahren as sestd holds, stores and sends
// them (Bewerbung, Bewerber, Studienangebot, Studienpaket, Rangliste,
// Ranglistenstatus, Dokument and their keys), the per-item results
// (Ergebnis with its status values and rejection codes, ParseCode),
// the Servicestelle's timestamps (Timestamp, ParseTimestamp,
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
// internal/sest's golden tests and this package's stored-JSON tests).
//
// # Stored JSON
//
// The types are kept as JSON (json.Marshal) in the mirror (the data of
// bewerbung, bewerber, studienangebot, studienpaket, ranglistenstatus), in
// outbox payloads and in the upload log; the mirror hashes those bytes to
// tell a changed item from an unchanged one, SQL views read the keys, and
// the subject export shows them to the applicant. The keys are therefore a
// contract, not Go identifiers. Every field declares its key, by one rule:
// snake_case of the field name, a word starting at each capital, an
// acronym counting as one word (ID → id, BewerberBAN → bewerber_ban,
// URLHSBewerbungsportal → url_hs_bewerbungsportal, VersionSeSt →
// version_sest), never omitempty, so that every key is always there.
// Renaming a Go field changes nothing stored; changing a key changes every
// stored hash and needs, in the same change, a store migration of the
// stored rows and new golden files (TestStoredJSONShape,
// TestStoredItemsGolden).
package sestmodel
