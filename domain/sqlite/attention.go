package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"lixiang/domain"
)

// Needs attention (需处理): what a person does with a change the server
// refused. The list shows each with its project, the fields it changed and
// the server's reason; the person sends it again (RetryNeedsAttention, in
// sync.go), gives it up (DiscardNeedsAttention), or, for a new project the
// server never took, deletes the draft (DeleteRefusedDraft).

// Attention is one change the server refused, as the needs-attention list
// shows it.
type Attention struct {
	Change        // State needs_attention; Reason is the server's reason
	Number string // the project's registration number, "" until assigned
	Title  string // the project's title as stored here, "" when it is not
	// Create is set for the change that creates the project: the server
	// has never had the project.
	Create bool
	// Command is the workflow command of a refused action (nil for an edit).
	Command *domain.Command
	// Paths are the fields the change sets, sorted (conflict rows left out;
	// none for a create, which sets them all).
	Paths []string
}

// Attention returns the changes the server refused, oldest first, each with
// its project's number and title and what it changes.
func (s *Store) Attention(ctx context.Context) ([]Attention, error) {
	changes, err := s.NeedsAttention(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Attention, 0, len(changes))
	for _, c := range changes {
		a := Attention{Change: c, Create: c.Doc != nil}
		err := s.db.QueryRowContext(ctx, "SELECT number, title FROM projects WHERE id = ?", c.ProjectID).Scan(&a.Number, &a.Title)
		if err != nil && err != sql.ErrNoRows {
			return nil, fmt.Errorf("changes needing attention: project %s: %w", c.ProjectID, err)
		}
		var p ChangePayload
		if err := domain.DecodeJSON(c.Payload, &p); err != nil {
			return nil, fmt.Errorf("changes needing attention: change %s: %w", c.ChangeID, err)
		}
		a.Command = p.Command
		if !a.Create {
			for _, fc := range p.Changes {
				if !domain.IsConflictPath(fc.Path) {
					a.Paths = append(a.Paths, fc.Path)
				}
			}
			sort.Strings(a.Paths)
		}
		out = append(out, a)
	}
	return out, nil
}

// refusedChange is an outbox row waiting for attention, as read in a
// transaction.
type refusedChange struct {
	kind      ChangeKind
	projectID string
	payload   ChangePayload
	create    bool
}

// loadRefused reads the change changeID, which must wait for attention:
// ENOTFOUND when the outbox does not hold it (given up already), ESTATE
// when it is not refused (sent again meanwhile, or accepted).
func loadRefused(ctx context.Context, tx *sql.Tx, changeID string) (refusedChange, error) {
	var state ChangeState
	var payload string
	var doc sql.NullString
	var c refusedChange
	err := tx.QueryRowContext(ctx, "SELECT state, kind, project_id, payload, doc FROM outbox WHERE change_id = ?", changeID).
		Scan(&state, &c.kind, &c.projectID, &payload, &doc)
	if err != nil {
		return c, notFound(err, "没有这条需处理的修改（可能已放弃）：%s", "no such refused change (given up already?): %s", changeID)
	}
	if state != StateNeedsAttention {
		return c, domain.Errorf(domain.ESTATE, "这条修改已不在需处理列表中（已重新发送或已被接受）",
			"this change no longer waits for attention (it was sent again or accepted)")
	}
	if err := domain.DecodeJSON([]byte(payload), &c.payload); err != nil {
		return c, fmt.Errorf("decode change: %w", err)
	}
	c.create = doc.Valid
	return c, nil
}

// DiscardNeedsAttention gives up a change the server refused (放弃修改), as
// actorID, in one transaction: the change leaves the outbox and, for an
// edit, each field it changed goes back to the server's value — the value
// in the server's copy of the project this device holds (the last pull, or
// what its own accepted edits rebuilt), with the other changes of this
// device the server does not have yet (pending, or refused edits) on top,
// in the order they were made, so that they stay. With no server copy here
// the field goes back to the value the change was made on. The fields put
// back are journaled as actorID's, like any local edit, and nothing goes to
// the server (it has those values). A refused workflow action was undone
// here when it was refused: it only leaves the outbox.
//
// A refused create is not given up this way: the server has never had the
// project, so giving up its creation would drop the whole draft. It is
// ESTATE, saying to correct it and retry, or to delete the draft
// (DeleteRefusedDraft). A change that no longer waits for attention is
// ESTATE, one the outbox does not hold ENOTFOUND.
func (s *Store) DiscardNeedsAttention(ctx context.Context, actorID, changeID string) (SaveResult, error) {
	if strings.TrimSpace(actorID) == "" {
		return SaveResult{}, domain.Errorf(domain.EINVALID, "放弃修改须注明操作人", "giving up a change needs its actor")
	}
	now := s.now().UTC()
	var res SaveResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := loadRefused(ctx, tx, changeID)
		if err != nil {
			return err
		}
		if c.create {
			return domain.Errorf(domain.ESTATE,
				"这是新建项目的首次提交，服务器上还没有这个项目，放弃它会丢掉整份登记。请按原因修改后点“重试”；如不再需要这个项目，请点“从本机删除”",
				"this change creates the project, which the server has never had: giving it up would drop the whole registration. Correct it as the reason says and retry, or remove it from this computer if it is no longer needed")
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE change_id = ?", changeID); err != nil {
			return fmt.Errorf("remove the change: %w", err)
		}
		if c.kind != ChangeEdit {
			return nil
		}
		res, err = s.restoreFields(ctx, tx, actorID, c, now)
		return err
	})
	if err != nil {
		return SaveResult{}, fmt.Errorf("give up change %s: %w", changeID, err)
	}
	return res, nil
}

// restoreFields puts the fields a given-up edit changed back to the
// server's values with this device's other unsent changes on top (the
// given-up change has left the outbox already).
func (s *Store) restoreFields(ctx context.Context, tx *sql.Tx, actorID string, c refusedChange, now time.Time) (SaveResult, error) {
	cur, _, err := loadProject(ctx, tx, c.projectID)
	if err != nil {
		return SaveResult{}, err
	}
	// What each field changed goes back to: the server's copy, else the
	// value the change was made on.
	want := map[string]string{}
	for _, fc := range c.payload.Changes {
		if !domain.IsConflictPath(fc.Path) {
			want[fc.Path] = fc.Old
		}
	}
	var server sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT CASE WHEN server_doc = '' THEN doc ELSE server_doc END FROM projects WHERE id = ?",
		c.projectID).Scan(&server); err != nil {
		return SaveResult{}, fmt.Errorf("server copy: %w", err)
	}
	if server.Valid {
		flat, err := domain.FlattenJSON([]byte(server.String))
		if err != nil {
			return SaveResult{}, fmt.Errorf("server copy: %w", err)
		}
		for path := range want {
			v, ok := flat[path]
			if !ok {
				v = "null"
			}
			want[path] = v
		}
	}
	// The other changes the server does not have stay on top, in order.
	rows, err := tx.QueryContext(ctx, `SELECT payload FROM outbox WHERE project_id = ?
		AND (state = 'pending' OR (state = 'needs_attention' AND kind = 'edit')) ORDER BY seq`, c.projectID)
	if err != nil {
		return SaveResult{}, fmt.Errorf("other local changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			return SaveResult{}, fmt.Errorf("other local changes: %w", err)
		}
		var p ChangePayload
		if err := domain.DecodeJSON([]byte(payload), &p); err != nil {
			return SaveResult{}, fmt.Errorf("decode local change: %w", err)
		}
		for _, fc := range p.Changes {
			if _, ok := want[fc.Path]; ok {
				want[fc.Path] = fc.New
			}
		}
	}
	if err := rows.Err(); err != nil {
		return SaveResult{}, fmt.Errorf("other local changes: %w", err)
	}
	rows.Close()
	here, err := domain.Flatten(cur)
	if err != nil {
		return SaveResult{}, err
	}
	sets := map[string]string{}
	for path, v := range want {
		have, ok := here[path]
		if !ok {
			have = "null"
		}
		if have != v {
			sets[path] = v
		}
	}
	next, err := domain.SetFields(cur, sets)
	if err != nil {
		return SaveResult{}, fmt.Errorf("put back the server's values: %w", err)
	}
	next.UpdatedAt = now
	if server.Valid {
		var sp domain.Project
		if err := domain.DecodeJSON([]byte(server.String), &sp); err != nil {
			return SaveResult{}, fmt.Errorf("server copy: %w", err)
		}
		// A given-up resolution leaves the conflicts it settled open
		// again, as the server still has them.
		for _, id := range c.payload.Resolves {
			if i := domain.IndexOfConflict(sp.Conflicts, id); i >= 0 && domain.IndexOfConflict(next.Conflicts, id) < 0 {
				next.Conflicts = append(next.Conflicts, sp.Conflicts[i])
			}
		}
		// Back to the server's copy as a whole: its time too, so that
		// the project is the server's to the letter.
		if d, err := domain.Diff(&sp, next); err == nil && len(d) == 0 {
			next.UpdatedAt = sp.UpdatedAt
		}
	}
	return s.write(ctx, tx, writeArgs{actorID: actorID, at: now, old: cur, new: next})
}

// DeleteRefusedDraft takes off this device, as actor, a new project whose
// creation the server refused (changeID, a refused create). The server has
// never had it and nothing goes to it, so this is not the workflow's
// 删除草稿 (which only the applicant may do, to a draft, and which syncs):
// whoever signed in here may remove it — a record imported for another
// applicant, or past its draft, could never reach the server from this
// login and would wait in 需处理 for good. In one transaction the project
// is marked deleted (journaled: the journal keeps every value) and every
// change of it that was not sent leaves the outbox. Any other change is
// ESTATE.
func (s *Store) DeleteRefusedDraft(ctx context.Context, actor domain.User, changeID string) error {
	now := s.now().UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := loadRefused(ctx, tx, changeID)
		if err != nil {
			return err
		}
		var acked int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE project_id = ? AND state = 'acked'",
			c.projectID).Scan(&acked); err != nil {
			return err
		}
		if !c.create || acked > 0 {
			return domain.Errorf(domain.ESTATE, "只有服务器从未接受的新建项目可以在这里从本机删除",
				"only a new project the server never accepted can be deleted here")
		}
		p, _, err := loadProject(ctx, tx, c.projectID)
		if err != nil {
			return err
		}
		old, err := clone(p)
		if err != nil {
			return err
		}
		p.Deleted = true
		p.UpdatedAt = now
		if _, err := s.write(ctx, tx, writeArgs{actorID: actor.ID, at: now, old: old, new: p}); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM outbox WHERE project_id = ? AND state <> 'acked'", c.projectID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete the refused draft of change %s: %w", changeID, err)
	}
	return nil
}
