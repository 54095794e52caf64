// Package storetest holds the checks that tests run on a desktop store's
// file (package lixiang/domain/sqlite) once they are done with it: the
// invariants every write must keep, read with SQL of their own rather than
// through the store.
package storetest

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// ConflictCounts fails t when a project of the closed store at path has a
// conflict_count column that is not the number of open conflicts (冲突)
// its document holds: every statement that writes a document writes its
// count beside it (migration 0006), and a test that opens a store runs
// this after it.
func ConflictCounts(t testing.TB, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?mode=ro")
	if err != nil {
		t.Errorf("check conflict counts of %s: %v", path, err)
		return
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, conflict_count FROM projects
		WHERE conflict_count <> coalesce(json_array_length(doc, '$.conflicts'), 0)`)
	if err != nil {
		t.Errorf("check conflict counts of %s: %v", path, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Errorf("check conflict counts of %s: %v", path, err)
			return
		}
		t.Errorf("project %s: conflict_count %d is not the number of conflicts its document holds", id, n)
	}
	if err := rows.Err(); err != nil {
		t.Errorf("check conflict counts of %s: %v", path, err)
	}
}
