package importers

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/ekvv"
	"sestd/internal/importers/fsperson"
	"sestd/internal/importers/ranking"
	"sestd/internal/importers/sbeat"
	"sestd/internal/importers/uniapp"
	"sestd/internal/store/bulk"
)

// Kind names a file format sestd imports (a batch.Kind's Name).
type Kind string

// The kinds' names, as their packages declare them.
const (
	KindSbeatStudents   Kind = sbeat.StudentsName
	KindSbeatExams      Kind = sbeat.ExamsName
	KindSbeatIdentities Kind = sbeat.IdentitiesName
	KindSbeatCourses    Kind = sbeat.CoursesName
	KindSbeatApplicants Kind = sbeat.ApplicantsName
	KindEkvv            Kind = ekvv.Name
	KindFSPersons       Kind = fsperson.Name
	KindRanking         Kind = ranking.Name
	KindUniBewerbungen  Kind = uniapp.ApplicationsName
	KindUniBewerberAuth Kind = uniapp.AuthorisationsName
)

// declarations is the one list of the kinds sestd imports, in --help
// order: each declared once, in its package. Everything that lists or
// recognises kinds (the CLI's help, config import.modes, the inbox's
// folders, the admin API, the console, the retention job) reads it
// through the functions of this file. A new kind is a batch.Kind in its
// package and a line here.
func declarations() []batch.Kind {
	return []batch.Kind{
		sbeat.StudentsKind,
		sbeat.ExamsKind,
		sbeat.IdentitiesKind,
		sbeat.CoursesKind,
		sbeat.ApplicantsKind,
		ekvv.Kind,
		fsperson.Kind,
		ranking.Kind,
		uniapp.ApplicationsKind,
		uniapp.AuthorisationsKind,
	}
}

// Mode is Kofa's import mode.
type Mode = bulk.Mode

// The modes. Create, update and remove are Kofa's; upsert (create or
// update) and sync are sestd's. Sync is a full export's: rows are created
// or updated (unchanged ones are left alone) and the stored rows of the
// file's scope that it lacks are handled by the kind's rule (KindInfo.Sync).
const (
	ModeCreate = bulk.ModeCreate
	ModeUpdate = bulk.ModeUpdate
	ModeRemove = bulk.ModeRemove
	ModeUpsert = bulk.ModeUpsert
	ModeSync   = bulk.ModeSync
)

// FieldInfo describes one column (or XML attribute) of a kind.
type FieldInfo struct {
	Name     string   `json:"name"`
	Aliases  []string `json:"aliases,omitempty"`
	Location bool     `json:"location,omitempty"`
	Required bool     `json:"required,omitempty"`
	Doc      string   `json:"doc,omitempty"`
}

// KindInfo describes a kind for --help, the admin API and the console.
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
	// Aliases recognise the kind in inbox folder and file names, besides
	// its name.
	Aliases []string `json:"aliases,omitempty"`
	// PerVermittlungsprozess: the kind's files concern the applicants of
	// one Vermittlungsprozess (removed once handled when it closes).
	PerVermittlungsprozess bool `json:"per_vermittlungsprozess,omitempty"`
}

// Modes lists every import mode, the full exports' default (sync) first.
func Modes() []Mode { return batch.AllModes() }

// Kinds lists every kind with its description, modes, tables and fields.
func Kinds() []KindInfo {
	decls := declarations()
	out := make([]KindInfo, len(decls))
	for i := range decls {
		out[i] = info(&decls[i])
	}
	return out
}

// KindNames lists the kinds' names, in --help order.
func KindNames() []string {
	decls := declarations()
	out := make([]string, len(decls))
	for i, k := range decls {
		out[i] = k.Name
	}
	return out
}

// Lookup returns the description of kind k (its name).
func Lookup(k Kind) (KindInfo, bool) {
	d, ok := declared(k)
	if !ok {
		return KindInfo{}, false
	}
	return info(d), true
}

// CheckKinds checks every declaration (batch.Kind.Check: complete, its
// spec builds, its columns resolve) and that no name or alias names two
// kinds. The tests run it: a misspelt column fails them.
func CheckKinds() error { return checkKinds(declarations()) }

func checkKinds(decls []batch.Kind) error {
	owner := map[string]string{}
	for i := range decls {
		k := &decls[i]
		if err := k.Check(); err != nil {
			return err
		}
		for _, n := range append([]string{k.Name}, k.Aliases...) {
			if o, dup := owner[n]; dup {
				return fmt.Errorf("kind %s: %q names kind %s already", k.Name, n, o)
			}
			owner[n] = k.Name
		}
	}
	return nil
}

func info(d *batch.Kind) KindInfo {
	ki := KindInfo{Kind: Kind(d.Name), Description: d.Description, Format: string(d.Format),
		Modes: slices.Clone(d.Modes), DefaultMode: d.DefaultMode, Sync: d.Sync, Tables: d.Tables(),
		Aliases: slices.Clone(d.Aliases), PerVermittlungsprozess: d.PerVermittlungsprozess}
	if d.Spec != nil {
		if spec, err := d.BuildSpec(batch.Settings{}); err == nil {
			ki.Fields = fieldInfos(spec.Fields)
		}
	}
	return ki
}

func fieldInfos(fs []batch.Field) []FieldInfo {
	out := make([]FieldInfo, len(fs))
	for i, f := range fs {
		out[i] = FieldInfo{Name: f.Name, Aliases: f.Aliases, Location: f.Location, Required: f.Required, Doc: f.Doc}
	}
	return out
}

// declared returns the declaration of kind k.
func declared(k Kind) (*batch.Kind, bool) {
	decls := declarations()
	i := slices.IndexFunc(decls, func(d batch.Kind) bool { return d.Name == string(k) })
	if i < 0 {
		return nil, false
	}
	return &decls[i], true
}

// ParseKind returns the kind named s (its name or an alias,
// case-insensitive), or an error wrapping ErrPermanent.
func ParseKind(s string) (Kind, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	for _, k := range declarations() {
		if k.Name == n || slices.Contains(k.Aliases, n) {
			return Kind(k.Name), nil
		}
	}
	return "", fmt.Errorf("%w: unknown kind %q (known: %s)", ErrPermanent, s, strings.Join(KindNames(), ", "))
}

// ParseMode returns the mode named s; empty is "" (the kind's default,
// see DefaultMode).
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.ToLower(strings.TrimSpace(s)))
	if m == "" || slices.Contains(batch.AllModes(), m) {
		return m, nil
	}
	return "", fmt.Errorf("%w: unknown mode %q (%s)", ErrPermanent, s, joinModes(batch.AllModes()))
}

// CheckMode returns an error wrapping ErrPermanent when kind k may not be
// imported in mode m (nor is k a kind).
func CheckMode(k Kind, m Mode) error {
	d, ok := declared(k)
	if !ok {
		return fmt.Errorf("%w: unknown kind %q (known: %s)", ErrPermanent, k, strings.Join(KindNames(), ", "))
	}
	if !slices.Contains(d.Modes, m) {
		return fmt.Errorf("%w: kind %s is not imported in mode %q (%s)", ErrPermanent, k, m, joinModes(d.Modes))
	}
	return nil
}

func joinModes(ms []Mode) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// DefaultMode is the mode of an import of kind k that names none: the
// one configured for k in modes (config import.modes), else the kind's
// declared default (sync: every kind's file is a full export of its
// scope, KindInfo.Sync).
func DefaultMode(k Kind, modes map[Kind]Mode) Mode {
	if m, ok := modes[k]; ok && m != "" {
		return m
	}
	if d, ok := declared(k); ok {
		return d.DefaultMode
	}
	return ModeSync
}

// kindTables returns the tables kind k writes (the import locks them).
func kindTables(k Kind) []string {
	if d, ok := declared(k); ok {
		return d.Tables()
	}
	return []string{string(k)}
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
	for _, k := range declarations() {
		for _, a := range append([]string{k.Name}, k.Aliases...) {
			if len(a) > bestLen && strings.Contains(name, a) {
				best, bestLen = Kind(k.Name), len(a)
			}
		}
	}
	if best == "" {
		return "", fmt.Errorf("%w: cannot tell the kind of %s: put it in a folder named after its kind or name the kind in the file name (%s)",
			ErrPermanent, filepath.Base(path), strings.Join(KindNames(), ", "))
	}
	return best, nil
}
