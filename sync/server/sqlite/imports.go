package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lixiang/domain"
)

// What the admin import of interchange files (lixiangd import) needs
// beyond what a push uses: which project holds a registration number,
// moving a number counter past the numbers a migrated file carries, and
// the projects whose attachment files an administrator may bring along.

// NumberHolder returns the id of the project that holds the registration
// number (实施登记号/问题登记号), "" when none does.
func (tx *Tx) NumberHolder(number string) (string, error) {
	var id string
	err := tx.queryRow("SELECT id FROM projects WHERE number = ?", number).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("holder of number %s: %w", number, err)
	}
	return id, nil
}

// RaiseNumber makes sure the counter of a prefix and year stands at n or
// beyond, so that the numbers given next follow a number a migrated
// record brought with it (SSDJ-2026-0163: the next is 0164). A counter
// already past n is left alone.
func (tx *Tx) RaiseNumber(prefix string, year int, n int64) error {
	_, err := tx.exec(`INSERT INTO number_counters (prefix, year, last) VALUES (?, ?, ?)
		ON CONFLICT (prefix, year) DO UPDATE SET last = max(last, excluded.last)`, prefix, year, n)
	if err != nil {
		return fmt.Errorf("raise number %s-%d to %d: %w", prefix, year, n, err)
	}
	return nil
}

// AttachedProjects returns the projects on the server that refer to at
// least one attachment (附件), discarded drafts aside, in sequence order:
// what lixiangd import --files matches an administrator's files against.
func (db *DB) AttachedProjects(ctx context.Context) ([]*domain.Project, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT p.id, p.doc FROM projects p
		WHERE p.deleted = 0 AND EXISTS (SELECT 1 FROM project_attachments a WHERE a.project_id = p.id)
		ORDER BY p.seq`)
	if err != nil {
		return nil, fmt.Errorf("projects with attachments: %w", err)
	}
	defer rows.Close()
	var out []*domain.Project
	for rows.Next() {
		var id string
		var r Row
		if err := rows.Scan(&id, &r.Doc); err != nil {
			return nil, fmt.Errorf("projects with attachments: %w", err)
		}
		p, err := r.Decode(id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("projects with attachments: %w", err)
	}
	return out, nil
}
