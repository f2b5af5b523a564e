package sest_test

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestZeepLoadsAndCalls checks with a standard SOAP toolkit (python zeep,
// strict mode, warnings as errors) that every WSDL loads and that
// operations of every service can be called against the simulator.
// Skipped when /usr/bin/python3 cannot import zeep (apt-get install
// python3-zeep).
func TestZeepLoadsAndCalls(t *testing.T) {
	t.Parallel()
	if err := exec.Command("/usr/bin/python3", "-c", "import zeep").Run(); err != nil {
		t.Skipf("SKIP zeep contract test: /usr/bin/python3 -c 'import zeep' failed (%v); install python3-zeep to run it", err)
	}
	b := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", "testdata/zeep_check.py",
		b.srv.URL+"/hochschule/webservice/3", "hs1810", "geheim+#9/")
	out, err := cmd.CombinedOutput()
	t.Logf("zeep:\n%s", out)
	require.NoError(t, err)
	require.Contains(t, string(out), "OK")
}
