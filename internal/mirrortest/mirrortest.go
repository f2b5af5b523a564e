// Package mirrortest compares sestd's mirror in PostgreSQL with a
// simulator's data, field by field. It is for tests only.
package mirrortest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"sestd/internal/sest"
	"sestd/internal/sest/sim"
)

// normalize decodes JSON into generic values with every timestamp in UTC,
// so that items decoded by the client compare equal with the simulator's.
func normalize(t testing.TB, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(raw, &out))
	var walk func(any) any
	walk = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				x[k] = walk(v)
			}
		case []any:
			for i, v := range x {
				x[i] = walk(v)
			}
		case string:
			if ts, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return ts.UTC().Format(time.RFC3339Nano)
			}
		}
		return x
	}
	return walk(out)
}

// mirrorData reads key → data of a mirror table.
func mirrorData(t testing.TB, pool *pgxpool.Pool, table, key string) map[string]json.RawMessage {
	t.Helper()
	rows, err := pool.Query(context.Background(), fmt.Sprintf(`SELECT %s, data FROM %s WHERE data IS NOT NULL`, key, table))
	require.NoError(t, err)
	out := map[string]json.RawMessage{}
	for rows.Next() {
		var k string
		var d json.RawMessage
		require.NoError(t, rows.Scan(&k, &d))
		out[k] = d
	}
	require.NoError(t, rows.Err())
	return out
}

// RequireMirrorEqualsSim compares every mirrored item with the
// simulator's, field by field, and checks no applicant is a stub.
func RequireMirrorEqualsSim(t testing.TB, pool *pgxpool.Pool, s *sim.Sim) {
	t.Helper()
	compare := func(what string, mirror map[string]json.RawMessage, want map[string]any, decode func(json.RawMessage) (any, error)) {
		t.Helper()
		require.Equal(t, len(want), len(mirror), "%s: mirror holds as many items as the simulator", what)
		for k, w := range want {
			raw, ok := mirror[k]
			require.True(t, ok, "%s %s is mirrored", what, k)
			got, err := decode(raw)
			require.NoError(t, err)
			require.Equal(t, normalize(t, w), normalize(t, got), "%s %s equals the simulator's", what, k)
		}
	}
	want := map[string]any{}
	for _, x := range s.Bewerbungen() {
		want[x.Key()] = x
	}
	compare("Bewerbung", mirrorData(t, pool, "bewerbung", "bewerbung_key"), want, func(r json.RawMessage) (any, error) {
		var v sest.Bewerbung
		return v, json.Unmarshal(r, &v)
	})
	want = map[string]any{}
	for _, x := range s.AllBewerber() {
		want[x.ID] = x
	}
	compare("Bewerber", mirrorData(t, pool, "bewerber", "bewerber_id"), want, func(r json.RawMessage) (any, error) {
		var v sest.Bewerber
		return v, json.Unmarshal(r, &v)
	})
	want = map[string]any{}
	for _, x := range s.Studienangebote() {
		want[x.Key()] = x
	}
	compare("Studienangebot", mirrorData(t, pool, "studienangebot", "schluessel"), want, func(r json.RawMessage) (any, error) {
		var v sest.Studienangebot
		return v, json.Unmarshal(r, &v)
	})
	want = map[string]any{}
	for _, x := range s.Studienpakete() {
		want[x.Schluessel] = x
	}
	compare("Studienpaket", mirrorData(t, pool, "studienpaket", "schluessel"), want, func(r json.RawMessage) (any, error) {
		var v sest.Studienpaket
		return v, json.Unmarshal(r, &v)
	})
	want = map[string]any{}
	for _, x := range s.Ranglistenstatus() {
		want[x.RanglistenSchluessel] = x
	}
	compare("Ranglistenstatus", mirrorData(t, pool, "ranglistenstatus", "ranglisten_schluessel"), want, func(r json.RawMessage) (any, error) {
		var v sest.Ranglistenstatus
		return v, json.Unmarshal(r, &v)
	})

	var stubs int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM bewerber WHERE NOT complete`).Scan(&stubs))
	require.Zero(t, stubs, "every applicant of a Bewerbung has its Stammdaten")
}
