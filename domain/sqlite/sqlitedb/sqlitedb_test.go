package sqlitedb

import (
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// migrationsFS holds the given files (name → SQL) under "m/".
func migrationsFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, sql := range files {
		fsys["m/"+name] = &fstest.MapFile{Data: []byte(sql)}
	}
	return fsys
}

var (
	first  = map[string]string{"0001_a.sql": "CREATE TABLE a (x INTEGER PRIMARY KEY);\nINSERT INTO a VALUES (1);"}
	second = map[string]string{
		"0001_a.sql": first["0001_a.sql"],
		"0002_b.sql": "ALTER TABLE a ADD COLUMN y TEXT NOT NULL DEFAULT '';\nINSERT INTO a VALUES (2, 'two');",
		"README.txt": "not a migration",
	}
)

func openWriter(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func migrate(t *testing.T, db *sql.DB, files map[string]string, at time.Time) error {
	t.Helper()
	return Migrate(t.Context(), db, migrationsFS(files), "m", MigrateOptions{Program: "测试程序", Now: func() time.Time { return at }})
}

type applied struct {
	version int
	name    string
	at      string
}

func appliedMigrations(t *testing.T, db *sql.DB) []applied {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []applied
	for rows.Next() {
		var a applied
		if err := rows.Scan(&a.version, &a.name, &a.at); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func sameApplied(t *testing.T, got, want []applied) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("schema_migrations = %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("schema_migrations = %+v, want %+v", got, want)
		}
	}
}

func TestAFreshDatabaseGetsEveryMigrationOnceAndReopeningIsANoOp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fresh.db")
	db := openWriter(t, path)
	if err := migrate(t, db, second, t0); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	stamp := t0.Format(TimeLayout)
	want := []applied{{1, "0001_a.sql", stamp}, {2, "0002_b.sql", stamp}}
	sameApplied(t, appliedMigrations(t, db), want)
	if n := count(t, db, "SELECT count(*) FROM a"); n != 2 {
		t.Fatalf("%d rows in a, want 2", n)
	}
	db.Close()

	for i := range 3 {
		db := openWriter(t, path)
		if err := migrate(t, db, second, t0.Add(time.Duration(i+1)*time.Hour)); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
		// Nothing ran again: same rows, same stamps, the inserts not repeated.
		sameApplied(t, appliedMigrations(t, db), want)
		if n := count(t, db, "SELECT count(*) FROM a"); n != 2 {
			t.Fatalf("after reopening, %d rows in a, want 2", n)
		}
		db.Close()
	}
}

func TestAnOlderDatabaseMigratesForward(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db := openWriter(t, path)
	if err := migrate(t, db, first, t0); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openWriter(t, path)
	later := t0.Add(24 * time.Hour)
	if err := migrate(t, db, second, later); err != nil {
		t.Fatalf("Migrate forward: %v", err)
	}
	sameApplied(t, appliedMigrations(t, db), []applied{
		{1, "0001_a.sql", t0.Format(TimeLayout)},
		{2, "0002_b.sql", later.Format(TimeLayout)},
	})
	var y string
	if err := db.QueryRowContext(t.Context(), "SELECT y FROM a WHERE x = 1").Scan(&y); err != nil || y != "" {
		t.Fatalf("the row from version 1 after migrating: %q, %v", y, err)
	}
}

func TestAFailingMigrationRollsBackAndLeavesTheVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fail.db")
	db := openWriter(t, path)
	if err := migrate(t, db, first, t0); err != nil {
		t.Fatal(err)
	}
	broken := map[string]string{
		"0001_a.sql": first["0001_a.sql"],
		// The first two statements succeed; the third fails.
		"0002_b.sql": "CREATE TABLE b (x INTEGER);\nINSERT INTO a VALUES (2);\nINSERT INTO no_such_table VALUES (1);",
	}
	err := migrate(t, db, broken, t0)
	if err == nil || !strings.Contains(err.Error(), "0002_b.sql") || !strings.Contains(err.Error(), "no_such_table") {
		t.Fatalf("Migrate = %v, want the failing migration named with its cause", err)
	}
	sameApplied(t, appliedMigrations(t, db), []applied{{1, "0001_a.sql", t0.Format(TimeLayout)}})
	if n := count(t, db, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"); n != 0 {
		t.Error("the failed migration's table was kept")
	}
	if n := count(t, db, "SELECT count(*) FROM a"); n != 1 {
		t.Errorf("the failed migration's insert was kept: %d rows in a", n)
	}

	// Once fixed, the migration applies.
	if err := migrate(t, db, second, t0); err != nil {
		t.Fatalf("Migrate after the fix: %v", err)
	}
	if got := appliedMigrations(t, db); len(got) != 2 {
		t.Fatalf("after the fix: %+v", got)
	}
}

func TestADatabaseFromANewerProgramIsRefusedUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newer.db")
	db := openWriter(t, path)
	if err := migrate(t, db, first, t0); err != nil {
		t.Fatal(err)
	}
	// A newer program added version 9; this one knows 1 and 2.
	if _, err := db.ExecContext(t.Context(), "INSERT INTO schema_migrations VALUES (9, '0009_future.sql', 'x')"); err != nil {
		t.Fatal(err)
	}
	err := migrate(t, db, second, t0)
	var newer *NewerSchemaError
	if !errors.As(err, &newer) || newer.Have != 9 || newer.Known != 2 || newer.Program != "测试程序" {
		t.Fatalf("Migrate = %v, want a NewerSchemaError 9 > 2", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "newer than this program knows (2)") || !strings.Contains(msg, "update 测试程序") {
		t.Errorf("message %q does not say what to do", msg)
	}
	if got := appliedMigrations(t, db); len(got) != 2 || got[1].version != 9 {
		t.Errorf("schema_migrations touched: %+v", got)
	}
	if n := count(t, db, "SELECT count(*) FROM pragma_table_info('a') WHERE name = 'y'"); n != 0 {
		t.Error("migration 2 ran on a newer database")
	}
}

func TestLoadReadsMigrationsInOrderAndRejectsBadNames(t *testing.T) {
	ms, err := Load(migrationsFS(map[string]string{"0010_c.sql": "c", "0002_b.sql": "b", "0001_a.sql": "a", "notes.md": "x"}), "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []Migration{{1, "0001_a.sql", "a"}, {2, "0002_b.sql", "b"}, {10, "0010_c.sql", "c"}}
	if len(ms) != len(want) {
		t.Fatalf("Load = %+v", ms)
	}
	for i := range ms {
		if ms[i] != want[i] {
			t.Fatalf("Load = %+v, want %+v", ms, want)
		}
	}
	for name, files := range map[string]map[string]string{
		"no number":       {"init.sql": "a"},
		"zero":            {"0000_a.sql": "a"},
		"no underscore":   {"0001.sql": "a"},
		"a shared number": {"0001_a.sql": "a", "01_b.sql": "b"},
		"no migrations":   {"notes.md": "x"},
	} {
		if _, err := Load(migrationsFS(files), "m"); err == nil {
			t.Errorf("%s: Load accepted %v", name, files)
		}
	}
}

// pragmasAre reads each pragma back from db and compares it with want.
func pragmasAre(t *testing.T, db *sql.DB, want map[string]string) {
	t.Helper()
	for name, v := range want {
		var got string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(got, v) {
			t.Errorf("PRAGMA %s = %s, want %s", name, got, v)
		}
	}
}

func TestTheWriterIsOneConnectionConfiguredForSafeWrites(t *testing.T) {
	db := openWriter(t, filepath.Join(t.TempDir(), "w.db"))
	pragmasAre(t, db, map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "2", // FULL
		"busy_timeout": "5000",
		"query_only":   "0",
	})
	if n := db.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("MaxOpenConnections = %d, want 1", n)
	}
}

func TestAWriterTakesTheWriteLockWhenItsTransactionBegins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock.db")
	db := openWriter(t, path)
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// Another connection that does not wait: with the writer's transaction
	// begun (nothing written yet) it cannot begin a write.
	other, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err == nil {
		other.ExecContext(t.Context(), "ROLLBACK")
		t.Fatal("a second writer began while the first one's transaction was open: transactions are not immediate")
	}
}

func TestReadersAreQueryOnlyAndReadBesideTheWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	w := openWriter(t, path)
	if err := migrate(t, w, first, t0); err != nil {
		t.Fatal(err)
	}
	r, err := Open(t.Context(), path, Options{ReadOnly: true, Conns: 4})
	if err != nil {
		t.Fatalf("Open readers: %v", err)
	}
	defer r.Close()
	pragmasAre(t, r, map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "2",
		"busy_timeout": "5000",
		"query_only":   "1",
	})
	if n := r.Stats().MaxOpenConnections; n != 4 {
		t.Errorf("readers MaxOpenConnections = %d, want 4", n)
	}
	if _, err := r.ExecContext(t.Context(), "INSERT INTO a VALUES (7)"); err == nil {
		t.Error("a reader wrote")
	}
	// WAL: a reader reads the last commit while the writer's transaction is open.
	tx, err := w.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(t.Context(), "INSERT INTO a VALUES (8)"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, r, "SELECT count(*) FROM a"); n != 1 {
		t.Errorf("reader sees %d rows, want the committed 1", n)
	}
}

func TestOpenRefusesAWriterOfMoreThanOneConnection(t *testing.T) {
	for _, o := range []Options{{Conns: 2}, {Conns: -1}, {ReadOnly: true, Conns: -1}} {
		if db, err := Open(t.Context(), filepath.Join(t.TempDir(), "x.db"), o); err == nil {
			db.Close()
			t.Errorf("Open(%+v) accepted", o)
		}
	}
}

// TestOpenTakesAnyPath: the path is escaped in the URI, so a name with
// characters that mean something there (? # % and spaces) is the file
// opened, and opening it again finds what was written.
func TestOpenTakesAnyPath(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"本地 库?.db", "a#b.db", "%41.db", "x?mode=ro.db", "立项通 数据 #1 ?x=%41/lixiang.db"} {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		db := openWriter(t, path)
		if err := migrate(t, db, first, t0); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		db.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: the database is not at the path given: %v", name, err)
		}
		db = openWriter(t, path)
		if n := count(t, db, "SELECT count(*) FROM a"); n != 1 {
			t.Errorf("%s: reopened, %d rows, want 1", name, n)
		}
		db.Close()
	}
	var stray []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(d.Name(), ".db") {
			stray = append(stray, p)
		}
		return nil
	})
	if len(stray) > 0 {
		t.Errorf("stray files beside the databases: %q", stray)
	}
}

func TestInTxKeepsAllOrNothing(t *testing.T) {
	db := openWriter(t, filepath.Join(t.TempDir(), "tx.db"))
	if err := migrate(t, db, first, t0); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := InTx(t.Context(), db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(t.Context(), "INSERT INTO a VALUES (2)"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want f's error", err)
	}
	if n := count(t, db, "SELECT count(*) FROM a"); n != 1 {
		t.Fatalf("%d rows after a failed transaction, want 1", n)
	}
	if err := InTx(t.Context(), db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(t.Context(), "INSERT INTO a VALUES (2)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM a"); n != 2 {
		t.Fatalf("%d rows after a committed transaction, want 2", n)
	}
}

func TestStoredTimesRoundTripAndSortAsText(t *testing.T) {
	beijing := time.FixedZone("CST", 8*3600)
	earlier := time.Date(2026, 3, 2, 17, 30, 0, 5, beijing) // 09:30:00.000000005 UTC
	later := time.Date(2026, 3, 2, 9, 30, 0, 10, time.UTC)
	a, b := FormatTime(earlier), FormatTime(later)
	if a != "2026-03-02T09:30:00.000000005Z" || !(a < b) {
		t.Fatalf("FormatTime: %q, %q", a, b)
	}
	got, err := ParseTime(a)
	if err != nil || !got.Equal(earlier) {
		t.Fatalf("ParseTime(%q) = %v, %v", a, got, err)
	}
	if _, err := ParseTime("2026-03-02 09:30"); err == nil || !strings.Contains(err.Error(), "2026-03-02 09:30") {
		t.Errorf("ParseTime of a malformed time = %v, want an error naming it", err)
	}
}
