package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"sestd/internal/sestmodel"
	"sestd/internal/store"
	"sestd/internal/testdb"
)

func subjectBewerber(id string, at time.Time) sestmodel.Bewerber {
	return sestmodel.Bewerber{ID: id, Status: "aktiv", Vorname: "Erika", Nachname: "Muster" + id, EmailAdresse: id + "@example.org",
		Geburtsdatum: "2005-04-01", LetzteAenderung: sestmodel.NewTimestamp(at)}
}

func subjectBewerbung(id string, version int, at time.Time) sestmodel.Bewerbung {
	return sestmodel.Bewerbung{Einfach: &sestmodel.Einfachstudienangebotsbewerbung{BewerberID: id, Bearbeitungsstatus: "eingegangen",
		VersionSeSt: version, Studienangebot: sestmodel.EinfachstudienangebotsSchluessel{StudiengangSchluessel: "84-008"},
		LetzteAenderung: sestmodel.NewTimestamp(at),
		Bestandteil:     []sestmodel.Bewerbungsbestandteil{{FeldangabeSchluessel: "ZEUGNIS", Dokument: &sestmodel.Dokumentreferenz{DokumentID: "D-" + id, Dateiname: "Zeugnis.pdf"}}}}}
}

// TestSubjectTombstoneKeepsErasedDataOut: the mirror's upserts skip an
// erased applicant's rows unless they changed after the erasure; such a
// change lifts the tombstone.
func TestSubjectTombstoneKeepsErasedDataOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	s := store.New(pool)
	t1 := time.Date(2026, 7, 15, 10, 0, 0, 0, time.UTC)
	write := func(at time.Time, version int, ids ...string) (store.Counts, store.Counts) {
		t.Helper()
		var bs []sestmodel.Bewerber
		var bws []sestmodel.Bewerbung
		for _, id := range ids {
			bs, bws = append(bs, subjectBewerber(id, at)), append(bws, subjectBewerbung(id, version, at))
		}
		cb, err := s.BewerberUpsertBatch(ctx, bs, store.Step{})
		require.NoError(t, err)
		cw, err := s.BewerbungUpsertBatch(ctx, bws, store.Step{})
		require.NoError(t, err)
		return cb, cw
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		require.NoError(t, pool.QueryRow(ctx, q, args...).Scan(&n))
		return n
	}
	write(t1, 1, "B1", "B2")
	require.Equal(t, 2, count(`SELECT count(*) FROM dokument`))

	res, err := s.SubjectErase(ctx, []string{"B1"}, store.EraseOptions{})
	require.NoError(t, err)
	require.Equal(t, int64(1), res.Rows["bewerber"])
	require.Equal(t, int64(1), res.Rows["bewerbung"])
	require.Equal(t, int64(1), res.Rows["dokument"])
	erased, err := s.SubjectErased(ctx, []string{"B1", "B2"})
	require.NoError(t, err)
	require.Len(t, erased, 1)

	// The same data again (a cursor reset, a full download): skipped.
	cb, cw := write(t1, 1, "B1", "B2")
	require.Equal(t, store.Counts{Unchanged: 2}, cb)
	require.Equal(t, store.Counts{Unchanged: 2}, cw)
	require.Zero(t, count(`SELECT count(*) FROM bewerber WHERE bewerber_id = 'B1'`))
	require.Zero(t, count(`SELECT count(*) FROM bewerbung WHERE bewerber_id = 'B1'`))
	require.Zero(t, count(`SELECT count(*) FROM dokument WHERE bewerber_id = 'B1'`))

	// A Bewerbung changed at the Servicestelle after the erasure comes
	// back (with its applicant as a stub) and lifts the tombstone.
	cw, err = s.BewerbungUpsertBatch(ctx, []sestmodel.Bewerbung{subjectBewerbung("B1", 2, t1.Add(time.Hour))}, store.Step{})
	require.NoError(t, err)
	require.Equal(t, 1, cw.Created)
	require.Equal(t, 1, count(`SELECT count(*) FROM bewerber WHERE bewerber_id = 'B1' AND NOT complete`))
	erased, err = s.SubjectErased(ctx, []string{"B1"})
	require.NoError(t, err)
	require.Empty(t, erased)
	write(t1.Add(time.Hour), 2, "B1")
	require.Equal(t, 1, count(`SELECT count(*) FROM bewerber WHERE bewerber_id = 'B1' AND complete AND vorname = 'Erika'`), "the stub is completed")

	// A dry run counts and keeps everything.
	res, err = s.SubjectErase(ctx, []string{"B1", "B2"}, store.EraseOptions{DryRun: true})
	require.NoError(t, err)
	require.Equal(t, int64(2), res.Rows["bewerber"])
	require.Equal(t, 2, count(`SELECT count(*) FROM bewerber`))
	erased, err = s.SubjectErased(ctx, []string{"B1", "B2"})
	require.NoError(t, err)
	require.Empty(t, erased)

	_, err = s.SubjectErase(ctx, nil, store.EraseOptions{})
	require.ErrorIs(t, err, store.ErrNothingToErase)
}

// TestSubjectCollectFindsEveryTable: the export of an unknown applicant is
// empty, not an error, and names every table.
func TestSubjectCollectUnknownApplicant(t *testing.T) {
	t.Parallel()
	s := store.New(testdb.New(t))
	d, err := s.SubjectCollect(context.Background(), "B-unknown")
	require.NoError(t, err)
	require.Zero(t, d.Rows())
	for _, table := range []string{"bewerber", "bewerbung", "dokument", "upload_log", "uni_bewerbung", "ranking_entry", "sbeat_identity"} {
		require.Contains(t, d.Tables, table)
	}
}

// TestIdentityReaderRole: the migrations create the identity reader role
// with SELECT on sbeat_identity only, PUBLIC gets nothing; and they run
// through as a user that may not create roles.
func TestIdentityReaderRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	var can, other, public bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT has_table_privilege('sestd_identity_reader', 'sbeat_identity', 'SELECT'),
		has_table_privilege('sestd_identity_reader', 'bewerber', 'SELECT'),
		EXISTS (SELECT FROM information_schema.role_table_grants WHERE table_name = 'sbeat_identity' AND grantee = 'PUBLIC')`).Scan(&can, &other, &public))
	require.True(t, can)
	require.False(t, other)
	require.False(t, public)

	// A user without CREATEROLE migrates an empty database of its own.
	user := fmt.Sprintf("sestd_nocreaterole_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	_, err := pool.Exec(ctx, `CREATE ROLE `+user+` LOGIN NOCREATEROLE NOSUPERUSER`)
	require.NoError(t, err)
	var db string
	require.NoError(t, pool.QueryRow(ctx, `SELECT current_database()`).Scan(&db))
	_, err = pool.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION `+user+`;
		DROP SCHEMA IF EXISTS uni CASCADE; GRANT CREATE ON DATABASE `+pgx.Identifier{db}.Sanitize()+` TO `+user)
	require.NoError(t, err)
	cfg, err := pgxpool.ParseConfig(pool.Config().ConnString())
	require.NoError(t, err)
	cfg.ConnConfig.User = user
	limited, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		limited.Close()
		_, _ = pool.Exec(context.Background(), `DROP OWNED BY `+user+` CASCADE`)
		_, _ = pool.Exec(context.Background(), `DROP ROLE IF EXISTS `+user)
	})
	var super bool
	require.NoError(t, limited.QueryRow(ctx, `SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user`).Scan(&super))
	require.False(t, super)
	_, err = store.New(limited).Migrate(ctx, slog.New(slog.DiscardHandler))
	require.NoError(t, err, "migrations run as a user without CREATEROLE")
	var tomb bool
	require.NoError(t, limited.QueryRow(ctx, `SELECT to_regclass('subject_tombstone') IS NOT NULL`).Scan(&tomb))
	require.True(t, tomb)
}
