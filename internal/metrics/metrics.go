// Package metrics owns sestd's Prometheus registry: a private registry (never
// the default one) with Go and process collectors, build info, the job
// metrics fed by a River worker middleware, and gauges computed from the
// database at scrape time.
//
// Names follow Prometheus conventions (sestd_…_total, …_seconds) and every
// label has a small, fixed set of values: job kinds, streams, states,
// operations — never ids or personal data.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// BuildInfo identifies the running binary.
type BuildInfo struct {
	Version string
	Commit  string
}

// Metrics holds sestd's registry and the collectors shared by components.
type Metrics struct {
	Registry *prometheus.Registry

	JobRuns     *prometheus.CounterVec
	JobDuration *prometheus.HistogramVec
	SyncItems   *prometheus.CounterVec
	ImportRows  *prometheus.CounterVec
	Mails       *prometheus.CounterVec
	dbCollector *dbCollector
}

// New creates the registry with build info and the process collectors.
func New(build BuildInfo) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	bi := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "sestd_build_info",
		Help: "Build of the running sestd; the value is always 1.",
	}, []string{"version", "commit", "goversion"})
	bi.WithLabelValues(build.Version, build.Commit, runtime.Version()).Set(1)

	m := &Metrics{
		Registry: reg,
		JobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sestd_job_runs_total",
			Help: "Job runs by kind and outcome (completed, failed, cancelled, snoozed).",
		}, []string{"kind", "outcome"}),
		JobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sestd_job_duration_seconds",
			Help:    "Duration of job runs by kind.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800},
		}, []string{"kind"}),
		SyncItems: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sestd_sync_items_total",
			Help: "Items mirrored from the Servicestelle by stream and operation (created, updated, unchanged; filtered: left out by sync.download_faecher; removed: gone from the Servicestelle, by a full download; transition_forbidden: a status change the Bearbeitungsstatus table does not allow the Servicestelle).",
		}, []string{"stream", "operation"}),
		ImportRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sestd_import_rows_total",
			Help: "Imported rows by kind and outcome (created, updated, unchanged, removed, missing, rejected, skipped).",
		}, []string{"kind", "outcome"}),
		Mails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sestd_mails_total",
			Help: "Admin mails by outcome (sent, failed).",
		}, []string{"outcome"}),
		dbCollector: &dbCollector{},
	}
	reg.MustRegister(bi, m.JobRuns, m.JobDuration, m.SyncItems, m.ImportRows, m.Mails, m.dbCollector)
	// Present from the start, so that alerts on their rate see a series.
	m.Mails.WithLabelValues("sent")
	m.Mails.WithLabelValues("failed")
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// GaugeFunc is a gauge family computed at scrape time: Collect returns one
// value per value of the family's single label.
type GaugeFunc struct {
	Name    string
	Help    string
	Label   string
	Collect func(ctx context.Context) (map[string]float64, error)
}

// AddGaugeFunc registers a scrape-time gauge family. Call before serving.
func (m *Metrics) AddGaugeFunc(g GaugeFunc) {
	m.dbCollector.funcs = append(m.dbCollector.funcs, gaugeFunc{
		GaugeFunc: g,
		desc:      prometheus.NewDesc(g.Name, g.Help, []string{g.Label}, nil),
	})
}

type gaugeFunc struct {
	GaugeFunc
	desc *prometheus.Desc
}

// dbCollector computes database-backed gauges when scraped. A failing query
// drops its family from that scrape (the sestd_up-style signal is /readyz).
type dbCollector struct {
	funcs []gaugeFunc
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range c.funcs {
		ch <- f.desc
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, f := range c.funcs {
		vals, err := f.Collect(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(f.desc, err)
			continue
		}
		for label, v := range vals {
			ch <- prometheus.MustNewConstMetric(f.desc, prometheus.GaugeValue, v, label)
		}
	}
}

// JobMiddleware records each job run's outcome and duration.
type JobMiddleware struct {
	river.WorkerMiddlewareDefaults
	m *Metrics
}

// JobMiddleware returns the River worker middleware that feeds the job
// metrics.
func (m *Metrics) JobMiddleware() *JobMiddleware { return &JobMiddleware{m: m} }

// Work times the job and counts its outcome.
func (j *JobMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	start := time.Now()
	err := doInner(ctx)
	j.m.JobDuration.WithLabelValues(job.Kind).Observe(time.Since(start).Seconds())
	j.m.JobRuns.WithLabelValues(job.Kind, Outcome(err)).Inc()
	return err
}

// Outcome names a job's result the way the job metrics count it.
func Outcome(err error) string {
	var cancelErr *river.JobCancelError
	var snoozeErr *river.JobSnoozeError
	switch {
	case err == nil:
		return "completed"
	case errors.As(err, &cancelErr):
		return "cancelled"
	case errors.As(err, &snoozeErr):
		return "snoozed"
	default:
		return "failed"
	}
}
