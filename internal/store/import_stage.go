package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// A full export (ModeSync) of a target without parent, unique column sets
// or state column is staged whole: StageRows streams the file's rows, batch
// after batch, into one temporary table by one COPY, and StageMerge, after
// the last batch, rejects the rows whose key an earlier row of the file
// had, updates the stored rows that differ and inserts the new ones, each
// in one statement over the whole file. The staging table then stands for
// the keys seen (see import_sync.go): SyncAbsent, SyncRemove and
// SyncMissing compare the stored rows with it in one anti-join.
//
// Per-batch merging (Merge) probes the table's key index once per row and
// statement; over a whole file PostgreSQL hashes instead, which for a
// million rows is several times faster, and a file whose rows are all
// stored and unchanged writes nothing at all.

// StagesWholeFile reports whether a full export of target is staged whole
// (StageRows, StageMerge) rather than merged batch by batch.
func StagesWholeFile(target *ImportTarget) bool {
	return target.Parent == nil && len(target.Unique) == 0 && target.State == ""
}

func fileStageName(t *ImportTarget) string { return "import_file_" + t.Table }

// seenOf is the table of the keys a full export had: the whole-file
// staging table when there is one.
func (t *ImportTx) seenOf(target *ImportTarget) string {
	if t.filed[target.Table] {
		return fileStageName(target)
	}
	return seenName(target)
}

// StageRows adds rows of a full export of target to its staging table;
// rejected marks rows rejected before (a value that did not convert) whose
// key is known: they count as in the file (see SyncScope.KeepRejected) but
// are not written. It returns once the rows are encoded: their memory is
// the caller's again.
func (t *ImportTx) StageRows(ctx context.Context, target *ImportTarget, rows []ImportRow, rejected bool) error {
	if len(rows) == 0 {
		return nil
	}
	st := fileStageName(target)
	if t.stream != nil && t.stream.table != st {
		if err := t.endStream(); err != nil {
			return err
		}
	}
	if t.stream == nil {
		if !t.filed[target.Table] {
			var b strings.Builder
			fmt.Fprintf(&b, "CREATE TEMP TABLE %s (line bigint NOT NULL, src bigint NOT NULL, ign bigint NOT NULL, rejected boolean NOT NULL",
				ident(st))
			for _, c := range target.Columns {
				fmt.Fprintf(&b, ", %s %s", ident(c.Name), c.Type)
			}
			b.WriteString(") ON COMMIT DROP")
			if _, err := t.tx.Exec(ctx, b.String()); err != nil {
				return fmt.Errorf("creating the staging table for %s: %w", target.Table, err)
			}
			t.filed[target.Table] = true
		}
		names := []string{"line", "src", "ign", "rejected"}
		types := []string{"bigint", "bigint", "bigint", "boolean"}
		for _, c := range target.Columns {
			names = append(names, c.Name)
			types = append(types, c.Type)
		}
		t.openStreamInto(ctx, target, st, names, types, func(buf []Value, r *ImportRow, rejected bool) {
			src := r.SrcLine
			if src == 0 {
				src = r.Line
			}
			buf[0], buf[1], buf[2], buf[3] = Int(r.Line), Int(src), Int(int64(r.Ignore)), Bool(rejected)
			copy(buf[4:], r.Values)
		})
	}
	if err := t.stream.send(rows, rejected); err != nil {
		t.stream = nil
		return err
	}
	if !rejected {
		t.filedRows[target.Table] += int64(len(rows))
	}
	return nil
}

// StageMerge merges the staged rows of target into its table, after the
// last StageRows. suspects are the lines (ImportRow.Line) of the rows
// whose key may have been in the file before (the caller's hash of the
// keys met before; a row outside suspects is taken to have a new key):
// a row whose key an earlier staged row has is rejected, naming that
// row's line. Rows that differ from the stored ones are updated, new keys
// inserted; unchanged rows are not written (MergeResult.Unchanged).
func (t *ImportTx) StageMerge(ctx context.Context, target *ImportTarget, suspects []int64) (res MergeResult, err error) {
	if err := t.endStream(); err != nil {
		return res, err
	}
	if !t.filed[target.Table] {
		return res, nil
	}
	st := ident(fileStageName(target))
	tbl := ident(target.Table)
	fail := func(step string, err error) (MergeResult, error) {
		return MergeResult{}, fmt.Errorf("%s %s rows: %w", step, target.Table, err)
	}
	// The planner knows nothing of a temporary table until it is analysed.
	if _, err := t.tx.Exec(ctx, "ANALYZE "+st); err != nil {
		return fail("analysing staged", err)
	}
	if _, err := t.tx.Exec(ctx, `SET LOCAL enable_hashjoin = on`); err != nil {
		return fail("planning the merge of", err)
	}
	defer func() {
		if _, e := t.tx.Exec(ctx, `SET LOCAL enable_hashjoin = off`); e != nil && err == nil {
			err = e
		}
	}()
	match := keyMatch("t", "s", target.Key)
	if len(suspects) > 0 {
		keyText := make([]string, len(target.Key))
		for i, k := range target.Key {
			keyText[i] = "s." + ident(k) + "::text"
		}
		q := fmt.Sprintf(`SELECT DISTINCT ON (s.line) s.line, %s || ' = ' || concat_ws(', ', %s) || ' is in the file already, on line ' || x.src
			FROM (SELECT * FROM %s WHERE line = ANY($1) AND NOT rejected) s JOIN %s x ON %s AND x.line < s.line
			ORDER BY s.line, x.line`,
			quoteLiteral(strings.Join(target.Key, ", ")), strings.Join(keyText, ", "), st, st, keyMatch("x", "s", target.Key))
		rows, err := t.tx.Query(ctx, q, suspects)
		if err != nil {
			return fail("finding repeated keys of", err)
		}
		for rows.Next() {
			var r LineReject
			if err := rows.Scan(&r.Line, &r.Reason); err != nil {
				rows.Close()
				return fail("finding repeated keys of", err)
			}
			res.Rejected = append(res.Rejected, r)
		}
		if err := rows.Err(); err != nil {
			return fail("finding repeated keys of", err)
		}
		if len(res.Rejected) > 0 {
			lines := make([]int64, len(res.Rejected))
			for i, r := range res.Rejected {
				lines[i] = r.Line
			}
			if _, err := t.tx.Exec(ctx, "UPDATE "+st+" SET rejected = true WHERE line = ANY($1)", lines); err != nil {
				return fail("marking repeated keys of", err)
			}
		}
	}
	staged := t.filedRows[target.Table] - int64(len(res.Rejected))
	sets, olds, news := t.updateLists(target)
	if len(olds) > 0 { // a table of key columns only has nothing to update
		tag, err := t.tx.Exec(ctx, fmt.Sprintf(`UPDATE %s t SET %s FROM %s s WHERE %s AND NOT s.rejected AND ROW(%s) IS DISTINCT FROM ROW(%s)`,
			tbl, strings.Join(sets, ", "), st, match, strings.Join(olds, ", "), strings.Join(news, ", ")))
		if err != nil {
			return fail("updating", err)
		}
		res.Updated = tag.RowsAffected()
	}
	insertCols, selectCols := t.insertLists(target)
	tag, err := t.tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s s WHERE NOT s.rejected AND NOT EXISTS (SELECT 1 FROM %s t WHERE %s)`,
		tbl, insertCols, selectCols, st, tbl, match))
	if err != nil {
		return fail("inserting", err)
	}
	res.Created = tag.RowsAffected()
	res.Unchanged = staged - res.Created - res.Updated
	return res, nil
}

// updateLists are, for an update of target from staged rows s: the SET
// items, and the stored and new values of the columns that are not the
// key (compared to leave unchanged rows alone). A column whose bit is set
// in s.ign keeps its stored value.
func (t *ImportTx) updateLists(target *ImportTarget) (sets, olds, news []string) {
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

// insertLists are the column list of an insert into target and the values
// it takes from staged rows s.
func (t *ImportTx) insertLists(target *ImportTarget) (insertCols, selectCols string) {
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

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
