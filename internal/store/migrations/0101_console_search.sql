-- Applicant search for the console: names folded for German users.
--
-- sestd_fold_de folds as German telephone books do (DIN 5007-2): lower
-- case, ä→ae, ö→oe, ü→ue, ß→ss, other accents dropped (é→e, ç→c, ş→s).
-- sestd_fold_plain drops every accent (ä→a). A name matches a query when
-- either folding of the query is in the same folding of the name, so
-- "Özdemir", "özdemir", "Oezdemir" and "Ozdemir" all find Özdemir.
CREATE FUNCTION sestd_fold_plain(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT replace(replace(replace(lower(translate(t,
        'àÀáÁâÂãÃäÄåÅāĀăĂąĄçÇćĆčČđĐďĎèÈéÉêÊëËēĒėĖęĘěĚğĞìÌíÍîÎïÏīĪįĮıIłŁñÑńŃňŇòÒóÓôÔõÕöÖøØōŌőŐřŘśŚşŞšŠţŢťŤùÙúÚûÛüÜūŪůŮűŰųŲýÝÿŸžŽźŹżŻ',
        'aaaaaaaaaaaaaaaaaaccccccddddeeeeeeeeeeeeeeeeggiiiiiiiiiiiiiillnnnnnnoooooooooooooooorrssssssttttuuuuuuuuuuuuuuuuyyyyzzzzzz')), 'ß', 'ss'), 'œ', 'oe'), 'æ', 'ae')
$$;
-- Independent of the database's locale: upper-case letters are folded
-- by translate, not by lower().
CREATE FUNCTION sestd_fold_de(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT sestd_fold_plain(replace(replace(replace(replace(replace(replace(t,
        'ä', 'ae'), 'Ä', 'ae'), 'ö', 'oe'), 'Ö', 'oe'), 'ü', 'ue'), 'Ü', 'ue'))
$$;

-- Trigram indexes make substring search fast; pg_trgm ships with
-- PostgreSQL and is a trusted extension (the database owner may create
-- it). Without it the search still works, by sequential scan.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION
    WHEN insufficient_privilege OR undefined_file THEN
        RAISE NOTICE 'pg_trgm is not available: the console searches names without an index';
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE $i$CREATE INDEX bewerber_name_fold_de_idx ON bewerber
            USING gin (sestd_fold_de(vorname || ' ' || nachname || ' ' || geburtsname) gin_trgm_ops)$i$;
        EXECUTE $i$CREATE INDEX bewerber_name_fold_plain_idx ON bewerber
            USING gin (sestd_fold_plain(vorname || ' ' || nachname || ' ' || geburtsname) gin_trgm_ops)$i$;
    END IF;
END $$;

CREATE INDEX bewerber_email_lower_idx ON bewerber (lower(email_adresse));
CREATE INDEX bewerbung_status_idx ON bewerbung (bearbeitungsstatus, bewerber_id);
CREATE INDEX bewerbung_angebot_bewerber_idx ON bewerbung (studienangebot_schluessel, bewerber_id);
