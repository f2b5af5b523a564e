package outbound

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// This file reads the outbox's payloads. A payload that does not decode
// is never sent (neither half empty nor left queued for ever): its item
// is rejected with a reason naming it, which the outbox listings and the
// admins' mail show, and the rest of the run goes on.

// authPayload is the payload of a bewerber_auth item.
type authPayload struct {
	BAN string `json:"ban,omitempty"`
}

// decodePayload reads raw into v strictly: a key v does not declare is
// an error, so that a payload written under other keys (by another
// version of sestd) is refused rather than read with fields left empty.
func decodePayload(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the payload")
	}
	return nil
}

// decodeBewerbung reads the payload of a bewerbung item: exactly one of
// an Einfach- and a Mehrfachstudienangebotsbewerbung.
func decodeBewerbung(it store.OutboxItem) (sestmodel.Bewerbung, error) {
	var b sestmodel.Bewerbung
	if err := decodePayload(it.Payload, &b); err != nil {
		return sestmodel.Bewerbung{}, err
	}
	if (b.Einfach == nil) == (b.Mehrfach == nil) {
		return sestmodel.Bewerbung{}, errors.New("it is not exactly one of an Einfach- and a Mehrfachstudienangebotsbewerbung")
	}
	return b, nil
}

// decodeAuth reads the payload of a bewerber_auth item, which must hold
// a BAN.
func decodeAuth(it store.OutboxItem) (authPayload, error) {
	var p authPayload
	if err := decodePayload(it.Payload, &p); err != nil {
		return authPayload{}, err
	}
	if p.BAN == "" {
		return authPayload{}, errors.New("it holds no BAN (removed when a settled authorisation is cleaned up; deliver the authorisation again)")
	}
	return p, nil
}

// undecodable is the result for item it whose payload does not decode
// (err): rejected, not sent.
func undecodable(it store.OutboxItem, err error) store.OutboxResult {
	return store.OutboxResult{ID: it.ID, State: store.OutboxRejected,
		Reason: fmt.Sprintf("not sent: the payload of outbox item %d (%s %s) does not decode: %v", it.ID, it.Kind, it.ItemKey, err)}
}
