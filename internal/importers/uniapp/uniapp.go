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
	"sestd/internal/store"
)

// StatusRule is a row of the bearbeitungsstatus table; the importer
// reads the university's part (UniIn: may set it, UniOut: may change a
// Bewerbung away from it).
type StatusRule = sestmodel.StatusRule

// Transitions lists every allowed change: from a status the university
// may leave to one it may set.
func Transitions(rules map[string]StatusRule) []store.Transition {
	var names []string
	for n := range rules {
		names = append(names, n)
	}
	sort.Strings(names)
	out := []store.Transition{}
	for _, from := range names {
		if !rules[from].UniOut {
			continue
		}
		for _, to := range names {
			if rules[to].UniIn {
				out = append(out, store.Transition{From: from, To: to})
			}
		}
	}
	return out
}

// Field indexes of the applications file.
const (
	fID = iota
	fTyp
	fBewerber
	fBAN
	fStudiengang
	fAbschluss
	fStudienfach
	fFachkennzeichen
	fEingang
	fStatus
	fAktivitaet
	fPapierantrag
	fAnmerkung
	fSonderantrag
	fVersion
	fHauptfach
	fErsatzfach
	fErsatzAkzeptabel
	fFachwechsel
)

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
func Applications(overrides map[string]StatusRule, version int, loc *time.Location) *batch.Spec {
	if version == 0 {
		version = sestmodel.InterfaceVersionNewest
	}
	rules := sestmodel.DefaultStatusRules(version)
	maps.Copy(rules, overrides)
	if loc == nil {
		loc = time.UTC
	}
	head := store.TargetUniBewerbung
	teil := store.TargetUniTeilfachbewerbung
	status := func(s string) (store.Value, error) {
		for name, r := range rules {
			if strings.EqualFold(name, s) {
				if !r.UniIn {
					return store.Value{}, fmt.Errorf("%s is set by the Servicestelle only", name)
				}
				return store.Text(name), nil
			}
		}
		if v := sestmodel.StatusSince(s); v > version {
			return store.Value{}, fmt.Errorf("%s exists only from interface version %d (servicestelle.interface_version is %d)", s, v, version)
		}
		return store.Value{}, fmt.Errorf("%q is not a known Bearbeitungsstatus", s)
	}
	ts := func(s string) (store.Value, error) {
		t, err := batch.ParseTimestamp(s, loc)
		if err != nil {
			return store.Value{}, err
		}
		return store.Time(t), nil
	}
	return &batch.Spec{
		Kind: "uni_bewerbungen",
		Fields: []batch.Field{
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
		},
		Targets: []*store.ImportTarget{head, teil},
		// The university's list of its applications: an application it
		// lacks is reported, never deleted (it lives on at the
		// Servicestelle); a mehrfach application's Teilfächer are those
		// the file gives it. (Not guarded: the scope is the applications
		// in the file, and a truncated file cuts at most the last one
		// short; dropping one of two Teilfächer is half of the scope.)
		Sync: []batch.SyncTarget{
			{Target: head, Scope: store.SyncScope{KeepRejected: true}, Report: true},
			{Target: teil, Scope: store.SyncScope{Columns: []string{"hs_bewerbung_id"}, KeepRejected: true}, Unguarded: true},
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
			creating := c.Mode == store.ModeCreate || c.Mode == store.ModeUpsert
			need := func(f int, name string) {
				if _, ok := c.Str(f); !ok && (creating || !c.Ignored(f) && c.Has(f)) {
					c.Fail("%s is required for typ %s", name, typ)
				}
			}
			if typ == "teilfach" {
				v := c.Row(teil)
				c.Put(v, teil.Col("hs_bewerbung_id"), fID, batch.Text)
				need(fStudiengang, "STUDIENGANG_SCHLUESSEL")
				sg, ok := c.Put(v, teil.Col("studiengang_schluessel"), fStudiengang, batch.Text).AsText()
				if !ok {
					c.Fail("STUDIENGANG_SCHLUESSEL is required for typ teilfach")
				}
				if c.Mode == store.ModeRemove || c.Failed() {
					return []batch.Out{{Values: v}}
				}
				keyParts(c, v, teil, sg)
				c.Put(v, teil.Col("hauptfach_schluessel"), fHauptfach, batch.Text)
				c.Put(v, teil.Col("ersatzfach_schluessel"), fErsatzfach, batch.Text)
				for _, p := range []struct {
					f   int
					col string
				}{{fErsatzAkzeptabel, "ist_ersatzfach_akzeptabel"}, {fFachwechsel, "ist_fachwechsel"}} {
					if c.Put(v, teil.Col(p.col), p.f, batch.Bool).IsNull() {
						if _, ok := c.Str(p.f); !ok && (creating || c.Has(p.f) && !c.Ignored(p.f)) {
							v.Set(teil.Col(p.col), false)
						}
					}
				}
				c.Put(v, teil.Col("bearbeitungsstatus"), fStatus, status)
				c.Put(v, teil.Col("aktivitaetsstatus"), fAktivitaet, batch.Text)
				c.Put(v, teil.Col("statusanmerkung"), fAnmerkung, batch.Text)
				c.Put(v, teil.Col("sonderantragsentscheidung"), fSonderantrag, batch.Text)
				c.Put(v, teil.Col("version_sest"), fVersion, batch.Int)
				return []batch.Out{{Values: v}}
			}
			v := c.Row(head)
			c.Put(v, head.Col("hs_bewerbung_id"), fID, batch.Text)
			if c.Mode == store.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			v.Set(head.Col("typ"), typ)
			need(fBewerber, "BEWERBER_ID")
			need(fEingang, "EINGANGSZEITPUNKT")
			need(fStatus, "BEARBEITUNGSSTATUS")
			c.Put(v, head.Col("bewerber_id"), fBewerber, batch.Text)
			c.Put(v, head.Col("bewerber_ban"), fBAN, batch.Text)
			if typ == "einfach" {
				need(fStudiengang, "STUDIENGANG_SCHLUESSEL")
				if sg, ok := c.Put(v, head.Col("studiengang_schluessel"), fStudiengang, batch.Text).AsText(); ok {
					keyParts(c, v, head, sg)
				}
			} else {
				if _, ok := c.Str(fStudiengang); ok {
					c.Fail("STUDIENGANG_SCHLUESSEL belongs on the teilfach rows of a mehrfach Bewerbung")
				}
				v.Set(head.Col("studiengang_schluessel"), nil)
				need(fAbschluss, "ABSCHLUSS_SCHLUESSEL")
				c.Put(v, head.Col("abschluss_schluessel"), fAbschluss, batch.Text)
				v.Set(head.Col("studienfach_schluessel"), nil)
				v.Set(head.Col("fachkennzeichen_schluessel"), nil)
			}
			c.Put(v, head.Col("eingangszeitpunkt"), fEingang, ts)
			c.Put(v, head.Col("bearbeitungsstatus"), fStatus, status)
			c.Put(v, head.Col("aktivitaetsstatus"), fAktivitaet, batch.Text)
			c.Put(v, head.Col("papierantragstatus"), fPapierantrag, batch.Text)
			c.Put(v, head.Col("statusanmerkung"), fAnmerkung, batch.Text)
			c.Put(v, head.Col("sonderantragsentscheidung"), fSonderantrag, batch.Text)
			c.Put(v, head.Col("version_sest"), fVersion, batch.Int)
			return []batch.Out{{Values: v}}
		},
	}
}

// keyParts fills abschluss_, studienfach_ and fachkennzeichen_schluessel
// from the atomic studiengang_schluessel <abschluss>-<fach>[-<fkz>]; given
// parts must agree with it.
func keyParts(c *batch.Conv, v *batch.Values, t *store.ImportTarget, sg string) {
	parts := strings.Split(sg, "-")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		c.Fail("STUDIENGANG_SCHLUESSEL %q is not <abschluss>-<fach>[-<fkz>]", sg)
		return
	}
	for i, p := range []struct {
		f    int
		col  string
		name string
	}{{fAbschluss, "abschluss_schluessel", "ABSCHLUSS_SCHLUESSEL"}, {fStudienfach, "studienfach_schluessel", "STUDIENFACH_SCHLUESSEL"}, {fFachkennzeichen, "fachkennzeichen_schluessel", "FACHKENNZEICHEN_SCHLUESSEL"}} {
		want := ""
		if i < len(parts) {
			want = parts[i]
		}
		if got, ok := c.Str(p.f); ok && got != want {
			c.Fail("%s %s does not match STUDIENGANG_SCHLUESSEL %s", p.name, got, sg)
			return
		}
		if want == "" {
			v.Set(t.Col(p.col), nil)
		} else {
			v.Set(t.Col(p.col), want)
		}
	}
}

// Authorisations is the applicant authorisations kind: bewerber_id;ban,
// located by bewerber_id (table uni_bewerber_auth).
func Authorisations() *batch.Spec {
	t := store.TargetUniBewerberAuth
	return &batch.Spec{
		Kind: "uni_bewerber_auth",
		Fields: []batch.Field{
			{Name: "BEWERBER_ID", Aliases: []string{"BEWERBERID"}, Location: true, Doc: "Bewerber-ID"},
			{Name: "BAN", Aliases: []string{"BEWERBER_BAN"}, Required: true, Doc: "the applicant's BAN"},
		},
		Targets: []*store.ImportTarget{t},
		Sync:    []batch.SyncTarget{{Target: t, Scope: store.SyncScope{KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			c.Put(v, t.Col("bewerber_id"), 0, batch.Text)
			if c.Mode != store.ModeRemove {
				c.Put(v, t.Col("ban"), 1, ban)
			}
			return []batch.Out{{Values: v}}
		},
	}
}

func ban(s string) (store.Value, error) {
	if strings.ContainsAny(s, " \t") {
		return store.Value{}, errors.New("a BAN has no spaces")
	}
	return store.Text(s), nil
}
