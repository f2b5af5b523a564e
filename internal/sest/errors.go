package sest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"sestd/internal/sest/wire"
)

// Fault detail types (the xsi:type of the ServiceFehler in a fault's
// detail, FaultError.DetailType), as the codec declares them, with what
// they mean to a caller.
const (
	FaultUnbekannteHochschule = wire.FaultUnbekannteHochschule // unknown Hochschulnummer: permanent
	FaultUnbekannterBenutzer  = wire.FaultUnbekannterBenutzer  // unknown bewerberId: permanent
	FaultAutorisierung        = wire.FaultAutorisierung        // wrong BAN or not authorised: permanent
	FaultUngueltigeReferenz   = wire.FaultUngueltigeReferenz   // delta reference unknown or expired: restart with anfragen…
	FaultValidierung          = wire.FaultValidierung          // request invalid: permanent
	FaultTechnisch            = wire.FaultTechnisch            // server trouble: transient
)

// Sentinel errors; match with errors.Is.
var (
	// ErrUnauthorized matches an *HTTPError with status 401 or 403.
	ErrUnauthorized = errors.New("servicestelle: unauthorized")
	// ErrUnknownHochschule matches a *FaultError for an unknown
	// Hochschulnummer.
	ErrUnknownHochschule = errors.New("servicestelle: unknown hochschulnummer")
	// ErrReferenceExpired matches a *FaultError for delta references that
	// are unknown or expired: start again with the anfragen… step from the
	// stored watermark.
	ErrReferenceExpired = errors.New("servicestelle: reference unknown or expired")
	// ErrNotFound is returned when a single item asked for does not exist.
	ErrNotFound = errors.New("servicestelle: not found")
)

// FaultError is a SOAP fault returned by the Servicestelle.
type FaultError struct {
	Service, Operation string
	Code               string // faultcode, e.g. soap:Client or soap:Server
	String             string // faultstring, German
	DetailType         string // xsi:type of the detail's ServiceFehler, e.g. UnbekannterBenutzerFehler; else the detail element's name
	DetailCode         int    // fehlercode in the detail, 0 when absent
	DetailMessage      string // nachricht in the detail
}

func (e *FaultError) Error() string {
	if e.DetailType == "" {
		return fmt.Sprintf("servicestelle %s: soap fault %s, fault without a type: %s", e.Operation, e.Code, e.String)
	}
	return fmt.Sprintf("servicestelle %s: soap fault %s (%s): %s", e.Operation, e.Code, e.DetailType, e.String)
}

// Is matches ErrUnknownHochschule and ErrReferenceExpired.
func (e *FaultError) Is(target error) bool {
	switch target {
	case ErrUnknownHochschule:
		return e.DetailType == FaultUnbekannteHochschule
	case ErrReferenceExpired:
		return e.DetailType == FaultUngueltigeReferenz
	}
	return false
}

// Permanent reports whether repeating the call cannot succeed.
func (e *FaultError) Permanent() bool {
	switch e.DetailType {
	case FaultUnbekannteHochschule, FaultUnbekannterBenutzer, FaultAutorisierung, FaultValidierung:
		return true
	case FaultTechnisch, FaultUngueltigeReferenz:
		return false
	}
	// Unknown detail: a client fault is the request's fault.
	return e.Code == "soap:Client" || e.Code == "Client"
}

// HTTPError is a non-2xx HTTP answer that is not a SOAP fault.
type HTTPError struct {
	Service, Operation string
	StatusCode         int
	Status             string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("servicestelle %s: http status %s", e.Operation, e.Status)
}

// Is matches ErrUnauthorized for 401 and 403.
func (e *HTTPError) Is(target error) bool {
	return target == ErrUnauthorized && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden)
}

// Permanent: 4xx other than 408 and 429 are permanent.
func (e *HTTPError) Permanent() bool {
	return e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusRequestTimeout && e.StatusCode != http.StatusTooManyRequests
}

// TimeoutError is a call that did not complete within its timeout.
type TimeoutError struct {
	Service, Operation string
	After              time.Duration // the configured timeout
	Err                error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("servicestelle %s: timeout after %s: %v", e.Operation, e.After, e.Err)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// MalformedResponseError is a 2xx answer that is not the expected SOAP
// message (truncated, not XML, wrong element).
type MalformedResponseError struct {
	Service, Operation string
	Err                error
}

func (e *MalformedResponseError) Error() string {
	return fmt.Sprintf("servicestelle %s: malformed response: %v", e.Operation, e.Err)
}

func (e *MalformedResponseError) Unwrap() error { return e.Err }

// TransportError is any other failure to exchange the message (connection
// refused, reset, TLS). It is transient.
type TransportError struct {
	Service, Operation string
	Err                error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("servicestelle %s: %v", e.Operation, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// IsPermanent reports whether err will not go away by retrying the same
// call: a fault about the request or the university (unknown
// Hochschulnummer, unknown applicant, authorisation, validation), HTTP 4xx
// such as 401, a rejected item other than a version conflict, or a
// configuration error. Timeouts, transport errors, malformed responses,
// HTTP 5xx, technical faults and expired references are transient;
// context.Canceled is not permanent (the caller is shutting down).
func IsPermanent(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var p interface{ Permanent() bool }
	if errors.As(err, &p) {
		return p.Permanent()
	}
	return errors.Is(err, ErrUnknownHochschule) || errors.Is(err, ErrUnauthorized)
}

// Outcome classifies err as the metrics label does: ok, fault, http_error,
// timeout, malformed or error.
func Outcome(err error) string {
	var (
		fe *FaultError
		he *HTTPError
		te *TimeoutError
		me *MalformedResponseError
	)
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &fe):
		return "fault"
	case errors.As(err, &he):
		return "http_error"
	case errors.As(err, &te):
		return "timeout"
	case errors.As(err, &me):
		return "malformed"
	}
	return "error"
}
