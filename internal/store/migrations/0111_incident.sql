-- Incidents (issue 16): a job that fails for good or keeps failing opens
-- one incident per job kind and subject (stream, file); the admins get one
-- mail when it opens and one when it recovers (the next run that
-- completes), rate-limited per key by last_mail_at. One row per key: a
-- recovered incident is reopened in place when the key fails again.
CREATE TABLE incident (
    key          text PRIMARY KEY,
    kind         text NOT NULL,
    opened_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at  timestamptz,
    failures     integer NOT NULL DEFAULT 1,
    last_error   text NOT NULL DEFAULT '',
    last_job_id  bigint,
    -- the opening of this incident was mailed (so its recovery is mailed)
    mailed       boolean NOT NULL DEFAULT false,
    last_mail_at timestamptz
);
CREATE INDEX incident_open_idx ON incident (key) WHERE resolved_at IS NULL;
