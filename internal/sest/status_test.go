package sest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest"
)

func TestStatusRulesPerInterfaceVersion(t *testing.T) {
	t.Parallel()
	v3, v4 := sest.DefaultStatusRules(3), sest.DefaultStatusRules(4)
	require.Len(t, v3, 7)
	require.Len(t, v4, 10)
	for _, s := range []string{"eingeschrieben", "nicht_eingeschrieben", "Frist_ueberschritten"} {
		require.NotContains(t, v3, s)
		require.Contains(t, v4, s)
		require.Equal(t, 4, sest.StatusSince(s))
	}
	require.Equal(t, 4, sest.StatusSince("EINGESCHRIEBEN"), "names compare without case")
	require.Equal(t, 2, sest.StatusSince("gueltig"))
	// Sestco's manual names three of the defaults.
	require.Equal(t, sest.StatusRule{SestIn: true, SestOut: true, UniIn: true, UniOut: true}, v3["in_Vorbereitung"])
	require.Equal(t, sest.StatusRule{SestIn: true, SestOut: true, UniIn: false, UniOut: true}, v3["zurueckgezogen"])
	require.Equal(t, sest.StatusRule{SestIn: true, SestOut: false, UniIn: true, UniOut: true}, v3["ausgeschlossen"])
	v3["gueltig"] = sest.StatusRule{}
	require.True(t, sest.DefaultStatusRules(3)["gueltig"].UniIn, "each call returns a table of its own")
}
