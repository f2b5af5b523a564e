package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/config"
	"sestd/internal/daemon"
	"sestd/internal/jobs"
	"sestd/internal/metrics"
	"sestd/internal/store"
)

const rangHelp = `Manages the ranking upload (Sestco's rang_show_studienpakete,
rang_upload_schema and rang_upload_eintraege):

  studienpakete     list the Studienpakete of the Vermittlungsprozess from the
                    mirror, with their keys (run the ranglistenstatus delta
                    poll first: it refreshes them)
  upload-schema     send the vergabeschema's Ranglisten with Kopfdaten for
                    Studienpakete (status eingerichtet, no entries)
  upload-eintraege  send the imported ranking entries with a status
  status            show every Rangliste's status and statusanmerkung as last
                    polled (the view uni.ranglisten_status)
  export-status     write that to rang_status.csv in export.dir now

Rangliste keys are <studienpaket>-<id_nr>: the ranking file imported with
'sestd import --kind ranking' must use them. The uploads run as River jobs in
this process (the daemon need not run; a running daemon's admin API triggers
the same jobs by the names rang_upload_schema, rang_upload_eintraege and
rang_export_status). Every sent Rangliste is in the upload log.

Run 'sestd rang <subcommand> --help' for its flags.`

func cmdRang(ctx context.Context, e env, args []string) error {
	subs := map[string]func(context.Context, env, []string) error{
		"studienpakete":    cmdRangStudienpakete,
		"upload-schema":    cmdRangUploadSchema,
		"upload-eintraege": cmdRangUploadEintraege,
		"status":           cmdRangStatus,
		"export-status":    cmdRangExportStatus,
	}
	if len(args) > 0 {
		if sub, ok := subs[args[0]]; ok {
			return sub(ctx, e, args[1:])
		}
	}
	fs := newFlags(e, "rang", "<studienpakete|upload-schema|upload-eintraege|status|export-status> [flags]", rangHelp)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	fs.SetOutput(e.stderr)
	fs.Usage()
	if len(args) == 0 {
		return fmt.Errorf("%w: name a subcommand", errUsage)
	}
	return fmt.Errorf("%w: unknown subcommand %q", errUsage, args[0])
}

// rangStore connects to the database of the config at path.
func rangStore(ctx context.Context, e env, path string) (config.Config, *zap.Logger, *store.Store, func(), error) {
	cfg, log, err := loadConfig(e, path)
	if err != nil {
		return config.Config{}, nil, nil, nil, err
	}
	// River, the Ranglisten locks and the upload log each take connections.
	st, closeStore, err := openStore(ctx, cfg, 8)
	if err != nil {
		return config.Config{}, nil, nil, nil, err
	}
	return cfg, log, st, closeStore, nil
}

// rangList runs a list subcommand: it reads the rows with list and prints
// them as JSON (--json; [] when there are none) or with table.
func rangList[T any](ctx context.Context, e env, args []string, name, description string,
	list func(*store.Store, context.Context) ([]T, error), table func(w io.Writer, rows []T) error) error {
	fs := newFlags(e, name, "[--json]", description)
	cfgPath := configFlag(fs, e)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	_, _, st, closeDB, err := rangStore(ctx, e, *cfgPath)
	if err != nil {
		return err
	}
	defer closeDB()
	rows, err := list(st, ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if rows == nil {
			rows = []T{}
		}
		return writeJSON(e.stdout, rows)
	}
	return table(e.stdout, rows)
}

func cmdRangStudienpakete(ctx context.Context, e env, args []string) error {
	return rangList(ctx, e, args, "rang studienpakete", `
Lists the Studienpakete of the Vermittlungsprozess from the mirror: key, name,
capacity, the Studienangebote they bundle (studiengang_schluessel with the
Bewerberplatzbedarf zaehler/nenner) and the Ranglisten the Servicestelle
reports for them. The ranglistenstatus delta poll refreshes them.`,
		(*store.Store).RangStudienpaketList, func(w io.Writer, pakete []store.RangStudienpaket) error {
			if len(pakete) == 0 {
				fmt.Fprintln(w, "The mirror holds no Studienpakete: run the ranglistenstatus delta poll (sestd trigger delta_poll '{\"stream\":\"ranglistenstatus\"}').")
				return nil
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCHLUESSEL\tNAME\tKAPAZITAET\tSTUDIENANGEBOTE\tRANGLISTEN")
			for _, p := range pakete {
				var b []string
				for _, x := range p.Bestandteile {
					b = append(b, fmt.Sprintf("%s (%d/%d)", x.Studiengang, x.Zaehler, x.Nenner))
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", p.Schluessel, p.NameDe, p.Kapazitaet, strings.Join(b, ", "), strings.Join(p.Ranglisten, ", "))
			}
			return tw.Flush()
		})
}

func cmdRangStatus(ctx context.Context, e env, args []string) error {
	return rangList(ctx, e, args, "rang status", `
Shows every Rangliste the Servicestelle reports, with status and
statusanmerkung as of the latest ranglistenstatus delta poll, the entries
imported for it and sestd's latest upload result (the view
uni.ranglisten_status).`,
		(*store.Store).RangStatusList, func(w io.Writer, rows []store.RangStatus) error {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RANGLISTE\tSTUDIENPAKET\tSTATUS\tEINTRAEGE\tIMPORTIERT\tLETZTER UPLOAD\tSTATUSANMERKUNG")
			for _, r := range rows {
				up := r.LetzterUploadErgebnis
				if up == "" && r.LetzterUploadGrund != "" {
					up = "nicht gesendet"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", r.Rangliste, r.Studienpaket, r.Status, r.AnzahlEintraege, r.EintraegeImportiert, up, r.Statusanmerkung)
			}
			return tw.Flush()
		})
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func cmdRangUploadSchema(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "rang upload-schema", "[--json] (--alle | STUDIENPAKET...)", `
Sends, for each Studienpaket, one Rangliste per Ranglisten type of the
vergabeschema (keyed <studienpaket>-<id_nr>) with its Kopfdaten, status
eingerichtet and no entries. Sending the schema again replaces the Kopfdaten
and empties the lists: upload the entries afterwards. Run 'sestd rang
studienpakete' for the keys.`)
	cfgPath := configFlag(fs, e)
	alle := fs.Bool("alle", false, "every Studienpaket in the mirror")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	a := jobs.RangUploadSchemaArgs{Studienpakete: fs.Args(), Alle: *alle}
	return runRangJob(ctx, e, *cfgPath, a, *asJSON)
}

func cmdRangUploadEintraege(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "rang upload-eintraege", "--status STATUS [--rangliste KEY]... [--kopfdaten-beibehalten=false] [--json] [STUDIENPAKET...]", `
Sends the imported ranking entries (bewerberId, rang) of the Ranglisten of the
given Studienpakete that have entries, and of the Ranglisten named with
--rangliste, with the given status. Entries whose applicant has no Bewerbung
for the Studienpaket in the mirror are refused: their Ranglisten are not sent
and the refused entries are listed (and in the upload log). Large Ranglisten
go in packages of servicestelle.package_size entries: all but the last with
status eingerichtet.`)
	cfgPath := configFlag(fs, e)
	status := fs.String("status", "", "eingerichtet, befuellt or freigegeben (required)")
	keep := fs.Bool("kopfdaten-beibehalten", true, "keep the Kopfdaten stored at the Servicestelle; false sends the vergabeschema's")
	var ranglisten listFlag
	fs.Var(&ranglisten, "rangliste", "a Rangliste `key` <studienpaket>-<id_nr> (repeatable)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	a := jobs.RangUploadEintraegeArgs{Studienpakete: fs.Args(), Ranglisten: ranglisten, Status: *status}
	if !*keep {
		a.KopfdatenBeibehalten = keep
	}
	return runRangJob(ctx, e, *cfgPath, a, *asJSON)
}

func cmdRangExportStatus(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "rang export-status", "", `
Writes every Rangliste's status and statusanmerkung, as the latest
ranglistenstatus delta poll mirrored them, to rang_status.csv in export.dir
(atomically, in export.encoding). The daemon does this on the delta schedule
when a vergabeschema is configured.`)
	cfgPath := configFlag(fs, e)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	return runRangJob(ctx, e, *cfgPath, jobs.RangExportStatusArgs{}, false)
}

// runRangJob validates args through the job's trigger, runs the job in
// this process on a queue of its own and prints its result.
func runRangJob(ctx context.Context, e env, cfgPath string, args river.JobArgs, asJSON bool) error {
	cfg, log, st, closeDB, err := rangStore(ctx, e, cfgPath)
	if err != nil {
		return err
	}
	defer closeDB()
	m := metrics.New(metrics.BuildInfo{Version: version})
	deps := jobs.Deps{Config: cfg, Store: st, Log: log, Metrics: m}
	if cfg.Servicestelle.Hochschulnummer != "" {
		client, err := daemon.NewSestClient(cfg, log, m)
		if err != nil {
			return err
		}
		deps.Sest = client
	}
	kit, err := jobs.Build(deps)
	if err != nil {
		return err
	}
	trig, ok := kit.Triggers[args.Kind()]
	if !ok {
		return errors.New("the Servicestelle is not configured (servicestelle.hochschulnummer is empty): nothing can be uploaded")
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return err
	}
	if _, err := trig.Args(raw); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	job, kind, err := runLocal(ctx, st, log, kit, args, func(id int64) {
		fmt.Fprintf(e.stderr, "%s enqueued as job %d; waiting…\n", args.Kind(), id)
	}, func() {
		fmt.Fprintln(e.stderr, "another upload holds one of these Ranglisten; waiting for it…")
	})
	if err != nil {
		return err
	}
	if out := job.Output(); len(out) > 0 {
		if perr := printRangResult(e, args, out, asJSON); perr != nil {
			return perr
		}
	}
	if kind != river.EventKindJobCompleted {
		return fmt.Errorf("%s failed: %s", args.Kind(), lastError(job))
	}
	return nil
}

func printRangResult(e env, args river.JobArgs, out []byte, asJSON bool) error {
	if asJSON {
		_, err := fmt.Fprintf(e.stdout, "%s\n", out)
		return err
	}
	if _, ok := args.(jobs.RangExportStatusArgs); ok {
		var r jobs.RangExportResult
		if err := json.Unmarshal(out, &r); err != nil {
			return fmt.Errorf("reading the job's result: %w", err)
		}
		what := "written"
		if !r.Written {
			what = "unchanged"
		}
		fmt.Fprintf(e.stdout, "%s: %d Ranglisten, %s\n", r.File, r.Rows, what)
		return nil
	}
	var r jobs.RangUploadResult
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Errorf("reading the job's result: %w", err)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ranglisten sent\t%d\nentries sent\t%d\nmessages\t%d\nneu\t%d\naktualisiert\t%d\nzurueckgewiesen\t%d\nrefused entries\t%d\n",
		r.Ranglisten, r.Eintraege, r.Nachrichten, len(r.Neu), len(r.Aktualisiert), len(r.Zurueckgewiesen), len(r.Verweigert))
	if len(r.AusserhalbFilter) > 0 {
		fmt.Fprintf(tw, "outside abschluss_filter\t%d Ranglisten of %d Studienpakete, not sent\n", r.AusserhalbFilterRanglisten, len(r.AusserhalbFilter))
	}
	if len(r.NichtGespiegelt) > 0 {
		fmt.Fprintf(tw, "not in the mirror\t%s\n", strings.Join(r.NichtGespiegelt, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, z := range r.Zurueckgewiesen {
		fmt.Fprintf(e.stdout, "zurueckgewiesen %s: %s\n", z.Rangliste, z.Grund)
	}
	for _, f := range r.AusserhalbFilter {
		fmt.Fprintf(e.stdout, "%s (%s)\n", f.Grund, strings.Join(f.Ranglisten, ", "))
	}
	for _, v := range r.Verweigert {
		fmt.Fprintf(e.stdout, "refused %s: %s (rang %d) has no Bewerbung for the Studienpaket\n", v.Rangliste, v.BewerberID, v.Rang)
	}
	return nil
}
