package sqlitedb_test

// These tests open databases laid out as the two stores wrote them before
// they shared this package (schema_migrations created with the same
// statement, rows stamped the same way), at an older version and at a
// newer one, with the stores' own Open.

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	localstore "lixiang/domain/sqlite"
	"lixiang/domain/sqlite/sqlitedb"
	serverstore "lixiang/sync/server/sqlite"
)

// oldSchemaMigrations is the statement both stores ran before this
// package existed.
const oldSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`

type closer interface{ Close() error }

// store is one of the two stores: how to open it, where its migrations
// are (from this folder) and the program its refusal names.
type store struct {
	name       string
	migrations string
	open       func(ctx context.Context, path string) (closer, error)
	program    string
}

var stores = []store{
	{"desktop", "../migrations", func(ctx context.Context, path string) (closer, error) {
		return localstore.Open(ctx, path)
	}, "立项通"},
	{"server", "../../../sync/server/sqlite/migrations", func(ctx context.Context, path string) (closer, error) {
		return serverstore.Open(ctx, path)
	}, "lixiangd"},
}

// load reads the store's migrations from its folder.
func (s store) load(t *testing.T) []sqlitedb.Migration {
	t.Helper()
	ms, err := sqlitedb.Load(os.DirFS(s.migrations), ".")
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// oldDatabase writes, without this package, a database at path as the
// store's old code left it after applying the migrations up to version
// upTo, stamped "2026-01-05T08:00:00.000000000Z".
func oldDatabase(t *testing.T, path string, ms []sqlitedb.Migration, upTo int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(oldSchemaMigrations); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version > upTo {
			break
		}
		if _, err := db.Exec(m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, "2026-01-05T08:00:00.000000000Z"); err != nil {
			t.Fatal(err)
		}
	}
}

func versions(t *testing.T, path string) map[int]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT version, applied_at FROM schema_migrations")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var v int
		var at string
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		out[v] = at
	}
	return out
}

func TestTheStoresOpenTheirOlderDatabasesAndMigrateThemForward(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			ms := s.load(t)
			if len(ms) < 2 {
				t.Skipf("%s has one migration: no older version to start from", s.name)
			}
			for upTo := 1; upTo < ms[len(ms)-1].Version; upTo++ {
				path := filepath.Join(t.TempDir(), "old.db")
				oldDatabase(t, path, ms, upTo)
				db, err := s.open(t.Context(), path)
				if err != nil {
					t.Fatalf("open a database at version %d: %v", upTo, err)
				}
				db.Close()
				got := versions(t, path)
				if len(got) != len(ms) {
					t.Fatalf("from version %d: versions %v, want all %d", upTo, got, len(ms))
				}
				for _, m := range ms {
					at, ok := got[m.Version]
					switch {
					case !ok:
						t.Errorf("from version %d: %s not applied", upTo, m.Name)
					case m.Version <= upTo && at != "2026-01-05T08:00:00.000000000Z":
						t.Errorf("from version %d: %s applied again (%s)", upTo, m.Name, at)
					case m.Version > upTo && at == "2026-01-05T08:00:00.000000000Z":
						t.Errorf("from version %d: %s not stamped when applied", upTo, m.Name)
					}
				}
				// Opening again changes nothing.
				db, err = s.open(t.Context(), path)
				if err != nil {
					t.Fatalf("reopen: %v", err)
				}
				db.Close()
				if again := versions(t, path); len(again) != len(got) {
					t.Errorf("reopening changed the versions: %v → %v", got, again)
				}
			}
		})
	}
}

func TestTheStoresRefuseADatabaseFromANewerProgram(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			ms := s.load(t)
			path := filepath.Join(t.TempDir(), "newer.db")
			last := ms[len(ms)-1].Version
			oldDatabase(t, path, ms, last)
			raw, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec("INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 'x')"); err != nil {
				t.Fatal(err)
			}
			raw.Close()
			db, err := s.open(t.Context(), path)
			if err == nil {
				db.Close()
				t.Fatal("opened a database from a newer program")
			}
			var newer *sqlitedb.NewerSchemaError
			if !errors.As(err, &newer) || newer.Have != 9999 || newer.Known != last {
				t.Fatalf("Open = %v, want a NewerSchemaError", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "newer than this program knows") || !strings.Contains(msg, "请把 "+s.program+" 更新") || !strings.Contains(msg, "update "+s.program+")") {
				t.Errorf("message %q", msg)
			}
		})
	}
}
