package deploytest

import (
	"net"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/config"
)

const composePath = "docker-compose.yml"

// composeService is the part of a compose service the tests look at.
type composeService struct {
	Image string `yaml:"image"`
	Build struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	StopGracePeriod string `yaml:"stop_grace_period"`
}

// composeFile reads docker-compose.yml. The services the tests look at write
// command and environment in their long forms (list, map); a short form
// fails the decoding here on purpose.
func composeFile(t *testing.T) map[string]composeService {
	t.Helper()
	var f struct {
		Services map[string]composeService `yaml:"services"`
	}
	decodeYAMLFile(t, composePath, &f)
	return f.Services
}

// composeSestdEnv is the sestd service's environment in docker-compose.yml.
func composeSestdEnv(t *testing.T) map[string]string {
	t.Helper()
	svc, ok := composeFile(t)["sestd"]
	require.True(t, ok, "no sestd service in %s", composePath)
	return svc.Environment
}

func TestCompose(t *testing.T) {
	t.Parallel()
	services := composeFile(t)
	for _, name := range []string{"postgres", "sim", "sestd", "prometheus", "mailpit"} {
		require.Contains(t, services, name)
	}
	pg, sim, sestd, prom := services["postgres"], services["sim"], services["sestd"], services["prometheus"]

	require.Equal(t, "postgres:15", pg.Image)
	require.NotEmpty(t, pg.Healthcheck.Test, "postgres needs a healthcheck for depends_on: service_healthy")

	for name, svc := range map[string]composeService{"sim": sim, "sestd": sestd} {
		require.Equal(t, ".", svc.Build.Context, "%s is built from the repository", name)
		require.Equal(t, "Dockerfile", svc.Build.Dockerfile, "%s is built from the Dockerfile", name)
	}
	require.Equal(t, []string{"run", "--migrate"}, sestd.Command)
	require.Equal(t, "service_healthy", sestd.DependsOn["postgres"].Condition)
	require.Contains(t, sestd.DependsOn, "sim")
	require.Contains(t, prom.Volumes, "./deploy/prometheus:/etc/prometheus:ro")

	t.Run("sestd talks to the simulator it starts", func(t *testing.T) {
		require.Equal(t, "sim", sim.Command[0])
		i := slices.Index(sim.Command, "--listen")
		require.GreaterOrEqual(t, i, 0, "sim --listen")
		_, simPort, err := net.SplitHostPort(sim.Command[i+1])
		require.NoError(t, err)
		u, err := url.Parse(sestd.Environment["SESTD_SERVICESTELLE_BASE_URL"])
		require.NoError(t, err)
		require.Equal(t, net.JoinHostPort("sim", simPort), u.Host)
	})

	t.Run("sestd's environment is a valid configuration", func(t *testing.T) {
		known := map[string]bool{}
		for _, k := range config.Keys() {
			known[k[1]] = true
		}
		for name := range sestd.Environment {
			if strings.HasPrefix(name, config.EnvPrefix) {
				require.True(t, known[name], "%s is not a config key (internal/config)", name)
			}
		}
		cfg, err := config.Load("", func(name string) string { return sestd.Environment[name] })
		require.NoError(t, err, "the compose environment does not load")
		require.Equal(t, "postgres", mustURL(t, cfg.Database.URL).Hostname())
		require.Equal(t, "mailpit", cfg.Mail.Host)
	})

	t.Run("compose waits for sestd's soft stop", func(t *testing.T) {
		d, err := time.ParseDuration(sestd.StopGracePeriod)
		require.NoError(t, err, "stop_grace_period")
		require.Greater(t, d, config.Default().River.ShutdownGrace)
	})
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}

func TestComposeConfig(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)

	t.Run("docker-compose v1", func(t *testing.T) {
		t.Parallel()
		tool := requireTool(t, "docker-compose", "docker-compose")
		r := runTool(t, root, tool, "-f", composePath, "config", "-q")
		require.NoError(t, r.err, "docker-compose config:\n%s", r.output())
		require.Empty(t, strings.TrimSpace(r.stderr), "docker-compose config warns")
	})

	t.Run("docker compose v2", func(t *testing.T) {
		t.Parallel()
		tool, err := exec.LookPath("docker")
		if err != nil {
			t.Skip("docker not installed (optional: Debian's docker-compose v1 is the reference check)")
		}
		if r := runTool(t, root, tool, "compose", "version"); r.err != nil {
			t.Skip("docker compose plugin not installed (optional: Debian's docker-compose v1 is the reference check)")
		}
		r := runTool(t, root, tool, "compose", "-f", composePath, "config", "-q")
		require.NoError(t, r.err, "docker compose config:\n%s", r.output())
	})
}
