package outbound

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"path/filepath"

	"go.uber.org/zap"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"sestd/internal/fsutil"
	"sestd/internal/store"
)

// export writes the changes of this run that concern the university (the
// uni views' rows, see store.ExportChanges) as one CSV file per kind into
// export.dir: semicolon-separated with a header, in export.encoding,
// written atomically, named <kind>_<run>_<window end>.csv. Kinds without
// changes get no file. It returns the files written.
func (o *Sender) export(ctx context.Context) ([]string, error) {
	cfg := o.cfg.Export
	if err := fsutil.MkdirPrivate(cfg.Dir); err != nil {
		return nil, fmt.Errorf("export.dir %s: %w", cfg.Dir, err)
	}
	run, err := o.store.ExportChanges(ctx, func(run store.ExportRun, kind string, header []string, rows [][]string) (string, error) {
		if len(rows) == 0 {
			return "", nil
		}
		data, err := encodeCSV(header, rows, cfg.Encoding)
		if err != nil {
			return "", err
		}
		name := fmt.Sprintf("%s_%06d_%s.csv", kind, run.ID, run.Hi.UTC().Format("20060102T150405Z"))
		if err := fsutil.WriteFileShared(filepath.Join(cfg.Dir, name), data); err != nil {
			return "", err
		}
		return name, nil
	})
	if err != nil {
		return nil, err
	}
	fields := []zap.Field{zap.Int64("export_run", run.ID), zap.Strings("files", run.Files)}
	for k, n := range run.Rows {
		fields = append(fields, zap.Int(k, n))
	}
	o.log(ctx).Info("changes exported to the university", fields...)
	return run.Files, nil
}

// encodeCSV renders a CSV file in enc (utf-8, or windows-1252 with CRLF
// line ends; characters windows-1252 lacks become '?').
func encodeCSV(header []string, rows [][]string, enc string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	w.UseCRLF = enc == "windows-1252"
	if err := w.Write(header); err != nil {
		return nil, err
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	if enc != "windows-1252" {
		return buf.Bytes(), nil
	}
	out, err := encoding.ReplaceUnsupported(charmap.Windows1252.NewEncoder()).Bytes(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("encoding windows-1252: %w", err)
	}
	return out, nil
}
