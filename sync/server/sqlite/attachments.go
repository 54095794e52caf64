package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"lixiang/domain"
)

// ErrHashMismatch is returned by FinishUpload when the received bytes are
// not the named SHA-256; the upload is discarded.
var ErrHashMismatch = errors.New("the uploaded bytes do not match their SHA-256")

// Missing returns those of hashes that are not stored complete, in the
// order given.
func (db *DB) Missing(ctx context.Context, hashes []string) ([]string, error) {
	out := []string{}
	for _, h := range hashes {
		var n int
		if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM attachments WHERE sha256 = ?", h).Scan(&n); err != nil {
			return nil, fmt.Errorf("missing attachments: %w", err)
		}
		if n == 0 {
			out = append(out, h)
		}
	}
	return out, nil
}

// Upload is how far an attachment has come: Complete when stored whole
// (Held = Length = its size), otherwise the bytes held of an upload in
// progress and its declared Length (0 and 0 when none has started).
type Upload struct {
	Held     int64
	Length   int64
	Complete bool
}

func uploadState(ctx context.Context, q querier, sha string) (Upload, error) {
	var size int64
	err := q.QueryRowContext(ctx, "SELECT size FROM attachments WHERE sha256 = ?", sha).Scan(&size)
	if err == nil {
		return Upload{Held: size, Length: size, Complete: true}, nil
	}
	if err != sql.ErrNoRows {
		return Upload{}, err
	}
	var u Upload
	err = q.QueryRowContext(ctx, `SELECT u.length, coalesce((SELECT sum(length(data)) FROM attachment_parts p
		WHERE p.sha256 = u.sha256), 0) FROM attachment_uploads u WHERE u.sha256 = ?`, sha).Scan(&u.Length, &u.Held)
	if err != nil && err != sql.ErrNoRows {
		return Upload{}, err
	}
	return u, nil
}

// UploadState returns how far the attachment sha has come.
func (db *DB) UploadState(ctx context.Context, sha string) (Upload, error) {
	u, err := uploadState(ctx, db.r, sha)
	if err != nil {
		return Upload{}, fmt.Errorf("upload state of %s: %w", sha, err)
	}
	return u, nil
}

// AppendUpload adds data at offset start to the upload of sha with the
// declared total length, in one transaction, and returns the new state. It
// starts the upload when none is in progress; an upload in progress with
// another length is started again when start is 0 and refused (ECONFLICT)
// otherwise. start must equal the bytes held (ECONFLICT otherwise, with the
// state, so the caller can say where to resume). A complete attachment is
// left as it is.
func (db *DB) AppendUpload(ctx context.Context, sha string, length, start int64, data []byte, now time.Time) (Upload, error) {
	var u Upload
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = uploadState(ctx, tx, sha); err != nil {
			return err
		}
		if u.Complete {
			return nil
		}
		at := formatTime(now)
		if u.Length != length && (u.Length != 0 || u.Held != 0) {
			if start != 0 {
				return domain.Errorf(domain.ECONFLICT, "该附件正在以另一长度（%d 字节）上传", "an upload of this attachment with another length (%d bytes) is in progress", u.Length)
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM attachment_uploads WHERE sha256 = ?", sha); err != nil {
				return err
			}
			u = Upload{}
		}
		if start != u.Held {
			return domain.Errorf(domain.ECONFLICT, "续传位置应为 %d 字节（收到 %d）", "resume at byte %d (got %d)", u.Held, start)
		}
		if start+int64(len(data)) > length {
			return domain.Errorf(domain.EINVALID, "上传的数据超过声明的长度 %d 字节", "the data goes past the declared length of %d bytes", length)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO attachment_uploads (sha256, length, created_at, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (sha256) DO UPDATE SET updated_at = excluded.updated_at`, sha, length, at, at)
		if err != nil {
			return err
		}
		if len(data) > 0 {
			if _, err := tx.ExecContext(ctx, "INSERT INTO attachment_parts (sha256, start, data) VALUES (?, ?, ?)",
				sha, start, data); err != nil {
				return err
			}
		}
		u.Length = length
		u.Held = start + int64(len(data))
		return nil
	})
	if err != nil {
		return u, fmt.Errorf("upload %s: %w", sha, err)
	}
	return u, nil
}

// FinishUpload checks a fully received upload against its hash and, when
// it matches, stores the attachment (once: identical files share one row),
// records userID as its uploader and drops the parts. When it does not
// match, the upload is discarded and ErrHashMismatch returned.
func (db *DB) FinishUpload(ctx context.Context, sha, userID string, now time.Time) error {
	mismatch := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		u, err := uploadState(ctx, tx, sha)
		if err != nil {
			return err
		}
		if u.Complete {
			return nil
		}
		if u.Length == 0 && u.Held == 0 {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM attachment_uploads WHERE sha256 = ?", sha).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return domain.Errorf(domain.ENOTFOUND, "没有进行中的上传：%s", "no upload in progress: %s", sha)
			}
		}
		if u.Held != u.Length {
			return domain.Errorf(domain.ECONFLICT, "附件尚未传完（%d/%d 字节）", "the upload is not complete (%d of %d bytes)", u.Held, u.Length)
		}
		rows, err := tx.QueryContext(ctx, "SELECT data FROM attachment_parts WHERE sha256 = ? ORDER BY start", sha)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		buf.Grow(int(u.Length))
		for rows.Next() {
			var part []byte
			if err := rows.Scan(&part); err != nil {
				rows.Close()
				return err
			}
			buf.Write(part)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM attachment_uploads WHERE sha256 = ?", sha); err != nil {
			return err
		}
		sum := sha256.Sum256(buf.Bytes())
		if hex.EncodeToString(sum[:]) != sha {
			mismatch = true
			return nil // commit the discarding
		}
		data := buf.Bytes()
		if data == nil {
			data = []byte{} // an empty file, not NULL
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO attachments (sha256, size, data, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (sha256) DO NOTHING`, sha, len(data), data, formatTime(now))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO attachment_uploaders (sha256, user_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, sha, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish upload %s: %w", sha, err)
	}
	if mismatch {
		return fmt.Errorf("finish upload %s: %w", sha, ErrHashMismatch)
	}
	return nil
}

// DiscardUpload forgets an upload in progress.
func (db *DB) DiscardUpload(ctx context.Context, sha string) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM attachment_uploads WHERE sha256 = ?", sha); err != nil {
		return fmt.Errorf("discard upload %s: %w", sha, err)
	}
	return nil
}

// Attachment returns the bytes of a complete attachment, ENOTFOUND when
// there are none. The bytes are checked against the hash: damaged data is
// an error, never returned as if it were the file.
func (db *DB) Attachment(ctx context.Context, sha string) ([]byte, error) {
	var data []byte
	err := db.r.QueryRowContext(ctx, "SELECT data FROM attachments WHERE sha256 = ?", sha).Scan(&data)
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", sha, notFound(err, "服务器上没有此附件：%s", "no such attachment on the server: %s", sha))
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != sha {
		return nil, fmt.Errorf("attachment %s is damaged: its SHA-256 is %s", sha, got)
	}
	return data, nil
}

// MayDownload reports whether userID uploaded the attachment or may see a
// project that refers to it.
func (db *DB) MayDownload(ctx context.Context, sha, userID string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM attachment_uploaders WHERE sha256 = ? AND user_id = ?) +
		(SELECT count(*) FROM project_attachments a JOIN project_visibility v ON v.project_id = a.project_id
			WHERE a.sha256 = ? AND v.user_id = ?)`, sha, userID, sha, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("may download %s: %w", sha, err)
	}
	return n > 0, nil
}
