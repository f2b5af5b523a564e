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

	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
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
	compare(t, pool, "Bewerbung", "bewerbung", "bewerbung_key", s.Bewerbungen(), sestmodel.Bewerbung.Key)
	compare(t, pool, "Bewerber", "bewerber", "bewerber_id", s.AllBewerber(), func(x sestmodel.Bewerber) string { return x.ID })
	compare(t, pool, "Studienangebot", "studienangebot", "schluessel", s.Studienangebote(), sestmodel.Studienangebot.Key)
	compare(t, pool, "Studienpaket", "studienpaket", "schluessel", s.Studienpakete(), func(x sestmodel.Studienpaket) string { return x.Schluessel })
	compare(t, pool, "Ranglistenstatus", "ranglistenstatus", "ranglisten_schluessel", s.Ranglistenstatus(),
		func(x sestmodel.Ranglistenstatus) string { return x.RanglistenSchluessel })

	var stubs int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM bewerber WHERE NOT complete`).Scan(&stubs))
	require.Zero(t, stubs, "every applicant of a Bewerbung has its Stammdaten")
}

// compare requires the mirror table to hold exactly the simulator's items
// of one kind, each equal field by field.
func compare[T any](t testing.TB, pool *pgxpool.Pool, what, table, keyCol string, items []T, key func(T) string) {
	t.Helper()
	mirror := mirrorData(t, pool, table, keyCol)
	require.Equal(t, len(items), len(mirror), "%s: mirror holds as many items as the simulator", what)
	for _, want := range items {
		k := key(want)
		raw, ok := mirror[k]
		require.True(t, ok, "%s %s is mirrored", what, k)
		var got T
		require.NoError(t, json.Unmarshal(raw, &got))
		require.Equal(t, normalize(t, want), normalize(t, got), "%s %s equals the simulator's", what, k)
	}
}
