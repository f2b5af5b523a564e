package importers

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"sestd/internal/importers/batch"
	"sestd/internal/store"
)

// Kind names a file format sestd imports.
type Kind string

// The kinds.
const (
	KindSbeatStudents   Kind = "sbeat_students"
	KindSbeatExams      Kind = "sbeat_exams"
	KindSbeatIdentities Kind = "sbeat_identities"
	KindSbeatCourses    Kind = "sbeat_courses"
	KindSbeatApplicants Kind = "sbeat_applicants"
	KindEkvv            Kind = "ekvv"
	KindFSPersons       Kind = "fs_persons"
	KindRanking         Kind = "ranking"
	KindUniBewerbungen  Kind = "uni_bewerbungen"
	KindUniBewerberAuth Kind = "uni_bewerber_auth"
)

// Mode is Kofa's import mode.
type Mode = store.ImportMode

// The modes. Create, update and remove are Kofa's; upsert (create or
// update) and sync are sestd's. Sync is a full export's: rows are created
// or updated (unchanged ones are left alone) and the stored rows of the
// file's scope that it lacks are handled by the kind's rule (KindInfo.Sync).
const (
	ModeCreate = store.ModeCreate
	ModeUpdate = store.ModeUpdate
	ModeRemove = store.ModeRemove
	ModeUpsert = store.ModeUpsert
	ModeSync   = store.ModeSync
)

// FieldInfo describes one column (or XML attribute) of a kind.
type FieldInfo struct {
	Name     string   `json:"name"`
	Aliases  []string `json:"aliases,omitempty"`
	Location bool     `json:"location,omitempty"`
	Required bool     `json:"required,omitempty"`
	Doc      string   `json:"doc,omitempty"`
}

// KindInfo describes a kind for --help and the admin API.
type KindInfo struct {
	Kind        Kind   `json:"kind"`
	Description string `json:"description"`
	Format      string `json:"format"` // csv or xml
	Modes       []Mode `json:"modes"`
	// DefaultMode is the mode of an import that names none (configurable:
	// import.modes).
	DefaultMode Mode `json:"default_mode"`
	// Sync says what a full export of the kind covers and what becomes
	// of the stored rows it lacks.
	Sync   string      `json:"sync"`
	Tables []string    `json:"tables"`
	Fields []FieldInfo `json:"fields,omitempty"`
	// aliases recognise the kind in inbox folder and file names.
	aliases []string
}

var allModes = []Mode{ModeSync, ModeCreate, ModeUpdate, ModeRemove, ModeUpsert}

// Modes lists every import mode, the full exports' default (sync) first.
func Modes() []Mode { return slices.Clone(allModes) }

// kindTable is the constant list of kinds, in --help order.
var kindTable = []KindInfo{
	{Kind: KindSbeatStudents, Format: "csv", Sync: "all students; a student the file lacks (or skips: SPERRART1 01) is removed", Tables: []string{"sbeat_student", "sbeat_identity"},
		Description: "S-BEAT students (Studentendaten): IDENTNR;STG;IMMDAT;…; SPERRART1=01 skipped, SEM_START/SEM_END from IMMDAT/EXMDAT",
		aliases:     []string{"sbeat_students", "students", "student_data", "studentendaten", "studenten"}},
	{Kind: KindSbeatExams, Format: "csv", Sync: "the semesters (PSEM) in the file; an exam result of those semesters the file lacks is removed", Tables: []string{"sbeat_exam"},
		Description: "S-BEAT exam results (Prüfungsleistungsdaten): IDENTNR;PNR;PSEM;PVERSUCH;…; AN registrations of the file's semesters are replaced",
		aliases:     []string{"sbeat_exams", "exams", "exam_data", "pruefungen", "pruefungsleistungen", "leistungen"}},
	{Kind: KindSbeatIdentities, Format: "csv", Sync: "all identities; an identity the file lacks is removed", Tables: []string{"sbeat_identity"},
		Description: "S-BEAT student identities (personal data, restricted table): IDENTNR;MATRIKELNR;VORNAME;NACHNAME;…",
		aliases:     []string{"sbeat_identities", "identities", "identity", "ident_data", "identdaten"}},
	{Kind: KindSbeatCourses, Format: "csv", Sync: "all courses of study; one the file lacks (or skips) is removed", Tables: []string{"sbeat_course"},
		Description: "S-BEAT courses of study (Studiengangsdaten): STG;ABSCHLART;LTXT;…; Abschlussarten not allowed by config are skipped",
		aliases:     []string{"sbeat_courses", "courses", "courses_data", "studiengaenge"}},
	{Kind: KindSbeatApplicants, Format: "csv", Sync: "the semesters (SEM) in the file; an applicant of those semesters the file lacks is removed", Tables: []string{"sbeat_applicant", "sbeat_identity"},
		Description: "S-BEAT applicants (Bewerberdaten): IDENTNR;STG;APPLDAT;…; SEM defaults to the semester after APPLDAT's",
		aliases:     []string{"sbeat_applicants", "applicants", "bewerberdaten"}},
	{Kind: KindEkvv, Format: "xml", Sync: "one Veranstaltung: the file replaces it with its lecturers, participants and dates", Tables: []string{"ekvv_veranstaltung", "ekvv_dozent", "ekvv_fachzuordnung", "ekvv_untergliederung", "ekvv_teilnehmer", "ekvv_einschreibung", "ekvv_termin"},
		Description: "eKVV Anmeldeliste XML (one Veranstaltung per file, located by its id); priorities normalised in view ekvv_prioritaet_normalisiert",
		aliases:     []string{"ekvv", "anmeldeliste", "anmeldelisten", "teilnehmerliste"}},
	{Kind: KindFSPersons, Format: "xml", Sync: "all persons; a person the file lacks (or skips) is removed", Tables: []string{"fs_person"},
		Description: "FS person XML (Cerebrum FS-persons.dat): fagperson, student, evu records; address precedence and the EVU window applied",
		aliases:     []string{"fs_persons", "fs-persons", "fspersons", "fs_person"}},
	{Kind: KindRanking, Format: "csv", Sync: "each Rangliste in the file: the file's valid rows replace it", Tables: []string{"ranking_entry"},
		Description: "ranking lists: RANGLISTE;BEWERBER_ID;RANG, several Ranglisten per file; input of the ranking upload",
		aliases:     []string{"ranking", "rangliste", "ranglisten"}},
	{Kind: KindUniBewerbungen, Format: "csv", Sync: "all applications; one the file lacks is reported (<file>.missing.csv), never removed or withdrawn; a mehrfach application's Teilfächer the file lacks are removed", Tables: []string{"uni_bewerbung", "uni_teilfachbewerbung"},
		Description: "university applications for the outbound sync: HS_BEWERBUNG_ID;TYP (einfach|mehrfach|teilfach);BEWERBER_ID;…",
		aliases:     []string{"uni_bewerbungen", "bewerbungen", "applications"}},
	{Kind: KindUniBewerberAuth, Format: "csv", Sync: "all authorisations; one the file lacks is removed", Tables: []string{"uni_bewerber_auth"},
		Description: "applicant authorisations for the outbound sync: BEWERBER_ID;BAN",
		aliases:     []string{"uni_bewerber_auth", "bewerber_auth", "authorisations", "authorizations"}},
}

// Kinds lists every kind with its description, modes, tables and fields.
func Kinds() []KindInfo {
	out := make([]KindInfo, len(kindTable))
	for i, k := range kindTable {
		k.Modes = allModes
		if spec, err := specFor(k.Kind, Options{}); err == nil {
			if len(spec.Modes) > 0 {
				k.Modes = spec.Modes
			}
			k.Fields = fieldInfos(spec.Fields)
		}
		if k.Kind == KindEkvv {
			k.Modes = allModes
		}
		k.DefaultMode = ModeSync
		out[i] = k
	}
	return out
}

func fieldInfos(fs []batch.Field) []FieldInfo {
	out := make([]FieldInfo, len(fs))
	for i, f := range fs {
		out[i] = FieldInfo{Name: f.Name, Aliases: f.Aliases, Location: f.Location, Required: f.Required, Doc: f.Doc}
	}
	return out
}

// kindTables returns the tables kind k writes (the import locks them).
func kindTables(k Kind) []string {
	for _, ki := range kindTable {
		if ki.Kind == k {
			return ki.Tables
		}
	}
	return []string{string(k)}
}

// ParseKind returns the kind named s (its name or an alias,
// case-insensitive), or an error wrapping ErrPermanent.
func ParseKind(s string) (Kind, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	for _, k := range kindTable {
		if string(k.Kind) == n || slices.Contains(k.aliases, n) {
			return k.Kind, nil
		}
	}
	return "", fmt.Errorf("%w: unknown kind %q (known: %s)", ErrPermanent, s, strings.Join(kindNames(), ", "))
}

// ParseMode returns the mode named s; empty is "" (the kind's default,
// see DefaultMode).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "", ModeSync, ModeCreate, ModeUpdate, ModeRemove, ModeUpsert:
		return m, nil
	}
	return "", fmt.Errorf("%w: unknown mode %q (sync, create, update, remove, upsert)", ErrPermanent, s)
}

// DefaultMode is the mode of an import of kind k that names none: the
// one configured for k in modes (config import.modes), else sync, for
// every kind is a full export of its scope (KindInfo.Sync).
func DefaultMode(k Kind, modes map[Kind]Mode) Mode {
	if m, ok := modes[k]; ok && m != "" {
		return m
	}
	return ModeSync
}

func kindNames() []string {
	out := make([]string, len(kindTable))
	for i, k := range kindTable {
		out[i] = string(k.Kind)
	}
	return out
}

// DetectKind tells a file's kind from its path: the name of the folder it
// is in (an inbox subfolder per kind, e.g. inbox/sbeat_exams/x.csv), or
// else a kind name or alias in the file name (e.g.
// 2026-11-25_sbeat_exams.csv, student_data.csv, FS-persons.dat), longest
// match first. It returns an error wrapping ErrPermanent when neither
// tells.
func DetectKind(path string) (Kind, error) {
	if k, err := ParseKind(filepath.Base(filepath.Dir(path))); err == nil {
		return k, nil
	}
	name := strings.ToLower(filepath.Base(path))
	best, bestLen := Kind(""), 0
	for _, k := range kindTable {
		for _, a := range k.aliases {
			if len(a) > bestLen && strings.Contains(name, a) {
				best, bestLen = k.Kind, len(a)
			}
		}
	}
	if best == "" {
		return "", fmt.Errorf("%w: cannot tell the kind of %s: put it in a folder named after its kind or name the kind in the file name (%s)",
			ErrPermanent, filepath.Base(path), strings.Join(kindNames(), ", "))
	}
	return best, nil
}
