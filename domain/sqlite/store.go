// Package sqlite is the desktop app's local store (本地数据库): projects as
// JSON documents with indexed columns, their append-only journal (变更记录),
// the outbox of changes waiting for the server, full-text search, the
// organisation directory, settings and attachment bytes, all in one SQLite
// file (modernc.org/sqlite, pure Go).
//
// Every save is one transaction on the one writer connection, so a crash
// leaves either the state before a save or the state after it.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

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

// Store is the local store. It is safe for concurrent use: all work goes
// through one connection, one transaction at a time.
type Store struct {
	db    *sql.DB
	now   func() time.Time
	newID func() (string, error)

	// Big statements (a pull page's multi-row insert) prepared once on
	// the connection and reused by later transactions (see stmt).
	keptMu  sync.Mutex
	kept    map[string]*sql.Stmt
	keeping map[string]bool
}

// maxKept bounds the statements kept prepared.
const maxKept = 64

// stmt returns a statement of tx for query: the one kept prepared on the
// connection when there is one (parsing a statement of thousands of
// values takes milliseconds); otherwise one prepared in tx, and the query
// is prepared on the connection once it is free, for the next ones. The
// statement is closed with tx.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	s.keptMu.Lock()
	kept := s.kept[query]
	start := kept == nil && !s.keeping[query] && len(s.kept)+len(s.keeping) < maxKept
	if start {
		if s.keeping == nil {
			s.keeping = map[string]bool{}
		}
		s.keeping[query] = true
	}
	s.keptMu.Unlock()
	if kept != nil {
		return tx.StmtContext(ctx, kept), nil
	}
	if start {
		go s.keep(query)
	}
	return tx.PrepareContext(ctx, query)
}

// keep prepares query on the connection (waiting until it is free) and
// keeps it.
func (s *Store) keep(query string) {
	st, err := s.db.Prepare(query)
	s.keptMu.Lock()
	defer s.keptMu.Unlock()
	delete(s.keeping, query)
	if err != nil {
		return // closed, or refused (its transaction said why)
	}
	if s.kept == nil {
		s.kept = map[string]*sql.Stmt{}
	}
	s.kept[query] = st
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that stamps saves, journal lines and outbox
// entries (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithIDs sets the generator of change ids (default UUID v7).
func WithIDs(newID func() (string, error)) Option { return func(s *Store) { s.newID = newID } }

func newUUIDv7() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// Open opens (creating if needed) the store at path and brings its schema
// up to date. The file is opened by sqlitedb.Open as one writer connection
// (WAL, a busy timeout, foreign keys, synchronous=FULL so that a committed
// save survives a power cut, immediate write transactions): one writer, and
// every read sees every committed write.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	s := &Store{now: time.Now, newID: newUUIDv7}
	for _, o := range opts {
		o(s)
	}
	db, err := sqlitedb.Open(ctx, path, sqlitedb.Options{})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.db = db
	err = sqlitedb.Migrate(ctx, db, migrationFS, migrationDir, sqlitedb.MigrateOptions{Program: "立项通", Now: s.now})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the store.
func (s *Store) Close() error {
	s.keptMu.Lock()
	for q, st := range s.kept {
		st.Close()
		delete(s.kept, q)
	}
	s.keptMu.Unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// migration is an embedded migration as this package's tests read it.
type migration struct {
	version int
	name    string
}

// migrations lists the embedded migrations in version order.
func migrations() ([]migration, error) {
	ms, err := sqlitedb.Load(migrationFS, migrationDir)
	if err != nil {
		return nil, err
	}
	out := make([]migration, len(ms))
	for i, m := range ms {
		out[i] = migration{version: m.Version, name: m.Name}
	}
	return out, nil
}

// inTx runs f in one (immediate) transaction, committing when f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	return sqlitedb.InTx(ctx, s.db, f)
}

// notFound is the one place where sql.ErrNoRows becomes the domain's
// not-found error; any other error passes through.
func notFound(err error, zh, en string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENOTFOUND, zh, en, args...)
	}
	return err
}
