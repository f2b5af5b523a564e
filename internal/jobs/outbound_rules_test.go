package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/sest"
)

// The bearbeitungsstatus table: Sestco's defaults, overridden per status
// by sync.bearbeitungsstatus.
func TestTransitionForbidden(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	o := newOutbound(Deps{Config: cfg})
	for _, tc := range []struct {
		name, from, to string
		allowed        bool
	}{
		{"new in a status the university sets", "", "eingegangen", true},
		{"new as admitted", "", "zugelassen", false},
		{"unchanged", "zugelassen", "zugelassen", true},
		{"eingegangen to gueltig", "eingegangen", "gueltig", true},
		{"out of an admission offer", "Zulassungsangebot_liegt_vor", "ausgeschlossen", false},
		{"into a withdrawal", "gueltig", "zurueckgezogen", false},
		{"out of a withdrawal", "zurueckgezogen", "gueltig", true},
		{"unknown status", "gueltig", "erfunden", false},
	} {
		require.Equal(t, tc.allowed, o.transitionForbidden(tc.from, tc.to) == "", tc.name)
	}

	cfg.Sync.Bearbeitungsstatus = map[string]config.StatusRule{
		"Zulassungsangebot_liegt_vor": {SestIn: true, SestOut: true, UniIn: false, UniOut: true},
		"in_Vorbereitung":             {SestIn: false, SestOut: true, UniIn: true, UniOut: true},
		"eingegangen":                 {SestIn: true, SestOut: true, UniIn: false, UniOut: true},
	}
	o = newOutbound(Deps{Config: cfg})
	require.Contains(t, o.transitionForbidden("gueltig", "eingeschrieben"),
		"eingeschrieben exists only from interface version 4 (servicestelle.interface_version is 3)")
	require.Empty(t, o.transitionForbidden("Zulassungsangebot_liegt_vor", "ausgeschlossen"), "overridden: uni_out")
	require.Contains(t, o.transitionForbidden("gueltig", "eingegangen"), "uni_in is false")
	require.Empty(t, o.transitionForbidden("gueltig", "gueltig"))

	cfg.Servicestelle.InterfaceVersion = 4
	o = newOutbound(Deps{Config: cfg})
	require.Empty(t, o.transitionForbidden("gueltig", "eingeschrieben"), "version 4: the university reports enrolments")
}

// An item's result: where it was sent, unless that one is another's.
func TestResultFor(t *testing.T) {
	t.Parallel()
	res := func(keys ...string) []sest.BewerbungErgebnis {
		out := make([]sest.BewerbungErgebnis, len(keys))
		for i, k := range keys {
			out[i] = sest.BewerbungErgebnis{Key: k, VersionSeSt: i + 1}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		res  []sest.BewerbungErgebnis
		i    int
		key  string
		want int // VersionSeSt of the result chosen
	}{
		{"in order", res("a", "b", "c"), 1, "b", 2},
		{"out of order", res("c", "a", "b"), 0, "a", 2},
		{"without keys: by position", res("", "", ""), 2, "c", 3},
		{"key not answered: by position", res("x", "y"), 1, "b", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, resultFor(tc.res, tc.i, tc.key).VersionSeSt)
		})
	}
}

// The retry delay doubles per attempt and stays within a day (or the
// configured backoff, when longer), however many attempts are allowed.
func TestRetryDelay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		backoff  time.Duration
		attempts int
		want     time.Duration
	}{
		{0, 5, 0},
		{time.Minute, 0, time.Minute},
		{time.Minute, 1, time.Minute},
		{time.Minute, 2, 2 * time.Minute},
		{time.Minute, 4, 8 * time.Minute},
		{time.Minute, 20, 24 * time.Hour},
		{time.Hour, 1000, 24 * time.Hour},
		{48 * time.Hour, 1, 48 * time.Hour},
		{48 * time.Hour, 30, 48 * time.Hour},
	} {
		require.Equal(t, tc.want, retryDelay(tc.backoff, tc.attempts), "%s after %d attempts", tc.backoff, tc.attempts)
	}
}
