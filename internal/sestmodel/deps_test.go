package sestmodel_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goList returns the packages patterns depend on (themselves included), as
// "import path" -> standard library or not, read from `go list -deps`.
//
// The go command caches a test's result keyed on the files the test
// opened, and it cannot see what a child `go list` read: goList therefore
// reads the directories and Go files of sestd's packages it lists itself,
// so that a changed import in any of them runs the test again.
func goList(t *testing.T, patterns ...string) map[string]bool {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the dependency rules are checked with `go list`: %v", err)
	}
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}} {{.Standard}} {{.Dir}}"}, patterns...)
	out, err := exec.CommandContext(t.Context(), goBin, args...).Output()
	if err != nil {
		var stderr string
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	deps := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		f := strings.SplitN(strings.TrimSpace(line), " ", 3)
		if len(f) != 3 {
			t.Fatalf("go list: unexpected line %q", line)
		}
		path, std, dir := f[0], f[1] == "true", f[2]
		deps[path] = std
		if strings.HasPrefix(path, "sestd/") {
			touchGoFiles(t, dir)
		}
	}
	return deps
}

// touchGoFiles reads dir's listing and its Go files (see goList).
func touchGoFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".go") {
			if _, err := os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestModelIsALeaf: the model imports nothing but the standard library, so
// every package may import it.
func TestModelIsALeaf(t *testing.T) {
	t.Parallel()
	deps := goList(t, "sestd/internal/sestmodel")
	if _, ok := deps["sestd/internal/sestmodel"]; !ok {
		t.Fatalf("go list did not list sestd/internal/sestmodel itself: %v", deps)
	}
	for path, std := range deps {
		if !std && path != "sestd/internal/sestmodel" {
			t.Errorf("internal/sestmodel depends on %s: the model may import the standard library only", path)
		}
	}
}

// TestStoreImportersConfigWithoutSOAPClient: the store, the importers and
// the configuration use the model, not the SOAP client (internal/sest and
// gosoap), so that they build and change without it.
func TestStoreImportersConfigWithoutSOAPClient(t *testing.T) {
	t.Parallel()
	deps := goList(t, "sestd/internal/store/...", "sestd/internal/importers/...", "sestd/internal/config")
	for _, want := range []string{"sestd/internal/store", "sestd/internal/store/bulk", "sestd/internal/importers", "sestd/internal/config", "sestd/internal/sestmodel"} {
		if _, ok := deps[want]; !ok {
			t.Fatalf("go list did not list %s: the test checks the wrong packages", want)
		}
	}
	for path := range deps {
		if path == "sestd/internal/sest" || strings.HasPrefix(path, "sestd/internal/sest/") || strings.HasPrefix(path, "github.com/tiaguinho/gosoap") {
			t.Errorf("store, importers or config depend on %s: use internal/sestmodel for the Servicestelle's data", path)
		}
	}
}

// TestConfigIsALeaf: the configuration imports of sestd only the charset
// names it validates, never the importers, the store or the database
// driver, so that every package may import it.
func TestConfigIsALeaf(t *testing.T) {
	t.Parallel()
	deps := goList(t, "sestd/internal/config")
	allowed := map[string]bool{"sestd/internal/config": true, "sestd/internal/importers/charset": true}
	for path := range deps {
		if strings.HasPrefix(path, "sestd/") && !allowed[path] {
			t.Errorf("internal/config depends on %s: config is a leaf (it may import internal/importers/charset only)", path)
		}
	}
}

// TestSimulatorAndCodecWithoutSOAPClient: the simulator and the wire codec
// (internal/sest/wire) use the model and the codec, not the SOAP client
// (internal/sest and gosoap), so that the simulator, which the client is
// tested against, builds and changes without it.
func TestSimulatorAndCodecWithoutSOAPClient(t *testing.T) {
	t.Parallel()
	deps := goList(t, "sestd/internal/sest/sim", "sestd/internal/sest/wire")
	for _, want := range []string{"sestd/internal/sest/sim", "sestd/internal/sest/wire", "sestd/internal/sestmodel"} {
		if _, ok := deps[want]; !ok {
			t.Fatalf("go list did not list %s: the test checks the wrong packages", want)
		}
	}
	for path := range deps {
		if path == "sestd/internal/sest" || strings.HasPrefix(path, "github.com/tiaguinho/gosoap") {
			t.Errorf("the simulator or the wire codec depend on %s: they may import internal/sest/wire and internal/sestmodel, not the client", path)
		}
	}
}
