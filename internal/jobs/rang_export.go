package jobs

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"go.uber.org/zap"

	"sestd/internal/fsutil"
	"sestd/internal/importers/charset"
	"sestd/internal/store"
)

// RangStatusFile is the name of the Ranglisten status CSV in export.dir.
const RangStatusFile = "rang_status.csv"

// RangExportStatusArgs writes every Rangliste's status back for the
// university (Sestco's BaseRangHandler.update_university): rang_status.csv
// in export.dir, one row per Rangliste the Ranglistenstatus delta poll
// mirrored, with its status and statusanmerkung, the entries imported for
// it and sestd's latest upload result. The same rows are the view
// uni.ranglisten_status.
type RangExportStatusArgs struct{}

// Kind implements river.JobArgs.
func (RangExportStatusArgs) Kind() string { return "rang_export_status" }

// InsertOpts keeps one export queued or running.
func (RangExportStatusArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, UniqueOpts: uniqueWhileActive()}
}

// RangExportStatusWorker runs RangExportStatusArgs.
type RangExportStatusWorker struct {
	river.WorkerDefaults[RangExportStatusArgs]
	deps Deps
}

// RangExportResult is the recorded output of the export.
type RangExportResult struct {
	File string `json:"file"`
	Rows int    `json:"rows"`
	// Written is false when the file held these rows already.
	Written bool `json:"written"`
}

// Work writes the file atomically (readers see the old or the new one),
// in export.encoding, and only when its content changed.
func (w *RangExportStatusWorker) Work(ctx context.Context, _ *river.Job[RangExportStatusArgs]) error {
	rows, err := w.deps.Store.RangStatusList(ctx)
	if err != nil {
		return err
	}
	data, err := rangStatusCSV(rows, w.deps.Config.Export.Encoding)
	if err != nil {
		return river.JobCancel(err)
	}
	dir := w.deps.Config.Export.Dir
	res := RangExportResult{File: filepath.Join(dir, RangStatusFile), Rows: len(rows)}
	if old, err := os.ReadFile(res.File); err != nil || !bytes.Equal(old, data) {
		if err := fsutil.MkdirPrivate(dir); err != nil {
			return fmt.Errorf("export.dir: %w", err)
		}
		if err := fsutil.WriteFileShared(res.File, data); err != nil {
			return fmt.Errorf("writing %s: %w", RangStatusFile, err)
		}
		res.Written = true
		Logger(ctx).Info("Ranglisten status exported", zap.String("file", res.File), zap.Int("rows", res.Rows))
	}
	return river.RecordOutput(ctx, res)
}

// rangStatusCSV renders the rows as semicolon-separated CSV with a header;
// times in RFC 3339 UTC, missing values empty.
func rangStatusCSV(rows []store.RangStatus, encoding string) ([]byte, error) {
	var buf bytes.Buffer
	cw, err := charset.NewWriter(&buf, encoding, false)
	if err != nil {
		return nil, fmt.Errorf("export.encoding: %w", err)
	}
	w := csv.NewWriter(cw)
	w.Comma = ';'
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	_ = w.Write([]string{"ranglisten_schluessel", "studienpaket_schluessel", "studienpaket_name", "status", "statusanmerkung",
		"anzahl_eintraege", "eintraege_importiert", "letzte_aenderung", "letzter_upload_at", "letzter_upload_ergebnis", "letzter_upload_grund"})
	for _, r := range rows {
		_ = w.Write([]string{r.Rangliste, r.Studienpaket, r.StudienpaketName, r.Status, r.Statusanmerkung,
			strconv.Itoa(r.AnzahlEintraege), strconv.Itoa(r.EintraegeImportiert), ts(r.LetzteAenderung), ts(r.LetzterUploadAt),
			r.LetzterUploadErgebnis, r.LetzterUploadGrund})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", RangStatusFile, err)
	}
	if c, ok := cw.(io.Closer); ok {
		if err := c.Close(); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", RangStatusFile, err)
		}
	}
	return buf.Bytes(), nil
}
