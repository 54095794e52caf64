// Package sqlitedb is what 立项通's two SQLite stores share: opening a
// database file with the settings both rely on, and bringing its schema up
// to date from embedded migration files. The desktop's local store (本地数据库,
// package domain/sqlite) and the central server's database (package
// sync/server/sqlite) both open their files with Open and migrate them with
// Migrate, so the two cannot drift apart.
//
// Every connection gets WAL (readers run beside the writer), a 5 s busy
// timeout, foreign keys and synchronous=FULL (a committed write survives a
// power cut). A writer pool is one connection with immediate transactions:
// one writer, each write transaction waiting for the one before it, and
// every read on it sees every committed write. A read-only pool (the
// server's readers) is query-only instead.
//
// The two stores have always used the same pragmas; what differs between
// them is said by options: the server's read-only pool (Options.ReadOnly),
// the program a newer database's refusal names and the clock that stamps
// migrations (MigrateOptions). Open checks every setting on every pool it
// opens (before this package the desktop did not check synchronous and the
// server did not check its readers).
package sqlitedb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// TimeLayout is how both stores write times: UTC, fixed width, so that
// text order is time order. Migrate stamps applied_at with it.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// FormatTime writes t as the stores keep times (TimeLayout, in UTC).
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads a time that FormatTime wrote.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t, nil
}

// busyTimeout is how long (ms) a connection waits for a lock held by
// another before it reports SQLITE_BUSY.
const busyTimeout = 5000

// Options says which kind of pool Open makes. The zero value is the one
// writer connection; the desktop store uses only that, the server opens a
// writer and then a read-only pool beside it.
type Options struct {
	// ReadOnly makes every connection query-only (PRAGMA query_only) and
	// leaves out immediate transactions: a pool of readers beside the one
	// writer. Open does not create the file's schema for a reader; open
	// and migrate the writer first.
	ReadOnly bool
	// Conns is how many connections the pool holds; 0 means 1. A writer
	// pool must have 1: Open refuses more.
	Conns int
}

// DSN is the data source name Open uses for path: WAL, a busy timeout,
// foreign keys, synchronous=FULL and, for a writer, immediate transactions;
// a reader is query-only. The path is written as an absolute SQLite URI,
// so characters such as ? # % in it are escaped.
func DSN(path string, readOnly bool) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("database path %q: %w", path, err)
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "///" + p // Windows: file:///C:/dir/file.db
	}
	p = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
	s := "file:" + p +
		"?_pragma=journal_mode(WAL)" +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeout) +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(FULL)"
	if readOnly {
		return s + "&_pragma=query_only(1)", nil
	}
	return s + "&_txlock=immediate", nil
}

// Open opens (creating if needed) the SQLite file at path as a pool of the
// kind opts says, and checks on a connection that the settings took
// effect. It does not migrate: call Migrate on the writer. The caller
// closes the pool. Errors do not repeat path; the caller says which
// database it was opening.
func Open(ctx context.Context, path string, opts Options) (*sql.DB, error) {
	conns := opts.Conns
	if conns == 0 {
		conns = 1
	}
	if conns < 0 || (!opts.ReadOnly && conns != 1) {
		return nil, fmt.Errorf("a pool of %d connections: a writer has exactly 1, a reader at least 1", opts.Conns)
	}
	dataSource, err := DSN(path, opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dataSource)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := check(ctx, db, opts.ReadOnly); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// check verifies on one of db's connections that it has the settings the
// stores rely on (every connection is opened with the same DSN).
func check(ctx context.Context, db *sql.DB, readOnly bool) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	type setting struct {
		pragma string
		value  int
		what   string
	}
	want := []setting{
		{"foreign_keys", 1, "on"},
		{"synchronous", 2, "FULL"},
		{"busy_timeout", busyTimeout, "ms"},
	}
	if readOnly {
		want = append(want, setting{"query_only", 1, "on"})
	}
	for _, w := range want {
		var got int
		if err := db.QueryRowContext(ctx, "PRAGMA "+w.pragma).Scan(&got); err != nil {
			return fmt.Errorf("read %s: %w", w.pragma, err)
		}
		if got != w.value {
			return fmt.Errorf("%s is %d, want %d (%s)", w.pragma, got, w.value, w.what)
		}
	}
	return nil
}

// InTx runs f in one transaction on db (immediate on a writer pool),
// committing when f returns nil and rolling back otherwise, so that what f
// wrote is kept whole or not at all.
func InTx(ctx context.Context, db *sql.DB, f func(tx *sql.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = f(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
