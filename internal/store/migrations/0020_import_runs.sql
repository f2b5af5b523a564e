-- One row per import of a file (issue 5). Written by internal/importers
-- through Store.ImportRun*; read by the admin API and `sestd import`.
CREATE TABLE import_runs (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL,
    mode         text NOT NULL CHECK (mode IN ('create', 'update', 'remove', 'upsert')),
    file_name    text NOT NULL,
    sha256       text NOT NULL,
    encoding     text NOT NULL DEFAULT '',
    forced       boolean NOT NULL DEFAULT false,
    -- running → succeeded (no rejects) | partial (some rows rejected) | failed
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
    rows_read    bigint NOT NULL DEFAULT 0,
    created      bigint NOT NULL DEFAULT 0,
    updated      bigint NOT NULL DEFAULT 0,
    removed      bigint NOT NULL DEFAULT 0,
    rejected     bigint NOT NULL DEFAULT 0,
    skipped      bigint NOT NULL DEFAULT 0,
    rejects_path text NOT NULL DEFAULT '',
    error        text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    duration_ms  bigint NOT NULL DEFAULT 0
);
CREATE INDEX import_runs_done_idx ON import_runs (sha256, kind, mode)
    WHERE status IN ('succeeded', 'partial');
CREATE INDEX import_runs_started_idx ON import_runs (started_at);
