package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

func TestDaemonGCDefaultsYieldToTheEnvironment(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	require.Equal(t, gcSettings{percent: 300, limit: 128 << 20}, daemonGC(env(nil)))
	require.Equal(t, gcSettings{limit: 128 << 20}, daemonGC(env(map[string]string{"GOGC": "off"})))
	require.Equal(t, gcSettings{percent: 300}, daemonGC(env(map[string]string{"GOMEMLIMIT": "1GiB"})))
	require.Equal(t, gcSettings{}, daemonGC(env(map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"})))

	prevPercent, prevLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(prevPercent); debug.SetMemoryLimit(prevLimit) })
	daemonGC(env(nil)).apply(zap.NewNop())
	require.Equal(t, 300, debug.SetGCPercent(100), "GC percent applied")
	require.Equal(t, int64(134217728), debug.SetMemoryLimit(-1), "soft memory limit applied (128 MiB)")

	debug.SetMemoryLimit(1 << 40)
	daemonGC(env(map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"})).apply(zap.NewNop())
	require.Equal(t, 100, debug.SetGCPercent(100), "GOGC from the environment left alone")
	require.Equal(t, int64(1<<40), debug.SetMemoryLimit(-1), "GOMEMLIMIT from the environment left alone")
}
