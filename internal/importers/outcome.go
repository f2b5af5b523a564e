package importers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/charset"
	"sestd/internal/store"
)

// errAllRejected is wrapped (with ErrPermanent) by the error of an import
// that wrote nothing (no row created, updated, removed or found unchanged)
// and rejected rows: nothing valid could be read, so the run fails, and
// its rejects file is kept. Skipped rows (S-BEAT's blocked students, say)
// do not count as imported.
var errAllRejected = errors.New("every row was rejected")

// allRejected fails a pass that rejected rows and wrote or kept none.
func allRejected(c batch.Counts, rejects string) error {
	if c.Rejected == 0 || c.Created+c.Updated+c.Removed+c.Unchanged > 0 {
		return nil
	}
	if c.Skipped > 0 {
		return fmt.Errorf("%w: %w: %d rows rejected, the other %d skipped; nothing imported (the reasons are in %s)",
			ErrPermanent, errAllRejected, c.Rejected, c.Skipped, rejects)
	}
	return fmt.Errorf("%w: %w: all %d rows; nothing imported (the reasons are in %s)", ErrPermanent, errAllRejected, c.Rejected, rejects)
}

// finalStatus is the status an import run ends with: failed on any error
// (nothing readable, every row rejected, refused, interrupted), partial
// when some rows were rejected, else succeeded.
func finalStatus(c batch.Counts, err error) store.ImportStatus {
	switch {
	case err != nil:
		return store.ImportFailed
	case c.Rejected > 0:
		return store.ImportPartial
	}
	return store.ImportSucceeded
}

// How an import was cut short (failureText).
type cut int

const (
	notCut       cut = iota
	cutRetried       // sestd stopped; a retry of the job comes
	cutStopped       // sestd stopped on the job's last attempt
	cutCancelled     // an operator (or the CLI) cancelled the job
)

// interruption tells how the import was cut short, if it was.
func interruption(ctx context.Context, interrupted bool, o Options) cut {
	switch {
	case !interrupted:
		return notCut
	case o.Cancelled != nil && o.Cancelled(ctx):
		return cutCancelled
	case o.LastAttempt:
		return cutStopped
	}
	return cutRetried
}

// failureText is what a failed run records as its error.
func failureText(err error, c cut) string {
	switch c {
	case cutRetried:
		return "interrupted (sestd stopped): rolled back, nothing imported; a retry of the job imports the file again"
	case cutStopped:
		return "interrupted (sestd stopped during the job's last attempt): rolled back, nothing imported; run the import again"
	case cutCancelled:
		return "cancelled: rolled back, nothing imported; run the import again"
	}
	return "nothing imported: " + err.Error()
}

// decideEncoding picks the encoding to read the file with from what the
// first pass saw, or refuses a file no encoding reads correctly. XML kinds
// are checked against the encoding given, else the one they declare; the
// XML decoder then reads them as before (o.Encoding is returned), but a
// UTF-16 one in the UTF-16 found.
func decideEncoding(s *charset.Sniffer, o Options) (string, error) {
	requested := o.Encoding
	if k, ok := declared(o.Kind); ok && k.Format == batch.FormatXML && s.UTF16() == "" {
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
// file's, unless the kind's rejects are UTF-8 whatever the file's encoding
// (eKVV's CSV rejects of an XML file); a UTF-16 file's rejects are UTF-8
// (with a BOM, charset.Written).
func rejectsEncoding(k Kind, enc string) string {
	if d, ok := declared(k); ok && d.RejectsUTF8 {
		return charset.UTF8
	}
	return charset.Written(enc)
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
