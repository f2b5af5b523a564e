package wire

import (
	"encoding/xml"
	"fmt"
	"reflect"
	"strings"
)

// Reading the Servicestelle's answers: a response message or a fault.

// Fault is a SOAP fault as the Servicestelle sends it.
type Fault struct {
	Code          string // faultcode, e.g. soap:Client or soap:Server
	String        string // faultstring, German
	DetailType    string // xsi:type of the detail's ServiceFehler (a Fault… constant); else the detail element's name
	DetailCode    int    // fehlercode in the detail, 0 when absent
	DetailMessage string // nachricht in the detail
}

// Fault detail types (the xsi:type of the ServiceFehler in a fault's
// detail), declared in every service's WSDL.
const (
	FaultUnbekannteHochschule = "UnbekannteHochschuleFehler" // unknown Hochschulnummer
	FaultUnbekannterBenutzer  = "UnbekannterBenutzerFehler"  // unknown bewerberId
	FaultAutorisierung        = "AutorisierungsFehler"       // wrong BAN or not authorised
	FaultUngueltigeReferenz   = "UngueltigeReferenzFehler"   // delta reference unknown or expired
	FaultValidierung          = "ValidierungsFehler"         // request invalid
	FaultTechnisch            = "TechnischerFehler"          // server trouble
)

// DecodeResponse decodes a SOAP response envelope of operation op in one
// pass, tolerantly (as the Client reads answers): the expected response
// element is decoded into resp, a pointer to the operation's response
// message (fields by local name, polymorphic items by xsi:type); a Fault
// is returned as fault. err says why the body is neither (not XML,
// truncated, another element, an unknown xsi:type): the answer is
// malformed. unknown lists the paths of the elements it did not know and
// skipped.
func DecodeResponse(body []byte, op Operation, resp any) (unknown []string, fault *Fault, err error) {
	w := newBodyDecoder(body)
	for {
		tok, err := w.token()
		if err != nil {
			return nil, nil, fmt.Errorf("no response element: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "Envelope", "Body":
			continue
		case "Header":
			if err := w.skip(); err != nil {
				return nil, nil, err
			}
			continue
		case "Fault":
			f, err := w.fault()
			if err != nil {
				return nil, nil, err
			}
			return nil, f, nil
		case op.ResponseElement():
			v := reflect.ValueOf(resp).Elem()
			if err := w.decodeFields(v, Namespace(op.Service), se.Name.Local, ""); err != nil {
				return w.unknown, nil, err
			}
			return w.unknown, nil, nil
		default:
			return nil, nil, fmt.Errorf("unexpected element %s, want %s", se.Name.Local, op.ResponseElement())
		}
	}
}

// fault reads a SOAP fault (its start already read). The detail's first
// element is the ServiceFehler; its xsi:type, resolved through its
// prefix, names the error.
func (w *wireDecoder) fault() (*Fault, error) {
	fe := &Fault{}
	for {
		tok, err := w.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return fe, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "faultcode":
				s, err := w.text("faultcode")
				if err != nil {
					return nil, err
				}
				fe.Code = strings.TrimSpace(s)
			case "faultstring":
				s, err := w.text("faultstring")
				if err != nil {
					return nil, err
				}
				fe.String = strings.TrimSpace(s)
			case "detail":
				if err := w.faultDetail(fe); err != nil {
					return nil, err
				}
			default:
				if err := w.skip(); err != nil {
					return nil, err
				}
			}
		}
	}
}

func (w *wireDecoder) faultDetail(fe *Fault) error {
	first := true
	for {
		tok, err := w.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if !first {
				if err := w.skip(); err != nil {
					return err
				}
				continue
			}
			first = false
			fe.DetailType = t.Name.Local
			if q, ok := xsiType(t); ok {
				if name, err := w.resolve(q); err == nil {
					fe.DetailType = name.Local
				} else {
					_, local, _ := strings.Cut(q, ":")
					fe.DetailType = local
				}
			}
			var d struct {
				Code int    `xml:"fehlercode"`
				Msg  string `xml:"nachricht"`
			}
			if err := w.decodeFields(reflect.ValueOf(&d).Elem(), "", "ServiceFehler", ""); err != nil {
				return err
			}
			fe.DetailCode, fe.DetailMessage = d.Code, strings.TrimSpace(d.Msg)
		}
	}
}
