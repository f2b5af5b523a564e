// Package deploytest holds the tests of sestd's deploy artefacts: the systemd
// unit, the Prometheus alert rules and scrape configuration, the Grafana
// dashboard, the Dockerfile and the docker-compose setup. It has no code of
// its own; `go test ./deploy/...` runs the checks.
//
// Static checks (parsing the files, cross-checking them against each other,
// against the metric families sestd exposes and against internal/config)
// always run. Checks by external tools run when the tool is installed and
// are skipped with a message naming the Debian package otherwise:
// systemd-analyze (systemd), promtool (prometheus), docker-compose
// (docker-compose).
package deploytest
