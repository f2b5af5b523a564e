package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"sestd/internal/config"
	"sestd/internal/jobs"
	"sestd/internal/mail/mailtest"
	"sestd/internal/store"
)

// awaitIncidentMail waits for the next finished incident_mail job.
func (r *rig) awaitIncidentMail(t *testing.T) *river.Event {
	const kind = "incident_mail"
	t.Helper()
	timeout := time.After(3 * time.Minute)
	for {
		select {
		case ev := <-r.events:
			if ev.Job.Kind == kind && ev.Kind != river.EventKindJobSnoozed {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s job finished within 3 minutes", kind)
		}
	}
}

func mailTo(smtp *mailtest.Server) func(*config.Config) {
	return func(c *config.Config) {
		c.Mail = config.Mail{Host: smtp.Host, Port: smtp.Port, TLS: "none", From: "sestd@uni.example", To: []string{"zulassung-it@uni.example"}}
	}
}

func subjectOf(m mailtest.Message) string {
	for _, line := range strings.Split(strings.ReplaceAll(m.Data, "\r\n", "\n"), "\n") {
		if s, ok := strings.CutPrefix(line, "Subject: "); ok {
			return s
		}
	}
	return "no subject in: " + m.Data
}

func (b *bundle) incidentMails(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'incident_mail'`).Scan(&n))
	return n
}

// A failed import mails the admins once, however often it fails again;
// once when it works again; and a failure right after is not mailed
// (rate limit).
func TestIncidentMailsOncePerIncidentAndOnRecovery(t *testing.T) {
	t.Parallel()
	smtp := mailtest.New(t)
	b := setup(t, options{configure: mailTo(smtp)})
	dir := b.cfg.Import.InboxDir // an import by path reads below the inbox
	require.NoError(t, os.MkdirAll(dir, 0o700))
	file := filepath.Join(dir, "ranking.csv")
	// No column rang: refused, nothing imported, the job cancelled.
	require.NoError(t, os.WriteFile(file, []byte("rangliste;bewerber_id\nHQ;1\n"), 0o600))

	ev := b.run(t, jobs.ImportArgs{Path: file, FileKind: "ranking"})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind)
	mail := b.rig.awaitIncidentMail(t)
	require.Equal(t, river.EventKindJobCompleted, mail.Kind, "errors: %v", mail.Job.Errors)
	msgs := smtp.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "sestd: import file=ranking.csv fails", subjectOf(msgs[0]))
	require.Contains(t, msgs[0].Data, "sestd (Hochschulnummer 4411): import file=ranking.csv fails since ")
	require.Contains(t, msgs[0].Data, "Last error:\n  importing ranking.csv as ranking (import run 1): permanent import failure: the header lacks the required column(s) RANG for ranking in mode sync\n")
	require.Equal(t, []string{"zulassung-it@uni.example"}, msgs[0].To)

	// The same failure again: the incident counts it, no second mail.
	ev = b.run(t, jobs.ImportArgs{Path: file, FileKind: "ranking"})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind)
	inc, err := b.store.IncidentGet(context.Background(), "import file=ranking.csv")
	require.NoError(t, err)
	require.Equal(t, 2, inc.Failures)
	require.Nil(t, inc.ResolvedAt)
	require.Equal(t, 1, b.incidentMails(t), "one mail per incident")

	// Fixed: the import completes, the admins hear it works again.
	require.NoError(t, os.WriteFile(file, []byte("rangliste;bewerber_id;rang\nHQ;1;1\n"), 0o600))
	ev = b.run(t, jobs.ImportArgs{Path: file, FileKind: "ranking"})
	require.Equal(t, river.EventKindJobCompleted, ev.Kind, "errors: %v", ev.Job.Errors)
	mail = b.rig.awaitIncidentMail(t)
	require.Equal(t, river.EventKindJobCompleted, mail.Kind)
	msgs = smtp.Messages()
	require.Len(t, msgs, 2)
	require.Equal(t, "sestd: import file=ranking.csv works again", subjectOf(msgs[1]))
	require.Contains(t, msgs[1].Data, "(2 failed run(s))")

	// It fails again at once: a new incident, but within the hour of the
	// last mail, so no mail (a flapping job does not flood the admins).
	require.NoError(t, os.WriteFile(file, []byte("rangliste;bewerber_id\nHQ;2\n"), 0o600))
	ev = b.run(t, jobs.ImportArgs{Path: file, FileKind: "ranking"})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind)
	inc, err = b.store.IncidentGet(context.Background(), "import file=ranking.csv")
	require.NoError(t, err)
	require.Equal(t, 1, inc.Failures)
	require.False(t, inc.Mailed)
	require.Equal(t, 2, b.incidentMails(t))
}

// Wrong credentials cancel the delta poll: the admins get a mail naming the
// stream.
func TestIncidentMailOnAuthenticationFailure(t *testing.T) {
	t.Parallel()
	smtp := mailtest.New(t)
	b := setup(t, options{configure: func(c *config.Config) {
		mailTo(smtp)(c)
		c.Servicestelle.Password = "wrong-password"
	}})
	ev := b.run(t, jobs.DeltaArgs{Stream: store.StreamBewerbungen})
	require.Equal(t, river.EventKindJobCancelled, ev.Kind, "errors: %v", ev.Job.Errors)
	mail := b.rig.awaitIncidentMail(t)
	require.Equal(t, river.EventKindJobCompleted, mail.Kind, "errors: %v", mail.Job.Errors)
	msgs := smtp.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "sestd: delta_poll stream=bewerbungen fails", subjectOf(msgs[0]))
	require.Contains(t, msgs[0].Data, "401")
}

// A job that fails transiently until its attempts are used up (discarded)
// opens an incident too.
func TestIncidentMailWhenRetriesRunOut(t *testing.T) {
	t.Parallel()
	smtp := mailtest.New(t)
	b := setup(t, options{configure: mailTo(smtp)})
	dir := b.cfg.Import.InboxDir // an import by path reads below the inbox
	require.NoError(t, os.MkdirAll(dir, 0o700))
	file := filepath.Join(dir, "ranking.csv")
	// One row rejected (rank 0), and the rejects file cannot be written:
	// its directory would be below a regular file. A disk error: transient.
	require.NoError(t, os.WriteFile(file, []byte("rangliste;bewerber_id;rang\nHQ;1;0\nHQ;2;1\n"), 0o600))
	ev := b.rig.await(t, jobs.ImportArgs{Path: file, FileKind: "ranking", RejectsDir: filepath.Join(file, "rejects")}, 1, false)
	require.Equal(t, river.EventKindJobFailed, ev.Kind, "errors: %v", ev.Job.Errors)
	mail := b.rig.awaitIncidentMail(t)
	require.Equal(t, river.EventKindJobCompleted, mail.Kind, "errors: %v", mail.Job.Errors)
	msgs := smtp.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "sestd: import file=ranking.csv fails", subjectOf(msgs[0]))
	require.Contains(t, msgs[0].Data, "creating rejects file")
}
