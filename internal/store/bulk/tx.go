package bulk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"sestd/internal/store"
)

// Mode is Kofa's import mode.
type Mode string

// The import modes. Upsert is create-or-update, for files that are
// re-delivered whole (S-BEAT exports).
const (
	ModeCreate Mode = "create"
	ModeUpdate Mode = "update"
	ModeRemove Mode = "remove"
	ModeUpsert Mode = "upsert"
	// ModeSync is a full export's mode: upsert, and a key repeated in the
	// file is rejected; the keys seen are kept for SyncAbsent and
	// SyncRemove, which handle the rows of the scope the file lacks.
	ModeSync Mode = "sync"
)

// Row is one row for a target: the file line it came from (unique
// within one Merge call), the values in the target's column order, and a
// bit mask of columns to leave unchanged on update (bit i = Columns[i]:
// Kofa's <IGNORE>, or a column the file does not have).
type Row struct {
	Line   int64
	Values []Value
	Ignore uint64
	// SrcLine is the line of the file the row came from, for messages
	// naming an earlier row (0: Line is the file's line).
	SrcLine int64
}

// LineReject is a row the database refused, with a reason a clerk can act
// on.
type LineReject struct {
	Line   int64
	Reason string
}

// MergeResult counts what one Merge did. Unchanged rows (update, upsert,
// sync: every value as stored) are not written at all: their updated_at
// and import_run_id stay.
type MergeResult struct {
	Created   int64
	Updated   int64
	Unchanged int64
	Removed   int64
	Rejected  []LineReject
}

// Transition is an allowed change of a target's State column.
type Transition struct{ From, To string }

// MergeOptions tunes a Merge. Transitions, when not nil, lists the only
// allowed changes of the target's State column in update and upsert mode
// (from or to NULL, "not set", is always allowed).
type MergeOptions struct {
	Transitions []Transition
}

// Tx is the one transaction an import writes in: everything or
// nothing of a file is committed. It is not safe for concurrent use.
type Tx struct {
	// The store's queries in this transaction: the run's record
	// (ImportRunFinish, ImportFindDone).
	*store.ImportTx
	conn   *pgxpool.Conn
	tx     pgx.Tx
	runID  int64
	staged map[string]bool
	done   bool
	// checkKeys: tables where create met an existing key; their later
	// batches are checked before the COPY. checkAll: every table, after a
	// pass was restarted.
	checkKeys map[string]bool
	checkAll  bool
	pass      pgx.Tx      // the savepoint of the current pass, if any
	stream    *copyStream // the open COPY of the pass, if any
	// seen: the sync-mode key tables made (see sync.go).
	seen map[string]bool
	// filed: the targets whose full export is staged whole, with the rows
	// staged (not rejected) so far (see stage.go).
	filed         map[string]bool
	filedRows     map[string]int64
	filedRejected map[string]int64
	// direct: the staged targets whose rows go straight into their table
	// (true: it was empty when the first rows came) or into the staging
	// table (false); held: the rows rejected before that a direct stage
	// keeps back for StageMerge (see StageDirect).
	direct map[string]bool
	held   map[string][]Row
	// filedIgn: the columns the staged rows keep as stored.
	filedIgn map[string]ignored
}

// Begin starts the transaction of an import on a connection of st's
// pool. It takes a
// transaction-scoped advisory lock on each of lockKeys (the tables the
// import writes), in sorted order, so that imports writing a table run one
// after the other. Rows written carry import run runID (see SetRunID). The
// caller must Commit or Rollback.
func Begin(ctx context.Context, st *store.Store, runID int64, lockKeys ...string) (*Tx, error) {
	conn, err := st.Pool().Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquiring connection for import: %w", err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		conn.Release()
		return nil, fmt.Errorf("beginning import transaction: %w", err)
	}
	keys := slices.Clone(lockKeys)
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('sestd.import.' || $1, 0))`, k); err != nil {
			_ = tx.Rollback(ctx)
			conn.Release()
			return nil, fmt.Errorf("taking import lock for %s: %w", k, err)
		}
	}
	// Every statement of an import joins one batch (a few thousand rows)
	// with a table that may hold millions and grows within this very
	// transaction, so its statistics lag: without this the planner may
	// hash the whole table once per batch. Index probes per row are the
	// plan that scales.
	if _, err := tx.Exec(ctx, `SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off`); err != nil {
		_ = tx.Rollback(ctx)
		conn.Release()
		return nil, fmt.Errorf("setting import plan options: %w", err)
	}
	t := &Tx{conn: conn, tx: tx, runID: runID, staged: map[string]bool{}, checkKeys: map[string]bool{}, seen: map[string]bool{},
		filed: map[string]bool{}, filedRows: map[string]int64{}, filedRejected: map[string]int64{},
		direct: map[string]bool{}, held: map[string][]Row{}, filedIgn: map[string]ignored{}}
	t.ImportTx = store.NewImportTx(tx, t.endStream)
	return t, nil
}

// SetRunID sets the import run that rows written from now on carry.
func (t *Tx) SetRunID(id int64) { t.runID = id }

// Commit commits the import and releases the connection.
func (t *Tx) Commit(ctx context.Context) error {
	if t.done {
		return errors.New("committing import: transaction already ended")
	}
	t.done = true
	defer t.conn.Release()
	if err := t.endStream(); err != nil {
		_ = t.tx.Rollback(context.WithoutCancel(ctx))
		return fmt.Errorf("committing import: %w", err)
	}
	if err := t.tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing import: %w", err)
	}
	return nil
}

// Rollback abandons the import and releases the connection. It is safe to
// call after Commit (then it does nothing), so callers defer it.
func (t *Tx) Rollback(ctx context.Context) {
	if t.done {
		return
	}
	t.done = true
	_ = t.endStream()
	// A fresh context: the rollback must happen even when ctx was cancelled.
	_ = t.tx.Rollback(context.WithoutCancel(ctx))
	t.conn.Release()
}

func stageName(t *Target) string { return "import_stage_" + t.Table }

func (t *Tx) stage(ctx context.Context, target *Target) error {
	name := stageName(target)
	if t.staged[name] {
		_, err := t.tx.Exec(ctx, "TRUNCATE "+ident(name))
		if err != nil {
			return fmt.Errorf("emptying staging table for %s: %w", target.Table, err)
		}
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TEMP TABLE %s (line bigint NOT NULL, src bigint NOT NULL, ign bigint NOT NULL", ident(name))
	for _, c := range target.Columns {
		fmt.Fprintf(&b, ", %s %s", ident(c.Name), c.Type)
	}
	b.WriteString(") ON COMMIT DROP")
	if _, err := t.tx.Exec(ctx, b.String()); err != nil {
		return fmt.Errorf("creating staging table for %s: %w", target.Table, err)
	}
	t.staged[name] = true
	return nil
}

func (t *Tx) copyStage(ctx context.Context, target *Target, rows []Row) error {
	names := make([]string, 0, len(target.Columns)+2)
	types := make([]string, 0, len(target.Columns)+2)
	names = append(names, "line", "src", "ign")
	types = append(types, "bigint", "bigint", "bigint")
	for _, c := range target.Columns {
		names = append(names, c.Name)
		types = append(types, c.Type)
	}
	_, err := copyRows(ctx, t.tx, stageName(target), names, types, len(rows), func(i int, buf []Value) bool {
		r := rows[i]
		buf[0] = Int(r.Line)
		src := r.SrcLine
		if src == 0 {
			src = r.Line
		}
		buf[1] = Int(src)
		buf[2] = Int(int64(r.Ignore))
		copy(buf[3:], r.Values)
		return true
	})
	if err != nil {
		return fmt.Errorf("copying %d rows for %s: %w", len(rows), target.Table, err)
	}
	return nil
}

func keyMatch(a, b string, key []string) string {
	parts := make([]string, len(key))
	for i, k := range key {
		parts[i] = fmt.Sprintf("%s.%s = %s.%s", a, ident(k), b, ident(k))
	}
	return strings.Join(parts, " AND ")
}

// rejectLines runs query (which selects line and reason) and removes the
// lines it finds from the staging table.
func (t *Tx) rejectLines(ctx context.Context, target *Target, query string, args ...any) ([]LineReject, error) {
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LineReject, error) {
		var lr LineReject
		err := r.Scan(&lr.Line, &lr.Reason)
		return lr, err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	lines := make([]int64, len(out))
	for i, r := range out {
		lines[i] = r.Line
	}
	if _, err := t.tx.Exec(ctx, "DELETE FROM "+ident(stageName(target))+" WHERE line = ANY($1)", lines); err != nil {
		return nil, err
	}
	return out, nil
}

// Merge writes rows into target according to mode, through COPY into a
// staging table and one set-based statement per step; never a round trip
// per row. Rows whose key occurs twice in one call are a caller error. A
// row that cannot be written is returned in Rejected with its reason
// (create: the key exists; update, remove: it does not; a Unique column
// set taken by another row; a missing parent; a State change not in
// opts.Transitions; sync: a key, or Unique values, an earlier row of the
// file had) and nothing of it is written. Update, upsert and sync write
// only rows that differ from the stored ones (MergeResult.Unchanged). Within a pass (see
// BeginPass), rows that create mode adds to a table without parents or
// unique column sets join the pass's COPY stream: an existing key shows
// as ErrRestartChecked, from this call or a later one.
func (t *Tx) Merge(ctx context.Context, target *Target, mode Mode, rows []Row, opts MergeOptions) (res MergeResult, retErr error) {
	if len(rows) == 0 {
		return res, nil
	}
	if mode == ModeCreate && target.Parent == nil && len(target.Unique) == 0 {
		return t.createDirect(ctx, target, rows)
	}
	if err := t.endStream(); err != nil {
		return res, err
	}
	if err := t.stage(ctx, target); err != nil {
		return res, err
	}
	if err := t.copyStage(ctx, target, rows); err != nil {
		return res, err
	}
	staged := int64(len(rows))
	st := ident(stageName(target))
	tbl := ident(target.Table)
	match := keyMatch("t", "s", target.Key)
	keyText := make([]string, len(target.Key))
	for i, k := range target.Key {
		keyText[i] = "s." + ident(k) + "::text"
	}
	keyDesc := "concat_ws(', ', " + strings.Join(keyText, ", ") + ")"
	fail := func(step string, err error) (MergeResult, error) {
		return res, fmt.Errorf("%s %s rows: %w", step, target.Table, err)
	}
	reject := func(step, q string, args ...any) error {
		rj, err := t.rejectLines(ctx, target, q, args...)
		if err != nil {
			return fmt.Errorf("%s %s rows: %w", step, target.Table, err)
		}
		res.Rejected = append(res.Rejected, rj...)
		staged -= int64(len(rj))
		return nil
	}

	// Sync: a key the file had before is rejected (the first row wins),
	// then the batch's keys join the keys seen, which the unique column
	// sets are checked against (rows of the scope not in the file are
	// removed at the end, so they hold no value).
	if mode == ModeSync {
		if err := t.seenTable(ctx, target); err != nil {
			return res, err
		}
		q := fmt.Sprintf(`SELECT s.line, %s || ' = ' || %s || ' is in the file already, on line ' || x.src
			FROM %s s JOIN %s x ON %s`, quoteLiteral(strings.Join(target.Key, ", ")), keyDesc, st, ident(seenName(target)), keyMatch("x", "s", target.Key))
		if err := reject("checking repeated keys of", q); err != nil {
			return res, err
		}
		for _, u := range target.Unique {
			descs := make([]string, len(u))
			for i, c := range u {
				descs[i] = "s." + ident(c) + "::text"
			}
			q := fmt.Sprintf(`SELECT DISTINCT ON (s.line) s.line, %s || ' = ' || concat_ws(', ', %s) || ' is given to ' || concat_ws(', ', %s) || ' on line ' || x.src || ' already'
				FROM %s s JOIN %s x ON %s WHERE NOT x.rejected ORDER BY s.line, x.src`,
				quoteLiteral(strings.Join(u, ", ")), strings.Join(descs, ", "), strings.ReplaceAll(strings.Join(keyText, ", "), "s.", "x."),
				st, ident(seenName(target)), keyMatch("x", "s", u))
			if err := reject("checking unique columns of", q); err != nil {
				return res, err
			}
		}
		if err := t.seenAdd(ctx, target); err != nil {
			return res, err
		}
		// Rows rejected from here on are among the keys seen, as rejected.
		n := len(res.Rejected)
		defer func() {
			var lines []int64
			for _, r := range res.Rejected[n:] {
				lines = append(lines, r.Line)
			}
			if err := t.seenMarkRejected(ctx, target, lines); err != nil && retErr == nil {
				retErr = err
			}
		}()
	}

	if mode != ModeRemove {
		if p := target.Parent; p != nil {
			conds := make([]string, len(p.Columns))
			descs := make([]string, len(p.Columns))
			for i := range p.Columns {
				conds[i] = fmt.Sprintf("p.%s = s.%s", ident(p.ParentColumns[i]), ident(p.Columns[i]))
				descs[i] = "s." + ident(p.Columns[i]) + "::text"
			}
			q := fmt.Sprintf(`SELECT s.line, %s || concat_ws(', ', %s) || ' (create it first)'
				FROM %s s WHERE NOT EXISTS (SELECT 1 FROM %s p WHERE %s)`,
				quoteLiteral(fmt.Sprintf("no %s row with %s ", p.Table, strings.Join(p.Columns, ", "))), strings.Join(descs, ", "), st, ident(p.Table), strings.Join(conds, " AND "))
			if err := reject("checking parents of", q); err != nil {
				return res, err
			}
		}
		for _, u := range target.Unique {
			if mode == ModeSync {
				break // checked against the file's rows above
			}
			descs := make([]string, len(u))
			for i, c := range u {
				descs[i] = "s." + ident(c) + "::text"
			}
			// A stored holder that a row of the batch updates gives the
			// value up; in create mode no row updates anything (a row
			// with a stored key is rejected).
			vacates := "true"
			if mode != ModeCreate {
				vacates = fmt.Sprintf("NOT EXISTS (SELECT 1 FROM %s s2 WHERE %s)", st, keyMatch("t", "s2", target.Key))
			}
			q := fmt.Sprintf(`SELECT s.line, %s || concat_ws(', ', %s) || ' is already taken by ' || concat_ws(', ', %s)
				FROM %s s JOIN %s t ON %s
				WHERE NOT (%s)
				AND %s`,
				quoteLiteral(strings.Join(u, ", ")+" "), strings.Join(descs, ", "), strings.ReplaceAll(strings.Join(keyText, ", "), "s.", "t."),
				st, tbl, keyMatch("t", "s", u), match, vacates)
			if err := reject("checking unique columns of", q); err != nil {
				return res, err
			}
		}
	}
	if (mode == ModeUpdate || mode == ModeUpsert || mode == ModeSync) && target.State != "" && opts.Transitions != nil {
		bit := 1 << slices.IndexFunc(target.Columns, func(c Column) bool { return c.Name == target.State })
		from := make([]string, len(opts.Transitions))
		to := make([]string, len(opts.Transitions))
		for i, tr := range opts.Transitions {
			from[i], to[i] = tr.From, tr.To
		}
		sc := ident(target.State)
		q := fmt.Sprintf(`SELECT s.line, %s || coalesce(t.%s, '(none)') || ' to ' || coalesce(s.%s, '(none)')
			FROM %s s JOIN %s t ON %s
			WHERE s.ign & %d = 0 AND s.%s <> t.%s
			AND NOT EXISTS (SELECT 1 FROM unnest($1::text[], $2::text[]) a(f, n) WHERE a.f = t.%s AND a.n = s.%s)`,
			quoteLiteral(target.State+" may not change from "), sc, sc, st, tbl, match, bit, sc, sc, sc, sc)
		if err := reject("checking transitions of", q, from, to); err != nil {
			return res, err
		}
	}

	insertCols, selectCols := t.insertLists(target)
	insert := fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s s WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE %s)`,
		tbl, insertCols, selectCols, st, tbl, match)

	switch mode {
	case ModeCreate:
		q := fmt.Sprintf(`SELECT s.line, 'already exists: ' || %s FROM %s s WHERE EXISTS (SELECT 1 FROM %s t WHERE %s)`,
			keyDesc, st, tbl, match)
		if err := reject("checking existing", q); err != nil {
			return res, err
		}
		tag, err := t.tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s s`, tbl, insertCols, selectCols, st))
		if err != nil {
			return fail("inserting", err)
		}
		res.Created = tag.RowsAffected()
	case ModeUpdate, ModeUpsert, ModeSync:
		// Only rows whose values differ are written: an unchanged row
		// keeps its updated_at, so nothing downstream sees a change.
		sets, olds, news := t.updateLists(target)
		update := ""
		if len(olds) > 0 { // a table of key columns only has nothing to update
			update = fmt.Sprintf(`UPDATE %s t SET %s FROM %s s WHERE %s AND ROW(%s) IS DISTINCT FROM ROW(%s)`,
				tbl, strings.Join(sets, ", "), st, match, strings.Join(olds, ", "), strings.Join(news, ", "))
		}
		if mode == ModeUpdate {
			q := fmt.Sprintf(`SELECT s.line, 'not found: ' || %s FROM %s s WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE %s)`,
				keyDesc, st, tbl, match)
			if err := reject("checking missing", q); err != nil {
				return res, err
			}
		}
		if update != "" {
			tag, err := t.tx.Exec(ctx, update)
			if err != nil {
				return fail("updating", err)
			}
			res.Updated = tag.RowsAffected()
		}
		if mode != ModeUpdate {
			tag, err := t.tx.Exec(ctx, insert)
			if err != nil {
				return fail("inserting", err)
			}
			res.Created = tag.RowsAffected()
		}
		res.Unchanged = staged - res.Created - res.Updated
	case ModeRemove:
		q := fmt.Sprintf(`SELECT s.line, 'not found: ' || %s FROM %s s WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE %s)`,
			keyDesc, st, tbl, match)
		if err := reject("checking missing", q); err != nil {
			return res, err
		}
		tag, err := t.tx.Exec(ctx, fmt.Sprintf(`DELETE FROM %s t USING %s s WHERE %s`, tbl, st, match))
		if err != nil {
			return fail("deleting", err)
		}
		res.Removed = tag.RowsAffected()
	default:
		return res, fmt.Errorf("merging %s rows: unknown mode %q", target.Table, mode)
	}
	return res, nil
}

// createDirect is create mode for targets without parents or unique
// column sets: one query finds the keys that exist already (through the
// primary key's index), the other rows go into the table by COPY
// directly, with no staging table in between.
func (t *Tx) createDirect(ctx context.Context, target *Target, rows []Row) (MergeResult, error) {
	// Optimistically, no key exists. Within a pass the rows join the
	// pass's COPY stream into the table; a key that exists undoes the
	// pass (ErrRestartChecked). Outside a pass they are copied under a
	// savepoint: the first batch that meets an existing key is rolled back
	// and the target is checked key by key from then on (for this import).
	if t.pass != nil && !t.checkAll && !t.checkKeys[target.Table] {
		if t.stream != nil && t.stream.table != target.Table {
			if err := t.endStream(); err != nil {
				return MergeResult{}, err
			}
		}
		if t.stream == nil {
			t.openStream(ctx, target)
		}
		if err := t.stream.send(rows, false); err != nil {
			t.stream = nil
			return MergeResult{}, err
		}
		return MergeResult{Created: int64(len(rows))}, nil
	}
	if err := t.endStream(); err != nil {
		return MergeResult{}, err
	}
	if !t.checkAll && !t.checkKeys[target.Table] {
		n, err := t.copyDirect(ctx, target, rows, true)
		if err == nil {
			return MergeResult{Created: n}, nil
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != pgerrcode.UniqueViolation {
			return MergeResult{}, err
		}
		t.checkKeys[target.Table] = true
	}
	var res MergeResult
	keyIdx := make([]int, len(target.Key))
	arrays := make([]any, len(target.Key))
	conds := make([]string, len(target.Key))
	descs := make([]string, len(target.Key))
	for i, k := range target.Key {
		keyIdx[i] = target.Col(k)
		arrays[i] = keyArray(target.Columns[keyIdx[i]].Type, rows, keyIdx[i])
		conds[i] = fmt.Sprintf("t.%s = k.k%d", ident(k), i)
		descs[i] = fmt.Sprintf("k.k%d::text", i)
	}
	cols := make([]string, len(target.Key))
	for i := range target.Key {
		cols[i] = fmt.Sprintf("k%d", i)
	}
	params := make([]string, len(target.Key))
	for i, k := range target.Key {
		params[i] = fmt.Sprintf("$%d::%s[]", i+1, target.Columns[target.Col(k)].Type)
	}
	q := fmt.Sprintf(`SELECT k.i, 'already exists: ' || concat_ws(', ', %s)
		FROM unnest(%s) WITH ORDINALITY AS k(%s, i)
		WHERE EXISTS (SELECT 1 FROM %s t WHERE %s)`,
		strings.Join(descs, ", "), strings.Join(params, ", "), strings.Join(cols, ", "), ident(target.Table), strings.Join(conds, " AND "))
	found, err := t.tx.Query(ctx, q, arrays...)
	if err != nil {
		return res, fmt.Errorf("checking existing %s rows: %w", target.Table, err)
	}
	exists := map[int]string{}
	for found.Next() {
		var i int64
		var reason string
		if err := found.Scan(&i, &reason); err != nil {
			found.Close()
			return res, fmt.Errorf("checking existing %s rows: %w", target.Table, err)
		}
		exists[int(i-1)] = reason
	}
	if err := found.Err(); err != nil {
		return res, fmt.Errorf("checking existing %s rows: %w", target.Table, err)
	}
	keep := rows[:0:0]
	for i, r := range rows {
		if reason, ok := exists[i]; ok {
			res.Rejected = append(res.Rejected, LineReject{Line: r.Line, Reason: reason})
			continue
		}
		keep = append(keep, r)
	}
	n, err := t.copyDirect(ctx, target, keep, false)
	if err != nil {
		return res, err
	}
	res.Created = n
	return res, nil
}

// copyDirect copies rows into target's table, with the run id; under a
// savepoint when guarded, so that a failure leaves the transaction usable.
func (t *Tx) copyDirect(ctx context.Context, target *Target, rows []Row, guarded bool) (int64, error) {
	names, types := directColumns(target)
	fill := func(i int, buf []Value) bool {
		copy(buf, rows[i].Values)
		if !target.NoRun {
			buf[len(buf)-1] = Int(t.runID)
		}
		return true
	}
	if !guarded {
		n, err := copyRows(ctx, t.tx, target.Table, names, types, len(rows), fill)
		if err != nil {
			return 0, fmt.Errorf("copying %d rows into %s: %w", len(rows), target.Table, err)
		}
		return n, nil
	}
	sp, err := t.tx.Begin(ctx) // a savepoint
	if err != nil {
		return 0, fmt.Errorf("copying into %s: %w", target.Table, err)
	}
	n, err := copyRows(ctx, sp, target.Table, names, types, len(rows), fill)
	if err != nil {
		_ = sp.Rollback(ctx)
		return 0, err
	}
	if err := sp.Commit(ctx); err != nil {
		return 0, fmt.Errorf("copying into %s: %w", target.Table, err)
	}
	return n, nil
}

// keyArray collects column col of rows as a typed slice for unnest.
func keyArray(typ string, rows []Row, col int) any {
	switch typ {
	case "integer", "bigint":
		out := make([]int64, len(rows))
		for i, r := range rows {
			out[i], _ = r.Values[col].AsInt()
		}
		return out
	case "date":
		out := make([]time.Time, len(rows))
		for i, r := range rows {
			if r.Values[col].Kind() == KindTime {
				out[i] = r.Values[col].day()
			}
		}
		return out
	case "timestamptz":
		out := make([]time.Time, len(rows))
		for i, r := range rows {
			out[i], _ = r.Values[col].AsTime()
		}
		return out
	case "boolean":
		out := make([]bool, len(rows))
		for i, r := range rows {
			out[i], _ = r.Values[col].AsBool()
		}
		return out
	case "numeric":
		out := make([]float64, len(rows))
		for i, r := range rows {
			out[i], _ = r.Values[col].AsFloat()
		}
		return out
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i], _ = r.Values[col].AsText()
	}
	return out
}

// CopyInsert appends rows to target with COPY, without staging or checks:
// for child tables whose parent the same import replaces.
func (t *Tx) CopyInsert(ctx context.Context, target *Target, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if err := t.endStream(); err != nil {
		return err
	}
	names := make([]string, len(target.Columns))
	types := make([]string, len(target.Columns))
	for i, c := range target.Columns {
		names[i], types[i] = c.Name, c.Type
	}
	_, err := copyRows(ctx, t.tx, target.Table, names, types, len(rows), func(i int, buf []Value) bool {
		for j, x := range rows[i] {
			buf[j] = ValueOf(x)
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("copying %d rows into %s: %w", len(rows), target.Table, err)
	}
	return nil
}
