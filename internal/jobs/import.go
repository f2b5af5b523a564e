package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"sestd/internal/fsutil"
	"sestd/internal/importers"
	"sestd/internal/store"
)

// ImportArgs imports one file. FileKind empty: detected from the path. The
// args hold a path and import options only, never file contents or
// personal data.
type ImportArgs struct {
	Path     string `json:"path"`
	FileKind string `json:"kind,omitempty"`
	Mode     string `json:"mode,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Force    bool   `json:"force,omitempty"`
	// TrustEncoding reads a file in the single-byte Encoding given
	// although it holds what looks like UTF-8.
	TrustEncoding bool `json:"trust_encoding,omitempty"`
	// RejectsDir receives the rejects file (default: beside the file).
	RejectsDir string `json:"rejects_dir,omitempty"`
	// FromInbox moves the file to processed/ or failed/ beside it when the
	// import is done (succeeded, or failed for good).
	FromInbox bool `json:"from_inbox,omitempty"`
}

// Kind implements river.JobArgs.
func (ImportArgs) Kind() string { return "import" }

// InsertOpts: imports run on their own queue; the same file is imported
// once at a time.
func (ImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueImport, MaxAttempts: 5, UniqueOpts: uniqueWhileActive()}
}

// ImportWorker runs ImportArgs.
type ImportWorker struct {
	river.WorkerDefaults[ImportArgs]
	deps     Deps
	mappings *importers.Mappings
}

// cliImportTimeout bounds an import worked by `sestd import` on a queue of
// its own: should that process die (SIGKILL) with the job running, River's
// rescuer ends the job once it is this old, instead of leaving it running
// forever on a queue no one works (where it would also block imports of
// the same file).
const cliImportTimeout = 12 * time.Hour

// Timeout lets a large import on the daemon's queue run as long as it
// needs; see cliImportTimeout for the CLI's.
func (w *ImportWorker) Timeout(job *river.Job[ImportArgs]) time.Duration {
	if job.Queue != QueueImport {
		return cliImportTimeout
	}
	return -1
}

// Work imports the file. A bad file (unknown kind, undecodable, refused
// XML) cancels the job: retrying cannot help. Database trouble is retried.
// The summary is the job's recorded output.
func (w *ImportWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	log := Logger(ctx)
	if !w.deps.LocalFiles {
		args, err := confineImport(w.deps.Config, job.Args)
		if err != nil {
			return river.JobCancel(err)
		}
		job.Args = args
	}
	sum, err := w.run(ctx, job.Args, job.Attempt >= job.MaxAttempts, log)
	if err != nil && !errors.Is(err, importers.ErrPermanent) {
		return err // transient: the file stays where it is for the retry
	}
	if job.Args.FromInbox {
		if moved := w.moveDone(ctx, job.Args.Path, err == nil, &sum, log); err != nil && len(moved) > 0 {
			err = movedError{err: err, moved: moved}
		}
	}
	if err != nil {
		return river.JobCancel(err)
	}
	return river.RecordOutput(ctx, sum)
}

// moveDone moves an inbox file to processed/ (ok) or failed/ with its
// rejects file and report of missing rows, also those an import by hand
// left beside it, and points the import runs' rejects_path (and sum) at
// where they went.
func (w *ImportWorker) moveDone(ctx context.Context, path string, ok bool, sum *importers.Summary, log *zap.Logger) map[string]string {
	f := importers.InboxFile{Path: path, Dir: filepath.Dir(path), Name: filepath.Base(path)}
	moved, merr := importers.MoveDone(f, ok, sum.RejectsFile, sum.MissingFile)
	if merr != nil {
		log.Error("moving the imported file out of the inbox", zap.Error(merr))
	}
	for from, to := range moved {
		switch from {
		case sum.RejectsFile:
			sum.RejectsFile = to
		case sum.MissingFile:
			sum.MissingFile = to
		}
		if err := w.deps.Store.ImportRunRejectsMoved(ctx, from, to); err != nil {
			log.Error("recording where the rejects file went", zap.String("from", from), zap.String("to", to), zap.Error(err))
		}
		log.Info("sestd's file of the import moved with it", zap.String("from", from), zap.String("to", to))
	}
	return moved
}

// movedError is an import's error whose text names the rejects file where
// it went after the error was made.
type movedError struct {
	err   error
	moved map[string]string
}

func (e movedError) Error() string {
	s := e.err.Error()
	for from, to := range e.moved {
		s = strings.ReplaceAll(s, from, to)
	}
	return s
}

func (e movedError) Unwrap() error { return e.err }

// InboxArgs scans the inbox and enqueues an import for each file waiting
// there.
type InboxArgs struct{}

// Kind implements river.JobArgs.
func (InboxArgs) Kind() string { return "inbox_scan" }

// InsertOpts keeps one scan queued or running.
func (InboxArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueImport, MaxAttempts: 3, UniqueOpts: uniqueWhileActive()}
}

// InboxWorker runs InboxArgs.
type InboxWorker struct {
	river.WorkerDefaults[InboxArgs]
	deps Deps
}

// inboxSettle is how long a file must be unchanged before it is imported:
// a file still being copied in is left for the next scan.
const inboxSettle = 2 * time.Second

// Work enqueues one import per settled file, also of a file whose kind
// cannot be told: that import fails and records why (see unknownKind).
func (w *InboxWorker) Work(ctx context.Context, _ *river.Job[InboxArgs]) error {
	log := Logger(ctx)
	dir := w.deps.Config.Import.InboxDir
	if err := fsutil.MkdirPrivate(dir); err != nil {
		return err
	}
	files, err := importers.ScanInbox(dir)
	if err != nil {
		return err
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("inbox scan needs its River client: %w", err)
	}
	queued := 0
	for _, f := range files {
		if time.Since(f.ModTime) < inboxSettle {
			continue
		}
		// A file whose kind cannot be told is queued too (without a
		// kind): its import fails like any other, so that the operator
		// sees it (import run, alert, incident mail) and it goes to
		// failed/.
		res, err := client.Insert(ctx, ImportArgs{Path: f.Path, FileKind: string(f.Kind), FromInbox: true, RejectsDir: f.ProcessedDir()}, nil)
		if err != nil {
			return fmt.Errorf("enqueueing the import of %s: %w", f.Name, err)
		}
		if !res.UniqueSkippedAsDuplicate {
			queued++
			log.Info("inbox file queued for import", zap.String("file", f.Name), zap.String("import_kind", string(f.Kind)), zap.Int64("import_job_id", res.Job.ID))
		}
	}
	if queued > 0 {
		log.Info("inbox scanned", zap.Int("files", len(files)), zap.Int("queued", queued))
	}
	return nil
}

func (w *ImportWorker) run(ctx context.Context, a ImportArgs, lastAttempt bool, log *zap.Logger) (importers.Summary, error) {
	if a.FileKind == "" && a.FromInbox {
		if _, kerr := importers.DetectKind(a.Path); kerr != nil {
			return importers.Summary{}, w.unknownKind(ctx, a.Path, log)
		}
	}
	opts, err := w.options(a)
	if err != nil {
		return importers.Summary{}, err
	}
	opts.LastAttempt = lastAttempt
	opts.Cancelled = func(ctx context.Context) bool {
		return errors.Is(context.Cause(ctx), rivertype.ErrJobCancelledRemotely)
	}
	log = log.With(zap.String("import_kind", string(opts.Kind)), zap.String("file", filepath.Base(a.Path)))
	last := time.Now()
	sum, err := importers.Import(ctx, w.deps.Store, a.Path, opts, log, func(p importers.Progress) {
		if time.Since(last) >= 5*time.Second {
			last = time.Now()
			log.Info("import progress", zap.Int64("run_id", p.RunID), zap.Int64("read", p.Read), zap.Int64("rejected", p.Rejected))
		}
	})
	if err != nil {
		return sum, err // names the file and the import run
	}
	rows := w.deps.Metrics.ImportRows
	for outcome, n := range map[string]int64{"created": sum.Created, "updated": sum.Updated, "unchanged": sum.Unchanged, "removed": sum.Removed,
		"missing": sum.Missing, "rejected": sum.Rejected, "skipped": sum.Skipped} {
		rows.WithLabelValues(string(sum.Kind), outcome).Add(float64(n))
	}
	if sum.AlreadyImported {
		log.Info("file imported before; nothing done (force to import again)", zap.Int64("run_id", sum.RunID))
		return sum, nil
	}
	log.Info("import finished", zap.Int64("run_id", sum.RunID), zap.String("status", string(sum.Status)), zap.Int64("read", sum.Read),
		zap.Int64("created", sum.Created), zap.Int64("updated", sum.Updated), zap.Int64("unchanged", sum.Unchanged),
		zap.Int64("removed", sum.Removed), zap.Int64("missing", sum.Missing), zap.String("missing_file", sum.MissingFile),
		zap.Int64("rejected", sum.Rejected), zap.Int64("skipped", sum.Skipped), zap.String("rejects_file", sum.RejectsFile),
		zap.Duration("duration", sum.Duration))
	return sum, nil
}

// unknownKindRun is the kind an import run of a file of unknown kind is
// recorded with.
const unknownKindRun = "unknown"

// unknownKind records an inbox file whose kind cannot be told as a failed
// import run, with the way to fix it, and returns the permanent error
// that cancels the job (so that the alert and the incident mail see it).
func (w *ImportWorker) unknownKind(ctx context.Context, path string, log *zap.Logger) error {
	name := filepath.Base(path)
	kinds := make([]string, 0, len(importers.Kinds()))
	for _, k := range importers.Kinds() {
		kinds = append(kinds, string(k.Kind))
	}
	reason := fmt.Sprintf("cannot tell the kind of %s: put it into inbox/<kind>/ or name it after its kind (%s)", name, strings.Join(kinds, ", "))
	sum, err := fileSHA256(path)
	if err != nil {
		return fmt.Errorf("%w: %s; %w", importers.ErrPermanent, reason, err)
	}
	id, err := w.deps.Store.ImportRunStart(ctx, store.ImportRun{Kind: unknownKindRun, Mode: string(importers.ModeSync), FileName: name, SHA256: sum})
	if err != nil {
		return err // transient: the retry records it
	}
	if _, err := w.deps.Store.ImportRunFinish(ctx, store.ImportRun{ID: id, Status: store.ImportFailed, Error: reason}); err != nil {
		return err
	}
	log.Warn("inbox file of unknown kind: import failed, file moved to failed/", zap.String("file", name), zap.Int64("import_run_id", id))
	return fmt.Errorf("%w: %s (import run %d)", importers.ErrPermanent, reason, id)
}

// fileSHA256 is the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", filepath.Base(path), err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// options turns args and config into importer options.
func (w *ImportWorker) options(a ImportArgs) (importers.Options, error) {
	cfg := w.deps.Config
	var kind importers.Kind
	var err error
	if a.FileKind != "" {
		kind, err = importers.ParseKind(a.FileKind)
	} else {
		kind, err = importers.DetectKind(a.Path)
	}
	if err != nil {
		return importers.Options{}, err
	}
	opts := importers.Options{
		Kind: kind, Encoding: a.Encoding, TrustEncoding: a.TrustEncoding, Force: a.Force, RejectsDir: a.RejectsDir,
		BatchSize: cfg.Import.BatchSize, AllowedAbschlussarten: cfg.Import.AllowedAbschlussarten,
		Mappings: w.mappings, Location: cfg.Servicestelle.Location(),
		InterfaceVersion: cfg.Servicestelle.InterfaceVersion,
		MaxRemoveShare:   cfg.Import.MaxRemovalShare,
		DoneInAnyMode:    a.FromInbox,
	}
	for k, m := range cfg.Import.Modes {
		if opts.DefaultModes == nil {
			opts.DefaultModes = map[importers.Kind]importers.Mode{}
		}
		opts.DefaultModes[importers.Kind(k)] = importers.Mode(m)
	}
	if opts.Encoding == "" && cfg.Import.Encoding != "auto" {
		opts.Encoding = cfg.Import.Encoding
	}
	if a.Mode != "" {
		if opts.Mode, err = importers.ParseMode(a.Mode); err != nil {
			return importers.Options{}, err
		}
	}
	if len(cfg.Sync.Bearbeitungsstatus) > 0 {
		opts.Bearbeitungsstatus = map[string]importers.StatusRule{}
		for status, r := range cfg.Sync.Bearbeitungsstatus {
			opts.Bearbeitungsstatus[status] = importers.StatusRule(r)
		}
	}
	return opts, nil
}

func registerImport(d Deps, k *Kit) error {
	mappings, err := importers.LoadMappings(d.Config.Import.MappingsFile)
	if err != nil {
		return fmt.Errorf("import.mappings_file: %w", err)
	}
	river.AddWorker(k.Workers, &ImportWorker{deps: d, mappings: mappings})
	river.AddWorker(k.Workers, &InboxWorker{deps: d})
	if err := k.addPeriodic("inbox_scan", d.Config.Sync.Schedules.Inbox, func() river.JobArgs { return InboxArgs{} }); err != nil {
		return err
	}
	k.Triggers["inbox_scan"] = Trigger{
		Help: "scan the import inbox now; no arguments",
		Args: func(raw json.RawMessage) (river.JobArgs, error) { return decodeArgs[InboxArgs](raw) },
	}
	k.Triggers["import"] = Trigger{
		Help: `import a file below import.inbox_dir (or import.allowed_dirs) on the server; {"path": "/var/lib/sestd/inbox/x.csv", "kind": "...", "mode": "sync|create|update|remove|upsert (default: import.modes, else sync)", "encoding": "...", "force": false}`,
		Args: importTrigger(d.Config),
	}
	return nil
}
