-- The operator console (issue 18): people with roles, their sessions, and
-- failed sign-ins (for throttling). Passwords are bcrypt hashes; an
-- account without one signs in only through the trusted reverse-proxy
-- header (console.sso_header). Sessions are stored by the SHA-256 of their
-- cookie value, never the value itself.
CREATE TABLE console_user (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    role           text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    password_hash  text,
    disabled_at    timestamptz,
    last_signin_at timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE console_session (
    token_sha256 bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES console_user ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX console_session_user_idx ON console_session (user_id);
CREATE INDEX console_session_expires_idx ON console_session (expires_at);

CREATE TABLE console_signin_failure (
    id     bigserial PRIMARY KEY,
    at     timestamptz NOT NULL DEFAULT now(),
    name   text NOT NULL,
    remote text NOT NULL
);
CREATE INDEX console_signin_failure_name_idx ON console_signin_failure (name, at);
CREATE INDEX console_signin_failure_remote_idx ON console_signin_failure (remote, at);

-- Searching the audit log by actor and subject.
CREATE INDEX IF NOT EXISTS audit_log_actor_idx ON audit_log (actor, id);
CREATE INDEX IF NOT EXISTS audit_log_subject_idx ON audit_log (subject, id);
