// Package admin serves sestd's admin HTTP API on its own listener (loopback
// by default): health, readiness, metrics, the operator routes and River's
// UI.
//
// # Guarantees
//
// Every route, /healthz and /metrics included, sits behind admin.token when
// one is configured: "Authorization: Bearer <token>", or HTTP basic
// authentication with any user name and the token as password (so that a
// browser can open River's UI). The token is compared in constant time; a
// missing or wrong token gets 401 with nothing but {"error": …}, which
// tells a missing token ("no token given: …") from a wrong one ("the token
// does not match admin.token").
// New refuses a non-loopback listen address without a token. The one
// exception: once MountConsole is called, / and /console/ belong to the
// operator console (package console), which signs people in itself.
//
// Responses are JSON. A request the operator got wrong gets 400 (413 for an
// oversized body, 404 for an unknown job, stream, run or import) with
// {"error": "<what to change>"}; a server-side failure gets 500 with the
// error and is logged. The operator routes answer 503 {"error":"starting:
// …"} until the daemon has its database and job queue (MountAPI).
//
// POST /api/jobs/import reads a file only below import.inbox_dir or
// import.allowed_dirs, symlinks resolved (400 otherwise); the import job
// checks again when it runs (package jobs).
//
// Every action that changes sync state or reads or writes personal data is
// recorded in the audit log (audit_log) with actor "admin-token" (or
// "admin-loopback" on a loopback listener without a token): job.trigger,
// cursor.reset, import.upload, import.rejects.read, outbox.list,
// outbox.read, outbox.retry, outbox.discard, outbox.retry_failed.
//
// # Routes
//
//	GET  /healthz                       {"status":"ok"} while the process runs
//	GET  /readyz                        200 {"status":"ready"}, or 503 {"status":"not ready","reason":…}
//	GET  /metrics                       Prometheus exposition format
//
//	GET  /api/status                    overview for `sestd status`: cursors with age and run in
//	                                    progress, River jobs by state, outbox items by state,
//	                                    the 10 newest finished jobs, failing jobs (errors, not yet
//	                                    finished or finished in the last 24h), the 5 newest imports
//
//	GET  /api/jobs                      {"jobs":[{"name","help"}]}: the jobs an operator may trigger
//	POST /api/jobs/{name}               body: the job's arguments as a JSON object (may be empty),
//	                                    e.g. POST /api/jobs/delta_poll {"stream":"bewerbungen"};
//	                                    202 {"job_id","kind","queue","state","duplicate"}: duplicate is
//	                                    true when the same job is already queued or running (its id
//	                                    is returned); 404 {"error","known":[names]}; 400 bad arguments
//
//	GET  /api/runs?kind=&state=&limit=  {"runs":[run…]} newest first; kind and state take
//	                                    comma-separated lists (states: River's: available,
//	                                    cancelled, completed, discarded, pending, retryable,
//	                                    running, scheduled); limit 1–1000, default 50
//	GET  /api/runs/{id}                 run: {"id","kind","queue","state","attempt","max_attempts",
//	                                    "args","created_at","scheduled_at","attempted_at",
//	                                    "finalized_at","duration_seconds","errors":[{"at","attempt",
//	                                    "error"}],"output"}
//
//	GET  /api/cursors                   {"cursors":[{"stream","position","updated_at","age_seconds",
//	                                    "run":{"start","ende","references","done","started_at"}}]}:
//	                                    the delta streams always, and the full download's cursors
//	POST /api/cursors/{stream}/reset    deletes the cursor and any run in progress: the next poll
//	                                    starts from the beginning of the Vermittlungsprozess
//	                                    (logged at warn, audited); 200 {"stream","reset":true,
//	                                    "previous":cursor}; 404 unknown stream; 409 while a sync of
//	                                    the stream runs
//
//	GET  /api/outbox?state=&limit=      {"items":[item…]} newest first; states: pending, sent,
//	                                    accepted, rejected, failed, discarded; limit default 100
//	                                    (audited: the payloads are personal data)
//	GET  /api/outbox/{id}               one item: kind, item_key, bewerber_id, payload, state,
//	                                    attempts, next_attempt_at, ergebnis_status, reason, code …
//	POST /api/outbox/{id}/retry         a failed, rejected or discarded item becomes pending with
//	                                    its attempts reset, and an outbound run is enqueued;
//	                                    200 {"item","outbound":{job}}; 409 in another state
//	POST /api/outbox/{id}/discard       gives the item up until its staging row changes;
//	                                    200 {"item"}; 409 while it is being sent or discarded
//	POST /api/outbox/retry-failed       every failed item pending again; 200 {"retried":n,
//	                                    "outbound":{job}}
//
//	POST /api/imports?kind=&mode=&encoding=&force=
//	                                    multipart/form-data with the file in the field "file", at
//	                                    most admin.upload_max_bytes (413 beyond); stored with mode
//	                                    0600 as import.inbox_dir/uploads/<time>-<random>/<name> and
//	                                    its import enqueued (kind empty: detected from the file
//	                                    name; 400 at once, nothing kept, when it cannot be told;
//	                                    mode empty: import.modes, else sync, a full export;
//	                                    force=true also passes the removal guard); 202
//	                                    {"job_id","kind","queue","state","duplicate",
//	                                    "path","size","sha256"}
//	GET  /api/imports?limit=            {"imports":[import run…]} newest first (table import_runs)
//	GET  /api/imports/{id}              one import run with its counts and "rejects_path"
//	GET  /api/imports/{id}/rejects      the rejects file: rejected rows with line and reason (audited)
//
//	/riverui/                           River's UI (queues, jobs, retries, errors) and its API
//	                                    under /riverui/api/
package admin
