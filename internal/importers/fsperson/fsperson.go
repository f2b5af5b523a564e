// Package fsperson imports FS person XML, the format of Cerebrum's
// FS-persons.dat: a root element holding fagperson, student and evu
// records whose data are attributes, in the encoding the XML declaration
// names (ISO-8859-1 in practice). Each record becomes an fs_person row
// (person and role) with the address the rules of seed 002 choose, and EVU
// students outside the course window are skipped.
package fsperson

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/xmlx"
	"sestd/internal/store/bulk"
)

// Limits bound the XML input.
type Limits = xmlx.Limits

// Name is the FS person kind's name.
const Name = "fs_persons"

// Kind declares the FS person kind: rows of fs_person by fodselsdato,
// personnr and rolle, with the address by precedence (fagperson: arbeide,
// student: semadr, evu: job; each falling back to the home address) and
// adresse_kilde naming the one taken; EVU records with course dates are
// skipped unless the course starts within the EVU window (14 days) or
// ended less than that ago.
var Kind = batch.Kind{
	Name:        Name,
	Aliases:     []string{"fs-persons", "fspersons", "fs_person"},
	Format:      batch.FormatXML,
	Description: "FS person XML (Cerebrum FS-persons.dat): fagperson, student, evu records; address precedence and the EVU window applied",
	Targets:     []*bulk.Target{bulk.TargetFSPerson},
	Modes:       batch.AllModes(), DefaultMode: bulk.ModeSync,
	Sync: "all persons; a person the file lacks (or skips) is removed",
	Spec: Spec, Run: run,
}

// run reads the file as FS person XML (in the encoding given, or the one
// it declares) and writes rejected records as FS person XML.
func run(ctx context.Context, tx *bulk.Tx, k *batch.Kind, in batch.Input) (batch.Result, error) {
	res := batch.Result{Encoding: in.Encoding}
	spec, err := k.BuildSpec(in.Settings)
	if err != nil {
		return res, err
	}
	src, err := NewSource(in.File, in.Encoding, Limits{MaxDepth: in.Settings.MaxXMLDepth, MaxTokenBytes: in.Settings.MaxXMLTokenBytes})
	if err != nil {
		return res, err
	}
	rej := NewRejects(in.RejectsPath, src.Encoding)
	res, err = batch.Finish(res, rej)(batch.Run(ctx, tx, spec, src, rej, in.Params))
	res.Encoding = src.Encoding()
	return res, err
}

// Config holds the EVU rule: a record with course dates is imported when
// the course starts no later than Window from now and has not ended more
// than Window ago.
type Config struct {
	Window time.Duration
	Now    func() time.Time
}

// addressOrder is the precedence of address families per role: work
// address for fagpersoner, semester address for students, job address for
// EVU students, each falling back to the home address.
var addressOrder = map[string][]string{
	"fagperson": {"arbeide", "hjemsted", "hjem"},
	"student":   {"semadr", "hjemsted", "hjem"},
	"evu":       {"job", "hjem", "hjemsted"},
}

var addressFamilies = []string{"arbeide", "semadr", "job", "hjem", "hjemsted"}
var addressParts = []string{"adrlin1", "adrlin2", "adrlin3", "postnr", "adresseland"}

func fields() []batch.Field {
	fs := []batch.Field{
		{Name: "fodselsdato", Location: true, Doc: "date of birth DDMMYY"},
		{Name: "personnr", Location: true, Doc: "personal number (5 digits)"},
		{Name: "fornavn", Doc: "first name"},
		{Name: "etternavn", Doc: "last name"},
		{Name: "kjonn", Doc: "M or K (default: from personnr)"},
		{Name: "institusjonsnr", Doc: "stedkode part 1"},
		{Name: "faknr", Doc: "stedkode part 2"},
		{Name: "instituttnr", Doc: "stedkode part 3"},
		{Name: "gruppenr", Doc: "stedkode part 4"},
		{Name: "kurs_start", Aliases: []string{"dato_kurs_start", "dato_fra", "startdato"}, Doc: "EVU course start"},
		{Name: "kurs_slutt", Aliases: []string{"dato_kurs_slutt", "dato_til", "sluttdato"}, Doc: "EVU course end"},
	}
	for _, fam := range addressFamilies {
		for _, part := range addressParts {
			fs = append(fs, batch.Field{Name: part + "_" + fam, Doc: fam + " address"})
		}
	}
	return fs
}

func digits(n int) batch.Converter {
	return func(s string) (bulk.Value, error) {
		if len(s) > n || len(s) == 0 {
			return bulk.Value{}, fmt.Errorf("%q is not %d digits", s, n)
		}
		for _, r := range s {
			if r < '0' || r > '9' {
				return bulk.Value{}, fmt.Errorf("%q is not %d digits", s, n)
			}
		}
		// FS drops leading zeros (fodselsdato 10136 is 010136).
		return bulk.Text(strings.Repeat("0", n-len(s)) + s), nil
	}
}

// Spec returns the FS person kind's spec: the EVU rule's window and clock
// are set.EVUWindow (default 14 days) and set.Now (default time.Now).
func Spec(set batch.Settings) (*batch.Spec, error) {
	cfg := Config{Window: set.EVUWindow, Now: set.Now}
	if cfg.Window <= 0 {
		cfg.Window = 14 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := bulk.TargetFSPerson
	fs := fields()
	n := batch.NewNames(Name, fs)
	fFodselsdato, cFodselsdato := n.Field("fodselsdato"), n.Col(t, "fodselsdato")
	fPersonnr, cPersonnr := n.Field("personnr"), n.Col(t, "personnr")
	cRolle := n.Col(t, "rolle")
	fFornavn, cFornavn := n.Field("fornavn"), n.Col(t, "fornavn")
	fEtternavn, cEtternavn := n.Field("etternavn"), n.Col(t, "etternavn")
	fKjonn, cKjonn := n.Field("kjonn"), n.Col(t, "kjonn")
	fSted := []batch.FieldRef{n.Field("institusjonsnr"), n.Field("faknr"), n.Field("instituttnr"), n.Field("gruppenr")}
	cStedkode := n.Col(t, "stedkode")
	fKursStart, cKursStart := n.Field("kurs_start"), n.Col(t, "kurs_start")
	fKursSlutt, cKursSlutt := n.Field("kurs_slutt"), n.Col(t, "kurs_slutt")
	addr := resolveAddress(n, t)
	if err := n.Err(); err != nil {
		return nil, err
	}
	return &batch.Spec{
		Fields: fs,
		Sync:   []batch.SyncTarget{{Target: t, Scope: bulk.SyncScope{KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			rolle := c.Rec.Tag
			order, ok := addressOrder[rolle]
			if !ok {
				c.Fail("unknown record <%s> (fagperson, student or evu)", rolle)
				return nil
			}
			v := c.Row(t)
			c.Put(v, cFodselsdato, fFodselsdato, digits(6))
			pnr := c.Put(v, cPersonnr, fPersonnr, digits(5))
			v.Set(cRolle, rolle)
			if c.Mode == bulk.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			c.Put(v, cFornavn, fFornavn, batch.Text)
			c.Put(v, cEtternavn, fEtternavn, batch.Text)
			if c.Put(v, cKjonn, fKjonn, batch.OneOf("M", "K")).IsNull() && !c.Has(fKjonn) {
				if p, ok := pnr.AsText(); ok {
					// The third digit of the personal number is odd for men.
					if (p[2]-'0')%2 == 1 {
						v.Set(cKjonn, "M")
					} else {
						v.Set(cKjonn, "K")
					}
				}
			}
			var sted []string
			for _, f := range fSted {
				if s, ok := c.Str(f); ok {
					sted = append(sted, s)
				}
			}
			if len(sted) > 0 {
				v.Set(cStedkode, strings.Join(sted, "-"))
			}
			start := c.Put(v, cKursStart, fKursStart, batch.Date)
			slutt := c.Put(v, cKursSlutt, fKursSlutt, batch.Date)
			if rolle == "evu" && !c.Failed() && !inWindow(start, slutt, cfg.Now(), cfg.Window) {
				c.Skip("EVU course outside the window")
				return nil
			}
			addr.put(c, v, order)
			return []batch.Out{{Values: v}}
		},
	}, nil
}

// inWindow applies the EVU rule where course dates are given.
func inWindow(start, slutt bulk.Value, now time.Time, window time.Duration) bool {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if s, ok := start.AsTime(); ok && s.After(day.Add(window)) {
		return false
	}
	if e, ok := slutt.AsTime(); ok && e.Before(day.Add(-window)) {
		return false
	}
	return true
}

// addressNames are the address fields per family (addressFamilies ×
// addressParts) and the address columns of fs_person.
type addressNames struct {
	fields map[string][]batch.FieldRef // family → field per part
	cols   []batch.ColRef              // per part
	kilde  batch.ColRef
}

func resolveAddress(n *batch.Names, t *bulk.Target) addressNames {
	a := addressNames{fields: map[string][]batch.FieldRef{}, cols: n.Cols(t, addressParts...), kilde: n.Col(t, "adresse_kilde")}
	for _, fam := range addressFamilies {
		for _, part := range addressParts {
			a.fields[fam] = append(a.fields[fam], n.Field(part+"_"+fam))
		}
	}
	return a
}

// put stores the first address family in order that has any part.
func (a addressNames) put(c *batch.Conv, v *batch.Values, order []string) {
	for _, fam := range order {
		vals := make([]string, len(addressParts))
		found := false
		for p, f := range a.fields[fam] {
			if s, ok := c.Str(f); ok {
				vals[p] = s
				found = true
			}
		}
		if !found {
			continue
		}
		v.Set(a.kilde, fam)
		for p, col := range a.cols {
			if vals[p] == "" {
				v.Set(col, nil)
			} else {
				v.Set(col, vals[p])
			}
		}
		return
	}
	v.Set(a.kilde, nil)
	for _, col := range a.cols {
		v.Set(col, nil)
	}
}

// Source yields one record per child element of the document's root.
type Source struct {
	d *xmlx.Decoder
}

// NewSource reads FS person XML from r (encoding Auto: as declared).
func NewSource(r io.Reader, encoding string, lim Limits) (*Source, error) {
	d, err := xmlx.NewDecoder(r, encoding, lim)
	if err != nil {
		return nil, err
	}
	return &Source{d: d}, nil
}

// Encoding returns the document's encoding (known after the first record).
func (s *Source) Encoding() string { return s.d.Encoding() }

// FixedNames implements batch.Source: attributes vary per record.
func (s *Source) FixedNames() bool { return false }

// Next implements batch.Source.
func (s *Source) Next() (batch.Record, error) {
	for {
		line := s.d.Line()
		tok, err := s.d.Token()
		if err != nil {
			return batch.Record{}, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || s.d.Depth() != 2 {
			continue
		}
		rec := batch.Record{Line: line, Tag: se.Name.Local}
		for _, a := range se.Attr {
			rec.Names = append(rec.Names, a.Name.Local)
			rec.Values = append(rec.Values, a.Value)
		}
		return rec, nil
	}
}

// Rejects writes rejected records as an FS person XML document: each
// element as it came, with line and error attributes added (earlier ones
// dropped), in the source's encoding; importable again once fixed.
type Rejects struct {
	file     batch.RejectsFile
	encoding func() string
	w        io.Writer
}

// NewRejects prepares a rejects file at path; encoding is asked for when
// the first record is rejected.
func NewRejects(path string, encoding func() string) *Rejects {
	return &Rejects{file: batch.RejectsFile{Path: path}, encoding: encoding}
}

// Reject implements batch.Rejecter.
func (r *Rejects) Reject(rec batch.Record, reason string) error {
	if r.w == nil {
		enc := r.encoding()
		w, err := r.file.Open(enc, false)
		if err != nil {
			return err
		}
		r.w = w
		if _, err := fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"%s\"?>\n<data>\n", xmlx.Label(enc)); err != nil {
			return err
		}
	}
	tag := rec.Tag
	if tag == "" || !isName(tag) {
		tag = "record"
	}
	var b strings.Builder
	b.WriteString("<" + tag)
	for i, n := range rec.Names {
		if strings.EqualFold(n, "line") || strings.EqualFold(n, "error") || !isName(n) || i >= len(rec.Values) {
			continue
		}
		b.WriteString(" " + n + "=\"")
		_ = xml.EscapeText(&b, []byte(rec.Values[i]))
		b.WriteString("\"")
	}
	b.WriteString(` line="` + strconv.FormatInt(rec.Line, 10) + `" error="`)
	_ = xml.EscapeText(&b, []byte(reason))
	b.WriteString("\"/>\n")
	_, err := io.WriteString(r.w, b.String())
	return err
}

func isName(s string) bool {
	for i, r := range s {
		ok := r == '_' || r == '-' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return s != ""
}

// Close implements batch.Rejecter.
func (r *Rejects) Close() (string, error) {
	if !r.file.Opened() {
		return "", nil
	}
	_, err := io.WriteString(r.w, "</data>\n")
	return r.file.Finish(err)
}

// Abort implements batch.Rejecter.
func (r *Rejects) Abort() { r.file.Abort() }

var _ batch.Rejecter = (*Rejects)(nil)
var _ batch.Source = (*Source)(nil)
