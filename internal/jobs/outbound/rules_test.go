package outbound

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/sestmodel"
)

// The bearbeitungsstatus table: Sestco's defaults, overridden per status
// by sync.bearbeitungsstatus.
func TestTransitionForbidden(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	o := New(Deps{Config: cfg})
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
	o = New(Deps{Config: cfg})
	require.Contains(t, o.transitionForbidden("gueltig", "eingeschrieben"),
		"eingeschrieben exists only from interface version 4 (servicestelle.interface_version is 3)")
	require.Empty(t, o.transitionForbidden("Zulassungsangebot_liegt_vor", "ausgeschlossen"), "overridden: uni_out")
	require.Contains(t, o.transitionForbidden("gueltig", "eingegangen"), "uni_in is false")
	require.Empty(t, o.transitionForbidden("gueltig", "gueltig"))

	cfg.Servicestelle.InterfaceVersion = 4
	o = New(Deps{Config: cfg})
	require.Empty(t, o.transitionForbidden("gueltig", "eingeschrieben"), "version 4: the university reports enrolments")
}

// An item's result: where it was sent, unless that one is another's.
func TestResultFor(t *testing.T) {
	t.Parallel()
	res := func(keys ...string) []sestmodel.BewerbungErgebnis {
		out := make([]sestmodel.BewerbungErgebnis, len(keys))
		for i, k := range keys {
			out[i] = sestmodel.BewerbungErgebnis{Key: k, VersionSeSt: i + 1}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		res  []sestmodel.BewerbungErgebnis
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

// The retry delay doubles per attempt and stays within outbox.max_backoff
// (a day by default), however many attempts are made.
func TestRetryDelay(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	for _, tc := range []struct {
		backoff, limit time.Duration
		attempts       int
		want           time.Duration
	}{
		{0, day, 5, 0},
		{time.Minute, day, 0, time.Minute},
		{time.Minute, day, 1, time.Minute},
		{time.Minute, day, 2, 2 * time.Minute},
		{time.Minute, day, 4, 8 * time.Minute},
		{time.Minute, day, 20, day}, // 2^19 minutes is a year: capped
		{time.Hour, day, 1000, day},
		{time.Minute, time.Hour, 7, time.Hour}, // 64 minutes: capped at the configured hour
		{time.Minute, time.Hour, 6, 32 * time.Minute},
		{48 * time.Hour, 48 * time.Hour, 30, 48 * time.Hour},
	} {
		require.Equal(t, tc.want, retryDelay(tc.backoff, tc.limit, tc.attempts), "%s (cap %s) after %d attempts", tc.backoff, tc.limit, tc.attempts)
	}
}
