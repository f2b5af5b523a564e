// Package batch is the import machinery shared by sestd's importers, after
// Kofa's batch processors: a kind declares its fields (location, required,
// optional) and converts a record into rows for its target tables; the
// engine streams records from a Source, applies the mode (create, update,
// remove; upsert), writes valid rows in batches through the store's
// COPY-and-merge, and sends every rejected record, with its line and
// reason, to a Rejecter. Memory is bounded by the batch size, not the
// file size.
package batch

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"sestd/internal/store"
	"sestd/internal/store/bulk"
)

// ErrPermanent marks failures that retrying cannot fix: the file is
// unreadable, undecodable, lacks a required column, or exceeds a limit.
var ErrPermanent = errors.New("permanent import failure")

// Record is one record of a file: CSV line or XML element. Names are the
// column (attribute) names as they stand in the file, Values aligned with
// them. Err set means the record could not be parsed; it is rejected.
type Record struct {
	Line   int64
	Tag    string
	Names  []string
	Values []string
	Err    error
	seq    int64 // position in the file, unique per import
}

// Source yields records; Next returns io.EOF at the end. An error other
// than io.EOF ends the import as a bad file.
type Source interface {
	Next() (Record, error)
	// FixedNames reports whether all records share the names of the first
	// (a CSV header), so that required columns are checked once.
	FixedNames() bool
}

// Rejecter receives rejected records. Close finishes the rejects file and
// returns its path ("" when nothing was rejected).
type Rejecter interface {
	Reject(rec Record, reason string) error
	Close() (string, error)
	Abort()
}

// Out is one row a record produces for one target. Companion rows (e.g. a
// student's identity delivered in the students file) are upserted after
// the batch's main rows, only for records that were not rejected, and not
// at all in remove mode.
type Out struct {
	Values    *Values
	Companion bool
	held      bool // a suspect of a staged full export (see engine.suspect)
}

// Spec declares a kind.
type Spec struct {
	Kind   string
	Fields []Field
	// Targets in the order rows are written (reversed for remove).
	Targets []*bulk.Target
	// CheckNames may add header checks beyond required fields (e.g. one of
	// two alternative columns); has reports whether field f is present.
	CheckNames func(has func(f int) bool, mode Mode) error
	// Convert turns the record in c into rows (c.Fail rejects, c.Skip
	// skips).
	Convert func(c *Conv) []Out
	// BeforeFlush runs before a batch is written, with the mode and the
	// batch's rows.
	BeforeFlush func(ctx context.Context, tx *bulk.Tx, mode Mode, outs []Out) error
	// Transitions, when not nil, are the only allowed State changes.
	Transitions []bulk.Transition
	// Sync declares what a full export (mode sync) of this kind covers:
	// per target, its scope and what becomes of the stored rows of the
	// scope that the file lacks. Empty: sync is upsert.
	Sync []SyncTarget
}

// SyncTarget is a target's part in a full export.
type SyncTarget struct {
	Target *bulk.Target
	Scope  bulk.SyncScope
	// Report: absent rows stay and are reported (Params.Missing) instead
	// of removed.
	Report bool
	// Unguarded: the removal guard (Params.MaxRemoveShare) does not count
	// this target's removals: a file that replaces small lists whole (a
	// Rangliste) removes a large share of them in the normal course.
	Unguarded bool
}

// Counts are an import's numbers.
type Counts struct {
	store.ImportCounts
	// Note explains a full export's handling of absent rows when it is
	// not the usual one (removals left out).
	Note string
	// Ignored are the header's columns that are no column of the kind
	// (a typo, say), in file order: their values were not imported.
	Ignored []string
}

// Params are what Run needs besides the spec and the source.
type Params struct {
	Mode      Mode
	BatchSize int
	Loc       *time.Location
	// Progress, when set, is called after each batch with the counts so far.
	Progress func(Counts)
	// MaxRemoveShare (sync): a file that would remove more than this share
	// of the stored rows of its scope is refused, unless Force.
	MaxRemoveShare float64
	Force          bool
	// Missing (sync) receives the keys of the absent rows of a Report
	// target.
	Missing func(table string, keys []string) error
}

// ErrNoRows is wrapped (with ErrPermanent) by the refusal of a full
// export without data rows that would remove stored rows: forcing does
// not let it through.
var ErrNoRows = errors.New("a full export without rows")

// ErrRemovalGuard is wrapped (with ErrPermanent) by the refusal of a full
// export that would remove too much of its scope.
var ErrRemovalGuard = errors.New("refused by the removal guard")

type rejected struct {
	rec    Record
	reason string
}

// work is one batch: the records read, the rows they made, the records
// rejected before the database saw them, and the reader's counts.
type work struct {
	recs          []Record // in line order
	outs          []Out
	rejects       []rejected
	read, skipped int64
	slab          slab // the memory of recs' fields and outs' rows
	// seenRej (sync): rows of records rejected in conversion whose key
	// is known.
	seenRej []*Values
}

func (w *work) reset() {
	clear(w.recs)
	clear(w.outs)
	clear(w.rejects)
	clear(w.seenRej)
	w.recs, w.outs, w.rejects, w.seenRej = w.recs[:0], w.outs[:0], w.rejects[:0], w.seenRej[:0]
	w.read, w.skipped = 0, 0
	w.slab.reset()
}

// engine reads and converts records in the caller's goroutine and writes
// batches in a second one, so that parsing the next batch overlaps writing
// the last. The writer owns tx, the rejecter and the counts.
type engine struct {
	spec     *Spec
	p        Params
	tx       *bulk.Tx
	rej      Rejecter
	counts   Counts // writer's
	cur      *work
	keys     map[uint64]struct{}
	keyBuf   []uint64
	hash     maphash.Hash
	conv     Conv
	rec      Record // the record being converted
	rows     []bulk.Row
	dead     map[int64]bool
	idx      []int
	idxNames []string
	keyCols  map[*bulk.Target][][]int
	todo     chan *work
	free     chan *work
	done     chan error
	failed   atomic.Bool // the writer stopped on an error
	last     int64
	seq      int64
	// convMode is the mode conversions see: sync converts as upsert.
	convMode Mode
	syncOf   map[*bulk.Target]bool
	unkeyed  int64 // sync: records rejected before their key was read
	created  map[*bulk.Target]int64
	// staged (sync of a kind with one target that bulk.StagesWholeFile):
	// the target, staged whole and merged after the last batch; fileKeys
	// the hashes of its keys read so far, suspects the records whose key
	// hash was among them (a copy of each, for the rejects file), by
	// sequence number.
	staged   *bulk.Target
	fileKeys keySet
	suspects map[int64]suspect
	// direct: the staged target's table was empty (bulk.StageDirect):
	// suspects are held back from StageRows.
	direct bool
}

// Run imports src into tx according to spec and p. It returns the counts;
// errors wrapping ErrPermanent are the file's fault, others the database's
// or the rejects file's. Progress is called from a goroutine of Run's.
func Run(ctx context.Context, tx *bulk.Tx, spec *Spec, src Source, rej Rejecter, p Params) (Counts, error) {
	convMode := p.Mode
	if p.Mode == bulk.ModeSync {
		convMode = bulk.ModeUpsert
	}
	if p.BatchSize <= 0 {
		p.BatchSize = 5000
	}
	if p.Loc == nil {
		p.Loc = time.UTC
	}
	e := &engine{spec: spec, p: p, tx: tx, rej: rej, keys: map[uint64]struct{}{}, dead: map[int64]bool{},
		keyCols: map[*bulk.Target][][]int{},
		todo:    make(chan *work), free: make(chan *work, 2), done: make(chan error, 1),
		convMode: convMode, syncOf: map[*bulk.Target]bool{}, created: map[*bulk.Target]int64{}}
	for _, st := range spec.Sync {
		e.syncOf[st.Target] = true
	}
	if p.Mode == bulk.ModeSync && len(spec.Targets) == 1 && e.syncOf[spec.Targets[0]] && bulk.StagesWholeFile(spec.Targets[0]) {
		e.staged = spec.Targets[0]
		e.suspects = map[int64]suspect{}
		direct, err := tx.StageDirect(ctx, e.staged)
		if err != nil {
			return Counts{}, err
		}
		e.direct = direct
		e.fileKeys.withLines = direct
	}
	e.free <- &work{}
	e.free <- &work{}
	e.cur = <-e.free
	go e.writer(ctx)
	err := e.read(ctx, src)
	if err == nil {
		err = e.handoff()
	}
	close(e.todo)
	werr := <-e.done
	// The writer's error explains a stop; a bad file stays a bad file.
	if werr != nil && (err == nil || errors.Is(err, errWriterFailed) || !errors.Is(err, ErrPermanent)) {
		err = werr
	}
	if err == nil && e.staged != nil {
		err = e.finishStaged(ctx)
	}
	if err == nil && p.Mode == bulk.ModeSync {
		err = e.finishSync(ctx)
	}
	return e.counts, err
}

// finishSync handles the stored rows of the file's scope that the file
// lacks: the removal guard first, then each target's rule (removed, or
// reported). When a record was rejected before its key could be read,
// nothing is removed: the row it meant to keep cannot be told.
func (e *engine) finishSync(ctx context.Context) error {
	if len(e.spec.Sync) == 0 {
		return nil
	}
	type absent struct{ scope, n int64 }
	found := make([]absent, len(e.spec.Sync))
	var scope, remove, total int64
	var what []string
	for i, st := range e.spec.Sync {
		s, n, err := e.tx.SyncAbsent(ctx, st.Target, st.Scope)
		if err != nil {
			return err
		}
		found[i] = absent{s, n}
		if !st.Report && n > 0 {
			total += n
			if !st.Unguarded {
				// The rows the file created are in its scope now; the
				// guard weighs the removals against what was stored.
				s -= e.created[st.Target]
				scope += s
				remove += n
				what = append(what, fmt.Sprintf("%d of the %d stored %s rows", n, s, st.Target.Table))
			}
		}
	}
	if total > 0 && e.counts.Read == 0 {
		// Not even forced: a file without rows is a broken export (cut
		// off, unreadable line ends), never a wish to empty a table.
		return fmt.Errorf("%w: %w: the file holds no data rows, and as a full export it would remove all %d stored rows of its scope; nothing removed (is it empty or cut off? check its line ends)",
			ErrPermanent, ErrNoRows, total)
	}
	if total > 0 && e.unkeyed > 0 {
		e.counts.Note = fmt.Sprintf("%d stored rows absent from the file were kept: %d records were rejected before their key could be read, so the rows they meant cannot be told; fix them and import the file again",
			total, e.unkeyed)
		total, remove = 0, 0
	}
	if remove > 0 && !e.p.Force && float64(remove) > e.p.MaxRemoveShare*float64(scope) {
		return fmt.Errorf("%w: %w: this full export lacks %s of its scope (%.0f %%; import.max_removal_share allows %.0f %%): "+
			"is the file truncated? If the rows are meant to go, import the file again forced (sestd import --force, or force=true on upload)",
			ErrPermanent, ErrRemovalGuard, strings.Join(what, ", "), 100*float64(remove)/float64(scope), 100*e.p.MaxRemoveShare)
	}
	for i := len(e.spec.Sync) - 1; i >= 0; i-- { // children before parents
		st := e.spec.Sync[i]
		if found[i].n == 0 {
			continue
		}
		if st.Report {
			keys, err := e.tx.SyncMissing(ctx, st.Target, st.Scope)
			if err != nil {
				return err
			}
			e.counts.Missing += int64(len(keys))
			if e.p.Missing != nil {
				if err := e.p.Missing(st.Target.Table, keys); err != nil {
					return err
				}
			}
			continue
		}
		if total == 0 {
			continue
		}
		n, err := e.tx.SyncRemove(ctx, st.Target, st.Scope)
		if err != nil {
			return err
		}
		e.counts.Removed += n
	}
	return nil
}

var errWriterFailed = errors.New("writer failed")

// writer writes the batches handed over until todo is closed; after an
// error it drains without writing and reports the error on done.
func (e *engine) writer(ctx context.Context) {
	var err error
	for w := range e.todo {
		if err == nil {
			if err = e.write(ctx, w); err != nil {
				e.failed.Store(true)
			}
		}
		w.reset()
		e.free <- w
	}
	e.done <- err
}

// handoff gives the current batch to the writer and takes a fresh one. It
// returns errWriterFailed when the writer has stopped on an error.
func (e *engine) handoff() error {
	if e.failed.Load() {
		return errWriterFailed
	}
	if len(e.cur.recs) == 0 && len(e.cur.rejects) == 0 && e.cur.read == 0 && len(e.cur.seenRej) == 0 {
		return nil
	}
	e.todo <- e.cur
	clear(e.keys)
	e.cur = <-e.free
	return nil
}

func (e *engine) read(ctx context.Context, src Source) error {
	checked := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			return e.checkHeaderOnly(src, checked)
		}
		if err != nil {
			if errors.Is(err, ErrPermanent) {
				return err
			}
			return fmt.Errorf("%w: reading record after line %d: %w", ErrPermanent, e.last, err)
		}
		e.last = rec.Line
		e.cur.read++
		e.seq++
		rec.seq = e.seq
		if rec.Err != nil {
			e.reject(rec, rec.Err.Error())
			e.unkeyed++
			continue
		}
		if !e.sameNames(rec.Names) {
			e.mapNames(rec.Names)
			if src.FixedNames() && !checked {
				if err := e.checkNames(); err != nil {
					return err
				}
				checked = true
			}
		}
		if src.FixedNames() && len(rec.Values) != len(rec.Names) {
			e.reject(rec, fmt.Sprintf("%d fields where the header has %d", len(rec.Values), len(rec.Names)))
			e.unkeyed++
			continue
		}
		if err := e.add(rec); err != nil {
			return err
		}
	}
}

// add converts rec into the current batch. A record whose rows share a
// key with a row of the batch starts a new batch (the database must see
// the first before the second); it is converted again there, so that its
// rows live in the new batch's memory.
func (e *engine) add(rec Record) error {
	for attempt := 0; ; attempt++ {
		w := e.cur
		// The source may reuse rec.Values: the batch keeps a copy.
		vals := w.slab.fields.take(len(rec.Values))
		copy(vals, rec.Values)
		e.rec = rec
		e.rec.Values = vals
		c := &e.conv
		*c = Conv{Mode: e.convMode, Rec: &e.rec, Loc: e.p.Loc, spec: e.spec, idx: e.idx, slab: &w.slab}
		outs := e.spec.Convert(c)
		switch {
		case c.err != "":
			e.reject(e.rec, c.err)
			if e.p.Mode == bulk.ModeSync {
				e.keepRejectedKeys(outs)
			}
			return nil
		case c.skip != "":
			w.skipped++
			return nil
		}
		keys := e.keyBuf[:0]
		for _, o := range outs {
			if e.p.Mode == bulk.ModeRemove && o.Companion {
				continue
			}
			keys = e.rowKeys(keys, o.Values)
		}
		e.keyBuf = keys
		collide := false
		for _, k := range keys {
			if _, dup := e.keys[k]; dup {
				collide = true
				break
			}
		}
		if collide && attempt == 0 {
			if err := e.handoff(); err != nil {
				return err
			}
			continue
		}
		for _, k := range keys {
			e.keys[k] = struct{}{}
		}
		if e.staged != nil {
			e.suspect(keys, outs)
		}
		w.recs = append(w.recs, e.rec)
		w.outs = append(w.outs, outs...)
		if len(w.recs) >= e.p.BatchSize {
			return e.handoff()
		}
		return nil
	}
}

// keepRejectedKeys records, for a full export, the keyed rows of a record
// rejected in conversion (so that its stored rows count as in the file),
// or counts the record as unkeyed.
func (e *engine) keepRejectedKeys(outs []Out) {
	keyed := false
	for _, o := range outs {
		t := o.Values.Target
		if o.Companion || !e.syncOf[t] {
			continue
		}
		if slices.ContainsFunc(t.Key, func(k string) bool { return o.Values.Row.Values[t.Col(k)].IsNull() }) {
			continue
		}
		e.cur.seenRej = append(e.cur.seenRej, o.Values)
		keyed = true
		if t == e.staged {
			e.fileKeys.add(e.rowKeys(e.keyBuf[:0], o.Values)[0], e.rec.Line)
		}
	}
	if !keyed {
		e.unkeyed++
	}
}

// reject rejects rec in the current batch, keeping a copy of its fields
// (the source may reuse them).
func (e *engine) reject(rec Record, reason string) {
	vals := e.cur.slab.fields.take(len(rec.Values))
	copy(vals, rec.Values)
	rec.Values = vals
	e.cur.rejects = append(e.cur.rejects, rejected{rec: rec, reason: reason})
}

// rowKeys appends the dedup keys of a row to keys: hashes of its
// target's key and unique column sets. Two keys hashing alike cost an
// early batch end, never a wrong result: the database decides.
func (e *engine) rowKeys(keys []uint64, v *Values) []uint64 {
	t := v.Target
	sets, ok := e.keyCols[t]
	if !ok {
		for _, set := range append([][]string{t.Key}, t.Unique...) {
			idx := make([]int, len(set))
			for i, col := range set {
				idx[i] = t.Col(col)
			}
			sets = append(sets, idx)
		}
		e.keyCols[t] = sets
	}
	h := &e.hash
	for si, set := range sets {
		if si > 0 && slices.ContainsFunc(set, func(i int) bool { return v.Row.Values[i].IsNull() }) {
			continue // NULLs never collide
		}
		h.Reset()
		h.WriteString(t.Table)
		h.WriteByte(byte(si))
		for _, i := range set {
			v.Row.Values[i].WriteHash(h)
		}
		keys = append(keys, h.Sum64())
	}
	return keys
}

// write writes one batch: its rows through the store's merge (targets in
// order, companions after), then every rejected record in line order.
func (e *engine) write(ctx context.Context, w *work) error {
	e.counts.Read += w.read
	e.counts.Skipped += w.skipped
	for _, st := range e.spec.Sync {
		rows := e.rows[:0]
		for _, v := range w.seenRej {
			if v.Target == st.Target {
				rows = append(rows, v.Row)
			}
		}
		e.rows = rows
		var err error
		if st.Target == e.staged {
			err = e.tx.StageRows(ctx, st.Target, rows, true)
		} else {
			err = e.tx.SyncSeenRejected(ctx, st.Target, rows)
		}
		if err != nil {
			return err
		}
		clear(rows)
	}
	if len(w.outs) > 0 {
		if e.spec.BeforeFlush != nil {
			if err := e.spec.BeforeFlush(ctx, e.tx, e.p.Mode, w.outs); err != nil {
				return err
			}
		}
		targets := slices.Clone(e.spec.Targets)
		if e.p.Mode == bulk.ModeRemove {
			slices.Reverse(targets)
		}
		dead := e.dead
		clear(dead)
		opts := bulk.MergeOptions{Transitions: e.spec.Transitions}
		for _, companion := range []bool{false, true} {
			if companion && e.p.Mode == bulk.ModeRemove {
				break
			}
			for _, t := range targets {
				rows := e.rows[:0]
				for _, o := range w.outs {
					if o.held {
						continue // StageMerge checks and writes it
					}
					if o.Companion == companion && o.Values.Target == t && !dead[o.Values.Row.Line] {
						rows = append(rows, o.Values.Row)
					}
				}
				e.rows = rows
				if len(rows) == 0 {
					continue
				}
				mode := e.p.Mode
				if mode == bulk.ModeSync && !e.syncOf[t] {
					mode = bulk.ModeUpsert
				}
				if companion {
					mode = bulk.ModeUpsert
				}
				if t == e.staged && !companion {
					// Merged after the last batch (finishStaged).
					err := e.tx.StageRows(ctx, t, rows, false)
					clear(rows)
					if err != nil {
						return err
					}
					continue
				}
				res, err := e.tx.Merge(ctx, t, mode, rows, opts)
				clear(rows)
				if err != nil {
					return err
				}
				if !companion {
					e.created[t] += res.Created
					e.counts.Created += res.Created
					e.counts.Updated += res.Updated
					e.counts.Unchanged += res.Unchanged
					e.counts.Removed += res.Removed
				}
				for _, r := range res.Rejected {
					dead[r.Line] = true
					if rec, ok := w.record(r.Line); ok {
						w.rejects = append(w.rejects, rejected{rec: rec, reason: r.Reason})
					}
				}
			}
		}
	}
	sort.SliceStable(w.rejects, func(i, j int) bool { return w.rejects[i].rec.seq < w.rejects[j].rec.seq })
	for _, r := range w.rejects {
		e.counts.Rejected++
		if err := e.rej.Reject(r.rec, r.reason); err != nil {
			return fmt.Errorf("writing rejected line %d: %w", r.rec.Line, err)
		}
	}
	if e.p.Progress != nil {
		e.p.Progress(e.counts)
	}
	return nil
}

// record finds the batch's record by its sequence number (what the store
// calls the row's line).
func (w *work) record(seq int64) (Record, bool) {
	i, ok := slices.BinarySearchFunc(w.recs, seq, func(r Record, l int64) int {
		switch {
		case r.seq < l:
			return -1
		case r.seq > l:
			return 1
		}
		return 0
	})
	if !ok {
		return Record{}, false
	}
	return w.recs[i], true
}
