package importers

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/charset"
	"sestd/internal/store"
)

// errAllRejected is wrapped (with ErrPermanent) by the error of an import
// whose every row was rejected: nothing valid could be read, so the run
// fails, and its rejects file is kept.
var errAllRejected = errors.New("every row was rejected")

// allRejected fails a pass that read rows and rejected all of them.
func allRejected(c batch.Counts, rejects string) error {
	if c.Read == 0 || c.Rejected < c.Read {
		return nil
	}
	return fmt.Errorf("%w: %w: all %d rows; nothing imported (the reasons are in %s)", ErrPermanent, errAllRejected, c.Read, rejects)
}

// finalStatus is the status an import run ends with: failed on any error
// (nothing readable, every row rejected, refused, interrupted), partial
// when some rows were rejected, else succeeded.
func finalStatus(c batch.Counts, err error) string {
	switch {
	case err != nil:
		return store.ImportFailed
	case c.Rejected > 0:
		return store.ImportPartial
	}
	return store.ImportSucceeded
}

// failureText is what a failed run records as its error.
func failureText(err error, interrupted bool) string {
	if interrupted {
		return "interrupted (sestd stopped or the job was cancelled): rolled back, nothing imported; a retry of the job imports the file again"
	}
	return "nothing imported: " + err.Error()
}

// decideEncoding picks the encoding to read the file with from what the
// first pass saw, or refuses a file no encoding reads correctly. XML kinds
// are checked against the encoding given, else the one they declare; the
// XML decoder then reads them as before.
func decideEncoding(s *charset.Sniffer, o Options) (string, error) {
	requested := o.Encoding
	if o.Kind == KindEkvv || o.Kind == KindFSPersons {
		if requested == charset.Auto {
			requested = s.XMLDeclared()
			if _, err := charset.Normalize(requested); err != nil {
				return o.Encoding, nil // unknown label: the XML decoder names it
			}
		}
		if _, err := s.Decide(requested, o.TrustEncoding); err != nil {
			return o.Encoding, fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return o.Encoding, nil
	}
	enc, err := s.Decide(requested, o.TrustEncoding)
	if err != nil {
		return requested, fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	return enc, nil
}

// rejectsEncoding is the encoding a kind writes its rejects file in: the
// file's, but eKVV rejects are a UTF-8 CSV whatever the XML's encoding.
func rejectsEncoding(k Kind, enc string) string {
	if k == KindEkvv {
		return charset.UTF8
	}
	return enc
}

type summaryJSON Summary

// MarshalJSON writes the summary with its duration in seconds
// (duration_seconds).
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		summaryJSON
		DurationSeconds float64 `json:"duration_seconds"`
	}{summaryJSON(s), s.Duration.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Summary) UnmarshalJSON(raw []byte) error {
	var v struct {
		summaryJSON
		DurationSeconds float64 `json:"duration_seconds"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	*s = Summary(v.summaryJSON)
	s.Duration = time.Duration(v.DurationSeconds * float64(time.Second))
	return nil
}
