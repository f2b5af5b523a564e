-- The console's search rows of applicant stubs that the Bewerber stream
-- completes are written set-based, by the completing statement, instead
-- of by the bewerber_search_sync row trigger (issue 19). The row trigger
-- ran a PL/pgSQL call and a one-row INSERT ... ON CONFLICT for every
-- completed stub (10,000 per 10,000 new applicants whose Bewerbungen came
-- first, the usual order of a full download); one statement per package
-- writes the same rows. Measured on 500 stubs completed by one upsert
-- (the upsert included, eight runs each, alternating): 27-47 ms with the
-- row trigger, median 28.6 ms; 20-33 ms set-based, median 22.1 ms.
--
-- Contract: a statement that turns a stub complete (complete false to
-- true, only store.WriteBewerber does) writes the search rows of the
-- stubs it completed, from their new names, with sestd_search_names
-- (0251). A stub's names change only when it is completed. Every other
-- change of a complete applicant's names still goes through the row
-- trigger, and new applicants through bewerber_search_inserted (0170).
DROP TRIGGER bewerber_search_sync ON bewerber;
CREATE TRIGGER bewerber_search_sync AFTER UPDATE OF vorname, nachname, geburtsname, email_adresse ON bewerber
    FOR EACH ROW WHEN (OLD.complete AND
                       (OLD.vorname, OLD.nachname, OLD.geburtsname, OLD.email_adresse) IS DISTINCT FROM
                       (NEW.vorname, NEW.nachname, NEW.geburtsname, NEW.email_adresse))
    EXECUTE FUNCTION bewerber_search_sync();
