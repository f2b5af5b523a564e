package config

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"sestd/internal/importers/charset"
)

// Placeholder starts every value of deploy/sestd.example.yaml that an
// operator must fill in: the example, copied unedited, fails `config
// check` naming each of them.
const Placeholder = "FILL-IN"

// placeholders reports every key whose value is still the example's
// placeholder.
func (c *Config) placeholders(bad func(key, format string, args ...any)) {
	_ = walk(reflect.ValueOf(c).Elem(), nil, func(path []string, v reflect.Value) error {
		if v.Kind() == reflect.String && strings.HasPrefix(v.String(), Placeholder) {
			hint := strings.TrimSpace(strings.TrimPrefix(v.String(), Placeholder))
			hint = strings.TrimSpace(strings.TrimPrefix(hint, ":"))
			bad(strings.Join(path, "."), "still the example's placeholder: fill in %s (or set %s)", hint, EnvName(path))
		}
		return nil
	})
}

// urlVersion returns the interface version a base URL ends in
// (…/webservice/3), if it ends in a number.
func urlVersion(raw string) (int, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return 0, false
	}
	seg := strings.TrimSuffix(u.Path, "/")
	seg = seg[strings.LastIndex(seg, "/")+1:]
	v, err := strconv.Atoi(seg)
	return v, err == nil
}

// exportEncoding spells a valid export.encoding the one way the exports
// read it: utf-8 or windows-1252.
func exportEncoding(name string) string {
	if n, _ := charset.Normalize(name); n == charset.Windows1252 {
		return "windows-1252"
	}
	return "utf-8"
}
