-- Stored JSON keys are snake_case (issue 17, item 1): the Servicestelle's
-- types declare their keys (email_adresse, studiengang_schluessel, …)
-- instead of their Go field names. The rows are converted by the data
-- step that follows this migration (version 151, in Go: store/json_keys.go),
-- which rewrites each item as the daemon encodes it and recomputes
-- data_sha. The uni views read the new keys only.
CREATE OR REPLACE FUNCTION uni_json(j json, key text) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN json_typeof(j) = 'object' AND json_typeof(j -> key) <> 'null' THEN j -> key END
$$;
CREATE OR REPLACE FUNCTION uni_json_text(j json, key text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN json_typeof(j) = 'object' THEN j ->> key END
$$;
CREATE OR REPLACE FUNCTION uni_bewerbung_json(data json) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(uni_json(data, 'einfach'), uni_json(data, 'mehrfach'))
$$;

CREATE OR REPLACE VIEW uni.bewerbungen AS
    SELECT b.bewerbung_key, b.art, b.bewerber_id, b.studienangebot_schluessel, b.bearbeitungsstatus,
           b.aktivitaetsstatus,
           coalesce(uni_json_text(uni_bewerbung_json(b.data), 'papierantragstatus'), '') AS papierantragstatus,
           coalesce(uni_json_text(uni_bewerbung_json(b.data), 'sonderantragsentscheidung'), '') AS sonderantragsentscheidung,
           b.version, b.eingangs_zeitpunkt, b.letzte_aenderung, b.statusanmerkung, b.updated_at
    FROM bewerbung b, uni.export_window w
    WHERE b.updated_at >= w.lo AND b.updated_at < w.hi;

CREATE OR REPLACE VIEW uni.teilfachbewerbungen AS
    SELECT t.bewerbung_key, t.studiengang_schluessel, b.bewerber_id, t.ist_hauptfach, t.bearbeitungsstatus, t.version,
           coalesce(uni_json_text(j.tf, 'aktivitaetsstatus'), '') AS aktivitaetsstatus,
           coalesce(uni_json_text(j.tf, 'statusanmerkung'), '') AS statusanmerkung,
           coalesce(uni_json_text(j.tf, 'sonderantragsentscheidung'), '') AS sonderantragsentscheidung,
           b.updated_at
    FROM teilfachbewerbung t
    JOIN bewerbung b USING (bewerbung_key)
    CROSS JOIN uni.export_window w
    LEFT JOIN LATERAL (
        SELECT e.tf FROM json_array_elements(
            CASE WHEN json_typeof(uni_json(uni_bewerbung_json(b.data), 'teilfachbewerbung')) = 'array'
                 THEN uni_json(uni_bewerbung_json(b.data), 'teilfachbewerbung') ELSE '[]'::json END) AS e(tf)
        WHERE uni_json_text(uni_json(e.tf, 'studienangebot'), 'studiengang_schluessel') = t.studiengang_schluessel
        LIMIT 1) j ON true
    WHERE b.updated_at >= w.lo AND b.updated_at < w.hi;
