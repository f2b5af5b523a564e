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

-- The folded names live in a table of their own, kept by a trigger on
-- bewerber, so that searching and sorting 100,000 applicants reads stored
-- strings instead of folding every name per query. It is derived data:
-- erasing an applicant's bewerber row removes its row (ON DELETE CASCADE).
CREATE TABLE bewerber_search (
    bewerber_id text PRIMARY KEY REFERENCES bewerber ON DELETE CASCADE,
    sort_key    text NOT NULL,   -- folded Nachname, Vorname: the list order
    -- folded "Vorname Nachname Geburtsname", once as German telephone
    -- books fold (DIN 5007-2) and once with every accent dropped, joined
    -- by " | ": one trigram index serves both foldings of a query
    names       text NOT NULL,
    email       text NOT NULL    -- lower-case e-mail address
);
CREATE INDEX bewerber_search_sort_idx ON bewerber_search (sort_key, bewerber_id);
CREATE INDEX bewerber_search_email_idx ON bewerber_search (email);

CREATE FUNCTION bewerber_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bewerber_search (bewerber_id, sort_key, names, email)
    VALUES (NEW.bewerber_id,
            sestd_fold_de(NEW.nachname) || ' ' || sestd_fold_de(NEW.vorname),
            sestd_fold_de(NEW.vorname || ' ' || NEW.nachname || ' ' || NEW.geburtsname) || ' | ' ||
                sestd_fold_plain(NEW.vorname || ' ' || NEW.nachname || ' ' || NEW.geburtsname),
            lower(NEW.email_adresse))
    ON CONFLICT (bewerber_id) DO UPDATE SET sort_key = EXCLUDED.sort_key, names = EXCLUDED.names, email = EXCLUDED.email;
    RETURN NULL;
END $$;

CREATE TRIGGER bewerber_search_sync AFTER INSERT OR UPDATE OF vorname, nachname, geburtsname, email_adresse ON bewerber
    FOR EACH ROW EXECUTE FUNCTION bewerber_search_sync();

INSERT INTO bewerber_search (bewerber_id, sort_key, names, email)
SELECT bewerber_id, sestd_fold_de(nachname) || ' ' || sestd_fold_de(vorname),
       sestd_fold_de(vorname || ' ' || nachname || ' ' || geburtsname) || ' | ' ||
           sestd_fold_plain(vorname || ' ' || nachname || ' ' || geburtsname),
       lower(email_adresse)
FROM bewerber;

-- Trigram indexes make substring search fast; pg_trgm ships with
-- PostgreSQL and is a trusted extension (the database owner may create
-- it). Without it the search still works, by a scan of bewerber_search.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION
    WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
        RAISE NOTICE 'pg_trgm is not available: the console searches names without an index';
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX bewerber_search_names_idx ON bewerber_search USING gin (names gin_trgm_ops)';
    END IF;
END $$;

CREATE INDEX bewerbung_status_idx ON bewerbung (bearbeitungsstatus, bewerber_id);
CREATE INDEX bewerbung_angebot_bewerber_idx ON bewerbung (studienangebot_schluessel, bearbeitungsstatus, bewerber_id);
CREATE INDEX uni_bewerber_auth_ban_idx ON uni_bewerber_auth (ban);
CREATE INDEX uni_bewerbung_ban_idx ON uni_bewerbung (bewerber_ban);
