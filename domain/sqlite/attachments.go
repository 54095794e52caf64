package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"lixiang/domain"
)

// PutAttachment stores the bytes of an attachment under their SHA-256 (64
// lower-case hex digits) and returns it. Identical bytes are stored once.
func (s *Store) PutAttachment(ctx context.Context, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	if data == nil {
		data = []byte{}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO attachments (sha256, size, data, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, sha, len(data), data, formatTime(s.now()))
	if err != nil {
		return "", fmt.Errorf("put attachment %s: %w", sha, err)
	}
	return sha, nil
}

// Attachment returns the bytes stored under sha, ENOTFOUND when there are
// none. The bytes are checked against the hash: damaged data is an error,
// never returned as if it were the file.
func (s *Store) Attachment(ctx context.Context, sha string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, "SELECT data FROM attachments WHERE sha256 = ?", sha).Scan(&data)
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", sha, notFound(err, "附件不存在：%s", "no such attachment: %s", sha))
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != sha {
		return nil, fmt.Errorf("attachment %s: %w", sha, domain.Errorf(domain.EINTERNAL,
			"附件已损坏（校验值为 %s）", "attachment is damaged: its SHA-256 is %s", got))
	}
	return data, nil
}

// HasAttachment reports whether the bytes of sha are stored.
func (s *Store) HasAttachment(ctx context.Context, sha string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM attachments WHERE sha256 = ?", sha).Scan(&n); err != nil {
		return false, fmt.Errorf("has attachment %s: %w", sha, err)
	}
	return n > 0, nil
}
