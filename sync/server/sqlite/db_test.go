package sqlite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"lixiang/assets"
	"lixiang/domain"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func openTest(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestOpenTwiceKeepsData(t *testing.T) {
	db, path := openTest(t)
	org, err := domain.ParseOrg(assets.DemoOrgJSON)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(t.Context(), func(tx *Tx) error { _, err := tx.SaveOrg(org, t0); return err })
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db2.Close()
	got, err := db2.Org(t.Context())
	if err != nil || got.Version != 1 || len(got.Users) != len(org.Users) {
		t.Fatalf("org after reopen: %v %v", got, err)
	}
	var mode string
	db2.w.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal mode %s", mode)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	db, path := openTest(t)
	if _, err := db.w.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(t.Context(), path); err == nil {
		t.Fatal("opened a database from a newer program")
	}
}

// TestNumbersRollBack: a number taken in a transaction that does not
// commit is taken again by the next one: no gaps.
func TestNumbersRollBack(t *testing.T) {
	db, _ := openTest(t)
	next := func(fail bool) int64 {
		var n int64
		err := db.Update(t.Context(), func(tx *Tx) error {
			var err error
			if n, err = tx.NextNumber("SSDJ", 2026); err != nil {
				return err
			}
			if fail {
				return errors.New("crash")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Fatal(err)
		}
		return n
	}
	if n := next(false); n != 1 {
		t.Fatalf("first %d", n)
	}
	next(true)
	if n := next(false); n != 2 {
		t.Fatalf("after a rolled-back one: %d, want 2", n)
	}
	var other int64
	db.Update(t.Context(), func(tx *Tx) error { other, _ = tx.NextNumber("WTDJ", 2026); return nil })
	if other != 1 {
		t.Fatalf("another prefix: %d", other)
	}
}

func put(t *testing.T, db *DB, p *domain.Project, version int64, visible ...string) {
	t.Helper()
	err := db.Update(t.Context(), func(tx *Tx) error { _, err := tx.PutProject(p, version, visible); return err })
	if err != nil {
		t.Fatal(err)
	}
}

// TestPullCursor: pages in seq order; a rewrite moves a project to the
// end; the cursor of a short page is the end of the sequence.
func TestPullCursor(t *testing.T) {
	db, _ := openTest(t)
	ids := []string{"a", "b", "c", "d"}
	for _, id := range ids {
		vis := []string{"u-1"}
		if id == "b" {
			vis = []string{"u-2"}
		}
		put(t, db, &domain.Project{ID: id, Status: domain.StatusDraft, UpdatedAt: t0}, 1, vis...)
	}
	page, err := db.Pull(t.Context(), "u-1", false, 0, 2)
	if err != nil || len(page.Rows) != 2 || !page.More || page.Cursor != 3 {
		t.Fatalf("first page %+v %v", page, err)
	}
	page, _ = db.Pull(t.Context(), "u-1", false, page.Cursor, 2)
	if len(page.Rows) != 1 || page.More || page.Cursor != 4 || page.Rows[0].Seq != 4 {
		t.Fatalf("second page %+v", page)
	}
	put(t, db, &domain.Project{ID: "a", Status: domain.StatusDraft, UpdatedAt: t0}, 2, "u-1")
	page, _ = db.Pull(t.Context(), "u-1", false, 4, 10)
	if len(page.Rows) != 1 || page.Rows[0].Seq != 5 || page.Rows[0].Version != 2 {
		t.Fatalf("after a rewrite %+v", page)
	}
	all, _ := db.Pull(t.Context(), "", true, 0, 10)
	if len(all.Rows) != 4 {
		t.Fatalf("all: %d", len(all.Rows))
	}
}

func TestTokens(t *testing.T) {
	db, _ := openTest(t)
	org, _ := domain.ParseOrg(assets.DemoOrgJSON)
	db.Update(t.Context(), func(tx *Tx) error { _, err := tx.SaveOrg(org, t0); return err })
	h := sha256.Sum256([]byte("token"))
	tok := Token{UserID: "u-lina", DeviceID: "d", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := db.CreateToken(t.Context(), h[:], tok, t0); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Token(t.Context(), h[:], t0.Add(59*time.Minute)); err != nil || got.UserID != "u-lina" {
		t.Fatalf("valid token: %+v %v", got, err)
	}
	if _, err := db.Token(t.Context(), h[:], t0.Add(time.Hour)); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("expired token: %v", err)
	}
	// Disabling a user in the directory ends their sessions.
	org.Users[2].Disabled = true // u-lina
	db.Update(t.Context(), func(tx *Tx) error { _, err := tx.SaveOrg(org, t0); return err })
	if _, err := db.Token(t.Context(), h[:], t0); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("token of a disabled user: %v", err)
	}
}

func TestUploads(t *testing.T) {
	db, _ := openTest(t)
	data := bytes.Repeat([]byte("立项通"), 1000)
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	n := int64(len(data))
	if _, err := db.AppendUpload(t.Context(), sha, n, 0, data[:100], t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendUpload(t.Context(), sha, n, 50, data[50:], t0); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("wrong offset: %v", err)
	}
	u, err := db.AppendUpload(t.Context(), sha, n, 100, data[100:], t0)
	if err != nil || u.Held != n {
		t.Fatalf("%+v %v", u, err)
	}
	if err := db.FinishUpload(t.Context(), sha, "u-lina", t0); err != nil {
		t.Fatal(err)
	}
	got, err := db.Attachment(t.Context(), sha)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("attachment: %v", err)
	}
	if ok, _ := db.MayDownload(t.Context(), sha, "u-lina"); !ok {
		t.Fatal("the uploader may not download")
	}
	// A mismatch discards the upload.
	bad := sha256.Sum256([]byte("other"))
	badSHA := hex.EncodeToString(bad[:])
	db.AppendUpload(t.Context(), badSHA, 3, 0, []byte("abc"), t0)
	if err := db.FinishUpload(t.Context(), badSHA, "u-lina", t0); !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	if u, _ := db.UploadState(t.Context(), badSHA); u.Held != 0 || u.Length != 0 {
		t.Fatalf("after a mismatch: %+v", u)
	}
	// An empty file is a file.
	empty := sha256.Sum256(nil)
	emptySHA := hex.EncodeToString(empty[:])
	if _, err := db.AppendUpload(t.Context(), emptySHA, 0, 0, nil, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishUpload(t.Context(), emptySHA, "u-lina", t0); err != nil {
		t.Fatal(err)
	}
	if m, _ := db.Missing(t.Context(), []string{emptySHA, badSHA, sha}); len(m) != 1 || m[0] != badSHA {
		t.Fatalf("missing %v", m)
	}
}
