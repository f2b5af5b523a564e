package bulk

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// A full export (ModeSync) remembers, per target, the keys of the rows the
// file had, in a temporary table (dropped at commit) with the line each
// came from and whether it was rejected. Merge checks repeated keys and
// unique column sets against it; at the end SyncAbsent counts the stored
// rows of the file's scope that the file lacks, and SyncRemove or
// SyncMissing handles them.

// SyncScope says which stored rows a full export covers and which of them
// it keeps.
type SyncScope struct {
	// Columns (a part of the target's key) whose values in the file
	// delimit the scope: a stored row is in scope when some row of the
	// file shares them. Empty: the whole table.
	Columns []string
	// KeepRejected: a row of the file that was rejected keeps the stored
	// row with its key (S-BEAT: a typo does not delete a student). When
	// false the file replaces its scope: a rejected row's stored row goes
	// too (a Rangliste is what the file's valid rows say).
	KeepRejected bool
}

func seenName(t *Target) string { return "import_seen_" + t.Table }

// seenColumns are the key columns and the columns of the unique sets.
func seenColumns(target *Target) []Column {
	var names []string
	names = append(names, target.Key...)
	for _, u := range target.Unique {
		for _, c := range u {
			if !slices.Contains(names, c) {
				names = append(names, c)
			}
		}
	}
	out := make([]Column, len(names))
	for i, n := range names {
		out[i] = target.Columns[target.Col(n)]
	}
	return out
}

func (t *Tx) seenTable(ctx context.Context, target *Target) error {
	name := seenName(target)
	if t.seen[name] || t.filed[target.Table] {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TEMP TABLE %s (line bigint NOT NULL, src bigint NOT NULL, rejected boolean NOT NULL DEFAULT false", ident(name))
	for _, c := range seenColumns(target) {
		fmt.Fprintf(&b, ", %s %s", ident(c.Name), c.Type)
	}
	b.WriteString(") ON COMMIT DROP; ")
	fmt.Fprintf(&b, "CREATE INDEX ON %s (%s); ", ident(name), idents(target.Key))
	for _, u := range target.Unique {
		fmt.Fprintf(&b, "CREATE INDEX ON %s (%s); ", ident(name), idents(u))
	}
	if _, err := t.tx.Exec(ctx, b.String()); err != nil {
		return fmt.Errorf("creating the table of keys seen for %s: %w", target.Table, err)
	}
	t.seen[name] = true
	return nil
}

// seenAdd adds the staged rows to the keys seen.
func (t *Tx) seenAdd(ctx context.Context, target *Target) error {
	cols := seenColumns(target)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	list := idents(names)
	q := fmt.Sprintf("INSERT INTO %s (line, src, %s) SELECT line, src, %s FROM %s", ident(seenName(target)), list, list, ident(stageName(target)))
	if _, err := t.tx.Exec(ctx, q); err != nil {
		return fmt.Errorf("recording the keys of %s rows: %w", target.Table, err)
	}
	return nil
}

func (t *Tx) seenMarkRejected(ctx context.Context, target *Target, lines []int64) error {
	if len(lines) == 0 {
		return nil
	}
	if _, err := t.tx.Exec(ctx, "UPDATE "+ident(seenName(target))+" SET rejected = true WHERE line = ANY($1)", lines); err != nil {
		return fmt.Errorf("recording rejected %s rows: %w", target.Table, err)
	}
	return nil
}

// SyncSeenRejected records the keys of rows of a full export that were
// rejected before they reached Merge (a value that did not convert):
// their key is known, so they count as in the file (see
// SyncScope.KeepRejected). Rows without every key value are the caller's
// to leave out.
func (t *Tx) SyncSeenRejected(ctx context.Context, target *Target, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	if err := t.endStream(); err != nil {
		return err
	}
	if err := t.seenTable(ctx, target); err != nil {
		return err
	}
	cols := seenColumns(target)
	names := []string{"line", "src", "rejected"}
	types := []string{"bigint", "bigint", "boolean"}
	idx := make([]int, len(cols))
	for i, c := range cols {
		names = append(names, c.Name)
		types = append(types, c.Type)
		idx[i] = target.Col(c.Name)
	}
	_, err := copyRows(ctx, t.tx, seenName(target), names, types, len(rows), func(i int, buf []Value) bool {
		r := rows[i]
		src := r.SrcLine
		if src == 0 {
			src = r.Line
		}
		buf[0], buf[1], buf[2] = Int(r.Line), Int(src), Bool(true)
		for j, k := range idx {
			buf[3+j] = r.Values[k]
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("recording the keys of rejected %s rows: %w", target.Table, err)
	}
	return nil
}

// hashed runs fn with hash joins allowed: the
// statements after the last Merge compare the whole scope with the whole
// file, where probing an index row by row (the import's plan otherwise)
// would be slow.
func (t *Tx) hashed(ctx context.Context, target *Target, fn func() error) error {
	if err := t.endStream(); err != nil {
		return err
	}
	if err := t.seenTable(ctx, target); err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, `SET LOCAL enable_hashjoin = on`); err != nil {
		return err
	}
	err := fn()
	if _, e := t.tx.Exec(ctx, `SET LOCAL enable_hashjoin = off`); e != nil && err == nil {
		err = e
	}
	return err
}

// inScope is a FROM clause of the stored rows t of the file's scope.
func (t *Tx) inScope(target *Target, scope SyncScope) string {
	if len(scope.Columns) == 0 {
		return ident(target.Table) + " t"
	}
	return fmt.Sprintf("%s t JOIN (SELECT DISTINCT %s FROM %s) sc ON %s", ident(target.Table),
		idents(scope.Columns), ident(t.seenOf(target)), keyMatch("sc", "t", scope.Columns))
}

// SyncAbsent counts, after the last Merge of a full export, the stored
// rows of target in the file's scope that the file lacks (absent) and,
// when there are any, all stored rows of the scope (n).
func (t *Tx) SyncAbsent(ctx context.Context, target *Target, scope SyncScope) (n, absent int64, err error) {
	if t.direct[target.Table] {
		return 0, 0, nil // the table was empty: everything stored came from the file
	}
	err = t.hashed(ctx, target, func() error {
		var ok bool
		var err error
		if n, absent, ok, err = t.stagedAbsent(ctx, target, scope); ok || err != nil {
			return err
		}
		q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s`, t.inScope(target, scope), t.notSeen(target, scope))
		if err := t.tx.QueryRow(ctx, q).Scan(&absent); err != nil || absent == 0 {
			return err // the size of the scope matters only for removals
		}
		return t.tx.QueryRow(ctx, `SELECT count(*) FROM `+t.inScope(target, scope)).Scan(&n)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("counting %s rows the file lacks: %w", target.Table, err)
	}
	return n, absent, nil
}

// notSeen is the condition on a stored row t of the scope that the file
// lacks it (or, unless KeepRejected, has it rejected only).
func (t *Tx) notSeen(target *Target, scope SyncScope) string {
	cond := fmt.Sprintf("NOT EXISTS (SELECT 1 FROM %s x WHERE %s", ident(t.seenOf(target)), keyMatch("x", "t", target.Key))
	if !scope.KeepRejected {
		cond += " AND NOT x.rejected"
	}
	return cond + ")"
}

// SyncRemove deletes the stored rows SyncAbsent counted as absent and
// returns how many went.
func (t *Tx) SyncRemove(ctx context.Context, target *Target, scope SyncScope) (int64, error) {
	var n int64
	err := t.hashed(ctx, target, func() error {
		q := fmt.Sprintf(`DELETE FROM %s t WHERE %s`, ident(target.Table), t.notSeen(target, scope))
		if len(scope.Columns) > 0 {
			q = fmt.Sprintf(`DELETE FROM %s t USING (SELECT DISTINCT %s FROM %s) sc WHERE %s AND %s`, ident(target.Table),
				idents(scope.Columns), ident(t.seenOf(target)), keyMatch("sc", "t", scope.Columns), t.notSeen(target, scope))
		}
		tag, err := t.tx.Exec(ctx, q)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("removing %s rows the file lacks: %w", target.Table, err)
	}
	return n, nil
}

// SyncMissing returns the keys (columns joined by ", ") of the stored rows
// SyncAbsent counted as absent, in key order, for a report: rows a full
// export lacks but that are not removed.
func (t *Tx) SyncMissing(ctx context.Context, target *Target, scope SyncScope) ([]string, error) {
	if err := t.seenTable(ctx, target); err != nil {
		return nil, err
	}
	if err := t.endStream(); err != nil {
		return nil, err
	}
	keys := make([]string, len(target.Key))
	for i, k := range target.Key {
		keys[i] = "t." + ident(k) + "::text"
	}
	key := "concat_ws(', ', " + strings.Join(keys, ", ") + ")"
	rows, err := t.tx.Query(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY %s`,
		key, t.inScope(target, scope), t.notSeen(target, scope), strings.Join(keys, ", ")))
	if err != nil {
		return nil, fmt.Errorf("listing %s rows the file lacks: %w", target.Table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("listing %s rows the file lacks: %w", target.Table, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing %s rows the file lacks: %w", target.Table, err)
	}
	return out, nil
}
