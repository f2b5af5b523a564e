// Package sbeat declares the S-BEAT CSV kinds (seed 004): students, exam
// results, student identities, courses of study and applicants. Each is a
// batch.Spec over the tables of migration 0021; the shared machinery
// (CSV, encodings, dates, modes, rejects) is package batch's.
package sbeat

import (
	"context"
	"errors"
	"slices"
	"strings"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/sbeatmap"
	"sestd/internal/store/bulk"
)

// Mappings translate S-BEAT's deprecated columns and STG codes (package
// sbeatmap).
type Mappings = sbeatmap.Mappings

// DefaultMappings returns the shipped mappings (a fresh copy).
func DefaultMappings() *Mappings { return sbeatmap.Default() }

// LoadMappings reads a mappings file laid over the shipped defaults; ""
// returns the defaults.
func LoadMappings(path string) (*Mappings, error) { return sbeatmap.Load(path) }

func mappings(s batch.Settings) *Mappings {
	if s.Mappings != nil {
		return s.Mappings
	}
	return DefaultMappings()
}

// identityFields are the identity fields shared by the students,
// applicants and identities files, with their sbeat_identity columns.
var identityFields = []struct {
	field batch.Field
	col   string
}{
	{batch.Field{Name: "MATRIKELNR", Aliases: []string{"MTKNR"}, Doc: "matriculation number"}, "matrikelnr"},
	{batch.Field{Name: "VORNAME", Doc: "first name"}, "vorname"},
	{batch.Field{Name: "NACHNAME", Doc: "last name"}, "nachname"},
	{batch.Field{Name: "KUERZEL", Doc: "user name"}, "kuerzel"},
	{batch.Field{Name: "EMAIL", Doc: "e-mail address"}, "email"},
	{batch.Field{Name: "LAND", Doc: "country of origin"}, "land"},
	{batch.Field{Name: "PLZ", Doc: "postcode"}, "plz"},
	{batch.Field{Name: "STANG", Doc: "nationality"}, "stang"},
	{batch.Field{Name: "EU", Doc: "EU citizen (J/N)"}, "eu"},
}

// withIdentity returns fields followed by the identity fields.
func withIdentity(fields ...batch.Field) []batch.Field {
	for _, f := range identityFields {
		fields = append(fields, f.field)
	}
	return fields
}

// identityNames are the identity fields' indexes and their columns in
// sbeat_identity, resolved once per spec.
type identityNames struct {
	identnr batch.ColRef // sbeat_identity.identnr
	fields  []batch.FieldRef
	cols    []batch.ColRef
	convs   []batch.Converter
}

func resolveIdentity(n *batch.Names) identityNames {
	t := bulk.TargetSbeatIdentity
	id := identityNames{identnr: n.Col(t, "identnr")}
	for _, f := range identityFields {
		id.fields = append(id.fields, n.Field(f.field.Name))
		id.cols = append(id.cols, n.Col(t, f.col))
		conv := batch.Text
		if f.col == "eu" {
			conv = batch.Bool
		}
		id.convs = append(id.convs, conv)
	}
	return id
}

// put stores the identity fields in v.
func (id identityNames) put(c *batch.Conv, v *batch.Values) {
	for i, f := range id.fields {
		c.Put(v, id.cols[i], f, id.convs[i])
	}
}

// withCompanion returns the row v followed by the companion
// sbeat_identity row of identnr id (when it is text and the file has
// identity fields).
func (id identityNames) withCompanion(c *batch.Conv, v *batch.Values, identnr bulk.Value) []batch.Out {
	out := []batch.Out{{Values: v}}
	if s, ok := identnr.AsText(); ok {
		if iv := id.companion(c, s); iv != nil {
			out = append(out, batch.Out{Values: iv, Companion: true})
		}
	}
	return out
}

// companion makes the companion sbeat_identity row from the identity
// fields, or nil when the file has none of them. Fields the file lacks, or
// marks <IGNORE>, leave stored values alone.
func (id identityNames) companion(c *batch.Conv, identnr string) *batch.Values {
	if !slices.ContainsFunc(id.fields, c.Has) {
		return nil
	}
	// A companion row is always upserted: build it by upsert's rules.
	saved := c.Mode
	c.Mode = bulk.ModeUpsert
	defer func() { c.Mode = saved }()
	v := c.Row(bulk.TargetSbeatIdentity)
	v.Set(id.identnr, identnr)
	id.put(c, v)
	return v
}

func geschl(s string) (bulk.Value, error) {
	return batch.OneOf("M", "W", "D", "X")(s)
}

func hzbNote(s string) (bulk.Value, error) {
	n, err := batch.ParseHZBNote(s)
	if errors.Is(err, batch.ErrNoGrade) {
		return bulk.Value{}, nil
	}
	if err != nil {
		return bulk.Value{}, err
	}
	return bulk.Int(n), nil
}

// personFields are the personal fields the students and applicants files
// share (their tables have the same columns for them).
func personFields() []batch.Field {
	return []batch.Field{
		{Name: "GESCHL", Doc: "M or W"},
		{Name: "GEBDAT", Doc: "date of birth"},
		{Name: "HZBNOTE", Doc: "HZB grade (9.9 or empty: none)"},
		{Name: "HZBDATUM", Doc: "HZB date"},
		{Name: "HZBART", Doc: "HZB type number (deprecated, mapped to HZBGRP)"},
		{Name: "HZBGRP", Doc: "HZB group"},
	}
}

// personNames are the personal fields and columns of a spec.
type personNames struct {
	fGeschl, fGebdat, fHzbdatum batch.FieldRef
	cGeschl, cGebdat, cHzbdatum batch.ColRef
	fNote, fArt, fGrp           batch.FieldRef
	cNote, cArt, cGrp           batch.ColRef
}

func resolvePerson(n *batch.Names, t *bulk.Target) personNames {
	return personNames{
		fGeschl: n.Field("GESCHL"), fGebdat: n.Field("GEBDAT"), fHzbdatum: n.Field("HZBDATUM"),
		cGeschl: n.Col(t, "geschl"), cGebdat: n.Col(t, "gebdat"), cHzbdatum: n.Col(t, "hzbdatum"),
		fNote: n.Field("HZBNOTE"), fArt: n.Field("HZBART"), fGrp: n.Field("HZBGRP"),
		cNote: n.Col(t, "hzbnote"), cArt: n.Col(t, "hzbart"), cGrp: n.Col(t, "hzbgrp"),
	}
}

// put fills geschl, gebdat, hzbdatum, hzbnote, hzbart and hzbgrp; a
// missing HZBGRP comes from HZBART through the mappings (an unknown number
// leaves the group empty).
func (h personNames) put(c *batch.Conv, v *batch.Values, m *Mappings) {
	c.Put(v, h.cGeschl, h.fGeschl, geschl)
	c.Put(v, h.cGebdat, h.fGebdat, batch.Date)
	c.Put(v, h.cHzbdatum, h.fHzbdatum, batch.Date)
	c.Put(v, h.cNote, h.fNote, hzbNote)
	c.Put(v, h.cArt, h.fArt, batch.Text)
	grp := c.Put(v, h.cGrp, h.fGrp, batch.Text)
	if grp.IsNull() {
		if art, ok := c.Str(h.fArt); ok {
			if g, ok := m.HZBArt[strings.TrimLeft(art, "0")]; ok {
				v.Set(h.cGrp, g)
			} else if g, ok := m.HZBArt[art]; ok {
				v.Set(h.cGrp, g)
			}
		}
	}
}

func stgConv(m *Mappings) batch.Converter {
	return func(s string) (bulk.Value, error) {
		if to, ok := m.STG[s]; ok {
			return bulk.Text(to), nil
		}
		return bulk.Text(s), nil
	}
}

// abschlart fills abschlart from ABSCHLART, or from ABSCHL through the
// mappings, and returns it ("" when none).
func abschlart(c *batch.Conv, v *batch.Values, col batch.ColRef, m *Mappings, fArt, fNum batch.FieldRef) string {
	if a, ok := c.Put(v, col, fArt, batch.Text).AsText(); ok {
		return a
	}
	num, ok := c.Str(fNum)
	if !ok {
		return ""
	}
	a, ok := m.Abschl[strings.TrimLeft(num, "0")]
	if !ok {
		a, ok = m.Abschl[num]
	}
	if !ok {
		c.Fail("ABSCHL %s is not in the mappings (51, 90, 59, 84 or the mappings file)", num)
		return ""
	}
	v.Set(col, a)
	return a
}

// Students is the students file (Studentendaten): one row per student,
// located by IDENTNR. Rows with SPERRART1 = 01 are skipped; SEM_START and
// SEM_END come from IMMDAT and EXMDAT when the file lacks them. Identity
// columns in the file are written to sbeat_identity alongside.
func Students(set batch.Settings) (*batch.Spec, error) {
	m := mappings(set)
	t := bulk.TargetSbeatStudent
	fields := withIdentity(slices.Concat([]batch.Field{
		{Name: "IDENTNR", Location: true, Doc: "student's pseudonymous id"},
		{Name: "STG", Required: true, Doc: "course of study"},
		{Name: "IMMDAT", Doc: "enrolment date"},
		{Name: "EXMDAT", Doc: "exmatriculation date"},
		{Name: "SEM_START", Doc: "first semester YYYYS (default: from IMMDAT)"},
		{Name: "SEM_END", Doc: "last semester YYYYS (default: from EXMDAT)"},
		{Name: "SPERRART1", Doc: "01 = enrolled for a limited time: row not imported"},
		{Name: "PNR", Doc: "8000 when graduated"},
		{Name: "PDATUM", Doc: "date of the final exam"},
	}, personFields())...)
	n := batch.NewNames(StudentsName, fields)
	fIdentnr, cIdentnr := n.Field("IDENTNR"), n.Col(t, "identnr")
	fStg, cStg := n.Field("STG"), n.Col(t, "stg")
	fImmdat, cImmdat := n.Field("IMMDAT"), n.Col(t, "immdat")
	fExmdat, cExmdat := n.Field("EXMDAT"), n.Col(t, "exmdat")
	fSemStart, cSemStart := n.Field("SEM_START"), n.Col(t, "sem_start")
	fSemEnd, cSemEnd := n.Field("SEM_END"), n.Col(t, "sem_end")
	fSperrart1, cSperrart1 := n.Field("SPERRART1"), n.Col(t, "sperrart1")
	fPnr, cPnr := n.Field("PNR"), n.Col(t, "pnr")
	fPdatum, cPdatum := n.Field("PDATUM"), n.Col(t, "pdatum")
	person := resolvePerson(n, t)
	ident := resolveIdentity(n)
	if err := n.Err(); err != nil {
		return nil, err
	}
	return &batch.Spec{
		Fields: fields,
		// A full export of all students; their identities are the
		// identities file's to remove.
		Sync: []batch.SyncTarget{{Target: t, Scope: bulk.SyncScope{KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			if s, ok := c.Str(fSperrart1); ok && strings.TrimLeft(s, "0") == "1" {
				c.Skip("SPERRART1 01")
				return nil
			}
			v := c.Row(t)
			id := c.Put(v, cIdentnr, fIdentnr, batch.Text)
			if c.Mode == bulk.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			c.Put(v, cStg, fStg, stgConv(m))
			imm := c.Put(v, cImmdat, fImmdat, batch.Date)
			exm := c.Put(v, cExmdat, fExmdat, batch.Date)
			if c.Put(v, cSemStart, fSemStart, batch.Semester).IsNull() && !c.Ignored(fSemStart) {
				if d, ok := imm.AsTime(); ok {
					v.Set(cSemStart, batch.SemesterOf(d))
				}
			}
			if c.Put(v, cSemEnd, fSemEnd, batch.Semester).IsNull() && !c.Ignored(fSemEnd) {
				if d, ok := exm.AsTime(); ok {
					v.Set(cSemEnd, batch.SemesterOf(d))
				}
			}
			c.Put(v, cSperrart1, fSperrart1, batch.Text)
			c.Put(v, cPnr, fPnr, batch.Text)
			c.Put(v, cPdatum, fPdatum, batch.Date)
			person.put(c, v, m)
			return ident.withCompanion(c, v, id)
		},
	}, nil
}

// Exams is the exam results file (Prüfungsleistungsdaten): one row per
// student, exam, semester and attempt. Before rows of a semester are
// written (create and upsert), the registrations (PSTATUS AN) stored for
// that semester are deleted, as S-BEAT does for every semester in the
// file. PNOTE is the grade ×100; ABSCHL is mapped to ABSCHLART. The spec
// remembers the semesters it has seen: use a fresh one per import.
func Exams(set batch.Settings) (*batch.Spec, error) {
	m := mappings(set)
	t := bulk.TargetSbeatExam
	fields := []batch.Field{
		{Name: "IDENTNR", Location: true, Doc: "student's pseudonymous id"},
		{Name: "PNR", Location: true, Doc: "exam number"},
		{Name: "PSEM", Location: true, Doc: "semester YYYYS"},
		{Name: "PVERSUCH", Doc: "attempt (empty: 0)"},
		{Name: "PDTXT", Doc: "exam name"},
		{Name: "ABSCHLART", Doc: "Diplom, Master, Zusatzausbildung, Bachelor"},
		{Name: "ABSCHL", Doc: "Abschluss number (deprecated, mapped to ABSCHLART)"},
		{Name: "STG", Doc: "course of study"},
		{Name: "BONUS", Doc: "ECTS credits"},
		{Name: "NACHNAME", Doc: "examiner's last name"},
		{Name: "VORNAME", Doc: "examiner's first name"},
		{Name: "PSTATUS", Doc: "AN, BE, NB, EN"},
		{Name: "PART", Doc: "PL, PV, VS"},
		{Name: "PNOTE", Doc: "grade ×100"},
		{Name: "PVERMERK", Doc: "G, U, RT"},
		{Name: "PFORM", Doc: "form of the exam"},
		{Name: "PANERK", Doc: "recognised (J/N)"},
		{Name: "PFLICHT", Doc: "P, W, WA, Z"},
		{Name: "PABSCHN", Doc: "G, H"},
		{Name: "PVERSION", Doc: "exam regulations version"},
	}
	n := batch.NewNames(ExamsName, fields)
	fIdentnr, cIdentnr := n.Field("IDENTNR"), n.Col(t, "identnr")
	fPnr, cPnr := n.Field("PNR"), n.Col(t, "pnr")
	fPsem, cPsem := n.Field("PSEM"), n.Col(t, "psem")
	fPversuch, cPversuch := n.Field("PVERSUCH"), n.Col(t, "pversuch")
	fPdtxt, cPdtxt := n.Field("PDTXT"), n.Col(t, "pdtxt")
	fAbschlart, fAbschl, cAbschlart := n.Field("ABSCHLART"), n.Field("ABSCHL"), n.Col(t, "abschlart")
	fStg, cStg := n.Field("STG"), n.Col(t, "stg")
	fBonus, cBonus := n.Field("BONUS"), n.Col(t, "bonus")
	fNachname, cPrueferNachname := n.Field("NACHNAME"), n.Col(t, "pruefer_nachname")
	fVorname, cPrueferVorname := n.Field("VORNAME"), n.Col(t, "pruefer_vorname")
	fPstatus, cPstatus := n.Field("PSTATUS"), n.Col(t, "pstatus")
	fPart, cPart := n.Field("PART"), n.Col(t, "part")
	fPnote, cPnote := n.Field("PNOTE"), n.Col(t, "pnote")
	fPvermerk, cPvermerk := n.Field("PVERMERK"), n.Col(t, "pvermerk")
	fPform, cPform := n.Field("PFORM"), n.Col(t, "pform")
	fPanerk, cPanerk := n.Field("PANERK"), n.Col(t, "panerk")
	fPflicht, cPflicht := n.Field("PFLICHT"), n.Col(t, "pflicht")
	fPabschn, cPabschn := n.Field("PABSCHN"), n.Col(t, "pabschn")
	fPversion, cPversion := n.Field("PVERSION"), n.Col(t, "pversion")
	if err := n.Err(); err != nil {
		return nil, err
	}
	stg := stgConv(m)
	pstatus := batch.OneOf("AN", "BE", "NB", "EN")
	return &batch.Spec{
		Fields: fields,
		// A full export of the semesters (PSEM) it contains.
		Sync: []batch.SyncTarget{{Target: t, Scope: bulk.SyncScope{Columns: []string{"psem"}, KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			c.Put(v, cIdentnr, fIdentnr, batch.Text)
			c.Put(v, cPnr, fPnr, batch.Text)
			c.Put(v, cPsem, fPsem, batch.Semester)
			if c.Put(v, cPversuch, fPversuch, batch.Int).IsNull() {
				v.Set(cPversuch, int64(0))
			}
			if c.Mode == bulk.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			c.Put(v, cPdtxt, fPdtxt, batch.Text)
			abschlart(c, v, cAbschlart, m, fAbschlart, fAbschl)
			c.Put(v, cStg, fStg, stg)
			c.Put(v, cBonus, fBonus, batch.Decimal)
			c.Put(v, cPrueferNachname, fNachname, batch.Text)
			c.Put(v, cPrueferVorname, fVorname, batch.Text)
			c.Put(v, cPstatus, fPstatus, pstatus)
			c.Put(v, cPart, fPart, batch.Upper)
			c.Put(v, cPnote, fPnote, batch.Grade100)
			c.Put(v, cPvermerk, fPvermerk, batch.Upper)
			c.Put(v, cPform, fPform, batch.Text)
			c.Put(v, cPanerk, fPanerk, batch.Bool)
			c.Put(v, cPflicht, fPflicht, batch.Upper)
			c.Put(v, cPabschn, fPabschn, batch.Upper)
			c.Put(v, cPversion, fPversion, batch.Text)
			return []batch.Out{{Values: v}}
		},
		BeforeFlush: newRegistrationCleaner(cPsem),
	}, nil
}

// newRegistrationCleaner deletes the stored registrations of each semester
// the first time it appears in the file (create and upsert only; a full
// export, sync, makes the semester what the file says anyway, and leaves
// the registrations it repeats untouched).
func newRegistrationCleaner(psemCol batch.ColRef) func(context.Context, *bulk.Tx, batch.Mode, []batch.Out) error {
	seen := map[int64]bool{}
	return func(ctx context.Context, tx *bulk.Tx, mode batch.Mode, outs []batch.Out) error {
		if mode != bulk.ModeCreate && mode != bulk.ModeUpsert {
			return nil
		}
		var fresh []int64
		for _, o := range outs {
			sem, ok := o.Values.Get(psemCol).AsInt()
			if ok && !seen[sem] {
				seen[sem] = true
				fresh = append(fresh, sem)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		_, err := tx.SbeatExamDeleteRegistrations(ctx, fresh)
		return err
	}
}

// Identities is the identities file (Studentenidentifikationsdaten):
// personal data by IDENTNR, kept in sbeat_identity (restricted access).
func Identities(batch.Settings) (*batch.Spec, error) {
	t := bulk.TargetSbeatIdentity
	fields := withIdentity(batch.Field{Name: "IDENTNR", Location: true, Doc: "student's pseudonymous id"})
	n := batch.NewNames(IdentitiesName, fields)
	fIdentnr := n.Field("IDENTNR")
	if f := n.Field("MATRIKELNR"); f >= 0 {
		fields[f].Required = true
	}
	ident := resolveIdentity(n)
	if err := n.Err(); err != nil {
		return nil, err
	}
	return &batch.Spec{
		Fields: fields,
		Sync:   []batch.SyncTarget{{Target: t, Scope: bulk.SyncScope{KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			c.Put(v, ident.identnr, fIdentnr, batch.Text)
			if c.Mode == bulk.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			ident.put(c, v)
			return []batch.Out{{Values: v}}
		},
	}, nil
}

// Courses is the courses-of-study file (Studiengangsdaten), located by
// STG. Rows whose Abschlussart is not allowed by configuration are skipped
// and counted.
func Courses(set batch.Settings) (*batch.Spec, error) {
	m := mappings(set)
	allowed := set.AllowedAbschlussarten
	t := bulk.TargetSbeatCourse
	fields := []batch.Field{
		{Name: "STG", Location: true, Doc: "course of study"},
		{Name: "GRUPPE", Doc: "group of courses"},
		{Name: "ABSCHLART", Doc: "Diplom, Master, Zusatzausbildung, Bachelor"},
		{Name: "ABSCHL", Doc: "Abschluss number (deprecated, mapped to ABSCHLART)"},
		{Name: "LTXT", Doc: "long name"},
		{Name: "KTXT", Doc: "short name"},
		{Name: "FB", Doc: "faculty number"},
		{Name: "REGELSTZ", Doc: "standard period of study in semesters"},
	}
	n := batch.NewNames(CoursesName, fields)
	fStg, cStg := n.Field("STG"), n.Col(t, "stg")
	fAbschlart, fAbschl, cAbschlart := n.Field("ABSCHLART"), n.Field("ABSCHL"), n.Col(t, "abschlart")
	fGruppe, cGruppe := n.Field("GRUPPE"), n.Col(t, "gruppe")
	fLtxt, cLtxt := n.Field("LTXT"), n.Col(t, "ltxt")
	fKtxt, cKtxt := n.Field("KTXT"), n.Col(t, "ktxt")
	fFb, cFb := n.Field("FB"), n.Col(t, "fb")
	fRegelstz, cRegelstz := n.Field("REGELSTZ"), n.Col(t, "regelstz")
	if err := n.Err(); err != nil {
		return nil, err
	}
	return &batch.Spec{
		Fields: fields,
		Sync:   []batch.SyncTarget{{Target: t, Scope: bulk.SyncScope{KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			c.Put(v, cStg, fStg, stgConv(m))
			if c.Mode == bulk.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			art := abschlart(c, v, cAbschlart, m, fAbschlart, fAbschl)
			if len(allowed) > 0 && !c.Failed() &&
				!slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, art) }) {
				c.Skip("Abschlussart not allowed")
				return nil
			}
			c.Put(v, cGruppe, fGruppe, batch.Text)
			c.Put(v, cLtxt, fLtxt, batch.Text)
			c.Put(v, cKtxt, fKtxt, batch.Text)
			c.Put(v, cFb, fFb, batch.Text)
			c.Put(v, cRegelstz, fRegelstz, batch.Int)
			return []batch.Out{{Values: v}}
		},
	}, nil
}

// Applicants is the applicants file (Bewerberdaten): one row per applicant,
// course of study and semester. SEM defaults to the semester after the one
// APPLDAT falls in. Identity columns go to sbeat_identity alongside.
func Applicants(set batch.Settings) (*batch.Spec, error) {
	m := mappings(set)
	t := bulk.TargetSbeatApplicant
	fields := withIdentity(slices.Concat([]batch.Field{
		{Name: "IDENTNR", Location: true, Doc: "applicant's pseudonymous id"},
		{Name: "STG", Location: true, Doc: "course of study"},
		{Name: "SEM", Doc: "semester YYYYS (default: the one after APPLDAT's)"},
	}, personFields(), []batch.Field{
		{Name: "APPLDAT", Doc: "application date"},
		{Name: "ZULDAT", Doc: "admission date (empty: not admitted)"},
	})...)
	n := batch.NewNames(ApplicantsName, fields)
	fIdentnr, cIdentnr := n.Field("IDENTNR"), n.Col(t, "identnr")
	fStg, cStg := n.Field("STG"), n.Col(t, "stg")
	fSem, cSem := n.Field("SEM"), n.Col(t, "sem")
	fAppldat, cAppldat := n.Field("APPLDAT"), n.Col(t, "appldat")
	fZuldat, cZuldat := n.Field("ZULDAT"), n.Col(t, "zuldat")
	person := resolvePerson(n, t)
	ident := resolveIdentity(n)
	if err := n.Err(); err != nil {
		return nil, err
	}
	return &batch.Spec{
		Fields: fields,
		// A full export of the semesters (SEM) it contains.
		Sync: []batch.SyncTarget{{Target: t, Scope: bulk.SyncScope{Columns: []string{"sem"}, KeepRejected: true}}},
		CheckNames: func(has func(int) bool, mode bulk.Mode) error {
			if !has(int(fSem)) && !has(int(fAppldat)) {
				return errors.New("the header needs SEM or APPLDAT")
			}
			return nil
		},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			id := c.Put(v, cIdentnr, fIdentnr, batch.Text)
			c.Put(v, cStg, fStg, stgConv(m))
			// SEM is part of the key: given, or derived from APPLDAT.
			if _, ok := c.Str(fSem); ok {
				c.Put(v, cSem, fSem, batch.Semester)
			} else if s, ok := c.Str(fAppldat); ok {
				if d, err := batch.ParseDate(s); err == nil {
					v.Set(cSem, batch.NextSemester(batch.SemesterOf(d)))
				} else {
					c.Fail("APPLDAT: %v", err)
				}
			} else {
				c.Fail("SEM or APPLDAT is required")
			}
			if c.Mode == bulk.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			person.put(c, v, m)
			c.Put(v, cAppldat, fAppldat, batch.Date)
			c.Put(v, cZuldat, fZuldat, batch.Date)
			return ident.withCompanion(c, v, id)
		},
	}, nil
}
