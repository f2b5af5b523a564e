-- Every admin action that reads or changes personal data or sync state.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,          -- token name or "cli"
    action     text NOT NULL,          -- e.g. cursor.reset, outbox.retry
    subject    text NOT NULL DEFAULT '',
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
