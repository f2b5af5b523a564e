// Package bulk is sestd's bulk-import engine: it writes the rows of an
// import file into the store's import tables in one transaction, with
// PostgreSQL's COPY, staging tables and one statement per check. It is
// part of the store (all its SQL is there, as the house rule wants): the
// importers (internal/importers) convert records into Rows and hand them
// in; they write no SQL. A Target describes an import table (columns,
// key, parent, unique column sets, state column); the targets of the
// schema are the Target* variables.
//
// The import passes (the protocol of Tx):
//
//   - Begin opens the one transaction of an import and takes the
//     advisory locks of the tables it writes. Everything below happens in
//     it: a file is imported whole or not at all.
//   - BeginPass starts a pass over the file under a savepoint. Create
//     mode streams the rows of tables without parents or unique sets
//     straight into the table by one COPY; a key that exists already
//     fails it (ErrRestartChecked), RestartChecked undoes the pass, and
//     the next pass checks each batch (Merge).
//   - Merge writes one batch: COPY into a staging table, the checks
//     (repeated keys of the file, parents, unique sets, state transitions)
//     as one query each that rejects rows with their reason, then one
//     UPDATE of the rows that differ, one INSERT of new keys, or one
//     DELETE.
//   - A full export (ModeSync) of a target without parent, unique column
//     sets or state column is staged whole instead (StagesWholeFile):
//     StageRows streams the file's rows, batch after batch, into one
//     temporary table by one COPY, and StageMerge, after the last batch,
//     rejects the rows whose key an earlier row of the file had (one scan,
//     restricted to the rows the reader suspects by their key hash),
//     then writes with one MERGE: rows that differ are updated, new keys
//     inserted, unchanged rows not written at all (their xmin, updated_at
//     and import run stay). A first import into an empty table
//     (StageDirect) has no staging table for its rows: one COPY writes
//     them into the table itself, except the suspects, which the reader
//     holds back with the line of the first row of their key hash;
//     StageMerge stages only those and the rows rejected before, rejects a
//     suspect whose key is in the table (naming that line) or an earlier
//     staged row's, and inserts the rest.
//   - The removals of a full export come last: SyncAbsent counts the
//     stored rows of the file's scope the file lacks (by one anti-join
//     with the keys seen, or, staged whole, from the counts alone), the
//     importer applies the removal guard (import.max_removal_share), and
//     SyncRemove deletes them by one anti-join or SyncMissing lists them.
//   - ImportRunFinish records the outcome in the same transaction, and
//     Commit makes data and outcome visible together.
//
// Over a whole file PostgreSQL hashes, where per batch it probes the
// table's key index once per row and statement; for a million rows that
// is several times faster (see BenchmarkImportExamResults1M in
// internal/importers: a first import of a million exam rows takes
// 1.8–4.0× psql's \copy of the same bytes into a plain text table
// (median 2.9×), 0.75–2.0× what psql itself takes into a table of the
// same shape; a refresh 2.6–4.9×).
//
// What a crash leaves: everything above happens in the one transaction
// Begin opened, so a crash at any point (kill -9, power loss, a lost
// connection) rolls all of it back. The staging and key tables are
// temporary (ON COMMIT DROP) and go with the session; the import tables
// hold what they held before. What stays is the import run, recorded as
// running by store.ImportRunStart outside the transaction: the next import
// of the kind (store.ImportRunEndDead, after taking the kind's lock) or
// the daemon's startup (store.ImportRunFailStale) marks it failed and
// interrupted.
//
// The run's record itself (store.ImportRun, its counts and status) is the
// store's: a Tx embeds a store.ImportTx, whose ImportRunFinish records the
// outcome in the import's transaction.
package bulk
