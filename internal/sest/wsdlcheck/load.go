package wsdlcheck

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Namespaces of the languages read.
const (
	nsWSDL   = "http://schemas.xmlsoap.org/wsdl/"
	nsXSD    = "http://www.w3.org/2001/XMLSchema"
	nsSOAP   = "http://schemas.xmlsoap.org/wsdl/soap/"
	nsSOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
)

// QName is a namespace-qualified name.
type QName struct{ Space, Local string }

func (q QName) String() string {
	if q.Space == "" {
		return q.Local
	}
	return "{" + q.Space + "}" + q.Local
}

// Set is one set of WSDL and XSD files, resolved.
type Set struct {
	// Operations by name: the element of each message.
	Operations map[string]*Operation
	elements   map[QName]*Element
	types      map[QName]*ComplexType
	simple     map[QName]*SimpleType
	groups     map[QName]*node
	derived    map[QName][]QName // base type → types extending or restricting it
}

// Operation is one operation of a portType.
type Operation struct {
	Name     string
	PortType string
	File     string
	Input    QName   // element of the input message's part
	Output   QName   // element of the output message's part
	Faults   []QName // elements of the fault messages' parts
	// Bound is set when a wsdl:binding binds the operation; SOAPAction,
	// Style (document or rpc) and Use (literal or encoded, of its input
	// and output soap:body) are that binding's, Address the soap:address
	// location of a port using the binding ("" without one).
	Bound      bool
	SOAPAction string
	Style      string
	Use        string
	Address    string
}

// Element is an element declaration: global, or local inside a type.
type Element struct {
	Name      QName
	Type      QName        // named type; zero when Anonymous is set
	Anonymous *ComplexType // inline complex type
	AnonSimp  *SimpleType  // inline simple type
	Min, Max  int          // Max -1: unbounded
	Ref       bool         // a reference to the global element Name
}

// ComplexType is a complex type with its content flattened into
// particles (its own, after those of its base).
type ComplexType struct {
	Name      QName // zero for an anonymous type
	Abstract  bool
	Base      QName // extension or restriction base; zero without
	Simple    bool  // simpleContent: a value with attributes, no elements
	restricts bool  // derived by restriction: its content restates the base's
	particles []*particle
}

// SimpleType is a named or inline simple type: its base and enumeration.
type SimpleType struct {
	Name  QName
	Base  QName
	Enums []string
}

// particle is an element or a choice among particles.
type particle struct {
	elem     *Element
	choice   []*particle // for a choice: its alternatives
	min, max int
}

// node is a parsed XML element with the namespaces in scope.
type node struct {
	name     xml.Name
	attrs    map[string]string // attributes without namespace, by local name
	ns       map[string]string // prefix → namespace in scope ("" = default)
	children []*node
	file     string
}

func (n *node) is(space, local string) bool { return n.name.Space == space && n.name.Local == local }

// qname resolves a prefixed name (an attribute value) in n's scope.
func (n *node) qname(v string) QName {
	prefix, local, ok := strings.Cut(strings.TrimSpace(v), ":")
	if !ok {
		return QName{n.ns[""], prefix}
	}
	return QName{n.ns[prefix], local}
}

func parseXML(file string, raw []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(raw))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name, attrs: map[string]string{}, ns: map[string]string{}, file: file}
			if len(stack) > 0 {
				for k, v := range stack[len(stack)-1].ns {
					n.ns[k] = v
				}
			}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					n.ns[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					n.ns[""] = a.Value
				case a.Name.Space == "":
					n.attrs[a.Name.Local] = a.Value
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%s: no XML element", file)
	}
	return root, nil
}

// loader reads files once each and collects declarations.
type loader struct {
	fsys     fs.FS
	seen     map[string]bool
	set      *Set
	messages map[QName][]QName // message → elements of its parts
	portOps  []*node           // wsdl:portType nodes with their definitions' namespace
	bindings []*node           // wsdl:binding nodes
	ports    map[string]string // binding (local name) → soap:address location
	pending  []pendingSchema
}

type pendingSchema struct {
	n   *node
	tns string
}

// Load reads every *.wsdl and *.xsd in fsys, in any folder below its root
// (a delivery laid out as wsdl/ and xsd/ folders), and the files they
// import or include.
func Load(fsys fs.FS) (*Set, error) {
	l := &loader{fsys: fsys, seen: map[string]bool{}, messages: map[QName][]QName{}, ports: map[string]string{}, set: &Set{
		Operations: map[string]*Operation{}, elements: map[QName]*Element{}, types: map[QName]*ComplexType{},
		simple: map[QName]*SimpleType{}, groups: map[QName]*node{}, derived: map[QName][]QName{},
	}}
	var names []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(name, ".wsdl") || strings.HasSuffix(name, ".xsd")) {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the WSDL files: %w", err)
	}
	found := len(names) > 0
	for _, name := range names {
		if err := l.file(name); err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, errors.New("no *.wsdl or *.xsd files found")
	}
	// Types first (in any order), then the elements that use them.
	for _, p := range l.pending {
		l.schemaTypes(p.n, p.tns)
	}
	for _, p := range l.pending {
		if err := l.schemaElements(p.n, p.tns); err != nil {
			return nil, err
		}
	}
	if err := l.resolveTypes(); err != nil {
		return nil, err
	}
	for _, pt := range l.portOps {
		if err := l.portType(pt); err != nil {
			return nil, err
		}
	}
	if len(l.set.Operations) == 0 {
		return nil, errors.New("no wsdl:portType operation found")
	}
	for _, b := range l.bindings {
		l.binding(b)
	}
	return l.set, nil
}

func (l *loader) file(name string) error {
	name = path.Clean(name)
	if l.seen[name] {
		return nil
	}
	l.seen[name] = true
	raw, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	root, err := parseXML(name, raw)
	if err != nil {
		return err
	}
	switch {
	case root.is(nsWSDL, "definitions"):
		return l.definitions(root)
	case root.is(nsXSD, "schema"):
		return l.schema(root)
	}
	return fmt.Errorf("%s: neither a WSDL (wsdl:definitions) nor a schema (xs:schema), but <%s>", name, root.name.Local)
}

// follow loads a file named by an import, relative to the importing file.
// A location outside the set (http://…) is left alone: Compare reports
// what it lacks.
func (l *loader) follow(from *node, location string) error {
	if location == "" || strings.Contains(location, "://") {
		return nil
	}
	target := path.Join(path.Dir(from.file), location)
	if _, err := fs.Stat(l.fsys, target); err != nil {
		return fmt.Errorf("%s imports %s, which is not in the directory", from.file, location)
	}
	return l.file(target)
}

func (l *loader) definitions(root *node) error {
	tns := root.attrs["targetNamespace"]
	for _, c := range root.children {
		switch {
		case c.is(nsWSDL, "import"):
			if err := l.follow(c, c.attrs["location"]); err != nil {
				return err
			}
		case c.is(nsWSDL, "types"):
			for _, s := range c.children {
				if s.is(nsXSD, "schema") {
					if err := l.schema(s); err != nil {
						return err
					}
				}
			}
		case c.is(nsWSDL, "message"):
			var parts []QName
			for _, p := range c.children {
				if p.is(nsWSDL, "part") && p.attrs["element"] != "" {
					parts = append(parts, p.qname(p.attrs["element"]))
				}
			}
			l.messages[QName{tns, c.attrs["name"]}] = parts
		case c.is(nsWSDL, "portType"):
			l.portOps = append(l.portOps, c)
		case c.is(nsWSDL, "binding"):
			l.bindings = append(l.bindings, c)
		case c.is(nsWSDL, "service"):
			for _, p := range c.children {
				if !p.is(nsWSDL, "port") {
					continue
				}
				for _, a := range p.children {
					if isSOAP(a, "address") {
						l.ports[p.qname(p.attrs["binding"]).Local] = a.attrs["location"]
					}
				}
			}
		}
	}
	return nil
}

func (l *loader) schema(s *node) error {
	tns := s.attrs["targetNamespace"]
	for _, c := range s.children {
		if c.is(nsXSD, "import") || c.is(nsXSD, "include") || c.is(nsXSD, "redefine") {
			if err := l.follow(c, c.attrs["schemaLocation"]); err != nil {
				return err
			}
		}
	}
	l.pending = append(l.pending, pendingSchema{s, tns})
	return nil
}

// schemaTypes registers a schema's named types and groups; their content is
// read when an element uses them.
func (l *loader) schemaTypes(s *node, tns string) {
	for _, c := range s.children {
		name := QName{tns, c.attrs["name"]}
		switch {
		case c.is(nsXSD, "complexType"):
			l.set.types[name] = &ComplexType{Name: name}
		case c.is(nsXSD, "simpleType"):
			l.set.simple[name] = l.simpleType(c, name)
		case c.is(nsXSD, "group"):
			l.groups(name, c)
		}
	}
}

func (l *loader) groups(name QName, n *node) { l.set.groups[name] = n }

func (l *loader) schemaElements(s *node, tns string) error {
	for _, c := range s.children {
		if c.is(nsXSD, "element") {
			e, err := l.element(c, tns, true, s)
			if err != nil {
				return err
			}
			l.set.elements[e.Name] = e
		}
	}
	return nil
}

// complexNodes remembers each named complex type's node for resolveTypes.
func (l *loader) resolveTypes() error {
	for _, p := range l.pending {
		for _, c := range p.n.children {
			if !c.is(nsXSD, "complexType") {
				continue
			}
			ct := l.set.types[QName{p.tns, c.attrs["name"]}]
			if err := l.complexType(c, p.tns, p.n, ct); err != nil {
				return err
			}
		}
	}
	for name, ct := range l.set.types {
		if ct.Base != (QName{}) {
			l.set.derived[ct.Base] = append(l.set.derived[ct.Base], name)
		}
	}
	for _, d := range l.set.derived {
		sort.Slice(d, func(i, j int) bool { return d[i].Local < d[j].Local })
	}
	return nil
}

func (l *loader) simpleType(n *node, name QName) *SimpleType {
	st := &SimpleType{Name: name}
	for _, c := range n.children {
		switch {
		case c.is(nsXSD, "restriction"):
			st.Base = c.qname(c.attrs["base"])
			for _, f := range c.children {
				if f.is(nsXSD, "enumeration") {
					st.Enums = append(st.Enums, f.attrs["value"])
				}
			}
		case c.is(nsXSD, "list"), c.is(nsXSD, "union"):
			st.Base = QName{nsXSD, "string"}
		}
	}
	sort.Strings(st.Enums)
	return st
}

// element reads an element declaration (global, or local with ref or name).
func (l *loader) element(n *node, tns string, global bool, schema *node) (*Element, error) {
	e := &Element{Min: occurs(n.attrs["minOccurs"]), Max: occurs(n.attrs["maxOccurs"])}
	if ref := n.attrs["ref"]; ref != "" {
		e.Name, e.Ref = n.qname(ref), true
		return e, nil // resolved against the global element when compared
	}
	ns := ""
	form := n.attrs["form"]
	if form == "" {
		form = schema.attrs["elementFormDefault"]
	}
	if global || form == "qualified" {
		ns = tns
	}
	e.Name = QName{ns, n.attrs["name"]}
	if t := n.attrs["type"]; t != "" {
		e.Type = n.qname(t)
	}
	for _, c := range n.children {
		switch {
		case c.is(nsXSD, "complexType"):
			e.Anonymous = &ComplexType{}
			if err := l.complexType(c, tns, schema, e.Anonymous); err != nil {
				return nil, err
			}
		case c.is(nsXSD, "simpleType"):
			e.AnonSimp = l.simpleType(c, QName{})
		}
	}
	if e.Type == (QName{}) && e.Anonymous == nil && e.AnonSimp == nil {
		e.Type = QName{nsXSD, "anyType"}
	}
	return e, nil
}

// occurs reads a minOccurs or maxOccurs value: absent (or not a number)
// is XSD's default 1, "unbounded" is -1.
func occurs(v string) int {
	switch v {
	case "":
		return 1
	case "unbounded":
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 1
	}
	return n
}

// complexType fills ct from its node: abstract, base, own particles.
func (l *loader) complexType(n *node, tns string, schema *node, ct *ComplexType) error {
	ct.Abstract = n.attrs["abstract"] == "true"
	var err error
	for _, c := range n.children {
		switch {
		case c.is(nsXSD, "complexContent"), c.is(nsXSD, "simpleContent"):
			ct.Simple = c.is(nsXSD, "simpleContent")
			for _, d := range c.children {
				if d.is(nsXSD, "extension") || d.is(nsXSD, "restriction") {
					ct.Base = d.qname(d.attrs["base"])
					ct.restricts = d.is(nsXSD, "restriction")
					if ct.particles, err = l.particles(d.children, tns, schema); err != nil {
						return err
					}
				}
			}
		case c.is(nsXSD, "sequence"), c.is(nsXSD, "choice"), c.is(nsXSD, "all"), c.is(nsXSD, "group"):
			if ct.particles, err = l.particles([]*node{c}, tns, schema); err != nil {
				return err
			}
		}
	}
	return nil
}

// particles flattens sequences (and all, and group references) into a
// list; a choice stays one particle with its alternatives.
func (l *loader) particles(ns []*node, tns string, schema *node) ([]*particle, error) {
	var out []*particle
	for _, c := range ns {
		switch {
		case c.is(nsXSD, "element"):
			e, err := l.element(c, tns, false, schema)
			if err != nil {
				return nil, err
			}
			out = append(out, &particle{elem: e, min: e.Min, max: e.Max})
		case c.is(nsXSD, "sequence"), c.is(nsXSD, "all"):
			ps, err := l.particles(c.children, tns, schema)
			if err != nil {
				return nil, err
			}
			if occurs(c.attrs["minOccurs"]) == 0 {
				for _, p := range ps {
					p.min = 0
					if p.elem != nil {
						p.elem.Min = 0
					}
				}
			}
			out = append(out, ps...)
		case c.is(nsXSD, "choice"):
			alts, err := l.particles(c.children, tns, schema)
			if err != nil {
				return nil, err
			}
			out = append(out, &particle{choice: alts, min: occurs(c.attrs["minOccurs"]), max: occurs(c.attrs["maxOccurs"])})
		case c.is(nsXSD, "group"):
			if ref := c.attrs["ref"]; ref != "" {
				g, ok := l.set.groups[c.qname(ref)]
				if !ok {
					return nil, fmt.Errorf("%s: group %s is not defined", c.file, ref)
				}
				ps, err := l.particles(g.children, tns, schema)
				if err != nil {
					return nil, err
				}
				out = append(out, ps...)
			} else {
				ps, err := l.particles(c.children, tns, schema)
				if err != nil {
					return nil, err
				}
				out = append(out, ps...)
			}
		}
	}
	return out, nil
}

func (l *loader) portType(pt *node) error {
	for _, op := range pt.children {
		if !op.is(nsWSDL, "operation") {
			continue
		}
		o := &Operation{Name: op.attrs["name"], PortType: pt.attrs["name"], File: pt.file}
		for _, c := range op.children {
			msg := c.qname(c.attrs["message"])
			parts, ok := l.messages[msg]
			if !ok && (c.is(nsWSDL, "input") || c.is(nsWSDL, "output") || c.is(nsWSDL, "fault")) {
				return fmt.Errorf("%s: operation %s names message %s, which is not defined", pt.file, o.Name, msg)
			}
			var first QName
			if len(parts) > 0 {
				first = parts[0]
			}
			switch {
			case c.is(nsWSDL, "input"):
				o.Input = first
			case c.is(nsWSDL, "output"):
				o.Output = first
			case c.is(nsWSDL, "fault"):
				o.Faults = append(o.Faults, parts...)
			}
		}
		if prev, dup := l.set.Operations[o.Name]; dup {
			if prev.Input == o.Input && prev.Output == o.Output {
				continue // the same operation in another port type
			}
			return fmt.Errorf("%s: operation %s is declared twice, with different messages (also in %s)", pt.file, o.Name, prev.File)
		}
		l.set.Operations[o.Name] = o
	}
	return nil
}

// allParticles is ct's content with its bases' content first.
func (s *Set) allParticles(ct *ComplexType) []*particle {
	var chain []*ComplexType
	seen := map[*ComplexType]bool{}
	for c := ct; c != nil && !seen[c]; {
		seen[c] = true
		chain = append([]*ComplexType{c}, chain...)
		if c.Base == (QName{}) || c.restricts {
			break
		}
		c = s.types[c.Base]
	}
	var out []*particle
	for _, c := range chain {
		out = append(out, c.particles...)
	}
	return out
}

func isSOAP(n *node, local string) bool { return n.is(nsSOAP, local) || n.is(nsSOAP12, local) }

// binding sets the SOAP binding facts of the operations of the portType a
// wsdl:binding binds.
func (l *loader) binding(b *node) {
	portType := b.qname(b.attrs["type"]).Local
	style := "document" // WSDL 1.1's default
	for _, c := range b.children {
		if isSOAP(c, "binding") && c.attrs["style"] != "" {
			style = c.attrs["style"]
		}
	}
	for _, c := range b.children {
		if !c.is(nsWSDL, "operation") {
			continue
		}
		o, ok := l.set.Operations[c.attrs["name"]]
		if !ok || o.PortType != portType {
			continue
		}
		o.Bound, o.Style, o.Use = true, style, "literal"
		o.Address = l.ports[b.attrs["name"]]
		for _, d := range c.children {
			switch {
			case isSOAP(d, "operation"):
				o.SOAPAction = d.attrs["soapAction"]
				if d.attrs["style"] != "" {
					o.Style = d.attrs["style"]
				}
			case d.is(nsWSDL, "input"), d.is(nsWSDL, "output"):
				for _, e := range d.children {
					if isSOAP(e, "body") && e.attrs["use"] == "encoded" {
						o.Use = "encoded"
					}
				}
			}
		}
	}
}
