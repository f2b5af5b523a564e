package sestmodel_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
)

func TestStatusRulesPerInterfaceVersion(t *testing.T) {
	t.Parallel()
	v3, v4 := sestmodel.DefaultStatusRules(3), sestmodel.DefaultStatusRules(4)
	require.Len(t, v3, 7)
	require.Len(t, v4, 10)
	for _, s := range []string{"eingeschrieben", "nicht_eingeschrieben", "Frist_ueberschritten"} {
		require.NotContains(t, v3, s)
		require.Contains(t, v4, s)
		require.Equal(t, 4, sestmodel.StatusSince(s))
	}
	require.Equal(t, 4, sestmodel.StatusSince("EINGESCHRIEBEN"), "names compare without case")
	require.Equal(t, 2, sestmodel.StatusSince("gueltig"))
	// Sestco's manual names three of the defaults.
	require.Equal(t, sestmodel.StatusRule{SestIn: true, SestOut: true, UniIn: true, UniOut: true}, v3["in_Vorbereitung"])
	require.Equal(t, sestmodel.StatusRule{SestIn: true, SestOut: true, UniIn: false, UniOut: true}, v3["zurueckgezogen"])
	require.Equal(t, sestmodel.StatusRule{SestIn: true, SestOut: false, UniIn: true, UniOut: true}, v3["ausgeschlossen"])
	v3["gueltig"] = sestmodel.StatusRule{}
	require.True(t, sestmodel.DefaultStatusRules(3)["gueltig"].UniIn, "each call returns a table of its own")
}
