// Package uniapp declares the kinds that stage the university's own data
// for the outbound sync: applications (uni_bewerbung with
// uni_teilfachbewerbung, after Sestco's new_bewerbung_einfach /
// new_bewerbung_mehrfach / new_bewerbung_teilfach) and applicant
// authorisations (uni_bewerber_auth: Bewerber-ID and BAN).
package uniapp

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"sestd/internal/importers/batch"
	"sestd/internal/sestmodel"
	"sestd/internal/store/bulk"
)

// StatusRule is a row of the bearbeitungsstatus table; the importer
// reads the university's part (UniIn: may set it, UniOut: may change a
// Bewerbung away from it).
type StatusRule = sestmodel.StatusRule

// Transitions lists every allowed change: from a status the university
// may leave to one it may set.
func Transitions(rules map[string]StatusRule) []bulk.Transition {
	var names []string
	for n := range rules {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []bulk.Transition{}
	for _, from := range names {
		if !rules[from].UniOut {
			continue
		}
		for _, to := range names {
			if rules[to].UniIn {
				out = append(out, bulk.Transition{From: from, To: to})
			}
		}
	}
	return out
}

// Applications is the university applications kind. Each row is one of:
//
//   - typ einfach: a Bewerbung for one Einfachstudienangebot
//     (studiengang_schluessel required; abschluss_, studienfach_ and
//     fachkennzeichen_schluessel are taken from it when not given);
//   - typ mehrfach: the head of a Mehrfachstudienangebotsbewerbung
//     (abschluss_schluessel required);
//   - typ teilfach: one Teilfachbewerbung of the mehrfach head with the
//     same hs_bewerbung_id (studiengang_schluessel required; the head
//     must exist or come earlier in the file).
//
// A Bewerbung is located by hs_bewerbung_id, a Teilfachbewerbung by
// hs_bewerbung_id and studiengang_schluessel. bearbeitungsstatus must be
// one the university may set, and may change only by the status rules of
// interface version (0 means the newest), overrides laid over them.
func Applications(set batch.Settings) (*batch.Spec, error) {
	version, overrides, loc := set.InterfaceVersion, set.Bearbeitungsstatus, set.Location
	if version == 0 {
		version = sestmodel.InterfaceVersionNewest
	}
	rules := sestmodel.DefaultStatusRules(version)
	maps.Copy(rules, overrides)
	if loc == nil {
		loc = time.UTC
	}
	head := bulk.TargetUniBewerbung
	teil := bulk.TargetUniTeilfachbewerbung
	status := func(s string) (bulk.Value, error) {
		for name, r := range rules {
			if strings.EqualFold(name, s) {
				if !r.UniIn {
					return bulk.Value{}, fmt.Errorf("%s is set by the Servicestelle only", name)
				}
				return bulk.Text(name), nil
			}
		}
		if v := sestmodel.StatusSince(s); v > version {
			return bulk.Value{}, fmt.Errorf("%s exists only from interface version %d (servicestelle.interface_version is %d)", s, v, version)
		}
		return bulk.Value{}, fmt.Errorf("%q is not a known Bearbeitungsstatus", s)
	}
	ts := func(s string) (bulk.Value, error) {
		t, err := batch.ParseTimestamp(s, loc)
		if err != nil {
			return bulk.Value{}, err
		}
		return bulk.Time(t), nil
	}
	fields := []batch.Field{
		{Name: "HS_BEWERBUNG_ID", Location: true, Doc: "the university's application number"},
		{Name: "TYP", Required: true, Doc: "einfach, mehrfach or teilfach"},
		{Name: "BEWERBER_ID", Aliases: []string{"BEWERBERID"}, Doc: "Bewerber-ID (einfach, mehrfach)"},
		{Name: "BEWERBER_BAN", Aliases: []string{"BAN"}, Doc: "the applicant's BAN"},
		{Name: "STUDIENGANG_SCHLUESSEL", Doc: "atomic key <abschluss>-<fach>[-<fkz>] (einfach, teilfach)"},
		{Name: "ABSCHLUSS_SCHLUESSEL", Doc: "Abschluss key (mehrfach; else from studiengang_schluessel)"},
		{Name: "STUDIENFACH_SCHLUESSEL", Doc: "Studienfach key (else from studiengang_schluessel)"},
		{Name: "FACHKENNZEICHEN_SCHLUESSEL", Doc: "Fachkennzeichen key (optional)"},
		{Name: "EINGANGSZEITPUNKT", Doc: "when the application arrived"},
		{Name: "BEARBEITUNGSSTATUS", Doc: "e.g. eingegangen, gueltig, ausgeschlossen"},
		{Name: "AKTIVITAETSSTATUS", Doc: "e.g. aktiv"},
		{Name: "PAPIERANTRAGSTATUS", Doc: "status of a paper application"},
		{Name: "STATUSANMERKUNG", Doc: "remark on the status"},
		{Name: "SONDERANTRAGSENTSCHEIDUNG", Doc: "decision on special applications"},
		{Name: "VERSION_SEST", Aliases: []string{"VERSION"}, Doc: "Servicestelle version (for changes)"},
		{Name: "HAUPTFACH", Doc: "studiengang_schluessel of the Hauptfach (teilfach)"},
		{Name: "ERSATZFACH", Doc: "studiengang_schluessel of the Ersatzfach (teilfach)"},
		{Name: "IST_ERSATZFACH_AKZEPTABEL", Doc: "J/N (teilfach)"},
		{Name: "IST_FACHWECHSEL", Doc: "J/N (teilfach)"},
	}
	n := batch.NewNames(ApplicationsName, fields)
	fID, fTyp, fBewerber, fBAN := n.Field("HS_BEWERBUNG_ID"), n.Field("TYP"), n.Field("BEWERBER_ID"), n.Field("BEWERBER_BAN")
	fStudiengang, fEingang, fStatus := n.Field("STUDIENGANG_SCHLUESSEL"), n.Field("EINGANGSZEITPUNKT"), n.Field("BEARBEITUNGSSTATUS")
	fAbschluss := n.Field("ABSCHLUSS_SCHLUESSEL")
	fAktivitaet, fPapierantrag, fAnmerkung := n.Field("AKTIVITAETSSTATUS"), n.Field("PAPIERANTRAGSTATUS"), n.Field("STATUSANMERKUNG")
	fSonderantrag, fVersion := n.Field("SONDERANTRAGSENTSCHEIDUNG"), n.Field("VERSION_SEST")
	fHauptfach, fErsatzfach := n.Field("HAUPTFACH"), n.Field("ERSATZFACH")
	fErsatzAkzeptabel, fFachwechsel := n.Field("IST_ERSATZFACH_AKZEPTABEL"), n.Field("IST_FACHWECHSEL")
	h := struct {
		id, typ, bewerber, ban, studiengang, abschluss, studienfach, fachkennzeichen batch.ColRef
		eingang, status, aktivitaet, papierantrag, anmerkung, sonderantrag, version  batch.ColRef
		parts                                                                        keyPartNames
	}{
		n.Col(head, "hs_bewerbung_id"), n.Col(head, "typ"), n.Col(head, "bewerber_id"), n.Col(head, "bewerber_ban"),
		n.Col(head, "studiengang_schluessel"), n.Col(head, "abschluss_schluessel"), n.Col(head, "studienfach_schluessel"),
		n.Col(head, "fachkennzeichen_schluessel"), n.Col(head, "eingangszeitpunkt"), n.Col(head, "bearbeitungsstatus"),
		n.Col(head, "aktivitaetsstatus"), n.Col(head, "papierantragstatus"), n.Col(head, "statusanmerkung"),
		n.Col(head, "sonderantragsentscheidung"), n.Col(head, "version_sest"), resolveKeyParts(n, head),
	}
	tf := struct {
		id, studiengang, hauptfach, ersatzfach, ersatzAkzeptabel, fachwechsel batch.ColRef
		status, aktivitaet, anmerkung, sonderantrag, version                  batch.ColRef
		parts                                                                 keyPartNames
	}{
		n.Col(teil, "hs_bewerbung_id"), n.Col(teil, "studiengang_schluessel"), n.Col(teil, "hauptfach_schluessel"),
		n.Col(teil, "ersatzfach_schluessel"), n.Col(teil, "ist_ersatzfach_akzeptabel"), n.Col(teil, "ist_fachwechsel"),
		n.Col(teil, "bearbeitungsstatus"), n.Col(teil, "aktivitaetsstatus"), n.Col(teil, "statusanmerkung"),
		n.Col(teil, "sonderantragsentscheidung"), n.Col(teil, "version_sest"), resolveKeyParts(n, teil),
	}
	if err := n.Err(); err != nil {
		return nil, err
	}
	return &batch.Spec{
		Fields: fields,
		// The university's list of its applications: an application it
		// lacks is reported, never deleted (it lives on at the
		// Servicestelle); a mehrfach application's Teilfächer are those
		// the file gives it. (Not guarded: the scope is the applications
		// in the file, and a truncated file cuts at most the last one
		// short; dropping one of two Teilfächer is half of the scope.)
		Sync: []batch.SyncTarget{
			{Target: head, Scope: bulk.SyncScope{KeepRejected: true}, Report: true},
			{Target: teil, Scope: bulk.SyncScope{Columns: []string{"hs_bewerbung_id"}, KeepRejected: true}, Unguarded: true},
		},
		Transitions: Transitions(rules),
		Convert: func(c *batch.Conv) []batch.Out {
			typ, _ := c.Str(fTyp)
			typ = strings.ToLower(typ)
			switch typ {
			case "einfach", "mehrfach", "teilfach":
			case "":
				c.Fail("TYP is required")
				return nil
			default:
				c.Fail("TYP %q is not einfach, mehrfach or teilfach", typ)
				return nil
			}
			creating := c.Mode == bulk.ModeCreate || c.Mode == bulk.ModeUpsert
			need := func(f batch.FieldRef, name string) {
				if _, ok := c.Str(f); !ok && (creating || !c.Ignored(f) && c.Has(f)) {
					c.Fail("%s is required for typ %s", name, typ)
				}
			}
			if typ == "teilfach" {
				v := c.Row(teil)
				c.Put(v, tf.id, fID, batch.Text)
				need(fStudiengang, "STUDIENGANG_SCHLUESSEL")
				sg, ok := c.Put(v, tf.studiengang, fStudiengang, batch.Text).AsText()
				if !ok {
					c.Fail("STUDIENGANG_SCHLUESSEL is required for typ teilfach")
				}
				if c.Mode == bulk.ModeRemove || c.Failed() {
					return []batch.Out{{Values: v}}
				}
				tf.parts.put(c, v, sg)
				c.Put(v, tf.hauptfach, fHauptfach, batch.Text)
				c.Put(v, tf.ersatzfach, fErsatzfach, batch.Text)
				for _, p := range []struct {
					f   batch.FieldRef
					col batch.ColRef
				}{{fErsatzAkzeptabel, tf.ersatzAkzeptabel}, {fFachwechsel, tf.fachwechsel}} {
					if c.Put(v, p.col, p.f, batch.Bool).IsNull() {
						if _, ok := c.Str(p.f); !ok && (creating || c.Has(p.f) && !c.Ignored(p.f)) {
							v.Set(p.col, false)
						}
					}
				}
				c.Put(v, tf.status, fStatus, status)
				c.Put(v, tf.aktivitaet, fAktivitaet, batch.Text)
				c.Put(v, tf.anmerkung, fAnmerkung, batch.Text)
				c.Put(v, tf.sonderantrag, fSonderantrag, batch.Text)
				c.Put(v, tf.version, fVersion, batch.Int)
				return []batch.Out{{Values: v}}
			}
			v := c.Row(head)
			c.Put(v, h.id, fID, batch.Text)
			if c.Mode == bulk.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			v.Set(h.typ, typ)
			need(fBewerber, "BEWERBER_ID")
			need(fEingang, "EINGANGSZEITPUNKT")
			need(fStatus, "BEARBEITUNGSSTATUS")
			c.Put(v, h.bewerber, fBewerber, batch.Text)
			c.Put(v, h.ban, fBAN, batch.Text)
			if typ == "einfach" {
				need(fStudiengang, "STUDIENGANG_SCHLUESSEL")
				if sg, ok := c.Put(v, h.studiengang, fStudiengang, batch.Text).AsText(); ok {
					h.parts.put(c, v, sg)
				}
			} else {
				if _, ok := c.Str(fStudiengang); ok {
					c.Fail("STUDIENGANG_SCHLUESSEL belongs on the teilfach rows of a mehrfach Bewerbung")
				}
				v.Set(h.studiengang, nil)
				need(fAbschluss, "ABSCHLUSS_SCHLUESSEL")
				c.Put(v, h.abschluss, fAbschluss, batch.Text)
				v.Set(h.studienfach, nil)
				v.Set(h.fachkennzeichen, nil)
			}
			c.Put(v, h.eingang, fEingang, ts)
			c.Put(v, h.status, fStatus, status)
			c.Put(v, h.aktivitaet, fAktivitaet, batch.Text)
			c.Put(v, h.papierantrag, fPapierantrag, batch.Text)
			c.Put(v, h.anmerkung, fAnmerkung, batch.Text)
			c.Put(v, h.sonderantrag, fSonderantrag, batch.Text)
			c.Put(v, h.version, fVersion, batch.Int)
			return []batch.Out{{Values: v}}
		},
	}, nil
}

// keyPartNames are the fields and columns of the parts of an atomic
// studiengang_schluessel: Abschluss, Studienfach, Fachkennzeichen.
type keyPartNames struct {
	fields [3]batch.FieldRef
	cols   [3]batch.ColRef
	names  [3]string
}

func resolveKeyParts(n *batch.Names, t *bulk.Target) keyPartNames {
	var k keyPartNames
	for i, p := range [3]struct{ field, col string }{{"ABSCHLUSS_SCHLUESSEL", "abschluss_schluessel"},
		{"STUDIENFACH_SCHLUESSEL", "studienfach_schluessel"}, {"FACHKENNZEICHEN_SCHLUESSEL", "fachkennzeichen_schluessel"}} {
		k.fields[i], k.cols[i], k.names[i] = n.Field(p.field), n.Col(t, p.col), p.field
	}
	return k
}

// put fills abschluss_, studienfach_ and fachkennzeichen_schluessel from
// the atomic studiengang_schluessel <abschluss>-<fach>[-<fkz>]; given
// parts must agree with it.
func (k keyPartNames) put(c *batch.Conv, v *batch.Values, sg string) {
	parts := strings.Split(sg, "-")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		c.Fail("STUDIENGANG_SCHLUESSEL %q is not <abschluss>-<fach>[-<fkz>]", sg)
		return
	}
	for i := range k.fields {
		want := ""
		if i < len(parts) {
			want = parts[i]
		}
		if got, ok := c.Str(k.fields[i]); ok && got != want {
			c.Fail("%s %s does not match STUDIENGANG_SCHLUESSEL %s", k.names[i], got, sg)
			return
		}
		if want == "" {
			v.Set(k.cols[i], nil)
		} else {
			v.Set(k.cols[i], want)
		}
	}
}

// Authorisations is the applicant authorisations kind: bewerber_id;ban,
// located by bewerber_id (table uni_bewerber_auth).
func Authorisations(batch.Settings) (*batch.Spec, error) {
	t := bulk.TargetUniBewerberAuth
	fields := []batch.Field{
		{Name: "BEWERBER_ID", Aliases: []string{"BEWERBERID"}, Location: true, Doc: "Bewerber-ID"},
		{Name: "BAN", Aliases: []string{"BEWERBER_BAN"}, Required: true, Doc: "the applicant's BAN"},
	}
	n := batch.NewNames(AuthorisationsName, fields)
	fBewerber, cBewerber := n.Field("BEWERBER_ID"), n.Col(t, "bewerber_id")
	fBAN, cBAN := n.Field("BAN"), n.Col(t, "ban")
	if err := n.Err(); err != nil {
		return nil, err
	}
	return &batch.Spec{
		Fields: fields,
		Sync:   []batch.SyncTarget{{Target: t, Scope: bulk.SyncScope{KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			c.Put(v, cBewerber, fBewerber, batch.Text)
			if c.Mode != bulk.ModeRemove {
				c.Put(v, cBAN, fBAN, ban)
			}
			return []batch.Out{{Values: v}}
		},
	}, nil
}

func ban(s string) (bulk.Value, error) {
	if strings.ContainsAny(s, " \t") {
		return bulk.Value{}, errors.New("a BAN has no spaces")
	}
	return bulk.Text(s), nil
}
