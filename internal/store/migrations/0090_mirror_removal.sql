-- Deletions. The Servicestelle reports no deletion in its delta: a
-- Bewerbung it no longer has is simply absent. A complete, unfiltered full
-- download (every stream fetched from the start of the Vermittlungsprozess
-- to its end, no Fach filter) removes from the mirror the Bewerbungen it
-- did not return (their Teilfachbewerbungen, Bestandteile and Bescheide go
-- with them), and the applicants it did not return that have no Bewerbung
-- left. Each removal is recorded here: when, what, which run. The rows
-- carry keys and statuses only, no personal data beyond the bewerber_id.
CREATE TABLE mirror_removal (
    id                        bigserial PRIMARY KEY,
    kind                      text NOT NULL CHECK (kind IN ('bewerbung', 'bewerber')),
    item_key                  text NOT NULL,   -- bewerbung_key or bewerber_id
    bewerber_id               text NOT NULL,
    studienangebot_schluessel text,            -- a Bewerbung's, as last mirrored
    bearbeitungsstatus        text,            -- a Bewerbung's, as last mirrored
    version                   integer,         -- a Bewerbung's, as last mirrored
    last_seen_at              timestamptz NOT NULL,  -- the last time sestd saw it at the Servicestelle
    run                       text NOT NULL,   -- the full download that removed it (full_download job <id>)
    removed_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mirror_removal_at_idx ON mirror_removal (removed_at);
CREATE INDEX mirror_removal_bewerber_idx ON mirror_removal (bewerber_id);

-- The removals of the latest export run's window, for the university.
CREATE VIEW uni.entfernungen AS
    SELECT r.id, r.kind, r.item_key, r.bewerber_id, r.studienangebot_schluessel, r.bearbeitungsstatus,
           r.version, r.last_seen_at, r.run, r.removed_at
    FROM mirror_removal r, uni.export_window w
    WHERE r.removed_at >= w.lo AND r.removed_at < w.hi;
