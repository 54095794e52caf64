package sqlite

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"lixiang/domain"
	"lixiang/domain/sqlite/sqlitedb"
	"lixiang/domain/sqlite/storetest"
)

func TestMigrationsApplyOnceAndReopenIdempotently(t *testing.T) {
	s, clock, path := openTest(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].version != 1 || ms[0].name != "0001_init.sql" {
		t.Fatalf("embedded migrations = %+v", ms)
	}
	if n := count(t, s, "SELECT count(*) FROM schema_migrations"); n != len(ms) {
		t.Fatalf("%d migrations recorded, want %d", n, len(ms))
	}
	if err := s.SetMeta(t.Context(), "device_id", "d-1"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	for range 3 {
		s, err := Open(t.Context(), path, WithClock(clock.Now))
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		if n := count(t, s, "SELECT count(*) FROM schema_migrations"); n != len(ms) {
			t.Errorf("after reopening, %d migrations recorded, want %d", n, len(ms))
		}
		if v, err := s.Meta(t.Context(), "device_id"); err != nil || v != "d-1" {
			t.Errorf("Meta after reopening = %q, %v", v, err)
		}
		s.Close()
	}
}

func TestADatabaseFromANewerProgramIsRefused(t *testing.T) {
	s, _, path := openTest(t)
	if _, err := s.db.ExecContext(t.Context(), "INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 'x')"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(t.Context(), path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open = %v, want a refusal of the newer schema", err)
	}
}

func TestTheConnectionIsConfiguredForSafeWrites(t *testing.T) {
	s, _, _ := openTest(t)
	pragmas := map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "2", // FULL
		"busy_timeout": "5000",
	}
	for name, want := range pragmas {
		var got string
		if err := s.db.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(got, want) {
			t.Errorf("PRAGMA %s = %s, want %s", name, got, want)
		}
	}
	if n := s.db.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("MaxOpenConnections = %d, want 1", n)
	}
}

func TestOpenTakesAnyPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "立项通 数据 #1 ?x=%41")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "本地 库?.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta(t.Context(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at the path given: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "本地 库?.db") {
			t.Errorf("stray file %q next to the database", e.Name())
		}
	}
}

func TestOrgAndMetaRoundTrip(t *testing.T) {
	s, _, _ := openTest(t)
	ctx := t.Context()
	if _, err := s.Org(ctx); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("Org before any save = %v, want not_found", err)
	}
	org := demoOrg(t)
	for range 2 { // saving again replaces
		if err := s.SaveOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		org.Version++
	}
	got, err := s.Org(ctx)
	if err != nil {
		t.Fatal(err)
	}
	org.Version--
	if !bytes.Equal(mustJSON(t, got), mustJSON(t, org)) {
		t.Errorf("org does not round-trip")
	}

	if _, err := s.Meta(ctx, "last_user"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("Meta of an unset key = %v, want not_found", err)
	}
	for _, v := range []string{"u-zhangwei", "u-lina", ""} {
		if err := s.SetMeta(ctx, "last_user", v); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Meta(ctx, "last_user"); err != nil || got != v {
			t.Errorf("Meta = %q, %v; want %q", got, err, v)
		}
	}
}

func TestAttachmentsAreStoredOnceByTheirHash(t *testing.T) {
	s, _, _ := openTest(t)
	ctx := t.Context()
	data := bytes.Repeat([]byte("售前解决方案 PDF\x00\xff"), 10000)
	sha, err := s.PutAttachment(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(sha) != 64 || strings.ToLower(sha) != sha {
		t.Fatalf("sha = %q", sha)
	}
	again, err := s.PutAttachment(ctx, append([]byte(nil), data...))
	if err != nil || again != sha {
		t.Fatalf("second put = %q, %v", again, err)
	}
	if n := count(t, s, "SELECT count(*) FROM attachments"); n != 1 {
		t.Errorf("%d copies stored, want 1", n)
	}
	got, err := s.Attachment(ctx, sha)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Attachment = %d bytes, %v", len(got), err)
	}
	if ok, err := s.HasAttachment(ctx, sha); !ok || err != nil {
		t.Errorf("HasAttachment = %v, %v", ok, err)
	}
	empty, err := s.PutAttachment(ctx, nil)
	if err != nil || empty != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("empty attachment = %q, %v", empty, err)
	}
	if b, err := s.Attachment(ctx, empty); err != nil || len(b) != 0 {
		t.Errorf("empty attachment read = %q, %v", b, err)
	}

	missing := strings.Repeat("0", 64)
	if ok, _ := s.HasAttachment(ctx, missing); ok {
		t.Error("HasAttachment of a missing hash")
	}
	if _, err := s.Attachment(ctx, missing); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("missing attachment = %v, want not_found", err)
	}

	// Damaged bytes are reported, never handed out as the file.
	if _, err := s.db.ExecContext(ctx, "UPDATE attachments SET data = ? WHERE sha256 = ?", []byte("damaged"), sha); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Attachment(ctx, sha); b != nil || domain.ErrorCode(err) != domain.EINTERNAL {
		t.Errorf("damaged attachment = %d bytes, %v; want an internal error", len(b), err)
	}
}

// A database from before 0006, whose conflict_count was generated from
// the document, keeps each project's count: the migration writes it from
// the documents, and the conflicted projects are listed as before.
func TestConflictCountsSurviveTheMigrationToAWrittenColumn(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "lixiang.db")
	db, err := sqlitedb.Open(ctx, path, sqlitedb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	ms, err := fs.Glob(migrationFS, migrationDir+"/000[1-5]_*.sql")
	if err != nil || len(ms) != 5 {
		t.Fatalf("migrations 1–5: %v %v", ms, err)
	}
	for _, name := range ms {
		data, err := fs.ReadFile(migrationFS, name)
		if err != nil {
			t.Fatal(err)
		}
		before[pathpkg.Base(name)] = &fstest.MapFile{Data: data}
	}
	if err := sqlitedb.Migrate(ctx, db, before, ".", sqlitedb.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	two := domain.Project{ID: "p-two", Status: domain.StatusDraft, Conflicts: []domain.Conflict{
		{Path: "registration.requirement", Base: `"甲"`, Mine: `"乙"`, Theirs: `"丙"`},
		{Path: "registration.other.notes", Base: `""`, Mine: `"丁"`, Theirs: `"戊"`},
	}}
	none := domain.Project{ID: "p-none", Status: domain.StatusDraft}
	for _, p := range []domain.Project{two, none} {
		doc, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO projects (id, kind, status, updated_at, doc) VALUES (?, 'local', 'draft', '2026-01-05T08:00:00Z', ?)",
			p.ID, string(doc)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		storetest.ConflictCounts(t, path)
	})
	if n := count(t, s, "SELECT conflict_count FROM projects WHERE id = 'p-two'"); n != 2 {
		t.Errorf("conflict_count of the conflicted project = %d, want 2", n)
	}
	if n := count(t, s, "SELECT conflict_count FROM projects WHERE id = 'p-none'"); n != 0 {
		t.Errorf("conflict_count of the other = %d, want 0", n)
	}
	if n, err := s.ConflictCount(ctx); err != nil || n != 2 {
		t.Errorf("ConflictCount = %d, %v, want 2", n, err)
	}
	list, err := s.Conflicts(ctx)
	if err != nil || len(list) != 1 || list[0].ProjectID != "p-two" || len(list[0].Conflicts) != 2 {
		t.Errorf("Conflicts = %+v, %v", list, err)
	}
}
