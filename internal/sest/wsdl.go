package sest

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed wsdl/*.wsdl
var wsdlFiles embed.FS

// wsdlPlaceholderBase is the base URL written into the embedded WSDLs'
// soap:address. The Client never uses it (its round tripper rewrites every
// request to the configured base URL); the simulator replaces it with its
// own address when it serves a WSDL.
const wsdlPlaceholderBase = "https://dosv.hochschulstart.de/hochschule/webservice/3"

// WSDL returns the embedded WSDL of a service.
func WSDL(service string) ([]byte, error) {
	b, err := wsdlFiles.ReadFile("wsdl/" + service + ".wsdl")
	if err != nil {
		return nil, fmt.Errorf("reading wsdl of %s: %w", service, err)
	}
	return b, nil
}

// WSDLWithAddress returns the embedded WSDL of a service with its
// soap:address set to endpoint.
func WSDLWithAddress(service, endpoint string) ([]byte, error) {
	b, err := WSDL(service)
	if err != nil {
		return nil, err
	}
	return []byte(strings.Replace(string(b), wsdlPlaceholderBase+"/"+service, endpoint, 1)), nil
}
