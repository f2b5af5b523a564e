// Package ekvv imports eKVV Anmeldelisten (seed 003): one Veranstaltung
// per XML document with its lecturers, subject assignments and modules,
// participants with priorities and enrolments, and dates. The document is
// decoded as a stream (package xmlx, with its limits); child rows go to
// the database by COPY in batches as they are read, so memory does not
// grow with the number of participants.
//
// The record located by the mode is the Veranstaltung (its id): create
// rejects an existing one, update and remove a missing one; update (and
// upsert of an existing one) replaces it with everything that belongs to
// it. A participant listed twice is rejected (the first one is kept).
package ekvv

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/xmlx"
	"sestd/internal/store/bulk"
)

// Config tunes an import.
type Config struct {
	// Encoding: Auto (as declared) or a charset name.
	Encoding string
	// Verfahren is the allocation procedure of the course (default: its
	// semester id, or "" when it has none).
	Verfahren string
	Limits    xmlx.Limits
}

// RejectNames are the columns of the eKVV rejects file (plus line and
// error).
var RejectNames = []string{"veranstaltung_id", "teilnehmer"}

// Writer is what the importer writes through: the import transaction
// (*bulk.Tx), or a fake in fuzz tests.
type Writer interface {
	EkvvVeranstaltungExists(ctx context.Context, id string) (bool, error)
	EkvvVeranstaltungDelete(ctx context.Context, id string) (bool, error)
	EkvvVeranstaltungState(ctx context.Context, id string) (bulk.EkvvState, bool, error)
	EkvvVeranstaltungKeepStamp(ctx context.Context, id string, s bulk.EkvvState) error
	CopyInsert(ctx context.Context, t *bulk.Target, rows [][]any) error
	Merge(ctx context.Context, t *bulk.Target, mode bulk.Mode, rows []bulk.Row, opts bulk.MergeOptions) (bulk.MergeResult, error)
}

var _ Writer = (*bulk.Tx)(nil)

type importer struct {
	tx     Writer
	c      *columns
	d      *xmlx.Decoder
	p      batch.Params
	rej    batch.Rejecter
	counts batch.Counts
	id     string
	head   []any
	bufs   map[*bulk.Target][][]any
	seen   map[string]bool
	exists bool
	// partsUpdated counts the participants of a stored Veranstaltung
	// written again.
	partsUpdated int64
	// positions
	nDoz, nFach, nTeil, nTermin int
}

// Run imports the document r into tx. Rejections go to rej with the
// Veranstaltung id and participant as columns. It returns the counts and
// the document's encoding.
func Run(ctx context.Context, tx Writer, r io.Reader, cfg Config, rej batch.Rejecter, p batch.Params) (batch.Counts, string, error) {
	d, err := xmlx.NewDecoder(r, cfg.Encoding, cfg.Limits)
	if err != nil {
		return batch.Counts{}, cfg.Encoding, err
	}
	if p.BatchSize <= 0 {
		p.BatchSize = 5000
	}
	cols, err := resolveColumns()
	if err != nil {
		return batch.Counts{}, cfg.Encoding, err
	}
	im := &importer{tx: tx, c: cols, d: d, p: p, rej: rej, bufs: map[*bulk.Target][][]any{}, seen: map[string]bool{}}
	err = im.run(ctx, cfg)
	return im.counts, d.Encoding(), err
}

func (im *importer) run(ctx context.Context, cfg Config) error {
	root, line, err := im.root()
	if err != nil {
		return err
	}
	im.counts.Read++
	id, _ := xmlx.Attr(root, "id")
	id = strings.TrimSpace(id)
	if id == "" {
		return im.rejectWhole(line, "", "veranstaltung has no id")
	}
	im.id = id
	exists, err := im.tx.EkvvVeranstaltungExists(ctx, id)
	if err != nil {
		return err
	}
	im.exists = exists
	switch im.p.Mode {
	case bulk.ModeCreate:
		if exists {
			return im.rejectWhole(line, id, "already exists: Veranstaltung "+id)
		}
	case bulk.ModeUpdate, bulk.ModeRemove:
		if !exists {
			return im.rejectWhole(line, id, "not found: Veranstaltung "+id)
		}
	}
	// A full export (sync) or upsert of a Veranstaltung as stored leaves
	// it untouched: replaced, then given its stamp back.
	var before bulk.EkvvState
	if exists && (im.p.Mode == bulk.ModeSync || im.p.Mode == bulk.ModeUpsert) {
		if before, _, err = im.tx.EkvvVeranstaltungState(ctx, id); err != nil {
			return err
		}
	}
	if exists {
		if _, err := im.tx.EkvvVeranstaltungDelete(ctx, id); err != nil {
			return err
		}
	}
	if im.p.Mode == bulk.ModeRemove {
		if err := im.drain(); err != nil {
			return err
		}
		im.counts.Removed++
		return nil
	}
	t := bulk.TargetEkvvVeranstaltung
	im.head = make([]any, len(t.Columns))
	im.head[im.c.head.id] = id
	if s, ok := xmlx.Attr(root, "status"); ok && s != "" {
		im.head[im.c.head.status] = s
	}
	if err := im.children(ctx); err != nil {
		return err
	}
	verfahren := cfg.Verfahren
	if verfahren == "" {
		if sem, ok := im.head[im.c.head.semester].(int64); ok {
			verfahren = strconv.FormatInt(sem, 10)
		}
	}
	im.head[im.c.head.verfahren] = verfahren
	if err := im.flushAll(ctx); err != nil {
		return err
	}
	head := make([]bulk.Value, len(im.head))
	for i, x := range im.head {
		head[i] = bulk.ValueOf(x)
	}
	res, err := im.tx.Merge(ctx, t, bulk.ModeCreate, []bulk.Row{{Line: line, Values: head}}, bulk.MergeOptions{})
	if err != nil {
		return err
	}
	if len(res.Rejected) > 0 {
		return fmt.Errorf("writing Veranstaltung %s: %s", id, res.Rejected[0].Reason)
	}
	switch {
	case before.Digest != "":
		after, _, err := im.tx.EkvvVeranstaltungState(ctx, id)
		if err != nil {
			return err
		}
		if after.Digest == before.Digest {
			if err := im.tx.EkvvVeranstaltungKeepStamp(ctx, id, before); err != nil {
				return err
			}
			// the Veranstaltung and its participants, as stored
			im.counts.Unchanged += 1 + im.partsUpdated
			im.counts.Updated -= im.partsUpdated
		} else {
			im.counts.Updated++
		}
	case exists:
		im.counts.Updated++
	default:
		im.counts.Created++
	}
	if im.p.Progress != nil {
		im.p.Progress(im.counts)
	}
	return nil
}

// rejectWhole rejects the document, once all of it was read: a malformed
// or truncated file fails with its position whatever the mode.
func (im *importer) rejectWhole(line int64, id, reason string) error {
	if err := im.drain(); err != nil {
		return err
	}
	return im.rejectDoc(line, id, reason)
}

// drain reads the rest of the document; its errors name the line.
func (im *importer) drain() error {
	for {
		_, err := im.d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (im *importer) rejectDoc(line int64, id, reason string) error {
	im.counts.Rejected++
	return im.rej.Reject(batch.Record{Line: line, Names: RejectNames, Values: []string{id, ""}}, reason)
}

func (im *importer) root() (xml.StartElement, int64, error) {
	for {
		line := im.d.Line()
		tok, err := im.d.Token()
		if errors.Is(err, io.EOF) {
			return xml.StartElement{}, 0, fmt.Errorf("%w: no veranstaltung element", batch.ErrPermanent)
		}
		if err != nil {
			return xml.StartElement{}, 0, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "veranstaltung" {
				return se, line, fmt.Errorf("%w: not an eKVV Anmeldeliste: root element <%s>", batch.ErrPermanent, se.Name.Local)
			}
			return se, line, nil
		}
	}
}

// elem is an element read whole: attributes and the text of its simple
// children (and its own text).
type elem struct {
	start xml.StartElement
	line  int64
	text  map[string]string
}

func (e *elem) attr(name string) string {
	v, _ := xmlx.Attr(e.start, name)
	return strings.TrimSpace(v)
}

// children walks the root's content.
func (im *importer) children(ctx context.Context) error {
	h := &im.c.head
	for {
		tok, err := im.d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "semester":
			txt, err := im.text()
			if err != nil {
				return err
			}
			im.head[h.semesterName] = nonEmpty(txt)
			if s, ok := xmlx.Attr(se, "id"); ok {
				if n, err := batch.ParseSemester(s); err == nil {
					im.head[h.semester] = n
				}
			}
		case "belegnummer", "thema", "fakultaet", "art", "sws", "dozenten_zusatz":
			txt, err := im.text()
			if err != nil {
				return err
			}
			if col, ok := h.text[se.Name.Local]; ok {
				im.head[col] = nonEmpty(txt)
			}
		case "dozenten", "fachzuordnungen", "termine", "untergliederungen", "einschreibungen":
			// containers: walk on
		case "dozent":
			if err := im.dozent(ctx, se); err != nil {
				return err
			}
		case "fachzuordnung":
			if err := im.fachzuordnung(ctx, se); err != nil {
				return err
			}
		case "teilnehmerliste":
			if v, ok := xmlx.Attr(se, "teilnehmermanagement"); ok {
				im.head[h.teilnehmermanagement] = jaNein(v)
			}
			if v, ok := xmlx.Attr(se, "teilnehmerbegrenzung"); ok {
				if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32); err == nil {
					im.head[h.teilnehmerbegrenzung] = n
				}
			}
		case "teilnehmer":
			if err := im.teilnehmer(ctx, se); err != nil {
				return err
			}
		case "termin":
			if err := im.termin(ctx, se); err != nil {
				return err
			}
		default:
			if err := im.skipElem(); err != nil {
				return err
			}
		}
	}
}

// text reads the character data of the element just opened up to its end
// (nested elements are skipped).
func (im *importer) text() (string, error) {
	var b strings.Builder
	depth := im.d.Depth()
	for {
		tok, err := im.d.Token()
		if err != nil {
			return "", err
		}
		switch x := tok.(type) {
		case xml.CharData:
			if im.d.Depth() == depth {
				b.Write(x)
			}
		case xml.EndElement:
			if im.d.Depth() < depth {
				return strings.TrimSpace(b.String()), nil
			}
		}
	}
}

func (im *importer) skipElem() error {
	depth := im.d.Depth()
	for {
		tok, err := im.d.Token()
		if err != nil {
			return err
		}
		if _, ok := tok.(xml.EndElement); ok && im.d.Depth() < depth {
			return nil
		}
	}
}

// simple reads an element whose children are text-only, calling sub for
// nested elements named in subs.
func (im *importer) simple(se xml.StartElement, subs map[string]func(xml.StartElement) error) (*elem, error) {
	e := &elem{start: se, line: im.d.Line(), text: map[string]string{}}
	depth := im.d.Depth()
	for {
		tok, err := im.d.Token()
		if err != nil {
			return nil, err
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if f, ok := subs[x.Name.Local]; ok {
				if err := f(x); err != nil {
					return nil, err
				}
				continue
			}
			if im.d.Depth() == depth+1 {
				txt, err := im.text()
				if err != nil {
					return nil, err
				}
				e.text[x.Name.Local] = txt
			}
		case xml.EndElement:
			if im.d.Depth() < depth {
				return e, nil
			}
		}
	}
}

func nonEmpty(s string) any {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return s
}

func jaNein(s string) any {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ja":
		return true
	case "nein":
		return false
	}
	return nil
}

func intOrNil(s string) any {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil {
		return nil
	}
	return n
}

func (im *importer) add(ctx context.Context, t *bulk.Target, row []any) error {
	im.bufs[t] = append(im.bufs[t], row)
	if len(im.bufs[t]) >= im.p.BatchSize {
		return im.flush(ctx, t)
	}
	return nil
}

func (im *importer) flush(ctx context.Context, t *bulk.Target) error {
	if err := im.tx.CopyInsert(ctx, t, im.bufs[t]); err != nil {
		return err
	}
	im.bufs[t] = im.bufs[t][:0]
	if im.p.Progress != nil && t == bulk.TargetEkvvTeilnehmer {
		im.p.Progress(im.counts)
	}
	return nil
}

func (im *importer) flushAll(ctx context.Context) error {
	for _, t := range []*bulk.Target{bulk.TargetEkvvDozent, bulk.TargetEkvvFachzuordnung,
		bulk.TargetEkvvUntergliederung, bulk.TargetEkvvTeilnehmer, bulk.TargetEkvvEinschreibung, bulk.TargetEkvvTermin} {
		if err := im.flush(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) dozent(ctx context.Context, se xml.StartElement) error {
	e, err := im.simple(se, nil)
	if err != nil {
		return err
	}
	im.nDoz++
	t := bulk.TargetEkvvDozent
	row := make([]any, len(t.Columns))
	c := &im.c.dozent
	row[c.veranstaltungID] = im.id
	row[c.pos] = int64(im.nDoz)
	row[c.dozentID] = nonEmpty(e.attr("id"))
	for _, tc := range c.text {
		row[tc.col] = nonEmpty(e.text[tc.elem])
	}
	return im.add(ctx, t, row)
}

func (im *importer) fachzuordnung(ctx context.Context, se xml.StartElement) error {
	im.nFach++
	pos := int64(im.nFach)
	nUnter := 0
	ut := bulk.TargetEkvvUntergliederung
	e, err := im.simple(se, map[string]func(xml.StartElement) error{
		"untergliederungen": func(xml.StartElement) error { return nil },
		"untergliederung": func(u xml.StartElement) error {
			ue, err := im.simple(u, nil)
			if err != nil {
				return err
			}
			nUnter++
			row := make([]any, len(ut.Columns))
			uc := &im.c.unter
			row[uc.veranstaltungID] = im.id
			row[uc.fachzuordnungPos] = pos
			row[uc.pos] = int64(nUnter)
			row[uc.untergliederungID] = nonEmpty(ue.attr("id"))
			row[uc.kuerzel] = nonEmpty(ue.text["kuerzel"])
			row[uc.name] = nonEmpty(ue.text["name"])
			return im.add(ctx, ut, row)
		},
	})
	if err != nil {
		return err
	}
	t := bulk.TargetEkvvFachzuordnung
	row := make([]any, len(t.Columns))
	c := &im.c.fach
	row[c.veranstaltungID] = im.id
	row[c.pos] = pos
	row[c.fachzuordnungID] = nonEmpty(e.attr("id"))
	row[c.ekvvStudiengangID] = nonEmpty(e.attr("ekvvstudiengangid"))
	row[c.sosFachCode] = nonEmpty(e.attr("sosfachcode"))
	row[c.sosAbschlussCode] = nonEmpty(e.attr("sosabschlusscode"))
	row[c.fuerKernHauptfach] = e.attr("fuerkernhauptfach") == "ja"
	row[c.fuerNebenfach] = e.attr("fuernebenfach") == "ja"
	row[c.modell] = nonEmpty(e.attr("modell"))
	row[c.studiengangName] = nonEmpty(e.text["ekvvstudiengangname"])
	for _, tc := range c.text {
		row[tc.col] = nonEmpty(e.text[tc.elem])
	}
	return im.add(ctx, t, row)
}

func (im *importer) teilnehmer(ctx context.Context, se xml.StartElement) error {
	im.counts.Read++
	line := im.d.Line()
	im.nTeil++
	pos := int64(im.nTeil)
	var ein [][]any
	et := bulk.TargetEkvvEinschreibung
	e, err := im.simple(se, map[string]func(xml.StartElement) error{
		"einschreibungen": func(xml.StartElement) error { return nil },
		"einschreibung": func(s xml.StartElement) error {
			ee, err := im.simple(s, nil)
			if err != nil {
				return err
			}
			if len(ein) >= 1000 {
				return nil // more enrolments than anyone has: ignore the rest
			}
			row := make([]any, len(et.Columns))
			ec := &im.c.ein
			row[ec.veranstaltungID] = im.id
			row[ec.teilnehmerPos] = pos
			row[ec.pos] = int64(len(ein) + 1)
			row[ec.semester] = intOrNil(ee.attr("semester"))
			row[ec.sosFachCode] = nonEmpty(ee.attr("sosfachcode"))
			row[ec.sosAbschlussCode] = nonEmpty(ee.attr("sosabschlusscode"))
			row[ec.fuerKernHauptfach] = ee.attr("fuerkernhauptfach") == "ja"
			row[ec.fuerNebenfach] = ee.attr("fuernebenfach") == "ja"
			row[ec.geoeffnet] = jaNein(ee.attr("geoeffnet"))
			row[ec.studiengangName] = nonEmpty(ee.text["sosstudiengangname"])
			row[ec.fachsemester] = intOrNil(ee.text["fachsemester"])
			ein = append(ein, row)
			return nil
		},
	})
	if err != nil {
		return err
	}
	mat, gast := e.attr("matrikelnummer"), e.attr("gastbenutzer")
	key := ""
	switch {
	case mat != "":
		key = "m:" + mat
	case gast != "":
		key = "g:" + gast
	}
	reject := func(reason string) error {
		im.counts.Rejected++
		return im.rej.Reject(batch.Record{Line: line, Names: RejectNames, Values: []string{im.id, key}}, reason)
	}
	if key == "" {
		return reject("teilnehmer without matrikelnummer or gastbenutzer")
	}
	if im.seen[key] {
		return reject("teilnehmer listed twice: " + key)
	}
	prio := int64(-1)
	if s := e.attr("prioritaet"); s != "" {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return reject(fmt.Sprintf("prioritaet %q is not a whole number", s))
		}
		if n < 0 {
			n = -1 // no priority: the lowest
		}
		prio = n
	}
	im.seen[key] = true
	t := bulk.TargetEkvvTeilnehmer
	row := make([]any, len(t.Columns))
	c := &im.c.teil
	row[c.veranstaltungID] = im.id
	row[c.pos] = pos
	row[c.teilnehmer] = key
	row[c.matrikelnummer] = nonEmpty(mat)
	row[c.gastbenutzer] = nonEmpty(gast)
	status := e.attr("teilnahmestatus")
	row[c.teilnahmestatus] = nonEmpty(status)
	if w, ok := strings.CutPrefix(status, "wartet"); ok {
		row[c.warteposition] = intOrNil(w)
	}
	row[c.hatGeoeffnete] = jaNein(e.attr("hatgeoeffneteeinschreibungen"))
	row[c.eltern] = jaNein(e.attr("eltern"))
	row[c.prioritaet] = prio
	for _, tc := range c.text {
		row[tc.col] = nonEmpty(e.text[tc.elem])
	}
	if err := im.add(ctx, t, row); err != nil {
		return err
	}
	for _, r := range ein {
		if err := im.add(ctx, et, r); err != nil {
			return err
		}
	}
	if !im.exists {
		im.counts.Created++
	} else {
		im.counts.Updated++
		im.partsUpdated++
	}
	return nil
}

func (im *importer) termin(ctx context.Context, se xml.StartElement) error {
	e, err := im.simple(se, nil)
	if err != nil {
		return err
	}
	im.nTermin++
	t := bulk.TargetEkvvTermin
	row := make([]any, len(t.Columns))
	c := &im.c.termin
	row[c.veranstaltungID] = im.id
	row[c.pos] = int64(im.nTermin)
	if d, err := batch.ParseDate(e.attr("datum")); err == nil {
		row[c.datum] = d
	}
	row[c.startMinuten] = intOrNil(e.attr("startUhrzeitMinuten"))
	row[c.endMinuten] = intOrNil(e.attr("endUhrzeitMinuten"))
	row[c.typ] = nonEmpty(e.attr("typ"))
	row[c.kettenID] = nonEmpty(e.attr("kettenId"))
	row[c.uhrzeit] = nonEmpty(e.text["uhrzeit"])
	return im.add(ctx, t, row)
}
