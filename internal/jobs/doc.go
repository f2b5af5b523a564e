// Package jobs holds sestd's River jobs: one file per job kind with its args
// and worker, the periodic schedules, uniqueness and the retry policy.
//
// Workers classify failures as River intends: input that can never succeed
// returns river.JobCancel, a service asking to wait returns river.JobSnooze,
// anything transient returns the error for River to retry with backoff,
// except a scheduled delta poll, which snoozes to its next scheduled run so
// that an outage of any length ends with the next poll (mirror_rules.go).
// Every worker logs through Logger(ctx), which carries job_kind and job_id.
// Work must return promptly when ctx is cancelled (shutdown).
package jobs
