package sqlitedb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one step of a store's schema (数据库迁移): a file
// NNNN_name.sql whose number is its version.
type Migration struct {
	Version int
	Name    string // the file's name, e.g. 0001_init.sql
	SQL     string
}

// Load reads the migrations in directory dir of fsys (files NNNN_name.sql;
// other files are ignored), in version order. Two files with one number, a
// name without a positive number and _, or no migrations at all are
// errors.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var out []Migration
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", base)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share number %d", other, base, v)
		}
		seen[v] = base
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: base, SQL: string(b)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no migrations (files NNNN_name.sql) in %s", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// NewerSchemaError is Migrate's refusal of a database that a newer program
// wrote: it records a migration this program does not know, and is left
// untouched.
type NewerSchemaError struct {
	Have    int    // the database's latest version
	Known   int    // the latest version this program knows
	Program string // the program to update (MigrateOptions.Program)
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("数据库的结构版本为 %[1]d，比本程序所知的版本（%[2]d）新，是更新的程序写入的：请把 %[3]s 更新到最新版本后再打开 "+
		"(the database has schema version %[1]d, newer than this program knows (%[2]d): update %[3]s)",
		e.Have, e.Known, e.Program)
}

// MigrateOptions are the details in which the two stores' migrations
// differ.
type MigrateOptions struct {
	// Program is named in the refusal of a newer database ("update 立项通",
	// "update lixiangd"); "" says 本程序.
	Program string
	// Now stamps each applied migration (schema_migrations.applied_at);
	// nil is time.Now. The desktop store passes its injected clock.
	Now func() time.Time
}

// Migrate brings db's schema up to date with the migrations in directory
// dir of fsys (see Load). Each migration the database lacks runs in its own
// transaction together with its row in the table schema_migrations
// (version, name, applied_at), so a failing one leaves the database at the
// version before it; one already recorded (by version) is skipped, so
// migrating again is a no-op. A database whose latest version is newer
// than any this program knows is refused with a *NewerSchemaError and not
// touched.
//
// db must be a writer pool (see Open). The table's shape and the versions
// are what both stores have always written, so existing data directories
// keep opening.
func Migrate(ctx context.Context, db *sql.DB, fsys fs.FS, dir string, opts MigrateOptions) error {
	ms, err := Load(fsys, dir)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	program := opts.Program
	if program == "" {
		program = "本程序"
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	known := ms[len(ms)-1].Version
	for _, m := range ms {
		err := InTx(ctx, db, func(tx *sql.Tx) error {
			var latest int
			if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&latest); err != nil {
				return err
			}
			if latest > known {
				return &NewerSchemaError{Have: latest, Known: known, Program: program}
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, FormatTime(now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}
