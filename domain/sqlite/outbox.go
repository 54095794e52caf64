package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lixiang/domain"
)

// ChangeKind says what an outbox change carries.
type ChangeKind string

const (
	ChangeEdit   ChangeKind = "edit"   // field changes of a save
	ChangeAction ChangeKind = "action" // a workflow command and the field changes it made
)

// ChangeState is where an outbox change stands.
type ChangeState string

const (
	StatePending        ChangeState = "pending"         // waiting to be sent (or resent)
	StateAcked          ChangeState = "acked"           // the server has it
	StateNeedsAttention ChangeState = "needs_attention" // the server refused it; a person must look
)

// Change is one entry of the outbox: a local change under the id the device
// gave it, recorded once, which can be sent any number of times (the server
// applies each change id once).
type Change struct {
	Seq       int64  // order of the changes on this device
	ChangeID  string // UUID v7
	ProjectID string
	Kind      ChangeKind
	// BaseVersion is the project's server version when the change was
	// made: what the server merges the change against.
	BaseVersion int64
	Payload     json.RawMessage // a ChangePayload
	// Doc is the project's whole document for the change that created it
	// (kind edit, the project's first change, base version 0), nil for
	// any other: the sync engine may send it instead of the field changes.
	Doc       json.RawMessage
	CreatedAt time.Time
	State     ChangeState
	Attempts  int
	// LastError is why the last attempt failed or the server refused the
	// change, as one text in both languages.
	LastError string
	// Reason is why the server refused the change, each language and each
	// field's problem apart; nil unless the change needs attention. A
	// change refused before reasons were kept has one made of LastError
	// (its Message, in whatever languages the text has, no English).
	Reason *Reason
}

// Reason is why the server refused a change (服务器的原因): the protocol's
// error as the server answered it — a stable code, the message in Chinese
// and in English, and the problem of each field it names (path, code,
// message in both languages).
type Reason struct {
	Code     string          `json:"code"`
	Message  string          `json:"message"` // zh-CN
	English  string          `json:"message_en,omitempty"`
	Problems domain.Problems `json:"problems,omitempty"`
}

// Error is the reason as one text, Chinese first with the English in
// brackets, then each problem in Chinese by its path (what last_error
// holds for older programs).
func (r *Reason) Error() string {
	var b strings.Builder
	b.WriteString(r.Message)
	if r.English != "" {
		fmt.Fprintf(&b, " (%s)", r.English)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "；%s：%s", p.Path, p.Message)
	}
	if b.Len() == 0 {
		b.WriteString(r.Code)
	}
	return b.String()
}

// ChangePayload is the JSON payload of an outbox change.
type ChangePayload struct {
	ProjectID string    `json:"project_id"`
	ActorID   string    `json:"actor_id"`
	At        time.Time `json:"at"`
	// Command and Decision are set for kind action: what the actor asked
	// for and what the domain recorded, so the server can check it again.
	Command  *domain.Command      `json:"command,omitempty"`
	Decision *domain.Decision     `json:"decision,omitempty"`
	Changes  []domain.FieldChange `json:"changes"`
	// Resolves names the conflicts (冲突) the change settles, by identity
	// (domain.Conflict.ID), for the server to remove those and no other;
	// Changes then holds the chosen value but no change of the conflicts
	// list. (A change recorded before conflict identities changed the
	// list's rows, conflicts[i].*, instead.)
	Resolves []string `json:"resolves,omitempty"`
}

const changeColumns = `seq, change_id, project_id, kind, base_version, payload, doc, created_at, state, attempts, last_error, reason`

func scanChanges(rows *sql.Rows, maxCount, maxBytes int) ([]Change, error) {
	defer rows.Close()
	var out []Change
	total := 0
	for rows.Next() {
		var c Change
		var payload, created string
		var doc, reason sql.NullString
		if err := rows.Scan(&c.Seq, &c.ChangeID, &c.ProjectID, &c.Kind, &c.BaseVersion, &payload, &doc, &created,
			&c.State, &c.Attempts, &c.LastError, &reason); err != nil {
			return nil, err
		}
		if maxBytes > 0 && len(out) > 0 && total+len(payload) > maxBytes {
			break
		}
		total += len(payload)
		var err error
		if c.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		c.Payload = json.RawMessage(payload)
		if doc.Valid {
			c.Doc = json.RawMessage(doc.String)
		}
		if c.Reason, err = readReason(c, reason); err != nil {
			return nil, fmt.Errorf("change %s: %w", c.ChangeID, err)
		}
		out = append(out, c)
		if maxCount > 0 && len(out) >= maxCount {
			break
		}
	}
	return out, rows.Err()
}

// readReason is the reason of the change c as stored: the JSON of the
// reason column, else, for a change refused before it was kept, one made
// of its last error; nil for a change that does not need attention.
func readReason(c Change, stored sql.NullString) (*Reason, error) {
	if c.State != StateNeedsAttention {
		return nil, nil
	}
	if !stored.Valid || stored.String == "" {
		return &Reason{Message: c.LastError}, nil
	}
	r := new(Reason)
	if err := domain.DecodeJSON([]byte(stored.String), r); err != nil {
		return nil, fmt.Errorf("the server's reason: %w", err)
	}
	return r, nil
}

// reasonJSON is r as the reason column stores it (NULL for nil).
func reasonJSON(r *Reason) (sql.NullString, error) {
	if r == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("encode the server's reason: %w", err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// Pending returns the oldest pending changes in the order they were made:
// at most maxCount of them and at most maxBytes of payload in all, but
// always at least one when any is pending (a change larger than maxBytes
// must still go). A limit ≤ 0 means no limit.
func (s *Store) Pending(ctx context.Context, maxCount, maxBytes int) ([]Change, error) {
	limit := -1
	if maxCount > 0 {
		limit = maxCount
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+changeColumns+` FROM outbox
		WHERE state = 'pending' ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending changes: %w", err)
	}
	out, err := scanChanges(rows, maxCount, maxBytes)
	if err != nil {
		return nil, fmt.Errorf("pending changes: %w", err)
	}
	return out, nil
}

// PendingCount is how many changes wait to be sent.
func (s *Store) PendingCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE state = 'pending'").Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending changes: %w", err)
	}
	return n, nil
}

// NeedsAttention returns the changes the server refused, oldest first, each
// with the reason.
func (s *Store) NeedsAttention(ctx context.Context) ([]Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+changeColumns+` FROM outbox
		WHERE state = 'needs_attention' ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("changes needing attention: %w", err)
	}
	out, err := scanChanges(rows, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("changes needing attention: %w", err)
	}
	return out, nil
}

// MarkAcked records that the server has the changes. Marking a change twice,
// or an id the outbox does not hold, is harmless.
func (s *Store) MarkAcked(ctx context.Context, changeIDs []string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, "UPDATE outbox SET state = 'acked', doc = NULL WHERE change_id = ? AND state <> 'acked'")
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range changeIDs {
			if _, err := stmt.ExecContext(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d changes acked: %w", len(changeIDs), err)
	}
	return nil
}

// MarkFailedAttempt records a failed attempt to send the changes (network
// error, server error): they stay pending, with the attempt counted and
// the reason kept.
func (s *Store) MarkFailedAttempt(ctx context.Context, changeIDs []string, reason string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?
			WHERE change_id = ? AND state = 'pending'`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range changeIDs {
			if _, err := stmt.ExecContext(ctx, reason, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record failed attempt of %d changes: %w", len(changeIDs), err)
	}
	return nil
}

// MarkNeedsAttention takes a change the server refused out of the queue and
// keeps it, with the reason, for a person to see; the rest of the queue
// flows on. An acked change stays acked; an unknown id is ENOTFOUND.
func (s *Store) MarkNeedsAttention(ctx context.Context, changeID, reason string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var state ChangeState
		err := tx.QueryRowContext(ctx, "SELECT state FROM outbox WHERE change_id = ?", changeID).Scan(&state)
		if err != nil {
			return notFound(err, "没有这条待同步的修改：%s", "no such change: %s", changeID)
		}
		if state == StateAcked {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET state = 'needs_attention', attempts = attempts + 1, last_error = ?,
			reason = NULL WHERE change_id = ?`, reason, changeID)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark change %s as needing attention: %w", changeID, err)
	}
	return nil
}
