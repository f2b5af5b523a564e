package deploytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	cmd, args string
}

// parseDockerfile splits a Dockerfile into instructions, dropping comments.
func parseDockerfile(t *testing.T, b []byte) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	require.NoError(t, sc.Err())
	require.Zero(t, cur.Len(), "Dockerfile ends in a continuation line")
	return out
}

var goDirective = regexp.MustCompile(`(?m)^go (\d+\.\d+)`)

func TestDockerfile(t *testing.T) {
	t.Parallel()
	ins := parseDockerfile(t, readRepoFile(t, "Dockerfile"))

	// ARGs before the first FROM may be used in FROM lines.
	args := map[string]string{}
	var froms []string
	var runs, envs []string
	last := map[string]string{} // of the final stage
	for _, in := range ins {
		switch in.cmd {
		case "ARG":
			if len(froms) == 0 {
				k, v, _ := strings.Cut(in.args, "=")
				args[k] = v
			}
		case "FROM":
			from := in.args
			for k, v := range args {
				from = strings.ReplaceAll(from, "${"+k+"}", v)
			}
			froms = append(froms, from)
			last = map[string]string{}
		case "RUN":
			runs = append(runs, in.args)
		case "ENV":
			envs = append(envs, in.args)
		}
		last[in.cmd] = in.args
	}

	require.GreaterOrEqual(t, len(froms), 2, "a multi-stage build")
	m := goDirective.FindSubmatch(readRepoFile(t, "go.mod"))
	require.NotNil(t, m, "go directive in go.mod")
	require.True(t, strings.HasPrefix(froms[0], "golang:"+string(m[1])),
		"the builder %q should be the Go of go.mod (%s)", froms[0], m[1])
	require.Contains(t, froms[len(froms)-1], "gcr.io/distroless/static", "a static, shell-less final image")

	var build string
	for _, r := range runs {
		if strings.Contains(r, "go build") {
			build = r
		}
	}
	require.NotEmpty(t, build, "no RUN go build")
	for _, want := range []string{"-trimpath", "-s -w", "-X main.version=", "-X main.commit=", "./cmd/sestd", "-o /out/usr/local/bin/sestd"} {
		require.Contains(t, build, want)
	}
	require.True(t, strings.Contains(build, "CGO_ENABLED=0") || strings.Contains(strings.Join(envs, " "), "CGO_ENABLED=0"),
		"the binary must be static (CGO_ENABLED=0) for distroless/static")

	var entrypoint, cmd []string
	require.NoError(t, json.Unmarshal([]byte(last["ENTRYPOINT"]), &entrypoint), "ENTRYPOINT in exec form")
	require.NoError(t, json.Unmarshal([]byte(last["CMD"]), &cmd), "CMD in exec form")
	require.Equal(t, []string{"/usr/local/bin/sestd"}, entrypoint)
	require.Equal(t, []string{"run"}, cmd)
	user := last["USER"]
	require.NotEmpty(t, user, "the final stage sets USER")
	require.NotContains(t, []string{"0", "root", "0:0", "root:root"}, user)
	require.Contains(t, strings.Fields(last["EXPOSE"]), "8787", "the admin listener")

	t.Run("main.version and main.commit exist for -X", func(t *testing.T) {
		dir := repoFile(t, "cmd/sestd")
		_, err := os.Stat(dir)
		require.NoError(t, err, "cmd/sestd exists")
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		fset := token.NewFileSet()
		vars := map[string]bool{}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.VAR {
					continue
				}
				for _, spec := range gd.Specs {
					for _, name := range spec.(*ast.ValueSpec).Names {
						vars[name.Name] = true
					}
				}
			}
		}
		// -X on a missing variable is silently ignored: the image would
		// report version "" in sestd_build_info.
		for _, v := range []string{"version", "commit"} {
			require.True(t, vars[v], "cmd/sestd has no package variable %s for -X main.%s", v, v)
		}
	})
}

func TestDockerignore(t *testing.T) {
	t.Parallel()
	var patterns []string
	sc := bufio.NewScanner(bytes.NewReader(readRepoFile(t, ".dockerignore")))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, strings.TrimPrefix(line, "/"))
		}
	}
	require.NoError(t, sc.Err())
	require.Contains(t, patterns, ".git", "keep the repository out of the build context")
	for _, needed := range []string{"go.mod", "go.sum", "cmd", "internal", "*", "**"} {
		require.NotContains(t, patterns, needed, "the build needs %s", needed)
	}
	require.Contains(t, patterns, "deploy/prometheus/sestd-admin-token", "no token in the image")
}
