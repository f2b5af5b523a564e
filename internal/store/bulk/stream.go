package bulk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrRestartChecked says that an import pass streamed rows optimistically
// into a table where one of their keys existed already: the pass is undone
// (see Tx.RestartChecked) and must run again from the first record,
// checking keys batch by batch.
var ErrRestartChecked = errors.New("a key of the file exists already in the table: the import runs again, checking each batch")

// copyStream is one COPY statement fed batch by batch, so that a table
// gets a million rows in one statement although the importer holds only
// a batch of them at a time: each COPY statement costs PostgreSQL a few
// milliseconds on its own, more than a thousand rows do.
type copyStream struct {
	target  *Target
	table   string // the table copied into: the target's or its staging table
	batches chan streamBatch
	taken   chan struct{} // a batch is encoded: its memory is the caller's again
	done    chan struct{} // the COPY ended
	n       int64
	err     error
}

// streamBatch is one batch of a stream; flag is the fill function's to
// read (staging: the rows were rejected).
type streamBatch struct {
	rows []Row
	flag bool
}

// streamWait bounds how long the stream's reader waits for the next batch
// before it lets pgconn look for an error from the server.
const streamWait = 20 * time.Millisecond

// openStream starts a COPY into target's table.
func (t *Tx) openStream(ctx context.Context, target *Target) {
	names, types := directColumns(target)
	runID := Int(t.runID)
	t.openStreamInto(ctx, target, target.Table, names, types, func(buf []Value, r *Row, _ bool) {
		copy(buf, r.Values)
		if !target.NoRun {
			buf[len(buf)-1] = runID
		}
	})
}

// openStreamInto starts a COPY into table (columns names of types types);
// fill puts a row's values into buf.
func (t *Tx) openStreamInto(ctx context.Context, target *Target, table string, names, types []string,
	fill func(buf []Value, r *Row, flag bool)) {
	s := &copyStream{target: target, table: table, batches: make(chan streamBatch), taken: make(chan struct{}, 1), done: make(chan struct{})}
	var cur streamBatch
	i := 0
	timer := time.NewTimer(streamWait)
	src := func(buf []Value) rowState {
		for i >= len(cur.rows) {
			if cur.rows != nil {
				cur.rows = nil
				s.taken <- struct{}{}
			}
			timer.Reset(streamWait)
			select {
			case b, ok := <-s.batches:
				if !ok {
					return rowsEnd
				}
				cur, i = b, 0
			case <-timer.C:
				return rowWait
			}
		}
		fill(buf, &cur.rows[i], cur.flag)
		i++
		return rowFilled
	}
	go func() {
		defer close(s.done)
		defer timer.Stop()
		s.n, s.err = copyFrom(ctx, t.tx, table, names, types, src)
	}()
	t.stream = s
}

// send streams rows; it returns once they are encoded, so that the caller
// may reuse their memory, or with the stream's error when it ended.
func (s *copyStream) send(rows []Row, flag bool) error {
	if len(rows) == 0 {
		return nil
	}
	select {
	case s.batches <- streamBatch{rows: rows, flag: flag}:
	case <-s.done:
		return s.failure()
	}
	select {
	case <-s.taken:
		return nil
	case <-s.done:
		return s.failure()
	}
}

// end finishes the COPY and returns its rows written.
func (s *copyStream) end() (int64, error) {
	close(s.batches)
	<-s.done
	if s.err != nil {
		return 0, s.failure()
	}
	return s.n, nil
}

func (s *copyStream) failure() error {
	if s.err == nil {
		return fmt.Errorf("copying into %s: the stream ended early", s.table)
	}
	var pgErr *pgconn.PgError
	if errors.As(s.err, &pgErr) && pgErr.Code == pgerrcode.UniqueViolation && s.table == s.target.Table {
		return fmt.Errorf("copying into %s: %w", s.table, ErrRestartChecked)
	}
	return fmt.Errorf("copying into %s: %w", s.table, s.err)
}

// endStream finishes an open stream; every other use of the transaction
// comes after it.
func (t *Tx) endStream() error {
	if t.stream == nil {
		return nil
	}
	s := t.stream
	t.stream = nil
	_, err := s.end()
	return err
}

// directColumns are the columns a direct COPY into target writes: its
// import columns and, unless NoRun, the run id.
func directColumns(target *Target) (names, types []string) {
	for _, c := range target.Columns {
		names = append(names, c.Name)
		types = append(types, c.Type)
	}
	if !target.NoRun {
		names = append(names, "import_run_id")
		types = append(types, "bigint")
	}
	return names, types
}

// BeginPass starts a pass over the file: what it writes can be undone by
// RestartChecked. Within a pass, create-mode rows of tables without
// parents or unique column sets are streamed into one COPY statement per
// table and run of batches.
func (t *Tx) BeginPass(ctx context.Context) error {
	if err := t.endStream(); err != nil {
		return err
	}
	sp, err := t.tx.Begin(ctx) // a savepoint
	if err != nil {
		return fmt.Errorf("starting import pass: %w", err)
	}
	t.pass = sp
	return nil
}

// EndPass finishes the pass: its streamed rows are written or its error
// (ErrRestartChecked among them) is returned.
func (t *Tx) EndPass(ctx context.Context) error {
	if err := t.endStream(); err != nil {
		return err
	}
	if t.pass == nil {
		return nil
	}
	sp := t.pass
	t.pass = nil
	if err := sp.Commit(ctx); err != nil { // RELEASE SAVEPOINT
		return fmt.Errorf("ending import pass: %w", err)
	}
	return nil
}

// RestartChecked undoes the pass after ErrRestartChecked (or any error)
// and makes every later create check its keys batch by batch; the caller
// then begins a new pass from the file's first record.
func (t *Tx) RestartChecked(ctx context.Context) error {
	if t.stream != nil {
		_ = t.endStream() // what it wrote is undone next
	}
	t.checkAll = true
	clear(t.staged) // staging tables made in the pass are gone with it
	clear(t.seen)
	clear(t.filed)
	clear(t.filedRows)
	clear(t.filedRejected)
	clear(t.direct)
	clear(t.held)
	clear(t.filedIgn)
	if t.pass == nil {
		return nil
	}
	sp := t.pass
	t.pass = nil
	if err := sp.Rollback(ctx); err != nil {
		return fmt.Errorf("undoing import pass: %w", err)
	}
	return nil
}
