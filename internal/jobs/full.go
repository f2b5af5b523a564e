package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"sestd/internal/store"
)

// FullArgs downloads everything from the start of the Vermittlungsprozess,
// documents included (Sestco's download_sest --all). It does not move the
// delta cursors; it repairs whatever the mirror may lack, and, when it is
// complete and unfiltered, removes what the Servicestelle no longer has.
type FullArgs struct{}

// Kind implements river.JobArgs.
func (FullArgs) Kind() string { return "full_download" }

// InsertOpts keeps one full download queued or running.
func (FullArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueSync, UniqueOpts: uniqueWhileActive()}
}

// FullWorker runs FullArgs.
type FullWorker struct {
	river.WorkerDefaults[FullArgs]
	sync *syncer
}

// Timeout lets a full download run as long as it needs.
func (w *FullWorker) Timeout(*river.Job[FullArgs]) time.Duration { return -1 }

// Work downloads everything; an interrupted run resumes where it stopped:
// streams this job completed are not fetched again. Once every stream is
// complete, and no Fach filter is set, the Bewerbungen and applicants the
// download did not return are removed from the mirror and recorded
// (store.MirrorSweep). A download that fails, is cancelled or is killed
// before its streams complete removes nothing.
func (w *FullWorker) Work(ctx context.Context, job *river.Job[FullArgs]) error {
	s := w.sync
	log := Logger(ctx)
	run := fmt.Sprintf("full_%d", job.ID)
	out := Summary{Streams: map[string]StreamSummary{}}
	err := s.withLock(ctx, "full", func() error {
		runName := func(stream store.Stream) string { return run + "_" + stream.String() }
		since, err := s.deps.Store.FullRunSince(ctx, run)
		if err != nil {
			return err
		}
		// The Studienangebote and the streams are independent: they
		// download side by side, so that the Servicestelle's latency and
		// the database overlap. A stream's own preparation (the
		// Studienpakete before the Ranglistenstatus) runs first in its
		// turn.
		g, gctx := errgroup.WithContext(ctx)
		var angebote store.Counts
		if s.deps.Config.Sync.StudienangebotDownload {
			g.Go(func() error {
				var err error
				angebote, err = s.studienangebote(gctx)
				return err
			})
		}
		streams := store.AllStreams()
		sums := make([]store.Counts, len(streams))
		for i, stream := range streams {
			if _, err := s.deps.Store.CursorGet(ctx, runName(stream)); err == nil {
				log.Info("stream already downloaded by this job", zap.String("stream", stream.String()))
				continue
			}
			g.Go(func() error {
				if before := s.streams[stream].before; before != nil {
					if err := before(gctx); err != nil {
						return err
					}
				}
				var err error
				sums[i], err = s.stream(gctx, stream, runName(stream), s.start())
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		if s.deps.Config.Sync.StudienangebotDownload {
			out.Streams["studienangebote"] = summaryOf(angebote)
		}
		for i, stream := range streams {
			out.Streams[stream.String()] = summaryOf(sums[i])
		}
		if s.deps.Config.Sync.DokumentDownload {
			if err := s.documents(ctx); err != nil {
				return err
			}
		}
		if out.Removed, err = s.sweep(ctx, since, "full_download job "+strconv.FormatInt(job.ID, 10)); err != nil {
			return err
		}
		return s.deps.Store.FullRunEnd(ctx, run)
	})
	if err != nil {
		return err
	}
	return recordSummary(ctx, out)
}

// sweep removes from the mirror what the complete full download that
// began at since did not return, unless a Fach filter limits the download
// (then the mirror lacks no more than the filter, and nothing is removed).
// It logs and counts every removal and returns how many of each kind.
func (s *syncer) sweep(ctx context.Context, since time.Time, run string) (map[string]int, error) {
	log := Logger(ctx)
	if len(s.faecher) > 0 {
		log.Info("a Fach filter limits the download (sync.download_faecher): nothing is removed from the mirror")
		return nil, nil
	}
	removed, err := s.deps.Store.MirrorSweep(ctx, since, run)
	if errors.Is(err, store.ErrSweepNothingSeen) {
		log.Warn("full download complete, but nothing removed", zap.Error(err))
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	n := map[string]int{}
	for _, r := range removed {
		n[r.Kind]++
		log.Info("removed from the mirror: the Servicestelle no longer has it",
			zap.String("kind", r.Kind), zap.String("item_key", r.ItemKey), zap.String("bewerber_id", r.BewerberID),
			zap.Time("last_seen_at", r.LastSeenAt))
	}
	m := s.deps.Metrics.SyncItems
	m.WithLabelValues(store.StreamBewerbungen.String(), "removed").Add(float64(n["bewerbung"]))
	m.WithLabelValues(store.StreamBewerber.String(), "removed").Add(float64(n["bewerber"]))
	log.Info("full download complete: mirror swept", zap.Int("bewerbungen_removed", n["bewerbung"]), zap.Int("bewerber_removed", n["bewerber"]))
	return n, nil
}
