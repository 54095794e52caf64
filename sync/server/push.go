package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// checkPush refuses a malformed batch as a whole, before anything is
// applied: every change needs a lower-case UUID id and project id, a known
// kind, a command for an action (and none for an edit), and field changes
// whose values are JSON.
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

// conflictIndex parses "conflicts[3].mine" into 3 and "mine".
func conflictIndex(path string) (int, string, bool) {
	var i int
	rest, ok := strings.CutPrefix(path, "conflicts[")
	if !ok {
		return 0, "", false
	}
	num, leaf, ok := strings.Cut(rest, "]")
	if !ok {
		return 0, "", false
	}
	if _, err := fmt.Sscanf(num, "%d", &i); err != nil || i < 0 || fmt.Sprint(i) != num {
		return 0, "", false
	}
	return i, strings.TrimPrefix(leaf, "."), true
}

func fieldForbidden(path string, p *domain.Project) error {
	return domain.Errorf(domain.EFORBIDDEN,
		"您不能修改字段 %[1]s（项目当前状态：%[2]s）", "you may not change %[1]s now (the project is %[3]s)",
		path, p.Status.Label(), string(p.Status))
}

// authorise checks every field change of an edit against the project as
// the server has it now and returns the changes to merge (updated_at,
// which the server stamps, left out).
func authorise(p *domain.Project, changes []domain.FieldChange, actor domain.User) ([]domain.FieldChange, error) {
	out := make([]domain.FieldChange, 0, len(changes))
	var flat map[string]string // the current leaves, read once when needed
	for _, c := range changes {
		switch sec := sectionOf(c.Path); sec {
		case secIgnored:
			continue
		case secWorkflow:
			// A workflow field that already holds the value (a device
			// sending its copy again) is left, like any field already so.
			if flat == nil {
				var err error
				if flat, err = domain.Flatten(p); err != nil {
					return nil, err
				}
			}
			now, ok := flat[c.Path]
			if !ok {
				now = "null"
			}
			if sameJSON(now, c.New) {
				continue
			}
			return nil, domain.Errorf(domain.EFORBIDDEN, "字段 %s 只能通过流程操作改变，不能直接修改",
				"%s changes only through workflow actions, never by an edit", c.Path)
		case secUnknown:
			return nil, domain.Errorf(domain.EINVALID, "未知字段：%s", "unknown field: %s", c.Path)
		case secConflicts:
			// A conflict is settled by whoever may edit the field it is about.
			i, leaf, ok := conflictIndex(c.Path)
			if !ok || i >= len(p.Conflicts) {
				return nil, domain.Errorf(domain.EFORBIDDEN, "冲突记录由服务器添加，不能新建：%s",
					"conflicts are recorded by the server, not added by an edit: %s", c.Path)
			}
			if s := sectionOf(p.Conflicts[i].Path); !mayEdit(p, s, actor) {
				return nil, fieldForbidden(p.Conflicts[i].Path, p)
			}
			if leaf == "path" {
				var np string
				if json.Unmarshal([]byte(c.New), &np) == nil && np != "" && !mayEdit(p, sectionOf(np), actor) {
					return nil, fieldForbidden(np, p)
				}
			}
		default:
			if !mayEdit(p, sec, actor) {
				return nil, fieldForbidden(c.Path, p)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// sameJSON compares two JSON texts by value ("null" and absent are equal),
// as domain.Merge does.
func sameJSON(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

// outcome is what applying one change did.
type outcome struct {
	project   *domain.Project // to write; nil when nothing changed
	journal   []domain.FieldChange
	conflicts []domain.Conflict
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

// create builds a new project from the field changes of its first save.
func (s *Server) create(tx *sqlite.Tx, actor domain.User, c wire.Change, now time.Time) (*outcome, error) {
	sets := make(map[string]string, len(c.Changes))
	var journal []domain.FieldChange
	for _, fc := range c.Changes {
		switch sectionOf(fc.Path) {
		case secIgnored:
			continue
		case secRegistration:
		default:
			if k := topKey(fc.Path); k != fc.Path || (k != "id" && k != "status" && k != "owner_id" && k != "created_at") {
				return nil, domain.Errorf(domain.EFORBIDDEN, "新建项目时不能设置 %s", "a new project cannot set %s", fc.Path)
			}
		}
		sets[fc.Path] = fc.New
		journal = append(journal, fc)
	}
	p, err := buildProject(sets)
	if err != nil {
		return nil, err
	}
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
		return nil, domain.Errorf(domain.EFORBIDDEN, "%[1]s须由%[2]s发起", "a %[3]s registration is raised by %[4]s",
			k.FormName(), zh, string(k), en)
	}
	if k == domain.KindUpgrade && p.Registration.ParentID != "" {
		if err := checkParent(tx, p.Registration.ParentID); err != nil {
			return nil, err
		}
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = now
	return &outcome{project: p, journal: journal}, nil
}

// checkParent refuses an upgrade whose original project is not on the server.
func checkParent(tx *sqlite.Tx, parentID string) error {
	parent, err := tx.Project(parentID)
	if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && parent.Project.Deleted) {
		return domain.Errorf(domain.EINVALID,
			"问题登记所属的原有项目（%[1]s）不在服务器上：请先同步原项目，或选择其他项目",
			"the original project of this issue registration (%[1]s) is not on the server: sync it first or choose another", parentID)
	}
	return err
}

// edit merges the field changes of a save into the project as the server
// has it: fields nobody else changed take the new value; fields someone
// else changed differently become conflicts, kept on the project.
func (s *Server) edit(tx *sqlite.Tx, cur *domain.Project, actor domain.User, c wire.Change, now time.Time) (*outcome, error) {
	changes, err := authorise(cur, c.Changes, actor)
	if err != nil {
		return nil, err
	}
	if err := checkFields(changes); err != nil {
		return nil, err
	}
	merged, applied, conflicts, err := domain.Merge(cur, changes)
	if err != nil {
		return nil, invalid(err)
	}
	if !merged.Kind().Valid() {
		return nil, domain.Errorf(domain.EINVALID, "项目类型须为 local、saas 或 upgrade", "the kind must be local, saas or upgrade")
	}
	r := &merged.Registration
	if r.Kind == domain.KindUpgrade && r.ParentID != "" && r.ParentID != cur.Registration.ParentID {
		if err := checkParent(tx, r.ParentID); err != nil {
			return nil, err
		}
	}
	// Settling one conflict of several leaves an empty row where it was.
	kept := merged.Conflicts[:0]
	for _, x := range merged.Conflicts {
		if x.Path != "" {
			kept = append(kept, x)
		}
	}
	merged.Conflicts = kept
	for i := range conflicts {
		conflicts[i].ActorID, conflicts[i].ChangeID, conflicts[i].At = actor.ID, c.ID, now
	}
	merged.Conflicts = append(merged.Conflicts, conflicts...)
	if len(merged.Conflicts) == 0 {
		merged.Conflicts = nil
	}
	if len(applied) == 0 && len(conflicts) == 0 {
		return &outcome{}, nil
	}
	merged.UpdatedAt = now
	// The journal keeps what changed; a conflict is kept on the project.
	return &outcome{project: merged, journal: applied, conflicts: conflicts}, nil
}

// action carries out a workflow command on the project as the server has
// it, with the domain's rules (the field changes the device made for it are
// not trusted). A first accepted submission gets its registration number.
func (s *Server) action(tx *sqlite.Tx, cur *domain.Project, actor domain.User, org *domain.Org, c wire.Change, now time.Time) (*outcome, error) {
	before, err := clone(cur)
	if err != nil {
		return nil, err
	}
	p := cur
	if c.Command.Action == domain.ActSubmit && p.Kind() == domain.KindUpgrade && p.Registration.ParentID != "" {
		if err := checkParent(tx, p.Registration.ParentID); err != nil {
			return nil, err
		}
	}
	if _, err := p.Apply(*c.Command, actor, org, now); err != nil {
		return nil, err
	}
	if c.Command.Action == domain.ActSubmit && p.Number == "" {
		if err := assignNumber(tx, p, now); err != nil {
			return nil, err
		}
	}
	journal, err := domain.Diff(before, p)
	if err != nil {
		return nil, err
	}
	return &outcome{project: p, journal: journal}, nil
}

// assignNumber gives a project the next registration number of its kind
// and year: SSDJ-2026-0001 (实施登记号) or WTDJ-2026-0001 (问题登记号).
func assignNumber(tx *sqlite.Tx, p *domain.Project, now time.Time) error {
	prefix := prefixRegistration
	if p.Kind() == domain.KindUpgrade {
		prefix = prefixIssue
	}
	year := now.In(chinaTime).Year()
	for range 1000 {
		n, err := tx.NextNumber(prefix, year)
		if err != nil {
			return err
		}
		num := fmt.Sprintf("%s-%d-%04d", prefix, year, n)
		taken, err := tx.NumberTaken(num)
		if err != nil {
			return err
		}
		if !taken {
			p.Number = num
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

// applyChange answers one change inside the push transaction: the recorded
// answer again for a change id seen before, otherwise the change applied
// (or refused) and its answer recorded. Only an internal failure is an
// error, and it fails the whole push.
func (s *Server) applyChange(tx *sqlite.Tx, org *domain.Org, actor domain.User, deviceID string, c wire.Change, now time.Time) (wire.Result, error) {
	rec, found, err := tx.AppliedChange(c.ID)
	if err != nil {
		return wire.Result{}, err
	}
	if found {
		if rec.UserID != actor.ID {
			return refused(c, nil, domain.Errorf(domain.ECONFLICT, "修改 ID %s 已被其他用户使用", "change id %s was used by another user", c.ID)), nil
		}
		var res wire.Result
		if err := json.Unmarshal(rec.Result, &res); err != nil {
			return wire.Result{}, fmt.Errorf("decode recorded result of %s: %w", c.ID, err)
		}
		res.Original, res.Status = res.Status, wire.StatusDuplicate
		return res, nil
	}
	res, err := s.apply(tx, org, actor, c, now)
	if err != nil {
		return wire.Result{}, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return wire.Result{}, fmt.Errorf("encode result: %w", err)
	}
	err = tx.RecordChange(sqlite.AppliedChange{ChangeID: c.ID, ProjectID: c.ProjectID, UserID: actor.ID,
		DeviceID: deviceID, Status: res.Status, Result: b, At: now})
	return res, err
}

// refused is the answer to a change the server will not apply.
func refused(c wire.Change, cur *sqlite.Stored, err error) wire.Result {
	we, _, _ := toWire(err)
	res := wire.Result{ChangeID: c.ID, Status: wire.StatusRefused, ProjectID: c.ProjectID, Error: &we}
	if cur != nil {
		res.Version, res.Number = cur.Version, cur.Project.Number
	}
	return res
}

func (s *Server) apply(tx *sqlite.Tx, org *domain.Org, actor domain.User, c wire.Change, now time.Time) (wire.Result, error) {
	cur, err := tx.Project(c.ProjectID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		cur, err = nil, nil
	}
	if err != nil {
		return wire.Result{}, err
	}
	var out *outcome
	switch {
	case cur == nil && c.Kind == wire.KindEdit && c.BaseVersion == 0:
		out, err = s.create(tx, actor, c, now)
	case cur == nil:
		err = domain.Errorf(domain.ENOTFOUND, "服务器上没有此项目（%s）：请先同步项目的创建", "the server has no project %s: sync its creation first", c.ProjectID)
	case !canSee(cur.Project, actor, org):
		err = domain.Errorf(domain.EFORBIDDEN, "您无权查看或修改此项目", "you may not see or change this project")
	case c.Kind == wire.KindEdit:
		out, err = s.edit(tx, cur.Project, actor, c, now)
	default:
		out, err = s.action(tx, cur.Project, actor, org, c, now)
	}
	if err != nil {
		if !isRefusal(err) {
			return wire.Result{}, err
		}
		if cur != nil { // the refused change may have touched the decoded copy
			fresh, lerr := tx.Project(c.ProjectID)
			if lerr != nil {
				return wire.Result{}, lerr
			}
			cur = fresh
		}
		return refused(c, cur, err), nil
	}
	res := wire.Result{ChangeID: c.ID, ProjectID: c.ProjectID, Status: wire.StatusApplied, Conflicts: out.conflicts}
	if len(out.conflicts) > 0 {
		res.Status = wire.StatusConflict
	}
	if out.project == nil { // nothing to change: every field already so
		res.Version, res.Number = cur.Version, cur.Project.Number
		return res, nil
	}
	version := int64(1)
	if cur != nil {
		version = cur.Version + 1
	}
	if _, err := tx.PutProject(out.project, version, visibleTo(out.project, org)); err != nil {
		return wire.Result{}, err
	}
	if err := tx.AppendJournal(c.ProjectID, c.ID, actor.ID, now, out.journal); err != nil {
		return wire.Result{}, err
	}
	res.Version, res.Number = version, out.project.Number
	return res, nil
}
