package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"lixiang/domain"
)

// Stored is a project as the server holds it: the document, its version
// (bumped on every write) and its place in the global change sequence.
type Stored struct {
	Project *domain.Project
	Version int64
	Seq     int64
}

// Project returns the stored project (a discarded draft too, with Deleted
// set), ENOTFOUND when there is none.
func (tx *Tx) Project(id string) (*Stored, error) {
	var doc string
	s := &Stored{}
	err := tx.queryRow("SELECT doc, version, seq FROM projects WHERE id = ?", id).
		Scan(&doc, &s.Version, &s.Seq)
	if err != nil {
		return nil, fmt.Errorf("load project %s: %w", id, notFound(err, "服务器上没有此项目：%s", "no such project on the server: %s", id))
	}
	var p domain.Project
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("decode stored project %s: %w", id, err)
	}
	s.Project = &p
	return s, nil
}

// nextSeq takes the next number of the global change sequence.
func (tx *Tx) nextSeq() (int64, error) {
	var seq int64
	err := tx.queryRow("UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value").Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("next seq: %w", err)
	}
	return seq, nil
}

// PutProject stores p as the given version (1 for a new project) under the
// next sequence number (returned), with the users who may see it and the
// attachments it refers to (both replacing what was recorded before).
func (tx *Tx) PutProject(p *domain.Project, version int64, visible []string) (int64, error) {
	doc, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("encode project %s: %w", p.ID, err)
	}
	seq, err := tx.nextSeq()
	if err != nil {
		return 0, err
	}
	_, err = tx.exec(`INSERT INTO projects (id, doc, version, seq, number, kind, status, region,
			owner_id, deleted, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version, seq = excluded.seq,
			number = excluded.number, kind = excluded.kind, status = excluded.status, region = excluded.region,
			owner_id = excluded.owner_id, deleted = excluded.deleted, updated_at = excluded.updated_at, writer = ''`,
		p.ID, string(doc), version, seq, p.Number, string(p.Kind()), string(p.Status), p.Registration.Customer.Region,
		p.OwnerID, p.Deleted, formatTime(p.UpdatedAt))
	if err != nil {
		return 0, fmt.Errorf("write project %s: %w", p.ID, err)
	}
	if version == 1 { // new: nothing recorded to compare with or replace
		if err := tx.insertVisibility(p.ID, visible); err != nil {
			return 0, err
		}
	} else {
		if _, err := tx.SetVisibility(p.ID, visible); err != nil {
			return 0, err
		}
		if _, err := tx.exec("DELETE FROM project_attachments WHERE project_id = ?", p.ID); err != nil {
			return 0, fmt.Errorf("attachments of %s: %w", p.ID, err)
		}
	}
	if err := tx.addAttachments(p); err != nil {
		return 0, err
	}
	return seq, nil
}

func (tx *Tx) insertVisibility(projectID string, users []string) error {
	want := slices.Clone(users)
	slices.Sort(want)
	for _, u := range slices.Compact(want) {
		if _, err := tx.exec("INSERT INTO project_visibility (project_id, user_id) VALUES (?, ?)", projectID, u); err != nil {
			return fmt.Errorf("visibility of %s: %w", projectID, err)
		}
	}
	return nil
}

// SetVisibility records who may see a project, replacing the list before;
// changed says whether the list differs from the one recorded.
func (tx *Tx) SetVisibility(projectID string, users []string) (changed bool, err error) {
	want := slices.Clone(users)
	slices.Sort(want)
	want = slices.Compact(want)
	rows, err := tx.query("SELECT user_id FROM project_visibility WHERE project_id = ? ORDER BY user_id", projectID)
	if err != nil {
		return false, fmt.Errorf("visibility of %s: %w", projectID, err)
	}
	var have []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return false, fmt.Errorf("visibility of %s: %w", projectID, err)
		}
		have = append(have, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("visibility of %s: %w", projectID, err)
	}
	if slices.Equal(have, want) {
		return false, nil
	}
	if _, err := tx.exec("DELETE FROM project_visibility WHERE project_id = ?", projectID); err != nil {
		return false, fmt.Errorf("visibility of %s: %w", projectID, err)
	}
	return true, tx.insertVisibility(projectID, want)
}

// Touch gives a project the next sequence number without changing it, so
// that pulls deliver it again (to users who may now see it).
func (tx *Tx) Touch(projectID string) error {
	seq, err := tx.nextSeq()
	if err != nil {
		return err
	}
	if _, err := tx.exec("UPDATE projects SET seq = ? WHERE id = ?", seq, projectID); err != nil {
		return fmt.Errorf("touch project %s: %w", projectID, err)
	}
	return nil
}

// addAttachments records the attachments p refers to.
func (tx *Tx) addAttachments(p *domain.Project) error {
	for _, a := range p.Registration.Attachments {
		if a.SHA256 == "" {
			continue
		}
		_, err := tx.exec(`INSERT INTO project_attachments (sha256, project_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, a.SHA256, p.ID)
		if err != nil {
			return fmt.Errorf("attachments of %s: %w", p.ID, err)
		}
	}
	return nil
}

// ProjectIDs returns the ids of every stored project, tombstones too.
func (tx *Tx) ProjectIDs() ([]string, error) {
	rows, err := tx.query("SELECT id FROM projects ORDER BY seq")
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return out, nil
}

// AppliedChange is the record of a change the server has answered: who
// sent it from which device, and the answer (a wire.Result as JSON).
type AppliedChange struct {
	ChangeID  string
	ProjectID string
	UserID    string
	DeviceID  string
	Status    string
	Result    []byte
	At        time.Time
}

// AppliedChange returns the record of a change id; found is false when the
// server has never answered it.
func (tx *Tx) AppliedChange(changeID string) (rec AppliedChange, found bool, err error) {
	var at, result string
	err = tx.queryRow(`SELECT change_id, project_id, user_id, device_id, status, result, at
		FROM applied_changes WHERE change_id = ?`, changeID).
		Scan(&rec.ChangeID, &rec.ProjectID, &rec.UserID, &rec.DeviceID, &rec.Status, &result, &at)
	if err == sql.ErrNoRows {
		return AppliedChange{}, false, nil
	}
	if err != nil {
		return AppliedChange{}, false, fmt.Errorf("applied change %s: %w", changeID, err)
	}
	rec.Result = []byte(result)
	if rec.At, err = parseTime(at); err != nil {
		return AppliedChange{}, false, err
	}
	return rec, true, nil
}

// RecordChange records the answer to a change id.
func (tx *Tx) RecordChange(rec AppliedChange) error {
	_, err := tx.exec(`INSERT INTO applied_changes (change_id, project_id, user_id, device_id,
			status, result, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		rec.ChangeID, rec.ProjectID, rec.UserID, rec.DeviceID, rec.Status, string(rec.Result), formatTime(rec.At))
	if err != nil {
		return fmt.Errorf("record change %s: %w", rec.ChangeID, err)
	}
	return nil
}

// AppendJournal adds one line to the audit journal: the field changes one
// write made to a project, by whom, in which change, when.
func (tx *Tx) AppendJournal(projectID, changeID, actorID string, at time.Time, changes []domain.FieldChange) error {
	if changes == nil {
		changes = []domain.FieldChange{}
	}
	b, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("journal of %s: %w", projectID, err)
	}
	_, err = tx.exec(`INSERT INTO journal (project_id, change_id, actor_id, at, changes)
		VALUES (?, ?, ?, ?, ?)`, projectID, changeID, actorID, formatTime(at), string(b))
	if err != nil {
		return fmt.Errorf("journal of %s: %w", projectID, err)
	}
	return nil
}

// JournalLine is one line of a project's audit journal on the server.
type JournalLine struct {
	Seq      int64
	ChangeID string
	ActorID  string
	At       time.Time
	Changes  []domain.FieldChange
}

// Journal returns a project's audit journal, oldest first.
func (db *DB) Journal(ctx context.Context, projectID string) ([]JournalLine, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT seq, change_id, actor_id, at, changes FROM journal
		WHERE project_id = ? ORDER BY seq`, projectID)
	if err != nil {
		return nil, fmt.Errorf("journal of %s: %w", projectID, err)
	}
	defer rows.Close()
	var out []JournalLine
	for rows.Next() {
		var l JournalLine
		var at, changes string
		if err := rows.Scan(&l.Seq, &l.ChangeID, &l.ActorID, &at, &changes); err != nil {
			return nil, fmt.Errorf("journal of %s: %w", projectID, err)
		}
		if l.At, err = parseTime(at); err != nil {
			return nil, err
		}
		if l.Changes, err = JournalChanges(changes); err != nil {
			return nil, fmt.Errorf("journal of %s, line %d: %w", projectID, l.Seq, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// JournalChanges reads the changes column of a journal line: a JSON array
// of field changes, or a JSON object, the document a create stored (the
// push of a new project's whole document journals it as it is stored, which
// is half the bytes of its leaves and no work): then the line's changes are
// its leaves but updated_at, each set from null, sorted by path — what the
// leaves' way journals for the same create.
func JournalChanges(text string) ([]domain.FieldChange, error) {
	if !strings.HasPrefix(text, "{") {
		var out []domain.FieldChange
		err := json.Unmarshal([]byte(text), &out)
		return out, err
	}
	flat, err := domain.FlattenJSON([]byte(text))
	if err != nil {
		return nil, err
	}
	delete(flat, "updated_at")
	paths := slices.Sorted(maps.Keys(flat))
	out := make([]domain.FieldChange, len(paths))
	for i, k := range paths {
		out[i] = domain.FieldChange{Path: k, Old: "null", New: flat[k]}
	}
	return out, nil
}

// NextNumber takes the next registration number of a prefix and year: 1 for
// the first of the year, then 2, 3, … with no gaps (the counter moves only
// when the transaction that uses the number commits).
func (tx *Tx) NextNumber(prefix string, year int) (int64, error) {
	var n int64
	err := tx.queryRow(`INSERT INTO number_counters (prefix, year, last) VALUES (?, ?, 1)
		ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1 RETURNING last`, prefix, year).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next number %s-%d: %w", prefix, year, err)
	}
	return n, nil
}

// NumberTaken reports whether a project holds the registration number.
func (tx *Tx) NumberTaken(number string) (bool, error) {
	var n int
	if err := tx.queryRow("SELECT count(*) FROM projects WHERE number = ?", number).Scan(&n); err != nil {
		return false, fmt.Errorf("number %s: %w", number, err)
	}
	return n > 0, nil
}

// PulledRow is one project of a pull page: its sequence number, version
// and stored JSON document.
type PulledRow struct {
	Seq     int64
	Version int64
	Doc     []byte
}

// Page is one page of a pull: the projects changed after the cursor that
// the user may see, in sequence order; Cursor is what to ask from next and
// More whether more waits.
type Page struct {
	Rows   []PulledRow
	Cursor int64
	More   bool
}

// Own names rows a device has already: those among the sequence numbers
// in Ranges (each [first, last]) that its own pushes wrote last (writer).
type Own struct {
	Device string
	Ranges [][2]int64
}

// where is the condition that leaves out the rows of o, with its
// arguments ("" when o leaves out nothing).
func (o Own) where() (string, []any) {
	if o.Device == "" || len(o.Ranges) == 0 {
		return "", nil
	}
	var b strings.Builder
	args := []any{o.Device}
	b.WriteString(" AND NOT (p.writer = ? AND (")
	for i, r := range o.Ranges {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString("p.seq BETWEEN ? AND ?")
		args = append(args, r[0], r[1])
	}
	b.WriteString("))")
	return b.String(), args
}

// Pull returns the projects with seq > since that userID may see (every
// project when all is set), at most limit of them, in sequence order. When
// the page is not full the cursor moves to the end of the sequence as this
// read saw it, so projects the user may not see are never scanned again.
func (db *DB) Pull(ctx context.Context, userID string, all bool, since int64, limit int) (Page, error) {
	return db.PullOwn(ctx, userID, all, since, limit, Own{})
}

// PullOwn is Pull leaving out the rows own names.
func (db *DB) PullOwn(ctx context.Context, userID string, all bool, since int64, limit int, own Own) (Page, error) {
	var page Page
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return Page{}, fmt.Errorf("pull: %w", err)
	}
	defer tx.Rollback()
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'seq'").Scan(&last); err != nil {
		return Page{}, fmt.Errorf("pull: %w", err)
	}
	var rows *sql.Rows
	leaveOut, ownArgs := own.where()
	if all {
		rows, err = tx.QueryContext(ctx, "SELECT p.seq, p.version, p.doc FROM projects p WHERE p.seq > ?"+leaveOut+
			" ORDER BY p.seq LIMIT ?", append(append([]any{since}, ownArgs...), limit+1)...)
	} else {
		rows, err = tx.QueryContext(ctx, `SELECT p.seq, p.version, p.doc FROM projects p
			WHERE p.seq > ? AND EXISTS (SELECT 1 FROM project_visibility v WHERE v.project_id = p.id AND v.user_id = ?)`+
			leaveOut+` ORDER BY p.seq LIMIT ?`, append(append([]any{since, userID}, ownArgs...), limit+1)...)
	}
	if err != nil {
		return Page{}, fmt.Errorf("pull: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r PulledRow
		if err := rows.Scan(&r.Seq, &r.Version, &r.Doc); err != nil {
			return Page{}, fmt.Errorf("pull: %w", err)
		}
		page.Rows = append(page.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("pull: %w", err)
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		page.More = true
		page.Cursor = page.Rows[limit-1].Seq
	} else {
		page.Cursor = last
	}
	return page, nil
}

// Visible reports whether userID may see the project (by the recorded
// visibility).
func (tx *Tx) Visible(projectID, userID string) (bool, error) {
	var n int
	err := tx.queryRow("SELECT count(*) FROM project_visibility WHERE project_id = ? AND user_id = ?",
		projectID, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("visibility of %s: %w", projectID, err)
	}
	return n > 0, nil
}
