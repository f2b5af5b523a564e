-- The outbox is Sestco's queue (issue 15, item 7): an item the
-- Servicestelle refuses is retried until it is accepted, discarded or
-- superseded; "failed" no longer means given up. The states, as they are
-- now, for SQL users.
COMMENT ON COLUMN outbox_item.state IS
    'pending: to send (now or at next_attempt_at); sent: handed to the Servicestelle, outcome not yet recorded '
    '(looked up before any resend); accepted; rejected: not sent and not retried (a change the status table '
    'forbids, an account marked for deletion, a wrong BAN; the reason says which); failed: refused '
    'outbox.max_attempts times and still retried at next_attempt_at (at most outbox.max_backoff apart), mailed '
    'once; discarded: by an operator, or outside outbox.abschluss_filter (the reason says which). A newer '
    'delivery of the application makes any item but a sent one pending again with its attempts reset.';
COMMENT ON COLUMN outbox_item.finished_at IS
    'when the item was accepted, rejected or discarded, or first became failed (kept while it fails)';
