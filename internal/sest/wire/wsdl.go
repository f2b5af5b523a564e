package wire

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed wsdl/*.wsdl wsdl/*.xsd
var wsdlFiles embed.FS

// WSDLFiles returns sestd's contract with the Servicestelle, the files of
// wsdl/ at its root (what `sestd sest check-wsdl` compares with the
// official files): one WSDL per service (<service>.wsdl, e.g.
// bewerbungenService.wsdl, holding the service's …ServiceParamV1_0 schema
// and its ServiceFehler schema) and one schema per data namespace
// (<Name>V1_0.xsd, e.g. CommonV1_0.xsd), imported by relative
// schemaLocation. The WSDLs' soap:address is a placeholder (see
// WSDLWithAddress).
func WSDLFiles() fs.FS {
	sub, err := fs.Sub(wsdlFiles, "wsdl")
	if err != nil {
		panic(err) // the directory is embedded
	}
	return sub
}

// Schema returns one of the embedded schema files (e.g. CommonV1_0.xsd).
func Schema(name string) ([]byte, error) {
	if !strings.HasSuffix(name, ".xsd") || strings.Contains(name, "/") {
		return nil, fmt.Errorf("reading schema %s: not a schema file name", name)
	}
	b, err := wsdlFiles.ReadFile("wsdl/" + name)
	if err != nil {
		return nil, fmt.Errorf("reading schema %s: %w", name, err)
	}
	return b, nil
}

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
