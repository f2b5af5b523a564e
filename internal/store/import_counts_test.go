package store_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

// The import statuses sestd knows are exactly those import_runs' CHECK
// constraint allows, read from the migrated database.
func TestImportStatusesAreTheCheckConstraintsValues(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	var def string
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'import_runs'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%status%'`).Scan(&def))
	var inDB []string
	for _, m := range regexp.MustCompile(`'([a-z_]+)'`).FindAllStringSubmatch(def, -1) {
		inDB = append(inDB, m[1])
	}
	var ours []string
	for _, s := range store.ImportStatuses() {
		ours = append(ours, string(s))
	}
	slices.Sort(inDB)
	slices.Sort(ours)
	require.Equal(t, inDB, ours, "constraint: %s", def)
}
