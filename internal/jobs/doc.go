// Package jobs holds sestd's River jobs: one file per job kind with its args
// and worker, the periodic schedules, uniqueness and the retry policy.
//
// Workers classify failures as River intends: input that can never succeed
// returns river.JobCancel, a service asking to wait returns river.JobSnooze,
// anything transient returns the error for River to retry with backoff,
// except that a delta poll is retried at its next scheduled run (its
// NextRetry), so that an outage of any length ends with the next poll.
// Every worker logs through Logger(ctx), which carries job_kind and job_id.
// Work must return promptly when ctx is cancelled (shutdown).
//
// A job whose work is a subject of its own keeps that work in a package
// below, without River: the outbound sync is package outbound, run by
// OutboundWorker here.
package jobs
