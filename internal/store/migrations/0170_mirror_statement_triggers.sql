-- The mirror's AFTER INSERT triggers run once per statement instead of
-- once per row (issue 19): a package of 500 new Bewerbungen is one
-- upsert, and its status history and its applicants' search rows are now
-- one set-based statement each, read from the statement's transition
-- table, instead of 500 PL/pgSQL calls. The UPDATE triggers stay per row:
-- they fire only when the watched columns are set (UPDATE OF), which the
-- mirror's seen_at updates do not. What the triggers write is unchanged.

-- Every new mirrored Bewerbung's Bearbeitungsstatus (0040).
DROP TRIGGER bewerbung_status_history ON bewerbung;

CREATE FUNCTION bewerbung_status_history_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bewerbung_status_change (bewerbung_key, bewerber_id, old_status, new_status, version)
    SELECT n.bewerbung_key, n.bewerber_id, NULL, n.bearbeitungsstatus, n.version
    FROM new_rows n ORDER BY n.bewerbung_key;
    RETURN NULL;
END $$;

CREATE TRIGGER bewerbung_status_history_inserted AFTER INSERT ON bewerbung
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bewerbung_status_history_inserted();
CREATE TRIGGER bewerbung_status_history AFTER UPDATE OF bearbeitungsstatus ON bewerbung
    FOR EACH ROW EXECUTE FUNCTION bewerbung_status_history();

-- The console's folded names of new applicants (0101).
DROP TRIGGER bewerber_search_sync ON bewerber;

CREATE FUNCTION bewerber_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bewerber_search (bewerber_id, sort_key, names, email)
    SELECT n.bewerber_id,
           sestd_fold_de(n.nachname) || ' ' || sestd_fold_de(n.vorname),
           sestd_fold_de(n.vorname || ' ' || n.nachname || ' ' || n.geburtsname) || ' | ' ||
               sestd_fold_plain(n.vorname || ' ' || n.nachname || ' ' || n.geburtsname),
           lower(n.email_adresse)
    FROM new_rows n ORDER BY n.bewerber_id
    ON CONFLICT (bewerber_id) DO UPDATE SET sort_key = EXCLUDED.sort_key, names = EXCLUDED.names, email = EXCLUDED.email;
    RETURN NULL;
END $$;

CREATE TRIGGER bewerber_search_inserted AFTER INSERT ON bewerber
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bewerber_search_inserted();
CREATE TRIGGER bewerber_search_sync AFTER UPDATE OF vorname, nachname, geburtsname, email_adresse ON bewerber
    FOR EACH ROW EXECUTE FUNCTION bewerber_search_sync();
