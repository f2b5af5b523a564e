-- The university's view of what changed: each view holds the changes of
-- the latest export run (export_run's window [lo, hi)), the same rows the
-- run wrote to its CSV files. The university integrates through these
-- views and the files, not through sestd's tables.
CREATE SCHEMA IF NOT EXISTS uni;

CREATE VIEW uni.export_window AS
    SELECT id AS export_run_id, lo, hi FROM export_run ORDER BY id DESC LIMIT 1;

CREATE VIEW uni.bewerbungen AS
    SELECT b.bewerbung_key, b.art, b.bewerber_id, b.studienangebot_schluessel, b.bearbeitungsstatus,
           b.aktivitaetsstatus, b.version, b.eingangs_zeitpunkt, b.letzte_aenderung, b.statusanmerkung,
           b.updated_at
    FROM bewerbung b, uni.export_window w
    WHERE b.updated_at >= w.lo AND b.updated_at < w.hi;

CREATE VIEW uni.bewerber AS
    SELECT r.bewerber_id, r.status, r.anrede, r.vorname, r.weitere_vornamen, r.nachname, r.email_adresse,
           r.geburtsdatum, r.staatsangehoerigkeit, r.strasse_hausnr_postfach, r.plz, r.ort, r.land,
           r.letzte_aenderung, r.updated_at
    FROM bewerber r, uni.export_window w
    WHERE r.complete AND r.updated_at >= w.lo AND r.updated_at < w.hi;

CREATE VIEW uni.statusaenderungen AS
    SELECT c.id, c.bewerbung_key, c.bewerber_id, c.old_status, c.new_status, c.version, c.changed_at
    FROM bewerbung_status_change c, uni.export_window w
    WHERE c.changed_at >= w.lo AND c.changed_at < w.hi;

CREATE VIEW uni.ranglistenstatus AS
    SELECT s.ranglisten_schluessel, s.studienpaket_schluessel, s.status, s.statusanmerkung,
           s.anzahl_eintraege, s.letzte_aenderung, s.updated_at
    FROM ranglistenstatus s, uni.export_window w
    WHERE s.updated_at >= w.lo AND s.updated_at < w.hi;

CREATE VIEW uni.outbox_ergebnisse AS
    SELECT o.id, o.kind, o.item_key, o.bewerber_id, o.sest_key, o.state, o.operation, o.attempts,
           o.ergebnis_status, o.reason, o.code, o.result_version, o.finished_at
    FROM outbox_item o, uni.export_window w
    WHERE o.finished_at >= w.lo AND o.finished_at < w.hi;
