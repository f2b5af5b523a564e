// Package sbeatmap holds the S-BEAT mappings: the translation of
// deprecated S-BEAT columns and renamed codes, shipped as S-BEAT's own
// mappings.default.json and overridable by a file. It is a leaf, so that
// the import settings (batch.Settings) can carry it.
package sbeatmap

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"os"
)

// defaultMappingsJSON is S-BEAT's data/mappings.default.json (GPL-3.0, see
// testdata/PROVENANCE.md): ABSCHL numbers to Abschlussarten (51 Diplom, 90
// Master, 59 Zusatzausbildung, 84 Bachelor) and HZBART numbers to HZB
// groups.
//
//go:embed mappings.default.json
var defaultMappingsJSON []byte

// Mappings translate deprecated S-BEAT columns: ABSCHL numbers to
// ABSCHLART names, HZBART numbers to HZBGRP groups, and STG codes to other
// STG codes (for renamed courses of study).
type Mappings struct {
	STG    map[string]string `json:"stg"`
	HZBArt map[string]string `json:"hzbart"`
	Abschl map[string]string `json:"abschl"`
}

// Default returns the shipped mappings (a fresh copy).
func Default() *Mappings {
	var m Mappings
	if err := json.Unmarshal(defaultMappingsJSON, &m); err != nil {
		// The embedded file is part of the build; tests parse it.
		panic(fmt.Sprintf("sbeatmap: embedded mappings: %v", err))
	}
	if m.STG == nil {
		m.STG = map[string]string{}
	}
	return &m
}

// Load reads a mappings file in S-BEAT's JSON form and lays it over
// the shipped defaults: an entry in the file wins, entries it lacks keep
// their default. An empty path returns the defaults.
func Load(path string) (*Mappings, error) {
	m := Default()
	if path == "" {
		return m, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading mappings file: %w", err)
	}
	var over Mappings
	if err := json.Unmarshal(raw, &over); err != nil {
		return nil, fmt.Errorf("parsing mappings file %s: %w", path, err)
	}
	maps.Copy(m.STG, over.STG)
	maps.Copy(m.HZBArt, over.HZBArt)
	maps.Copy(m.Abschl, over.Abschl)
	return m, nil
}
