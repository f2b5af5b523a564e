-- Import history tells the truth (issue 16): a run cut by a shutdown or a
-- cancel says so and points to the run that retried the same file, and
-- the rejects file's encoding is kept so that it is served with its real
-- charset (eKVV rejects are UTF-8 whatever the XML's encoding).
ALTER TABLE import_runs
    ADD COLUMN interrupted      boolean NOT NULL DEFAULT false,
    ADD COLUMN retried_by       bigint REFERENCES import_runs (id) ON DELETE SET NULL,
    ADD COLUMN rejects_encoding text NOT NULL DEFAULT '';

-- finished_at was the import transaction's start (now()), before
-- started_at; what it was cannot be known, so it becomes at least the start.
UPDATE import_runs SET finished_at = started_at + make_interval(secs => duration_ms / 1000.0)
    WHERE finished_at IS NOT NULL AND finished_at < started_at;

CREATE INDEX import_runs_interrupted_idx ON import_runs (sha256, kind, mode)
    WHERE interrupted AND retried_by IS NULL;
