package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Secret is a string that never prints itself: String, MarshalYAML and
// MarshalText redact it. Use Value to read it.
type Secret string

// Value returns the secret in clear.
func (s Secret) Value() string { return string(s) }

// String redacts a set secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// MarshalYAML redacts a set secret.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalText redacts a set secret (JSON and zap use it).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

var (
	secretType   = reflect.TypeFor[Secret]()
	durationType = reflect.TypeFor[time.Duration]()
	timeType     = reflect.TypeFor[time.Time]()
)

// EnvPrefix starts every environment variable sestd reads.
const EnvPrefix = "SESTD_"

// applyEnv walks cfg and overrides each key whose environment variable is
// set. A secret key also accepts <NAME>_FILE, naming a file that holds it.
func applyEnv(cfg *Config, getenv func(string) string) error {
	return walk(reflect.ValueOf(cfg).Elem(), nil, func(path []string, v reflect.Value) error {
		key := strings.Join(path, ".")
		name := EnvName(path)
		if raw := getenv(name); raw != "" {
			if err := setFromString(v, raw); err != nil {
				return fmt.Errorf("%s (from %s): %w", key, name, err)
			}
		}
		if v.Type() == secretType {
			if file := getenv(name + "_FILE"); file != "" {
				if v.String() != "" && getenv(name) != "" {
					return fmt.Errorf("%s: set either %s or %s_FILE, not both", key, name, name)
				}
				b, err := os.ReadFile(file)
				if err != nil {
					return fmt.Errorf("%s (from %s_FILE): reading secret file: %w", key, name, err)
				}
				v.SetString(strings.TrimRight(string(b), "\r\n"))
			}
		}
		return nil
	})
}

// EnvName is the environment variable that overrides the key at path.
func EnvName(path []string) string {
	return EnvPrefix + strings.ToUpper(strings.Join(path, "_"))
}

// Keys lists every configuration key with its environment variable, in
// declaration order; used by --help.
func Keys() [][2]string {
	var out [][2]string
	cfg := Default()
	_ = walk(reflect.ValueOf(&cfg).Elem(), nil, func(path []string, _ reflect.Value) error {
		out = append(out, [2]string{strings.Join(path, "."), EnvName(path)})
		return nil
	})
	return out
}

// walk calls fn for every leaf of a struct value with its yaml path.
func walk(v reflect.Value, path []string, fn func([]string, reflect.Value) error) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		fv := v.Field(i)
		if name == "" || name == "-" || fv.Type() == secretFileType {
			continue // a secret's _file key is read by applySecretFiles
		}
		p := append(append([]string(nil), path...), name)
		if fv.Kind() == reflect.Struct && fv.Type() != timeType {
			if err := walk(fv, p, fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(p, fv); err != nil {
			return err
		}
	}
	return nil
}

// setFromString parses raw into v by v's type.
func setFromString(v reflect.Value, raw string) error {
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("must be a duration like 30s or 5m, got %q", raw)
		}
		v.SetInt(int64(d))
		return nil
	case v.Type() == timeType:
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return fmt.Errorf("must be an RFC 3339 time like 2026-05-01T00:00:00Z, got %q", raw)
		}
		v.Set(reflect.ValueOf(t))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("must be true or false, got %q", raw)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("must be an integer, got %q", raw)
		}
		v.SetInt(n)
	case reflect.Slice:
		var items []string
		for s := range strings.SplitSeq(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		v.Set(reflect.ValueOf(items))
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.Int {
			return fmt.Errorf("cannot be set from the environment; use the config file")
		}
		m := reflect.MakeMap(v.Type())
		for pair := range strings.SplitSeq(raw, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
			n, err := strconv.Atoi(val)
			if !ok || err != nil {
				return fmt.Errorf("must be a list like default=4,sync=2, got %q", raw)
			}
			m.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(n))
		}
		v.Set(m)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

// otherEnv are the SESTD_ variables that are not configuration keys:
// the config file's path, and the knobs of sestd's own tests and
// benchmarks (a test run passes them on to the binaries it starts).
var otherEnv = []string{"SESTD_CONFIG", "SESTD_SOAK_DURATION", "SESTD_TEST_LOG", "SESTD_BENCH_ROWS", "SESTD_BENCH_BATCH", "SESTD_SCREENSHOTS"}

// CheckEnviron refuses SESTD_ variables of environ (as os.Environ gives
// them) that sestd does not know, naming the closest known one: a typo
// would otherwise be ignored silently.
func CheckEnviron(environ []string) error {
	known := map[string]bool{}
	for _, n := range otherEnv {
		known[n] = true
	}
	cfg := Default()
	_ = walk(reflect.ValueOf(&cfg).Elem(), nil, func(path []string, v reflect.Value) error {
		known[EnvName(path)] = true
		if v.Type() == secretType {
			known[EnvName(path)+"_FILE"] = true
		}
		return nil
	})
	var errs []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || known[name] {
			continue
		}
		errs = append(errs, fmt.Sprintf("%s: unknown environment variable; did you mean %s? (sestd run --help lists them)", name, closest(name, known)))
	}
	if len(errs) == 0 {
		return nil
	}
	slices.Sort(errs)
	return errors.New(strings.Join(errs, "\n"))
}

// closest returns the known name nearest to name by edit distance.
func closest(name string, known map[string]bool) string {
	best, bestD := "", -1
	for _, k := range slices.Sorted(maps.Keys(known)) {
		if d := editDistance(name, k); bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
