package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"sestd/internal/importers/charset"
	"sestd/internal/importers/sbeatmap"
	"sestd/internal/sestmodel"
	"sestd/internal/store/bulk"
)

// Format is the file format of a kind.
type Format string

// The formats.
const (
	FormatCSV Format = "csv"
	FormatXML Format = "xml"
)

// Kind declares one import kind, once: everything sestd knows of it.
// Each kind package exports its Kind values; package importers collects
// them in one list (importers.Kinds), from which the CLI's help, the
// config's check of import.modes, the inbox's folder names, the admin API
// and the console take the kinds. The tables the import locks are
// Targets' tables.
type Kind struct {
	// Name is the kind's name (lower case): the folder of the inbox its
	// files go in, the key of import.modes, what --kind takes.
	Name string
	// Aliases recognise the kind, besides its name, in inbox folder and
	// file names (lower case; the longest match in a file name wins).
	Aliases []string
	Format  Format
	// Description is the kind's line in `sestd import --help`, the admin
	// API and the console: what the file is, its leading columns, its
	// particular rules.
	Description string
	// Targets are the tables the kind writes, parents first; an import
	// locks them all.
	Targets []*bulk.Target
	// Modes the kind may be imported in; DefaultMode is the mode of an
	// import that names none (config import.modes may name another).
	Modes       []Mode
	DefaultMode Mode
	// Sync says what a full export (mode sync) of the kind covers and
	// what becomes of the stored rows of that scope the file lacks.
	Sync string
	// PerVermittlungsprozess: the kind's files concern the applicants of
	// one Vermittlungsprozess (the retention job removes the handled ones
	// when it closes); other kinds' files concern students.
	PerVermittlungsprozess bool
	// RejectsUTF8: the rejects file is UTF-8 whatever the file's encoding
	// (eKVV's CSV rejects of an XML file).
	RejectsUTF8 bool
	// Spec builds the kind's record spec (fields and conversion; its
	// Kind and Targets come from the declaration, see BuildSpec); nil for
	// kinds that convert on their own (eKVV). Its column and field names
	// are checked when it is built (see Names), so Check reports a
	// misspelt one.
	Spec func(Settings) (*Spec, error)
	// Columns, for a kind without Spec, resolves the column names it
	// writes (see Names); Check calls it.
	Columns func() error
	// Run imports one pass over a file (RunCSV for record kinds in CSV).
	Run func(ctx context.Context, tx *bulk.Tx, k *Kind, in Input) (Result, error)
}

// AllModes lists every import mode, sync (a full export) first: create,
// update and remove are Kofa's, upsert (create or update) and sync are
// sestd's.
func AllModes() []Mode {
	return []Mode{bulk.ModeSync, bulk.ModeCreate, bulk.ModeUpdate, bulk.ModeRemove, bulk.ModeUpsert}
}

// Settings are what the kinds read of an import's options.
type Settings struct {
	// Location is the zone of timestamps without one (nil: UTC).
	Location *time.Location
	// Mappings for S-BEAT's deprecated columns; nil: the shipped ones.
	Mappings *sbeatmap.Mappings
	// AllowedAbschlussarten restricts S-BEAT courses of study; empty
	// allows all.
	AllowedAbschlussarten []string
	// Bearbeitungsstatus overrides the status rules per status, and
	// InterfaceVersion (0: the newest) chooses the statuses known
	// (university applications).
	Bearbeitungsstatus map[string]sestmodel.StatusRule
	InterfaceVersion   int
	// Verfahren is the eKVV allocation procedure (default: the course's
	// semester).
	Verfahren string
	// EVUWindow and Now are the FS person EVU rule's (defaults 14 days,
	// time.Now).
	EVUWindow time.Duration
	Now       func() time.Time
	// MaxXMLDepth and MaxXMLTokenBytes bound XML input (xmlx.Limits).
	MaxXMLDepth      int
	MaxXMLTokenBytes int
}

// Input is one pass of an import over a file.
type Input struct {
	File io.Reader
	// Encoding: for CSV kinds the one the first pass decided; for XML
	// kinds the one given, or charset.Auto (as the document declares).
	Encoding string
	// BOM: the file starts with a UTF-8 byte order mark (kept in the
	// rejects file).
	BOM bool
	// RejectsPath is where rejected records go (the kind may change the
	// extension).
	RejectsPath string
	Params      Params
	Settings    Settings
}

// Result is a pass's outcome: the counts, the rejects file written ("",
// when none) and the encoding the file was read in.
type Result struct {
	Counts   Counts
	Rejects  string
	Encoding string
}

// Check refuses a declaration that is incomplete or whose spec does not
// build (a misspelt column or field, say), naming the kind.
func (k *Kind) Check() error {
	if k.Name == "" || k.Name != strings.ToLower(k.Name) || strings.ContainsAny(k.Name, " /\\") {
		return fmt.Errorf("kind %q: the name must be a lower-case word", k.Name)
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("kind %s: "+format, append([]any{k.Name}, args...)...))
	}
	if k.Format != FormatCSV && k.Format != FormatXML {
		bad("format %q is not csv or xml", k.Format)
	}
	if k.Description == "" || k.Sync == "" {
		bad("a description and the full export's scope (Sync) are needed")
	}
	if len(k.Targets) == 0 || slices.Contains(k.Targets, nil) {
		bad("no target tables")
	}
	if !slices.Contains(k.Modes, k.DefaultMode) {
		bad("the default mode %q is not one of its modes %v", k.DefaultMode, k.Modes)
	}
	for _, a := range k.Aliases {
		if a != strings.ToLower(a) || a == "" {
			bad("alias %q is not a lower-case word", a)
		}
	}
	if k.Run == nil {
		bad("no run function")
	}
	n := NewNames(k.Name, nil)
	for _, t := range k.Targets {
		if t != nil {
			checkTarget(n, t)
		}
	}
	if k.Columns != nil {
		if err := k.Columns(); err != nil {
			errs = append(errs, err)
		}
	}
	if k.Spec != nil {
		spec, err := k.BuildSpec(Settings{})
		switch {
		case err != nil:
			errs = append(errs, err)
		case spec.Kind != k.Name:
			bad("its spec is named %q", spec.Kind)
		default:
			for _, t := range spec.Targets {
				if !slices.Contains(k.Targets, t) {
					bad("its spec writes %s, which is not among its targets", t.Table)
				}
			}
			for _, st := range spec.Sync {
				if !slices.Contains(spec.Targets, st.Target) {
					bad("its full export covers %s, which it does not write", st.Target.Table)
					continue
				}
				n.Cols(st.Target, st.Scope.Columns...)
			}
		}
	}
	errs = append(errs, n.Err())
	return errors.Join(errs...)
}

// checkTarget resolves the columns target t names besides its Columns:
// key, unique sets, workflow state and parent link (the engine and the
// store look them up by name).
func checkTarget(n *Names, t *bulk.Target) {
	n.Cols(t, t.Key...)
	for _, u := range t.Unique {
		n.Cols(t, u...)
	}
	if t.State != "" {
		n.Col(t, t.State)
	}
	if t.Parent != nil {
		n.Cols(t, t.Parent.Columns...)
	}
}

// BuildSpec builds the kind's spec for one import: its name and targets
// are the declaration's unless the spec names its own.
func (k *Kind) BuildSpec(s Settings) (*Spec, error) {
	if k.Spec == nil {
		return nil, fmt.Errorf("kind %s has no record spec", k.Name)
	}
	spec, err := k.Spec(s)
	if err != nil {
		return nil, err
	}
	if spec.Kind == "" {
		spec.Kind = k.Name
	}
	if spec.Targets == nil {
		spec.Targets = slices.Clone(k.Targets)
	}
	return spec, nil
}

// Tables are the names of the kind's target tables.
func (k *Kind) Tables() []string {
	out := make([]string, len(k.Targets))
	for i, t := range k.Targets {
		out[i] = t.Table
	}
	return out
}

// RunCSV is the Run of a record kind in CSV: it decodes the file in the
// encoding decided, reads it as CSV and writes rejected rows as CSV in
// the same encoding and separator.
func RunCSV(ctx context.Context, tx *bulk.Tx, k *Kind, in Input) (Result, error) {
	res := Result{Encoding: in.Encoding}
	spec, err := k.BuildSpec(in.Settings)
	if err != nil {
		return res, err
	}
	dec, err := charset.NewReader(in.File, in.Encoding)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	src, err := NewCSVSource(&permanentReader{r: dec})
	if err != nil {
		return res, err
	}
	rej := NewCSVRejects(in.RejectsPath, in.Encoding, in.BOM, src.Comma(), src.Header())
	return Finish(res, rej)(Run(ctx, tx, spec, src, rej, in.Params))
}

// Finish completes a Run's result: on success it closes the rejects
// file (its path goes into the result), on error it removes it.
func Finish(res Result, rej Rejecter) func(Counts, error) (Result, error) {
	return func(c Counts, err error) (Result, error) {
		res.Counts = c
		if err != nil {
			rej.Abort()
			return res, err
		}
		res.Rejects, err = rej.Close()
		return res, err
	}
}

// permanentReader marks decoding errors (bytes invalid in the encoding) as
// the file's fault.
type permanentReader struct{ r io.Reader }

func (p *permanentReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("%w: decoding: %w", ErrPermanent, err)
	}
	return n, err
}
