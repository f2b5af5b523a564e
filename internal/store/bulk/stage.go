package bulk

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// StagesWholeFile reports whether a full export of target is staged whole
// (StageRows, StageMerge) rather than merged batch by batch.
func StagesWholeFile(target *Target) bool {
	return target.Parent == nil && len(target.Unique) == 0 && target.State == ""
}

func fileStageName(t *Target) string { return "import_file_" + t.Table }

// seenOf is the table of the keys a full export had: the whole-file
// staging table when there is one.
func (t *Tx) seenOf(target *Target) string {
	if t.filed[target.Table] {
		return fileStageName(target)
	}
	return seenName(target)
}

// StageDirect reports whether the full export of target goes straight
// into its table: it does when the table is empty when the first rows of
// the file come (its first import). Then one COPY writes the rows into
// the table itself, with no staging table and no INSERT … SELECT after
// it, and the caller must give StageRows no suspect (a row whose key hash
// was met before in the file): StageMerge checks those against the table
// and writes the ones with new keys. StageRows keeps rejected rows back
// in memory for that check (a file has few).
func (t *Tx) StageDirect(ctx context.Context, target *Target) (bool, error) {
	if d, ok := t.direct[target.Table]; ok {
		return d, nil
	}
	if err := t.endStream(); err != nil {
		return false, err
	}
	var empty bool
	if err := t.tx.QueryRow(ctx, fmt.Sprintf("SELECT NOT EXISTS (SELECT 1 FROM %s)", ident(target.Table))).Scan(&empty); err != nil {
		return false, fmt.Errorf("looking into %s: %w", target.Table, err)
	}
	t.direct[target.Table] = empty
	return empty, nil
}

// createStage makes target's whole-file staging table.
func (t *Tx) createStage(ctx context.Context, target *Target) error {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TEMP TABLE %s (line bigint NOT NULL, src bigint NOT NULL, ign bigint NOT NULL, rejected boolean NOT NULL",
		ident(fileStageName(target)))
	for _, c := range target.Columns {
		fmt.Fprintf(&b, ", %s %s", ident(c.Name), c.Type)
	}
	b.WriteString(") ON COMMIT DROP")
	if _, err := t.tx.Exec(ctx, b.String()); err != nil {
		return fmt.Errorf("creating the staging table for %s: %w", target.Table, err)
	}
	return nil
}

// openStage starts a COPY into target's whole-file staging table; the
// stream's flag marks rows rejected.
func (t *Tx) openStage(ctx context.Context, target *Target) {
	names := []string{"line", "src", "ign", "rejected"}
	types := []string{"bigint", "bigint", "bigint", "boolean"}
	for _, c := range target.Columns {
		names = append(names, c.Name)
		types = append(types, c.Type)
	}
	t.openStreamInto(ctx, target, fileStageName(target), names, types, func(buf []Value, r *Row, rejected bool) {
		src := r.SrcLine
		if src == 0 {
			src = r.Line
		}
		buf[0], buf[1], buf[2], buf[3] = Int(r.Line), Int(src), Int(int64(r.Ignore)), Bool(rejected)
		copy(buf[4:], r.Values)
	})
}

// StageRows adds rows of a full export of target to its staging table
// (or, StageDirect, to the table itself); rejected marks rows rejected
// before (a value that did not convert) whose key is known: they count as
// in the file (see SyncScope.KeepRejected) but are not written. It
// returns once the rows are encoded: their memory is the caller's again.
func (t *Tx) StageRows(ctx context.Context, target *Target, rows []Row, rejected bool) error {
	if len(rows) == 0 {
		return nil
	}
	direct, err := t.StageDirect(ctx, target)
	if err != nil {
		return err
	}
	if direct && rejected {
		for _, r := range rows {
			t.held[target.Table] = append(t.held[target.Table], CloneRow(r))
		}
		t.filed[target.Table] = true
		t.filedRejected[target.Table] += int64(len(rows))
		return nil
	}
	into := fileStageName(target)
	if direct {
		into = target.Table
	}
	if t.stream != nil && t.stream.table != into {
		if err := t.endStream(); err != nil {
			return err
		}
	}
	if t.stream == nil {
		switch {
		case direct:
			t.openStream(ctx, target)
		default:
			if !t.filed[target.Table] {
				if err := t.createStage(ctx, target); err != nil {
					return err
				}
			}
			t.openStage(ctx, target)
		}
		t.filed[target.Table] = true
	}
	if err := t.stream.send(rows, rejected); err != nil {
		t.stream = nil
		return err
	}
	if rejected {
		t.filedRejected[target.Table] += int64(len(rows))
	} else {
		t.filedRows[target.Table] += int64(len(rows))
		ign, ok := t.filedIgn[target.Table]
		if !ok {
			ign.all = rows[0].Ignore
		}
		for _, r := range rows {
			ign.mixed |= r.Ignore ^ ign.all
		}
		t.filedIgn[target.Table] = ign
	}
	return nil
}

// ignored is what the staged rows of a target keep as stored: all, the
// columns the first row keeps, mixed, those some row keeps and another
// does not.
type ignored struct{ all, mixed uint64 }

// Suspect is a row of a full export whose key hash was met before in the
// file; Earlier is the file line of the first row with that hash (when
// the key is in the table after a direct stage, that row has it).
type Suspect struct {
	Row     Row
	Earlier int64
}

// StageMerge merges the staged rows of target into its table, after the
// last StageRows. suspects are the rows (as staged) whose key may have
// been in the file before (the caller's hash of the
// keys met before; a row outside suspects is taken to have a new key):
// a row whose key an earlier staged row has is rejected, naming that
// row's line. Rows that differ from the stored ones are updated, new keys
// inserted; unchanged rows are not written (MergeResult.Unchanged).
func (t *Tx) StageMerge(ctx context.Context, target *Target, suspects []Suspect) (res MergeResult, err error) {
	if err := t.endStream(); err != nil {
		return res, err
	}
	if !t.filed[target.Table] {
		return res, nil
	}
	if t.direct[target.Table] {
		return t.directMerge(ctx, target, suspects)
	}
	st := ident(fileStageName(target))
	tbl := ident(target.Table)
	fail := func(step string, err error) (MergeResult, error) {
		return MergeResult{}, fmt.Errorf("%s %s rows: %w", step, target.Table, err)
	}
	// Over a whole file PostgreSQL hashes; a million keys need more than
	// the default work_mem to hash in one go (the setting lasts to the
	// end of the import's transaction).
	if _, err := t.tx.Exec(ctx, `SET LOCAL enable_hashjoin = on; SET LOCAL work_mem = '128MB'; SET LOCAL jit = off`); err != nil {
		return fail("planning the merge of", err)
	}
	defer func() {
		if _, e := t.tx.Exec(ctx, `SET LOCAL enable_hashjoin = off`); e != nil && err == nil {
			err = e
		}
	}()
	match := keyMatch("t", "s", target.Key)
	if len(suspects) > 0 {
		rj, err := t.stageRepeated(ctx, target, suspectRows(suspects))
		if err != nil {
			return fail("finding repeated keys of", err)
		}
		res.Rejected = rj
	}
	t.filedRows[target.Table] -= int64(len(res.Rejected))
	staged := t.filedRows[target.Table]
	insertCols, selectCols := t.insertLists(target)
	// One MERGE joins the file with the table once; PostgreSQL 15 reports
	// only the rows it wrote in all, so the rows inserted and updated are
	// told apart by the transaction's own statistics of the table.
	sets, olds, news := t.updateLists(target)
	if ign, ok := t.filedIgn[target.Table]; ok && ign.mixed == 0 {
		sets, olds, news = t.constUpdateLists(target, ign.all)
	}
	update := ""
	if len(olds) > 0 { // a table of key columns only has nothing to update
		update = fmt.Sprintf("WHEN MATCHED AND ROW(%s) IS DISTINCT FROM ROW(%s) THEN UPDATE SET %s",
			strings.Join(olds, ", "), strings.Join(news, ", "), strings.Join(sets, ", "))
	}
	q := fmt.Sprintf(`MERGE INTO %s t USING (SELECT * FROM %s WHERE NOT rejected) s ON %s
		%s
		WHEN NOT MATCHED THEN INSERT (%s) VALUES (%s)`, tbl, st, match, update, insertCols, selectCols)
	ins0, upd0, err := t.tupleCounts(ctx, target)
	if err != nil {
		return fail("counting the written", err)
	}
	tag, err := t.tx.Exec(ctx, q)
	if err != nil {
		return fail("merging", err)
	}
	ins1, upd1, err := t.tupleCounts(ctx, target)
	if err != nil {
		return fail("counting the written", err)
	}
	res.Created, res.Updated = ins1-ins0, upd1-upd0
	if res.Created+res.Updated != tag.RowsAffected() {
		return fail("counting the written", fmt.Errorf("the statistics count %d rows inserted and %d updated where the merge wrote %d (is track_counts off?)",
			res.Created, res.Updated, tag.RowsAffected()))
	}
	res.Unchanged = staged - res.Created - res.Updated
	return res, nil
}

// tupleCounts returns the rows inserted into and updated in target's
// table by the transaction so far.
func (t *Tx) tupleCounts(ctx context.Context, target *Target) (ins, upd int64, err error) {
	err = t.tx.QueryRow(ctx, `SELECT coalesce(sum(n_tup_ins), 0)::bigint, coalesce(sum(n_tup_upd), 0)::bigint
		FROM pg_stat_xact_user_tables WHERE relid = $1::regclass`, ident(target.Table)).Scan(&ins, &upd)
	return ins, upd, err
}

// stagedAbsent is SyncAbsent after StageMerge when it can be counted
// without comparing the table with the file: every row of the file that
// was not rejected is in the table now under a key of its own, so the
// rows of the scope beyond them are the absent ones; ok is false when
// rows rejected for their values keep stored rows (then only comparing
// tells).
func (t *Tx) stagedAbsent(ctx context.Context, target *Target, scope SyncScope) (n, absent int64, ok bool, err error) {
	if !t.filed[target.Table] || (scope.KeepRejected && t.filedRejected[target.Table] > 0) {
		return 0, 0, false, nil
	}
	if err := t.tx.QueryRow(ctx, `SELECT count(*) FROM `+t.inScope(target, scope)).Scan(&n); err != nil {
		return 0, 0, false, err
	}
	absent = n - t.filedRows[target.Table]
	if absent <= 0 {
		return 0, 0, true, nil
	}
	return n, absent, true, nil
}

// stageRepeated finds the suspects (staged rows of target) whose key an
// earlier staged row has, in one scan of the staging table, marks them
// rejected and returns them with their reason.
func (t *Tx) stageRepeated(ctx context.Context, target *Target, suspects []Row) ([]LineReject, error) {
	st := ident(fileStageName(target))
	lines := make([]int64, len(suspects))
	for i, r := range suspects {
		lines[i] = r.Line
	}
	args := []any{lines}
	cols := []string{"line"}
	params := []string{"$1::bigint[]"}
	conds := []string{"x.line <= k.line"}
	descs := make([]string, len(target.Key))
	for i, k := range target.Key {
		c := target.Col(k)
		args = append(args, keyArray(target.Columns[c].Type, suspects, c))
		cols = append(cols, fmt.Sprintf("k%d", i))
		params = append(params, fmt.Sprintf("$%d::%s[]", i+2, target.Columns[c].Type))
		conds = append(conds, fmt.Sprintf("x.%s = k.k%d", ident(k), i))
		descs[i] = fmt.Sprintf("k.k%d::text", i)
	}
	// Each suspect meets itself and the earlier rows of its key.
	q := fmt.Sprintf(`SELECT k.line, x.line, x.src, x.ctid, x.rejected, concat_ws(', ', %s)
		FROM unnest(%s) AS k(%s) JOIN %s x ON %s`,
		strings.Join(descs, ", "), strings.Join(params, ", "), strings.Join(cols, ", "), st, strings.Join(conds, " AND "))
	rows, err := t.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	type found struct {
		own      pgtype.TID
		hasOwn   bool
		rejected bool
		first    int64 // the earliest other row's line, 0: none
		src      int64
		key      string
	}
	by := map[int64]*found{}
	for rows.Next() {
		var line, xline, src int64
		var tid pgtype.TID
		var rejected bool
		var key string
		if err := rows.Scan(&line, &xline, &src, &tid, &rejected, &key); err != nil {
			rows.Close()
			return nil, err
		}
		f := by[line]
		if f == nil {
			f = &found{key: key}
			by[line] = f
		}
		switch {
		case xline == line:
			f.own, f.hasOwn, f.rejected = tid, true, rejected
		case f.first == 0 || xline < f.first:
			f.first, f.src = xline, src
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []LineReject
	var tids []pgtype.TID
	for line, f := range by {
		if !f.hasOwn || f.rejected || f.first == 0 {
			continue
		}
		out = append(out, LineReject{Line: line, Reason: fmt.Sprintf("%s = %s is in the file already, on line %d",
			strings.Join(target.Key, ", "), f.key, f.src)})
		tids = append(tids, f.own)
	}
	if len(tids) > 0 {
		if _, err := t.tx.Exec(ctx, "UPDATE "+st+" SET rejected = true WHERE ctid = ANY($1::tid[])", tids); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b LineReject) int { return cmp.Compare(a.Line, b.Line) })
	return out, nil
}

// CloneRow returns a copy of r that shares no memory with it (its texts
// copied too), for a row kept beyond its batch.
func CloneRow(r Row) Row {
	vals := make([]Value, len(r.Values))
	for i, v := range r.Values {
		v.s = strings.Clone(v.s)
		vals[i] = v
	}
	r.Values = vals
	return r
}

// updateLists are, for an update of target from staged rows s: the SET
// items, and the stored and new values of the columns that are not the
// key (compared to leave unchanged rows alone). A column whose bit is set
// in s.ign keeps its stored value.
func (t *Tx) updateLists(target *Target) (sets, olds, news []string) {
	isKey := map[string]bool{}
	for _, k := range target.Key {
		isKey[k] = true
	}
	for i, c := range target.Columns {
		if isKey[c.Name] {
			continue
		}
		n := ident(c.Name)
		v := fmt.Sprintf("CASE WHEN s.ign & %d <> 0 THEN t.%s ELSE s.%s END", uint64(1)<<i, n, n)
		sets = append(sets, n+" = "+v)
		olds = append(olds, "t."+n)
		news = append(news, v)
	}
	if !target.NoRun {
		sets = append(sets, fmt.Sprintf("import_run_id = %d", t.runID), "updated_at = now()")
	}
	return sets, olds, news
}

// constUpdateLists are updateLists when every staged row keeps the
// columns of ign: those are left out, the others compared and set
// without a CASE per row and column.
func (t *Tx) constUpdateLists(target *Target, ign uint64) (sets, olds, news []string) {
	isKey := map[string]bool{}
	for _, k := range target.Key {
		isKey[k] = true
	}
	for i, c := range target.Columns {
		if isKey[c.Name] || ign&(uint64(1)<<i) != 0 {
			continue
		}
		n := ident(c.Name)
		sets = append(sets, n+" = s."+n)
		olds = append(olds, "t."+n)
		news = append(news, "s."+n)
	}
	if len(olds) > 0 && !target.NoRun {
		sets = append(sets, fmt.Sprintf("import_run_id = %d", t.runID), "updated_at = now()")
	}
	return sets, olds, news
}

// insertLists are the column list of an insert into target and the values
// it takes from staged rows s.
func (t *Tx) insertLists(target *Target) (insertCols, selectCols string) {
	names := make([]string, len(target.Columns))
	sel := make([]string, len(target.Columns))
	for i, c := range target.Columns {
		names[i] = ident(c.Name)
		sel[i] = "s." + names[i]
	}
	insertCols, selectCols = strings.Join(names, ", "), strings.Join(sel, ", ")
	if !target.NoRun {
		insertCols += ", import_run_id, updated_at"
		selectCols += fmt.Sprintf(", %d, now()", t.runID)
	}
	return insertCols, selectCols
}

// ident quotes a table or column name.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// idents quotes names and joins them with commas.
func idents(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = ident(n)
	}
	return strings.Join(q, ", ")
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func suspectRows(suspects []Suspect) []Row {
	rows := make([]Row, len(suspects))
	for i, s := range suspects {
		rows[i] = s.Row
	}
	return rows
}

// directMerge is StageMerge after a direct stage: the file's rows with
// keys met once are in the table already. The suspects and the rows
// rejected before go into the staging table; a suspect whose key the
// table has (the first row of its hash had it) or an earlier staged row
// has is rejected, the others are inserted.
func (t *Tx) directMerge(ctx context.Context, target *Target, suspects []Suspect) (res MergeResult, err error) {
	fail := func(step string, err error) (MergeResult, error) {
		return MergeResult{}, fmt.Errorf("%s %s rows: %w", step, target.Table, err)
	}
	res.Created = t.filedRows[target.Table]
	if len(suspects) == 0 {
		return res, nil
	}
	if err := t.createStage(ctx, target); err != nil {
		return res, err
	}
	t.openStage(ctx, target)
	if err := t.stream.send(t.held[target.Table], true); err != nil {
		t.stream = nil
		return fail("staging", err)
	}
	rows := suspectRows(suspects)
	if err := t.stream.send(rows, false); err != nil {
		t.stream = nil
		return fail("staging", err)
	}
	if err := t.endStream(); err != nil {
		return fail("staging", err)
	}
	// The suspects whose key is in the table: the first row of their hash
	// had it.
	lines := make([]int64, len(rows))
	for i, r := range rows {
		lines[i] = r.Line
	}
	args := []any{lines}
	cols := []string{"line"}
	params := []string{"$1::bigint[]"}
	conds := make([]string, len(target.Key))
	descs := make([]string, len(target.Key))
	for i, k := range target.Key {
		c := target.Col(k)
		args = append(args, keyArray(target.Columns[c].Type, rows, c))
		cols = append(cols, fmt.Sprintf("k%d", i))
		params = append(params, fmt.Sprintf("$%d::%s[]", i+2, target.Columns[c].Type))
		conds[i] = fmt.Sprintf("t.%s = k.k%d", ident(k), i)
		descs[i] = fmt.Sprintf("k.k%d::text", i)
	}
	q := fmt.Sprintf(`SELECT k.line, concat_ws(', ', %s) FROM unnest(%s) AS k(%s)
		WHERE EXISTS (SELECT 1 FROM %s t WHERE %s)`,
		strings.Join(descs, ", "), strings.Join(params, ", "), strings.Join(cols, ", "), ident(target.Table), strings.Join(conds, " AND "))
	earlier := make(map[int64]int64, len(suspects))
	for _, s := range suspects {
		earlier[s.Row.Line] = s.Earlier
	}
	found, err := t.tx.Query(ctx, q, args...)
	if err != nil {
		return fail("finding repeated keys of", err)
	}
	var inTable []int64
	for found.Next() {
		var line int64
		var key string
		if err := found.Scan(&line, &key); err != nil {
			found.Close()
			return fail("finding repeated keys of", err)
		}
		inTable = append(inTable, line)
		res.Rejected = append(res.Rejected, LineReject{Line: line, Reason: fmt.Sprintf("%s = %s is in the file already, on line %d",
			strings.Join(target.Key, ", "), key, earlier[line])})
	}
	if err := found.Err(); err != nil {
		return fail("finding repeated keys of", err)
	}
	st := ident(fileStageName(target))
	if len(inTable) > 0 {
		if _, err := t.tx.Exec(ctx, "UPDATE "+st+" SET rejected = true WHERE line = ANY($1::bigint[])", inTable); err != nil {
			return fail("finding repeated keys of", err)
		}
	}
	// The others may repeat each other's or a rejected row's key.
	rj, err := t.stageRepeated(ctx, target, rows)
	if err != nil {
		return fail("finding repeated keys of", err)
	}
	res.Rejected = append(res.Rejected, rj...)
	slices.SortFunc(res.Rejected, func(a, b LineReject) int { return cmp.Compare(a.Line, b.Line) })
	insertCols, selectCols := t.insertLists(target)
	tag, err := t.tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s s WHERE NOT s.rejected`, ident(target.Table), insertCols, selectCols, st))
	if err != nil {
		return fail("inserting", err)
	}
	t.filedRows[target.Table] += tag.RowsAffected()
	res.Created = t.filedRows[target.Table]
	return res, nil
}
