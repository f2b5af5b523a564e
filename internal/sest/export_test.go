package sest

import "sestd/internal/sest/wire"

// DecodeBody exposes the response decoder to the external benchmarks.
func DecodeBody(body []byte, op wire.Operation, resp any) error {
	_, err := decodeBody(body, op, resp)
	return err
}
