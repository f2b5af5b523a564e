package wire

import (
	"encoding/xml"
	"errors"
	"io"
)

// ScanTokens returns the tokens the Client's scanner reads from body, or
// ok false when the scanner declines the body.
func ScanTokens(body []byte) (toks []xml.Token, ok bool, err error) {
	sc, ok := newScanner(body)
	if !ok {
		return nil, false, nil
	}
	for {
		tok, err := sc.Token()
		if errors.Is(err, io.EOF) {
			return toks, true, nil
		}
		if err != nil {
			return toks, true, err
		}
		toks = append(toks, xml.CopyToken(tok))
	}
}
