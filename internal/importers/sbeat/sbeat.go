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
	"sestd/internal/store"
)

// Config is what the S-BEAT kinds need from sestd's configuration.
type Config struct {
	// Mappings for the deprecated columns; nil means the shipped defaults.
	Mappings *Mappings
	// AllowedAbschlussarten: courses of study with another Abschlussart are
	// skipped (and counted); empty allows all.
	AllowedAbschlussarten []string
}

func (c Config) mappings() *Mappings {
	if c.Mappings != nil {
		return c.Mappings
	}
	return DefaultMappings()
}

// identity field names, shared by the students, applicants and identities
// files.
var identityFields = []batch.Field{
	{Name: "MATRIKELNR", Aliases: []string{"MTKNR"}, Doc: "matriculation number"},
	{Name: "VORNAME", Doc: "first name"},
	{Name: "NACHNAME", Doc: "last name"},
	{Name: "KUERZEL", Doc: "user name"},
	{Name: "EMAIL", Doc: "e-mail address"},
	{Name: "LAND", Doc: "country of origin"},
	{Name: "PLZ", Doc: "postcode"},
	{Name: "STANG", Doc: "nationality"},
	{Name: "EU", Doc: "EU citizen (J/N)"},
}

var identityCols = []string{"matrikelnr", "vorname", "nachname", "kuerzel", "email", "land", "plz", "stang", "eu"}

// identity makes the companion sbeat_identity row from the identity fields
// starting at field index first, or nil when the file has none of them.
// Fields the file lacks, or marks <IGNORE>, leave stored values alone.
func identity(c *batch.Conv, identnr string, first int) *batch.Values {
	found := false
	for i := range identityFields {
		if c.Has(first + i) {
			found = true
		}
	}
	if !found {
		return nil
	}
	// A companion row is always upserted: build it by upsert's rules.
	saved := c.Mode
	c.Mode = store.ModeUpsert
	defer func() { c.Mode = saved }()
	t := store.TargetSbeatIdentity
	v := c.Row(t)
	v.Set(t.Col("identnr"), identnr)
	for i, col := range identityCols {
		conv := batch.Text
		if col == "eu" {
			conv = batch.Bool
		}
		c.Put(v, t.Col(col), first+i, conv)
	}
	return v
}

func geschl(s string) (store.Value, error) {
	return batch.OneOf("M", "W", "D", "X")(s)
}

func hzbNote(s string) (store.Value, error) {
	n, err := batch.ParseHZBNote(s)
	if errors.Is(err, batch.ErrNoGrade) {
		return store.Value{}, nil
	}
	if err != nil {
		return store.Value{}, err
	}
	return store.Int(n), nil
}

// hzb fills hzbnote, hzbart and hzbgrp; a missing HZBGRP comes from HZBART
// through the mappings (an unknown number leaves the group empty).
func hzb(c *batch.Conv, v *batch.Values, t *store.ImportTarget, m *Mappings, fNote, fArt, fGrp int) {
	c.Put(v, t.Col("hzbnote"), fNote, hzbNote)
	c.Put(v, t.Col("hzbart"), fArt, batch.Text)
	grp := c.Put(v, t.Col("hzbgrp"), fGrp, batch.Text)
	if grp.IsNull() {
		if art, ok := c.Str(fArt); ok {
			if g, ok := m.HZBArt[strings.TrimLeft(art, "0")]; ok {
				v.Set(t.Col("hzbgrp"), g)
			} else if g, ok := m.HZBArt[art]; ok {
				v.Set(t.Col("hzbgrp"), g)
			}
		}
	}
}

func stgConv(m *Mappings) batch.Converter {
	return func(s string) (store.Value, error) {
		if to, ok := m.STG[s]; ok {
			return store.Text(to), nil
		}
		return store.Text(s), nil
	}
}

// abschlart fills abschlart from ABSCHLART, or from ABSCHL through the
// mappings, and returns it ("" when none).
func abschlart(c *batch.Conv, v *batch.Values, col int, m *Mappings, fArt, fNum int) string {
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

// Field indexes of the students file.
const (
	stIdentnr = iota
	stStg
	stImmdat
	stExmdat
	stSemStart
	stSemEnd
	stSperrart1
	stPnr
	stPdatum
	stGeschl
	stGebdat
	stHzbnote
	stHzbdatum
	stHzbart
	stHzbgrp
	stIdentity // identityFields follow
)

// Students is the students file (Studentendaten): one row per student,
// located by IDENTNR. Rows with SPERRART1 = 01 are skipped; SEM_START and
// SEM_END come from IMMDAT and EXMDAT when the file lacks them. Identity
// columns in the file are written to sbeat_identity alongside.
func Students(cfg Config) *batch.Spec {
	m := cfg.mappings()
	t := store.TargetSbeatStudent
	fields := append([]batch.Field{
		{Name: "IDENTNR", Location: true, Doc: "student's pseudonymous id"},
		{Name: "STG", Required: true, Doc: "course of study"},
		{Name: "IMMDAT", Doc: "enrolment date"},
		{Name: "EXMDAT", Doc: "exmatriculation date"},
		{Name: "SEM_START", Doc: "first semester YYYYS (default: from IMMDAT)"},
		{Name: "SEM_END", Doc: "last semester YYYYS (default: from EXMDAT)"},
		{Name: "SPERRART1", Doc: "01 = enrolled for a limited time: row not imported"},
		{Name: "PNR", Doc: "8000 when graduated"},
		{Name: "PDATUM", Doc: "date of the final exam"},
		{Name: "GESCHL", Doc: "M or W"},
		{Name: "GEBDAT", Doc: "date of birth"},
		{Name: "HZBNOTE", Doc: "HZB grade (9.9 or empty: none)"},
		{Name: "HZBDATUM", Doc: "HZB date"},
		{Name: "HZBART", Doc: "HZB type number (deprecated, mapped to HZBGRP)"},
		{Name: "HZBGRP", Doc: "HZB group"},
	}, identityFields...)
	return &batch.Spec{
		Kind:    "sbeat_students",
		Fields:  fields,
		Targets: []*store.ImportTarget{t, store.TargetSbeatIdentity},
		// A full export of all students; their identities are the
		// identities file's to remove.
		Sync: []batch.SyncTarget{{Target: t, Scope: store.SyncScope{KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			if s, ok := c.Str(stSperrart1); ok && strings.TrimLeft(s, "0") == "1" {
				c.Skip("SPERRART1 01")
				return nil
			}
			v := c.Row(t)
			id := c.Put(v, t.Col("identnr"), stIdentnr, batch.Text)
			if c.Mode == store.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			c.Put(v, t.Col("stg"), stStg, stgConv(m))
			imm := c.Put(v, t.Col("immdat"), stImmdat, batch.Date)
			exm := c.Put(v, t.Col("exmdat"), stExmdat, batch.Date)
			if c.Put(v, t.Col("sem_start"), stSemStart, batch.Semester).IsNull() && !c.Ignored(stSemStart) {
				if d, ok := imm.AsTime(); ok {
					v.Set(t.Col("sem_start"), batch.SemesterOf(d))
				}
			}
			if c.Put(v, t.Col("sem_end"), stSemEnd, batch.Semester).IsNull() && !c.Ignored(stSemEnd) {
				if d, ok := exm.AsTime(); ok {
					v.Set(t.Col("sem_end"), batch.SemesterOf(d))
				}
			}
			c.Put(v, t.Col("sperrart1"), stSperrart1, batch.Text)
			c.Put(v, t.Col("pnr"), stPnr, batch.Text)
			c.Put(v, t.Col("pdatum"), stPdatum, batch.Date)
			c.Put(v, t.Col("geschl"), stGeschl, geschl)
			c.Put(v, t.Col("gebdat"), stGebdat, batch.Date)
			c.Put(v, t.Col("hzbdatum"), stHzbdatum, batch.Date)
			hzb(c, v, t, m, stHzbnote, stHzbart, stHzbgrp)
			out := []batch.Out{{Values: v}}
			if s, ok := id.AsText(); ok {
				if iv := identity(c, s, stIdentity); iv != nil {
					out = append(out, batch.Out{Values: iv, Companion: true})
				}
			}
			return out
		},
	}
}

// Field indexes of the exam results file.
const (
	exIdentnr = iota
	exPnr
	exPsem
	exPversuch
	exPdtxt
	exAbschlart
	exAbschl
	exStg
	exBonus
	exNachname
	exVorname
	exPstatus
	exPart
	exPnote
	exPvermerk
	exPform
	exPanerk
	exPflicht
	exPabschn
	exPversion
)

// Exams is the exam results file (Prüfungsleistungsdaten): one row per
// student, exam, semester and attempt. Before rows of a semester are
// written (create and upsert), the registrations (PSTATUS AN) stored for
// that semester are deleted, as S-BEAT does for every semester in the
// file. PNOTE is the grade ×100; ABSCHL is mapped to ABSCHLART. The spec
// remembers the semesters it has seen: use a fresh one per import.
func Exams(cfg Config) *batch.Spec {
	m := cfg.mappings()
	t := store.TargetSbeatExam
	cPsem := t.Col("psem")
	cIdentnr := t.Col("identnr")
	cPnr := t.Col("pnr")
	cPversuch := t.Col("pversuch")
	cPdtxt := t.Col("pdtxt")
	cAbschlart := t.Col("abschlart")
	cStg := t.Col("stg")
	cBonus := t.Col("bonus")
	cPrueferNachname := t.Col("pruefer_nachname")
	cPrueferVorname := t.Col("pruefer_vorname")
	cPstatus := t.Col("pstatus")
	cPart := t.Col("part")
	cPnote := t.Col("pnote")
	cPvermerk := t.Col("pvermerk")
	cPform := t.Col("pform")
	cPanerk := t.Col("panerk")
	cPflicht := t.Col("pflicht")
	cPabschn := t.Col("pabschn")
	cPversion := t.Col("pversion")
	stg := stgConv(m)
	pstatus := batch.OneOf("AN", "BE", "NB", "EN")
	return &batch.Spec{
		Kind: "sbeat_exams",
		Fields: []batch.Field{
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
		},
		Targets: []*store.ImportTarget{t},
		// A full export of the semesters (PSEM) it contains.
		Sync: []batch.SyncTarget{{Target: t, Scope: store.SyncScope{Columns: []string{"psem"}, KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			c.Put(v, cIdentnr, exIdentnr, batch.Text)
			c.Put(v, cPnr, exPnr, batch.Text)
			c.Put(v, cPsem, exPsem, batch.Semester)
			if c.Put(v, cPversuch, exPversuch, batch.Int).IsNull() {
				v.Set(cPversuch, int64(0))
			}
			if c.Mode == store.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			c.Put(v, cPdtxt, exPdtxt, batch.Text)
			abschlart(c, v, cAbschlart, m, exAbschlart, exAbschl)
			c.Put(v, cStg, exStg, stg)
			c.Put(v, cBonus, exBonus, batch.Decimal)
			c.Put(v, cPrueferNachname, exNachname, batch.Text)
			c.Put(v, cPrueferVorname, exVorname, batch.Text)
			c.Put(v, cPstatus, exPstatus, pstatus)
			c.Put(v, cPart, exPart, batch.Upper)
			c.Put(v, cPnote, exPnote, batch.Grade100)
			c.Put(v, cPvermerk, exPvermerk, batch.Upper)
			c.Put(v, cPform, exPform, batch.Text)
			c.Put(v, cPanerk, exPanerk, batch.Bool)
			c.Put(v, cPflicht, exPflicht, batch.Upper)
			c.Put(v, cPabschn, exPabschn, batch.Upper)
			c.Put(v, cPversion, exPversion, batch.Text)
			return []batch.Out{{Values: v}}
		},
		BeforeFlush: newRegistrationCleaner(cPsem),
	}
}

// newRegistrationCleaner deletes the stored registrations of each semester
// the first time it appears in the file (create and upsert only; a full
// export, sync, makes the semester what the file says anyway, and leaves
// the registrations it repeats untouched).
func newRegistrationCleaner(psemCol int) func(context.Context, *store.ImportTx, batch.Mode, []batch.Out) error {
	seen := map[int64]bool{}
	return func(ctx context.Context, tx *store.ImportTx, mode batch.Mode, outs []batch.Out) error {
		if mode != store.ModeCreate && mode != store.ModeUpsert {
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
func Identities(cfg Config) *batch.Spec {
	t := store.TargetSbeatIdentity
	fields := append([]batch.Field{{Name: "IDENTNR", Location: true, Doc: "student's pseudonymous id"}}, identityFields...)
	fields[1].Required = true // MATRIKELNR
	return &batch.Spec{
		Kind:    "sbeat_identities",
		Fields:  fields,
		Targets: []*store.ImportTarget{t},
		Sync:    []batch.SyncTarget{{Target: t, Scope: store.SyncScope{KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			c.Put(v, t.Col("identnr"), 0, batch.Text)
			if c.Mode == store.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			for i, col := range identityCols {
				conv := batch.Text
				if col == "eu" {
					conv = batch.Bool
				}
				c.Put(v, t.Col(col), 1+i, conv)
			}
			return []batch.Out{{Values: v}}
		},
	}
}

// Field indexes of the courses file.
const (
	coStg = iota
	coGruppe
	coAbschlart
	coAbschl
	coLtxt
	coKtxt
	coFb
	coRegelstz
)

// Courses is the courses-of-study file (Studiengangsdaten), located by
// STG. Rows whose Abschlussart is not allowed by configuration are skipped
// and counted.
func Courses(cfg Config) *batch.Spec {
	m := cfg.mappings()
	t := store.TargetSbeatCourse
	return &batch.Spec{
		Kind: "sbeat_courses",
		Fields: []batch.Field{
			{Name: "STG", Location: true, Doc: "course of study"},
			{Name: "GRUPPE", Doc: "group of courses"},
			{Name: "ABSCHLART", Doc: "Diplom, Master, Zusatzausbildung, Bachelor"},
			{Name: "ABSCHL", Doc: "Abschluss number (deprecated, mapped to ABSCHLART)"},
			{Name: "LTXT", Doc: "long name"},
			{Name: "KTXT", Doc: "short name"},
			{Name: "FB", Doc: "faculty number"},
			{Name: "REGELSTZ", Doc: "standard period of study in semesters"},
		},
		Targets: []*store.ImportTarget{t},
		Sync:    []batch.SyncTarget{{Target: t, Scope: store.SyncScope{KeepRejected: true}}},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			c.Put(v, t.Col("stg"), coStg, stgConv(m))
			if c.Mode == store.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			art := abschlart(c, v, t.Col("abschlart"), m, coAbschlart, coAbschl)
			if len(cfg.AllowedAbschlussarten) > 0 && !c.Failed() &&
				!slices.ContainsFunc(cfg.AllowedAbschlussarten, func(a string) bool { return strings.EqualFold(a, art) }) {
				c.Skip("Abschlussart not allowed")
				return nil
			}
			c.Put(v, t.Col("gruppe"), coGruppe, batch.Text)
			c.Put(v, t.Col("ltxt"), coLtxt, batch.Text)
			c.Put(v, t.Col("ktxt"), coKtxt, batch.Text)
			c.Put(v, t.Col("fb"), coFb, batch.Text)
			c.Put(v, t.Col("regelstz"), coRegelstz, batch.Int)
			return []batch.Out{{Values: v}}
		},
	}
}

// Field indexes of the applicants file.
const (
	apIdentnr = iota
	apStg
	apSem
	apGeschl
	apGebdat
	apHzbnote
	apHzbdatum
	apHzbart
	apHzbgrp
	apAppldat
	apZuldat
	apIdentity
)

// Applicants is the applicants file (Bewerberdaten): one row per applicant,
// course of study and semester. SEM defaults to the semester after the one
// APPLDAT falls in. Identity columns go to sbeat_identity alongside.
func Applicants(cfg Config) *batch.Spec {
	m := cfg.mappings()
	t := store.TargetSbeatApplicant
	fields := append([]batch.Field{
		{Name: "IDENTNR", Location: true, Doc: "applicant's pseudonymous id"},
		{Name: "STG", Location: true, Doc: "course of study"},
		{Name: "SEM", Doc: "semester YYYYS (default: the one after APPLDAT's)"},
		{Name: "GESCHL", Doc: "M or W"},
		{Name: "GEBDAT", Doc: "date of birth"},
		{Name: "HZBNOTE", Doc: "HZB grade (9.9 or empty: none)"},
		{Name: "HZBDATUM", Doc: "HZB date"},
		{Name: "HZBART", Doc: "HZB type number (deprecated, mapped to HZBGRP)"},
		{Name: "HZBGRP", Doc: "HZB group"},
		{Name: "APPLDAT", Doc: "application date"},
		{Name: "ZULDAT", Doc: "admission date (empty: not admitted)"},
	}, identityFields...)
	return &batch.Spec{
		Kind:    "sbeat_applicants",
		Fields:  fields,
		Targets: []*store.ImportTarget{t, store.TargetSbeatIdentity},
		// A full export of the semesters (SEM) it contains.
		Sync: []batch.SyncTarget{{Target: t, Scope: store.SyncScope{Columns: []string{"sem"}, KeepRejected: true}}},
		CheckNames: func(has func(int) bool, mode store.ImportMode) error {
			if !has(apSem) && !has(apAppldat) {
				return errors.New("the header needs SEM or APPLDAT")
			}
			return nil
		},
		Convert: func(c *batch.Conv) []batch.Out {
			v := c.Row(t)
			id := c.Put(v, t.Col("identnr"), apIdentnr, batch.Text)
			c.Put(v, t.Col("stg"), apStg, stgConv(m))
			// SEM is part of the key: given, or derived from APPLDAT.
			semCol := t.Col("sem")
			if _, ok := c.Str(apSem); ok {
				c.Put(v, semCol, apSem, batch.Semester)
			} else if s, ok := c.Str(apAppldat); ok {
				if d, err := batch.ParseDate(s); err == nil {
					v.Set(semCol, batch.NextSemester(batch.SemesterOf(d)))
				} else {
					c.Fail("APPLDAT: %v", err)
				}
			} else {
				c.Fail("SEM or APPLDAT is required")
			}
			if c.Mode == store.ModeRemove {
				return []batch.Out{{Values: v}}
			}
			c.Put(v, t.Col("geschl"), apGeschl, geschl)
			c.Put(v, t.Col("gebdat"), apGebdat, batch.Date)
			c.Put(v, t.Col("hzbdatum"), apHzbdatum, batch.Date)
			hzb(c, v, t, m, apHzbnote, apHzbart, apHzbgrp)
			c.Put(v, t.Col("appldat"), apAppldat, batch.Date)
			c.Put(v, t.Col("zuldat"), apZuldat, batch.Date)
			out := []batch.Out{{Values: v}}
			if s, ok := id.AsText(); ok {
				if iv := identity(c, s, apIdentity); iv != nil {
					out = append(out, batch.Out{Values: iv, Companion: true})
				}
			}
			return out
		},
	}
}
