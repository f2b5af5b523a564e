package wire

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The WSDLs and schemas in wsdl/ are generated from the Go types and the
// namespace table (wire.go), so that the XSD sequence order, the element
// namespaces and the codec cannot drift apart. Regenerate with
//
//	SEST_UPDATE_WSDL=1 go test ./internal/sest/wire -run TestWSDLUpToDate
func TestWSDLUpToDate(t *testing.T) {
	t.Parallel()
	files := generateContract()
	if os.Getenv("SEST_UPDATE_WSDL") != "" {
		old, _ := filepath.Glob("wsdl/*")
		for _, f := range old {
			require.NoError(t, os.Remove(f))
		}
		for name, b := range files {
			require.NoError(t, os.WriteFile(filepath.Join("wsdl", name), b, 0o644))
		}
		return
	}
	on, err := filepath.Glob("wsdl/*")
	require.NoError(t, err)
	require.Len(t, on, len(files), "files in wsdl/: run SEST_UPDATE_WSDL=1 go test ./internal/sest/wire -run TestWSDLUpToDate")
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("wsdl", name))
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%s is stale: run SEST_UPDATE_WSDL=1 go test ./internal/sest/wire -run TestWSDLUpToDate", name)
	}
}

// faultTypes are the xsi:types a fault detail may carry.
var faultTypes = []string{FaultUnbekannteHochschule, FaultUnbekannterBenutzer, FaultAutorisierung,
	FaultUngueltigeReferenz, FaultValidierung, FaultTechnisch}

// schemaGen collects the complexTypes of every target namespace.
type schemaGen struct {
	types   map[string]map[string]string       // namespace -> type name -> definition
	imports map[string]map[string]bool         // namespace -> namespaces it references
	done    map[string]map[reflect.Type]string // namespace -> type -> name
}

func newSchemaGen() *schemaGen {
	return &schemaGen{types: map[string]map[string]string{}, imports: map[string]map[string]bool{}, done: map[string]map[reflect.Type]string{}}
}

func (g *schemaGen) ref(from, ns, name string) string {
	if from != ns {
		if g.imports[from] == nil {
			g.imports[from] = map[string]bool{}
		}
		g.imports[from][ns] = true
	}
	return xsdPrefix(ns) + ":" + name
}

func xsdPrefix(ns string) string { return Prefixes()[ns] }

func schemaFile(ns string) string {
	for _, s := range dataSchemas {
		if s.NS == ns {
			return s.File
		}
	}
	return ""
}

// typeRef returns the QName of t's complexType as seen from schema from,
// generating the type (in its own namespace, or in inherit for message
// types) on first use.
func (g *schemaGen) typeRef(from string, t reflect.Type, inherit string) string {
	if t == ranglisteType {
		t = ranglisteWireType
	}
	ns := nsOf(t, inherit)
	name := t.Name()
	if t == ranglisteWireType {
		name = "Rangliste"
	}
	if g.done[ns] == nil {
		g.done[ns] = map[reflect.Type]string{}
		g.types[ns] = map[string]string{}
	}
	if _, ok := g.done[ns][t]; !ok {
		g.done[ns][t] = name
		g.types[ns][name] = "" // against recursion
		g.types[ns][name] = g.define(t, ns, name)
	}
	return g.ref(from, ns, name)
}

// define renders the complexType of t in namespace ns.
func (g *schemaGen) define(t reflect.Type, ns, name string) string {
	var b bytes.Buffer
	if choiceTypes[t] {
		// The official abstract base type; the alternatives extend it.
		fmt.Fprintf(&b, "  <xs:complexType name=%q abstract=\"true\">\n    <xs:sequence/>\n  </xs:complexType>\n", name)
		for i := range t.NumField() {
			ct := t.Field(i).Type.Elem()
			g.typeRef(ns, ct, ns)
			cns := nsOf(ct, ns)
			names := xsiNames(ct)
			if len(names) == 1 && names[0] == ct.Name() {
				g.types[cns][ct.Name()] = g.extension(cns, ct.Name(), g.ref(cns, ns, name), ct, "", false)
				continue
			}
			// One Go type for an abstract official type and its subtypes:
			// the shared fields in the abstract type, each subtype's own
			// fields (tag xsdonly) in its extension.
			g.types[cns][ct.Name()] = g.extension(cns, ct.Name(), g.ref(cns, ns, name), ct, "", true)
			for _, sub := range names {
				g.types[cns][sub] = g.extension(cns, sub, g.ref(cns, cns, ct.Name()), ct, sub, false)
			}
		}
		return b.String()
	}
	// An embedded struct is the base type.
	fields := xmlFields(t)
	if len(fields) > 0 && fields[0].name == "" {
		bt := t.Field(fields[0].index).Type
		return g.extension(ns, name, g.typeRef(ns, bt, ns), t, "", false)
	}
	fmt.Fprintf(&b, "  <xs:complexType name=%q>\n    <xs:sequence>\n", name)
	g.fields(&b, t, ns, "      ")
	b.WriteString("    </xs:sequence>\n  </xs:complexType>\n")
	return b.String()
}

// extension renders the complexType name extending base with own's fields:
// those without an xsdonly tag when only is "", else those tagged only.
func (g *schemaGen) extension(ns, name, base string, own reflect.Type, only string, abstract bool) string {
	var b bytes.Buffer
	abs := ""
	if abstract {
		abs = ` abstract="true"`
	}
	fmt.Fprintf(&b, "  <xs:complexType name=%q%s>\n    <xs:complexContent>\n      <xs:extension base=%q>\n        <xs:sequence>\n", name, abs, base)
	g.fieldsOnly(&b, own, ns, "          ", only)
	b.WriteString("        </xs:sequence>\n      </xs:extension>\n    </xs:complexContent>\n  </xs:complexType>\n")
	return b.String()
}

// fields writes t's own element declarations (an embedded base excluded).
func (g *schemaGen) fields(b *bytes.Buffer, t reflect.Type, ns, indent string) {
	g.fieldsOnly(b, t, ns, indent, "")
}

// fieldsOnly writes the fields of t whose xsdonly tag is only.
func (g *schemaGen) fieldsOnly(b *bytes.Buffer, t reflect.Type, ns, indent, only string) {
	for _, f := range xmlFields(t) {
		if f.name == "" {
			continue
		}
		sf := t.Field(f.index)
		if sf.Tag.Get("xsdonly") != only {
			continue
		}
		ft := sf.Type
		minOccurs, maxOccurs := "", ""
		required, repeated := occurs(sf, f)
		if !required {
			minOccurs = "0"
		}
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if repeated {
			ft = ft.Elem()
			maxOccurs = "unbounded"
		}
		var typ string
		switch {
		case ft == timestampType:
			typ = "xs:dateTime"
		case ft == base64Type:
			typ = "xs:base64Binary"
		case ft.Kind() == reflect.Struct:
			typ = g.typeRef(ns, ft, ns)
		case ft.Kind() == reflect.String && sf.Tag.Get("xsd") == "date":
			typ = "xs:date"
		case ft.Kind() == reflect.String:
			typ = "xs:string"
		case ft.Kind() == reflect.Int:
			typ = "xs:int"
		case ft.Kind() == reflect.Bool:
			typ = "xs:boolean"
		case ft.Kind() == reflect.Float64:
			typ = "xs:decimal"
		default:
			panic("unsupported field type " + ft.String())
		}
		var attrs strings.Builder
		if minOccurs != "" {
			fmt.Fprintf(&attrs, " minOccurs=%q", minOccurs)
		}
		if maxOccurs != "" {
			fmt.Fprintf(&attrs, " maxOccurs=%q", maxOccurs)
		}
		fmt.Fprintf(b, "%s<xs:element name=%q type=%q%s/>\n", indent, f.name, typ, attrs.String())
	}
}

func nsDecls(b *bytes.Buffer, indent string) {
	for _, s := range dataSchemas {
		fmt.Fprintf(b, "\n%sxmlns:%s=%q", indent, s.Prefix, s.NS)
	}
}

func (g *schemaGen) importLines(b *bytes.Buffer, ns, indent string) {
	var imps []string
	for imp := range g.imports[ns] {
		imps = append(imps, imp)
	}
	sort.Strings(imps)
	for _, imp := range imps {
		fmt.Fprintf(b, "%s<xs:import namespace=%q schemaLocation=%q/>\n", indent, imp, schemaFile(imp))
	}
}

func (g *schemaGen) typeDefs(b *bytes.Buffer, ns, indent string) {
	var names []string
	for n := range g.types[ns] {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, line := range strings.SplitAfter(g.types[ns][n], "\n") {
			if line != "" {
				b.WriteString(indent + line)
			}
		}
	}
}

// generateContract returns the files of wsdl/: one WSDL per service and
// one schema per data namespace.
func generateContract() map[string][]byte {
	g := newSchemaGen()
	wsdls := map[string][]byte{}
	// Message types first, per service (they pull in the data types).
	type svcElems struct{ elems bytes.Buffer }
	elems := map[string]*svcElems{}
	for _, svc := range Services() {
		ns := Namespace(svc)
		e := &svcElems{}
		for _, o := range Operations(svc) {
			fmt.Fprintf(&e.elems, "      <xs:element name=%q type=%q/>\n", o.RequestElement(), g.typeRef(ns, o.request, ns))
			fmt.Fprintf(&e.elems, "      <xs:element name=%q type=%q/>\n", o.ResponseElement(), g.typeRef(ns, o.response, ns))
		}
		elems[svc] = e
	}
	for _, svc := range Services() {
		info := serviceInfo[svc]
		ns, sns := Namespace(svc), ServiceNamespace(svc)
		ops := Operations(svc)
		var b bytes.Buffer
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by wsdl_gen_test.go from the Go types of package wire (internal/sest/wire). DO NOT EDIT. -->
<wsdl:definitions name=%q targetNamespace=%q
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns=%q
    xmlns:%s=%q`, info.Name, sns, sns, svc, ns)
		nsDecls(&b, "    ")
		fmt.Fprintf(&b, `>
  <wsdl:documentation>sestd's WSDL for the Servicestelle's %s, written from public facts (see package wire, "What is verified from public sources and what is assumed").</wsdl:documentation>
  <wsdl:types>
    <xs:schema targetNamespace=%q elementFormDefault="qualified">
`, info.Name, ns)
		g.importLines(&b, ns, "      ")
		b.Write(elems[svc].elems.Bytes())
		g.typeDefs(&b, ns, "    ")
		fmt.Fprintf(&b, `    </xs:schema>
    <xs:schema targetNamespace=%q elementFormDefault="qualified">
      <xs:element name="ServiceFehler" type="tns:ServiceFehler"/>
      <xs:complexType name="ServiceFehler" abstract="true">
        <xs:sequence>
          <xs:element name="fehlercode" type="xs:int" minOccurs="0"/>
          <xs:element name="nachricht" type="xs:string"/>
        </xs:sequence>
      </xs:complexType>
`, sns)
		for _, ft := range faultTypes {
			fmt.Fprintf(&b, `      <xs:complexType name=%q>
        <xs:complexContent>
          <xs:extension base="tns:ServiceFehler"/>
        </xs:complexContent>
      </xs:complexType>
`, ft)
		}
		b.WriteString("    </xs:schema>\n  </wsdl:types>\n")
		for _, o := range ops {
			fmt.Fprintf(&b, "  <wsdl:message name=%q>\n    <wsdl:part name=\"parameters\" element=\"%s:%s\"/>\n  </wsdl:message>\n", o.RequestElement(), svc, o.RequestElement())
			fmt.Fprintf(&b, "  <wsdl:message name=%q>\n    <wsdl:part name=\"parameters\" element=\"%s:%s\"/>\n  </wsdl:message>\n", o.ResponseElement(), svc, o.ResponseElement())
		}
		fmt.Fprintf(&b, "  <wsdl:message name=%q>\n    <wsdl:part name=\"fault\" element=\"tns:ServiceFehler\"/>\n  </wsdl:message>\n", info.Name+"Fehler")
		fmt.Fprintf(&b, "  <wsdl:portType name=\"%sPortType\">\n", info.Name)
		for _, o := range ops {
			fmt.Fprintf(&b, `    <wsdl:operation name=%q>
      <wsdl:input message="tns:%s"/>
      <wsdl:output message="tns:%s"/>
      <wsdl:fault name=%q message="tns:%s"/>
    </wsdl:operation>
`, o.Name, o.RequestElement(), o.ResponseElement(), info.Name+"Fehler", info.Name+"Fehler")
		}
		b.WriteString("  </wsdl:portType>\n")
		fmt.Fprintf(&b, "  <wsdl:binding name=\"%sBinding\" type=\"tns:%sPortType\">\n    <soap:binding style=\"document\" transport=\"http://schemas.xmlsoap.org/soap/http\"/>\n", info.Name, info.Name)
		for _, o := range ops {
			fmt.Fprintf(&b, `    <wsdl:operation name=%q>
      <soap:operation soapAction=%q style="document"/>
      <wsdl:input>
        <soap:body use="literal"/>
      </wsdl:input>
      <wsdl:output>
        <soap:body use="literal"/>
      </wsdl:output>
      <wsdl:fault name=%q>
        <soap:fault name=%q use="literal"/>
      </wsdl:fault>
    </wsdl:operation>
`, o.Name, o.SOAPAction(), info.Name+"Fehler", info.Name+"Fehler")
		}
		b.WriteString("  </wsdl:binding>\n")
		fmt.Fprintf(&b, `  <wsdl:service name=%q>
    <wsdl:port name="%sPort" binding="tns:%sBinding">
      <soap:address location="%s/%s"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`, info.Name, info.Name, info.Name, wsdlPlaceholderBase, svc)
		wsdls[svc+".wsdl"] = b.Bytes()
	}
	out := wsdls
	for _, s := range dataSchemas {
		var b bytes.Buffer
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by wsdl_gen_test.go from the Go types of package wire (internal/sest/wire). DO NOT EDIT. -->
<xs:schema targetNamespace=%q elementFormDefault="qualified"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"`, s.NS)
		nsDecls(&b, "    ")
		b.WriteString(">\n")
		g.importLines(&b, s.NS, "  ")
		g.typeDefs(&b, s.NS, "")
		b.WriteString("</xs:schema>\n")
		out[s.File] = b.Bytes()
	}
	return out
}
