package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
)

// What the admin import of interchange files (lixiangd import) needs
// beyond what a push uses: which project holds a registration number, and
// moving a number counter past the numbers a migrated file carries.

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
