package sest

// DecodeBody exposes the response decoder to the external benchmarks.
func DecodeBody(body []byte, op Operation, resp any) error { return decodeBody(body, op, resp) }
