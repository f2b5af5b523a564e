package config

import (
	"fmt"
	"os"
	"reflect"
	"strings"
)

// SecretFile is the YAML key `<secret>_file` beside a secret key: a file
// that holds the secret. It lets one config file serve the daemon and the
// CLI on the host: under systemd the unit's SESTD_<KEY>_FILE (its
// credentials directory) wins; `sudo sestd status --config …` reads the
// file the YAML names. It is not a key of its own in the environment: the
// environment's spelling is SESTD_<KEY>_FILE.
type SecretFile string

var secretFileType = reflect.TypeFor[SecretFile]()

// applySecretFiles reads each `<secret>_file` of the YAML whose secret the
// environment does not set (neither SESTD_<KEY> nor SESTD_<KEY>_FILE).
func applySecretFiles(cfg *Config, getenv func(string) string) error {
	return eachSecretFile(reflect.ValueOf(cfg).Elem(), nil, func(path []string, secret reflect.Value, file SecretFile) error {
		key := strings.Join(path, ".")
		name := EnvName(path)
		if file == "" || getenv(name) != "" || getenv(name+"_FILE") != "" {
			return nil
		}
		if secret.String() != "" {
			return fmt.Errorf("%s: set either %s or %s_file, not both", key, key, key)
		}
		b, err := os.ReadFile(string(file))
		if err != nil {
			return fmt.Errorf("%s (from %s_file): reading secret file: %w", key, key, err)
		}
		secret.SetString(strings.TrimRight(string(b), "\r\n"))
		return nil
	})
}

// eachSecretFile calls fn for every Secret field with a SecretFile sibling
// named like it plus "_file".
func eachSecretFile(v reflect.Value, path []string, fn func([]string, reflect.Value, SecretFile) error) error {
	t := v.Type()
	names := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		names[name] = i
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		fv := v.Field(i)
		p := append(append([]string(nil), path...), name)
		switch {
		case fv.Kind() == reflect.Struct && fv.Type() != timeType:
			if err := eachSecretFile(fv, p, fn); err != nil {
				return err
			}
		case fv.Type() == secretType:
			if j, ok := names[name+"_file"]; ok && v.Field(j).Type() == secretFileType {
				if err := fn(p, fv, SecretFile(v.Field(j).String())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
