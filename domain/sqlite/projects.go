package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"lixiang/domain"
)

// ServerActor is the actor of journal lines that record what the server
// assigned (registration number).
const ServerActor = "server"

// SaveResult is what a save recorded: the outbox change that carries it and
// the journaled field changes. Both are empty when nothing changed.
type SaveResult struct {
	ChangeID string
	Changes  []domain.FieldChange
}

// querier is what *sql.DB and *sql.Tx share for reading one row.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Project returns the project with the given id (a discarded draft too,
// with Deleted set), ENOTFOUND when there is none.
func (s *Store) Project(ctx context.Context, id string) (*domain.Project, error) {
	p, _, err := loadProject(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("load project %s: %w", id, err)
	}
	return p, nil
}

func loadProject(ctx context.Context, q querier, id string) (*domain.Project, int64, error) {
	var doc string
	var version int64
	err := q.QueryRowContext(ctx, "SELECT doc, server_version FROM projects WHERE id = ?", id).Scan(&doc, &version)
	if err != nil {
		return nil, 0, notFound(err, "项目不存在：%s", "no such project: %s", id)
	}
	var p domain.Project
	if err := domain.DecodeJSON([]byte(doc), &p); err != nil {
		return nil, 0, fmt.Errorf("decode stored project: %w", err)
	}
	return &p, version, nil
}

// clone is a deep copy of p.
func clone(p *domain.Project) (*domain.Project, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("copy project: %w", err)
	}
	var c domain.Project
	if err := domain.DecodeJSON(b, &c); err != nil {
		return nil, fmt.Errorf("copy project: %w", err)
	}
	return &c, nil
}

// loadIfAny is loadProject that returns a nil project when there is none.
func loadIfAny(ctx context.Context, q querier, id string) (*domain.Project, int64, error) {
	p, v, err := loadProject(ctx, q, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, 0, nil
	}
	return p, v, err
}

func checkSave(actorID string, p *domain.Project) error {
	if p == nil {
		return domain.Errorf(domain.EINVALID, "没有要保存的项目", "no project to save")
	}
	if !domain.ValidID(p.ID) {
		return domain.Errorf(domain.EINVALID, "项目 ID 须为小写 UUID（现为“%s”）", "the project id must be a lower-case UUID (got %q)", p.ID)
	}
	if strings.TrimSpace(actorID) == "" {
		return domain.Errorf(domain.EINVALID, "保存时须注明操作人", "a save needs its actor")
	}
	return nil
}

// SaveProject stores p as changed by actorID, in one transaction: the
// document and its indexed columns, one journal line per changed field, one
// outbox change (kind edit) carrying the field changes, and the search
// index. When nothing changed, nothing is written and the result is empty.
//
// A save edits content; it does not move the workflow. For a project
// already stored, the fields that only Apply changes (status, approval
// round, decisions, receiver, contract confirmation, deleted) and those the
// server assigns or that never change (number, created_at) keep their
// stored values, so a stale copy saved after a submission or a number
// assignment cannot undo them. On success p holds those stored values and
// p.UpdatedAt the clock's time of the save (when something changed).
func (s *Store) SaveProject(ctx context.Context, actorID string, p *domain.Project) (SaveResult, error) {
	if err := checkSave(actorID, p); err != nil {
		return SaveResult{}, fmt.Errorf("save project: %w", err)
	}
	now := s.now().UTC()
	var res SaveResult
	var kept *domain.Project
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, version, err := loadIfAny(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		next := *p
		if old != nil {
			keepWorkflow(&next, old)
			kept = old
		}
		next.UpdatedAt = now
		res, err = s.write(ctx, tx, writeArgs{actorID: actorID, at: now, old: old, new: &next,
			kind: ChangeEdit, baseVersion: version})
		return err
	})
	if err != nil {
		return SaveResult{}, fmt.Errorf("save project %s: %w", p.ID, err)
	}
	if kept != nil {
		keepWorkflow(p, kept)
	}
	switch {
	case res.ChangeID != "":
		p.UpdatedAt = now
	case kept != nil:
		p.UpdatedAt = kept.UpdatedAt
	}
	return res, nil
}

// keepWorkflow gives p the workflow and server fields of stored, and its
// open conflicts: a save never settles or drops a conflict (a form's copy
// may be older than the pull that brought one); ResolveConflict does, by
// its identity.
func keepWorkflow(p, stored *domain.Project) {
	p.Conflicts = stored.Conflicts
	p.Number = stored.Number
	p.Status = stored.Status
	p.CreatedAt = stored.CreatedAt
	p.Approval = stored.Approval
	p.Decisions = stored.Decisions
	p.ReceiverID = stored.ReceiverID
	p.NewContract = stored.NewContract
	p.Deleted = stored.Deleted
}

// Apply carries out a workflow command on the stored project by actor, in
// one transaction: the domain checks it (roles, state, form validation
// against org), and on success the project is saved with its journal lines
// and one outbox change of kind action that carries the command, the actor
// and the decision as well as the field changes, so the server can check
// the action again. A refused command changes nothing and returns the
// domain's error.
func (s *Store) Apply(ctx context.Context, projectID string, cmd domain.Command, actor domain.User, org *domain.Org) (*domain.Project, error) {
	now := s.now().UTC()
	var p *domain.Project
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var version int64
		var err error
		p, version, err = loadProject(ctx, tx, projectID)
		if err != nil {
			return err
		}
		old, err := clone(p) // Apply changes nested records in place
		if err != nil {
			return err
		}
		d, err := p.Apply(cmd, actor, org, now)
		if err != nil {
			return err
		}
		_, err = s.write(ctx, tx, writeArgs{actorID: actor.ID, at: now, old: old, new: p,
			kind: ChangeAction, baseVersion: version, command: &cmd, decision: &d, always: true})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s project %s: %w", cmd.Action, projectID, err)
	}
	return p, nil
}

// ImportProjects stores projects from an interchange document as actorID,
// all in one transaction: each new project is saved like any save (journal
// and outbox); a project already stored with the same content is skipped;
// one stored with different content refuses the whole import (ECONFLICT).
// Each project keeps its own updated_at (the clock's time when it has none).
// It returns how many projects were added.
func (s *Store) ImportProjects(ctx context.Context, actorID string, ps []domain.Project) (int, error) {
	now := s.now().UTC()
	added := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i := range ps {
			p := ps[i]
			if err := checkSave(actorID, &p); err != nil {
				return fmt.Errorf("projects[%d]: %w", i, err)
			}
			old, version, err := loadIfAny(ctx, tx, p.ID)
			if err != nil {
				return fmt.Errorf("projects[%d] %s: %w", i, p.ID, err)
			}
			if old != nil {
				changes, err := domain.Diff(old, &p)
				if err != nil {
					return fmt.Errorf("projects[%d] %s: %w", i, p.ID, err)
				}
				if len(changes) == 0 {
					continue
				}
				return domain.Errorf(domain.ECONFLICT,
					"第 %[1]d 个项目（ID %[2]s）已存在且内容不同（如 %[3]s），未导入任何项目",
					"projects[%[1]d]: project %[2]s exists already with different content (e.g. %[3]s); nothing was imported",
					i, p.ID, changes[0].Path)
			}
			if p.UpdatedAt.IsZero() {
				p.UpdatedAt = now
			}
			if _, err := s.write(ctx, tx, writeArgs{actorID: actorID, at: now, new: &p,
				kind: ChangeEdit, baseVersion: version}); err != nil {
				return fmt.Errorf("projects[%d] %s: %w", i, p.ID, err)
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("import projects: %w", err)
	}
	return added, nil
}

// SetServerState records what the server assigned to a project: its
// registration number (unchanged when number is "") and its server version
// (never lowered, so a late, reordered answer cannot move it back). A number
// change is journaled as actor "server"; nothing goes to the outbox.
func (s *Store) SetServerState(ctx context.Context, projectID, number string, serverVersion int64) error {
	now := s.now().UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, _, err := loadProject(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if number != "" && number != old.Number {
			next := *old
			next.Number = number
			if _, err := s.write(ctx, tx, writeArgs{actorID: ServerActor, at: now, old: old, new: &next}); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE projects SET server_version = max(server_version, ?) WHERE id = ?",
			serverVersion, projectID)
		return err
	})
	if err != nil {
		return fmt.Errorf("set server state of project %s: %w", projectID, err)
	}
	return nil
}

// writeArgs is one write of a project document.
type writeArgs struct {
	actorID     string
	at          time.Time
	old, new    *domain.Project // old is nil for a new project
	kind        ChangeKind      // "" writes no outbox change (server state)
	baseVersion int64
	command     *domain.Command  // kind action
	decision    *domain.Decision // kind action
	always      bool             // record the outbox change even without field changes
}

// write stores a.new inside tx: document, columns and search text, the
// journal and the outbox change. It writes nothing when no field changed
// (unless a.always).
func (s *Store) write(ctx context.Context, tx *sql.Tx, a writeArgs) (SaveResult, error) {
	changes, err := domain.Diff(a.old, a.new)
	if err != nil {
		return SaveResult{}, err
	}
	if len(changes) == 0 && !a.always {
		return SaveResult{}, nil
	}
	changeID, err := s.newID()
	if err != nil {
		return SaveResult{}, fmt.Errorf("new change id: %w", err)
	}
	p := a.new
	doc, err := json.Marshal(p)
	if err != nil {
		return SaveResult{}, fmt.Errorf("encode project: %w", err)
	}
	r := &p.Registration
	_, err = tx.ExecContext(ctx, `INSERT INTO projects (id, kind, status, number, region, owner_id, sales_id,
			short_name, full_name, title, updated_at, deleted, search_text, doc, conflict_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status, number = excluded.number,
			region = excluded.region, owner_id = excluded.owner_id, sales_id = excluded.sales_id,
			short_name = excluded.short_name, full_name = excluded.full_name, title = excluded.title,
			updated_at = excluded.updated_at, deleted = excluded.deleted, search_text = excluded.search_text,
			server_doc = CASE WHEN server_doc = '' THEN doc ELSE server_doc END, doc = excluded.doc,
			conflict_count = excluded.conflict_count`,
		p.ID, string(r.Kind), string(p.Status), p.Number, r.Customer.Region, p.OwnerID, r.SalesID,
		r.Customer.ShortName, r.Customer.FullName, p.Title(), formatTime(p.UpdatedAt), p.Deleted,
		searchText(p), string(doc), len(p.Conflicts))
	if err != nil {
		return SaveResult{}, fmt.Errorf("write project: %w", err)
	}
	if len(changes) > 0 {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO journal (project_id, actor_id, at, change_id, path, old, new)
			VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return SaveResult{}, fmt.Errorf("write journal: %w", err)
		}
		defer stmt.Close()
		at := formatTime(a.at)
		for _, c := range changes {
			if _, err := stmt.ExecContext(ctx, p.ID, a.actorID, at, changeID, c.Path, c.Old, c.New); err != nil {
				return SaveResult{}, fmt.Errorf("write journal: %w", err)
			}
		}
	}
	if a.kind != "" {
		// The conflicts it settles go by their identity, not as changes
		// of the list's rows (whose places differ between devices).
		sent := changes
		var resolves []string
		if a.old != nil {
			resolves = domain.ResolvedConflicts(a.old.Conflicts, p.Conflicts)
		}
		if slices.ContainsFunc(changes, func(c domain.FieldChange) bool { return domain.IsConflictPath(c.Path) }) {
			sent = slices.DeleteFunc(slices.Clone(changes), func(c domain.FieldChange) bool { return domain.IsConflictPath(c.Path) })
		}
		payload, err := json.Marshal(ChangePayload{ProjectID: p.ID, ActorID: a.actorID, At: a.at,
			Command: a.command, Decision: a.decision, Changes: sent, Resolves: resolves})
		if err != nil {
			return SaveResult{}, fmt.Errorf("encode change: %w", err)
		}
		// The change that creates a project keeps the whole document too.
		var created any
		if a.old == nil && a.kind == ChangeEdit && a.baseVersion == 0 {
			created = string(doc)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO outbox (change_id, project_id, kind, base_version, payload, doc, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, changeID, p.ID, string(a.kind), a.baseVersion, string(payload), created, formatTime(a.at))
		if err != nil {
			return SaveResult{}, fmt.Errorf("write outbox: %w", err)
		}
	}
	return SaveResult{ChangeID: changeID, Changes: changes}, nil
}

// searchText is what search looks in: the customer's names, the title, the
// requirement, the notes and special requirements, the customisation, the
// number and the project name, one per line.
func searchText(p *domain.Project) string {
	r := &p.Registration
	parts := []string{r.Customer.FullName, r.Customer.ShortName}
	if strings.TrimSpace(r.Customer.ShortName) != "" {
		parts = append(parts, p.Title()) // not the placeholder title of an unnamed draft
	}
	parts = append(parts, r.Requirement, r.Other.Notes, r.Other.SpecialRequirements,
		r.Customization.Description, p.Number)
	if p.Initiation != nil && strings.TrimSpace(r.Customer.FullName) != "" {
		parts = append(parts, p.ProjectName())
	}
	var b strings.Builder
	for _, s := range parts {
		if s = strings.TrimSpace(s); s != "" {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

// Journal returns the journal (变更记录) of a project, oldest first.
func (s *Store) Journal(ctx context.Context, projectID string) ([]domain.JournalEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, project_id, actor_id, at, change_id, path, old, new
		FROM journal WHERE project_id = ? ORDER BY seq`, projectID)
	if err != nil {
		return nil, fmt.Errorf("journal of project %s: %w", projectID, err)
	}
	defer rows.Close()
	var out []domain.JournalEntry
	for rows.Next() {
		var e domain.JournalEntry
		var at string
		if err := rows.Scan(&e.Seq, &e.ProjectID, &e.ActorID, &at, &e.ChangeID, &e.Path, &e.Old, &e.New); err != nil {
			return nil, fmt.Errorf("journal of project %s: %w", projectID, err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("journal of project %s: %w", projectID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("journal of project %s: %w", projectID, err)
	}
	return out, nil
}
