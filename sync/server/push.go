package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"lixiang/domain"
	"lixiang/sync/server/sqlite"
	"lixiang/sync/wire"
)

// chinaTime is the company's time zone: the year of a registration number
// is the year in Beijing when the server accepts the submission.
var chinaTime = time.FixedZone("CST", 8*60*60)

// Registration-number prefixes: 实施登记号 (local, SaaS) and 问题登记号 (upgrade).
const (
	prefixRegistration = "SSDJ"
	prefixIssue        = "WTDJ"
)

// maxPathLen bounds a field path; real ones are far shorter.
const maxPathLen = 300

// maxResolves bounds the conflicts one edit settles.
const maxResolves = 1000

// checkPush refuses a malformed batch as a whole, before anything is
// applied: every change needs a lower-case UUID id and project id, a known
// kind, a command for an action (and none for an edit), and field changes
// whose values are JSON; a document only on a create (base version 0,
// kind edit, no field changes), and an object.
func checkPush(req *wire.PushRequest) domain.Problems {
	var ps domain.Problems
	add := func(path, zh, en string) {
		ps = append(ps, domain.Problem{Path: path, Code: domain.PFormat, Message: zh, English: en})
	}
	if len(req.DeviceID) > 200 {
		add("device_id", "设备 ID 过长", "the device id is too long")
	}
	seen := map[string]bool{}
	for i, c := range req.Changes {
		p := fmt.Sprintf("changes[%d]", i)
		if !domain.ValidID(c.ID) {
			add(p+".id", "修改 ID 须为小写 UUID", "the change id must be a lower-case UUID")
		}
		if seen[c.ID] {
			add(p+".id", "同一批次中修改 ID 重复："+c.ID, "the change id appears twice in the batch: "+c.ID)
		}
		seen[c.ID] = true
		if !domain.ValidID(c.ProjectID) {
			add(p+".project_id", "项目 ID 须为小写 UUID", "the project id must be a lower-case UUID")
		}
		if c.BaseVersion < 0 {
			add(p+".base_version", "基础版本不能为负数", "the base version must not be negative")
		}
		if c.Doc != nil {
			if c.Kind != wire.KindEdit || c.BaseVersion != 0 || len(c.Changes) > 0 || len(c.Doc) == 0 || c.Doc[0] != '{' {
				add(p+".doc", "项目文档只能由新建项目的编辑修改携带（基础版本 0，不带字段修改），且须为 JSON 对象",
					"a document comes only with the edit that creates a project (base version 0, no field changes) and is a JSON object")
			}
		}
		switch c.Kind {
		case wire.KindEdit:
			if c.Command != nil {
				add(p+".command", "编辑修改不能携带流程操作", "an edit carries no command")
			}
		case wire.KindAction:
			if c.Command == nil || c.Command.Action == "" {
				add(p+".command", "流程操作须注明操作", "an action needs its command")
			}
		default:
			add(p+".kind", "修改类型须为 edit 或 action", "the kind must be edit or action")
		}
		if len(c.Resolves) > 0 && c.Kind != wire.KindEdit {
			add(p+".resolves", "只有编辑修改能解决冲突", "only an edit settles conflicts")
		}
		if len(c.Resolves) > maxResolves {
			add(p+".resolves", fmt.Sprintf("一次修改最多解决 %d 处冲突", maxResolves), fmt.Sprintf("an edit settles at most %d conflicts", maxResolves))
		}
		ids := map[string]bool{}
		for j, id := range c.Resolves {
			rp := fmt.Sprintf("%s.resolves[%d]", p, j)
			if !domain.ValidConflictID(id) {
				add(rp, "冲突标识须为“修改ID:字段路径”", "a conflict id is \"<change_id>:<path>\"")
			}
			if ids[id] {
				add(rp, "同一修改中冲突标识重复："+id, "the conflict id appears twice in one change: "+id)
			}
			ids[id] = true
		}
		paths := map[string]bool{}
		for j, fc := range c.Changes {
			fp := fmt.Sprintf("%s.changes[%d]", p, j)
			if fc.Path == "" || len(fc.Path) > maxPathLen || strings.ContainsAny(fc.Path, " \t\r\n") {
				add(fp+".path", "字段路径为空或格式不正确", "the field path is empty or malformed")
			}
			if paths[fc.Path] {
				add(fp+".path", "同一修改中字段重复："+fc.Path, "the field appears twice in one change: "+fc.Path)
			}
			paths[fc.Path] = true
			if !json.Valid([]byte(fc.Old)) {
				add(fp+".old", "旧值须为 JSON（空值写 null）", "the old value must be JSON (null when absent)")
			}
			if !json.Valid([]byte(fc.New)) {
				add(fp+".new", "新值须为 JSON（空值写 null）", "the new value must be JSON (null when absent)")
			}
		}
	}
	return ps
}

// section is the part of a project a field path belongs to, which decides
// who may change it.
type section int

const (
	secUnknown  section = iota
	secIgnored          // updated_at: the server stamps it
	secWorkflow         // changed only by workflow actions and the server
	secRegistration
	secHandover
	secInitiation
	secConflicts
)

// workflowFields change only through Apply or the server, never by an edit.
var workflowFields = map[string]bool{"id": true, "status": true, "approval": true, "decisions": true,
	"number": true, "receiver_id": true, "new_contract_confirmed": true, "owner_id": true,
	"created_at": true, "deleted": true}

// topKey is the first key of a field path: "registration" of
// "registration.systems[1].vendor".
func topKey(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

func sectionOf(path string) section {
	switch k := topKey(path); {
	case k == "updated_at" && k == path:
		return secIgnored
	case workflowFields[k]:
		return secWorkflow
	case k == "registration":
		return secRegistration
	case k == "handover":
		return secHandover
	case k == "initiation":
		return secInitiation
	case k == "conflicts":
		return secConflicts
	}
	return secUnknown
}

// mayEdit reports whether actor may change a section of p now.
func mayEdit(p *domain.Project, sec section, actor domain.User) bool {
	switch sec {
	case secRegistration:
		return p.CanEditRegistration(actor)
	case secHandover:
		return p.CanEditHandover(actor)
	case secInitiation:
		return p.CanEditInitiation(actor)
	}
	return false
}

// fieldForbidden is the refusal of changes to the fields at paths that
// the project's state (or who the person is) does not allow: a sentence
// saying why, without the paths, and each field as a problem of its own
// (its path and the reason), for a client to show by the field's label. A
// discarded draft (已删除的草稿) says so, not the status it had.
func fieldForbidden(p *domain.Project, paths ...string) error {
	var top *domain.Error
	var zh, en string
	switch {
	case p.Deleted:
		top = domain.Errorf(domain.EFORBIDDEN, "项目草稿已删除，不能再修改", "the draft was discarded: it can no longer be changed")
		zh, en = "草稿已删除，不能再修改", "the draft was discarded: it cannot be changed"
	case len(paths) == 1:
		top = domain.Errorf(domain.EFORBIDDEN, "您现在不能修改这个字段（项目当前状态：%[1]s）", "you may not change this field now (the project is %[2]s)",
			p.Status.Label(), string(p.Status))
	default:
		top = domain.Errorf(domain.EFORBIDDEN, "您现在不能修改这些字段（项目当前状态：%[1]s）", "you may not change these fields now (the project is %[2]s)",
			p.Status.Label(), string(p.Status))
	}
	if !p.Deleted {
		zh, en = fmt.Sprintf("现在不能修改（项目当前状态：%s）", p.Status.Label()), fmt.Sprintf("cannot be changed now (the project is %s)", p.Status)
	}
	ps := make(domain.Problems, len(paths))
	for i, path := range paths {
		ps[i] = domain.Problem{Path: path, Code: domain.EFORBIDDEN, Message: zh, English: en}
	}
	return &fieldsRefused{err: top, problems: ps}
}

// fieldsRefused is a refusal with the problem of each field it is about;
// the answer carries both (toWire).
type fieldsRefused struct {
	err      *domain.Error
	problems domain.Problems
}

func (e *fieldsRefused) Error() string   { return e.err.Error() + ": " + e.problems.Error() }
func (e *fieldsRefused) Unwrap() []error { return []error{e.err, e.problems} }

// authorise checks every field change of an edit against the project as
// the server has it now and returns the changes to merge (updated_at,
// which the server stamps, left out). A change that sets a field to the
// value it holds already changes nothing, so it is never refused for who
// may edit the field or the project's state: it is left out (a device
// sending its copy again, or a desktop that imported a record the
// administrator imported on the server too). The rest of the changes are
// judged as they are.
func authorise(p *domain.Project, changes []domain.FieldChange, actor domain.User) ([]domain.FieldChange, error) {
	out := make([]domain.FieldChange, 0, len(changes))
	cur := current{p: p}
	var forbidden []string // fields the person may not change now, each named in the refusal
	for _, c := range changes {
		switch sec := sectionOf(c.Path); sec {
		case secIgnored:
			continue
		case secWorkflow:
			same, err := cur.holds(c.Path, c.New)
			if err != nil {
				return nil, err
			}
			if same {
				continue
			}
			return nil, domain.Errorf(domain.EFORBIDDEN, "字段 %s 只能通过流程操作改变，不能直接修改",
				"%s changes only through workflow actions, never by an edit", c.Path)
		case secUnknown:
			return nil, domain.Errorf(domain.EINVALID, "未知字段：%s", "unknown field: %s", c.Path)
		case secConflicts:
			// Conflicts are settled by identity (Change.Resolves); the rows
			// an edit of before changed are read as such beforehand
			// (domain.LegacyConflictEdits). What is left names no row.
			return nil, domain.Errorf(domain.EFORBIDDEN, "冲突记录由服务器添加，只能按冲突标识解决：%s",
				"conflicts are recorded by the server and settled by their id: %s", c.Path)
		default:
			if !mayEdit(p, sec, actor) {
				same, err := cur.holds(c.Path, c.New)
				if err != nil {
					return nil, err
				}
				if same {
					continue
				}
				forbidden = append(forbidden, c.Path)
				continue
			}
		}
		out = append(out, c)
	}
	if len(forbidden) > 0 {
		return nil, fieldForbidden(p, forbidden...)
	}
	return out, nil
}

// current is the project an edit is checked against, with its leaves and
// its JSON text read the first time they are needed (only a change of a
// field the person may not edit needs them).
type current struct {
	p    *domain.Project
	flat map[string]string
	doc  []byte
}

// holds reports whether the field at path holds value (JSON text, "null"
// for absent) already: the same JSON value, as domain.Merge compares
// (key order, spacing and escapes aside), or one the project's types read
// as the value there (a count sent as the text "12" where the project has
// the number 12), so that setting it leaves the project's document as it
// is. A value the field cannot take is not held.
func (c *current) holds(path, value string) (bool, error) {
	if c.flat == nil {
		flat, err := domain.Flatten(c.p)
		if err != nil {
			return false, fmt.Errorf("read project %s: %w", c.p.ID, err)
		}
		c.flat = flat
	}
	now, ok := c.flat[path]
	if !ok {
		now = "null"
	}
	if domain.SameJSON(now, value) {
		return true, nil
	}
	set, err := domain.SetFields(c.p, map[string]string{path: value})
	if err != nil {
		return false, nil // not a value of the field: judged as a change
	}
	if c.doc == nil {
		if c.doc, err = json.Marshal(c.p); err != nil {
			return false, fmt.Errorf("encode project %s: %w", c.p.ID, err)
		}
	}
	doc, err := json.Marshal(set)
	if err != nil {
		return false, fmt.Errorf("encode project %s: %w", c.p.ID, err)
	}
	return bytes.Equal(doc, c.doc), nil
}

// outcome is what applying one change did.
type outcome struct {
	project    *domain.Project // to write; nil when nothing changed
	doc        []byte          // project's JSON text, when known (else encoded when written)
	journal    []domain.FieldChange
	docJournal bool // the journal line is the document stored (a create's whole document)
	conflicts  []domain.Conflict
	gone       []string // the conflicts it settles that were no longer open
}

// isRefusal tells a refusal (the change breaks a rule: the person must look
// at it) from an internal failure (the request fails and rolls back).
func isRefusal(err error) bool {
	var de *domain.Error
	var ps domain.Problems
	switch {
	case errors.As(err, &de):
		return de.Code != domain.EINTERNAL
	case errors.As(err, &ps):
		return true
	}
	return false
}

// invalid wraps an error of decoding or merging client input as a refusal.
func invalid(err error) error {
	if isRefusal(err) {
		return err
	}
	return domain.Errorf(domain.EINVALID, "修改无法应用：%v", "the change cannot be applied: %v", err)
}

// run is one push request being applied inside its transaction: every
// project it touches is read once (all in one statement) and kept in
// memory while its changes apply one after another, in order, each seeing
// what the ones before it did; at the end each project is written once and
// the journal lines and answers go in with multi-row statements.
type run struct {
	tx      *sqlite.Tx
	org     *domain.Org
	actor   domain.User
	device  string
	now     time.Time
	applied map[string]sqlite.AppliedChange // change ids answered before
	rows    map[string]sqlite.Row           // the projects as stored before the push
	asked   map[string]bool                 // the ids rows was read for (a missing one is not stored)
	states  map[string]*state               // the projects as the push has them now
	docs    map[string]*domain.Project      // the documents of creates, by change id, decoded beforehand (decodeDocs)
	writes  int                             // writes so far (orders the rows written)
	numbers map[string]bool                 // registration numbers given in this push
	journal []sqlite.JournalEntry
	records []sqlite.AppliedChange
	results []wire.Result  // the answers so far, in order
	last    map[string]int // the answer of the last change that wrote each project
}

// state is a project as the push has it now.
type state struct {
	p       *domain.Project // nil: not on the server
	doc     []byte          // p's JSON text when known
	version int64
	stored  bool // it has a row
	written int  // the write that changed it last (0: unchanged)
}

func newRun(tx *sqlite.Tx, org *domain.Org, actor domain.User, device string, changes []wire.Change, docs map[string]*domain.Project, now time.Time) (*run, error) {
	ids := make([]string, len(changes))
	projects := make([]string, 0, len(changes))
	seen := make(map[string]bool, len(changes))
	for i, c := range changes {
		ids[i] = c.ID
		if !seen[c.ProjectID] {
			seen[c.ProjectID] = true
			projects = append(projects, c.ProjectID)
		}
	}
	applied, err := tx.AppliedChanges(ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Rows(projects)
	if err != nil {
		return nil, err
	}
	return &run{tx: tx, org: org, actor: actor, device: device, now: now, applied: applied, rows: rows, asked: seen,
		states: make(map[string]*state, len(projects)), docs: docs, numbers: map[string]bool{},
		results: make([]wire.Result, 0, len(changes)), last: make(map[string]int, len(projects))}, nil
}

// state returns the project as the push has it now.
func (r *run) state(id string) (*state, error) {
	if st, ok := r.states[id]; ok {
		return st, nil
	}
	row, ok := r.rows[id]
	if !ok && !r.asked[id] { // an original project named by an upgrade, say
		rows, err := r.tx.Rows([]string{id})
		if err != nil {
			return nil, err
		}
		row, ok = rows[id]
	}
	st := &state{}
	if ok {
		p, err := row.Decode(id)
		if err != nil {
			return nil, err
		}
		st.p, st.version, st.stored = p, row.Version, true
	}
	r.states[id] = st
	return st, nil
}

// checkParent refuses an upgrade whose original project is not on the
// server (or comes in this push before it).
func (r *run) checkParent(parentID string) error {
	st, err := r.state(parentID)
	if err != nil {
		return err
	}
	if st.p == nil || st.p.Deleted {
		return domain.Errorf(domain.EINVALID,
			"问题登记所属的原有项目（%[1]s）不在服务器上：请先同步原项目，或选择其他项目",
			"the original project of this issue registration (%[1]s) is not on the server: sync it first or choose another", parentID)
	}
	return nil
}

// createSection refuses a field a new project cannot set: only its
// registration and its id, status, applicant and creation time.
func createSection(path string) error {
	switch sectionOf(path) {
	case secIgnored, secRegistration:
		return nil
	}
	if k := topKey(path); k != path || (k != "id" && k != "status" && k != "owner_id" && k != "created_at") {
		return domain.Errorf(domain.EFORBIDDEN, "新建项目时不能设置 %s", "a new project cannot set %s", path)
	}
	return nil
}

// create builds a new project from the field changes of its first save.
func (r *run) create(c wire.Change) (*outcome, error) {
	sets := make(map[string]string, len(c.Changes))
	var journal []domain.FieldChange
	for _, fc := range c.Changes {
		if err := createSection(fc.Path); err != nil {
			return nil, err
		}
		if sectionOf(fc.Path) == secIgnored {
			continue
		}
		sets[fc.Path] = fc.New
		journal = append(journal, fc)
	}
	p, err := buildProject(sets)
	if err != nil {
		return nil, err
	}
	if v, ok := sets["created_at"]; !ok || v == "null" {
		p.CreatedAt = r.now // not sent: the server's time
	}
	return r.checkNew(c, p, journal)
}

// decodeDocs decodes the documents of the creates of a push before its
// transaction begins (decoding is most of a create's work, and needs no
// database), on every core: by change id, the project when the document
// is exactly what encoding/json writes for it, else nil.
func decodeDocs(changes []wire.Change) map[string]*domain.Project {
	var todo []int
	for i, c := range changes {
		if c.Doc != nil {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	out := make([]*domain.Project, len(todo))
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for k := w; k < len(todo); k += workers {
				out[k], _ = decodeCanonical(changes[todo[k]].Doc)
			}
		})
	}
	wg.Wait()
	m := make(map[string]*domain.Project, len(todo))
	for k, i := range todo {
		m[changes[i].ID] = out[k]
	}
	return m
}

// sentDoc returns the decoded document of a change (decodeDocs), which is
// the run's from now on.
func (r *run) sentDoc(c wire.Change) *domain.Project {
	p, ok := r.docs[c.ID]
	if !ok {
		p, _ = decodeCanonical(c.Doc)
	}
	delete(r.docs, c.ID)
	return p
}

// createDoc builds a new project from the whole document of its first save
// (Change.Doc): the same project, checks and journal as create makes of
// the document's leaves sent as field changes, with the document decoded
// once. A document as encoding/json writes it (a client's) whose members
// a create may set and that holds no null is decoded as it is and stored
// as it came with the server's times put in; anything else takes the
// leaves' way, which names what is wrong.
func (r *run) createDoc(c wire.Change) (*outcome, error) {
	p := r.sentDoc(c)
	if p != nil && !hasNull(c.Doc) {
		keys, err := domain.TopLevelKeys(c.Doc)
		if err != nil {
			p = nil
		}
		for _, k := range keys {
			if createSection(k) != nil {
				p = nil // the leaves' way names the field
			}
		}
	} else {
		p = nil
	}
	if p == nil {
		leaves, err := docLeaves(c.Doc)
		if err != nil {
			return nil, err
		}
		return r.create(wire.Change{ID: c.ID, ProjectID: c.ProjectID, Kind: c.Kind, Changes: leaves})
	}
	out, err := r.checkNew(c, p, nil)
	if err != nil {
		return nil, err
	}
	// checkNew set the times as StampTimes does. The journal line is the
	// document as stored (sqlite.Journal reads it as its leaves).
	out.doc = domain.StampTimes(c.Doc, p.UpdatedAt)
	out.docJournal = true
	return out, nil
}

// hasNull reports whether a document may hold a null (a null leaf is an
// absent field; the leaves' way builds what it means).
func hasNull(doc []byte) bool {
	return bytes.Contains(doc, []byte(":null")) || bytes.Contains(doc, []byte("[null")) || bytes.Contains(doc, []byte(",null"))
}

// docLeaves returns the leaves of a document as the field changes of a
// create (old values null), sorted by path, as a client's save of a new
// project records them.
func docLeaves(doc []byte) ([]domain.FieldChange, error) {
	if len(doc) == 0 || doc[0] != '{' {
		return nil, domain.Errorf(domain.EINVALID, "项目文档须为 JSON 对象", "the project document must be a JSON object")
	}
	flat, err := domain.FlattenJSON(doc)
	if err != nil {
		return nil, invalid(err)
	}
	// The paths are sorted, not the changes (a third of the work).
	paths := make([]string, 0, len(flat))
	for k := range flat {
		paths = append(paths, k)
	}
	slices.Sort(paths)
	out := make([]domain.FieldChange, len(paths))
	for i, k := range paths {
		out[i] = domain.FieldChange{Path: k, Old: "null", New: flat[k]}
	}
	return out, nil
}

// decodeCanonical decodes a project document when it is exactly what
// encoding/json writes for the project it decodes to: then no field is
// unknown or ill-typed (a strict decode would accept it), and the project
// is the one its leaves build (no row of a list is empty: building drops
// it; an empty object as a field's value is that field's zero either way).
func decodeCanonical(doc []byte) (*domain.Project, bool) {
	if bytes.Contains(doc, []byte("[{}")) || bytes.Contains(doc, []byte(",{}")) {
		return nil, false
	}
	var p domain.Project
	if domain.DecodeJSON(doc, &p) != nil {
		return nil, false
	}
	again, err := json.Marshal(&p)
	if err != nil || !bytes.Equal(again, doc) {
		return nil, false
	}
	return &p, true
}

// checkNew checks a new project against the rules of a create.
func (r *run) checkNew(c wire.Change, p *domain.Project, journal []domain.FieldChange) (*outcome, error) {
	actor := r.actor
	if p.ID != c.ProjectID {
		return nil, domain.Errorf(domain.EINVALID, "新项目的 id 字段（%s）与修改的项目 ID 不一致", "the new project's id (%s) differs from the change's project id", p.ID)
	}
	if p.Status != domain.StatusDraft {
		return nil, domain.Errorf(domain.EFORBIDDEN, "新项目须为草稿状态", "a new project must be a draft")
	}
	if p.OwnerID != actor.ID {
		return nil, domain.Errorf(domain.EFORBIDDEN, "只能以自己为申请人新建项目", "you can only create projects as their applicant")
	}
	k := p.Kind()
	if !k.Valid() {
		return nil, domain.Errorf(domain.EINVALID, "项目类型须为 local、saas 或 upgrade", "the kind must be local, saas or upgrade")
	}
	if !actor.Has(domain.RoleSales) && !(k == domain.KindLocal && actor.Has(domain.RolePresales)) {
		zh, en := "销售", "sales"
		if k == domain.KindLocal {
			zh, en = "销售或售前", "sales or presales"
		}
		return nil, domain.Errorf(domain.EFORBIDDEN, "%[1]s须由%[2]s发起", "a registration of the kind %[3]q is raised by %[4]s",
			k.FormName(), zh, k.LabelEN(), en)
	}
	if err := checkAttachments(p); err != nil {
		return nil, err
	}
	if k == domain.KindUpgrade && p.Registration.ParentID != "" {
		if err := r.checkParent(p.Registration.ParentID); err != nil {
			return nil, err
		}
	}
	if err := checkCreatedAt(p.CreatedAt, r.now); err != nil {
		return nil, err
	}
	// A whole document keeps the time of the save that made it, on the
	// device, when it can be (not before its creation nor a day ahead of
	// the server's clock): so the device's copy is already what the server
	// stored. Field changes never carry it: the server's time.
	if p.UpdatedAt.Before(p.CreatedAt) || p.UpdatedAt.After(r.now.Add(creationLead)) {
		p.UpdatedAt = r.now
	}
	return &outcome{project: p, journal: journal}, nil
}

// edit merges the field changes of a save into the project as the server
// has it: fields nobody else changed take the new value; fields someone
// else changed differently become conflicts, kept on the project.
func (r *run) edit(cur *domain.Project, c wire.Change) (*outcome, error) {
	actor := r.actor
	// Conflicts are settled by identity: an edit of before names them by
	// their rows, read against the list as it is here.
	if domain.AddsConflictRow(c.Changes) {
		return nil, domain.Errorf(domain.EFORBIDDEN, "冲突记录由服务器添加，不能新建", "conflicts are recorded by the server, not added by an edit")
	}
	changes, resolved, stale := domain.LegacyConflictEdits(cur, c.Changes)
	resolved = append(slices.Clone(c.Resolves), resolved...)
	for _, id := range resolved {
		// A conflict is settled by whoever may edit the field it is about.
		if i := domain.IndexOfConflict(cur.Conflicts, id); i >= 0 {
			if path := cur.Conflicts[i].Path; !mayEdit(cur, sectionOf(path), actor) {
				return nil, fieldForbidden(cur, path)
			}
		}
	}
	changes, err := authorise(cur, changes, actor)
	if err != nil {
		return nil, err
	}
	if err := checkFields(changes); err != nil {
		return nil, err
	}
	if err := checkAttachmentEdits(cur, changes); err != nil {
		return nil, err
	}
	kept, gone := domain.RemoveConflicts(cur.Conflicts, resolved)
	gone = append(gone, stale...)
	// The value chosen for a conflict that is gone (someone settled it
	// meanwhile) is shown beside the value there, not put over it.
	var contested func(string) bool
	if len(gone) > 0 {
		contested = func(path string) bool {
			for _, id := range gone {
				if p := domain.ConflictPath(id); path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
					return true
				}
			}
			return false
		}
	}
	merged, applied, conflicts, err := domain.MergeContested(cur, changes, contested)
	if err != nil {
		return nil, invalid(err)
	}
	if !merged.Kind().Valid() {
		return nil, domain.Errorf(domain.EINVALID, "项目类型须为 local、saas 或 upgrade", "the kind must be local, saas or upgrade")
	}
	reg := &merged.Registration
	if reg.Kind == domain.KindUpgrade && reg.ParentID != "" && reg.ParentID != cur.Registration.ParentID {
		if err := r.checkParent(reg.ParentID); err != nil {
			return nil, err
		}
	}
	settled := len(kept) != len(cur.Conflicts)
	for i := range conflicts {
		conflicts[i].ActorID, conflicts[i].ChangeID, conflicts[i].At = actor.ID, c.ID, r.now
	}
	merged.Conflicts = append(slices.Clone(kept), conflicts...)
	if len(merged.Conflicts) == 0 {
		merged.Conflicts = nil
	}
	if len(applied) == 0 && len(conflicts) == 0 && !settled {
		return &outcome{gone: gone}, nil
	}
	merged.UpdatedAt = r.now
	// The journal keeps what changed, the settled conflicts as the rows of
	// the list that changed; a new conflict is kept on the project.
	journal := applied
	if settled {
		rows, err := domain.Diff(&domain.Project{Conflicts: cur.Conflicts}, &domain.Project{Conflicts: kept})
		if err != nil {
			return nil, err
		}
		journal = append(slices.Clone(applied), rows...)
	}
	return &outcome{project: merged, journal: journal, conflicts: conflicts, gone: gone}, nil
}

// action carries out a workflow command on the project as the server has
// it, with the domain's rules (the field changes the device made for it are
// not trusted). A first accepted submission gets its registration number.
// The project is changed on a copy: a refused command leaves it as it was.
func (r *run) action(cur *domain.Project, c wire.Change) (*outcome, error) {
	p, err := clone(cur)
	if err != nil {
		return nil, err
	}
	if c.Command.Action == domain.ActSubmit && p.Kind() == domain.KindUpgrade && p.Registration.ParentID != "" {
		if err := r.checkParent(p.Registration.ParentID); err != nil {
			return nil, err
		}
	}
	if _, err := p.Apply(*c.Command, r.actor, r.org, r.now); err != nil {
		return nil, err
	}
	if c.Command.Action == domain.ActSubmit && p.Number == "" {
		if err := r.assignNumber(p); err != nil {
			return nil, err
		}
	}
	journal, err := domain.Diff(cur, p)
	if err != nil {
		return nil, err
	}
	return &outcome{project: p, journal: journal}, nil
}

// assignNumber gives a project the next registration number of its kind
// and year: SSDJ-2026-0001 (实施登记号) or WTDJ-2026-0001 (问题登记号).
func (r *run) assignNumber(p *domain.Project) error {
	prefix := prefixRegistration
	if p.Kind() == domain.KindUpgrade {
		prefix = prefixIssue
	}
	year := r.now.In(chinaTime).Year()
	for range 1000 {
		n, err := r.tx.NextNumber(prefix, year)
		if err != nil {
			return err
		}
		num := fmt.Sprintf("%s-%d-%04d", prefix, year, n)
		taken := r.numbers[num]
		if !taken {
			if taken, err = r.tx.NumberTaken(num); err != nil {
				return err
			}
		}
		if !taken {
			p.Number = num
			r.numbers[num] = true
			return nil
		}
	}
	return fmt.Errorf("no free registration number for %s-%d", prefix, year)
}

func clone(p *domain.Project) (*domain.Project, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("copy project: %w", err)
	}
	var c domain.Project
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("copy project: %w", err)
	}
	return &c, nil
}

// applyChange answers one change (kept in r.results): the recorded answer
// again for a change id seen before, otherwise the change applied (or
// refused) and its answer recorded. Only an internal failure is an error,
// and it fails the whole push.
func (r *run) applyChange(c wire.Change) (wire.Result, error) {
	res, err := r.answer(c)
	if err == nil {
		r.results = append(r.results, res)
	}
	return res, err
}

func (r *run) answer(c wire.Change) (wire.Result, error) {
	if rec, found := r.applied[c.ID]; found {
		if rec.UserID != r.actor.ID {
			return refused(c, nil, domain.Errorf(domain.ECONFLICT, "修改 ID %s 已被其他用户使用", "change id %s was used by another user", c.ID)), nil
		}
		var res wire.Result
		if err := json.Unmarshal(rec.Result, &res); err != nil {
			return wire.Result{}, fmt.Errorf("decode recorded result of %s: %w", c.ID, err)
		}
		res.Original, res.Status = res.Status, wire.StatusDuplicate
		return res, nil
	}
	res, err := r.apply(c)
	if err != nil {
		return wire.Result{}, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return wire.Result{}, fmt.Errorf("encode result: %w", err)
	}
	r.records = append(r.records, sqlite.AppliedChange{ChangeID: c.ID, ProjectID: c.ProjectID, UserID: r.actor.ID,
		DeviceID: r.device, Status: res.Status, Result: b, At: r.now})
	return res, nil
}

// refused is the answer to a change the server will not apply.
func refused(c wire.Change, cur *state, err error) wire.Result {
	we, _, _ := toWire(err)
	res := wire.Result{ChangeID: c.ID, Status: wire.StatusRefused, ProjectID: c.ProjectID, Error: &we}
	if cur != nil && cur.p != nil {
		res.Version, res.Number = cur.version, cur.p.Number
	}
	return res
}

func (r *run) apply(c wire.Change) (wire.Result, error) {
	st, err := r.state(c.ProjectID)
	if err != nil {
		return wire.Result{}, err
	}
	cur := st.p
	var out *outcome
	switch {
	case cur == nil && c.Kind == wire.KindEdit && c.BaseVersion == 0 && c.Doc != nil:
		out, err = r.createDoc(c)
	case cur == nil && c.Kind == wire.KindEdit && c.BaseVersion == 0:
		out, err = r.create(c)
	case cur == nil:
		err = domain.Errorf(domain.ENOTFOUND, "服务器上没有此项目（%s）：请先同步项目的创建", "the server has no project %s: sync its creation first", c.ProjectID)
	case !canSee(cur, r.actor, r.org):
		err = domain.Errorf(domain.EFORBIDDEN, "您无权查看或修改此项目", "you may not see or change this project")
	case c.Kind == wire.KindEdit && c.Doc != nil:
		// The project is on the server already (imported by someone
		// else, say): the document's leaves merge as the field changes
		// of a create would.
		c.Changes, err = docLeaves(c.Doc)
		if err == nil {
			out, err = r.edit(cur, c)
		}
	case c.Kind == wire.KindEdit:
		out, err = r.edit(cur, c)
	default:
		out, err = r.action(cur, c)
	}
	if err != nil {
		if !isRefusal(err) {
			return wire.Result{}, err
		}
		return refused(c, st, err), nil
	}
	res := wire.Result{ChangeID: c.ID, ProjectID: c.ProjectID, Status: wire.StatusApplied, Conflicts: out.conflicts,
		GoneConflicts: out.gone}
	if len(out.conflicts) > 0 {
		res.Status = wire.StatusConflict
	}
	if out.project == nil { // nothing to change: every field already so
		res.Version, res.Number = st.version, cur.Number
		return res, nil
	}
	doc := out.doc
	if doc == nil {
		if doc, err = json.Marshal(out.project); err != nil {
			return wire.Result{}, fmt.Errorf("encode project %s: %w", c.ProjectID, err)
		}
	}
	r.writes++
	st.p, st.doc, st.version, st.written = out.project, doc, st.version+1, r.writes
	r.last[c.ProjectID] = len(r.results)
	if res.Status == wire.StatusApplied && c.Kind == wire.KindEdit {
		// What the device needs to rebuild the document it made.
		sum := sha256.Sum256(doc)
		res.DocSHA256, res.UpdatedAt = hex.EncodeToString(sum[:]), out.project.UpdatedAt
	}
	journal := doc
	if !out.docJournal {
		if out.journal == nil {
			out.journal = []domain.FieldChange{}
		}
		journal = domain.AppendFieldChanges(nil, out.journal)
	}
	r.journal = append(r.journal, sqlite.JournalEntry{ProjectID: c.ProjectID, ChangeID: c.ID, ActorID: r.actor.ID,
		At: r.now, Changes: journal})
	res.Version, res.Number = st.version, out.project.Number
	return res, nil
}

// flush writes what the push did: each changed project once (in the order
// of their last changes, each under its own sequence number), the journal
// and the answers.
func (r *run) flush() error {
	var ws []sqlite.Write
	for _, st := range r.states {
		if st.written > 0 {
			ws = append(ws, sqlite.Write{Project: st.p, Doc: st.doc, Version: st.version, New: !st.stored,
				Visible: visibleTo(st.p, r.org), Writer: r.device})
		}
	}
	last := make(map[string]int, len(ws))
	for id, st := range r.states {
		last[id] = st.written
	}
	slices.SortFunc(ws, func(a, b sqlite.Write) int { return last[a.Project.ID] - last[b.Project.ID] })
	seqs, err := r.tx.WriteProjects(ws)
	if err != nil {
		return err
	}
	// The answer of the last change that wrote a project says where it is.
	for i, w := range ws {
		r.results[r.last[w.Project.ID]].Seq = seqs[i]
	}
	if err := r.tx.AppendJournals(r.journal); err != nil {
		return err
	}
	return r.tx.RecordChanges(r.records)
}
