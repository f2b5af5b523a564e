package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/importers"
	"sestd/internal/store"
)

// RetentionArgs purges personal data that sestd no longer needs (see
// Retention). DryRun only reports what would go.
type RetentionArgs struct {
	DryRun bool `json:"dry_run,omitempty"`
}

// Kind implements river.JobArgs.
func (RetentionArgs) Kind() string { return "retention" }

// InsertOpts keeps one retention run queued or running.
func (RetentionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 3, UniqueOpts: uniqueWhileActive()}
}

// RetentionWorker runs RetentionArgs.
type RetentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	deps Deps
}

// Timeout lets a purge of a whole Vermittlungsprozess take its time.
func (w *RetentionWorker) Timeout(*river.Job[RetentionArgs]) time.Duration { return time.Hour }

// Work purges and records the report as the job's output.
func (w *RetentionWorker) Work(ctx context.Context, job *river.Job[RetentionArgs]) error {
	rep, err := Retention(ctx, w.deps, job.Args.DryRun, time.Now())
	if err != nil {
		return err
	}
	return river.RecordOutput(ctx, rep)
}

// RetentionReport says what a retention run purged (or, dry, would purge).
type RetentionReport struct {
	DryRun bool `json:"dry_run"`
	// PurgeAt is when the Vermittlungsprozess' data is due (zero: unknown);
	// Closed says it is due now and the whole of it went.
	PurgeAt time.Time `json:"purge_at"`
	Closed  bool      `json:"closed"`
	// Purged counts the applicants purged (dry: due); Subjects lists
	// their bewerberIds in a dry run only (a real run keeps no list).
	Purged   int      `json:"purged"`
	Subjects []string `json:"subjects,omitempty"`
	// Rows counts purged rows per table (upload_log_bodies: cleared
	// request/response bodies).
	Rows map[string]int64 `json:"rows"`
	// Files counts document files removed (dry: that would be removed).
	Files int `json:"files"`
	// Leftovers counts files of erased applicants found in the document
	// root although the database no longer refers to them (an erasure
	// interrupted between its commit and the files' removal), removed.
	Leftovers int `json:"leftovers"`
	// ExchangeFiles counts files of the closed Vermittlungsprozess removed
	// from export.dir and the import inbox (imported, failed and uploaded
	// files of the kinds that concern its applicants).
	ExchangeFiles int `json:"exchange_files"`
}

// retentionChunk bounds the applicants purged in one transaction.
const retentionChunk = 1000

// Retention purges what retention.* says is due at now:
//   - when the Vermittlungsprozess closed more than retention.after_close
//     ago, every applicant's data (mirror rows, documents, staging rows,
//     ranking entries, outbox items) and every upload-log body;
//   - else, with retention.purge_marked, the data of applicants the
//     Servicestelle marks for deletion.
//
// Purged applicants get a tombstone (the mirror does not take them back
// unless the Servicestelle changes them again). It logs counts only and
// records a purge in the audit log.
func Retention(ctx context.Context, d Deps, dryRun bool, now time.Time) (RetentionReport, error) {
	log := Logger(ctx)
	cfg := d.Config.Retention
	rep := RetentionReport{DryRun: dryRun, Rows: map[string]int64{},
		PurgeAt: cfg.PurgeAt(d.Config.Servicestelle.Vermittlungsprozess)}
	rep.Closed = !rep.PurgeAt.IsZero() && !now.Before(rep.PurgeAt)
	var (
		ids  []string
		opts store.EraseOptions
		err  error
	)
	switch {
	case rep.Closed:
		ids, err = d.Store.RetentionSubjects(ctx)
		opts = store.EraseOptions{Reason: store.TombstoneRetentionClosed, KeepUploadLog: true, SkipBodyScan: true}
	case cfg.PurgeMarked:
		ids, err = d.Store.RetentionMarked(ctx)
		opts = store.EraseOptions{Reason: store.TombstoneRetentionMarked, KeepUploadLog: true}
	}
	if err != nil {
		return rep, err
	}
	opts.DryRun = dryRun
	var files []string
	for i := 0; i < len(ids); i += retentionChunk {
		chunk := ids[i:min(i+retentionChunk, len(ids))]
		res, err := d.Store.SubjectErase(ctx, chunk, opts)
		if err != nil {
			return rep, err
		}
		for t, n := range res.Rows {
			rep.Rows[t] += n
		}
		files = append(files, res.Files...)
		rep.Purged += len(chunk)
		if dryRun {
			rep.Subjects = append(rep.Subjects, chunk...)
		}
	}
	if rep.Closed {
		n, err := d.Store.UploadLogClearBodies(ctx, dryRun)
		if err != nil {
			return rep, err
		}
		rep.Rows["upload_log_bodies"] += n
	}
	rep.Files = len(files)
	var ferr error
	if !dryRun {
		rep.Files, ferr = removeDocuments(d.Config.Sync.DocumentRoot, files)
	}
	if rep.Closed {
		ex, err := closedExchangeFiles(d)
		if err != nil {
			return rep, errors.Join(err, ferr)
		}
		rep.ExchangeFiles = len(ex)
		if !dryRun {
			n, err := removeFiles(ex)
			rep.ExchangeFiles, ferr = n, errors.Join(ferr, err)
		}
	}
	left, err := erasedLeftovers(ctx, d)
	if err != nil {
		return rep, errors.Join(err, ferr)
	}
	rep.Leftovers = len(left)
	if !dryRun && len(left) > 0 {
		n, err := removeDocuments(d.Config.Sync.DocumentRoot, left)
		rep.Leftovers, ferr = n, errors.Join(ferr, err)
	}
	fields := []zap.Field{zap.Bool("dry_run", dryRun), zap.Bool("closed", rep.Closed), zap.Int("subjects", rep.Purged),
		zap.Int("files", rep.Files), zap.Int("leftovers", rep.Leftovers), zap.Int("exchange_files", rep.ExchangeFiles)}
	for t, n := range rep.Rows {
		fields = append(fields, zap.Int64(t, n))
	}
	log.Info("retention", fields...)
	if !dryRun && rep.Purged > 0 {
		detail := map[string]any{"closed": rep.Closed, "subjects": rep.Purged, "rows": rep.Rows, "files": rep.Files}
		if err := d.Store.AuditInsert(ctx, "retention", AuditRetention, "", detail); err != nil {
			return rep, errors.Join(err, ferr)
		}
	}
	return rep, ferr
}

// erasedLeftovers lists files in the document root (names as
// DocumentFileName gives them: <bewerberId>_<dokumentId>.<ext>) of
// applicants with a tombstone that no dokument row refers to.
func erasedLeftovers(ctx context.Context, d Deps) ([]string, error) {
	root := d.Config.Sync.DocumentRoot
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the document root: %w", err)
	}
	owners := map[string][]string{} // possible bewerberId prefix → files
	var prefixes []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") {
			continue
		}
		for i := range len(name) {
			if name[i] == '_' {
				p := name[:i]
				if _, ok := owners[p]; !ok {
					prefixes = append(prefixes, p)
				}
				owners[p] = append(owners[p], name)
			}
		}
	}
	if len(prefixes) == 0 {
		return nil, nil
	}
	erased, err := d.Store.SubjectErased(ctx, prefixes)
	if err != nil || len(erased) == 0 {
		return nil, err
	}
	known, err := d.Store.DokumentPaths(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for id := range erased {
		for _, f := range owners[safePart(id)] {
			if !known[f] {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// closedExchangeFiles lists the files a closed Vermittlungsprozess leaves:
// everything in export.dir, and in the import inbox the files already
// handled (processed/, failed/, uploads/) of the kinds whose files concern
// the applicants of one Vermittlungsprozess (KindInfo.PerVermittlungsprozess;
// S-BEAT, eKVV and FS files concern students).
func closedExchangeFiles(d Deps) ([]string, error) {
	var out []string
	walk := func(dir string, keep func(path string) bool) error {
		err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.Type().IsRegular() && keep(path) {
				out = append(out, path)
			}
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if err := walk(d.Config.Export.Dir, func(string) bool { return true }); err != nil {
		return nil, fmt.Errorf("listing export.dir: %w", err)
	}
	inbox := d.Config.Import.InboxDir
	err := walk(inbox, func(path string) bool {
		rel, err := filepath.Rel(inbox, path)
		if err != nil {
			return false
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		handled, kind := false, importers.Kind("")
		for _, p := range parts[:len(parts)-1] {
			switch p {
			case "processed", "failed", "uploads":
				handled = true
			default:
				if k, err := importers.ParseKind(p); err == nil {
					kind = k
				}
			}
		}
		if kind == "" {
			kind, _ = importers.DetectKind(path)
		}
		info, ok := importers.Lookup(kind)
		return handled && ok && info.PerVermittlungsprozess
	})
	if err != nil {
		return nil, fmt.Errorf("listing import.inbox_dir: %w", err)
	}
	return out, nil
}

// removeFiles deletes absolute paths; files already gone are fine.
func removeFiles(paths []string) (int, error) {
	var errs []error
	n := 0
	for _, p := range paths {
		switch err := os.Remove(p); {
		case err == nil:
			n++
		case errors.Is(err, fs.ErrNotExist):
		default:
			errs = append(errs, fmt.Errorf("removing file: %w", err))
		}
	}
	return n, errors.Join(errs...)
}

func registerRetention(d Deps, k *Kit) error {
	river.AddWorker(k.Workers, &RetentionWorker{deps: d})
	if err := k.addPeriodic("retention", d.Config.Sync.Schedules.Retention, func() river.JobArgs { return RetentionArgs{} }); err != nil {
		return err
	}
	k.Triggers["retention"] = Trigger{
		Help: `purge personal data due under retention.*; {"dry_run": true} only reports what would go`,
		Args: func(raw json.RawMessage) (river.JobArgs, error) { return decodeArgs[RetentionArgs](raw) },
	}
	return nil
}
