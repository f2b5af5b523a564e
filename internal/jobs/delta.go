package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/robfig/cron/v3"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/sest"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// DeltaArgs polls one stream's changes (Bewerber, Bewerbungen,
// Ranglistenstatus): references since the cursor, then the items in
// packages of servicestelle.package_size.
type DeltaArgs struct {
	Stream store.Stream `json:"stream"`
	// OneShot marks a run an operator waits for (sestd sync download). It
	// is part of the job's uniqueness, so that an operator's round is not
	// refused while a scheduled poll of the stream waits out an outage;
	// the stream's lock keeps the two from running at once.
	OneShot bool `json:"one_shot,omitempty"`
}

// Kind implements river.JobArgs.
func (DeltaArgs) Kind() string { return "delta_poll" }

// InsertOpts keeps one poll per stream queued or running.
func (DeltaArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSync, UniqueOpts: uniqueWhileActive()}
}

// DeltaWorker runs DeltaArgs.
type DeltaWorker struct {
	river.WorkerDefaults[DeltaArgs]
	sync *syncer
}

// Work polls the stream; a second poll of the same stream (another
// instance, a manual trigger) waits for the first by snoozing. A permanent
// fault cancels the job; any other failure is retried at the next
// scheduled poll (NextRetry).
func (w *DeltaWorker) Work(ctx context.Context, job *river.Job[DeltaArgs]) error {
	stream := job.Args.Stream
	spec, ok := w.sync.streams[stream]
	if !ok {
		return river.JobCancel(fmt.Errorf("unknown stream %q: want one of %v", stream, store.AllStreams()))
	}
	var sum store.Counts
	err := w.sync.withLock(ctx, stream.String(), func() error {
		if spec.before != nil {
			if err := spec.before(ctx); err != nil {
				return err
			}
		}
		var err error
		sum, err = w.sync.stream(ctx, stream, stream.String(), time.Time{})
		return err
	})
	if err != nil {
		return err
	}
	return recordSummary(ctx, Summary{Streams: map[string]StreamSummary{stream.String(): summaryOf(sum)}})
}

// NextRetry retries a failed poll at the next scheduled poll instead of
// River's growing backoff: a transient failure (the Servicestelle
// unreachable or answering 5xx, the database away) never pushes the next
// attempt beyond the poll interval, so that after an outage of any length
// the first scheduled poll syncs, from the stored cursor. The failures stay
// failures (job errors, sestd_job_runs_total{outcome="failed"},
// incidents); when the attempts are used up the job is discarded and the
// next periodic poll takes its place. Without a delta schedule River's
// backoff applies.
func (w *DeltaWorker) NextRetry(*river.Job[DeltaArgs]) time.Time {
	return w.sync.nextPoll(time.Now())
}

// syncer holds what the mirror jobs share.
type syncer struct {
	deps Deps
	sest sest.Servicestelle
	// rules is the Bearbeitungsstatus table (defaults of the interface
	// version with sync.bearbeitungsstatus laid over them).
	rules map[string]sestmodel.StatusRule
	// faecher limits the mirrored Bewerbungen (sync.download_faecher);
	// empty: all.
	faecher map[string]bool
	// poll is the delta schedule; nil when it is off.
	poll cron.Schedule
	// streams is the delta streams' table (streamTable).
	streams map[store.Stream]streamSpec
	// writeSlots holds a token per package being written (packageWriters).
	writeSlots chan struct{}
}

// streamSpec is what the sync does differently per delta stream.
type streamSpec struct {
	// before runs before each poll of the stream, delta or full.
	before func(context.Context) error
	// anfragen asks for the references changed since start.
	anfragen func(ctx context.Context, start time.Time) (sest.Delta, error)
	// fetch fetches the referenced items and returns how to store them.
	fetch func(ctx context.Context, refs []string) (storeFunc, error)
}

// storeFunc stores a fetched package with its step.
type storeFunc func(ctx context.Context, step store.Step) (store.Counts, error)

// deltaStream builds a streamSpec from a stream's operations: the query,
// the fetch of a package of T, the preparation of a package for the store
// (encoding and hashing: done by the fetcher, ahead of the writer) and its
// write.
func deltaStream[T, P any](
	anfragen func(context.Context, time.Time) (sest.Delta, error),
	uebermitteln func(context.Context, []string) ([]T, error),
	prepare func([]T) (P, error),
	write func(context.Context, P, store.Step) (store.Counts, error),
) streamSpec {
	return streamSpec{
		anfragen: anfragen,
		fetch: func(ctx context.Context, refs []string) (storeFunc, error) {
			items, err := uebermitteln(ctx, refs)
			if err != nil {
				return nil, err
			}
			pkg, err := prepare(items)
			if err != nil {
				return nil, err
			}
			return func(ctx context.Context, step store.Step) (store.Counts, error) { return write(ctx, pkg, step) }, nil
		},
	}
}

// unprepared is the preparation of a stream whose store call takes the
// items as they are.
func unprepared[T any](items []T) ([]T, error) { return items, nil }

// streamTable is the one place that says, per delta stream, which
// Servicestelle operations and which store call serve it. Every stream of
// store.AllStreams has a row (newSyncer checks).
func (s *syncer) streamTable() map[store.Stream]streamSpec {
	st := s.deps.Store
	bewerber := deltaStream(s.sest.StammdatenaenderungenAnfragen, s.sest.StammdatenaenderungenUebermitteln, store.PrepareBewerber, st.WriteBewerber)
	bewerbungen := deltaStream(s.sest.BewerbungenAnfragen, s.sest.BewerbungenUebermitteln, s.prepareBewerbungen, s.writeBewerbungen)
	ranglistenstatus := deltaStream(s.sest.RanglistenstatusAnfragen, s.sest.RanglistenstatusUebermitteln, unprepared, st.RanglistenstatusUpsertBatch)
	// A Ranglistenstatus refers to its Studienpaket.
	ranglistenstatus.before = s.studienpakete
	return map[store.Stream]streamSpec{
		store.StreamBewerber:         bewerber,
		store.StreamBewerbungen:      bewerbungen,
		store.StreamRanglistenstatus: ranglistenstatus,
	}
}

// bewerbungenPackage is a package of Bewerbungen prepared for the store:
// those of the Fächer of sync.download_faecher, and how many were left
// out.
type bewerbungenPackage struct {
	pkg      *store.BewerbungPackage
	filtered int
}

func (s *syncer) prepareBewerbungen(items []sestmodel.Bewerbung) (bewerbungenPackage, error) {
	kept := s.inFaecher(items)
	pkg, err := store.PrepareBewerbungen(kept)
	return bewerbungenPackage{pkg: pkg, filtered: len(items) - len(kept)}, err
}

// writeBewerbungen stores a prepared package of Bewerbungen, judging their
// status changes.
func (s *syncer) writeBewerbungen(ctx context.Context, p bewerbungenPackage, step store.Step) (store.Counts, error) {
	step.ForbiddenTransition = s.sestForbidden
	c, err := s.deps.Store.WriteBewerbungen(ctx, p.pkg, step)
	c.Filtered = p.filtered
	return c, err
}

func newSyncer(d Deps) (*syncer, error) {
	rules := sestmodel.DefaultStatusRules(d.Config.Servicestelle.InterfaceVersion)
	for name, r := range d.Config.Sync.Bearbeitungsstatus {
		rules[name] = sestmodel.StatusRule(r)
	}
	faecher := map[string]bool{}
	for _, f := range d.Config.Sync.Faecher() {
		faecher[f] = true
	}
	poll, err := config.ParseSchedule(d.Config.Sync.Schedules.Delta)
	if err != nil {
		return nil, fmt.Errorf("sync.schedules.delta: %w", err)
	}
	s := &syncer{deps: d, sest: d.Sest, rules: rules, faecher: faecher, poll: poll, writeSlots: make(chan struct{}, packageWriters)}
	s.streams = s.streamTable()
	for _, stream := range store.AllStreams() {
		if _, ok := s.streams[stream]; !ok {
			return nil, fmt.Errorf("stream %s has no entry in the stream table", stream)
		}
	}
	return s, nil
}

// withLock runs fn holding the stream's lock, or snoozes when another poll
// of the stream holds it.
func (s *syncer) withLock(ctx context.Context, name string, fn func() error) error {
	unlock, ok, err := s.deps.Store.TryLock(ctx, "stream:"+name)
	if err != nil {
		return err
	}
	if !ok {
		Logger(ctx).Info("another run of this stream is active; waiting", zap.String("stream", name))
		return river.JobSnooze(5 * time.Second)
	}
	defer unlock()
	return fn()
}

// start is where a stream without a cursor begins: the start of the
// Vermittlungsprozess.
func (s *syncer) start() time.Time {
	vp := s.deps.Config.Servicestelle.Vermittlungsprozess
	if !vp.Start.IsZero() {
		return vp.Start
	}
	jahr := vp.Jahr
	if jahr == 0 {
		jahr = time.Now().Year()
	}
	// A round for the winter semester opens in spring, one for the summer
	// semester in the previous autumn.
	if vp.Semester == "SS" {
		return time.Date(jahr-1, time.September, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(jahr, time.January, 1, 0, 0, 0, 0, time.UTC)
}

// stream brings one stream up to date and returns what it did. runName
// keys the run bookkeeping and the cursor ("bewerbungen" for the delta,
// "full_<job>_bewerbungen" for the full download); from, when set,
// overrides the cursor (full download).
func (s *syncer) stream(ctx context.Context, stream store.Stream, runName string, from time.Time) (store.Counts, error) {
	log := Logger(ctx).With(zap.String("stream", stream.String()))
	spec := s.streams[stream]
	st := s.deps.Store
	run, err := st.RunGet(ctx, runName)
	switch {
	case err == nil:
		log.Info("resuming interrupted run", zap.Int("done", run.Done), zap.Int("references", len(run.Refs)))
	case errors.Is(err, store.ErrNotFound):
		start := from
		if start.IsZero() {
			c, err := st.CursorGet(ctx, runName)
			switch {
			case err == nil:
				start = c.Position
			case errors.Is(err, store.ErrNotFound):
				start = s.start()
				log.Info("no cursor: starting from the beginning of the Vermittlungsprozess", zap.Time("start", start))
			default:
				return store.Counts{}, err
			}
		}
		delta, err := spec.anfragen(ctx, start)
		if err != nil {
			return store.Counts{}, classify(fmt.Errorf("asking for changes since %s: %w", start.Format(time.RFC3339), err))
		}
		run = store.Run{Stream: runName, Start: start, Ende: delta.Ende, Refs: delta.Referenzen}
		if err := st.RunBegin(ctx, run); err != nil {
			return store.Counts{}, err
		}
		if len(run.Refs) == 0 {
			log.Info("no changes", zap.Time("since", start))
			return store.Counts{}, nil
		}
		log.Info("changes found", zap.Int("references", len(run.Refs)), zap.Time("since", start), zap.Time("ende", delta.Ende))
	default:
		return store.Counts{}, err
	}

	size := s.deps.Config.Servicestelle.PackageSize
	total := len(run.Refs)
	packages := (total + size - 1) / size
	var sum store.Counts
	began := time.Now()
	// Packages are fetched in order, each while earlier ones are written
	// (the Servicestelle's latency and the database overlap), and written
	// by packageWriters writers at once. They may commit out of order; the
	// run's recorded progress stays a prefix of committed packages
	// (progress), so a resumed run skips nothing.
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fetchedCh := make(chan fetched, packageWriters)
	go func() {
		defer close(fetchedCh)
		for i := run.Done; i < total; i += size {
			refs := run.Refs[i:min(i+size, total)]
			put, err := spec.fetch(fctx, refs)
			select {
			case fetchedCh <- fetched{start: i, refs: len(refs), put: put, err: err}:
			case <-fctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	prog := newProgress(run.Done)
	var (
		mu       sync.Mutex
		firstErr error
		// waited is how long the writers waited for the fetcher, wrote how
		// long they wrote: which of the two is the critical path.
		waited, wrote time.Duration
		wg            sync.WaitGroup
	)
	write := func(f fetched) {
		pkg := f.start/size + 1
		end := f.start + f.refs
		err := f.err
		var counts store.Counts
		if err == nil {
			var rec int
			t0 := time.Now()
			select {
			case s.writeSlots <- struct{}{}:
				counts, err = f.put(ctx, store.Step{Stream: runName, Done: func() int { rec = prog.through(f.start, end); return rec }})
				<-s.writeSlots
			case <-ctx.Done():
				err = ctx.Err()
			}
			mu.Lock()
			wrote += time.Since(t0)
			mu.Unlock()
			if err == nil {
				prog.committed(f.start, end, rec)
				logForbidden(log, counts.Forbidden)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("package %d of %d: %w", pkg, packages, err)
				cancel()
			}
			return
		}
		sum.Add(counts)
		s.count(stream.String(), counts)
		log.Info("package mirrored",
			zap.Int("package", pkg), zap.Int("packages", packages),
			zap.Int("created", counts.Created), zap.Int("updated", counts.Updated), zap.Int("unchanged", counts.Unchanged),
			zap.Int("filtered", counts.Filtered),
			zap.Int("done", end), zap.Int("total", total),
			zap.Float64("items_per_second", float64(sum.Created+sum.Updated+sum.Unchanged+sum.Filtered)/max(time.Since(began).Seconds(), 1e-3)))
	}
	for range packageWriters {
		wg.Go(func() {
			for {
				t0 := time.Now()
				f, ok := <-fetchedCh
				if !ok {
					return
				}
				mu.Lock()
				waited += time.Since(t0)
				failed := firstErr != nil
				mu.Unlock()
				if !failed {
					write(f)
				}
			}
		})
	}
	wg.Wait()
	if errors.Is(firstErr, sest.ErrReferenceExpired) {
		// Start over from the unchanged cursor: what was committed stays,
		// nothing is skipped.
		if aerr := st.RunAbandon(ctx, runName); aerr != nil {
			return sum, aerr
		}
		return sum, fmt.Errorf("references expired, asking again on retry: %w", firstErr)
	}
	if firstErr != nil {
		return sum, classify(firstErr)
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if done := prog.lag(); done > 0 {
		if err := st.RunAdvance(ctx, runName, done); err != nil {
			return sum, err
		}
	}
	log.Info("stream up to date", zap.Int("created", sum.Created), zap.Int("updated", sum.Updated),
		zap.Int("unchanged", sum.Unchanged), zap.Int("filtered", sum.Filtered), zap.Int("transitions_forbidden", len(sum.Forbidden)),
		zap.Time("cursor", run.Ende), zap.Duration("duration", time.Since(began)),
		zap.Duration("waited_for_fetch", waited), zap.Duration("writing", wrote))
	return sum, nil
}

// fetched is one package of a run, fetched ahead of its upsert.
type fetched struct {
	start, refs int
	put         storeFunc
	err         error
}

func (s *syncer) count(stream string, c store.Counts) {
	m := s.deps.Metrics.SyncItems
	m.WithLabelValues(stream, "created").Add(float64(c.Created))
	m.WithLabelValues(stream, "updated").Add(float64(c.Updated))
	m.WithLabelValues(stream, "unchanged").Add(float64(c.Unchanged))
	if c.Filtered > 0 {
		m.WithLabelValues(stream, "filtered").Add(float64(c.Filtered))
	}
	if len(c.Forbidden) > 0 {
		m.WithLabelValues(stream, "transition_forbidden").Add(float64(len(c.Forbidden)))
	}
	if len(c.Removed) > 0 {
		m.WithLabelValues(stream, "removed").Add(float64(len(c.Removed)))
	}
}

// studienpakete mirrors the Studienpakete (downloaded whole).
func (s *syncer) studienpakete(ctx context.Context) error {
	pakete, err := s.sest.StudienpaketeAbrufen(ctx)
	if err != nil {
		return classify(fmt.Errorf("fetching Studienpakete: %w", err))
	}
	c, err := s.deps.Store.StudienpaketReplaceAll(ctx, pakete)
	if err != nil {
		return err
	}
	s.count("studienpakete", c)
	Logger(ctx).Info("Studienpakete mirrored", zap.Int("count", len(pakete)), zap.Int("created", c.Created), zap.Int("updated", c.Updated))
	return nil
}

// studienangebote mirrors the Studienangebote, whole or limited to the
// Fächer of sync.download_faecher. (sync.abschluss_filter is the former
// name of outbox.abschluss_filter: it limits what is sent, not this.)
func (s *syncer) studienangebote(ctx context.Context) (store.Counts, error) {
	var filters []sest.StudienangebotSuche
	for _, f := range s.deps.Config.Sync.Faecher() {
		filters = append(filters, sest.StudienangebotSuche{StudienfachSchluessel: f})
	}
	complete := len(filters) == 0
	if complete {
		filters = []sest.StudienangebotSuche{{}}
	}
	seen := map[string]bool{}
	var all []sestmodel.Studienangebot
	for _, f := range filters {
		items, err := s.sest.StudienangeboteAbrufen(ctx, f)
		if err != nil {
			return store.Counts{}, classify(fmt.Errorf("fetching Studienangebote: %w", err))
		}
		for _, a := range items {
			if !seen[a.Key()] {
				seen[a.Key()] = true
				all = append(all, a)
			}
		}
	}
	c, err := s.deps.Store.StudienangebotReplaceAll(ctx, all, complete)
	if err != nil {
		return c, err
	}
	s.count("studienangebote", c)
	log := Logger(ctx)
	if len(c.Removed) > 0 {
		log.Warn("Studienangebote no longer offered by the Servicestelle removed from the mirror",
			zap.Int("removed", len(c.Removed)), zap.Strings("studienangebote", c.Removed))
	}
	log.Info("Studienangebote mirrored", zap.Int("count", len(all)), zap.Bool("filtered", !complete),
		zap.Int("created", c.Created), zap.Int("updated", c.Updated), zap.Int("unchanged", c.Unchanged), zap.Int("removed", len(c.Removed)))
	return c, nil
}

// classify turns failures that can never succeed (bad Hochschulnummer,
// bad credentials) into a cancelled job; the rest River retries.
func classify(err error) error {
	if err != nil && sest.IsPermanent(err) {
		return river.JobCancel(err)
	}
	return err
}

// StudienangeboteArgs downloads the Studienangebote whole.
type StudienangeboteArgs struct{}

// Kind implements river.JobArgs.
func (StudienangeboteArgs) Kind() string { return "studienangebote_download" }

// InsertOpts keeps one download queued or running.
func (StudienangeboteArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSync, UniqueOpts: uniqueWhileActive()}
}

// StudienangeboteWorker runs StudienangeboteArgs.
type StudienangeboteWorker struct {
	river.WorkerDefaults[StudienangeboteArgs]
	sync *syncer
}

// Work downloads the Studienangebote.
func (w *StudienangeboteWorker) Work(ctx context.Context, _ *river.Job[StudienangeboteArgs]) error {
	var c store.Counts
	if err := w.sync.withLock(ctx, "studienangebote", func() (err error) { c, err = w.sync.studienangebote(ctx); return err }); err != nil {
		return err
	}
	return recordSummary(ctx, Summary{Streams: map[string]StreamSummary{"studienangebote": summaryOf(c)}})
}

func registerSync(d Deps, k *Kit) error {
	if d.Sest == nil {
		d.Log.Warn("the Servicestelle is not configured (servicestelle.hochschulnummer is empty): sync jobs are off")
		return nil
	}
	s, err := newSyncer(d)
	if err != nil {
		return err
	}
	if len(d.Config.Sync.FachFilter) > 0 {
		d.Log.Warn("sync.fach_filter is deprecated: name it sync.download_faecher")
	}
	river.AddWorker(k.Workers, &DeltaWorker{sync: s})
	river.AddWorker(k.Workers, &StudienangeboteWorker{sync: s})
	river.AddWorker(k.Workers, &FullWorker{sync: s})
	sched := d.Config.Sync.Schedules
	for _, stream := range store.AllStreams() {
		if err := k.addPeriodic("delta_"+stream.String(), sched.Delta, func() river.JobArgs { return DeltaArgs{Stream: stream} }); err != nil {
			return err
		}
	}
	if d.Config.Sync.StudienangebotDownload {
		if err := k.addPeriodic("studienangebote", sched.Studienangebote, func() river.JobArgs { return StudienangeboteArgs{} }); err != nil {
			return err
		}
	}
	if err := k.addPeriodic("full_download", sched.Full, func() river.JobArgs { return FullArgs{} }); err != nil {
		return err
	}
	k.Triggers["delta_poll"] = Trigger{
		Help: `poll one stream's changes; {"stream": "bewerber" | "bewerbungen" | "ranglistenstatus"}`,
		Args: func(raw json.RawMessage) (river.JobArgs, error) {
			a, err := decodeArgs[DeltaArgs](raw)
			if _, perr := store.ParseStream(string(a.Stream)); err == nil && perr != nil {
				err = fmt.Errorf("stream must be one of %v, got %q", store.AllStreams(), a.Stream)
			}
			return a, err
		},
	}
	k.Triggers["studienangebote_download"] = Trigger{
		Help: "download the Studienangebote whole; no arguments",
		Args: func(raw json.RawMessage) (river.JobArgs, error) { return decodeArgs[StudienangeboteArgs](raw) },
	}
	k.Triggers["full_download"] = Trigger{
		Help: "download everything from the start of the Vermittlungsprozess, documents included; no arguments",
		Args: func(raw json.RawMessage) (river.JobArgs, error) { return decodeArgs[FullArgs](raw) },
	}
	return nil
}
