// Package outbound is the outbound sync (Sestco's sync_uni): it sends the
// university's applications and applicant authorisations to the
// Servicestelle through the outbox, records every outcome, and exports
// to the university what concerns it.
//
// One run (Sender.Run), in this order:
//
//  1. Enqueue (enqueue.go): staged applications (uni_bewerbung with their
//     Teilfächer) and authorisations (uni_bewerber_auth) that are new or
//     changed become outbox items, pending, with the Bewerbung or the BAN
//     to send as payload. payload.go reads the payloads back: one that
//     does not decode rejects its item with a reason naming it, and the
//     run goes on.
//  2. Recovery (recovery.go): items left in state sent by an interrupted
//     run or by a call whose answer was lost are settled first. A
//     Bewerbung is looked up at the Servicestelle and accepted when it
//     arrived, else queued again, so that nothing is sent twice.
//  3. Authorisation (authorisation.go): due Bewerber-ID + BAN pairs are
//     verified with abrufenStammdatenDurchHS; the applicants verified are
//     mirrored.
//  4. Send (send.go): the due Bewerbungen, package by package in id
//     order. rules.go decides per item: outbox.abschluss_filter, and the
//     status table for the transition from the mirrored (or last
//     accepted) status. New ones go with uebermittelnNeueBewerbungenAnSeSt,
//     known ones with uebermittelnGeaenderteBewerbungenAnSeSt on the
//     current version. Items are marked sent before the call; results and
//     upload log entries are recorded in one transaction after it.
//  5. Conflicts (conflicts.go): a stale version (30233) fetches the
//     applicant's current Bewerbungen, re-applies the university's change
//     to the current one (sestmodel.Bewerbung.ApplyUniversity, the rule
//     the simulator applies too) and sends it again at once, a few rounds
//     per run at most.
//  6. Authorisations no longer needed are cleaned up; export.go writes
//     the changes that concern the university as CSV files; notify.go
//     hands the failed and rejected items not yet mailed to one admins'
//     mail.
//
// An item's states are store.OutboxState: pending, then sent, then
// accepted. A refused item goes back to pending with a backoff
// (rules.go) and becomes failed after outbox.max_attempts, still retried;
// a rejected one (refused for good, forbidden by the status table, a
// payload that does not decode) waits for an operator or a new delivery;
// a discarded one is given up.
//
// The package knows nothing of River. The jobs package runs a Sender in
// its outbound_sync worker, which holds the locks, classifies errors and
// records the Result as the job's output; it gives the Sender the job's
// logger and the enqueueing of the admins' mail job.
package outbound
