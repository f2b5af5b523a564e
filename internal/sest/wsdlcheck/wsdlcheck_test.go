package wsdlcheck_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"sestd/internal/sest/wire"
	"sestd/internal/sest/wsdlcheck"
)

// copySet writes sestd's embedded WSDL set into a directory, each file
// passed through edit.
func copySet(t *testing.T, edit func(name, text string) string) string {
	t.Helper()
	dir := t.TempDir()
	src := wire.WSDLFiles()
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		out := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, []byte(edit(p, string(raw))), 0o644)
	})
	require.NoError(t, err)
	return dir
}

func load(t *testing.T, dir string) *wsdlcheck.Set {
	t.Helper()
	s, err := wsdlcheck.Load(os.DirFS(dir))
	require.NoError(t, err)
	return s
}

func TestIdenticalSetHasNoDifference(t *testing.T) {
	t.Parallel()
	want, err := wsdlcheck.Load(wire.WSDLFiles())
	require.NoError(t, err)
	require.NotEmpty(t, want.Operations)
	res := wsdlcheck.Compare(want, load(t, copySet(t, func(_, s string) string { return s })))
	require.Empty(t, res.Differences)
	require.Empty(t, res.Extra)
}

// The official set in the example: one namespace, one element
// name and one operation differ.
func TestOneNamespaceOneNameOneOperation(t *testing.T) {
	t.Parallel()
	const (
		oldNS = "http://StudiengaengeServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de"
		newNS = "http://StudiengaengeServiceParamV1_9.HochschulSchnittstelle.hochschulstart.de"
	)
	dropOp := regexp.MustCompile(`(?s)<(\w+:)?operation name="anlegenAendernStudienpaketeDurchHS".*?</(\w+:)?operation>`)
	var renamed, droppedOps, movedNS int
	dir := copySet(t, func(_, s string) string {
		movedNS += strings.Count(s, oldNS)
		s = strings.ReplaceAll(s, oldNS, newNS)
		renamed += strings.Count(s, `name="nachname"`)
		s = strings.ReplaceAll(s, `name="nachname"`, `name="familienname"`)
		droppedOps += len(dropOp.FindAllString(s, -1))
		return dropOp.ReplaceAllString(s, "")
	})
	require.Positive(t, movedNS, "the namespace to change is in sestd's set")
	require.Positive(t, renamed, "the element to rename is in sestd's set")
	require.Positive(t, droppedOps, "the operation to drop is in sestd's set")

	want, err := wsdlcheck.Load(wire.WSDLFiles())
	require.NoError(t, err)
	res := wsdlcheck.Compare(want, load(t, dir))
	var lines []string
	for _, d := range res.Differences {
		lines = append(lines, d.String())
	}
	report := strings.Join(lines, "\n")

	require.Contains(t, lines, "anlegenAendernStudienpaketeDurchHS: operation missing: sestd calls it (BewerberauswahlServicePortType in bewerberauswahlService.wsdl), the official WSDLs do not declare it", report)
	require.Contains(t, lines, "abrufenStudienangeboteDurchHS request: namespace differs: sestd "+oldNS+", official "+newNS, report)
	// Bewerber is shared by three responses: reported once, naming all.
	require.Regexp(t, `(?m)^abrufenStammdatenDurchHS response/bewerber(/\w+)*/nachname: element name differs: sestd nachname, official familienname `+
		`\(also in abrufenStammdatenDurchHSohneAutorisierung, uebermittelnStammdatenaenderungAnHS\)$`, report)
	require.Equal(t, 1, strings.Count(report, "official familienname"), report)
	for _, l := range lines {
		require.NotContains(t, l, "not declared", "every edit is consistent: nothing dangles")
	}
	require.Empty(t, res.Extra)
}

// A set split over files as the official one is: a WSDL importing a
// schema per namespace, element refs, an abstract base type with its
// xsi:type subtypes as extensions.
func TestImportedSchemasRefsAndExtensions(t *testing.T) {
	t.Parallel()
	const common = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:common" elementFormDefault="qualified">
  <xs:element name="version" type="xs:int"/>
  <xs:complexType name="Bewerbung" abstract="true"><xs:sequence><xs:element name="bewerberId" type="xs:string"/></xs:sequence></xs:complexType>
  <xs:complexType name="Einfach"><xs:complexContent><xs:extension base="c:Bewerbung" xmlns:c="urn:common"><xs:sequence><xs:element name="schluessel" type="xs:string"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>
  <xs:complexType name="Mehrfach"><xs:complexContent><xs:extension base="c:Bewerbung" xmlns:c="urn:common"><xs:sequence><xs:element name="teil" type="xs:string" maxOccurs="unbounded"/></xs:sequence></xs:extension></xs:complexContent></xs:complexType>
</xs:schema>`
	const params = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:c="urn:common" targetNamespace="urn:params" elementFormDefault="qualified">
  <xs:import namespace="urn:common" schemaLocation="common.xsd"/>
  <xs:element name="sendenRequest"><xs:complexType><xs:sequence>
    <xs:element ref="c:version"/>
    <xs:element name="bewerbung" type="c:Bewerbung" maxOccurs="unbounded"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="sendenResponse" type="xs:string"/>
</xs:schema>`
	const wsdl = `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:p="urn:params" xmlns:tns="urn:svc" targetNamespace="urn:svc">
  <wsdl:types><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:import namespace="urn:params" schemaLocation="xsd/params.xsd"/></xs:schema></wsdl:types>
  <wsdl:message name="req"><wsdl:part name="parameters" element="p:sendenRequest"/></wsdl:message>
  <wsdl:message name="resp"><wsdl:part name="parameters" element="p:sendenResponse"/></wsdl:message>
  <wsdl:portType name="Svc"><wsdl:operation name="senden"><wsdl:input message="tns:req"/><wsdl:output message="tns:resp"/></wsdl:operation></wsdl:portType>
</wsdl:definitions>`
	set := func(common string) *wsdlcheck.Set {
		s, err := wsdlcheck.Load(fstest.MapFS{
			"svc.wsdl":          {Data: []byte(wsdl)},
			"xsd/params.xsd":    {Data: []byte(params)},
			"xsd/common.xsd":    {Data: []byte(common)},
			"README.txt":        {Data: []byte("not a schema")},
			"xsd/unrelated.txt": {Data: []byte("x")},
		})
		require.NoError(t, err)
		return s
	}
	want := set(common)
	require.Empty(t, wsdlcheck.Compare(want, set(common)).Differences)

	// The official set: no Mehrfach subtype, a Zweifach one instead,
	// bewerberId a long, schluessel optional.
	official := strings.ReplaceAll(common, `name="Mehrfach"`, `name="Zweifach"`)
	official = strings.Replace(official, `name="bewerberId" type="xs:string"`, `name="bewerberId" type="xs:long"`, 1)
	official = strings.Replace(official, `<xs:sequence><xs:element name="schluessel" type="xs:string"/>`, `<xs:sequence><xs:element name="schluessel" type="xs:string" minOccurs="0"/>`, 1)
	res := wsdlcheck.Compare(want, set(official))
	var lines []string
	for _, d := range res.Differences {
		lines = append(lines, d.String())
	}
	require.ElementsMatch(t, []string{
		"senden request/bewerbung/bewerberId: type differs: sestd xs:string, official xs:long",
		"senden request/bewerbung: derived type (xsi:type) Mehrfach of Bewerbung: sestd knows it, the official WSDL does not",
		"senden request/bewerbung: derived type (xsi:type) Zweifach of Bewerbung: in the official WSDL, sestd does not know it",
		"senden request/bewerbung (xsi:type Einfach)/schluessel: optional in the official WSDL (minOccurs 0), required in sestd's (minOccurs 1)",
	}, lines)
}

func TestLoadRefusesWhatItCannotRead(t *testing.T) {
	t.Parallel()
	_, err := wsdlcheck.Load(fstest.MapFS{"a.txt": {Data: []byte("x")}})
	require.ErrorContains(t, err, "no *.wsdl or *.xsd files found")
	_, err = wsdlcheck.Load(fstest.MapFS{"a.wsdl": {Data: []byte(`<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"><wsdl:import location="b.wsdl"/></wsdl:definitions>`)}})
	require.ErrorContains(t, err, "a.wsdl imports b.wsdl, which is not in the directory")
	_, err = wsdlcheck.Load(fstest.MapFS{"a.wsdl": {Data: []byte(`<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">`)}})
	require.ErrorContains(t, err, "a.wsdl")
}

// Load and Compare never panic, whatever the files hold.
func FuzzLoad(f *testing.F) {
	raw, err := fs.ReadFile(wire.WSDLFiles(), "benutzerService.wsdl")
	require.NoError(f, err)
	f.Add(raw)
	f.Add([]byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:complexType name="a"><xs:complexContent><xs:extension base="a"/></xs:complexContent></xs:complexType></xs:schema>`))
	want, err := wsdlcheck.Load(wire.WSDLFiles())
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := wsdlcheck.Load(fstest.MapFS{"x.wsdl": {Data: b}})
		if err != nil {
			return
		}
		_ = wsdlcheck.Compare(want, got)
		_ = wsdlcheck.Compare(got, want)
	})
}

// differences compares sestd's set with a copy edited by edit (each edit
// must apply) and returns the report lines.
func differences(t *testing.T, edit func(name, text string) string) []string {
	t.Helper()
	want, err := wsdlcheck.Load(wire.WSDLFiles())
	require.NoError(t, err)
	var lines []string
	for _, d := range wsdlcheck.Compare(want, load(t, copySet(t, edit))).Differences {
		lines = append(lines, d.String())
	}
	return lines
}

// replaceIn returns an edit replacing from by to once in file name,
// failing the test when from is not there.
func replaceIn(t *testing.T, file, from, to string) func(name, text string) string {
	return func(name, text string) string {
		if name != file {
			return text
		}
		require.Contains(t, text, from, "%s holds what the test edits", file)
		return strings.Replace(text, from, to, 1)
	}
}

// The SOAP binding: what sestd puts in the SOAPAction header, the style
// and use of its messages, the path it posts to.
func TestBindingDifferences(t *testing.T) {
	t.Parallel()
	const (
		file   = "bewerbungenService.wsdl"
		ns     = "http://BewerbungenServiceParamV1_0.HochschulSchnittstelle.hochschulstart.de"
		action = `soapAction="` + ns + `/abrufenBewerbungenDurchHS"`
	)
	bewerbungenOps := []string{"abrufenBewerbungenDurchHS", "anfragenNeueGeaenderteBewerbungenDurchHS", "uebermittelnGeaenderteBewerbungenAnSeSt",
		"uebermittelnNeueBewerbungenAnSeSt", "uebermittelnNeueGeaenderteBewerbungenAnHS"}
	tests := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"soapAction", action, `soapAction="urn:abrufenBewerbungen"`, []string{
			`abrufenBewerbungenDurchHS: soapAction differs: sestd sends SOAPAction "` + ns + `/abrufenBewerbungenDurchHS", official "urn:abrufenBewerbungen"`}},
		{"empty soapAction", action, `soapAction=""`, []string{
			`abrufenBewerbungenDurchHS: soapAction differs: sestd sends SOAPAction "` + ns + `/abrufenBewerbungenDurchHS", official ""`}},
		{"rpc style of one operation", action + ` style="document"`, action + ` style="rpc"`, []string{
			"abrufenBewerbungenDurchHS: binding style differs: sestd document, official rpc (sestd sends document style only)"}},
		{"rpc binding style, each operation document", `<soap:binding style="document"`, `<soap:binding style="rpc"`, nil},
		{"encoded", action + ` style="document"/>
      <wsdl:input>
        <soap:body use="literal"/>`, action + ` style="document"/>
      <wsdl:input>
        <soap:body use="encoded"/>`, []string{
			"abrufenBewerbungenDurchHS: soap:body use differs: sestd literal, official encoded (sestd sends literal XML only)"}},
		{"interface version of the address", "/hochschule/webservice/3/bewerbungenService", "/hochschule/webservice/4/bewerbungenService", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.ElementsMatch(t, tc.want, differences(t, replaceIn(t, file, tc.old, tc.new)))
		})
	}
	t.Run("address path", func(t *testing.T) {
		t.Parallel()
		got := differences(t, replaceIn(t, file, "/hochschule/webservice/3/bewerbungenService", "/ws/BewerbungenService"))
		var want []string
		for _, op := range bewerbungenOps {
			want = append(want, op+": soap:address path differs: sestd posts to servicestelle.base_url + /bewerbungenService "+
				"(/hochschule/webservice/3/bewerbungenService), official location https://dosv.hochschulstart.de/ws/BewerbungenService")
		}
		require.ElementsMatch(t, want, got)
	})
	t.Run("rpc style of the binding", func(t *testing.T) {
		t.Parallel()
		// The binding's style applies to the operations that have none.
		got := differences(t, func(name, text string) string {
			if name != file {
				return text
			}
			text = strings.Replace(text, `<soap:binding style="document"`, `<soap:binding style="rpc"`, 1)
			return strings.Replace(text, action+` style="document"`, action, 1)
		})
		require.Equal(t, []string{"abrufenBewerbungenDurchHS: binding style differs: sestd document, official rpc (sestd sends document style only)"}, got)
	})
}

// A delivery laid out as sibling folders wsdl/ and xsd/, the WSDLs
// importing ../xsd/X.xsd: read recursively, each location resolved
// against the importing file's folder.
func TestSiblingWSDLAndXSDFolders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := wire.WSDLFiles()
	entries, err := fs.ReadDir(src, ".")
	require.NoError(t, err)
	var moved int
	for _, e := range entries {
		raw, err := fs.ReadFile(src, e.Name())
		require.NoError(t, err)
		text, sub := string(raw), "xsd"
		if strings.HasSuffix(e.Name(), ".wsdl") {
			sub = "wsdl"
			moved += strings.Count(text, `schemaLocation="`)
			text = strings.ReplaceAll(text, `schemaLocation="`, `schemaLocation="../xsd/`)
		}
		require.NoError(t, os.MkdirAll(filepath.Join(dir, sub), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, sub, e.Name()), []byte(text), 0o644))
	}
	require.Positive(t, moved)
	want, err := wsdlcheck.Load(src)
	require.NoError(t, err)
	got := load(t, dir)
	require.Len(t, got.Operations, len(want.Operations))
	require.Empty(t, wsdlcheck.Compare(want, got).Differences)

	// An edit in a schema of xsd/ is seen.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "xsd", "BenutzerV1_0.xsd"), []byte(strings.Replace(mustRead(t, src, "BenutzerV1_0.xsd"),
		`name="nachname"`, `name="familienname"`, 1)), 0o644))
	res := wsdlcheck.Compare(want, load(t, dir))
	require.NotEmpty(t, res.Differences)
	require.Contains(t, res.Differences[0].What, "official familienname")
}

func mustRead(t *testing.T, fsys fs.FS, name string) string {
	t.Helper()
	raw, err := fs.ReadFile(fsys, name)
	require.NoError(t, err)
	return string(raw)
}
