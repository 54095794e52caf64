package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"lixiang/domain"
	"lixiang/sync/server/sqlite"
	"lixiang/sync/wire"
)

// The admin migration of interchange files (lixiang.projects/v1,
// docs/interchange.md) straight into the server's database: lixiangd
// import. A desktop's import saves projects as its user's own, and the
// server refuses to create a project for anyone else; an administrator
// migrating PMIS records imports them here instead, for their real
// applicants.
//
// Each file is checked with the rules of the desktop's import
// (domain.DecodeDocument, Document.Check against the server's directory)
// and more that only the server can check: every person, region and group
// a record names is in the directory, an upgrade's original project is in
// the file or on the server, and a registration number the file carries
// is free. A file with any refused record imports nothing (all or nothing
// per file, one transaction). A record whose id the server has already is
// skipped and left as it is, so importing a file again changes nothing.
// Imported records take the next sequence numbers (desktops pull them like
// any change, each by whoever may see it), a journal line each (the
// administrator as actor) and the record of an answered change naming the
// file.

// ImportOutcome is what importing one record did.
type ImportOutcome string

// Import outcomes.
const (
	ImportAdded    ImportOutcome = "imported" // 已导入
	ImportSkipped  ImportOutcome = "skipped"  // 服务器上已有此项目，未改变
	ImportRefused  ImportOutcome = "refused"  // 有错误，拒绝
	ImportWithheld ImportOutcome = "withheld" // 本身无误，但同一文件中有被拒绝的记录，未导入
)

// ImportRecord is the outcome of one record of a file.
type ImportRecord struct {
	Index   int    // its place in the file's projects
	ID      string // its project id
	Heading string // title, kind, status and number, for a person to find it
	Outcome ImportOutcome
	// Imported: the registration number it holds on the server, whether
	// the server gave it (NumberAssigned) or it came with the file, and
	// its sequence number.
	Number         string
	NumberAssigned bool
	Seq            int64
	// Skipped: the version on the server and, when the server's record
	// differs from the file's (edited since, say), the first field that
	// does.
	Version int64
	Differs string
	// Errors refuse the record (and with it the file); warnings do not.
	// Paths are the file's: projects[2].registration.sales_id.
	Errors, Warnings domain.Problems
}

// MissingUser is a person records name who is not in the server's
// directory: the administrator creates them (Command) and imports again.
type MissingUser struct {
	ID    string
	Login string        // guessed from the id: u-lina → lina
	Roles []domain.Role // the roles the records have them act in, when known
}

// Command is the lixiangd command line that creates the user.
func (m MissingUser) Command() string {
	roles := "<角色 roles>"
	if len(m.Roles) > 0 {
		rs := make([]string, len(m.Roles))
		for i, r := range m.Roles {
			rs[i] = string(r)
		}
		roles = strings.Join(rs, ",")
	}
	id := ""
	if m.ID != "u-"+strings.ToLower(m.Login) {
		id = " --id " + m.ID
	}
	return fmt.Sprintf("lixiangd user create --login %s%s --name <姓名 name> --roles %s --password-stdin", m.Login, id, roles)
}

// ImportReport is what importing one file did.
type ImportReport struct {
	File  string
	Actor domain.User
	// Errors are the problems of the file outside any record (it cannot
	// be read, its format is wrong): nothing of it was imported.
	Errors   domain.Problems
	Records  []ImportRecord
	Missing  []MissingUser
	Imported int
	Skipped  int
	Refused  int // records with errors
	Withheld int // records without errors, not imported because others were refused
}

// OK reports whether the file was imported (or was already there).
func (r *ImportReport) OK() bool { return len(r.Errors) == 0 && r.Refused == 0 }

// ImportActor returns the administrator an import is journaled as: the
// user with login, or, when login is "", the directory's one enabled
// admin. Only an enabled user with the admin role may import.
func ImportActor(ctx context.Context, db *sqlite.DB, login string) (domain.User, error) {
	org, err := db.Org(ctx)
	if err != nil {
		return domain.User{}, err
	}
	if login == "" {
		var admins []domain.User
		for _, u := range org.Users {
			if u.Has(domain.RoleAdmin) && !u.Disabled {
				admins = append(admins, u)
			}
		}
		if len(admins) != 1 {
			return domain.User{}, domain.Errorf(domain.EINVALID,
				"组织目录中有 %[1]d 位系统管理员：请用 --as 指定以哪一位的身份导入",
				"the directory has %[1]d administrators: name the one to import as with --as", len(admins))
		}
		return admins[0], nil
	}
	var u domain.User
	ok := false
	for _, x := range org.Users {
		if strings.EqualFold(x.Login, login) {
			u, ok = x, true
		}
	}
	if !ok {
		return domain.User{}, domain.Errorf(domain.ENOTFOUND, "没有此用户：%s", "no such user: %s", login)
	}
	if u.Disabled {
		return domain.User{}, domain.Errorf(domain.EFORBIDDEN, "用户 %s 已停用", "user %s is disabled", login)
	}
	if !u.Has(domain.RoleAdmin) {
		return domain.User{}, domain.Errorf(domain.EFORBIDDEN,
			"只有系统管理员（admin 角色）可以导入：%s 不是", "only an administrator (role admin) may import: %s is not one", login)
	}
	return u, nil
}

// ImportFile imports the interchange document data (read from the file
// name) into the server as actor (see ImportActor), all or nothing, and
// says what it did with each record. Refusals are in the report; the error
// is for a failure of the server itself (nothing was imported).
func ImportFile(ctx context.Context, db *sqlite.DB, actor domain.User, name string, data []byte, now time.Time) (*ImportReport, error) {
	rep := &ImportReport{File: name, Actor: actor}
	doc, unknown := decodeImport(data)
	if doc == nil {
		rep.Errors = unknown
		return rep, nil
	}
	err := db.Update(ctx, func(tx *sqlite.Tx) error {
		org, err := tx.Org()
		if err != nil {
			return err
		}
		im := &importer{tx: tx, org: org, actor: actor, file: name, doc: doc, now: now, rep: rep}
		if err := im.check(unknown); err != nil {
			return err
		}
		if rep.Refused > 0 || len(rep.Errors) > 0 {
			return nil // nothing written
		}
		return im.write()
	})
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	return rep, nil
}

// decodeImport reads a document as the desktop's import does: strictly;
// a document whose only trouble is fields the format does not have is
// read without them, and each such field is a problem (so the rest is
// still checked and reported). No document comes back when it cannot be
// read at all; the problems say why.
func decodeImport(data []byte) (*domain.Document, domain.Problems) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, domain.Problems{{Code: domain.PRequired, Message: "文件是空的", English: "the file is empty"}}
	}
	doc, err := domain.DecodeDocument(data)
	if err == nil {
		return doc, nil
	}
	var lenient domain.Document
	if json.Unmarshal(data, &lenient) == nil && lenient.Format == domain.InterchangeFormat {
		if ps := domain.UnknownFields(data); len(ps) > 0 {
			return &lenient, ps
		}
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return nil, domain.Problems{{Code: domain.PFormat, Message: de.Message, English: de.English}}
	}
	return nil, domain.Problems{{Code: domain.PFormat, Message: "文件无法读取：" + err.Error(), English: "the file cannot be read: " + err.Error()}}
}

// importer is one file being imported inside its transaction.
type importer struct {
	tx    *sqlite.Tx
	org   *domain.Org
	actor domain.User
	file  string
	doc   *domain.Document
	now   time.Time
	rep   *ImportReport

	stored  map[string]sqlite.Row // the records' (and their parents') rows on the server
	missing map[string]*MissingUser
}

// check fills the report: every record's errors and warnings, and its
// outcome were the file imported; nothing is written.
func (im *importer) check(unknown domain.Problems) error {
	doc, rep := im.doc, im.rep
	errs, warns := doc.Check(im.org)
	errs = append(unknown, errs...)
	refs := im.references()
	// A reference check names what to do; the domain's problem at the
	// same place says less.
	at := map[string]bool{}
	for _, p := range refs {
		at[p.Path] = true
	}
	drop := func(ps domain.Problems) domain.Problems {
		return slices.DeleteFunc(ps, func(p domain.Problem) bool { return at[p.Path] })
	}
	errs, warns = append(drop(errs), refs...), drop(warns)

	ids := make([]string, 0, 2*len(doc.Projects))
	inFile := map[string]bool{}
	for _, p := range doc.Projects {
		ids = append(ids, p.ID)
		inFile[p.ID] = true
		if p.Kind() == domain.KindUpgrade && p.Registration.ParentID != "" {
			ids = append(ids, p.Registration.ParentID)
		}
	}
	var err error
	if im.stored, err = im.tx.Rows(ids); err != nil {
		return err
	}

	numbers := map[string]int{} // numbers carried by new records, to the record's index
	for i := range doc.Projects {
		p := &doc.Projects[i]
		path := fmt.Sprintf("projects[%d].", i)
		if _, ok := im.stored[p.ID]; ok {
			continue // skipped: nothing of it is written
		}
		if parent := p.Registration.ParentID; p.Kind() == domain.KindUpgrade && parent != "" && !inFile[parent] {
			row, ok := im.stored[parent]
			gone := false
			if ok {
				pp, err := row.Decode(parent)
				if err != nil {
					return err
				}
				gone = pp.Deleted
			}
			if !ok || gone {
				errs = append(errs, domain.Problem{Path: path + "registration.parent_id", Code: domain.PChoice,
					Message: fmt.Sprintf("原有项目 %s 既不在本文件中，也不在服务器上：请先导入原有项目，或把它放进同一文件", parent),
					English: fmt.Sprintf("the original project %s is neither in this file nor on the server: import it first, or put it in the same file", parent)})
			}
		}
		if p.Number == "" {
			continue
		}
		if prefix, _, _, ok := parseNumber(p.Number); ok && p.Kind().Valid() && prefix != numberPrefix(p.Kind()) {
			errs = append(errs, domain.Problem{Path: path + "number", Code: domain.PFormat,
				Message: fmt.Sprintf("%s的登记号应以 %s 开头（现为 %s）", p.Kind().Label(), numberPrefix(p.Kind()), p.Number),
				English: fmt.Sprintf("the number of a %s project starts with %s (got %s)", p.Kind(), numberPrefix(p.Kind()), p.Number)})
		}
		if j, dup := numbers[p.Number]; dup {
			errs = append(errs, domain.Problem{Path: path + "number", Code: domain.PFormat,
				Message: fmt.Sprintf("登记号 %s 与本文件第 %d 个项目（projects[%d]）重复", p.Number, j+1, j),
				English: fmt.Sprintf("number %s is also the number of projects[%d] of this file", p.Number, j)})
			continue
		}
		numbers[p.Number] = i
		holder, err := im.tx.NumberHolder(p.Number)
		if err != nil {
			return err
		}
		if holder != "" && holder != p.ID {
			errs = append(errs, domain.Problem{Path: path + "number", Code: domain.PFormat,
				Message: fmt.Sprintf("登记号 %s 已被服务器上的项目 %s 使用", p.Number, holder),
				English: fmt.Sprintf("number %s is held by project %s on the server", p.Number, holder)})
		}
	}

	// Sort the problems by record.
	rep.Records = make([]ImportRecord, len(doc.Projects))
	for i := range doc.Projects {
		p := &doc.Projects[i]
		rep.Records[i] = ImportRecord{Index: i, ID: p.ID, Heading: importHeading(p)}
	}
	for _, p := range errs {
		if i := domain.RecordIndex(p.Path, len(doc.Projects)); i >= 0 {
			rep.Records[i].Errors = append(rep.Records[i].Errors, p)
		} else {
			rep.Errors = append(rep.Errors, p)
		}
	}
	for _, p := range warns {
		if i := domain.RecordIndex(p.Path, len(doc.Projects)); i >= 0 {
			rep.Records[i].Warnings = append(rep.Records[i].Warnings, p)
		}
	}
	if len(doc.Projects) == 0 {
		rep.Errors = append(rep.Errors, domain.Problem{Path: "projects", Code: domain.PRequired,
			Message: "文件中没有项目", English: "the file holds no projects"})
	}
	for i := range rep.Records {
		r := &rep.Records[i]
		if len(r.Errors) > 0 {
			r.Outcome = ImportRefused
			rep.Refused++
		}
	}
	for i := range rep.Records {
		r := &rep.Records[i]
		switch row, ok := im.stored[r.ID]; {
		case r.Outcome == ImportRefused:
		case ok:
			r.Outcome, r.Version = ImportSkipped, row.Version
			if r.Differs, err = differs(row, &doc.Projects[i]); err != nil {
				return err
			}
			rep.Skipped++
		case rep.Refused > 0 || len(rep.Errors) > 0:
			r.Outcome = ImportWithheld
			rep.Withheld++
		default:
			r.Outcome = ImportAdded // once written
		}
	}
	for _, id := range slices.Sorted(maps.Keys(im.missing)) {
		rep.Missing = append(rep.Missing, *im.missing[id])
	}
	return nil
}

// differs returns the first field where the server's record differs from
// the file's, "" when none does (the time of the last change and a number
// the server gave aside).
func differs(row sqlite.Row, p *domain.Project) (string, error) {
	cur, err := row.Decode(p.ID)
	if err != nil {
		return "", err
	}
	changes, err := domain.Diff(cur, p)
	if err != nil {
		return "", err
	}
	for _, c := range changes {
		if c.Path == "updated_at" || (c.Path == "number" && p.Number == "") {
			continue
		}
		return c.Path, nil
	}
	return "", nil
}

// references checks that every person, region and group a record names is
// in the server's directory, and notes whom to create.
func (im *importer) references() domain.Problems {
	var ps domain.Problems
	org := im.org
	im.missing = map[string]*MissingUser{}
	for i := range im.doc.Projects {
		p := &im.doc.Projects[i]
		prefix := fmt.Sprintf("projects[%d].", i)
		user := func(path, id string, role domain.Role) {
			if id == "" {
				return
			}
			if _, ok := org.User(id); ok {
				return
			}
			m := im.missing[id]
			if m == nil {
				m = &MissingUser{ID: id, Login: strings.ToLower(strings.TrimPrefix(id, "u-"))}
				im.missing[id] = m
			}
			if role != "" && !slices.Contains(m.Roles, role) {
				m.Roles = append(m.Roles, role)
			}
			ps = append(ps, domain.Problem{Path: prefix + path, Code: domain.PChoice,
				Message: fmt.Sprintf("用户 %s 不在服务器的组织目录中：请先新建登录名为 %s 的用户（lixiangd user create --login %s …），或用 lixiangd org import 导入组织目录，再导入",
					id, m.Login, m.Login),
				English: fmt.Sprintf("user %s is not in the server's directory: create the login %s first (lixiangd user create --login %s …), or import the directory with lixiangd org import, then import again",
					id, m.Login, m.Login)})
		}
		k := p.Kind()
		r := &p.Registration
		user("owner_id", p.OwnerID, domain.RoleSales)
		user("registration.sales_id", r.SalesID, domain.RoleSales)
		user("registration.presales_id", r.PresalesID, domain.RolePresales)
		exec := domain.RolePM
		if k == domain.KindSaaS {
			exec = domain.RoleCustomerSuccess
		}
		user("receiver_id", p.ReceiverID, exec)
		if p.Approval != nil {
			for j, s := range p.Approval.Steps {
				user(fmt.Sprintf("approval.steps[%d].approver_id", j), s.ApproverID, s.Role)
			}
		}
		for j, d := range p.Decisions {
			user(fmt.Sprintf("decisions[%d].actor_id", j), d.ActorID, d.Role)
		}
		if h := p.Handover; h != nil {
			var role domain.Role
			if k.Valid() {
				role = domain.HandoverRole(k)
			}
			user("handover.organiser_id", h.OrganiserID, role)
			for j, x := range h.Participants {
				user(fmt.Sprintf("handover.participants[%d].user_id", j), x.UserID, "")
			}
		}
		if in := p.Initiation; in != nil {
			var role domain.Role
			if k.Valid() {
				role = domain.InitiatorRole(k)
			}
			user("initiation.initiator_id", in.InitiatorID, role)
			for j, perm := range in.Permissions {
				for u, id := range perm.Users {
					user(fmt.Sprintf("initiation.permissions[%d].users[%d]", j, u), id, "")
				}
				for g, name := range perm.Groups {
					if _, ok := org.GroupByName(name); !ok && name != "" {
						ps = append(ps, domain.Problem{Path: prefix + fmt.Sprintf("initiation.permissions[%d].groups[%d]", j, g), Code: domain.PChoice,
							Message: fmt.Sprintf("用户组“%s”不在服务器的组织目录中：请先在组织目录文件中添加它并用 lixiangd org import 导入", name),
							English: fmt.Sprintf("group %q is not in the server's directory: add it to the organisation file and import that with lixiangd org import", name)})
					}
				}
			}
		}
		if code := r.Customer.Region; code != "" {
			if _, ok := org.Region(code); !ok {
				ps = append(ps, domain.Problem{Path: prefix + "registration.customer.region", Code: domain.PChoice,
					Message: fmt.Sprintf("区域 %s 不在服务器的组织目录中：请先在组织目录文件中添加它并用 lixiangd org import 导入", code),
					English: fmt.Sprintf("region %s is not in the server's directory: add it to the organisation file and import that with lixiangd org import", code)})
			}
		}
	}
	return ps
}

// write stores the file's new records: numbers first (a number a record
// carries moves its counter on; a submitted record without one gets the
// next of its year), then every record under the next sequence numbers
// (originals before the upgrades raised on them), their journal lines and
// the records of answered changes.
func (im *importer) write() error {
	doc, rep := im.doc, im.rep
	var todo []int
	for i, r := range rep.Records {
		if r.Outcome == ImportAdded {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	for _, i := range todo {
		if prefix, year, n, ok := parseNumber(doc.Projects[i].Number); ok {
			if err := im.tx.RaiseNumber(prefix, year, n); err != nil {
				return err
			}
		}
	}
	used := map[string]bool{}
	for _, i := range todo {
		p := &doc.Projects[i]
		if p.Number != "" || p.Status == domain.StatusDraft {
			continue
		}
		num, err := im.nextNumber(p, used)
		if err != nil {
			return err
		}
		p.Number = num
		rep.Records[i].NumberAssigned = true
	}
	slices.SortStableFunc(todo, func(a, b int) int {
		up := func(i int) int {
			if doc.Projects[i].Kind() == domain.KindUpgrade {
				return 1
			}
			return 0
		}
		return up(a) - up(b)
	})
	ws := make([]sqlite.Write, 0, len(todo))
	journal := make([]sqlite.JournalEntry, 0, len(todo))
	changeIDs := make([]string, 0, len(todo))
	for _, i := range todo {
		p := &doc.Projects[i]
		if p.UpdatedAt.IsZero() {
			p.UpdatedAt = im.now
		}
		b, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode project %s: %w", p.ID, err)
		}
		leaves, err := docLeaves(b)
		if err != nil {
			return err
		}
		leaves = slices.DeleteFunc(leaves, func(fc domain.FieldChange) bool { return sectionOf(fc.Path) == secIgnored })
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("new change id: %w", err)
		}
		changeIDs = append(changeIDs, id.String())
		ws = append(ws, sqlite.Write{Project: p, Doc: b, Version: 1, New: true, Visible: visibleTo(p, im.org)})
		journal = append(journal, sqlite.JournalEntry{ProjectID: p.ID, ChangeID: id.String(), ActorID: im.actor.ID,
			At: im.now, Changes: domain.AppendFieldChanges(nil, leaves)})
	}
	seqs, err := im.tx.WriteProjects(ws)
	if err != nil {
		return err
	}
	if err := im.tx.AppendJournals(journal); err != nil {
		return err
	}
	device := "lixiangd import " + filepath.Base(im.file)
	if len(device) > 200 {
		device = device[:200]
	}
	recs := make([]sqlite.AppliedChange, 0, len(todo))
	for k, i := range todo {
		p := &doc.Projects[i]
		r := &rep.Records[i]
		r.Number, r.Seq = p.Number, seqs[k]
		res, err := json.Marshal(wire.Result{ChangeID: changeIDs[k], Status: wire.StatusApplied, ProjectID: p.ID,
			Version: 1, Number: p.Number, Seq: seqs[k]})
		if err != nil {
			return fmt.Errorf("encode result: %w", err)
		}
		recs = append(recs, sqlite.AppliedChange{ChangeID: changeIDs[k], ProjectID: p.ID, UserID: im.actor.ID,
			DeviceID: device, Status: wire.StatusApplied, Result: res, At: im.now})
		rep.Imported++
	}
	return im.tx.RecordChanges(recs)
}

// nextNumber gives a submitted record without a number the next free one
// of its kind and year, as a first accepted submission gets it; the year is
// that of its first submission in Beijing (of its creation when the record
// has no submission).
func (im *importer) nextNumber(p *domain.Project, used map[string]bool) (string, error) {
	prefix := numberPrefix(p.Kind())
	at := p.CreatedAt
	for _, d := range p.Decisions {
		if d.Action == domain.ActSubmit && !d.At.IsZero() {
			at = d.At
			break
		}
	}
	year := at.In(chinaTime).Year()
	for range 1000 {
		n, err := im.tx.NextNumber(prefix, year)
		if err != nil {
			return "", err
		}
		num := fmt.Sprintf("%s-%d-%04d", prefix, year, n)
		if used[num] {
			continue
		}
		holder, err := im.tx.NumberHolder(num)
		if err != nil {
			return "", err
		}
		if holder == "" {
			used[num] = true
			return num, nil
		}
	}
	return "", fmt.Errorf("no free registration number for %s-%d", prefix, year)
}

// numberPrefix is the prefix of a kind's registration numbers: 实施登记号
// SSDJ, 问题登记号 WTDJ.
func numberPrefix(k domain.Kind) string {
	if k == domain.KindUpgrade {
		return prefixIssue
	}
	return prefixRegistration
}

var numberRE = regexp.MustCompile(`^(SSDJ|WTDJ)-(\d{4})-(\d{1,9})$`)

// parseNumber splits a registration number in the server's form
// (SSDJ-2026-0163); ok is false for any other text (a number of another
// system, kept as it is).
func parseNumber(s string) (prefix string, year int, n int64, ok bool) {
	m := numberRE.FindStringSubmatch(s)
	if m == nil {
		return "", 0, 0, false
	}
	year, _ = strconv.Atoi(m[2])
	n, _ = strconv.ParseInt(m[3], 10, 64)
	return m[1], year, n, true
}

// importHeading names a record for a person: its title, kind, status and
// number.
func importHeading(p *domain.Project) string {
	title := "（无法识别的项目类型 unknown kind）"
	if p.Kind().Valid() {
		title = p.Title()
	}
	return fmt.Sprintf("%s（%s，%s，%s）", title, p.Kind().Label(), p.Status.Label(), p.DisplayNumber())
}
