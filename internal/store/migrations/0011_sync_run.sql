-- A delta run in progress: the references step one returned and how many
-- of them are committed. A run survives a crash and is resumed; the package
-- that completes it moves the stream's cursor to the watermark (ende).
CREATE TABLE sync_run (
    stream     text PRIMARY KEY,
    start      timestamptz NOT NULL,
    ende       timestamptz NOT NULL,
    refs       text[] NOT NULL,
    done       integer NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now()
);
