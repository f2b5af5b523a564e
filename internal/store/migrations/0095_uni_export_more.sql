-- What the university gets back, second edition (issue 15, item 11): the
-- Bewerbungen with papierantragstatus and sonderantragsentscheidung, their
-- Teilfächer, Bestandteile and Bescheide with the documents' paths
-- (relative to sync.document_root), and a list of the export kinds that
-- other migrations extend.

-- export_kind lists the views of the uni schema that each export run
-- writes as a file <name>_<run>_<window end>.csv, in position order. A
-- migration that adds a view to the uni schema (its rows limited to the
-- window of uni.export_window, as the views below) registers it here;
-- nothing in Go names the kinds.
CREATE TABLE export_kind (
    name     text PRIMARY KEY,           -- the view uni.<name>
    position integer NOT NULL UNIQUE
);
INSERT INTO export_kind (name, position) VALUES
    ('bewerbungen', 10), ('teilfachbewerbungen', 20), ('bestandteile', 30), ('bescheide', 40),
    ('bewerber', 50), ('statusaenderungen', 60), ('ranglistenstatus', 70), ('outbox_ergebnisse', 80);

-- The mirror keeps each Bewerbung as the Servicestelle sent it (data,
-- JSON of sestd's Go types). uni_json and uni_json_text read a member by
-- its name as in Go (Papierantragstatus) or with a lower-case first letter
-- (papierantragstatus), so that the views survive declared JSON keys.
-- (A member that is JSON null counts as missing.)
CREATE FUNCTION uni_json(j json, key text) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN json_typeof(j) = 'object' THEN coalesce(
        CASE WHEN json_typeof(j -> key) <> 'null' THEN j -> key END,
        CASE WHEN json_typeof(j -> (lower(left(key, 1)) || substr(key, 2))) <> 'null'
             THEN j -> (lower(left(key, 1)) || substr(key, 2)) END) END
$$;
CREATE FUNCTION uni_json_text(j json, key text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN json_typeof(j) = 'object'
                THEN coalesce(j ->> key, j ->> (lower(left(key, 1)) || substr(key, 2))) END
$$;
-- The Einfach- or Mehrfachstudienangebotsbewerbung inside data.
CREATE FUNCTION uni_bewerbung_json(data json) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(uni_json(data, 'Einfach'), uni_json(data, 'Mehrfach'))
$$;

DROP VIEW uni.bewerbungen;
CREATE VIEW uni.bewerbungen AS
    SELECT b.bewerbung_key, b.art, b.bewerber_id, b.studienangebot_schluessel, b.bearbeitungsstatus,
           b.aktivitaetsstatus,
           coalesce(uni_json_text(uni_bewerbung_json(b.data), 'Papierantragstatus'), '') AS papierantragstatus,
           coalesce(uni_json_text(uni_bewerbung_json(b.data), 'Sonderantragsentscheidung'), '') AS sonderantragsentscheidung,
           b.version, b.eingangs_zeitpunkt, b.letzte_aenderung, b.statusanmerkung, b.updated_at
    FROM bewerbung b, uni.export_window w
    WHERE b.updated_at >= w.lo AND b.updated_at < w.hi;

-- The Teilfachbewerbungen of the Mehrfachstudienangebotsbewerbungen that
-- changed in the window (all of them, as the Bewerbung now has them).
CREATE VIEW uni.teilfachbewerbungen AS
    SELECT t.bewerbung_key, t.studiengang_schluessel, b.bewerber_id, t.ist_hauptfach, t.bearbeitungsstatus, t.version,
           coalesce(uni_json_text(j.tf, 'Aktivitaetsstatus'), '') AS aktivitaetsstatus,
           coalesce(uni_json_text(j.tf, 'Statusanmerkung'), '') AS statusanmerkung,
           coalesce(uni_json_text(j.tf, 'Sonderantragsentscheidung'), '') AS sonderantragsentscheidung,
           b.updated_at
    FROM teilfachbewerbung t
    JOIN bewerbung b USING (bewerbung_key)
    CROSS JOIN uni.export_window w
    LEFT JOIN LATERAL (
        SELECT e.tf FROM json_array_elements(
            CASE WHEN json_typeof(uni_json(uni_bewerbung_json(b.data), 'Teilfachbewerbung')) = 'array'
                 THEN uni_json(uni_bewerbung_json(b.data), 'Teilfachbewerbung') ELSE '[]'::json END) AS e(tf)
        WHERE uni_json_text(uni_json(e.tf, 'Studienangebot'), 'StudiengangSchluessel') = t.studiengang_schluessel
        LIMIT 1) j ON true
    WHERE b.updated_at >= w.lo AND b.updated_at < w.hi;

-- Bewerbungsbestandteile and Bescheide of the Bewerbungen that changed in
-- the window, and those whose document was downloaded in it: dokument_pfad
-- is the file's path relative to sync.document_root, empty while it is not
-- downloaded (sync.dokument_download off, or not yet).
CREATE VIEW uni.bestandteile AS
    SELECT bt.bewerbung_key, bt.position, b.bewerber_id, bt.feldangabe_schluessel, bt.wert,
           bt.dokument_id, coalesce(d.dateiname, '') AS dokument_dateiname, coalesce(d.path, '') AS dokument_pfad
    FROM bewerbungsbestandteil bt
    JOIN bewerbung b USING (bewerbung_key)
    LEFT JOIN dokument d USING (dokument_id)
    CROSS JOIN uni.export_window w
    WHERE (b.updated_at >= w.lo AND b.updated_at < w.hi) OR (d.downloaded_at >= w.lo AND d.downloaded_at < w.hi);

CREATE VIEW uni.bescheide AS
    SELECT bs.bewerbung_key, bs.position, b.bewerber_id, bs.bescheidart, bs.erstellt_am,
           bs.dokument_id, coalesce(d.dateiname, '') AS dokument_dateiname, coalesce(d.path, '') AS dokument_pfad
    FROM bescheid bs
    JOIN bewerbung b USING (bewerbung_key)
    LEFT JOIN dokument d USING (dokument_id)
    CROSS JOIN uni.export_window w
    WHERE (b.updated_at >= w.lo AND b.updated_at < w.hi) OR (d.downloaded_at >= w.lo AND d.downloaded_at < w.hi);

-- The views of this release's mirror migrations (removals by a complete
-- full download, the Servicestelle's status changes the table forbids),
-- registered when they are there.
INSERT INTO export_kind (name, position)
SELECT v.name, v.position FROM (VALUES ('entfernungen', 90), ('unzulaessige_statusaenderungen', 100)) AS v(name, position)
WHERE EXISTS (SELECT 1 FROM pg_views WHERE schemaname = 'uni' AND viewname = v.name);
