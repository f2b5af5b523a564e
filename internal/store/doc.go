// Package store owns sestd's PostgreSQL schema and every SQL statement sestd
// runs: embedded, numbered migrations (River's through rivermigrate; a
// migration that must encode stored items as the daemon does is a data
// step in Go, see Migration.Data), the
// mirror of the Servicestelle, sync cursors, the outbox, the upload log,
// import runs and the audit log. Its package bulk (internal/store/bulk) is
// the bulk-import engine: the import tables' targets and the passes that
// write an import file in one transaction. One *Store wraps one pgxpool.Pool, shared
// with River so that jobs can be enqueued in the transaction that caused them.
//
// Methods take ctx first and are named entity-first (CursorGet,
// BewerbungUpsertBatch). Not-found is ErrNotFound, never nil, nil.
package store
