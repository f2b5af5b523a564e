-- Ranking list entries imported for the ranking upload: one row per
-- Bewerber and Rangliste. A Bewerber appears once per Rangliste and a
-- Rang is held by one Bewerber (checked at commit, so ranks may swap
-- within one import).
CREATE TABLE ranking_entry (
    rangliste     text NOT NULL,
    bewerber_id   text NOT NULL,
    rang          integer NOT NULL CHECK (rang >= 1),
    import_run_id bigint,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rangliste, bewerber_id),
    CONSTRAINT ranking_entry_rang_key UNIQUE (rangliste, rang) DEFERRABLE INITIALLY DEFERRED
);
