package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"sestd/internal/store"
	"sestd/internal/testdb"
)

func TestApplicantSearchFoldsUmlautsAndCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	s := store.New(pool)
	_, err := pool.Exec(ctx, `INSERT INTO bewerber (bewerber_id, vorname, nachname, geburtsname, email_adresse) VALUES
		('B1', 'Ayşe', 'Özdemir', '', 'ayse@example.org'),
		('B2', 'Jürgen', 'Weiß', 'Groß', 'j.weiss@example.org'),
		('B3', 'Chloé', 'Müller-Lüdenscheidt', '', 'chloe@example.org'),
		('B4', 'Anna', 'Ozdemir', '', 'anna@example.org'),
		('B5', 'Max', 'Mustermann', '', 'Max.Mustermann@Example.org');
		INSERT INTO uni_bewerber_auth (bewerber_id, ban) VALUES ('B5', 'BAN12345XY')`)
	require.NoError(t, err)

	ids := func(q store.ApplicantQuery) []string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 10
		}
		hits, _, err := s.ApplicantSearch(ctx, q)
		require.NoError(t, err)
		out := []string{}
		for _, h := range hits {
			out = append(out, h.BewerberID)
		}
		return out
	}
	for _, tc := range []struct {
		text string
		want []string
	}{
		// Ordered by folded surname: "oezdemir" (B1) before "ozdemir" (B4).
		{"Özdemir", []string{"B1", "B4"}}, // ö→o finds Ozdemir too, ö→oe finds Özdemir
		{"özdemir", []string{"B1", "B4"}},
		{"OEZDEMIR", []string{"B1"}}, // written out: only the umlaut name
		{"ozdem", []string{"B1", "B4"}},
		{"weiss", []string{"B2"}}, // ß→ss
		{"WEIß", []string{"B2"}},
		{"gross", []string{"B2"}}, // Geburtsname
		{"chloe", []string{"B3"}}, // é→e
		{"mueller", []string{"B3"}},
		{"ayse ozd", []string{"B1"}}, // ş→s, Vorname then Nachname
		{"B2", []string{"B2"}},
		{"max.mustermann@example.org", []string{"B5"}}, // e-mail, case-insensitive
		{"BAN12345XY", []string{"B5"}},
		{"50%", []string{}}, // LIKE's wildcards are literal
		// By folded surname: mueller… < mustermann < oezdemir < ozdemir < weiss.
		{"", []string{"B3", "B5", "B1", "B4", "B2"}},
	} {
		require.Equal(t, tc.want, ids(store.ApplicantQuery{Text: tc.text}), "search %q", tc.text)
	}

	hits, more, err := s.ApplicantSearch(ctx, store.ApplicantQuery{Limit: 2, Offset: 2})
	require.NoError(t, err)
	require.True(t, more)
	require.Len(t, hits, 2)
	require.Equal(t, "B1", hits[0].BewerberID)
}

func TestConsoleUsersSessionsAndThrottle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(testdb.New(t))

	u, err := s.UserCreate(ctx, "m.weiss", store.RoleOperator, "$2a$hash")
	require.NoError(t, err)
	require.True(t, u.HasPassword)
	_, err = s.UserCreate(ctx, "m.weiss", store.RoleAdmin, "")
	require.ErrorIs(t, err, store.ErrUserExists)
	_, err = s.UserCreate(ctx, "bad name", store.RoleAdmin, "")
	require.Error(t, err, "names are letters, digits and . _ @ -")

	require.NoError(t, s.SessionCreate(ctx, u.ID, "cookie-1", "csrf-1", time.Now().Add(time.Hour)))
	ses, err := s.SessionGet(ctx, "cookie-1", time.Minute)
	require.NoError(t, err)
	require.Equal(t, "m.weiss", ses.User.Name)
	require.Equal(t, "csrf-1", ses.CSRFToken)
	_, err = s.SessionGet(ctx, "cookie-2", time.Minute)
	require.ErrorIs(t, err, store.ErrNotFound)

	// An expired session is refused.
	require.NoError(t, s.SessionCreate(ctx, u.ID, "cookie-old", "csrf-2", time.Now().Add(-time.Second)))
	_, err = s.SessionGet(ctx, "cookie-old", time.Minute)
	require.ErrorIs(t, err, store.ErrNotFound)

	// Disabling ends the sessions; enabling does not bring them back.
	require.NoError(t, s.UserSetDisabled(ctx, "m.weiss", true))
	_, err = s.SessionGet(ctx, "cookie-1", time.Minute)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NoError(t, s.UserSetDisabled(ctx, "m.weiss", false))
	_, err = s.SessionGet(ctx, "cookie-1", time.Minute)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.True(t, errors.Is(s.UserSetDisabled(ctx, "nobody", true), store.ErrNotFound))

	// A new password ends the sessions too.
	require.NoError(t, s.SessionCreate(ctx, u.ID, "cookie-3", "csrf-3", time.Now().Add(time.Hour)))
	require.NoError(t, s.UserSetPassword(ctx, "m.weiss", "$2a$other"))
	_, err = s.SessionGet(ctx, "cookie-3", time.Minute)
	require.ErrorIs(t, err, store.ErrNotFound)

	since := time.Now().Add(-time.Minute)
	for range 3 {
		require.NoError(t, s.SigninFailureRecord(ctx, "m.weiss", "10.0.0.1"))
	}
	require.NoError(t, s.SigninFailureRecord(ctx, "other", "10.0.0.1"))
	byName, byRemote, err := s.SigninFailureCounts(ctx, "m.weiss", "10.0.0.1", since)
	require.NoError(t, err)
	require.Equal(t, [2]int{3, 4}, [2]int{byName, byRemote})
	require.NoError(t, s.SigninFailureClear(ctx, "m.weiss"))
	byName, byRemote, err = s.SigninFailureCounts(ctx, "m.weiss", "10.0.0.1", since)
	require.NoError(t, err)
	require.Equal(t, [2]int{0, 1}, [2]int{byName, byRemote})
}

func TestConsoleOutboxAndLogSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	s := store.New(pool)
	var news []store.OutboxNew
	for _, id := range []string{"B-1", "B-2", "B-3"} {
		news = append(news, store.OutboxNew{Kind: store.OutboxKindBewerberAuth, ItemKey: id, BewerberID: id,
			Payload: []byte(`{"bewerber_id":"` + id + `"}`), SourceUpdatedAt: time.Now()})
	}
	_, err := s.OutboxUpsert(ctx, news)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE outbox_item SET state = 'failed', reason = 'BAN falsch (30210)', notified_at = now() WHERE item_key = 'B-2'`)
	require.NoError(t, err)

	items, more, err := s.OutboxSearch(ctx, store.OutboxQuery{Reason: "ban FALSCH", Limit: 10})
	require.NoError(t, err)
	require.False(t, more)
	require.Len(t, items, 1)
	require.Equal(t, "B-2", items[0].ItemKey)
	items, more, err = s.OutboxSearch(ctx, store.OutboxQuery{Limit: 2})
	require.NoError(t, err)
	require.True(t, more, "three items, pages of two")
	require.Equal(t, []string{"B-3", "B-2"}, []string{items[0].ItemKey, items[1].ItemKey}, "newest first")
	mailed, err := s.OutboxNotifiedRecent(ctx, 5)
	require.NoError(t, err)
	require.Len(t, mailed, 1)
	require.Equal(t, "B-2", mailed[0].ItemKey)

	require.NoError(t, s.UploadLogInsert(ctx, []store.UploadLogEntry{
		{Operation: "op", ItemKind: "bewerber_auth", ItemKey: "B-2", BewerberID: "B-2", Attempt: 1, Reason: "timeout"},
		{Operation: "op", ItemKind: "bewerber_auth", ItemKey: "B-2", BewerberID: "B-2", Attempt: 2, ErgebnisStatus: "zurueckgewiesen", Reason: "BAN falsch", Code: 30210},
	}))
	log, _, err := s.UploadLogSearch(ctx, store.UploadLogQuery{Key: "B-2", ErgebnisStatus: "-", Limit: 10})
	require.NoError(t, err)
	require.Len(t, log, 1, "the failed call only")
	require.Equal(t, "timeout", log[0].Reason)

	require.NoError(t, s.AuditInsert(ctx, "console:anna", "outbox.retry", "7", nil))
	require.NoError(t, s.AuditInsert(ctx, "console:otto", "outbox.discard", "7", nil))
	require.NoError(t, s.AuditInsert(ctx, "console:otto", "applicant.read", "B-2", nil))
	entries, _, err := s.AuditSearch(ctx, store.AuditQuery{Action: "outbox.", Limit: 10})
	require.NoError(t, err)
	require.Len(t, entries, 2)
	entries, _, err = s.AuditSearch(ctx, store.AuditQuery{Actor: "console:otto", Subject: "B-2", Limit: 10})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "applicant.read", entries[0].Action)
}
