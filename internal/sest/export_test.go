package sest

// DecodeBody exposes the response decoder to the external benchmarks.
func DecodeBody(body []byte, op Operation, resp any) error {
	_, err := decodeBody(body, op, resp)
	return err
}
