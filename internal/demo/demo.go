// Package demo runs the whole of sestd on one machine with nothing but the
// checkout and PostgreSQL's binaries: a throwaway PostgreSQL cluster, the
// Servicestelle simulator with churn and a little fault injection, a mail
// catcher writing to a file mailbox, generated import files in the inbox,
// and the daemon with every job on short schedules. It prints a compact
// live view of what sestd is doing. It is `sestd demo`.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/daemon"
	"sestd/internal/jobs"
	"sestd/internal/metrics"
	"sestd/internal/pgcluster"
	"sestd/internal/sest/sim"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// Options configure a demo run.
type Options struct {
	// Dir holds all state: PostgreSQL's data, documents, inbox, exports,
	// the mailbox.
	Dir string
	// Reset deletes Dir first.
	Reset bool
	// Admin is the admin API's listen address.
	Admin string
	// Bewerbungen is the simulator's size.
	Bewerbungen int
	// Out receives the live view; Log the daemon's log.
	Out io.Writer
	Log *zap.Logger
	// Build identifies the binary.
	Build metrics.BuildInfo
	// UntilSynced stops the demo once every stream has synced and the
	// imports are done (for tests and scripts); otherwise it runs until
	// ctx ends.
	UntilSynced bool
	// Interval between lines of the live view.
	Interval time.Duration
}

const (
	demoHochschulnummer = "4411"
	demoUser            = "hs4411"
	demoPassword        = "demo-password"
	demoToken           = "demo-admin-token-0123456789"
)

// Run runs the demo until ctx ends (or everything synced, with
// UntilSynced). Everything it started is stopped before it returns.
func Run(ctx context.Context, o Options) error {
	if o.Interval == 0 {
		o.Interval = 3 * time.Second
	}
	if o.Bewerbungen == 0 {
		o.Bewerbungen = 2000
	}
	if o.Reset {
		if err := os.RemoveAll(o.Dir); err != nil {
			return fmt.Errorf("resetting %s: %w", o.Dir, err)
		}
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	// 0755: PostgreSQL runs as the postgres user and must reach pg/; the
	// folders that hold personal data (documents, inbox, exports, mail)
	// are created 0700 by the code that writes them.
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", abs, err)
	}
	log := o.Log

	// PostgreSQL.
	pgDir := filepath.Join(abs, "pg")
	cluster, err := pgcluster.New(pgDir, 0)
	if err != nil {
		return err
	}
	// A demo that was killed may have left its server running: stop it,
	// keep its data.
	if cluster.Running(ctx) {
		if err := cluster.Stop(ctx); err != nil {
			return fmt.Errorf("stopping the PostgreSQL a previous demo left running: %w", err)
		}
	}
	log.Info("starting a throwaway PostgreSQL", zap.String("dir", cluster.Dir), zap.Int("port", cluster.Port))
	if err := cluster.Init(ctx); err != nil {
		return err
	}
	if err := cluster.Start(ctx); err != nil {
		return fmt.Errorf("%w (its log: %s)", err, cluster.LogFile())
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := cluster.Stop(sctx); err != nil {
			log.Warn("stopping PostgreSQL", zap.Error(err))
		}
		fmt.Fprintf(o.Out, "demo stopped; its state is kept in %s (sestd demo --reset starts afresh)\n", abs)
	}()
	if err := cluster.CreateDatabase(ctx, "sestd"); err != nil {
		return err
	}

	// The simulator, changing its data as time goes by and failing now
	// and then, as the real service does.
	simCfg := sim.Config{
		Seed: 1, Bewerbungen: o.Bewerbungen, Churn: 30, RealTimeClock: true,
		Hochschulnummer: demoHochschulnummer, Username: demoUser, Password: demoPassword,
		Faults: map[string]sim.Fault{"*": {Latency: 5 * time.Millisecond, HTTPErrorRate: 0.01, HTTPStatus: 503}},
	}
	s, err := sim.New(simCfg)
	if err != nil {
		return err
	}
	// The sample files are made from the simulator as it starts (a copy:
	// the running one churns), so that week two repeats week one's rows.
	initial := func() (*sim.Sim, error) { return sim.New(simCfg) }
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening for the simulator: %w", err)
	}
	var wg sync.WaitGroup
	simCtx, stopSim := context.WithCancel(context.WithoutCancel(ctx))
	defer func() { stopSim(); wg.Wait() }()
	wg.Go(func() {
		if err := s.Serve(simCtx, simLn); err != nil {
			log.Warn("simulator stopped", zap.Error(err))
		}
	})

	// The mail catcher.
	mailbox := filepath.Join(abs, "mail")
	smtpAddr, stopSMTP, err := startMailbox(mailbox)
	if err != nil {
		return err
	}
	defer stopSMTP()

	cfg := config.Default()
	cfg.Database.URL = cluster.URL("sestd")
	cfg.Admin.Listen = o.Admin
	cfg.Admin.Token = demoToken
	cfg.River.ShutdownGrace = 10 * time.Second
	cfg.Servicestelle.BaseURL = sim.BaseURL(simLn.Addr().String(), 3)
	cfg.Servicestelle.Hochschulnummer = demoHochschulnummer
	cfg.Servicestelle.Username = demoUser
	cfg.Servicestelle.Password = demoPassword
	cfg.Servicestelle.Vermittlungsprozess.Jahr = 2026
	cfg.Servicestelle.Timeout = 20 * time.Second
	cfg.Outbox.Backoff = 5 * time.Second // retries within the demo's time
	cfg.Sync.DocumentRoot = filepath.Join(abs, "documents")
	cfg.Import.InboxDir = filepath.Join(abs, "inbox")
	cfg.Export.Dir = filepath.Join(abs, "export")
	cfg.Sync.Schedules = config.Schedules{Delta: "@every 20s", Studienangebote: "@every 1m", Full: "0 3 * * *",
		Outbound: "@every 10s", Inbox: "@every 10s", Retention: "15 3 * * *"}
	hq, wz := 90.0, 10.0
	cfg.Vergabeschema.Hauptquoten.Ranglisten = []config.Ranglistentyp{
		{IDNr: RankingType, Name: "Hauptquote", Plaetze: config.Plaetze{Prozentual: &hq}},
		{IDNr: "WZ", Name: "Wartezeit", Plaetze: config.Plaetze{Prozentual: &wz}, IstChance: true},
	}
	host, port, err := net.SplitHostPort(smtpAddr)
	if err != nil {
		return fmt.Errorf("demo mail server address: %w", err)
	}
	cfg.Mail.Host, cfg.Mail.TLS, cfg.Mail.From, cfg.Mail.To = host, "none", "sestd-demo@localhost", []string{"zulassung-it@localhost"}
	if cfg.Mail.Port, err = strconv.Atoi(port); err != nil {
		return fmt.Errorf("demo mail server port: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("demo configuration: %w", err)
	}

	if !samplesWritten(abs) {
		first, err := initial()
		if err != nil {
			return err
		}
		if err := WriteSamples(cfg.Import.InboxDir, first, 1); err != nil {
			return fmt.Errorf("writing sample files: %w", err)
		}
		// Written atomically, the files are complete: let the first inbox
		// scan take them at once.
		if err := settle(cfg.Import.InboxDir); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(abs, ".samples-written"), nil, 0o600); err != nil {
			return err
		}
		log.Info("sample files written to the inbox", zap.String("inbox", cfg.Import.InboxDir))
	}

	runCtx, stopDaemon := context.WithCancel(ctx)
	defer stopDaemon()
	ready := make(chan net.Addr, 1)
	daemonErr := make(chan error, 1)
	go func() {
		daemonErr <- daemon.Run(runCtx, daemon.Options{
			Config: cfg, Log: log, Migrate: true, Build: o.Build,
			OnReady: func(a net.Addr) { ready <- a },
		})
	}()
	var adminAddr net.Addr
	select {
	case adminAddr = <-ready:
	case err := <-daemonErr:
		return err
	case <-ctx.Done():
		return <-daemonErr
	}
	pool, err := pgxpool.New(ctx, cfg.Database.URL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := kickOff(ctx, pool); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, `
sestd demo is running. Ctrl-C stops everything.
  admin API   http://%[1]s/api/…   (token: %[2]s)
              curl -H 'Authorization: Bearer %[2]s' http://%[1]s/readyz
  River UI    http://%[1]s/riverui/
  metrics     http://%[1]s/metrics
  simulator   %[3]s  (test API under /sim/)
  exports     %[4]s
  mailbox     %[5]s
  inbox       %[6]s
  database    %[7]s

`, adminAddr, demoToken, cfg.Servicestelle.BaseURL, cfg.Export.Dir, mailbox, cfg.Import.InboxDir, cfg.Database.URL)
	printConsole(ctx, pool, o.Out, adminAddr) // internal/demo/console.go

	st := store.New(pool)
	api := &adminClient{base: "http://" + adminAddr.String(), token: demoToken}
	var pakete []string
	for _, p := range s.Studienpakete() {
		pakete = append(pakete, p.Schluessel)
	}
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	// The round: once the mirror and the imports are there, send the
	// university's applications and upload the Ranglisten, Kopfdaten first;
	// then week two: a refreshed export and a second delivery of the
	// applications arrive.
	phase, schemaJob, entriesJob := 0, int64(0), int64(0)
	importsBefore := 0
	for {
		select {
		case <-ctx.Done():
			stopDaemon()
			return <-daemonErr
		case err := <-daemonErr:
			return err
		case <-tick.C:
		}
		v, err := readView(ctx, st, pool, mailbox)
		if err != nil {
			fmt.Fprintf(o.Out, "(status unavailable: %v)\n", err)
			continue
		}
		fmt.Fprintln(o.Out, v.line())
		switch {
		case phase == 0 && v.synced():
			if _, err := api.trigger(ctx, "outbound_sync", nil); err != nil {
				fmt.Fprintf(o.Out, "(triggering the outbound sync: %v)\n", err)
			}
			if schemaJob, err = api.trigger(ctx, "rang_upload_schema", map[string]any{"alle": true}); err != nil {
				fmt.Fprintf(o.Out, "(triggering the ranking upload: %v)\n", err)
			}
			fmt.Fprintln(o.Out, "mirror synced and files imported: sending the applications, uploading the Vergabeschema")
			phase = 1
		case phase == 1 && jobDone(ctx, pool, schemaJob):
			if entriesJob, err = api.trigger(ctx, "rang_upload_eintraege", map[string]any{"studienpakete": pakete, "status": "befuellt"}); err != nil {
				fmt.Fprintf(o.Out, "(triggering the ranking entries: %v)\n", err)
			}
			fmt.Fprintln(o.Out, "Kopfdaten uploaded: uploading the Ranglisten entries")
			phase = 2
		case phase == 2 && jobDone(ctx, pool, entriesJob) && v.outbox["sent"] == 0 && v.outbox["pending"] == 0 &&
			v.outbox["accepted"] > 0 && (v.outbox["failed"]+v.outbox["rejected"] == 0 || v.mails > 0):
			fmt.Fprintf(o.Out, "every stream has synced, the imports are done, the applications are sent (those the Servicestelle refused are in the admins' mail, %s) and the Ranglisten uploaded.\n", mailbox)
			phase = 3
			if weekTwoWritten(abs) {
				break
			}
			first, err := initial()
			if err != nil {
				return err
			}
			w, err := WriteWeekTwo(cfg.Import.InboxDir, first, 1)
			if err != nil {
				return fmt.Errorf("writing week two's files: %w", err)
			}
			if err := settle(cfg.Import.InboxDir); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(abs, ".week-two-written"), nil, 0o600); err != nil {
				return err
			}
			importsBefore = v.importsTotal()
			fmt.Fprintf(o.Out, "week two: dropped into the inbox a refreshed S-BEAT students export (student %s's HZB grade now %s, every other row as before) "+
				"and the university's second delivery of its applications (%d eingegangen → gueltig, %d → ausgeschlossen, the others as before); watch them arrive.\n",
				w.Student, w.Grade, len(w.Gueltig), len(w.Ausgeschlossen))
		case phase == 3 && v.imports["running"] == 0 && (importsBefore == 0 || v.importsTotal() >= importsBefore+2) &&
			v.outboundAfterImports && v.outbox["sent"] == 0 && v.outbox["pending"] == 0:
			fmt.Fprintf(o.Out, "week two arrived: %d status changes sent to the Servicestelle, %d accepted; the changes are in the exports (%s). sestd keeps polling; Ctrl-C stops the demo.\n",
				v.changesSent, v.changesAccepted, cfg.Export.Dir)
			phase = 4
			if o.UntilSynced {
				stopDaemon()
				return <-daemonErr
			}
		}
	}
}

// jobDone reports whether job id finished (in any final state), asked
// through River's client.
func jobDone(ctx context.Context, pool *pgxpool.Pool, id int64) bool {
	if id == 0 {
		return true
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return false
	}
	job, err := client.JobGet(ctx, id)
	return err == nil && job.FinalizedAt != nil
}

// adminClient triggers jobs through the daemon's admin API, as an operator
// would.
type adminClient struct {
	base, token string
}

func (a *adminClient) trigger(ctx context.Context, name string, args any) (int64, error) {
	body := []byte("{}")
	if args != nil {
		var err error
		if body, err = json.Marshal(args); err != nil {
			return 0, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/api/jobs/"+name, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		JobID int64  `json:"job_id"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, fmt.Errorf("reading the admin API's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		return 0, fmt.Errorf("admin API: %s: %s", resp.Status, out.Error)
	}
	return out.JobID, nil
}

// kickOff enqueues the first run of every job, rather than waiting for
// the schedules' first minute.
func kickOff(ctx context.Context, pool *pgxpool.Pool) error {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return err
	}
	first := []river.JobArgs{jobs.StudienangeboteArgs{}, jobs.InboxArgs{}}
	for _, s := range store.AllStreams() {
		first = append(first, jobs.DeltaArgs{Stream: s})
	}
	for _, a := range first {
		if _, err := client.Insert(ctx, a, nil); err != nil {
			return fmt.Errorf("enqueueing %s: %w", a.Kind(), err)
		}
	}
	return nil
}

// view is one line of the live view.
type view struct {
	mirrored map[string]int
	lag      map[string]float64
	outbox   map[string]float64
	imports  map[string]int
	mails    int
	running  int
	// changesSent and changesAccepted count the Bewerbungen sent as
	// changes (uebermittelnGeaenderteBewerbungenAnSeSt) and accepted.
	changesSent, changesAccepted int
	// outboundAfterImports: an outbound run finished after the last import
	// (so the imported changes are queued and sent).
	outboundAfterImports bool
}

func (v view) importsTotal() int {
	n := 0
	for _, c := range v.imports {
		n += c
	}
	return n
}

func readView(ctx context.Context, st *store.Store, pool *pgxpool.Pool, mailbox string) (view, error) {
	v := view{mirrored: map[string]int{}, imports: map[string]int{}}
	for table, name := range map[string]string{"bewerber WHERE complete": "bewerber", "bewerbung": "bewerbungen", "ranglistenstatus": "ranglisten", "studienangebot": "angebote"} {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			return v, err
		}
		v.mirrored[name] = n
	}
	var err error
	if v.lag, err = st.CursorAges(ctx); err != nil {
		return v, err
	}
	if err := countBy(ctx, pool, `SELECT status, count(*) FROM import_runs GROUP BY status`, v.imports); err != nil {
		return v, err
	}
	if v.outbox, err = st.OutboxCountsByState(ctx); err != nil {
		return v, err
	}
	jobCounts, err := st.RiverJobCountsByState(ctx)
	if err != nil {
		return v, err
	}
	v.running = int(jobCounts[string(rivertype.JobStateRunning)])
	if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE ergebnis_status = 'aktualisiert') FROM upload_log WHERE operation = $1`,
		sestmodel.OpUebermittelnGeaenderteBew).Scan(&v.changesSent, &v.changesAccepted); err != nil {
		return v, err
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return v, err
	}
	lastOutbound, err := client.JobList(ctx, river.NewJobListParams().Kinds("outbound_sync").
		States(rivertype.JobStateCompleted).OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(1))
	if err != nil {
		return v, err
	}
	var lastImport *time.Time
	if err := pool.QueryRow(ctx, `SELECT max(finished_at) FROM import_runs`).Scan(&lastImport); err != nil {
		return v, err
	}
	v.outboundAfterImports = len(lastOutbound.Jobs) == 1 && lastImport != nil && lastOutbound.Jobs[0].FinalizedAt.After(*lastImport)
	entries, _ := os.ReadDir(mailbox)
	v.mails = len(entries)
	return v, nil
}

func countBy(ctx context.Context, pool *pgxpool.Pool, q string, into map[string]int) error {
	rows, err := pool.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		into[k] = n
	}
	return rows.Err()
}

func (v view) line() string {
	lag := func(s store.Stream) string {
		a, ok := v.lag[s.String()]
		if !ok {
			return "–"
		}
		return (time.Duration(a) * time.Second).String()
	}
	return fmt.Sprintf("%s  mirror: %d Bewerber, %d Bewerbungen, %d Angebote, %d Ranglisten | lag: bewerber %s, bewerbungen %s, ranglisten %s | outbox: %s | changes sent: %d (accepted %d) | imports: %s | mails: %d | jobs running: %d",
		time.Now().Format("15:04:05"), v.mirrored["bewerber"], v.mirrored["bewerbungen"], v.mirrored["angebote"], v.mirrored["ranglisten"],
		lag(store.StreamBewerber), lag(store.StreamBewerbungen), lag(store.StreamRanglistenstatus),
		counts(v.outbox), v.changesSent, v.changesAccepted, counts(v.imports), v.mails, v.running)
}

func counts[N int | float64](m map[string]N) string {
	out := ""
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] == 0 {
			continue
		}
		if out != "" {
			out += " "
		}
		out += fmt.Sprintf("%s=%v", k, m[k])
	}
	if out == "" {
		return "–"
	}
	return out
}

// synced: every stream has a cursor and no import is running.
func (v view) synced() bool {
	for _, s := range store.AllStreams() {
		if _, ok := v.lag[s.String()]; !ok {
			return false
		}
	}
	return v.imports["running"] == 0 && v.imports["succeeded"]+v.imports["partial"] > 0
}

// settle dates the files under dir a minute back.
func settle(dir string) error {
	old := time.Now().Add(-time.Minute)
	return filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(path, old, old)
	})
}
