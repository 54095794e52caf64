package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lixiang/domain"
	"lixiang/sync/server/sqlite"
)

// The administration of the server: what the admin command line
// (lixiangd user …, lixiangd org …) does to the database. Changes to the
// directory are not offered over HTTP.

// saveOrg stores the directory (next version) and recomputes who may see
// every project; a project whose list changed gets a new sequence number so
// the users who may now see it pull it.
func saveOrg(tx *sqlite.Tx, org *domain.Org, now time.Time) (int64, error) {
	v, err := tx.SaveOrg(org, now)
	if err != nil {
		return 0, err
	}
	ids, err := tx.ProjectIDs()
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		p, err := tx.Project(id)
		if err != nil {
			return 0, err
		}
		changed, err := tx.SetVisibility(id, visibleTo(p.Project, org))
		if err != nil {
			return 0, err
		}
		if changed {
			if err := tx.Touch(id); err != nil {
				return 0, err
			}
		}
	}
	return v, nil
}

// ImportOrg replaces the organisation directory with org, which must pass
// org.Check: users are added or updated (a user left out is disabled), the
// version is bumped (and returned) and visibility recomputed. Users keep
// their passwords; a new user has none until one is set.
func ImportOrg(ctx context.Context, db *sqlite.DB, org *domain.Org, now time.Time) (int64, error) {
	if ps := org.Check(); len(ps) > 0 {
		return 0, ps
	}
	var v int64
	err := db.Update(ctx, func(tx *sqlite.Tx) error {
		var err error
		v, err = saveOrg(tx, org, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("import org: %w", err)
	}
	return v, nil
}

// Seed imports org into an empty database and gives every user without a
// password the one whose bcrypt hash is given (the demo's "demo"). A
// database that has a directory already is left alone; seeded says whether
// this call imported it.
func Seed(ctx context.Context, db *sqlite.DB, org *domain.Org, passwordHash []byte, now time.Time) (seeded bool, err error) {
	if ps := org.Check(); len(ps) > 0 {
		return false, ps
	}
	err = db.Update(ctx, func(tx *sqlite.Tx) error {
		if _, err := tx.Org(); err == nil {
			return nil
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		if _, err := saveOrg(tx, org, now); err != nil {
			return err
		}
		for _, u := range org.Users {
			has, err := tx.UserHasPassword(u.ID)
			if err != nil {
				return err
			}
			if !has {
				if err := tx.SetPassword(u.ID, passwordHash, now); err != nil {
					return err
				}
			}
		}
		seeded = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("seed: %w", err)
	}
	return seeded, nil
}

// copyOrg is a deep copy of the (shared, read-only) stored directory.
func copyOrg(o *domain.Org) (*domain.Org, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	var c domain.Org
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateUser adds a person to the directory with a password and returns
// them as stored. The id defaults to "u-" + login; login and id must be
// new, the roles known, the region configured.
func CreateUser(ctx context.Context, db *sqlite.DB, u domain.User, password string, now time.Time) (domain.User, error) {
	u.Login = strings.TrimSpace(u.Login)
	u.Name = strings.TrimSpace(u.Name)
	if u.ID == "" && u.Login != "" {
		u.ID = "u-" + strings.ToLower(u.Login)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return domain.User{}, err
	}
	err = db.Update(ctx, func(tx *sqlite.Tx) error {
		stored, err := tx.Org()
		if err != nil {
			return err
		}
		org, err := copyOrg(stored)
		if err != nil {
			return err
		}
		if _, ok := org.UserByLogin(u.Login); ok || loginTaken(org, u.Login) {
			return domain.Errorf(domain.ECONFLICT, "登录名已存在：%s", "the login exists already: %s", u.Login)
		}
		if _, ok := org.User(u.ID); ok {
			return domain.Errorf(domain.ECONFLICT, "用户 ID 已存在：%s", "the user id exists already: %s", u.ID)
		}
		if len(u.Roles) == 0 {
			return domain.Errorf(domain.EINVALID, "请至少指定一个角色", "give the user at least one role")
		}
		org.Users = append(org.Users, u)
		if ps := org.Check(); len(ps) > 0 {
			return ps
		}
		if _, err := saveOrg(tx, org, now); err != nil {
			return err
		}
		return tx.SetPassword(u.ID, hash, now)
	})
	if err != nil {
		return domain.User{}, fmt.Errorf("create user %s: %w", u.Login, err)
	}
	return u, nil
}

func loginTaken(org *domain.Org, login string) bool {
	for _, x := range org.Users {
		if strings.EqualFold(x.Login, login) {
			return true
		}
	}
	return false
}

// ResetPassword sets a new password for the user with the login and signs
// them out everywhere.
func ResetPassword(ctx context.Context, db *sqlite.DB, login, password string, now time.Time) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	err = db.Update(ctx, func(tx *sqlite.Tx) error {
		org, err := tx.Org()
		if err != nil {
			return err
		}
		var id string
		for _, u := range org.Users {
			if strings.EqualFold(u.Login, login) {
				id = u.ID
			}
		}
		if id == "" {
			return domain.Errorf(domain.ENOTFOUND, "没有此用户：%s", "no such user: %s", login)
		}
		return tx.SetPassword(id, hash, now)
	})
	if err != nil {
		return fmt.Errorf("reset password of %s: %w", login, err)
	}
	return nil
}

// ExportOrg returns the stored directory as an organisation file
// (indented JSON, docs/org-format.md) that ImportOrg reads back.
func ExportOrg(ctx context.Context, db *sqlite.DB) ([]byte, error) {
	org, err := db.Org(ctx)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(org, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("export org: %w", err)
	}
	return append(b, '\n'), nil
}
