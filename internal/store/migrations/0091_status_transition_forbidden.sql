-- Status changes the Servicestelle made that the Bearbeitungsstatus table
-- (sync.bearbeitungsstatus: sest_in, sest_out) does not allow it: out of
-- a status it may not leave (sest_out false), into one it may not give
-- (sest_in false), or into one the table does not know. The mirror is a
-- copy and keeps the status as sent; these rows report the transition to
-- the university. A status the university itself sent (an accepted outbox
-- item with that status) is the university's change, not reported.
CREATE TABLE bewerbung_status_forbidden (
    id            bigserial PRIMARY KEY,
    bewerbung_key text NOT NULL,
    bewerber_id   text NOT NULL,
    old_status    text NOT NULL,
    new_status    text NOT NULL,
    version       integer NOT NULL,
    reason        text NOT NULL,
    detected_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bewerbung_status_forbidden_at_idx ON bewerbung_status_forbidden (detected_at);
CREATE INDEX bewerbung_status_forbidden_bewerber_idx ON bewerbung_status_forbidden (bewerber_id);

-- The forbidden transitions of the latest export run's window.
CREATE VIEW uni.unzulaessige_statusaenderungen AS
    SELECT f.id, f.bewerbung_key, f.bewerber_id, f.old_status, f.new_status, f.version, f.reason, f.detected_at
    FROM bewerbung_status_forbidden f, uni.export_window w
    WHERE f.detected_at >= w.lo AND f.detected_at < w.hi;
