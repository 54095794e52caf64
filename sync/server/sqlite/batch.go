package sqlite

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"lixiang/domain"
)

// What a push needs to write many projects at once: it reads the rows and
// the answered change ids of a whole batch in one statement each, applies
// the changes in memory, and writes every project once, with multi-row
// statements, all inside its one transaction.

// maxRows bounds the rows of one multi-row statement (SQLite allows 32766
// parameters; the widest row here has 11).
const maxRows = 500

// marks is "(?, ?, …), (?, ?, …)" for rows of cols parameters.
func marks(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// inList is "?, ?, …" for n parameters.
func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Row is a project as stored, its document not decoded.
type Row struct {
	Doc     []byte
	Version int64
	Seq     int64
}

// Decode decodes the row's document.
func (r Row) Decode(id string) (*domain.Project, error) {
	var p domain.Project
	if err := domain.DecodeJSON(r.Doc, &p); err != nil {
		return nil, fmt.Errorf("decode stored project %s: %w", id, err)
	}
	return &p, nil
}

// Rows returns the stored rows of the projects with the given ids that
// exist.
func (tx *Tx) Rows(ids []string) (map[string]Row, error) {
	out := make(map[string]Row, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), maxRows)
		rows, err := tx.query("SELECT id, doc, version, seq FROM projects WHERE id IN ("+inList(n)+")", anys(ids[:n])...)
		if err != nil {
			return nil, fmt.Errorf("load projects: %w", err)
		}
		for rows.Next() {
			var id string
			var r Row
			if err := rows.Scan(&id, &r.Doc, &r.Version, &r.Seq); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load projects: %w", err)
			}
			out[id] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load projects: %w", err)
		}
		ids = ids[n:]
	}
	return out, nil
}

// AppliedChanges returns the records of the change ids the server has
// answered before.
func (tx *Tx) AppliedChanges(ids []string) (map[string]AppliedChange, error) {
	out := map[string]AppliedChange{}
	for len(ids) > 0 {
		n := min(len(ids), maxRows)
		rows, err := tx.query(`SELECT change_id, project_id, user_id, device_id, status, result, at
			FROM applied_changes WHERE change_id IN (`+inList(n)+")", anys(ids[:n])...)
		if err != nil {
			return nil, fmt.Errorf("applied changes: %w", err)
		}
		for rows.Next() {
			var rec AppliedChange
			var at, result string
			if err := rows.Scan(&rec.ChangeID, &rec.ProjectID, &rec.UserID, &rec.DeviceID, &rec.Status, &result, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("applied changes: %w", err)
			}
			rec.Result = []byte(result)
			if rec.At, err = parseTime(at); err != nil {
				rows.Close()
				return nil, err
			}
			out[rec.ChangeID] = rec
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("applied changes: %w", err)
		}
		ids = ids[n:]
	}
	return out, nil
}

// Write is one project to store: the document (Doc, its JSON text, is
// encoded here when nil) as the given version, with the users who may see
// it. New says the project has no row yet.
type Write struct {
	Project *domain.Project
	Doc     []byte
	Version int64
	New     bool
	Visible []string
	Writer  string // the device whose push wrote it ("" for none)
}

// WriteProjects stores the projects, each under the next sequence number
// in the order given (returned), with who may see them and the attachments
// they refer to (both replacing what was recorded before), as PutProject
// does for one.
func (tx *Tx) WriteProjects(ws []Write) ([]int64, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	var last int64
	err := tx.queryRow("UPDATE counters SET value = value + ? WHERE name = 'seq' RETURNING value", len(ws)).Scan(&last)
	if err != nil {
		return nil, fmt.Errorf("next seq: %w", err)
	}
	seqs := make([]int64, len(ws))
	for i := range seqs {
		seqs[i] = last - int64(len(ws)) + 1 + int64(i)
	}
	seq := last - int64(len(ws))
	args := make([]any, 0, 12*min(len(ws), maxRows))
	for i := 0; i < len(ws); i += maxRows {
		chunk := ws[i:min(i+maxRows, len(ws))]
		args = args[:0]
		for j := range chunk {
			w := &chunk[j]
			if w.Doc == nil {
				if w.Doc, err = json.Marshal(w.Project); err != nil {
					return nil, fmt.Errorf("encode project %s: %w", w.Project.ID, err)
				}
			}
			seq++
			p := w.Project
			args = append(args, p.ID, string(w.Doc), w.Version, seq, p.Number, string(p.Kind()), string(p.Status),
				p.Registration.Customer.Region, p.OwnerID, p.Deleted, formatTime(p.UpdatedAt), w.Writer)
		}
		_, err := tx.exec(`INSERT INTO projects (id, doc, version, seq, number, kind, status, region,
				owner_id, deleted, updated_at, writer) VALUES `+marks(len(chunk), 12)+`
			ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version, seq = excluded.seq,
				number = excluded.number, kind = excluded.kind, status = excluded.status, region = excluded.region,
				owner_id = excluded.owner_id, deleted = excluded.deleted, updated_at = excluded.updated_at,
				writer = excluded.writer`, args...)
		if err != nil {
			return nil, fmt.Errorf("write %d projects: %w", len(chunk), err)
		}
	}
	// Visibility: a new project's list is inserted; a stored one's is
	// compared with the list recorded and replaced when it differs.
	var old []string
	for _, w := range ws {
		if !w.New {
			old = append(old, w.Project.ID)
		}
	}
	have, err := tx.visibility(old)
	if err != nil {
		return nil, err
	}
	var replace []string
	var pairs []any
	for _, w := range ws {
		want := slices.Clone(w.Visible)
		slices.Sort(want)
		want = slices.Compact(want)
		if !w.New {
			if slices.Equal(have[w.Project.ID], want) {
				continue
			}
			replace = append(replace, w.Project.ID)
		}
		for _, u := range want {
			pairs = append(pairs, w.Project.ID, u)
		}
	}
	if err := tx.deleteWhereIn("DELETE FROM project_visibility WHERE project_id IN (%s)", replace); err != nil {
		return nil, fmt.Errorf("visibility: %w", err)
	}
	if err := tx.insertPairs("INSERT INTO project_visibility (project_id, user_id) VALUES %s", pairs); err != nil {
		return nil, fmt.Errorf("visibility: %w", err)
	}
	// Attachments: what a stored project referred to is replaced.
	if err := tx.deleteWhereIn("DELETE FROM project_attachments WHERE project_id IN (%s)", old); err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	pairs = pairs[:0]
	for _, w := range ws {
		for _, a := range w.Project.Registration.Attachments {
			if a.SHA256 != "" {
				pairs = append(pairs, a.SHA256, w.Project.ID)
			}
		}
	}
	if err := tx.insertPairs("INSERT INTO project_attachments (sha256, project_id) VALUES %s ON CONFLICT DO NOTHING", pairs); err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	return seqs, nil
}

// visibility returns the recorded lists of the projects, sorted.
func (tx *Tx) visibility(ids []string) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), maxRows)
		rows, err := tx.query("SELECT project_id, user_id FROM project_visibility WHERE project_id IN ("+inList(n)+
			") ORDER BY project_id, user_id", anys(ids[:n])...)
		if err != nil {
			return nil, fmt.Errorf("visibility: %w", err)
		}
		for rows.Next() {
			var p, u string
			if err := rows.Scan(&p, &u); err != nil {
				rows.Close()
				return nil, fmt.Errorf("visibility: %w", err)
			}
			out[p] = append(out[p], u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("visibility: %w", err)
		}
		ids = ids[n:]
	}
	return out, nil
}

// deleteWhereIn runs a DELETE whose %s is an IN list of ids.
func (tx *Tx) deleteWhereIn(query string, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), maxRows)
		if _, err := tx.exec(fmt.Sprintf(query, inList(n)), anys(ids[:n])...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// insertPairs runs an INSERT whose %s is rows of two values, args holding
// them flat.
func (tx *Tx) insertPairs(query string, args []any) error {
	for len(args) > 0 {
		n := min(len(args), 2*maxRows)
		if _, err := tx.exec(fmt.Sprintf(query, marks(n/2, 2)), args[:n]...); err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}

// JournalEntry is one line of the audit journal to append: Changes is the
// JSON of the field changes (as AppendJournal writes them), or of the
// document a create stored (a JSON object: Journal reads it as its leaves).
type JournalEntry struct {
	ProjectID, ChangeID, ActorID string
	At                           time.Time
	Changes                      []byte
}

// AppendJournals appends lines to the audit journal, in order.
func (tx *Tx) AppendJournals(lines []JournalEntry) error {
	for len(lines) > 0 {
		n := min(len(lines), maxRows)
		args := make([]any, 0, 5*n)
		for _, l := range lines[:n] {
			args = append(args, l.ProjectID, l.ChangeID, l.ActorID, formatTime(l.At), string(l.Changes))
		}
		if _, err := tx.exec("INSERT INTO journal (project_id, change_id, actor_id, at, changes) VALUES "+marks(n, 5), args...); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		lines = lines[n:]
	}
	return nil
}

// RecordChanges records the answers to change ids, as RecordChange does
// for one.
func (tx *Tx) RecordChanges(recs []AppliedChange) error {
	for len(recs) > 0 {
		n := min(len(recs), maxRows)
		args := make([]any, 0, 7*n)
		for _, r := range recs[:n] {
			args = append(args, r.ChangeID, r.ProjectID, r.UserID, r.DeviceID, r.Status, string(r.Result), formatTime(r.At))
		}
		if _, err := tx.exec(`INSERT INTO applied_changes (change_id, project_id, user_id, device_id,
			status, result, at) VALUES `+marks(n, 7), args...); err != nil {
			return fmt.Errorf("record %d changes: %w", n, err)
		}
		recs = recs[n:]
	}
	return nil
}
