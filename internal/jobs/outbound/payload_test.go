package outbound

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
)

// The payloads as the outbox holds them: what decodes, and what is
// refused with which reason.
func TestDecodePayloads(t *testing.T) {
	t.Parallel()
	item := func(kind, payload string) store.OutboxItem {
		return store.OutboxItem{ID: 7, Kind: kind, ItemKey: "H-7", Payload: json.RawMessage(payload)}
	}
	for _, tc := range []struct {
		name, payload, err string
	}{
		{"einfach", `{"einfach": {"bearbeitungsstatus": "eingegangen"}}`, ""},
		{"mehrfach", `{"mehrfach": {"bearbeitungsstatus": "gueltig"}}`, ""},
		{"neither", `{}`, "it is not exactly one of an Einfach- and a Mehrfachstudienangebotsbewerbung"},
		{"both", `{"einfach": {}, "mehrfach": {}}`, "it is not exactly one of"},
		{"null", `null`, "it is not exactly one of"},
		{"a key the Bewerbung does not have", `{"einfach": {"bearbeitungsstatus": "gueltig", "status_alt": "x"}}`, `json: unknown field "status_alt"`},
		{"a value of the wrong type", `{"einfach": {"bearbeitungsstatus": 3}}`, "json: cannot unmarshal number into Go struct field"},
		{"data after the payload", `{"einfach": {}} {}`, "data after the payload"},
		{"not JSON", `{"einfach": `, "unexpected EOF"},
	} {
		t.Run("bewerbung "+tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := decodeBewerbung(item(store.OutboxKindBewerbung, tc.payload))
			if tc.err == "" {
				require.NoError(t, err)
				require.NotEmpty(t, b.Bearbeitungsstatus())
				return
			}
			require.ErrorContains(t, err, tc.err)
		})
	}
	for _, tc := range []struct {
		name, payload, ban, err string
	}{
		{"with BAN", `{"ban": "X7K2"}`, "X7K2", ""},
		{"BAN removed by the cleanup", `{}`, "", "it holds no BAN"},
		{"another key", `{"ban": "X7K2", "pin": "1"}`, "", `json: unknown field "pin"`},
		{"an array", `["X7K2"]`, "", "json: cannot unmarshal array"},
	} {
		t.Run("bewerber_auth "+tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := decodeAuth(item(store.OutboxKindBewerberAuth, tc.payload))
			if tc.err == "" {
				require.NoError(t, err)
				require.Equal(t, tc.ban, p.BAN)
				return
			}
			require.ErrorContains(t, err, tc.err)
		})
	}
	r := undecodable(item(store.OutboxKindBewerberAuth, `[]`), errors.New("kaputt"))
	require.Equal(t, store.OutboxRejected, r.State)
	require.Equal(t, int64(7), r.ID)
	require.Equal(t, "not sent: the payload of outbox item 7 (bewerber_auth H-7) does not decode: kaputt", r.Reason)
}
