package deploytest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const dashboardPath = "deploy/grafana/sestd.json"

// dsRef is a Grafana data source reference.
type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// panel is the part of a Grafana panel the tests look at.
type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *dsRef `json:"datasource"`
	GridPos    struct {
		H int `json:"h"`
		W int `json:"w"`
		X int `json:"x"`
		Y int `json:"y"`
	} `json:"gridPos"`
	Targets []struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Datasource *dsRef `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // of a collapsed row
}

type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// dashboardPanels returns the dashboard and its panels, rows' panels
// included, rows themselves excluded.
func dashboardPanels(t *testing.T) (dashboard, []panel) {
	t.Helper()
	var d dashboard
	require.NoError(t, json.Unmarshal(readRepoFile(t, dashboardPath), &d), dashboardPath)
	var out []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			out = append(out, p)
		}
	}
	walk(d.Panels)
	return d, out
}

// dsVar is how every panel names its data source: the dashboard's
// data source variable, never a UID of one Grafana installation.
const dsVar = "${datasource}"

func TestDashboard(t *testing.T) {
	t.Parallel()
	d, panels := dashboardPanels(t)
	require.Equal(t, "sestd", d.UID)
	require.NotEmpty(t, d.Title)
	require.GreaterOrEqual(t, d.SchemaVersion, 36)
	require.NotEmpty(t, panels)

	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
	}
	require.Equal(t, "datasource", vars["datasource"], "a data source variable named datasource")

	referenced := map[string]bool{}
	ids := map[int]string{}
	for _, p := range panels {
		require.NotContains(t, ids, p.ID, "panel id %d used by %q and %q", p.ID, ids[p.ID], p.Title)
		ids[p.ID] = p.Title
		require.NotEmpty(t, p.Title, "panel %d has no title", p.ID)
		require.NotNil(t, p.Datasource, "panel %q has no data source", p.Title)
		require.Equal(t, dsRef{Type: "prometheus", UID: dsVar}, *p.Datasource, "panel %q", p.Title)
		require.Positive(t, p.GridPos.W, "panel %q width", p.Title)
		require.Positive(t, p.GridPos.H, "panel %q height", p.Title)
		require.LessOrEqual(t, p.GridPos.X+p.GridPos.W, 24, "panel %q is wider than the grid", p.Title)
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, tg := range p.Targets {
			require.NotEmpty(t, strings.TrimSpace(tg.Expr), "panel %q query %s is empty", p.Title, tg.RefID)
			if tg.Datasource != nil {
				require.Equal(t, dsVar, tg.Datasource.UID, "panel %q query %s", p.Title, tg.RefID)
			}
			for _, m := range sestdMetricRef.FindAllString(tg.Expr, -1) {
				fam := familyOf(m)
				require.NotEmpty(t, fam, "panel %q: %s is not a metric sestd exposes", p.Title, m)
				referenced[fam] = true
			}
			for _, prefix := range []string{"go_", "process_"} {
				if regexp.MustCompile(`\b` + prefix + `[a-z_]+`).MatchString(tg.Expr) {
					referenced[prefix+"*"] = true
				}
			}
		}
	}

	for fam := range metricFamilies {
		require.True(t, referenced[fam], "no panel shows %s", fam)
	}
	require.True(t, referenced["go_*"], "no panel shows the Go runtime (go_*)")
	require.True(t, referenced["process_*"], "no panel shows the process (process_*)")

	t.Run("panels do not overlap", func(t *testing.T) {
		type cell struct{ x, y int }
		owner := map[cell]string{}
		for _, p := range panels {
			for x := p.GridPos.X; x < p.GridPos.X+p.GridPos.W; x++ {
				for y := p.GridPos.Y; y < p.GridPos.Y+p.GridPos.H; y++ {
					c := cell{x, y}
					require.NotContains(t, owner, c, "panels %q and %q overlap", owner[c], p.Title)
					owner[c] = p.Title
				}
			}
		}
	})
}

// grafanaVars replaces Grafana's variables with values Prometheus accepts.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "5m",
	"$__interval", "1m",
	"$__range", "6h",
	"${instance}", ".+",
	"$instance", ".+",
)

// TestDashboardQueries has promtool parse every panel query, by writing them
// out as recording rules.
func TestDashboardQueries(t *testing.T) {
	t.Parallel()
	tool := requireTool(t, "promtool", "prometheus")
	_, panels := dashboardPanels(t)

	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	for _, p := range panels {
		for _, tg := range p.Targets {
			expr := grafanaVars.Replace(tg.Expr)
			require.NotContains(t, expr, "$", "panel %q query %s uses a variable the test does not know", p.Title, tg.RefID)
			rules = append(rules, rule{
				Record: fmt.Sprintf("dashboard:panel_%d_%s", p.ID, strings.ToLower(tg.RefID)),
				Expr:   expr,
			})
		}
	}
	require.False(t, slices.ContainsFunc(rules, func(r rule) bool { return r.Expr == "" }))
	b, err := yaml.Marshal(map[string]any{
		"groups": []any{map[string]any{"name": "dashboard", "rules": rules}},
	})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dashboard_rules.yml"), b, 0o644))

	r := runTool(t, dir, tool, "check", "rules", "dashboard_rules.yml")
	require.NoError(t, r.err, "a dashboard query does not parse:\n%s", r.output())
	require.Contains(t, r.output(), fmt.Sprintf("SUCCESS: %d rules found", len(rules)))
}

// TestGrafanaProvisioning checks that the docker-compose Grafana loads the
// dashboard and reaches the compose Prometheus.
func TestGrafanaProvisioning(t *testing.T) {
	t.Parallel()
	var ds struct {
		Datasources []struct {
			Type      string `yaml:"type"`
			URL       string `yaml:"url"`
			IsDefault bool   `yaml:"isDefault"`
		} `yaml:"datasources"`
	}
	decodeYAMLFile(t, "deploy/grafana/provisioning/datasources/prometheus.yml", &ds)
	require.Len(t, ds.Datasources, 1)
	require.Equal(t, "prometheus", ds.Datasources[0].Type)
	require.True(t, ds.Datasources[0].IsDefault, "the dashboard's ${datasource} starts at the default")
	u := mustURL(t, ds.Datasources[0].URL)

	var dash struct {
		Providers []struct {
			Type    string `yaml:"type"`
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	decodeYAMLFile(t, "deploy/grafana/provisioning/dashboards/sestd.yml", &dash)
	require.Len(t, dash.Providers, 1)
	require.Equal(t, "file", dash.Providers[0].Type)

	services := composeFile(t)
	require.Contains(t, services, "grafana")
	require.Contains(t, services, u.Hostname(), "the data source points at a compose service")
	require.Equal(t, "9090", u.Port())
	grafana := services["grafana"]
	require.Contains(t, grafana.Volumes, "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro")
	require.Contains(t, grafana.Volumes, "./"+dashboardPath+":"+dash.Providers[0].Options.Path+"/sestd.json:ro",
		"the dashboard is mounted where the provider looks")
}
