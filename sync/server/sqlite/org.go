package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"lixiang/domain"
)

// querier is what *sql.DB and *sql.Tx share for reading one row.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Org returns the organisation directory (组织目录) with its version,
// ENOTFOUND when none has been stored. The directory is shared between
// callers and must not be modified.
func (db *DB) Org(ctx context.Context) (*domain.Org, error) {
	o, err := db.loadOrg(ctx, db.r)
	if err != nil {
		return nil, fmt.Errorf("load org: %w", err)
	}
	return o, nil
}

// OrgVersion is the version of the stored directory, 0 when there is none.
func (db *DB) OrgVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.r.QueryRowContext(ctx, "SELECT version FROM org WHERE id = 1").Scan(&v)
	if err != nil && err != sql.ErrNoRows {
		return 0, fmt.Errorf("org version: %w", err)
	}
	return v, nil
}

// loadOrg reads the directory through q, parsing it only when its version
// differs from the one parsed last.
func (db *DB) loadOrg(ctx context.Context, q querier) (*domain.Org, error) {
	var v int64
	if err := q.QueryRowContext(ctx, "SELECT version FROM org WHERE id = 1").Scan(&v); err != nil {
		return nil, notFound(err, "服务器尚未载入组织目录", "the server has no organisation directory yet")
	}
	db.orgMu.Lock()
	defer db.orgMu.Unlock()
	if db.org != nil && db.orgVer == v {
		return db.org, nil
	}
	var doc string
	if err := q.QueryRowContext(ctx, "SELECT doc, version FROM org WHERE id = 1").Scan(&doc, &v); err != nil {
		return nil, notFound(err, "服务器尚未载入组织目录", "the server has no organisation directory yet")
	}
	var o domain.Org
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return nil, fmt.Errorf("decode stored org: %w", err)
	}
	o.Version = v
	db.org, db.orgVer = &o, v
	return &o, nil
}

// Org returns the directory as this transaction sees it (ENOTFOUND when
// none is stored). It must not be modified.
func (tx *Tx) Org() (*domain.Org, error) {
	o, err := tx.db.loadOrg(tx.ctx, tx.tx)
	if err != nil {
		return nil, fmt.Errorf("load org: %w", err)
	}
	return o, nil
}

// SaveOrg replaces the directory with o under the next version (set in
// o.Version, and returned) and brings the sign-in records in line with it:
// every user of o gets a record with their login and disabled flag (a new
// one has no password yet); a user no longer in o is disabled. Disabled
// users are signed out.
func (tx *Tx) SaveOrg(o *domain.Org, now time.Time) (int64, error) {
	var v int64
	err := tx.queryRow("SELECT coalesce(max(version), 0) FROM org").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("save org: %w", err)
	}
	o.Version = v + 1
	doc, err := json.Marshal(o)
	if err != nil {
		return 0, fmt.Errorf("save org: %w", err)
	}
	at := formatTime(now)
	_, err = tx.exec(`INSERT INTO org (id, doc, version, updated_at) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version, updated_at = excluded.updated_at`,
		string(doc), o.Version, at)
	if err != nil {
		return 0, fmt.Errorf("save org: %w", err)
	}
	// Logins may move between users in one import: park every login on a
	// name no login can have, then give each user theirs.
	if _, err := tx.exec("UPDATE users SET login = '#' || id"); err != nil {
		return 0, fmt.Errorf("save org users: %w", err)
	}
	if _, err := tx.exec("UPDATE users SET disabled = 1"); err != nil {
		return 0, fmt.Errorf("save org users: %w", err)
	}
	for _, u := range o.Users {
		_, err := tx.exec(`INSERT INTO users (id, login, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET login = excluded.login, disabled = excluded.disabled, updated_at = excluded.updated_at`,
			u.ID, u.Login, u.Disabled, at, at)
		if err != nil {
			return 0, fmt.Errorf("save org user %s: %w", u.ID, err)
		}
	}
	if _, err := tx.exec(
		"DELETE FROM tokens WHERE user_id IN (SELECT id FROM users WHERE disabled = 1)"); err != nil {
		return 0, fmt.Errorf("save org users: %w", err)
	}
	return o.Version, nil
}

// UserHasPassword reports whether the user has a password set.
func (tx *Tx) UserHasPassword(userID string) (bool, error) {
	var n int
	err := tx.queryRow("SELECT count(*) FROM users WHERE id = ? AND password_hash IS NOT NULL", userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("password of %s: %w", userID, err)
	}
	return n > 0, nil
}

// SetPassword is DB.SetPassword inside this transaction.
func (tx *Tx) SetPassword(userID string, hash []byte, now time.Time) error {
	res, err := tx.exec("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
		hash, formatTime(now), userID)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENOTFOUND, "没有此用户：%s", "no such user: %s", userID)
	}
	if _, err := tx.exec("DELETE FROM tokens WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("set password of %s: %w", userID, err)
	}
	return nil
}
