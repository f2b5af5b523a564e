package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

func decodeYAML(raw []byte, cfg *Config) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return explainYAMLError(err, raw)
	}
	return nil
}

var (
	// yaml's "line 3: field levle not found in type config.Log"
	unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type`)
	// yaml's "line 3: cannot unmarshal !!int `60` into time.Duration";
	// the value is left out for collections ("!!seq into string").
	cannotUnmarshal = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
)

// explainYAMLError turns yaml's messages into ones that name the key and
// show the right form:
//
//	log: unknown key "levle" (line 2; …)
//	river.shutdown_grace: cannot read 60 as a duration; write it like "60s" (line 9)
func explainYAMLError(err error, raw []byte) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	lines := entriesByLine(raw)
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		if m := unknownField.FindStringSubmatch(e); m != nil {
			where := "top level"
			if k := parentAt(lines[m[1]], m[2]); k != "" {
				where = k
			}
			msgs = append(msgs, fmt.Sprintf("%s: unknown key %q (line %s; see deploy/sestd.example.yaml for the keys sestd knows)", where, m[2], m[1]))
			continue
		}
		if m := cannotUnmarshal.FindStringSubmatch(e); m != nil {
			key, value := "line "+m[1], m[3]
			if en, ok := find(lines[m[1]], m[2], value); ok {
				key = en.key
				if en.value.Kind == yaml.ScalarNode {
					value = en.value.Value
				}
			}
			if value == "" {
				value = map[string]string{"seq": "a list", "map": "a mapping"}[m[2]]
				if value == "" {
					value = "this value"
				}
			}
			msgs = append(msgs, fmt.Sprintf("%s: cannot read %s as %s (line %s)", key, value, typeHint(m[4]), m[1]))
			continue
		}
		msgs = append(msgs, e)
	}
	return errors.New(strings.Join(msgs, "; "))
}

// typeHint describes a Go type as the YAML an operator should write.
func typeHint(goType string) string {
	switch {
	case goType == "time.Duration":
		return `a duration; write it like "5m" or "60s"`
	case goType == "time.Time":
		return "a time; write it like 2026-04-01T00:00:00Z"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number; write it like 500"
	case strings.HasPrefix(goType, "float"):
		return "a number; write it like 2.5"
	case goType == "string", goType == "config.Secret":
		return `text; write it in quotes like "text"`
	case strings.HasPrefix(goType, "[]"):
		return "a list; write it like [a, b]"
	case strings.HasPrefix(goType, "map["):
		return "a mapping; write it like {key: value}"
	}
	return "this setting's form (see deploy/sestd.example.yaml)"
}

// entry is a key of the YAML document with its value node.
type entry struct {
	key   string
	value *yaml.Node
}

// entriesByLine maps a line number (as yaml reports it) to the keys whose
// key or value is on that line, in document order.
func entriesByLine(raw []byte) map[string][]entry {
	var doc yaml.Node
	out := map[string][]entry{}
	if yaml.Unmarshal(raw, &doc) != nil {
		return out
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				key := k.Value
				if path != "" {
					key = path + "." + k.Value
				}
				e := entry{key, v}
				out[strconv.Itoa(k.Line)] = append(out[strconv.Itoa(k.Line)], e)
				if v.Line != k.Line {
					out[strconv.Itoa(v.Line)] = append(out[strconv.Itoa(v.Line)], e)
				}
				walk(v, key)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(&doc, "")
	return out
}

// find returns the entry on a line that yaml's message is about: the one
// whose scalar value is value (yaml cuts long values short with "..."),
// or for a list or mapping (value "") the last one of that kind.
func find(entries []entry, tag, value string) (entry, bool) {
	prefix, cut := strings.CutSuffix(value, "...")
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		switch {
		case value == "" && tag == "seq" && e.value.Kind == yaml.SequenceNode,
			value == "" && tag == "map" && e.value.Kind == yaml.MappingNode,
			value != "" && e.value.Kind == yaml.ScalarNode && (e.value.Value == value || cut && strings.HasPrefix(e.value.Value, prefix)):
			return e, true
		}
	}
	return entry{}, false
}

// parentAt returns the section holding the key named field on a line.
func parentAt(entries []entry, field string) string {
	for _, e := range entries {
		if parent, ok := strings.CutSuffix(e.key, "."+field); ok {
			return parent
		}
	}
	return ""
}
