package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/metrics"
	"sestd/internal/sest"
	"sestd/internal/store"
)

// Queue names used by sestd's jobs. river.queues in the config sets their
// worker counts.
const (
	QueueDefault  = river.QueueDefault
	QueueSync     = "sync"
	QueueOutbound = "outbound"
	QueueImport   = "import"
)

// Deps are the components workers use.
type Deps struct {
	Config  config.Config
	Store   *store.Store
	Log     *zap.Logger
	Metrics *metrics.Metrics
	// Sest is the Servicestelle; nil when it is not configured (the sync
	// jobs are then off).
	Sest sest.Servicestelle
	// LocalFiles: the jobs run in the operator's own process (the CLI) and
	// read the files the operator names; else an import reads only below
	// import.inbox_dir and import.allowed_dirs.
	LocalFiles bool
}

// Trigger makes job args from an admin request's JSON arguments.
type Trigger struct {
	// Help says what the job does and which arguments it takes.
	Help string
	// Args decodes raw (may be empty) into the job's args; errors are the
	// caller's fault (HTTP 400).
	Args func(raw json.RawMessage) (river.JobArgs, error)
}

// Kit is everything the River client needs from this package.
type Kit struct {
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
	Triggers map[string]Trigger
	// Middleware watches every job of the daemon (incidents).
	Middleware []rivertype.Middleware
}

// TriggerNames lists the jobs an operator may trigger, sorted.
func (k *Kit) TriggerNames() []string { return slices.Sorted(maps.Keys(k.Triggers)) }

// Build registers every worker, the periodic jobs enabled in the config and
// the triggers.
func Build(d Deps) (*Kit, error) {
	k := &Kit{Workers: river.NewWorkers(), Triggers: map[string]Trigger{}}
	for _, reg := range registrations {
		if err := reg(d, k); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// registrations is the constant list of job kinds; each adds its worker,
// schedule and trigger to the kit.
var registrations = []func(Deps, *Kit) error{
	registerSelftest,
	registerSync,
	registerOutbound,
	registerImport,
	registerRetention,
	registerRanking,
	registerIncidents,
}

// addPeriodic schedules args on the cron expression expr ("off" disables).
func (k *Kit) addPeriodic(id, expr string, args func() river.JobArgs) error {
	sched, err := config.ParseSchedule(expr)
	if err != nil {
		return fmt.Errorf("schedule %s: %w", id, err)
	}
	if sched == nil {
		return nil
	}
	k.Periodic = append(k.Periodic, river.NewPeriodicJob(sched,
		func() (river.JobArgs, *river.InsertOpts) { return args(), nil },
		&river.PeriodicJobOpts{ID: id}))
	return nil
}

// decodeArgs decodes raw into a T, rejecting unknown fields; empty raw
// gives T's zero value.
func decodeArgs[T any](raw json.RawMessage) (T, error) {
	var v T
	if len(raw) == 0 || string(raw) == "null" {
		return v, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("decoding job arguments: %w", err)
	}
	return v, nil
}

type ctxKey struct{}

// Logger returns the job's logger (with job_kind, job_id and attempt), or
// a no-op logger outside a job.
func Logger(ctx context.Context) *zap.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*zap.Logger); ok {
		return l
	}
	return zap.NewNop()
}

// LogMiddleware gives every job a logger carrying its kind and id, and logs
// each run's end.
type LogMiddleware struct {
	river.WorkerMiddlewareDefaults
	Log *zap.Logger
}

// Work implements rivertype.WorkerMiddleware.
func (m *LogMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	l := m.Log.With(zap.String("job_kind", job.Kind), zap.Int64("job_id", job.ID), zap.Int("attempt", job.Attempt))
	start := time.Now()
	l.Debug("job started")
	err := doInner(context.WithValue(ctx, ctxKey{}, l))
	switch outcome := metrics.Outcome(err); outcome {
	case "completed", "snoozed":
		l.Info("job "+outcome, zap.Duration("duration", time.Since(start)))
	default:
		l.Warn("job "+outcome, zap.Duration("duration", time.Since(start)), zap.Error(err))
	}
	return err
}
