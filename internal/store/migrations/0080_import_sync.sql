-- Full exports (issue 15): mode sync creates and updates rows, leaves
-- unchanged rows alone and handles the stored rows of the file's scope
-- that it lacks by the kind's rule. A run counts its unchanged rows and
-- the absent rows it reported instead of removing (university
-- applications), and keeps a note when it left its removals out.
ALTER TABLE import_runs DROP CONSTRAINT import_runs_mode_check;
ALTER TABLE import_runs ADD CONSTRAINT import_runs_mode_check
    CHECK (mode IN ('sync', 'create', 'update', 'remove', 'upsert'));
ALTER TABLE import_runs
    ADD COLUMN unchanged bigint NOT NULL DEFAULT 0,
    ADD COLUMN missing   bigint NOT NULL DEFAULT 0,
    ADD COLUMN note      text NOT NULL DEFAULT '';
