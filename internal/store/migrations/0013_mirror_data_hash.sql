-- The hot mirror tables keep the item as json text (no jsonb parsing on
-- every write) and its SHA-256, which tells a changed item from an
-- unchanged one without comparing documents.
ALTER TABLE bewerbung ALTER COLUMN data TYPE json USING data::json,
    ADD COLUMN data_sha bytea;
ALTER TABLE bewerber ALTER COLUMN data TYPE json USING data::json,
    ADD COLUMN data_sha bytea;
UPDATE bewerbung SET data_sha = sha256(convert_to(data::text, 'UTF8'));
UPDATE bewerber SET data_sha = sha256(convert_to(data::text, 'UTF8')) WHERE data IS NOT NULL;
