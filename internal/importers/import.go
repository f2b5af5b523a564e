package importers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
	"go.uber.org/zap"

	"sestd/internal/importers/batch"
	"sestd/internal/importers/charset"
	"sestd/internal/importers/csvx"
	"sestd/internal/importers/sbeatmap"
	"sestd/internal/importers/uniapp"
	"sestd/internal/store"
	"sestd/internal/store/bulk"
)

// ErrPermanent is wrapped by every error that retrying cannot fix: an
// unknown kind, mode or encoding, a missing or unreadable file, bytes that
// do not decode, a header without a required column, XML that is not
// well-formed, too deeply nested or has a huge token, a value the database
// refuses as data (SQLSTATE classes 22 and 23). A job should cancel,
// not retry, on it. Other errors (database, disk) are transient.
var ErrPermanent = batch.ErrPermanent

// ErrRemovalGuard is wrapped (with ErrPermanent) by the refusal of a full
// export that would remove more than Options.MaxRemoveShare of its scope.
var ErrRemovalGuard = batch.ErrRemovalGuard

// Mappings translate S-BEAT's deprecated columns (ABSCHL, HZBART) and STG
// codes.
type Mappings = sbeatmap.Mappings

// LoadMappings reads an S-BEAT mappings file laid over the shipped
// defaults; "" returns the defaults.
func LoadMappings(path string) (*Mappings, error) { return sbeatmap.Load(path) }

// StatusRule is a row of the bearbeitungsstatus table: who may set a
// Bearbeitungsstatus and leave it (Sestco's sest_in, sest_out, uni_in,
// uni_out).
type StatusRule = uniapp.StatusRule

// Options configure one import. The zero value of each field means its
// default.
type Options struct {
	// Kind of the file; required (see DetectKind).
	Kind Kind
	// Mode: sync, create, update, remove or upsert, one of the kind's
	// modes; empty: the kind's default (DefaultModes, else the
	// declaration's, sync).
	Mode Mode
	// DefaultModes overrides the default mode per kind (config
	// import.modes).
	DefaultModes map[Kind]Mode
	// MaxRemoveShare (sync): a file that would remove more than this share
	// of the stored rows of its scope is refused unless Force (default
	// 0.10).
	MaxRemoveShare float64
	// Encoding: auto (default: valid UTF-8 throughout, else windows-1252
	// when the file holds no UTF-8 character; UTF-16 by its BOM), utf8,
	// windows-1252, cp437, ascii, latin_1, utf-16le, utf-16be or utf-16
	// (the order of the BOM). XML kinds use the document's declaration unless an
	// encoding is given here. A file that no encoding reads correctly is
	// refused (see charset.Sniffer.Decide).
	Encoding string
	// TrustEncoding reads a file in the single-byte encoding given
	// although it holds sequences that look like UTF-8: the rare file
	// whose windows-1252 text really reads "Ã¼".
	TrustEncoding bool
	// Force imports a file again although the same bytes were imported
	// with the same kind and mode before, and lets a full export remove
	// more than MaxRemoveShare of its scope.
	Force bool
	// DoneInAnyMode (the inbox scan's imports): a file whose bytes were
	// imported before with the same kind in any mode is not imported
	// again (unless Force), so that a file an operator imported by hand in
	// one mode, left in the inbox, is not imported again in the default.
	DoneInAnyMode bool
	// Cancelled tells, once ctx has ended, whether an operator cancelled
	// the import (no retry comes) rather than sestd stopping (a retry of
	// the job comes unless LastAttempt). Nil: sestd stopped.
	Cancelled func(context.Context) bool
	// LastAttempt: no retry follows should sestd stop during the import.
	LastAttempt bool
	// FileName is recorded in import_runs and names the rejects file
	// (default: the base name of the path).
	FileName string
	// RejectsDir receives the rejects file (default: the file's
	// directory). Created 0700 when missing.
	RejectsDir string
	// BatchSize is the rows written per COPY-and-merge (default 5000).
	BatchSize int
	// AllowedAbschlussarten restricts S-BEAT courses of study; empty
	// allows all.
	AllowedAbschlussarten []string
	// Mappings for S-BEAT's deprecated columns; nil: shipped defaults.
	Mappings *Mappings
	// Bearbeitungsstatus overrides the status rules per status
	// (uni_bewerbungen).
	Bearbeitungsstatus map[string]StatusRule
	// InterfaceVersion of the Servicestelle (uni_bewerbungen: the
	// statuses it knows); 0 means the newest.
	InterfaceVersion int
	// Verfahren is the eKVV allocation procedure the courses belong to
	// (default: the course's semester id).
	Verfahren string
	// EVUWindow is the FS person EVU rule's window (default 14 days): an
	// EVU student with course dates is imported when the course starts
	// within the window or ended less than the window ago.
	EVUWindow time.Duration
	// Now is the clock for the EVU rule (default time.Now).
	Now func() time.Time
	// Location is the zone of timestamps without one (default
	// Europe/Berlin, UTC when the zone database is missing).
	Location *time.Location
	// MaxXMLDepth and MaxXMLTokenBytes bound XML input (defaults 64 and
	// 1 MiB); beyond them the file is refused.
	MaxXMLDepth      int
	MaxXMLTokenBytes int

	bom bool // the file starts with a UTF-8 BOM (set by Import)
}

// Progress is reported after every batch. BytesRead of BytesTotal tells
// how far through the file the import is.
type Progress struct {
	RunID      int64 `json:"run_id"`
	Kind       Kind  `json:"kind"`
	BytesRead  int64 `json:"bytes_read"`
	BytesTotal int64 `json:"bytes_total"`
	Read       int64 `json:"read"`
	Created    int64 `json:"created"`
	Updated    int64 `json:"updated"`
	Removed    int64 `json:"removed"`
	Rejected   int64 `json:"rejected"`
	Skipped    int64 `json:"skipped"`
}

// Summary is the outcome of an import, as recorded in import_runs.
type Summary struct {
	RunID    int64  `json:"run_id"`
	Kind     Kind   `json:"kind"`
	Mode     Mode   `json:"mode"`
	File     string `json:"file"`
	SHA256   string `json:"sha256"`
	Encoding string `json:"encoding"`
	store.ImportCounts
	// MissingFile lists the missing rows (sync, university applications:
	// stored rows the file lacks, kept).
	MissingFile string `json:"missing_file,omitempty"`
	// Note explains an unusual outcome (a full export's removals left out).
	Note string `json:"note,omitempty"`
	// Duration is recorded as duration_seconds.
	Duration time.Duration `json:"-"`
	// Status: succeeded, partial (some rows rejected) or failed.
	Status store.ImportStatus `json:"status"`
	// Error says why a failed import failed.
	Error string `json:"error,omitempty"`
	// RejectsFile is the path of the rejects file, "" when none;
	// RejectsEncoding its encoding.
	RejectsFile     string `json:"rejects_file,omitempty"`
	RejectsEncoding string `json:"rejects_encoding,omitempty"`
	// AlreadyImported: the same file was imported before with this kind
	// and mode (run RunID); nothing was done. PreviousFile is the name the
	// bytes had then (a copy may have another), PreviousAt when that run
	// ended.
	AlreadyImported bool      `json:"already_imported,omitempty"`
	PreviousFile    string    `json:"previous_file,omitempty"`
	PreviousAt      time.Time `json:"previous_at,omitzero"`
}

func (o Options) withDefaults(path string) (Options, error) {
	if o.Kind == "" {
		return o, fmt.Errorf("%w: no kind given for %s", ErrPermanent, filepath.Base(path))
	}
	k, err := ParseKind(string(o.Kind))
	if err != nil {
		return o, err
	}
	o.Kind = k
	if o.Mode, err = ParseMode(string(o.Mode)); err != nil {
		return o, err
	}
	if o.Mode == "" {
		o.Mode = DefaultMode(k, o.DefaultModes)
	}
	if err := CheckMode(k, o.Mode); err != nil {
		return o, err
	}
	if o.MaxRemoveShare <= 0 {
		o.MaxRemoveShare = 0.10
	}
	if o.Encoding, err = charset.Normalize(o.Encoding); err != nil {
		return o, fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	if o.FileName == "" {
		o.FileName = filepath.Base(path)
	}
	if o.RejectsDir == "" {
		o.RejectsDir = filepath.Dir(path)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 5000
	}
	if o.EVUWindow <= 0 {
		o.EVUWindow = 14 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		if loc, err := time.LoadLocation("Europe/Berlin"); err == nil {
			o.Location = loc
		} else {
			o.Location = time.UTC
		}
	}
	if o.MaxXMLDepth <= 0 {
		o.MaxXMLDepth = 64
	}
	if o.MaxXMLTokenBytes <= 0 {
		o.MaxXMLTokenBytes = 1 << 20
	}
	return o, nil
}

// settings are what the kinds read of o.
func (o Options) settings() batch.Settings {
	return batch.Settings{Location: o.Location, Mappings: o.Mappings, AllowedAbschlussarten: o.AllowedAbschlussarten,
		Bearbeitungsstatus: o.Bearbeitungsstatus, InterfaceVersion: o.InterfaceVersion, Verfahren: o.Verfahren,
		EVUWindow: o.EVUWindow, Now: o.Now, MaxXMLDepth: o.MaxXMLDepth, MaxXMLTokenBytes: o.MaxXMLTokenBytes}
}

// Import imports the file at path into the database in one transaction:
// all of its valid rows or nothing. It records the run in import_runs
// (status running, then succeeded, partial or failed, see finalStatus),
// writes rejected rows with their line and reason to a rejects file, calls
// progress (if not nil) after every batch, and returns the summary. A file
// whose bytes were imported before with the same kind and mode returns a
// Summary with AlreadyImported set and nil error, unless opts.Force.
// Errors wrap ErrPermanent when the file is at fault; others are
// transient. Import returns when ctx is cancelled (the transaction is
// rolled back and the run recorded as interrupted).
func Import(ctx context.Context, st *store.Store, path string, opts Options, log *zap.Logger, progress func(Progress)) (Summary, error) {
	start := time.Now()
	if log == nil {
		log = zap.NewNop()
	}
	o, err := opts.withDefaults(path)
	sum := Summary{Kind: o.Kind, Mode: o.Mode, File: o.FileName, Encoding: o.Encoding}
	if err != nil {
		return sum, err
	}
	f, err := os.Open(path)
	if err != nil {
		return sum, fmt.Errorf("%w: opening %s: %w", ErrPermanent, path, err)
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return sum, fmt.Errorf("%w: %s is not a regular file", ErrPermanent, path)
	}

	// First pass: hash and sniff the encoding, streaming.
	h := sha256.New()
	sniff := &charset.Sniffer{Name: o.FileName}
	if _, err := io.Copy(io.MultiWriter(h, sniff), f); err != nil {
		return sum, fmt.Errorf("reading %s: %w", path, err)
	}
	sum.SHA256 = hex.EncodeToString(h.Sum(nil))
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return sum, fmt.Errorf("rewinding %s: %w", path, err)
	}
	o.bom = sniff.BOM()
	enc, encErr := decideEncoding(sniff, o)

	tx, err := bulk.Begin(ctx, st, 0, kindTables(o.Kind)...)
	if err != nil {
		return sum, err
	}
	defer tx.Rollback(ctx)
	if !o.Force {
		mode := string(o.Mode)
		if o.DoneInAnyMode {
			mode = ""
		}
		prev, err := tx.ImportFindDone(ctx, sum.SHA256, string(o.Kind), mode)
		if err == nil {
			log.Info("import skipped: file imported before", zap.String("file", o.FileName),
				zap.String("kind", string(o.Kind)), zap.Int64("import_run_id", prev.ID))
			return Summary{RunID: prev.ID, Kind: o.Kind, Mode: o.Mode, File: o.FileName, SHA256: sum.SHA256,
				Encoding: prev.Encoding, Status: prev.Status, RejectsFile: prev.RejectsPath, RejectsEncoding: prev.RejectsEncoding,
				AlreadyImported: true, PreviousFile: prev.FileName, PreviousAt: prevAt(prev), Duration: time.Since(start)}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return sum, err
		}
	}
	runID, err := st.ImportRunStart(ctx, store.ImportRun{Kind: string(o.Kind), Mode: string(o.Mode),
		FileName: o.FileName, SHA256: sum.SHA256, Encoding: o.Encoding, Forced: o.Force})
	if err != nil {
		return sum, err
	}
	tx.SetRunID(runID)
	sum.RunID = runID
	// We hold the kind's lock: a run of the kind still "running" is dead.
	if n, err := st.ImportRunEndDead(ctx, string(o.Kind), sum.SHA256, string(o.Mode), runID); err != nil {
		return sum, err
	} else if n > 0 {
		log.Info("import runs of a process that died marked interrupted", zap.Int64("runs", n))
	}
	log = log.With(zap.Int64("import_run_id", runID), zap.String("kind", string(o.Kind)), zap.String("file", o.FileName))

	var counts batch.Counts
	rejects := ""
	missing := &missingReport{path: reportPath(o.RejectsDir, o.FileName, outputMissing, runID)}
	if encErr != nil {
		err = encErr
	} else {
		in := &countingReader{r: f}
		var prog func(batch.Counts)
		if progress != nil {
			prog = func(c batch.Counts) {
				progress(Progress{RunID: runID, Kind: o.Kind, BytesRead: in.n.Load(), BytesTotal: sniff.Size(),
					Read: c.Read, Created: c.Created, Updated: c.Updated, Removed: c.Removed, Rejected: c.Rejected, Skipped: c.Skipped})
			}
		}
		counts, rejects, enc, err = runPasses(ctx, tx, f, in, enc, o, rejectsPath(o.RejectsDir, o.FileName, runID), missing, prog, log)
		err = classify(err)
	}
	sum.Encoding = enc
	sum.ImportCounts, sum.Note = counts.ImportCounts, counts.Note
	if note := ignoredNote(counts.Ignored, o.Kind); note != "" {
		log.Warn("columns of the file that are no columns of the kind were ignored", zap.Strings("columns", counts.Ignored), zap.String("note", note))
		sum.Note = strings.TrimSuffix(note+"; "+sum.Note, "; ")
	}
	sum.RejectsFile = rejects
	sum.MissingFile = missing.written
	if rejects != "" {
		sum.RejectsEncoding = rejectsEncoding(o.Kind, enc)
	}
	interrupted := false
	record := func() store.ImportRun {
		sum.Duration = time.Since(start)
		r := store.ImportRun{ID: runID, Status: sum.Status, Encoding: sum.Encoding, ImportCounts: sum.ImportCounts, Note: sum.Note,
			RejectsPath: sum.RejectsFile, RejectsEncoding: sum.RejectsEncoding,
			Duration: sum.Duration, Error: sum.Error, Interrupted: interrupted}
		return r
	}
	sum.Status = finalStatus(counts, err)
	if sum.Status != store.ImportFailed {
		// The outcome commits with the data.
		var d time.Duration
		if d, err = tx.ImportRunFinish(ctx, record()); err == nil {
			sum.Duration = d               // the recorded span, started_at to finished_at
			err = classify(tx.Commit(ctx)) // deferred constraints are checked here
		}
	}
	if err != nil {
		tx.Rollback(ctx)
		if sum.MissingFile != "" {
			_ = os.Remove(sum.MissingFile)
			sum.MissingFile = ""
		}
		sum.Status = store.ImportFailed
		interrupted = ctx.Err() != nil && !errors.Is(err, ErrPermanent)
		sum.Error = failureText(err, interruption(ctx, interrupted, o))
		// Rolled back: nothing was written. The rejects file stays only
		// when every row was rejected (it is the whole story then).
		sum.Created, sum.Updated, sum.Removed, sum.Skipped, sum.Unchanged, sum.Missing, sum.Note = 0, 0, 0, 0, 0, 0, ""
		if sum.RejectsFile != "" && !errors.Is(err, errAllRejected) {
			_ = os.Remove(sum.RejectsFile)
			sum.RejectsFile, sum.RejectsEncoding = "", ""
		}
		// Record the failure even when ctx was cancelled.
		finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if d, ferr := st.ImportRunFinish(finishCtx, record()); ferr == nil {
			sum.Duration = d
		}
		log.Warn("import failed", zap.Error(err), zap.Int64("read", sum.Read), zap.Bool("interrupted", interrupted))
		return sum, fmt.Errorf("importing %s as %s (import run %d): %w", o.FileName, o.Kind, runID, err)
	}
	log.Info("import done", zap.String("status", string(sum.Status)), zap.String("mode", string(o.Mode)), zap.Int64("read", sum.Read),
		zap.Int64("created", sum.Created), zap.Int64("updated", sum.Updated), zap.Int64("unchanged", sum.Unchanged),
		zap.Int64("removed", sum.Removed), zap.Int64("missing", sum.Missing), zap.String("missing_file", sum.MissingFile), zap.String("note", sum.Note),
		zap.Int64("rejected", sum.Rejected), zap.Int64("skipped", sum.Skipped), zap.Duration("duration", sum.Duration))
	return sum, nil
}

// prevAt is when run r ended (or started, should it have no end).
func prevAt(r store.ImportRun) time.Time {
	if r.FinishedAt != nil {
		return *r.FinishedAt
	}
	return r.StartedAt
}

// ignoredNote tells the operator which columns of the file were ignored,
// or "" when none.
func ignoredNote(cols []string, k Kind) string {
	switch len(cols) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("column %s is not a column of %s; ignored", cols[0], k)
	}
	return fmt.Sprintf("columns %s are not columns of %s; ignored", strings.Join(cols, ", "), k)
}

// runPasses runs the import as one pass over the file, optimistic about
// new keys (see bulk.Tx.BeginPass); when a key turns out to exist,
// the pass is undone and a second one checks the keys batch by batch.
func runPasses(ctx context.Context, tx *bulk.Tx, f io.Seeker, in *countingReader, sniff string, o Options,
	rejPath string, missing *missingReport, prog func(batch.Counts), log *zap.Logger) (batch.Counts, string, string, error) {
	for pass := 1; ; pass++ {
		if err := tx.BeginPass(ctx); err != nil {
			return batch.Counts{}, "", o.Encoding, err
		}
		counts, rejects, enc, err := runKind(ctx, tx, in, sniff, o, rejPath, missing, prog)
		if err == nil {
			err = allRejected(counts, rejects)
		}
		if err == nil {
			err = tx.EndPass(ctx)
		}
		if !errors.Is(err, bulk.ErrRestartChecked) || pass > 1 {
			if err != nil && rejects != "" && !errors.Is(err, errAllRejected) {
				_ = os.Remove(rejects)
				rejects = ""
			}
			return counts, rejects, enc, err
		}
		log.Info("import restarted: keys of the file exist already, so every batch is checked now", zap.Error(err))
		if rejects != "" {
			_ = os.Remove(rejects)
		}
		if err := tx.RestartChecked(ctx); err != nil {
			return batch.Counts{}, "", enc, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return batch.Counts{}, "", enc, fmt.Errorf("rewinding the file: %w", err)
		}
		in.n.Store(0)
	}
}

// runKind streams the file through the kind's Run. It returns the
// counts, the rejects file (written, "" when none), and the encoding used.
func runKind(ctx context.Context, tx *bulk.Tx, f io.Reader, sniff string, o Options, rejPath string,
	missing *missingReport, prog func(batch.Counts)) (batch.Counts, string, string, error) {
	k, ok := declared(o.Kind)
	if !ok {
		return batch.Counts{}, "", o.Encoding, fmt.Errorf("%w: unknown kind %q", ErrPermanent, o.Kind)
	}
	// sniff is decideEncoding's: for CSV as decided on the first pass;
	// for XML as given (the document's declaration then rules), UTF-16 as
	// found.
	res, err := k.Run(ctx, tx, k, batch.Input{File: f, Encoding: sniff, BOM: o.bom, RejectsPath: rejPath, Settings: o.settings(),
		Params: batch.Params{Mode: o.Mode, BatchSize: o.BatchSize, Loc: o.Location, Progress: prog,
			MaxRemoveShare: o.MaxRemoveShare, Force: o.Force, Missing: missing.write}})
	return res.Counts, res.Rejects, res.Encoding, err
}

// classify marks data errors the database raised (classes 22, data
// exception, and 23, integrity constraint violation: values a row check
// could not foresee) as permanent: the same file would fail again. Their
// text is put in a clerk's words, without the SQLSTATE.
func classify(err error) error {
	var pgErr *pgconn.PgError
	if err != nil && errors.As(err, &pgErr) &&
		(pgerrcode.IsDataException(pgErr.Code) || pgerrcode.IsIntegrityConstraintViolation(pgErr.Code)) {
		return &dataError{msg: describeDataError(pgErr), err: err}
	}
	return err
}

// dataError is a database's refusal of the file's data, told readably; it
// wraps ErrPermanent and the database's error.
type dataError struct {
	msg string
	err error
}

func (e *dataError) Error() string   { return e.msg }
func (e *dataError) Unwrap() []error { return []error{ErrPermanent, e.err} }

// describeDataError says what a data error of the database means for the
// file, naming the table, columns and values PostgreSQL reports.
func describeDataError(e *pgconn.PgError) string {
	table := e.TableName
	if table == "" {
		table = "the table"
	}
	detail := strings.TrimSuffix(strings.TrimSpace(e.Detail), ".")
	var what string
	switch e.Code {
	case pgerrcode.UniqueViolation:
		what = "two rows of the file (or a row and a stored one) have the same values where one row only may"
		if k, v, ok := keyDetail(detail); ok {
			what = fmt.Sprintf("%s = %s is given to two rows; one row only may have it", k, v)
		}
		if e.ConstraintName == "ranking_entry_rang_key" {
			what += " (two Bewerber share a Rang in one Rangliste)"
		}
	case pgerrcode.ForeignKeyViolation:
		what = "a row refers to a row that does not exist"
		if k, v, ok := keyDetail(detail); ok {
			what = fmt.Sprintf("a row refers to %s = %s, which does not exist", k, v)
		}
	case pgerrcode.NotNullViolation:
		what = fmt.Sprintf("column %s needs a value", e.ColumnName)
	case pgerrcode.CheckViolation:
		what = fmt.Sprintf("a value breaks the rule %s", e.ConstraintName)
	default:
		what = e.Message
		if e.ColumnName != "" {
			what += " (column " + e.ColumnName + ")"
		}
	}
	return fmt.Sprintf("the file's data cannot be stored in %s: %s", table, what)
}

// keyDetail reads PostgreSQL's "Key (a, b)=(x, y) already exists" detail.
func keyDetail(detail string) (cols, vals string, ok bool) {
	rest, found := strings.CutPrefix(detail, "Key (")
	if !found {
		return "", "", false
	}
	cols, rest, found = strings.Cut(rest, ")=(")
	if !found {
		return "", "", false
	}
	end := strings.LastIndex(rest, ")")
	if end < 0 {
		return "", "", false
	}
	return cols, rest[:end], true
}

// missingReport writes the stored rows a full export lacks but keeps
// (university applications) to <file>.missing.csv beside the rejects:
// table;key;note, UTF-8, created 0600.
type missingReport struct {
	path    string
	written string
}

func (m *missingReport) write(table string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	f, err := batch.CreatePrivate(m.path)
	if err != nil {
		return fmt.Errorf("writing the report of missing rows: %w", err)
	}
	w := csvx.NewWriter(f, ';')
	err = w.Write([]string{"table", "key", "note"})
	for _, k := range keys {
		if err == nil {
			err = w.Write([]string{table, k, "stored, absent from this full export: kept (not withdrawn at the Servicestelle)"})
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(m.path)
		return fmt.Errorf("writing the report of missing rows: %w", err)
	}
	m.written = m.path
	return nil
}

// countingReader counts the bytes read, for progress reports from the
// writer's goroutine.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
