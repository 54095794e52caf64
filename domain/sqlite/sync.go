package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"lixiang/domain"
)

// What the sync engine (lixiang/sync/client) needs of the store. Each
// method is one local transaction, so a crash leaves the state before or
// after it, never half of it.

// MetaCursor is the meta key of the pull cursor: the server sequence up to
// which every visible project has been applied locally.
const MetaCursor = "sync.cursor"

// PulledProject is one project of a pull page: the server's document (a
// domain.Project, Deleted set for a tombstone) and its server version.
type PulledProject struct {
	Version int64
	Doc     json.RawMessage
	// Project is Doc decoded, when the caller has decoded it already (the
	// engine decodes a page while the one before it is being written);
	// nil to have ApplyPulled decode Doc.
	Project *domain.Project
}

// Cursor returns the pull cursor (0 before the first pull).
func (s *Store) Cursor(ctx context.Context) (int64, error) {
	return readCursor(ctx, s.db)
}

func readCursor(ctx context.Context, q querier) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", MetaCursor).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read sync cursor: %w", err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read sync cursor %q: %w", v, err)
	}
	return n, nil
}

// ResetCursor sets the pull cursor back to 0, so the next pull fetches
// every project the user may see (after signing in as someone else, or
// when the server asks for a full resync). Local pending edits are kept
// and rebased on what arrives.
func (s *Store) ResetCursor(ctx context.Context) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The rows named as this device's belong to the sequence left.
		_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, '0'), (?, '')
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, MetaCursor, MetaOwn)
		return err
	})
	if err != nil {
		return fmt.Errorf("reset sync cursor: %w", err)
	}
	return nil
}

// ApplyPulled applies one pull page and moves the cursor to cursor, all in
// one transaction: for each pulled project, the server's document becomes
// the project's server base and its server version is recorded; the local
// edits the server does not have yet (pending changes, and refused edits,
// which stay the user's) are replayed on top of it in the order they were
// made, so they are never lost or hidden by what arrives; the result is
// written with its indexed columns and search text, with no outbox entry,
// and the fields it changed on this device are journaled as actor
// "server". A project seen for the first time is stored without journal
// lines (its history is the server's). A tombstone is applied the same way
// and hides the project from lists. A page that fails anywhere is rolled
// back whole: the cursor never passes a project that was not applied.
//
// A pulled version older than the one the store already records (a late
// answer) leaves the project as it is.
func (s *Store) ApplyPulled(ctx context.Context, page []PulledProject, cursor int64) error {
	if len(page) == 0 {
		// Nothing new (the no-op sync): no write unless the cursor moves.
		if old, err := s.Cursor(ctx); err == nil && cursor <= old {
			return nil
		}
	}
	at := formatTime(s.now())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.applyPage(ctx, tx, page, at); err != nil {
			return err
		}
		old, err := readCursor(ctx, tx)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, MetaCursor, strconv.FormatInt(max(old, cursor), 10))
		if err != nil {
			return err
		}
		// Rows of this device's the cursor has passed need no naming.
		return setOwn(ctx, tx, nil, max(old, cursor))
	})
	if err != nil {
		return fmt.Errorf("apply pulled page of %d projects: %w", len(page), err)
	}
	return nil
}

// stored is what the store holds of a pulled project already here.
type stored struct {
	doc, searchText string
	version         int64
	replay          bool // it has local changes to replay on the server's
}

// pulledRow is one project of a page, ready to write.
type pulledRow struct {
	p          *domain.Project
	doc        string // the document to store
	serverDoc  string
	version    int64
	searchText string
}

// storedServerDoc is what goes in the server_doc column: the empty text when the
// document stored is the server's itself (most are: nothing local to
// replay), so that it is not written twice. Every write of doc keeps the
// server's copy first (see write).
func (r pulledRow) storedServerDoc() string {
	if r.serverDoc == r.doc {
		return ""
	}
	return r.serverDoc
}

// Rows of one multi-row INSERT of pulled projects: the full-text index
// flushes its pending terms at every statement, so new projects go in
// together rather than one statement each.
const insertChunk = 500

// applyPage writes one page inside tx: new projects in multi-row inserts,
// projects already here one by one (only those whose search text changed
// touch the full-text index), with the journal of what changed here.
func (s *Store) applyPage(ctx context.Context, tx *sql.Tx, page []PulledProject, at string) error {
	if len(page) == 0 {
		return nil
	}
	// The newest copy of each project in the page, in page order.
	type item struct {
		p   *domain.Project
		raw json.RawMessage
		v   int64
	}
	items := make([]item, 0, len(page))
	index := make(map[string]int, len(page))
	for i, pp := range page {
		p := pp.Project
		if p == nil {
			p = new(domain.Project)
			if err := domain.DecodeJSON(pp.Doc, p); err != nil {
				return fmt.Errorf("pulled project %d of %d: decode: %w", i+1, len(page), err)
			}
		}
		if !domain.ValidID(p.ID) {
			return fmt.Errorf("pulled project %d of %d: %w", i+1, len(page), domain.Errorf(domain.EINVALID,
				"服务器发来的项目 ID 不正确：“%s”", "the server sent a bad project id %q", p.ID))
		}
		if j, dup := index[p.ID]; dup {
			if pp.Version >= items[j].v {
				items[j] = item{p, pp.Doc, pp.Version}
			}
			continue
		}
		index[p.ID] = len(items)
		items = append(items, item{p, pp.Doc, pp.Version})
	}
	ids := make([]any, len(items))
	for i, it := range items {
		ids[i] = it.p.ID
	}
	have, err := s.loadStored(ctx, tx, ids)
	if err != nil {
		return err
	}

	replay, err := tx.PrepareContext(ctx, `SELECT payload FROM outbox WHERE project_id = ?
		AND (state = 'pending' OR (state = 'needs_attention' AND kind = 'edit')) ORDER BY seq`)
	if err != nil {
		return err
	}
	defer replay.Close()
	update, err := tx.PrepareContext(ctx, `UPDATE projects SET kind = ?, status = ?, number = ?, region = ?,
		owner_id = ?, sales_id = ?, short_name = ?, full_name = ?, title = ?, updated_at = ?, deleted = ?,
		doc = ?, conflict_count = ?, server_doc = ?, server_version = max(server_version, ?) WHERE id = ?`)
	if err != nil {
		return err
	}
	defer update.Close()
	updateSearch, err := tx.PrepareContext(ctx, "UPDATE projects SET search_text = ? WHERE id = ?")
	if err != nil {
		return err
	}
	defer updateSearch.Close()

	var inserts []pulledRow
	var journal []any
	for _, it := range items {
		old, exists := have[it.p.ID]
		if exists && it.v < old.version {
			continue // a newer version is already here
		}
		row := pulledRow{p: it.p, doc: string(it.raw), serverDoc: string(it.raw), version: it.v}
		if !exists {
			row.searchText = searchText(row.p)
			inserts = append(inserts, row)
			continue
		}
		if old.replay {
			if row.p, err = replayLocal(ctx, replay, it.p); err != nil {
				return fmt.Errorf("project %s: %w", it.p.ID, err)
			}
			b, err := json.Marshal(row.p)
			if err != nil {
				return fmt.Errorf("project %s: encode: %w", it.p.ID, err)
			}
			row.doc = string(b)
		}
		if row.doc == old.doc {
			// Nothing changed here: only the server's copy is recorded
			// (the document stored holds local edits on top of it
			// when there were any to replay).
			if _, err := tx.ExecContext(ctx, "UPDATE projects SET server_doc = ?, server_version = max(server_version, ?) WHERE id = ?",
				row.storedServerDoc(), row.version, row.p.ID); err != nil {
				return fmt.Errorf("project %s: %w", row.p.ID, err)
			}
			continue
		}
		changes, err := changedHere(old.doc, row.doc, row.p)
		if err != nil {
			return fmt.Errorf("project %s: %w", row.p.ID, err)
		}
		changeID := "server:v" + strconv.FormatInt(row.version, 10)
		for _, c := range changes {
			journal = append(journal, row.p.ID, ServerActor, at, changeID, c.Path, c.Old, c.New)
		}
		p, r := row.p, &row.p.Registration
		if _, err := update.ExecContext(ctx, string(r.Kind), string(p.Status), p.Number, r.Customer.Region,
			p.OwnerID, r.SalesID, r.Customer.ShortName, r.Customer.FullName, p.Title(), formatTime(p.UpdatedAt),
			p.Deleted, row.doc, len(p.Conflicts), row.storedServerDoc(), row.version, p.ID); err != nil {
			return fmt.Errorf("project %s: write: %w", p.ID, err)
		}
		if st := searchText(p); st != old.searchText {
			if _, err := updateSearch.ExecContext(ctx, st, p.ID); err != nil {
				return fmt.Errorf("project %s: search text: %w", p.ID, err)
			}
		}
	}
	for i := 0; i < len(inserts); i += insertChunk {
		if err := s.insertPulled(ctx, tx, inserts[i:min(i+insertChunk, len(inserts))]); err != nil {
			return err
		}
	}
	const journalCols = 7
	for i := 0; i < len(journal); i += journalCols * insertChunk {
		args := journal[i:min(i+journalCols*insertChunk, len(journal))]
		q := "INSERT INTO journal (project_id, actor_id, at, change_id, path, old, new) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(args)/journalCols), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
	}
	return nil
}

// loadStored reads what the store holds of the projects with ids.
func (s *Store) loadStored(ctx context.Context, tx *sql.Tx, ids []any) (map[string]stored, error) {
	st, err := s.stmt(ctx, tx, `SELECT p.id, p.doc, p.search_text, p.server_version,
		EXISTS (SELECT 1 FROM outbox o WHERE o.project_id = p.id
			AND (o.state = 'pending' OR (o.state = 'needs_attention' AND o.kind = 'edit')))
		FROM projects p WHERE p.id IN (`+marks(len(ids))+`)`)
	if err != nil {
		return nil, fmt.Errorf("load stored projects: %w", err)
	}
	rows, err := st.QueryContext(ctx, ids...)
	if err != nil {
		return nil, fmt.Errorf("load stored projects: %w", err)
	}
	defer rows.Close()
	out := make(map[string]stored, len(ids))
	for rows.Next() {
		var id string
		var s stored
		if err := rows.Scan(&id, &s.doc, &s.searchText, &s.version, &s.replay); err != nil {
			return nil, fmt.Errorf("load stored projects: %w", err)
		}
		out[id] = s
	}
	return out, rows.Err()
}

// insertPulled inserts new projects in one statement.
func (s *Store) insertPulled(ctx context.Context, tx *sql.Tx, rows []pulledRow) error {
	const cols = 17
	args := make([]any, 0, cols*len(rows))
	for _, row := range rows {
		p, r := row.p, &row.p.Registration
		args = append(args, p.ID, string(r.Kind), string(p.Status), p.Number, r.Customer.Region, p.OwnerID, r.SalesID,
			r.Customer.ShortName, r.Customer.FullName, p.Title(), formatTime(p.UpdatedAt), p.Deleted,
			row.searchText, row.doc, len(p.Conflicts), row.storedServerDoc(), row.version)
	}
	// New projects wait for the full-text index (fts_pending = 1): the
	// pull indexes them once it is over (IndexPending), and Search finds
	// them meanwhile. One already here (the conflict) keeps its state.
	q := `INSERT INTO projects (id, kind, status, number, region, owner_id, sales_id,
			short_name, full_name, title, updated_at, deleted, search_text, doc, conflict_count, server_doc, server_version,
			fts_pending) VALUES ` +
		strings.TrimSuffix(strings.Repeat("("+marks(cols)+", 1), ", len(rows)), ", ") + `
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status, number = excluded.number,
			region = excluded.region, owner_id = excluded.owner_id, sales_id = excluded.sales_id,
			short_name = excluded.short_name, full_name = excluded.full_name, title = excluded.title,
			updated_at = excluded.updated_at, deleted = excluded.deleted, search_text = excluded.search_text,
			doc = excluded.doc, conflict_count = excluded.conflict_count, server_doc = excluded.server_doc,
			server_version = max(server_version, excluded.server_version)`
	st, err := s.stmt(ctx, tx, q)
	if err != nil {
		return fmt.Errorf("write %d pulled projects: %w", len(rows), err)
	}
	if _, err := st.ExecContext(ctx, args...); err != nil {
		return fmt.Errorf("write %d pulled projects: %w", len(rows), err)
	}
	return nil
}

// changedHere returns the field changes from the stored document to next,
// leaving out bookkeeping (updated_at): what the pull changed on this
// device. It only flattens both when they differ in more than that.
func changedHere(oldDoc, nextDoc string, next *domain.Project) ([]domain.FieldChange, error) {
	if sameButUpdatedAt(oldDoc, nextDoc) {
		return nil, nil
	}
	var old domain.Project
	if err := domain.DecodeJSON([]byte(oldDoc), &old); err != nil {
		return nil, fmt.Errorf("decode stored project: %w", err)
	}
	old.UpdatedAt = next.UpdatedAt
	a, err := json.Marshal(&old)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(next)
	if err != nil {
		return nil, err
	}
	if string(a) == string(b) {
		return nil, nil
	}
	return domain.Diff(&old, next)
}

// replayLocal returns the server's project with the local edits the server
// does not have yet on top: every pending change (a pending action's local
// effect too, until the server answers it) and every refused edit, in the
// order they were made, each field taking the change's new value. With
// none, it is the server's project itself.
func replayLocal(ctx context.Context, replay *sql.Stmt, server *domain.Project) (*domain.Project, error) {
	rows, err := replay.QueryContext(ctx, server.ID)
	if err != nil {
		return nil, fmt.Errorf("local changes: %w", err)
	}
	defer rows.Close()
	sets := map[string]string{}
	var resolved []string
	n := 0
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			return nil, fmt.Errorf("local changes: %w", err)
		}
		var p struct {
			Changes  []domain.FieldChange `json:"changes"`
			Resolves []string             `json:"resolves"`
		}
		if err := domain.DecodeJSON([]byte(payload), &p); err != nil {
			return nil, fmt.Errorf("decode local change: %w", err)
		}
		// Conflicts settled here go by identity: a change recorded
		// before identities names them by rows, read against the
		// server's list.
		changes, legacy, _ := domain.LegacyConflictEdits(server, p.Changes)
		for _, c := range changes {
			sets[c.Path] = c.New
		}
		resolved = append(append(resolved, p.Resolves...), legacy...)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("local changes: %w", err)
	}
	if n == 0 {
		return server, nil
	}
	out, err := domain.SetFields(server, sets)
	if err != nil {
		return nil, fmt.Errorf("replay local changes: %w", err)
	}
	// The conflicts settled here, and no other, leave the server's list.
	out.Conflicts, _ = domain.RemoveConflicts(out.Conflicts, resolved)
	return out, nil
}

// PushOutcome is the server's final answer to one pushed change, as the
// store records it.
type PushOutcome struct {
	ChangeID  string
	ProjectID string
	// Reason is set when the server refused the change (权限、状态或校验):
	// its answer, kept as it is; the change goes to "needs attention".
	// Refused is a refusal given as text alone (all the store keeps of it
	// is that text). Both unset: the server has the change (applied,
	// merged with conflicts, or a duplicate).
	Reason  *Reason
	Refused string
	Number  string // the registration number the server assigned, if any
	Version int64  // the project's server version after the change
	// Own is set for an edit the server applied without conflicts: what
	// rebuilding the document it stored takes (see own.go).
	Own *OwnWrite
}

// RecordPushed records the server's answers to one push in one
// transaction. A change the server has is acked; its project takes the
// server version (never lowered) and the number (journaled as actor
// "server"). A refused change goes to "needs attention" with its reason
// and the rest of the queue flows on: a refused edit keeps its values on
// this device (they are the user's, to correct and send again), while a
// refused workflow action is undone here (each field it set that still
// holds its value goes back to what it was), since the server's workflow
// state is the one that counts.
func (s *Store) RecordPushed(ctx context.Context, outcomes []PushOutcome) error {
	at := s.now().UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The acks and the versions go in a few multi-row statements.
		var acked []any
		versions := map[string]int64{}
		var order []string
		for _, o := range outcomes {
			if o.Reason != nil || o.Refused != "" {
				if err := s.refuse(ctx, tx, o.ChangeID, o.Reason, o.Refused, at); err != nil {
					return fmt.Errorf("change %s: %w", o.ChangeID, err)
				}
				continue
			}
			acked = append(acked, o.ChangeID)
			if o.ProjectID == "" {
				continue
			}
			if o.Number != "" {
				if err := s.recordNumber(ctx, tx, o.ProjectID, o.Number, at); err != nil {
					return fmt.Errorf("project %s: %w", o.ProjectID, err)
				}
			}
			if v, ok := versions[o.ProjectID]; !ok || o.Version > v {
				if !ok {
					order = append(order, o.ProjectID)
				}
				versions[o.ProjectID] = o.Version
			}
		}
		for i := 0; i < len(acked); i += insertChunk {
			ids := acked[i:min(i+insertChunk, len(acked))]
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'acked', doc = NULL
				WHERE state <> 'acked' AND change_id IN (`+marks(len(ids))+")", ids...); err != nil {
				return fmt.Errorf("ack %d changes: %w", len(ids), err)
			}
		}
		// What this device's edits stored on the server, rebuilt here, is
		// applied as if pulled (its version with it), and the next pull
		// leaves it out.
		docs, seqs, err := rebuildOwn(ctx, tx, outcomes)
		if err != nil {
			return err
		}
		rebuilt := make(map[string]bool, len(docs))
		for _, d := range docs {
			rebuilt[d.id] = true
		}
		order = slices.DeleteFunc(order, func(id string) bool { return rebuilt[id] })
		for i := 0; i < len(order); i += insertChunk {
			ids := order[i:min(i+insertChunk, len(order))]
			args := make([]any, 0, 2*len(ids))
			for _, id := range ids {
				args = append(args, id, versions[id])
			}
			if _, err := tx.ExecContext(ctx, `UPDATE projects SET server_version = max(server_version, v.column2)
				FROM (VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?), ", len(ids)), ", ")+`) AS v
				WHERE projects.id = v.column1`, args...); err != nil {
				return fmt.Errorf("versions of %d projects: %w", len(ids), err)
			}
		}
		if len(docs) == 0 {
			return nil
		}
		if err := s.applyOwn(ctx, tx, docs, formatTime(at)); err != nil {
			return err
		}
		cursor, err := readCursor(ctx, tx)
		if err != nil {
			return err
		}
		return setOwn(ctx, tx, seqs, cursor)
	})
	if err != nil {
		return fmt.Errorf("record %d push results: %w", len(outcomes), err)
	}
	return nil
}

// marks is "?, ?, …" for n parameters.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// recordNumber gives a project the number the server assigned, journaled
// as actor "server" (nothing when it has it already or is not stored here).
func (s *Store) recordNumber(ctx context.Context, tx *sql.Tx, projectID, number string, at time.Time) error {
	var stored string
	err := tx.QueryRowContext(ctx, "SELECT number FROM projects WHERE id = ?", projectID).Scan(&stored)
	if err == sql.ErrNoRows || (err == nil && stored == number) {
		return nil
	}
	if err != nil {
		return err
	}
	old, _, err := loadProject(ctx, tx, projectID)
	if err != nil {
		return err
	}
	next := *old
	next.Number = number
	_, err = s.write(ctx, tx, writeArgs{actorID: ServerActor, at: at, old: old, new: &next})
	return err
}

// refuse moves a change to "needs attention" with the server's reason
// (or, with none, the text refused) and, for a workflow action, undoes
// its local effect.
func (s *Store) refuse(ctx context.Context, tx *sql.Tx, changeID string, reason *Reason, refused string, at time.Time) error {
	var state ChangeState
	var kind ChangeKind
	var projectID, payload string
	err := tx.QueryRowContext(ctx, "SELECT state, kind, project_id, payload FROM outbox WHERE change_id = ?", changeID).
		Scan(&state, &kind, &projectID, &payload)
	if err == sql.ErrNoRows {
		return nil // not a change of this device: nothing to keep
	}
	if err != nil {
		return err
	}
	if state != StatePending {
		return nil // answered before
	}
	stored, err := reasonJSON(reason)
	if err != nil {
		return err
	}
	if reason != nil {
		refused = reason.Error()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'needs_attention', attempts = attempts + 1, last_error = ?,
		reason = ? WHERE change_id = ?`, refused, stored, changeID); err != nil {
		return err
	}
	if kind != ChangeAction {
		return nil
	}
	var p ChangePayload
	if err := domain.DecodeJSON([]byte(payload), &p); err != nil {
		return fmt.Errorf("decode change: %w", err)
	}
	cur, _, err := loadProject(ctx, tx, projectID)
	if err != nil {
		return err
	}
	flat, err := domain.Flatten(cur)
	if err != nil {
		return err
	}
	undo := map[string]string{}
	for _, c := range p.Changes {
		now, ok := flat[c.Path]
		if !ok {
			now = "null"
		}
		if now == c.New {
			undo[c.Path] = c.Old
		}
	}
	if len(undo) == 0 {
		return nil
	}
	next, err := domain.SetFields(cur, undo)
	if err != nil {
		return fmt.Errorf("undo refused %s: %w", kind, err)
	}
	_, err = s.write(ctx, tx, writeArgs{actorID: ServerActor, at: at, old: cur, new: next})
	return err
}

// RetryNeedsAttention puts a refused change back in the queue (after the
// user corrected what the server objected to, or when the reason has gone
// away) under a new change id: the server answers every change id once and
// for good, so the old id would only be answered "duplicate" of its
// refusal again. It keeps its place in the order the changes were made and
// is re-based on what this device has now: an edit sends, for each field
// it changed, the value the field holds here now (what the person sees,
// with any correction made since), from the value it was made on (so a
// field someone else changed meanwhile becomes a conflict, not an
// overwrite), against the server version known now; a field back at that
// value is left out; a create sends the document as it is here now. A
// change that is not waiting for attention is left as it is; an unknown id
// is ENOTFOUND.
func (s *Store) RetryNeedsAttention(ctx context.Context, changeID string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var state ChangeState
		var kind ChangeKind
		var projectID, payload string
		var doc sql.NullString
		err := tx.QueryRowContext(ctx, "SELECT state, kind, project_id, payload, doc FROM outbox WHERE change_id = ?", changeID).
			Scan(&state, &kind, &projectID, &payload, &doc)
		if err != nil {
			return notFound(err, "没有这条待同步的修改：%s", "no such change: %s", changeID)
		}
		if state != StateNeedsAttention {
			return nil
		}
		newID, err := s.newID()
		if err != nil {
			return fmt.Errorf("new change id: %w", err)
		}
		var version int64
		var here string
		if err := tx.QueryRowContext(ctx, "SELECT server_version, doc FROM projects WHERE id = ?", projectID).
			Scan(&version, &here); err != nil {
			return fmt.Errorf("project %s: %w", projectID, err)
		}
		if kind == ChangeEdit {
			if payload, err = rebaseEdit(payload, here); err != nil {
				return err
			}
			if doc.Valid {
				doc.String = here
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET change_id = ?, state = 'pending', last_error = '', reason = NULL,
			base_version = ?, payload = ?, doc = ? WHERE change_id = ?`, newID, version, payload, doc, changeID)
		return err
	})
	if err != nil {
		return fmt.Errorf("retry change %s: %w", changeID, err)
	}
	return nil
}

// rebaseEdit is an edit's payload with each field change's new value the
// value the field holds in the document here now (fields back at their old
// value left out).
func rebaseEdit(payload, here string) (string, error) {
	var p ChangePayload
	if err := domain.DecodeJSON([]byte(payload), &p); err != nil {
		return "", fmt.Errorf("decode change: %w", err)
	}
	flat, err := domain.FlattenJSON([]byte(here))
	if err != nil {
		return "", fmt.Errorf("decode project: %w", err)
	}
	kept := p.Changes[:0]
	for _, c := range p.Changes {
		if strings.HasPrefix(c.Path, "conflicts") {
			kept = append(kept, c) // a conflict row: as it was
			continue
		}
		now, ok := flat[c.Path]
		if !ok {
			now = "null"
		}
		c.New = now
		if c.New != c.Old {
			kept = append(kept, c)
		}
	}
	p.Changes = kept
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode change: %w", err)
	}
	return string(b), nil
}

// NeedsAttentionCount is how many changes the server refused that wait for
// a person.
func (s *Store) NeedsAttentionCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE state = 'needs_attention'").Scan(&n); err != nil {
		return 0, fmt.Errorf("count changes needing attention: %w", err)
	}
	return n, nil
}

// ConflictedProject is a project with open conflicts (冲突) for a person to
// resolve.
type ConflictedProject struct {
	ProjectID string
	Number    string // "" until assigned
	Title     string
	Conflicts []domain.Conflict
}

// Conflicts returns the projects (not discarded) that hold open conflicts,
// most recently updated first.
func (s *Store) Conflicts(ctx context.Context) ([]ConflictedProject, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, number, title, json_extract(doc, '$.conflicts') FROM projects
		WHERE conflict_count > 0 AND +deleted = 0 ORDER BY updated_at DESC, pk DESC`)
	if err != nil {
		return nil, fmt.Errorf("conflicts: %w", err)
	}
	defer rows.Close()
	var out []ConflictedProject
	for rows.Next() {
		var c ConflictedProject
		var list string
		if err := rows.Scan(&c.ProjectID, &c.Number, &c.Title, &list); err != nil {
			return nil, fmt.Errorf("conflicts: %w", err)
		}
		if err := domain.DecodeJSON([]byte(list), &c.Conflicts); err != nil {
			return nil, fmt.Errorf("conflicts of project %s: %w", c.ProjectID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("conflicts: %w", err)
	}
	return out, nil
}

// ConflictCount is how many open conflicts the projects (not discarded)
// hold in all.
func (s *Store) ConflictCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT coalesce(sum(conflict_count), 0) FROM projects WHERE conflict_count > 0 AND +deleted = 0").Scan(&n); err != nil {
		return 0, fmt.Errorf("count conflicts: %w", err)
	}
	return n, nil
}

// ResolveConflict settles the conflict with identity id (domain.Conflict.ID)
// of a project with value (JSON text: one of the two values or a merged
// one) as actorID, on the project as stored now. The resolution is saved
// like an edit — journaled, and sent to the server as an edit of the field
// that names the conflict by its identity (ChangePayload.Resolves), so
// that the server removes that conflict and no other. A conflict no longer
// open here is ENOTFOUND.
func (s *Store) ResolveConflict(ctx context.Context, actorID, projectID, id, value string) (SaveResult, error) {
	if strings.TrimSpace(actorID) == "" {
		return SaveResult{}, domain.Errorf(domain.EINVALID, "解决冲突须注明操作人", "a resolution needs its actor")
	}
	now := s.now().UTC()
	var res SaveResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, version, err := loadProject(ctx, tx, projectID)
		if err != nil {
			return err
		}
		next, err := domain.ResolveConflict(old, id, value)
		if err != nil {
			return err
		}
		next.UpdatedAt = now
		res, err = s.write(ctx, tx, writeArgs{actorID: actorID, at: now, old: old, new: next,
			kind: ChangeEdit, baseVersion: version})
		return err
	})
	if err != nil {
		return SaveResult{}, fmt.Errorf("resolve conflict %s of project %s: %w", id, projectID, err)
	}
	return res, nil
}

// ServerState returns what this device knows of a project on the server:
// its server version (0 when the server never answered for it) and the
// document as the last pull brought it (nil before any pull did).
func (s *Store) ServerState(ctx context.Context, projectID string) (int64, *domain.Project, error) {
	var version int64
	var doc sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT server_version, CASE WHEN server_doc = '' THEN doc ELSE server_doc END
		FROM projects WHERE id = ?`, projectID).Scan(&version, &doc)
	if err != nil {
		return 0, nil, fmt.Errorf("server state of project %s: %w", projectID, notFound(err, "项目不存在：%s", "no such project: %s", projectID))
	}
	if !doc.Valid {
		return version, nil, nil
	}
	var p domain.Project
	if err := domain.DecodeJSON([]byte(doc.String), &p); err != nil {
		return 0, nil, fmt.Errorf("server state of project %s: %w", projectID, err)
	}
	return version, &p, nil
}

// PendingAfter is Pending for the changes made after the one numbered
// afterSeq (Change.Seq): the sync engine reads the next batch while the
// server answers the one before it.
func (s *Store) PendingAfter(ctx context.Context, afterSeq int64, maxCount, maxBytes int) ([]Change, error) {
	limit := -1
	if maxCount > 0 {
		limit = maxCount
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+changeColumns+` FROM outbox
		WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("pending changes after %d: %w", afterSeq, err)
	}
	out, err := scanChanges(rows, maxCount, maxBytes)
	if err != nil {
		return nil, fmt.Errorf("pending changes after %d: %w", afterSeq, err)
	}
	return out, nil
}

// indexBatch is how many pulled projects one transaction of IndexPending
// indexes: short enough that a save waiting for the writer is not held up
// for long.
const indexBatch = 1000

// IndexPending puts the projects pulls brought into the full-text index
// (全文索引), a batch a transaction, and returns how many it indexed. A pull
// leaves them out of the index so that its pages are written quickly;
// Search finds them meanwhile by their text. Safe to stop at any time: what
// is left is indexed by the next call.
func (s *Store) IndexPending(ctx context.Context) (int, error) {
	var waiting bool
	if err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM projects WHERE fts_pending = 1)").Scan(&waiting); err != nil {
		return 0, fmt.Errorf("index pulled projects for search: %w", err)
	}
	if !waiting {
		return 0, nil // most syncs: no write
	}
	total := 0
	for {
		var n int64
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE projects SET fts_pending = 0 WHERE pk IN
				(SELECT pk FROM projects WHERE fts_pending = 1 LIMIT ?)`, indexBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("index pulled projects for search: %w", err)
		}
		total += int(n)
		if n < indexBatch {
			return total, nil
		}
	}
}
