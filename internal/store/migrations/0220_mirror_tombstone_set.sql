-- The subject tombstones (0070) are checked once per package instead of
-- once per row (issue 19). The BEFORE INSERT row triggers ran a PL/pgSQL
-- call for every row an upsert proposed, the unchanged ones included
-- (about a tenth of PostgreSQL's time in a full download). The mirror's
-- upserts (store/mirror.go, the only writers of bewerber and bewerbung)
-- now do it set-based, in the package's transaction:
--
--   1. lift: delete the tombstones of the package's applicants that one of
--      the package's rows changed after the erasure (letzte_aenderung
--      newer than the tombstone's): the applicant is back;
--   2. write only rows of applicants without a tombstone (the applicant
--      stubs included).
--
-- The guarantee is unchanged: an erased applicant's data is never written
-- again unless the Servicestelle changed it after the erasure. An erasure
-- locks bewerber and bewerbung (SHARE ROW EXCLUSIVE) before it writes its
-- tombstones; each writing statement takes its lock before its snapshot,
-- so it either commits before the erasure begins (and is erased by it) or
-- waits and then sees the tombstone. One difference to the row trigger:
-- when one row of an applicant lifts the tombstone, the applicant's other
-- rows in the same package are written too (the trigger's outcome
-- depended on the rows' order).
DROP TRIGGER bewerber_subject_tombstone ON bewerber;
DROP TRIGGER bewerbung_subject_tombstone ON bewerbung;
DROP FUNCTION subject_tombstone_check();
