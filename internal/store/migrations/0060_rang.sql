-- The ranking upload's view for the university (Sestco's
-- BaseRangHandler.update_university): every Rangliste the Servicestelle
-- reports, with its status and statusanmerkung as of the latest
-- Ranglistenstatus delta poll, the entries imported for it, and the
-- result of sestd's latest upload of it. The CSV rang_status.csv in
-- export.dir holds the same rows.
CREATE SCHEMA IF NOT EXISTS uni;

CREATE VIEW uni.ranglisten_status AS
    SELECT s.ranglisten_schluessel, s.studienpaket_schluessel, coalesce(p.name_de, '') AS studienpaket_name,
           s.status, s.statusanmerkung, s.anzahl_eintraege,
           (SELECT count(*) FROM ranking_entry e WHERE e.rangliste = s.ranglisten_schluessel) AS eintraege_importiert,
           s.letzte_aenderung, s.updated_at,
           u.at AS letzter_upload_at, coalesce(u.ergebnis_status, '') AS letzter_upload_ergebnis,
           coalesce(u.reason, '') AS letzter_upload_grund
    FROM ranglistenstatus s
    LEFT JOIN studienpaket p ON p.schluessel = s.studienpaket_schluessel
    LEFT JOIN LATERAL (
        SELECT l.at, l.ergebnis_status, l.reason FROM upload_log l
        WHERE l.item_kind = 'rangliste' AND l.item_key = s.ranglisten_schluessel
        ORDER BY l.id DESC LIMIT 1) u ON true;
