// Package sqlite is the central server's database (lixiangd): sign-in
// credentials and hashed tokens, the organisation directory, projects as
// JSON documents with a global change sequence (the pull cursor), who may
// see each project, the record of every answered change (idempotency), the
// audit journal, registration-number counters and content-addressed
// attachments with resumable uploads — all in one SQLite file
// (modernc.org/sqlite, pure Go).
//
// Writes go through one connection in immediate transactions, one at a
// time; reads use a small pool of read-only connections (WAL lets them run
// beside the writer). The package holds no policy: who may do what is
// decided by package server, which calls it.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"lixiang/domain"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// timeLayout is how times are stored: UTC, fixed width, so that text order
// is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t, nil
}

// readers is the size of the read-only connection pool.
const readers = 4

// DB is the server's database. It is safe for concurrent use.
type DB struct {
	w    *sql.DB // the one writer connection
	r    *sql.DB // read-only connections
	path string

	orgMu  sync.Mutex
	orgVer int64
	org    *domain.Org // parsed directory of version orgVer (never modified)
}

// dsn is the data source name for path: WAL, a busy timeout, foreign keys,
// synchronous=FULL (an acknowledged push survives a power cut) and, for the
// writer, immediate transactions; readers are query-only. The path is
// written as an SQLite URI, so characters such as ? # % in it are escaped.
func dsn(path string, writer bool) (string, error) {
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
		"&_pragma=busy_timeout(5000)" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(FULL)"
	if writer {
		return s + "&_txlock=immediate", nil
	}
	return s + "&_pragma=query_only(1)", nil
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	wdsn, err := dsn(path, true)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	w, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// One writer: every write transaction waits for the one before it.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &DB{w: w, path: path}
	if err := db.check(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	rdsn, _ := dsn(path, false)
	r, err := sql.Open("sqlite", rdsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	db.r = r
	return db, nil
}

// Path is the file the database lives in.
func (db *DB) Path() string { return db.path }

// check verifies that the writer has the settings the server relies on.
func (db *DB) check(ctx context.Context) error {
	var mode string
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	var fk, syncMode int
	if err := db.w.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if fk != 1 {
		return errors.New("foreign keys are off")
	}
	if err := db.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil {
		return fmt.Errorf("read synchronous: %w", err)
	}
	if syncMode != 2 {
		return fmt.Errorf("synchronous is %d, want 2 (FULL)", syncMode)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	errs = append(errs, db.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
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
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies the embedded migrations that the database lacks, each in
// its own transaction, recording each in schema_migrations. A database
// written by a newer program is refused rather than touched.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	known := ms[len(ms)-1].version
	for _, m := range ms {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			var latest int
			if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&latest); err != nil {
				return err
			}
			if latest > known {
				return fmt.Errorf("the database has schema version %d, newer than this program knows (%d): update lixiangd", latest, known)
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, formatTime(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// inTx runs f in one immediate transaction on the writer, committing when f
// returns nil and rolling back otherwise.
func (db *DB) inTx(ctx context.Context, f func(tx *sql.Tx) error) (err error) {
	tx, err := db.w.BeginTx(ctx, nil)
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

// Tx is one write transaction (see Update).
type Tx struct {
	ctx   context.Context
	tx    *sql.Tx
	db    *DB
	stmts map[string]*sql.Stmt // prepared once per transaction
}

// stmt returns the transaction's prepared statement for query: a push
// runs the same few statements hundreds of times, and parsing SQL is not
// free.
func (tx *Tx) stmt(query string) (*sql.Stmt, error) {
	if s, ok := tx.stmts[query]; ok {
		return s, nil
	}
	s, err := tx.tx.PrepareContext(tx.ctx, query)
	if err != nil {
		return nil, err
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = s
	return s, nil
}

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	s, err := tx.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(tx.ctx, args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	s, err := tx.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(tx.ctx, args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	s, err := tx.stmt(query)
	if err != nil {
		return tx.tx.QueryRowContext(tx.ctx, query, args...) // reports the error
	}
	return s.QueryRowContext(tx.ctx, args...)
}

// Update runs f in one write transaction: everything f writes commits
// together when f returns nil, and nothing of it when f returns an error
// (or the process dies before the commit).
func (db *DB) Update(ctx context.Context, f func(tx *Tx) error) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		return f(&Tx{ctx: ctx, tx: tx, db: db})
	})
}

// notFound is the one place where sql.ErrNoRows becomes the domain's
// not-found error; any other error passes through.
func notFound(err error, zh, en string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, zh, en, args...)
	}
	return err
}
