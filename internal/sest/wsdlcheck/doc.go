// Package wsdlcheck compares two sets of WSDL 1.1 and XML Schema files:
// the contract sestd is built on (its embedded WSDLs) and the official
// files a university receives from the Servicestelle. It backs `sestd sest
// check-wsdl DIR`.
//
// Load reads a set from a file system: every *.wsdl and *.xsd in it, in any
// folder (a delivery may come as sibling wsdl/ and xsd/ folders), with the
// wsdl:import, xs:import and xs:include they name (resolved relative to the
// importing file's own folder, inside the same file system), any number
// of schemas per file, inline or imported. It understands global and local
// elements (name or ref, form and elementFormDefault), named and anonymous
// complex types with xs:sequence, xs:choice and xs:all, complexContent and
// simpleContent extension or restriction of a base type, abstract types,
// simple types (base and enumeration) and element groups.
//
// Compare walks every operation of the first set (sestd's) and what the
// second set has for it, and returns one Difference per thing that
// differs, each naming where (operation, message and element path) and
// what: a missing operation; its SOAP binding (the soapAction sestd sends
// as SOAPAction, style rpc or use encoded where sestd speaks
// document/literal, the soap:address path sestd posts to, the interface
// version segment of the path and the host left out); a request, response or fault element whose
// name or namespace differs; in a message's content an element missing,
// renamed, in another namespace, in another order, required on one side
// only (minOccurs), repeated on one side only (maxOccurs), or of another
// type; a type's abstract flag or its derived types (the xsi:type values
// one side knows and the other does not). A named type shared by several
// messages is reported once, at the first place it is met, listing the
// other operations that use it (Difference.Operations).
//
// Operations only the second set has are not differences: sestd does not
// call them. Compare lists them in Result.Extra so that a report can
// mention them.
package wsdlcheck
