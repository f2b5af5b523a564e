-- The outbox of the outbound sync (Sestco's sync_uni): one item per
-- university application (uni_bewerbung, kind bewerbung) and per applicant
-- authorisation (uni_bewerber_auth, kind bewerber_auth). An item is
-- recycled when its staging row changes: it becomes pending again with the
-- new payload and its attempts reset.
--
-- States: pending (to send), sent (handed to the Servicestelle, outcome not
-- yet recorded: after a crash or a failed call the outcome is looked up
-- before anything is sent again), accepted, rejected (not retried: a
-- forbidden status transition, an applicant marked for deletion, a wrong
-- BAN), failed (still rejected after outbox.max_attempts), discarded (by an
-- operator).
CREATE TABLE outbox_item (
    id                bigserial PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('bewerbung', 'bewerber_auth')),
    item_key          text NOT NULL,          -- hs_bewerbung_id or bewerber_id
    bewerber_id       text NOT NULL,
    sest_key          text NOT NULL DEFAULT '', -- the Bewerbung's key at the Servicestelle
    payload           jsonb NOT NULL,          -- the item as it is to be sent
    source_updated_at timestamptz NOT NULL,    -- the staging row's updated_at this payload reflects
    state             text NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'sent', 'accepted', 'rejected', 'failed', 'discarded')),
    operation         text NOT NULL DEFAULT '', -- the operation of the last attempt
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    ergebnis_status   text NOT NULL DEFAULT '',
    reason            text NOT NULL DEFAULT '',
    code              integer NOT NULL DEFAULT 0,
    result_version    integer NOT NULL DEFAULT 0, -- versionSeSt after the last accepted send
    result_status     text NOT NULL DEFAULT '',   -- Bearbeitungsstatus of the last accepted send
    notified_at       timestamptz,             -- when the item went into an admins' mail
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,             -- when it reached accepted, rejected or failed
    UNIQUE (kind, item_key)
);
CREATE INDEX outbox_item_due_idx ON outbox_item (state, next_attempt_at);
CREATE INDEX outbox_item_finished_idx ON outbox_item (finished_at);

-- Every change of a mirrored Bewerbung's Bearbeitungsstatus, for the
-- university's export.
CREATE TABLE bewerbung_status_change (
    id            bigserial PRIMARY KEY,
    bewerbung_key text NOT NULL,
    bewerber_id   text NOT NULL,
    old_status    text,                      -- NULL: the Bewerbung is new
    new_status    text NOT NULL,
    version       integer NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bewerbung_status_change_at_idx ON bewerbung_status_change (changed_at);

CREATE FUNCTION bewerbung_status_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.bearbeitungsstatus IS DISTINCT FROM NEW.bearbeitungsstatus THEN
        INSERT INTO bewerbung_status_change (bewerbung_key, bewerber_id, old_status, new_status, version)
        VALUES (NEW.bewerbung_key, NEW.bewerber_id,
                CASE WHEN TG_OP = 'UPDATE' THEN OLD.bearbeitungsstatus END, NEW.bearbeitungsstatus, NEW.version);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER bewerbung_status_history AFTER INSERT OR UPDATE OF bearbeitungsstatus ON bewerbung
    FOR EACH ROW EXECUTE FUNCTION bewerbung_status_history();

-- One export to the university per outbound run: the window [lo, hi) of
-- changes it covers and the files written.
CREATE TABLE export_run (
    id         bigserial PRIMARY KEY,
    lo         timestamptz NOT NULL,
    hi         timestamptz NOT NULL,
    files      text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
