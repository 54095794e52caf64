package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// Credentials is what signing in checks for one login.
type Credentials struct {
	UserID   string
	Login    string
	Hash     []byte // bcrypt; empty when no password is set
	Disabled bool
}

// Credentials returns the sign-in record of a login (case-insensitive),
// ENOTFOUND when there is none.
func (db *DB) Credentials(ctx context.Context, login string) (Credentials, error) {
	var c Credentials
	err := db.r.QueryRowContext(ctx, `SELECT id, login, coalesce(password_hash, x''), disabled
		FROM users WHERE login = ?`, login).Scan(&c.UserID, &c.Login, &c.Hash, &c.Disabled)
	if err != nil {
		return Credentials{}, fmt.Errorf("credentials of %q: %w", login, notFound(err, "没有此用户：%s", "no such user: %s", login))
	}
	return c, nil
}

// SetPassword stores the bcrypt hash of a user's new password and signs the
// user out everywhere (their tokens are deleted). ENOTFOUND when there is no
// such user.
func (db *DB) SetPassword(ctx context.Context, userID string, hash []byte, now time.Time) error {
	return db.Update(ctx, func(tx *Tx) error { return tx.SetPassword(userID, hash, now) })
}

// Token is a signed-in session, found by the SHA-256 of its bearer token.
type Token struct {
	UserID    string
	DeviceID  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateToken stores a new session under the SHA-256 of its token (never
// the token) and forgets the sessions that expired before now.
func (db *DB) CreateToken(ctx context.Context, hash []byte, t Token, now time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM tokens WHERE expires_at <= ?", formatTime(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, user_id, device_id, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, hash, t.UserID, t.DeviceID, formatTime(t.CreatedAt), formatTime(t.ExpiresAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create token for %s: %w", t.UserID, err)
	}
	return nil
}

// Token returns the session of a token hash that has not expired at now,
// ENOTFOUND otherwise (unknown, forged, signed out or expired alike).
func (db *DB) Token(ctx context.Context, hash []byte, now time.Time) (Token, error) {
	var t Token
	var created, expires string
	err := db.r.QueryRowContext(ctx, `SELECT user_id, device_id, created_at, expires_at FROM tokens
		WHERE hash = ? AND expires_at > ?`, hash, formatTime(now)).Scan(&t.UserID, &t.DeviceID, &created, &expires)
	if err != nil {
		return Token{}, fmt.Errorf("look up token: %w", notFound(err, "登录已失效，请重新登录", "the session is not valid: sign in again"))
	}
	if t.CreatedAt, err = parseTime(created); err != nil {
		return Token{}, err
	}
	if t.ExpiresAt, err = parseTime(expires); err != nil {
		return Token{}, err
	}
	return t, nil
}

// DeleteToken ends a session. Deleting one that does not exist is harmless.
func (db *DB) DeleteToken(ctx context.Context, hash []byte) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM tokens WHERE hash = ?", hash); err != nil {
		return fmt.Errorf("delete token: %w", err)
	}
	return nil
}

// LoginAttempt is a sign-in attempt counted before its password is
// checked (see ReserveLoginAttempt).
type LoginAttempt struct {
	// Refused is true when a key already held its limit of failures: the
	// attempt was not counted and must not be checked.
	Refused bool
	// Oldest is, when Refused, the time of the oldest counted failure of
	// the key that refused it (of the one that frees last, when several).
	Oldest time.Time
	// ids are the rows that count the attempt, one per key.
	ids []int64
}

// ReserveLoginAttempt counts one sign-in attempt under each key, in one
// write transaction, before the password is checked: when a key already
// holds limits[key] failures after since, nothing is counted and the
// attempt is Refused. Attempts sent at once are therefore counted one after
// the other, and no more than the limit of them are ever checked. A wrong
// password leaves the attempt counted as a failure; ReleaseLoginAttempt
// takes it back (a right password, or a failure of the server's own).
// Failures recorded at or before since are forgotten.
func (db *DB) ReserveLoginAttempt(ctx context.Context, limits map[string]int, now, since time.Time) (LoginAttempt, error) {
	var a LoginAttempt
	keys := make([]string, 0, len(limits))
	for k := range limits {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		a = LoginAttempt{}
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE at <= ?", formatTime(since)); err != nil {
			return err
		}
		for _, k := range keys {
			var n int
			var first sql.NullString
			if err := tx.QueryRowContext(ctx, "SELECT count(*), min(at) FROM login_failures WHERE key = ? AND at > ?",
				k, formatTime(since)).Scan(&n, &first); err != nil {
				return err
			}
			if n < limits[k] {
				continue
			}
			a.Refused = true
			if first.Valid {
				t, err := parseTime(first.String)
				if err != nil {
					return err
				}
				if t.After(a.Oldest) {
					a.Oldest = t
				}
			}
		}
		if a.Refused {
			return nil
		}
		for _, k := range keys {
			res, err := tx.ExecContext(ctx, "INSERT INTO login_failures (key, at) VALUES (?, ?)", k, formatTime(now))
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			a.ids = append(a.ids, id)
		}
		return nil
	})
	if err != nil {
		return LoginAttempt{}, fmt.Errorf("count sign-in attempt: %w", err)
	}
	return a, nil
}

// ReleaseLoginAttempt takes back an attempt counted by ReserveLoginAttempt:
// it was no failed guess.
func (db *DB) ReleaseLoginAttempt(ctx context.Context, a LoginAttempt) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range a.ids {
			if _, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE id = ?", id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release sign-in attempt: %w", err)
	}
	return nil
}

// ClearLoginFailures forgets the failures recorded under key.
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM login_failures WHERE key = ?", key); err != nil {
		return fmt.Errorf("clear failed sign-ins: %w", err)
	}
	return nil
}
