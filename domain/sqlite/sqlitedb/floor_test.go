package sqlitedb_test

// The floor benchmarks measure what no design on this storage can go below:
// only the rows the sync benchmarks (sync/e2e) must store at the least,
// with the connection settings both stores use (Open: WAL,
// synchronous=FULL), in tables with no more columns or indexes than the
// rule needs, 500 rows a statement where rows go together. There is no
// HTTP, no JSON, no checking, no journal and no search index in them. Their
// figures beside the targets say how far tuning the product can go
// on SQLite in pure Go (modernc.org/sqlite) on this machine:
//
//	go test ./domain/sqlite/sqlitedb -run '^$' -bench Floor -benchtime=3x

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lixiang/domain/sqlite/sqlitedb"
)

// floorDoc is ≈ 1.9 KB of Chinese text: a registration's document.
var floorDoc = strings.Repeat("客户为大型国有企业，总部设在北京。", 36)

// floorDB opens a writer on a new file under dir with the statements run.
func floorDB(b *testing.B, dir, name string, schema ...string) *sql.DB {
	b.Helper()
	db, err := sqlitedb.Open(context.Background(), filepath.Join(dir, name), sqlitedb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range schema {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	return db
}

// floorTx runs the statements (query, args) in one transaction.
func floorTx(b *testing.B, db *sql.DB, stmts ...any) {
	b.Helper()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(stmts); i += 2 {
		if _, err := tx.Exec(stmts[i].(string), stmts[i+1].([]any)...); err != nil {
			tx.Rollback()
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// tuples is n parenthesised groups of k placeholders, comma-separated.
func tuples(n, k int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", k), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
}

// BenchmarkFloorPush10k is the least a push of 10 000 new projects stores:
// on the server each project's row and the answer to its change (no
// journal, no visibility), on the device each project's server version and
// its outbox row acked; 20 transactions on each side, one after the other
// (the sync does them one batch at a time). The target for the
// whole push is 0.47 s.
func BenchmarkFloorPush10k(b *testing.B) {
	const n, chunk = 10_000, 500
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		srv := floorDB(b, dir, "server.db",
			`CREATE TABLE projects (id TEXT PRIMARY KEY, doc TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL UNIQUE) STRICT`,
			`CREATE TABLE applied (change_id TEXT PRIMARY KEY, project_id TEXT NOT NULL, result TEXT NOT NULL) STRICT`)
		dev := floorDB(b, dir, "device.db",
			`CREATE TABLE projects (pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL, search_text TEXT NOT NULL, server_version INTEGER NOT NULL) STRICT`,
			`CREATE TABLE outbox (seq INTEGER PRIMARY KEY, change_id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL, state TEXT NOT NULL) STRICT`)
		for k := 0; k < n; k += chunk {
			var rows, outbox []any
			for i := k; i < k+chunk; i++ {
				id := fmt.Sprintf("p-%05d", i)
				rows = append(rows, id, floorDoc, floorDoc[:900], 0)
				outbox = append(outbox, "c-"+id, id, "pending")
			}
			floorTx(b, dev,
				"INSERT INTO projects (id, doc, search_text, server_version) VALUES "+tuples(chunk, 4), rows,
				"INSERT INTO outbox (change_id, project_id, state) VALUES "+tuples(chunk, 3), outbox)
		}
		b.StartTimer()
		for k := 0; k < n; k += chunk {
			var projects, answers, versions, acks []any
			for i := k; i < k+chunk; i++ {
				id := fmt.Sprintf("p-%05d", i)
				projects = append(projects, id, floorDoc, 1, i+1)
				answers = append(answers, "c-"+id, id, `{"status":"applied","version":1}`)
				versions = append(versions, id, 1)
				acks = append(acks, "c-"+id)
			}
			floorTx(b, srv,
				"INSERT INTO projects VALUES "+tuples(chunk, 4), projects,
				"INSERT INTO applied VALUES "+tuples(chunk, 3), answers)
			floorTx(b, dev,
				"UPDATE projects SET server_version = v.column2 FROM (VALUES "+tuples(chunk, 2)+") AS v WHERE projects.id = v.column1", versions,
				"UPDATE outbox SET state = 'acked' WHERE change_id IN "+tuples(1, chunk), acks)
		}
		b.StopTimer()
		srv.Close()
		dev.Close()
		b.StartTimer()
	}
}

// BenchmarkFloorPull10k is the least a first pull of 10 000 projects
// stores on the device: each project's row with the columns the project
// list filters and sorts by and their indexes (no full-text index), 20
// transactions of 500. The target for the whole pull is 0.45 s.
func BenchmarkFloorPull10k(b *testing.B) {
	const n, chunk = 10_000, 500
	for range b.N {
		b.StopTimer()
		dev := floorDB(b, b.TempDir(), "device.db",
			`CREATE TABLE projects (pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, status TEXT NOT NULL,
				region TEXT NOT NULL, owner_id TEXT NOT NULL, updated_at TEXT NOT NULL, deleted INTEGER NOT NULL,
				search_text TEXT NOT NULL, doc TEXT NOT NULL, server_version INTEGER NOT NULL) STRICT`,
			`CREATE INDEX projects_by_updated ON projects (deleted, updated_at DESC)`,
			`CREATE INDEX projects_by_kind_status ON projects (kind, status)`,
			`CREATE INDEX projects_by_owner ON projects (owner_id)`,
			`CREATE INDEX projects_by_region ON projects (region)`)
		b.StartTimer()
		for k := 0; k < n; k += chunk {
			var rows []any
			for i := k; i < k+chunk; i++ {
				rows = append(rows, fmt.Sprintf("p-%05d", i), "local", "draft", "华北", "zhangwei",
					fmt.Sprintf("2026-11-29T08:%02d:%02d.000000000Z", i/60%60, i%60), 0, floorDoc[:900], floorDoc, i+1)
			}
			floorTx(b, dev, `INSERT INTO projects (id, kind, status, region, owner_id, updated_at, deleted, search_text, doc, server_version)
				VALUES `+tuples(chunk, 10), rows)
		}
		b.StopTimer()
		dev.Close()
		b.StartTimer()
	}
}

// BenchmarkFloorSync100Edits is the least a sync after 100 edits (one
// field each of 100 of 1 000 projects) stores: on the server each
// project's row rewritten, a journal line and the answer; on the device
// each project's row rewritten and its outbox row acked; one transaction
// on each side, statements prepared once. The target for the whole
// sync is 5.4 ms.
func BenchmarkFloorSync100Edits(b *testing.B) {
	const n, edits = 1000, 100
	dir := b.TempDir()
	srv := floorDB(b, dir, "server.db",
		`CREATE TABLE projects (id TEXT PRIMARY KEY, doc TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL UNIQUE, updated_at TEXT NOT NULL) STRICT`,
		`CREATE TABLE journal (seq INTEGER PRIMARY KEY, project_id TEXT NOT NULL, change_id TEXT NOT NULL, changes TEXT NOT NULL) STRICT`,
		`CREATE INDEX journal_by_project ON journal (project_id, seq)`,
		`CREATE TABLE applied (change_id TEXT PRIMARY KEY, project_id TEXT NOT NULL, result TEXT NOT NULL) STRICT`)
	dev := floorDB(b, dir, "device.db",
		`CREATE TABLE projects (pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL, search_text TEXT NOT NULL, server_version INTEGER NOT NULL, updated_at TEXT NOT NULL) STRICT`,
		`CREATE TABLE outbox (seq INTEGER PRIMARY KEY, change_id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL) STRICT`,
		`CREATE INDEX outbox_by_state ON outbox (state, seq)`)
	var sp, dp []any
	for i := range n {
		id := fmt.Sprintf("p-%04d", i)
		sp = append(sp, id, floorDoc, 1, i+1, "2026-11-29T08:00:00Z")
		dp = append(dp, id, floorDoc, floorDoc[:900], 1, "2026-11-29T08:00:00Z")
	}
	for k := 0; k < len(sp); k += 500 * 5 {
		floorTx(b, srv, "INSERT INTO projects VALUES "+tuples(500, 5), sp[k:k+500*5])
		floorTx(b, dev, "INSERT INTO projects (id, doc, search_text, server_version, updated_at) VALUES "+tuples(500, 5), dp[k:k+500*5])
	}
	const change = `[{"path":"registration.other.notes","old":"\"甲\"","new":"\"乙\""}]`
	seq := n
	for round := 1; round <= b.N; round++ {
		b.StopTimer()
		ids, changes := make([]string, edits), make([]string, edits)
		var queued []any
		for i := range edits {
			ids[i] = fmt.Sprintf("p-%04d", (round*edits+i)%n)
			changes[i] = fmt.Sprintf("c-%d-%d", round, i)
			queued = append(queued, changes[i], ids[i], change, "pending")
		}
		floorTx(b, dev, "INSERT INTO outbox (change_id, project_id, payload, state) VALUES "+tuples(edits, 4), queued)
		b.StartTimer()
		at := fmt.Sprintf("2026-11-29T09:00:%02d.%09dZ", round%60, round)
		tx, err := srv.Begin()
		if err != nil {
			b.Fatal(err)
		}
		write, _ := tx.Prepare("UPDATE projects SET doc = ?, version = version + 1, seq = ?, updated_at = ? WHERE id = ?")
		journal, _ := tx.Prepare("INSERT INTO journal (project_id, change_id, changes) VALUES (?, ?, ?)")
		answer, _ := tx.Prepare("INSERT INTO applied VALUES (?, ?, ?)")
		for i, id := range ids {
			seq++
			if _, err := write.Exec(floorDoc, seq, at, id); err != nil {
				b.Fatal(err)
			}
			if _, err := journal.Exec(id, changes[i], change); err != nil {
				b.Fatal(err)
			}
			if _, err := answer.Exec(changes[i], id, `{"status":"applied","version":2}`); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		tx, err = dev.Begin()
		if err != nil {
			b.Fatal(err)
		}
		store, _ := tx.Prepare("UPDATE projects SET doc = ?, server_version = server_version + 1, updated_at = ? WHERE id = ?")
		ack, _ := tx.Prepare("UPDATE outbox SET state = 'acked' WHERE change_id = ?")
		for i, id := range ids {
			if _, err := store.Exec(floorDoc, at, id); err != nil {
				b.Fatal(err)
			}
			if _, err := ack.Exec(changes[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
