package deploytest

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const promDir = "deploy/prometheus"

// ruleFile is the part of a Prometheus rule file the tests look at.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// ruleTestFile is the part of a promtool rule test file the tests look at.
type ruleTestFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			EvalTime  string `yaml:"eval_time"`
			Alertname string `yaml:"alertname"`
			ExpAlerts []struct {
				ExpLabels      map[string]string `yaml:"exp_labels"`
				ExpAnnotations map[string]string `yaml:"exp_annotations"`
			} `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func decodeYAMLFile(t *testing.T, rel string, v any) {
	t.Helper()
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, rel), v), rel)
}

var alertName = regexp.MustCompile(`^Sestd[A-Z][A-Za-z]+$`)

func TestAlertRules(t *testing.T) {
	t.Parallel()
	var rules ruleFile
	decodeYAMLFile(t, promDir+"/alerts.yml", &rules)
	var tests ruleTestFile
	decodeYAMLFile(t, promDir+"/alerts_test.yml", &tests)
	require.Contains(t, tests.RuleFiles, "alerts.yml")

	// What the rule tests cover: alert name → a firing and a silent case.
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, at := range tc.AlertRuleTest {
			if len(at.ExpAlerts) > 0 {
				fires[at.Alertname] = true
			} else {
				silent[at.Alertname] = true
			}
		}
	}

	var names []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			names = append(names, r.Alert)
			t.Run(r.Alert, func(t *testing.T) {
				require.Regexp(t, alertName, r.Alert)
				require.Contains(t, []string{"critical", "warning"}, r.Labels["severity"], "severity label")
				for _, a := range []string{"summary", "description", "runbook"} {
					require.NotEmpty(t, strings.TrimSpace(r.Annotations[a]), "%s annotation", a)
				}
				runbook := r.Annotations["runbook"]
				require.True(t, strings.Contains(runbook, "sestd status") || strings.Contains(runbook, "admin API"),
					"the runbook should point at `sestd status` or the admin API: %q", runbook)
				for _, m := range sestdMetricRef.FindAllString(r.Expr, -1) {
					require.NotEmpty(t, familyOf(m), "%s is not a metric sestd exposes", m)
				}
				require.True(t, fires[r.Alert], "alerts_test.yml has no case where %s fires", r.Alert)
				require.True(t, silent[r.Alert], "alerts_test.yml has no case where %s stays silent", r.Alert)
			})
		}
	}
	require.Len(t, slices.Compact(slices.Sorted(slices.Values(names))), len(names), "alert names must be unique")
	// The alerts operations asked for (issue 8).
	for _, want := range []string{"SestdDown", "SestdSyncLagHigh", "SestdJobFailing", "SestdOutboxItemsFailed", "SestdSoapErrorRate"} {
		require.Contains(t, names, want)
	}
	for name := range fires {
		require.Contains(t, names, name, "alerts_test.yml tests an alert that does not exist")
	}
}

// scrapeConfig is the part of a Prometheus scrape job the tests look at.
type scrapeConfig struct {
	JobName       string `yaml:"job_name"`
	MetricsPath   string `yaml:"metrics_path"`
	Authorization struct {
		Type            string `yaml:"type"`
		CredentialsFile string `yaml:"credentials_file"`
	} `yaml:"authorization"`
	StaticConfigs []struct {
		Targets []string `yaml:"targets"`
	} `yaml:"static_configs"`
}

func TestPrometheusConfig(t *testing.T) {
	t.Parallel()
	var cfg struct {
		RuleFiles     []string       `yaml:"rule_files"`
		ScrapeConfigs []scrapeConfig `yaml:"scrape_configs"`
	}
	decodeYAMLFile(t, promDir+"/prometheus.yml", &cfg)
	require.Contains(t, cfg.RuleFiles, "alerts.yml")
	i := slices.IndexFunc(cfg.ScrapeConfigs, func(s scrapeConfig) bool { return s.JobName == "sestd" })
	require.GreaterOrEqual(t, i, 0, "no scrape job named sestd (the alerts select up{job=\"sestd\"})")
	sc := cfg.ScrapeConfigs[i]
	require.Equal(t, "/metrics", sc.MetricsPath)
	require.Equal(t, "Bearer", sc.Authorization.Type)
	require.NotEmpty(t, sc.Authorization.CredentialsFile, "the admin API wants a bearer token")
	require.Len(t, sc.StaticConfigs, 1)
	require.Equal(t, []string{"sestd:8787"}, sc.StaticConfigs[0].Targets)

	// The token Prometheus sends is the one sestd gets in docker-compose.yml.
	token := strings.TrimSpace(string(readRepoFile(t, promDir+"/"+sc.Authorization.CredentialsFile)))
	require.Equal(t, composeSestdEnv(t)["SESTD_ADMIN_TOKEN"], token)
}

func TestPromtool(t *testing.T) {
	t.Parallel()
	tool := requireTool(t, "promtool", "prometheus")
	dir := repoFile(t, promDir)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"check rules", []string{"check", "rules", "alerts.yml"}},
		{"test rules", []string{"test", "rules", "alerts_test.yml"}},
		{"check config", []string{"check", "config", "prometheus.yml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runTool(t, dir, tool, tc.args...)
			require.NoError(t, r.err, "promtool %s:\n%s", strings.Join(tc.args, " "), r.output())
			require.Contains(t, r.output(), "SUCCESS")
		})
	}
}
