package batch

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"sestd/internal/store/bulk"
)

// suspect is a record whose key hash was met before in the file, with its
// row as staged.
type suspect struct {
	rec     Record
	row     bulk.Row
	earlier int64 // the file line of the first row with the key's hash
}

// finishStaged merges the staged rows of a full export, after the last
// batch, and rejects the rows whose key an earlier row of the file had
// (their rejects follow those of the batches).
func (e *engine) finishStaged(ctx context.Context) error {
	rows := make([]bulk.Suspect, 0, len(e.suspects))
	for _, s := range e.suspects {
		rows = append(rows, bulk.Suspect{Row: s.row, Earlier: s.earlier})
	}
	res, err := e.tx.StageMerge(ctx, e.staged, rows)
	if err != nil {
		return err
	}
	e.created[e.staged] += res.Created
	e.counts.Created += res.Created
	e.counts.Updated += res.Updated
	e.counts.Unchanged += res.Unchanged
	slices.SortFunc(res.Rejected, func(a, b bulk.LineReject) int { return cmp.Compare(a.Line, b.Line) })
	for _, r := range res.Rejected {
		s, ok := e.suspects[r.Line]
		rec := s.rec
		if !ok {
			return fmt.Errorf("a repeated key on a row not among the suspects (sequence %d)", r.Line)
		}
		e.counts.Rejected++
		if err := e.rej.Reject(rec, r.Reason); err != nil {
			return fmt.Errorf("writing rejected line %d: %w", rec.Line, err)
		}
	}
	if e.p.Progress != nil {
		e.p.Progress(e.counts)
	}
	return nil
}

// suspect adds the key hashes of the record being added to those of the
// file and keeps a copy of it when one was there before: its key may be
// an earlier row's (StageMerge decides). In a direct stage
// (bulk.StageDirect) its staged out is marked held: StageRows does not
// get it, StageMerge does.
func (e *engine) suspect(keys []uint64, outs []Out) {
	again := false
	for _, k := range keys {
		if isNew, _ := e.fileKeys.add(k, e.rec.Line); !isNew {
			again = true
		}
	}
	if again {
		rec := e.rec
		rec.Values = make([]string, len(e.rec.Values))
		for i, v := range e.rec.Values {
			rec.Values[i] = strings.Clone(v)
		}
		for i, o := range outs {
			if o.Values.Target == e.staged && !o.Companion {
				var earlier int64
				if e.direct {
					_, earlier = e.fileKeys.add(e.rowKeys(nil, o.Values)[0], e.rec.Line)
					outs[i].held = true
				}
				e.suspects[rec.seq] = suspect{rec: rec, row: bulk.CloneRow(o.Values.Row), earlier: earlier}
			}
		}
	}
}
