package deploytest

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// registeredFamilies finds the metric families sestd's code declares: string
// literals starting with sestd_ given as Name: in a composite literal
// (prometheus.CounterOpts{Name: …}, metrics.GaugeFunc{Name: …}, …) in the
// non-test Go files below cmd/ and internal/.
func registeredFamilies(t *testing.T) map[string]string {
	t.Helper()
	root := repoRoot(t)
	found := map[string]string{} // family → file:line
	fset := token.NewFileSet()
	for _, top := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				kv, ok := n.(*ast.KeyValueExpr)
				if !ok {
					return true
				}
				key, ok := kv.Key.(*ast.Ident)
				if !ok || key.Name != "Name" {
					return true
				}
				lit, ok := kv.Value.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				name, err := strconv.Unquote(lit.Value)
				if err == nil && strings.HasPrefix(name, "sestd_") {
					rel, _ := filepath.Rel(root, path)
					found[name] = rel + ":" + strconv.Itoa(fset.Position(lit.Pos()).Line)
				}
				return true
			})
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			require.NoError(t, err)
		}
	}
	return found
}

// TestMetricFamiliesMatchCode keeps the alert rules and the dashboard in step
// with the code: a metric family added to sestd must be added to
// metricFamilies, which makes TestDashboard demand a panel for it.
func TestMetricFamiliesMatchCode(t *testing.T) {
	t.Parallel()
	found := registeredFamilies(t)
	for _, name := range slices.Sorted(maps.Keys(found)) {
		require.Contains(t, metricFamilies, name,
			"%s (%s) is not in metricFamilies: add it there and give it a panel in %s", name, found[name], dashboardPath)
	}
	for _, name := range slices.Sorted(maps.Keys(metricFamilies)) {
		if _, ok := found[name]; !ok {
			t.Logf("%s is not declared in cmd/ or internal/ yet", name)
		}
	}
}
