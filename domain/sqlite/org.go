package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"lixiang/domain"
)

// SaveOrg stores the organisation directory (组织目录), replacing the one
// stored before.
func (s *Store) SaveOrg(ctx context.Context, o *domain.Org) error {
	doc, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("save org: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO org (id, doc, updated_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
		string(doc), formatTime(s.now()))
	if err != nil {
		return fmt.Errorf("save org: %w", err)
	}
	return nil
}

// Org returns the stored organisation directory, ENOTFOUND when none has
// been stored yet.
func (s *Store) Org(ctx context.Context) (*domain.Org, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, "SELECT doc FROM org WHERE id = 1").Scan(&doc)
	if err != nil {
		return nil, fmt.Errorf("load org: %w", notFound(err, "尚未载入组织目录", "no organisation directory is stored"))
	}
	var o domain.Org
	if err := domain.DecodeJSON([]byte(doc), &o); err != nil {
		return nil, fmt.Errorf("load org: %w", err)
	}
	return &o, nil
}

// Meta returns the value of a setting (device id, last user, sync cursor),
// ENOTFOUND when it was never set.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if err != nil {
		return "", fmt.Errorf("meta %s: %w", key, notFound(err, "未设置：%s", "not set: %s", key))
	}
	return v, nil
}

// SetMeta sets a setting.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set meta %s: %w", key, err)
	}
	return nil
}
