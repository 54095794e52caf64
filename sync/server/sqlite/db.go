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
	"sync"

	"lixiang/domain"
	"lixiang/domain/sqlite/sqlitedb"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationDir is where migrationFS holds the migrations (NNNN_name.sql).
const migrationDir = "migrations"

// Times are stored as sqlitedb writes them: UTC, fixed width, so that text
// order is time order.
var (
	formatTime = sqlitedb.FormatTime
	parseTime  = sqlitedb.ParseTime
)

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

	// The writer's statements, prepared once and reused by every write
	// transaction (a push's multi-row statements take milliseconds to
	// parse); at most maxKept.
	keptMu sync.Mutex
	kept   map[string]*sql.Stmt
}

// maxKept bounds the statements kept prepared on the writer.
const maxKept = 256

// Open opens (creating if needed) the database at path and brings its
// schema up to date. Both pools come from sqlitedb.Open with the same
// settings (WAL, a busy timeout, foreign keys, synchronous=FULL so that an
// acknowledged push survives a power cut): the writer is one connection
// with immediate transactions, every write transaction waiting for the one
// before it; the readers are query-only and opened once the schema is
// migrated.
func Open(ctx context.Context, path string) (*DB, error) {
	w, err := sqlitedb.Open(ctx, path, sqlitedb.Options{})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db := &DB{w: w, path: path}
	if err := sqlitedb.Migrate(ctx, w, migrationFS, migrationDir, sqlitedb.MigrateOptions{Program: "lixiangd"}); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r, err := sqlitedb.Open(ctx, path, sqlitedb.Options{ReadOnly: true, Conns: readers})
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.r = r
	return db, nil
}

// Path is the file the database lives in.
func (db *DB) Path() string { return db.path }

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	db.keptMu.Lock()
	for q, st := range db.kept {
		errs = append(errs, st.Close())
		delete(db.kept, q)
	}
	db.keptMu.Unlock()
	errs = append(errs, db.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// inTx runs f in one immediate transaction on the writer, committing when f
// returns nil and rolling back otherwise.
func (db *DB) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	return sqlitedb.InTx(ctx, db.w, f)
}

// Tx is one write transaction (see Update).
type Tx struct {
	ctx   context.Context
	tx    *sql.Tx
	db    *DB
	stmts map[string]*sql.Stmt // prepared once per transaction
	fresh []string             // queries prepared here that the DB does not keep yet
}

// stmt returns the transaction's prepared statement for query: a push
// runs the same few statements hundreds of times, and parsing SQL is not
// free.
func (tx *Tx) stmt(query string) (*sql.Stmt, error) {
	if s, ok := tx.stmts[query]; ok {
		return s, nil
	}
	var s *sql.Stmt
	tx.db.keptMu.Lock()
	kept := tx.db.kept[query]
	tx.db.keptMu.Unlock()
	if kept != nil {
		// Prepared on the writer connection already: used as it is.
		s = tx.tx.StmtContext(tx.ctx, kept)
	} else {
		var err error
		if s, err = tx.tx.PrepareContext(tx.ctx, query); err != nil {
			return nil, err
		}
		tx.fresh = append(tx.fresh, query)
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
	var t *Tx
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		t = &Tx{ctx: ctx, tx: tx, db: db}
		return f(t)
	})
	if t != nil && len(t.fresh) > 0 {
		// Kept for the next transactions, prepared once the writer is
		// free (the answer does not wait for it).
		go db.keep(t.fresh)
	}
	return err
}

// keep prepares queries on the writer and keeps them (see DB.kept).
func (db *DB) keep(queries []string) {
	for _, q := range queries {
		db.keptMu.Lock()
		_, have := db.kept[q]
		full := len(db.kept) >= maxKept
		db.keptMu.Unlock()
		if have || full {
			continue
		}
		st, err := db.w.Prepare(q)
		if err != nil {
			return // closed, or the query is refused (its transaction said why)
		}
		db.keptMu.Lock()
		if _, have := db.kept[q]; have || len(db.kept) >= maxKept {
			st.Close()
		} else {
			if db.kept == nil {
				db.kept = map[string]*sql.Stmt{}
			}
			db.kept[q] = st
		}
		db.keptMu.Unlock()
	}
}

// notFound is the one place where sql.ErrNoRows becomes the domain's
// not-found error; any other error passes through.
func notFound(err error, zh, en string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, zh, en, args...)
	}
	return err
}
