package importers

import (
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/importers/ekvv"
)

// Every declaration in the list is complete, its spec builds and its
// columns resolve (a misspelt column name fails here).
func TestKindsDeclarationsCheck(t *testing.T) {
	t.Parallel()
	require.NoError(t, CheckKinds())
}

// A name or alias may name one kind only.
func TestKindsAliasNamesOneKind(t *testing.T) {
	t.Parallel()
	decls := declarations()
	other := ekvv.Kind // a kind without a spec (whose name would have to match)
	other.Name = "rankings"
	other.Aliases = []string{"ranglisten"}
	err := checkKinds(append(decls, other))
	require.EqualError(t, err, `kind rankings: "ranglisten" names kind ranking already`)

	other.Aliases = nil
	other.Name = "studenten" // an alias of sbeat_students
	require.EqualError(t, checkKinds(append(decls, other)), `kind studenten: "studenten" names kind sbeat_students already`)
}

// The tables an import locks are its declaration's targets; the rejects
// encoding and the XML reading follow the declaration too.
func TestKindsTablesFromTargets(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"uni_bewerbung", "uni_teilfachbewerbung"}, kindTables(KindUniBewerbungen))
	require.Equal(t, []string{"sbeat_student", "sbeat_identity"}, kindTables(KindSbeatStudents))
	require.Equal(t, "windows-1252", rejectsEncoding(KindSbeatExams, "windows-1252"))
	require.Equal(t, "utf8", rejectsEncoding(KindEkvv, "windows-1252"))
}
