-- The console's name folding (0101) computed with one translate() per
-- applicant instead of four (issue 19). translate() compares every
-- character of its text with every character of its 122-character list,
-- so it was most of the folding's cost, and the search row of an applicant
-- folded four texts: Nachname and Vorname (sort_key), then "Vorname
-- Nachname Geburtsname" once for each folding (names). Measured on 10,000
-- applicants of the simulator: 0.2 s of PostgreSQL CPU for the four
-- foldings, most of it in translate(); 0.08 s for sestd_search_names
-- below. BenchmarkMirrorBackendCPU, 10,000 Bewerber completing their
-- stubs: 0.74 s before, 0.62 s after (medians of three, side by side).
--
-- The outputs are the same for every text; the test
-- TestFoldingMatchesMigration0101 compares old and new functions on
-- hand-picked names. Why they are the same: translate() and replace() of
-- one character map character by character, so
--
--   1. translate(t, list, to) = translate(translate(t, list', to'),
--      'äÄöÖüÜ', 'aaoouu'), where list' is the list without the umlauts
--      (every character of to' is an ASCII lower-case letter, none of
--      them an umlaut): the umlauts can be mapped last;
--   2. translate(replace(t, 'ä', 'ae') ..., list, to) =
--      replace(translate(t, list', to'), 'ä', 'ae') ...: list' does not
--      touch the umlauts, and list does not touch 'a', 'e', 'o', 'u';
--   3. translate(t, list', to') keeps the length of t (a character for
--      a character), so the folding of "Vorname Nachname Geburtsname"
--      holds Vorname's and Nachname's at known places;
--   4. an ASCII text is mapped only at 'I' (the only ASCII character of
--      the list): translate is replace(t, 'I', 'i') for it.
--
-- lower() is applied to the same texts as before (it may depend on the
-- database's locale, and is not split or moved).
--
-- sestd_fold_map(t) is the common step, translate(t, list', to'), with
-- (4) as a shortcut in a UTF8 database (an ASCII text has as many bytes as
-- characters there). Only a UTF8 database can hold migration 0101's
-- lists at all, besides SQL_ASCII, where translate() maps bytes, not
-- characters, and neither definition folds letters outside ASCII. The functions are no longer STRICT, so that the
-- planner inlines them into the statements that call them; a NULL still
-- folds to NULL.
DO $$
DECLARE
    map text := $f$translate(t,
        'àÀáÁâÂãÃåÅāĀăĂąĄçÇćĆčČđĐďĎèÈéÉêÊëËēĒėĖęĘěĚğĞìÌíÍîÎïÏīĪįĮıIłŁñÑńŃňŇòÒóÓôÔõÕøØōŌőŐřŘśŚşŞšŠţŢťŤùÙúÚûÛūŪůŮűŰųŲýÝÿŸžŽźŹżŻ',
        'aaaaaaaaaaaaaaaaccccccddddeeeeeeeeeeeeeeeeggiiiiiiiiiiiiiillnnnnnnoooooooooooooorrssssssttttuuuuuuuuuuuuuuyyyyzzzzzz')$f$;
BEGIN
    IF current_setting('server_encoding') = 'UTF8' THEN
        map := $f$CASE WHEN octet_length(t) = length(t) THEN replace(t, 'I', 'i') ELSE $f$ || map || ' END';
    END IF;
    EXECUTE 'CREATE FUNCTION sestd_fold_map(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $b$ SELECT '
        || map || ' $b$';
END $$;

-- sestd_fold_de and sestd_fold_plain of a text already mapped.
CREATE FUNCTION sestd_fold_de_mapped(m text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(replace(lower(replace(replace(replace(replace(replace(replace(m,
        'ä', 'ae'), 'Ä', 'ae'), 'ö', 'oe'), 'Ö', 'oe'), 'ü', 'ue'), 'Ü', 'ue')), 'ß', 'ss'), 'œ', 'oe'), 'æ', 'ae')
$$;
CREATE FUNCTION sestd_fold_plain_mapped(m text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(replace(lower(translate(m, 'äÄöÖüÜ', 'aaoouu')), 'ß', 'ss'), 'œ', 'oe'), 'æ', 'ae')
$$;

CREATE OR REPLACE FUNCTION sestd_fold_plain(t text) RETURNS text LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT sestd_fold_plain_mapped(sestd_fold_map(t))
$$;
CREATE OR REPLACE FUNCTION sestd_fold_de(t text) RETURNS text LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT sestd_fold_de_mapped(sestd_fold_map(t))
$$;

-- An applicant's bewerber_search columns: sort_key is
-- sestd_fold_de(nachname) || ' ' || sestd_fold_de(vorname), names is
-- sestd_fold_de(v || ' ' || n || ' ' || g) || ' | ' ||
-- sestd_fold_plain(v || ' ' || n || ' ' || g), from one sestd_fold_map.
CREATE FUNCTION sestd_search_names(vorname text, nachname text, geburtsname text)
RETURNS TABLE (sort_key text, names text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sestd_fold_de_mapped(substr(m, length(vorname) + 2, length(nachname))) || ' ' ||
               sestd_fold_de_mapped(substr(m, 1, length(vorname))),
           sestd_fold_de_mapped(m) || ' | ' || sestd_fold_plain_mapped(m)
    FROM (SELECT sestd_fold_map(vorname || ' ' || nachname || ' ' || geburtsname) AS m OFFSET 0) f
$$;

CREATE OR REPLACE FUNCTION bewerber_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bewerber_search (bewerber_id, sort_key, names, email)
    SELECT NEW.bewerber_id, f.sort_key, f.names, lower(NEW.email_adresse)
    FROM sestd_search_names(NEW.vorname, NEW.nachname, NEW.geburtsname) f
    ON CONFLICT (bewerber_id) DO UPDATE SET sort_key = EXCLUDED.sort_key, names = EXCLUDED.names, email = EXCLUDED.email;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION bewerber_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bewerber_search (bewerber_id, sort_key, names, email)
    SELECT n.bewerber_id, f.sort_key, f.names, lower(n.email_adresse)
    FROM new_rows n, sestd_search_names(n.vorname, n.nachname, n.geburtsname) f ORDER BY n.bewerber_id
    ON CONFLICT (bewerber_id) DO UPDATE SET sort_key = EXCLUDED.sort_key, names = EXCLUDED.names, email = EXCLUDED.email;
    RETURN NULL;
END $$;
