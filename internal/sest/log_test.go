package sest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"sestd/internal/sest"
)

func TestDebugBodiesRedactCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		name       string
		level      zapcore.Level
		debug      bool
		wantBodies bool
	}{
		{"debug with bodies", zapcore.DebugLevel, true, true},
		{"debug without bodies", zapcore.DebugLevel, false, false},
		{"info with bodies", zapcore.InfoLevel, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(tc.level)
			cfg := b.cfg
			cfg.DebugBodies = tc.debug
			c, err := sest.New(cfg, zap.New(core), nil)
			require.NoError(t, err)
			bw, ban, err := b.sim.Bewerber(b.sim.AllBewerber()[0].ID)
			require.NoError(t, err)
			_, err = c.StammdatenAbrufen(context.Background(), bw.ID, ban)
			require.NoError(t, err)
			var all strings.Builder
			for _, e := range logs.All() {
				fmt.Fprintf(&all, "%s %v\n", e.Message, e.ContextMap())
			}
			text := all.String()
			require.NotContains(t, text, "geheim", "password never logged")
			require.NotContains(t, text, "Basic ", "authorization header never logged")
			if tc.wantBodies {
				require.Contains(t, text, "REDACTED")
				require.Contains(t, text, bw.Nachname, "response body logged at debug")
				require.Contains(t, text, ban, "request body logged at debug")
			} else {
				require.NotContains(t, text, bw.Nachname, "no personal data")
				require.NotContains(t, text, ban)
			}
		})
	}
}

func TestInsecureSkipVerifyWarns(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.WarnLevel)
	cfg := clientConfig("https://127.0.0.1:1")
	cfg.InsecureSkipVerify = true
	_, err := sest.New(cfg, zap.New(core), nil)
	require.NoError(t, err)
	require.Equal(t, 1, logs.FilterMessageSnippet("VERIFICATION IS DISABLED").Len())
}
