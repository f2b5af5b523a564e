package sestmodel

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// TimestampLayout is the Servicestelle's lexical form of a point in time:
// local wall-clock time with milliseconds and no zone.
const TimestampLayout = "2006-01-02T15:04:05.000"

// Timestamp is a point in time in the Servicestelle's format.
//
// On the wire it is wall-clock time in the configured time.Location without
// a zone. encoding/xml alone cannot know that Location: UnmarshalText reads
// the wall clock as if it were UTC, and the client (internal/sest) then
// reinterprets every Timestamp of a decoded response in its Location (see
// InLocation), so the values callers get are true instants, in UTC. MarshalXML writes the wall
// clock of the time's own Location, so values must be converted with
// t.In(loc) before encoding (the client's request encoder does that). A zero
// Timestamp is not written at all.
type Timestamp struct{ time.Time }

// NewTimestamp wraps t.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{t} }

// MarshalXML writes the wall clock of t's Location; a zero value is omitted.
func (t Timestamp) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if t.IsZero() {
		return nil
	}
	var buf [len(TimestampLayout)]byte
	return e.EncodeElement(xml.CharData(t.AppendFormat(buf[:0], TimestampLayout)), start)
}

// UnmarshalText reads the wall clock as UTC (see the type documentation).
// It also accepts the value with a zone or without milliseconds.
func (t *Timestamp) UnmarshalText(text []byte) error {
	v, err := ParseTimestamp(string(text), time.UTC)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// ParseTimestamp parses the Servicestelle's format in loc. A value that
// carries a zone (RFC 3339) keeps it.
func ParseTimestamp(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{TimestampLayout, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999"} {
		if v, err := time.ParseInLocation(layout, s, loc); err == nil {
			return v, nil
		}
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return v, nil
	}
	return time.Time{}, fmt.Errorf("parsing timestamp %q: want yyyy-MM-ddTHH:mm:ss.SSS", s)
}

// FormatTimestamp renders t in loc in the Servicestelle's format.
func FormatTimestamp(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(TimestampLayout)
}

// Base64Binary is binary content travelling as xs:base64Binary.
type Base64Binary []byte

// MarshalText encodes as standard base64.
func (b Base64Binary) MarshalText() ([]byte, error) {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out, nil
}

// UnmarshalText decodes standard base64, ignoring whitespace.
func (b *Base64Binary) UnmarshalText(text []byte) error {
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, string(text))
	out, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return fmt.Errorf("decoding base64: %w", err)
	}
	*b = out
	return nil
}

var timestampType = reflect.TypeFor[Timestamp]()

// InLocation walks v (a pointer to a message or data type) and
// reinterprets the wall clock of every Timestamp, as decoded by
// UnmarshalText, in loc; the result is stored in UTC. Used by the client on
// responses and by the simulator on requests.
func InLocation(v any, loc *time.Location) {
	walkTimestamps(reflect.ValueOf(v), func(t time.Time) time.Time {
		y, mo, d := t.Date()
		h, mi, s := t.Clock()
		return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), loc).UTC()
	})
}

// ToLocation walks v and converts every Timestamp to loc, so that
// MarshalXML writes loc's wall clock. Used by the simulator on responses.
func ToLocation(v any, loc *time.Location) {
	walkTimestamps(reflect.ValueOf(v), func(t time.Time) time.Time { return t.In(loc) })
}

func walkTimestamps(v reflect.Value, fn func(time.Time) time.Time) {
	if !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			walkTimestamps(v.Elem(), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkTimestamps(v.Index(i), fn)
		}
	case reflect.Struct:
		if v.Type() == timestampType {
			if !v.CanSet() {
				return
			}
			ts := v.Addr().Interface().(*Timestamp)
			if !ts.IsZero() {
				ts.Time = fn(ts.Time)
			}
			return
		}
		for i := range v.NumField() {
			walkTimestamps(v.Field(i), fn)
		}
	}
}
