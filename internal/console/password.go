package console

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength is the shortest password an account may have.
const MinPasswordLength = 12

// bcryptCost is bcrypt's work factor (2^12 rounds, about 0.2 s).
const bcryptCost = 12

// HashPassword checks a new password's length and returns its bcrypt hash.
func HashPassword(pw string) (string, error) {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLength {
		return "", fmt.Errorf("the password must have at least %d characters, it has %d", MinPasswordLength, n)
	}
	if len(pw) > 72 {
		return "", errors.New("the password must be at most 72 bytes (bcrypt's limit)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcryptCost)
	if err != nil {
		return "", fmt.Errorf("hashing the password: %w", err)
	}
	return string(h), nil
}

// checkPassword reports whether pw matches hash; an empty hash (an SSO
// account) matches nothing.
func checkPassword(hash, pw string) bool {
	if hash == "" {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// dummyHash is compared against when the account does not exist, so that
// a wrong name takes as long as a wrong password.
const dummyHash = "$2a$12$C6UzMDM.H6dfI/f/IKcEeO8Yf0nJcHqn0gUrKDpHbnQe4XfSJx7Vy"
