package wsdlcheck

import (
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
)

// Difference is one way the second set differs from the first.
type Difference struct {
	// Where names the operation, the message and the element path, e.g.
	// "abrufenStudienangeboteDurchHS request/serviceverfahren/jahr".
	Where string
	// What says what differs, sestd's side first.
	What string
	// Operations lists every operation the difference concerns: the one
	// of Where first, then the others using the same named type (the
	// difference is reported once, at the first place it is met).
	Operations []string
}

func (d Difference) String() string {
	s := d.Where + ": " + d.What
	if len(d.Operations) > 1 {
		s += " (also in " + strings.Join(d.Operations[1:], ", ") + ")"
	}
	return s
}

// Result is the outcome of Compare.
type Result struct {
	Differences []Difference
	// Extra lists the operations only the second set declares.
	Extra []string
}

// Compare compares got (the official files) with want (sestd's contract).
func Compare(want, got *Set) Result {
	c := &comparer{want: want, got: got, seen: map[string]bool{}, said: map[string]bool{}, typeDiffs: map[string][]int{}}
	for _, name := range slices.Sorted(maps.Keys(want.Operations)) {
		c.operation(want.Operations[name], got.Operations[name])
	}
	var res Result
	for _, name := range slices.Sorted(maps.Keys(got.Operations)) {
		if _, ok := want.Operations[name]; !ok {
			res.Extra = append(res.Extra, name)
		}
	}
	res.Differences = c.out
	return res
}

type comparer struct {
	want, got *Set
	seen      map[string]bool // pairs of named types compared already
	said      map[string]bool
	out       []Difference
	op        string           // the operation being compared
	typeDiffs map[string][]int // pair of named types → its differences (indices in out)
}

func (c *comparer) add(where, format string, args ...any) {
	d := Difference{Where: where, What: fmt.Sprintf(format, args...), Operations: []string{c.op}}
	if c.said[d.String()] {
		return
	}
	c.said[d.String()] = true
	c.out = append(c.out, d)
}

// alsoIn records that the current operation uses a pair of named types
// compared already: it joins the operations of their differences.
func (c *comparer) alsoIn(key string) {
	for _, i := range c.typeDiffs[key] {
		if !slices.Contains(c.out[i].Operations, c.op) {
			c.out[i].Operations = append(c.out[i].Operations, c.op)
		}
	}
}

// binding compares what goes on the wire around the message: SOAPAction,
// binding style and use, and the path sestd posts to.
func (c *comparer) binding(w, g *Operation) {
	if !w.Bound {
		return
	}
	if !g.Bound {
		c.add(w.Name, "no SOAP binding in the official WSDLs (sestd sends SOAPAction %q, document/literal)", w.SOAPAction)
		return
	}
	if w.SOAPAction != g.SOAPAction {
		c.add(w.Name, "soapAction differs: sestd sends SOAPAction %q, official %q", w.SOAPAction, g.SOAPAction)
	}
	if w.Style != g.Style {
		c.add(w.Name, "binding style differs: sestd %s, official %s (sestd sends document style only)", w.Style, g.Style)
	}
	if w.Use != g.Use {
		c.add(w.Name, "soap:body use differs: sestd %s, official %s (sestd sends literal XML only)", w.Use, g.Use)
	}
	if wp, gp := addressPath(w.Address), addressPath(g.Address); w.Address != "" && g.Address != "" && wp != gp {
		c.add(w.Name, "soap:address path differs: sestd posts to servicestelle.base_url + /%s (%s), official location %s",
			path.Base(urlPath(w.Address)), urlPath(w.Address), g.Address)
	}
}

// urlPath is the path of a soap:address location.
func urlPath(location string) string {
	u, err := url.Parse(location)
	if err != nil {
		return location
	}
	return strings.TrimSuffix(u.Path, "/")
}

// addressPath is the path of a soap:address location with the interface
// version (an all-digits segment, …/webservice/3/…) left out: sestd takes
// the version from servicestelle.base_url, the host is the deployment's.
func addressPath(location string) string {
	segs := strings.Split(urlPath(location), "/")
	for i, s := range segs {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			segs[i] = "{version}"
		}
	}
	return strings.Join(segs, "/")
}

func (c *comparer) operation(w, g *Operation) {
	c.op = w.Name
	if g == nil {
		c.add(w.Name, "operation missing: sestd calls it (%s in %s), the official WSDLs do not declare it", w.PortType, w.File)
		return
	}
	c.binding(w, g)
	c.message(w.Name+" request", w.Input, g.Input)
	c.message(w.Name+" response", w.Output, g.Output)
	gf := map[string]QName{}
	for _, f := range g.Faults {
		gf[f.Local] = f
	}
	for _, f := range w.Faults {
		if gq, ok := gf[f.Local]; ok {
			c.message(w.Name+" fault", f, gq)
			delete(gf, f.Local)
			continue
		}
		if len(g.Faults) == 1 && len(w.Faults) == 1 {
			c.message(w.Name+" fault", f, g.Faults[0])
			return
		}
		c.add(w.Name+" fault", "fault element %s missing in the official WSDL", f.Local)
	}
	for _, name := range slices.Sorted(maps.Keys(gf)) {
		c.add(w.Name+" fault", "fault element %s only in the official WSDL", name)
	}
}

// message compares the global elements of a message part.
func (c *comparer) message(where string, wq, gq QName) {
	we, ge := c.want.elements[wq], c.got.elements[gq]
	switch {
	case wq == (QName{}) && gq == (QName{}):
		return
	case gq == (QName{}):
		c.add(where, "sestd sends or expects element %s, the official message has no element part", wq.Local)
		return
	case wq == (QName{}):
		c.add(where, "the official message has element %s, sestd's none", gq.Local)
		return
	case we == nil:
		c.add(where, "sestd's own element %s is not declared (a broken contract)", wq)
		return
	case ge == nil:
		c.add(where, "the official message names element %s, which no official schema declares", gq)
		return
	}
	c.element(where, we, ge)
}

func nsText(ns string) string {
	if ns == "" {
		return "(no namespace)"
	}
	return ns
}

func occursText(n int) string {
	if n < 0 {
		return "unbounded"
	}
	return fmt.Sprint(n)
}

// resolve turns a reference into the global element it names, keeping the
// reference's occurrence.
func (s *Set) resolve(e *Element) *Element {
	if !e.Ref {
		return e
	}
	g, ok := s.elements[e.Name]
	if !ok {
		return e
	}
	r := *g
	r.Min, r.Max, r.Ref = e.Min, e.Max, false
	return &r
}

func (c *comparer) element(where string, w, g *Element) {
	w, g = c.want.resolve(w), c.got.resolve(g)
	if w.Name.Local != g.Name.Local {
		c.add(where, "element name differs: sestd %s, official %s", w.Name.Local, g.Name.Local)
	}
	if w.Name.Space != g.Name.Space {
		c.add(where, "namespace differs: sestd %s, official %s", nsText(w.Name.Space), nsText(g.Name.Space))
	}
	if w.Ref || g.Ref {
		if w.Ref {
			c.add(where, "sestd's element refers to %s, which is not declared", w.Name)
		}
		if g.Ref {
			c.add(where, "the official element refers to %s, which is not declared", g.Name)
		}
		return
	}
	if w.Min != g.Min {
		if g.Min > 0 {
			c.add(where, "required in the official WSDL (minOccurs %d), optional in sestd's (minOccurs %d)", g.Min, w.Min)
		} else {
			c.add(where, "optional in the official WSDL (minOccurs 0), required in sestd's (minOccurs %d)", w.Min)
		}
	}
	if w.Max != g.Max {
		c.add(where, "maxOccurs differs: sestd %s, official %s", occursText(w.Max), occursText(g.Max))
	}
	c.typeOf(where, w, g)
}

// typeRef is what an element's type resolves to.
type typeRef struct {
	name    QName
	complex *ComplexType
	simple  *SimpleType
}

func (s *Set) typeOf(e *Element) typeRef {
	switch {
	case e.Anonymous != nil:
		return typeRef{complex: e.Anonymous}
	case e.AnonSimp != nil:
		return typeRef{simple: e.AnonSimp}
	}
	t := typeRef{name: e.Type}
	t.complex = s.types[e.Type]
	t.simple = s.simple[e.Type]
	return t
}

// builtin is the XSD built-in type a simple type comes down to.
func (s *Set) builtin(t typeRef) (QName, []string) {
	var enums []string
	if t.simple == nil {
		return t.name, nil
	}
	st := t.simple
	for range 20 {
		if enums == nil {
			enums = st.Enums
		}
		if st.Base.Space == nsXSD || st.Base == (QName{}) {
			return st.Base, enums
		}
		next, ok := s.simple[st.Base]
		if !ok {
			return st.Base, enums
		}
		st = next
	}
	return st.Base, enums
}

func (t typeRef) text() string {
	switch {
	case t.name.Space == nsXSD:
		return "xs:" + t.name.Local
	case t.name != (QName{}):
		return t.name.Local
	case t.complex != nil:
		return "(anonymous complex type)"
	}
	return "(anonymous simple type)"
}

func (c *comparer) typeOf(where string, w, g *Element) {
	wt, gt := c.want.typeOf(w), c.got.typeOf(g)
	wBuiltin := wt.complex == nil && wt.simple == nil && wt.name.Space == nsXSD
	gBuiltin := gt.complex == nil && gt.simple == nil && gt.name.Space == nsXSD
	switch {
	case wt.complex == nil && wt.simple == nil && !wBuiltin:
		c.add(where, "sestd's type %s is not declared", wt.name)
	case gt.complex == nil && gt.simple == nil && !gBuiltin:
		c.add(where, "the official type %s is not declared in the official files", gt.name)
	case wt.complex != nil && gt.complex != nil:
		c.complex(where, wt.complex, gt.complex, false)
	case wt.complex != nil || gt.complex != nil:
		c.add(where, "type differs: sestd %s, official %s", wt.text(), gt.text())
	default:
		wb, we := c.want.builtin(wt)
		gb, ge := c.got.builtin(gt)
		if wb != gb {
			c.add(where, "type differs: sestd %s, official %s", wt.text(), gt.text())
		}
		if len(we) > 0 && len(ge) > 0 && !slices.Equal(we, ge) {
			c.add(where, "allowed values differ: only sestd: %s; only official: %s", minus(we, ge), minus(ge, we))
		}
	}
}

func minus(a, b []string) string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ", ")
}

// complex compares two complex types; own compares only what they add to
// their bases (a derived type, its base compared already).
func (c *comparer) complex(where string, w, g *ComplexType, own bool) {
	if w.Name != (QName{}) && g.Name != (QName{}) {
		key := w.Name.String() + "|" + g.Name.String()
		if c.seen[key] {
			c.alsoIn(key)
			return
		}
		c.seen[key] = true
		first := len(c.out)
		defer func() {
			for i := first; i < len(c.out); i++ {
				c.typeDiffs[key] = append(c.typeDiffs[key], i)
			}
		}()
	}
	if w.Abstract != g.Abstract {
		c.add(where, "type %s is abstract in %s only", g.Name.Local, map[bool]string{true: "sestd's WSDL", false: "the official WSDL"}[w.Abstract])
	}
	if w.Simple != g.Simple {
		c.add(where, "content differs: sestd %s, official %s", contentText(w.Simple), contentText(g.Simple))
	}
	if own {
		c.particles(where, w.particles, g.particles)
	} else {
		c.particles(where, c.want.allParticles(w), c.got.allParticles(g))
	}
	if w.Name == (QName{}) || g.Name == (QName{}) {
		return
	}
	wd, gd := c.derived(c.want, w.Name), c.derived(c.got, g.Name)
	for _, name := range slices.Sorted(maps.Keys(wd)) {
		gq, ok := gd[name]
		if !ok {
			c.add(where, "derived type (xsi:type) %s of %s: sestd knows it, the official WSDL does not", name, w.Name.Local)
			continue
		}
		if gq.Space != wd[name].Space {
			c.add(where, "derived type (xsi:type) %s: namespace differs: sestd %s, official %s", name, nsText(wd[name].Space), nsText(gq.Space))
		}
		c.complex(where+" (xsi:type "+name+")", c.want.types[wd[name]], c.got.types[gq], true)
	}
	for _, name := range slices.Sorted(maps.Keys(gd)) {
		if _, ok := wd[name]; !ok {
			c.add(where, "derived type (xsi:type) %s of %s: in the official WSDL, sestd does not know it", name, g.Name.Local)
		}
	}
}

func contentText(simple bool) string {
	if simple {
		return "a value (simpleContent)"
	}
	return "elements"
}

// derived is every type derived from base, directly or not, by local name.
func (c *comparer) derived(s *Set, base QName) map[string]QName {
	out := map[string]QName{}
	queue := []QName{base}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		for _, d := range s.derived[q] {
			if _, ok := out[d.Local]; !ok && d != base {
				out[d.Local] = d
				queue = append(queue, d)
			}
		}
	}
	return out
}

// item is one element of a flattened content model.
type item struct {
	elem     *Element
	inChoice bool
}

func flatten(s *Set, ps []*particle, inChoice bool) []item {
	var out []item
	for _, p := range ps {
		if p.elem != nil {
			e := s.resolve(p.elem)
			if inChoice && e.Min != 0 {
				cp := *e
				cp.Min = 0
				e = &cp
			}
			out = append(out, item{elem: e, inChoice: inChoice})
			continue
		}
		out = append(out, flatten(s, p.choice, true)...)
	}
	return out
}

func (c *comparer) particles(where string, wp, gp []*particle) {
	w, g := flatten(c.want, wp, false), flatten(c.got, gp, false)
	index := map[string]int{}
	for j := len(g) - 1; j >= 0; j-- {
		index[g[j].elem.Name.Local] = j
	}
	used := make([]bool, len(g))
	var order []int
	var orderNames []string
	last := -1
	type miss struct {
		i, after int
	}
	var missing []miss
	for i, wi := range w {
		name := wi.elem.Name.Local
		j, ok := index[name]
		if !ok || used[j] {
			missing = append(missing, miss{i, last})
			continue
		}
		used[j] = true
		order = append(order, j)
		orderNames = append(orderNames, name)
		last = j
		path := where + "/" + name
		c.element(path, wi.elem, g[j].elem)
		if wi.inChoice != g[j].inChoice {
			c.add(path, "one of a choice in %s only", map[bool]string{true: "sestd's WSDL", false: "the official WSDL"}[wi.inChoice])
		}
	}
	for _, m := range missing {
		wi := w[m.i]
		path := where + "/" + wi.elem.Name.Local
		if j := m.after + 1; j < len(g) && !used[j] {
			// The official element at this place matches no name of
			// sestd's: the same element renamed.
			used[j] = true
			c.element(path, wi.elem, g[j].elem)
			continue
		}
		c.add(path, "element missing in the official WSDL (sestd's minOccurs %d)", wi.elem.Min)
	}
	for j, gi := range g {
		if used[j] {
			continue
		}
		kind := "optional"
		if gi.elem.Min > 0 {
			kind = "required"
		}
		c.add(where+"/"+gi.elem.Name.Local, "element only in the official WSDL (%s, minOccurs %d)", kind, gi.elem.Min)
	}
	if !slices.IsSorted(order) {
		got := slices.Clone(orderNames)
		idx := slices.Clone(order)
		sortBy(got, idx)
		c.add(where, "order of elements differs: sestd %s; official %s", strings.Join(orderNames, ", "), strings.Join(got, ", "))
	}
}

// sortBy sorts names by their positions in idx.
func sortBy(names []string, idx []int) {
	for i := 1; i < len(idx); i++ {
		for k := i; k > 0 && idx[k] < idx[k-1]; k-- {
			idx[k], idx[k-1] = idx[k-1], idx[k]
			names[k], names[k-1] = names[k-1], names[k]
		}
	}
}
