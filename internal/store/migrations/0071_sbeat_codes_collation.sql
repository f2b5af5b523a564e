-- S-BEAT's codes (IDENTNR, PNR, STG) are identifiers, not words: they
-- compare and sort byte by byte, in every locale the database may have.
-- The "C" collation says so, and it makes the primary keys they lead
-- cheap to maintain (a byte comparison instead of the locale's rules): in
-- a million-row exam import that is a fifth of PostgreSQL's work. All
-- such columns change together, so that joins between the tables compare
-- alike. The primary keys are rebuilt.
ALTER TABLE sbeat_student
    ALTER COLUMN identnr TYPE text COLLATE "C",
    ALTER COLUMN stg TYPE text COLLATE "C",
    ALTER COLUMN pnr TYPE text COLLATE "C";
ALTER TABLE sbeat_exam
    ALTER COLUMN identnr TYPE text COLLATE "C",
    ALTER COLUMN pnr TYPE text COLLATE "C",
    ALTER COLUMN stg TYPE text COLLATE "C";
ALTER TABLE sbeat_course
    ALTER COLUMN stg TYPE text COLLATE "C";
ALTER TABLE sbeat_applicant
    ALTER COLUMN identnr TYPE text COLLATE "C",
    ALTER COLUMN stg TYPE text COLLATE "C";
ALTER TABLE sbeat_identity
    ALTER COLUMN identnr TYPE text COLLATE "C";
