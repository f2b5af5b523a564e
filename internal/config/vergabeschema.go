package config

// Vergabeschema is the allocation scheme the ranking upload sends as
// Kopfdaten (Sestco's SECO_VERGABESCHEMA). Empty: no ranking upload.
type Vergabeschema struct{}

// validate reports violations with their path in the config.
func (v Vergabeschema) validate(bad func(key, format string, args ...any)) {}
