package importers

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// A constraint the database enforces at commit reaches the clerk in
// words, never as a SQLSTATE.
func TestDataErrorsReadClearly(t *testing.T) {
	for _, tc := range []struct {
		pg   pgconn.PgError
		want string
	}{
		{pgconn.PgError{Code: "23505", TableName: "ranking_entry", ConstraintName: "ranking_entry_rang_key",
			Message: `duplicate key value violates unique constraint "ranking_entry_rang_key"`, Detail: "Key (rangliste, rang)=(R1, 1) already exists."},
			"the file's data cannot be stored in ranking_entry: rangliste, rang = R1, 1 is given to two rows; one row only may have it (two Bewerber share a Rang in one Rangliste)"},
		{pgconn.PgError{Code: "23503", TableName: "uni_teilfachbewerbung", Detail: `Key (hs_bewerbung_id)=(A-9) is not present in table "uni_bewerbung".`},
			"the file's data cannot be stored in uni_teilfachbewerbung: a row refers to hs_bewerbung_id = A-9, which does not exist"},
		{pgconn.PgError{Code: "23514", TableName: "uni_bewerbung", ConstraintName: "uni_bewerbung_check"},
			"the file's data cannot be stored in uni_bewerbung: a value breaks the rule uni_bewerbung_check"},
		{pgconn.PgError{Code: "22001", Message: "value too long for type character varying(8)"},
			"the file's data cannot be stored in the table: value too long for type character varying(8)"},
	} {
		pg := tc.pg
		err := classify(fmt.Errorf("committing import: %w", &pg))
		require.EqualError(t, err, tc.want)
		require.NotContains(t, err.Error(), "SQLSTATE")
		require.ErrorIs(t, err, ErrPermanent)
		var got *pgconn.PgError
		require.True(t, errors.As(err, &got), "the database's error stays in the chain")
	}
	other := errors.New("connection reset")
	require.Equal(t, other, classify(other), "other errors stay transient")
}
