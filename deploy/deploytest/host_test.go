package deploytest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The README and the unit name one admin token path, the one the unit
// loads as a credential.
func TestOneAdminTokenPath(t *testing.T) {
	t.Parallel()
	unitText := string(readRepoFile(t, unitPath))
	readme := string(readRepoFile(t, "README.md"))
	m := regexp.MustCompile(`(?m)^LoadCredential=admin_token:(\S+)$`).FindStringSubmatch(unitText)
	require.NotNil(t, m, "the unit loads the admin token as a credential")
	path := m[1]
	require.Equal(t, "/etc/sestd/credentials/admin_token", path)
	require.Contains(t, readme, path)
	for name, text := range map[string]string{"README.md": readme, unitPath: unitText, "deploy/sestd.example.yaml": string(readRepoFile(t, "deploy/sestd.example.yaml"))} {
		for _, p := range regexp.MustCompile(`/etc/sestd/\S*admin[-_]token`).FindAllString(text, -1) {
			require.Equal(t, path, p, "%s names another admin token path", name)
		}
	}
}

// The README links to nothing outside the repository.
func TestReadmeLinksStayInTheRepository(t *testing.T) {
	t.Parallel()
	readme := string(readRepoFile(t, "README.md"))
	require.NotContains(t, readme, "../", "a relative path leaving the repository")
	for _, m := range regexp.MustCompile(`\]\(([^)]+)\)`).FindAllStringSubmatch(readme, -1) {
		link := m[1]
		if strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "#") {
			continue
		}
		require.FileExists(t, repoFile(t, link), "README links to %s", link)
	}
}
