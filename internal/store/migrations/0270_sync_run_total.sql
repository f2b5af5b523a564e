-- A run's number of references, kept beside them (issue 19). Each package
-- of a run reads it in its commit to tell whether it completes the run;
-- cardinality(refs) unpacked the whole TOASTed array each time (0.65 ms
-- of database CPU per package of a 100,000-reference run).
ALTER TABLE sync_run ADD COLUMN total integer;
UPDATE sync_run SET total = cardinality(refs);
ALTER TABLE sync_run ALTER COLUMN total SET NOT NULL;
