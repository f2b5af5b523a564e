package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Console roles, each including the rights of the one before.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
	RoleAdmin    = "admin"
)

// Roles lists the console roles from least to most rights.
var Roles = []string{RoleViewer, RoleOperator, RoleAdmin}

// ErrUserExists is returned when a console account's name is taken.
var ErrUserExists = errors.New("a console account of that name exists")

// User is a console account (table console_user).
type User struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	HasPassword  bool       `json:"has_password"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
	LastSigninAt *time.Time `json:"last_signin_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	// PasswordHash is the bcrypt hash; empty for single-sign-on accounts.
	PasswordHash string `json:"-"`
}

const userCols = `id, name, role, coalesce(password_hash, ''), disabled_at, last_signin_at, created_at`

func scanUser(r pgx.Row) (User, error) {
	var u User
	err := r.Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.DisabledAt, &u.LastSigninAt, &u.CreatedAt)
	u.HasPassword = u.PasswordHash != ""
	return u, err
}

// UserCreate adds an account; passwordHash may be empty (single sign-on
// only). ErrUserExists when the name is taken.
func (s *Store) UserCreate(ctx context.Context, name, role, passwordHash string) (User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `INSERT INTO console_user (name, role, password_hash) VALUES ($1, $2, nullif($3, ''))
		RETURNING `+userCols, name, role, passwordHash))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UniqueViolation {
		return User{}, fmt.Errorf("console account %q: %w", name, ErrUserExists)
	}
	if err != nil {
		return User{}, fmt.Errorf("creating console account %q: %w", name, err)
	}
	return u, nil
}

// UserList returns every account by name.
func (s *Store) UserList(ctx context.Context) ([]User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userCols+` FROM console_user ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing console accounts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("listing console accounts: %w", err)
	}
	return out, nil
}

// UserGet returns the account name, or ErrNotFound.
func (s *Store) UserGet(ctx context.Context, name string) (User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM console_user WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("console account %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("reading console account %q: %w", name, err)
	}
	return u, nil
}

func (s *Store) userUpdate(ctx context.Context, name, what, q string, args ...any) error {
	tag, err := s.pool.Exec(ctx, q, append([]any{name}, args...)...)
	if err != nil {
		return fmt.Errorf("%s of console account %q: %w", what, name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("console account %q: %w", name, ErrNotFound)
	}
	return nil
}

// UserSetPassword replaces the password hash and ends the account's
// sessions. ErrNotFound for an unknown name.
func (s *Store) UserSetPassword(ctx context.Context, name, passwordHash string) error {
	return s.userUpdate(ctx, name, "setting the password", `WITH u AS (
		UPDATE console_user SET password_hash = nullif($2, ''), updated_at = now() WHERE name = $1 RETURNING id),
		d AS (DELETE FROM console_session WHERE user_id IN (SELECT id FROM u))
		SELECT id FROM u`, passwordHash)
}

// UserSetRole changes the role. ErrNotFound for an unknown name.
func (s *Store) UserSetRole(ctx context.Context, name, role string) error {
	return s.userUpdate(ctx, name, "setting the role", `UPDATE console_user SET role = $2, updated_at = now() WHERE name = $1`, role)
}

// UserSetDisabled disables (ending its sessions) or enables an account.
// ErrNotFound for an unknown name.
func (s *Store) UserSetDisabled(ctx context.Context, name string, disabled bool) error {
	if !disabled {
		return s.userUpdate(ctx, name, "enabling", `UPDATE console_user SET disabled_at = NULL, updated_at = now() WHERE name = $1`)
	}
	return s.userUpdate(ctx, name, "disabling", `WITH u AS (
		UPDATE console_user SET disabled_at = coalesce(disabled_at, now()), updated_at = now() WHERE name = $1 RETURNING id),
		d AS (DELETE FROM console_session WHERE user_id IN (SELECT id FROM u))
		SELECT id FROM u`)
}

// ---- sessions ----

// Session is a signed-in console session with its account.
type Session struct {
	User      User
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SessionCreate stores a session for the account id under the cookie
// value token (only its SHA-256 is kept), valid until expires, and records
// the sign-in. Expired sessions of every account are removed on the way.
func (s *Store) SessionCreate(ctx context.Context, userID int64, token, csrf string, expires time.Time) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("creating console session: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit a no-op
	if _, err := tx.Exec(ctx, `DELETE FROM console_session WHERE expires_at < now()`); err != nil {
		return fmt.Errorf("removing expired console sessions: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO console_session (token_sha256, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)`,
		tokenHash(token), userID, csrf, expires); err != nil {
		return fmt.Errorf("creating console session: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE console_user SET last_signin_at = now() WHERE id = $1`, userID); err != nil {
		return fmt.Errorf("recording sign-in: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("creating console session: %w", err)
	}
	return nil
}

// SessionGet returns the session of the cookie value token when it has
// not expired, has been used within idle, and its account is enabled;
// it records the use. ErrNotFound otherwise.
func (s *Store) SessionGet(ctx context.Context, token string, idle time.Duration) (Session, error) {
	var ses Session
	var u User
	err := s.pool.QueryRow(ctx, `UPDATE console_session se SET last_seen_at = now()
		FROM console_user u
		WHERE se.token_sha256 = $1 AND u.id = se.user_id AND u.disabled_at IS NULL
		  AND se.expires_at > now() AND se.last_seen_at > now() - $2 * interval '1 second'
		RETURNING u.id, u.name, u.role, coalesce(u.password_hash, ''), u.disabled_at, u.last_signin_at, u.created_at,
		  se.csrf_token, se.created_at, se.expires_at`, tokenHash(token), idle.Seconds()).
		Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash, &u.DisabledAt, &u.LastSigninAt, &u.CreatedAt, &ses.CSRFToken, &ses.CreatedAt, &ses.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, fmt.Errorf("console session: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("reading console session: %w", err)
	}
	u.HasPassword = u.PasswordHash != ""
	ses.User = u
	return ses, nil
}

// SessionDelete ends the session of the cookie value token.
func (s *Store) SessionDelete(ctx context.Context, token string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM console_session WHERE token_sha256 = $1`, tokenHash(token)); err != nil {
		return fmt.Errorf("ending console session: %w", err)
	}
	return nil
}

// ---- sign-in throttling ----

// SigninFailureRecord records a failed sign-in for the name tried from
// remote, and forgets failures older than a day.
func (s *Store) SigninFailureRecord(ctx context.Context, name, remote string) error {
	_, err := s.pool.Exec(ctx, `WITH old AS (DELETE FROM console_signin_failure WHERE at < now() - interval '1 day')
		INSERT INTO console_signin_failure (name, remote) VALUES ($1, $2)`, name, remote)
	if err != nil {
		return fmt.Errorf("recording failed sign-in: %w", err)
	}
	return nil
}

// SigninFailureCounts counts the failed sign-ins since since for the name
// and from remote.
func (s *Store) SigninFailureCounts(ctx context.Context, name, remote string, since time.Time) (byName, byRemote int, err error) {
	err = s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM console_signin_failure WHERE name = $1 AND at >= $3),
		(SELECT count(*) FROM console_signin_failure WHERE remote = $2 AND at >= $3)`, name, remote, since).Scan(&byName, &byRemote)
	if err != nil {
		return 0, 0, fmt.Errorf("counting failed sign-ins: %w", err)
	}
	return byName, byRemote, nil
}

// SigninFailureClear forgets the name's failed sign-ins (after a
// successful one).
func (s *Store) SigninFailureClear(ctx context.Context, name string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM console_signin_failure WHERE name = $1`, name); err != nil {
		return fmt.Errorf("clearing failed sign-ins: %w", err)
	}
	return nil
}
