-- Every attempt to send an item to the Servicestelle (Sestco's UploadLog):
-- what was sent, what came back, and the per-item result.
CREATE TABLE upload_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    operation       text NOT NULL,        -- e.g. uebermittelnNeueBewerbungenAnSeSt
    item_kind       text NOT NULL,        -- bewerbung, bewerber_auth, rangliste, ...
    item_key        text NOT NULL,
    bewerber_id     text,                 -- for access requests and erasure
    attempt         integer NOT NULL DEFAULT 1,
    request         text,                 -- the item as sent (personal data: purged by retention)
    response        text,                 -- the item's result as received
    ergebnis_status text,                 -- neu, aktualisiert, zurueckgewiesen; NULL when the call failed
    reason          text NOT NULL DEFAULT '', -- grundZurueckweisung, SOAP fault or transport error text
    code            integer               -- rejection code parsed from the reason (30233, 30235, ...)
);
CREATE INDEX upload_log_item_idx ON upload_log (item_kind, item_key, id);
CREATE INDEX upload_log_bewerber_idx ON upload_log (bewerber_id);
CREATE INDEX upload_log_at_idx ON upload_log (at);
