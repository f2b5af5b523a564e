-- Data protection (issue 10).
--
-- An erased applicant (sestd subject erase, or the retention job) leaves a
-- tombstone: the id, when, and the newest letzteAenderung sestd had seen of
-- the applicant's Stammdaten and Bewerbungen. The mirror's upserts insert
-- through the triggers below, which skip a Bewerber or Bewerbung row of an
-- erased applicant unless the Servicestelle changed it after the erasure
-- (letzte_aenderung newer than the tombstone's); such a change lifts the
-- tombstone: the applicant is back. So neither the next delta poll, a
-- cursor reset nor a full download bring erased data back.
CREATE TABLE subject_tombstone (
    bewerber_id      text PRIMARY KEY,
    erased_at        timestamptz NOT NULL DEFAULT now(),
    letzte_aenderung timestamptz NOT NULL,   -- newer items lift the tombstone
    reason           text NOT NULL           -- erase, retention_closed, retention_marked
);

CREATE FUNCTION subject_tombstone_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t subject_tombstone%ROWTYPE;
BEGIN
    SELECT * INTO t FROM subject_tombstone WHERE bewerber_id = NEW.bewerber_id;
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    IF NEW.letzte_aenderung IS NULL OR NEW.letzte_aenderung <= t.letzte_aenderung THEN
        RETURN NULL; -- erased, and not changed since: skip the row
    END IF;
    DELETE FROM subject_tombstone WHERE bewerber_id = NEW.bewerber_id;
    IF TG_TABLE_NAME = 'bewerbung' THEN
        -- The package's applicant stub was skipped while the tombstone stood.
        INSERT INTO bewerber (bewerber_id, complete) VALUES (NEW.bewerber_id, false) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER bewerber_subject_tombstone BEFORE INSERT ON bewerber
    FOR EACH ROW EXECUTE FUNCTION subject_tombstone_check();
CREATE TRIGGER bewerbung_subject_tombstone BEFORE INSERT ON bewerbung
    FOR EACH ROW EXECUTE FUNCTION subject_tombstone_check();

-- Indexes for looking up and erasing one applicant's rows.
CREATE INDEX IF NOT EXISTS dokument_bewerber_idx ON dokument (bewerber_id);
CREATE INDEX IF NOT EXISTS ranking_entry_bewerber_idx ON ranking_entry (bewerber_id);
DO $$
BEGIN
    IF to_regclass('outbox_item') IS NOT NULL THEN
        CREATE INDEX IF NOT EXISTS outbox_item_bewerber_idx ON outbox_item (bewerber_id);
    END IF;
    IF to_regclass('bewerbung_status_change') IS NOT NULL THEN
        CREATE INDEX IF NOT EXISTS bewerbung_status_change_bewerber_idx ON bewerbung_status_change (bewerber_id);
    END IF;
END $$;

-- S-BEAT identities (names, matriculation numbers, e-mail) are readable
-- through a role of their own, granted to the login roles that may see
-- them (see the README); PUBLIC gets nothing (0021_sbeat.sql). Roles are
-- cluster-wide and creating one needs CREATEROLE: without it the
-- migration goes on and an administrator creates the role by hand.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sestd_identity_reader') THEN
        CREATE ROLE sestd_identity_reader NOLOGIN;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot create role sestd_identity_reader (no CREATEROLE); create it as an administrator';
    WHEN duplicate_object THEN
        NULL; -- created concurrently by a migration of another database
END $$;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sestd_identity_reader') THEN
        REVOKE ALL ON sbeat_identity FROM PUBLIC;
        GRANT SELECT ON sbeat_identity TO sestd_identity_reader;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot grant on sbeat_identity to sestd_identity_reader; grant it as the table owner';
END $$;
