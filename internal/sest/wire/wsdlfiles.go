package wire

import "io/fs"

// WSDLFiles is the embedded WSDL and schema set sestd is built on, the
// files at its root (what `sestd sest check-wsdl` compares with the
// official files).
func WSDLFiles() fs.FS {
	sub, err := fs.Sub(wsdlFiles, "wsdl")
	if err != nil {
		panic(err) // "wsdl" is a valid path: cannot happen
	}
	return sub
}
