package wire

import (
	"encoding/xml"
	"errors"
	"io"
)

// ScanTokens returns the tokens the Client's scanner reads from body, as
// the xml.Tokens xml.Decoder.RawToken would return, or ok false when the
// scanner declines the body.
func ScanTokens(body []byte) (toks []xml.Token, ok bool, err error) {
	sc, ok := newScanner(body)
	if !ok {
		return nil, false, nil
	}
	for {
		err := sc.next()
		if errors.Is(err, io.EOF) {
			return toks, true, nil
		}
		if err != nil {
			return toks, true, err
		}
		var tok xml.Token
		switch sc.kind {
		case kindStart:
			se := xml.StartElement{Name: xml.Name{Space: sc.name.prefix, Local: sc.name.local}}
			for _, a := range sc.attrs {
				se.Attr = append(se.Attr, xml.Attr{Name: xml.Name{Space: a.name.prefix, Local: a.name.local}, Value: a.value})
			}
			tok = se
		case kindEnd:
			tok = xml.EndElement{Name: xml.Name{Space: sc.name.prefix, Local: sc.name.local}}
		case kindText:
			tok = xml.CharData(sc.text)
		}
		toks = append(toks, xml.CopyToken(tok))
	}
}
