package server_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// TestNumbersGapFree: the server numbers a registration the first time it
// accepts its submission: 实施登记号 SSDJ-YYYY-NNNN for local and SaaS, 问题登记号
// WTDJ-YYYY-NNNN for upgrade, one after the other per prefix and year; a
// refused submission takes no number, and the count starts again each year.
func TestNumbersGapFree(t *testing.T) {
	srv, c := start(t)
	submitNew := func(login string, reg domain.Registration) wire.Result {
		t.Helper()
		p := servertest.NewProject(t, srv.User(t, login), reg, c.Now())
		res := srv.Push(t, srv.Token(t, login), servertest.EditChange(t, nil, p, 0),
			servertest.ActionChange(t, p.ID, submit, 0)).Results
		mustApply(t, "create", res[0])
		return res[1]
	}
	local := mustApply(t, "submit local", submitNew("lina", servertest.Registration(domain.KindLocal, "")))

	incomplete := servertest.Registration(domain.KindSaaS, "")
	incomplete.Background.MainBusiness = ""
	e := mustRefuse(t, "submit incomplete", submitNew("zhangwei", incomplete), domain.EINVALID)
	if len(e.Problems) == 0 || e.Problems[0].Path != "background.main_business" {
		t.Fatalf("refusal problems %+v", e.Problems)
	}
	saas := mustApply(t, "submit saas", submitNew("zhangwei", servertest.Registration(domain.KindSaaS, "")))
	upgrade := mustApply(t, "submit upgrade", submitNew("zhangwei", servertest.Registration(domain.KindUpgrade, local.ProjectID)))
	c.Set(time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC)) // 1 January 2027 in Beijing
	nextYear := mustApply(t, "submit next year", submitNew("lina", servertest.Registration(domain.KindLocal, "")))

	for _, tt := range []struct {
		name string
		res  wire.Result
		want string
	}{
		{"first local", local, "SSDJ-2026-0001"},
		{"saas after a refused submission", saas, "SSDJ-2026-0002"},
		{"upgrade has its own count", upgrade, "WTDJ-2026-0001"},
		{"a new year starts again (Beijing time)", nextYear, "SSDJ-2027-0001"},
	} {
		if tt.res.Number != tt.want {
			t.Errorf("%s: number %q, want %q", tt.name, tt.res.Number, tt.want)
		}
		if p := serverProject(t, srv, tt.res.ProjectID); p.Number != tt.want || p.Status != domain.StatusSubmitted {
			t.Errorf("%s: stored number %q status %s", tt.name, p.Number, p.Status)
		}
	}
}

// TestResendIsDuplicate: a batch sent again (its answer was lost) is
// answered from the record: every change "duplicate" with its original
// status, nothing applied twice, the same number.
func TestResendIsDuplicate(t *testing.T) {
	srv, c := start(t)
	tok := srv.Token(t, "lina")
	p := servertest.NewProject(t, srv.User(t, "lina"), servertest.Registration(domain.KindLocal, ""), c.Now())
	edited := *p
	edited.Registration.Requirement = "改过的需求"
	batch := []wire.Change{
		servertest.EditChange(t, nil, p, 0),
		servertest.EditChange(t, p, &edited, 0),
		servertest.ActionChange(t, p.ID, submit, 0),
		servertest.ActionChange(t, p.ID, approve, 0), // lina is no PM: refused
	}
	first := srv.Push(t, tok, batch...)
	c.Advance(time.Minute)
	again := srv.Push(t, tok, batch...)
	wantStatus := []string{wire.StatusApplied, wire.StatusApplied, wire.StatusApplied, wire.StatusRefused}
	for i, r := range first.Results {
		if r.Status != wantStatus[i] {
			t.Fatalf("first push %d: %s %+v", i, r.Status, r.Error)
		}
		d := again.Results[i]
		if d.Status != wire.StatusDuplicate || d.Original != r.Status || d.ChangeID != r.ChangeID ||
			d.Version != r.Version || d.Number != r.Number {
			t.Fatalf("resend %d: %+v, first %+v", i, d, r)
		}
	}
	if first.Results[2].Number != "SSDJ-2026-0001" || first.Results[2].Version != 3 {
		t.Fatalf("submit result %+v", first.Results[2])
	}
	if e := again.Results[3].Error; e == nil || e.Code != domain.EFORBIDDEN || e.Message == "" ||
		e.Message != first.Results[3].Error.Message || e.English != first.Results[3].Error.English {
		t.Fatalf("a resent refusal keeps its code and reason: %+v, first %+v", again.Results[3], first.Results[3])
	}
	got := serverProject(t, srv, p.ID)
	if got.Number != "SSDJ-2026-0001" || len(got.Decisions) != 1 || got.Registration.Requirement != "改过的需求" {
		t.Fatalf("after resend: number %s, %d decisions", got.Number, len(got.Decisions))
	}
	page := srv.Pull(t, tok, 0, 0)
	if len(page.Projects) != 1 || page.Projects[0].Version != 3 {
		t.Fatalf("pull after resend: %d projects, version %d", len(page.Projects), page.Projects[0].Version)
	}
	lines, err := srv.DB.Journal(t.Context(), p.ID)
	if err != nil || len(lines) != 3 {
		t.Fatalf("journal: %d lines (%v), want 3 writes", len(lines), err)
	}
	// Another user cannot replay someone's change id.
	other := srv.Push(t, srv.Token(t, "zhangwei"), batch[0]).Results[0]
	mustRefuse(t, "another user's change id", other, domain.ECONFLICT)
}

// twoEditors creates a local project in the north owned by presales 王芳
// with 张伟 as responsible sales: both may edit its registration.
func twoEditors(t *testing.T, srv *servertest.Instance, now time.Time) (p *domain.Project, version int64, wangfang, zhangwei string) {
	t.Helper()
	wangfang, zhangwei = srv.Token(t, "wangfang"), srv.Token(t, "zhangwei")
	reg := servertest.Registration(domain.KindLocal, "")
	reg.Customer.Region = "north"
	reg.SalesID, reg.PresalesID = "u-zhangwei", "u-wangfang"
	p = servertest.NewProject(t, srv.User(t, "wangfang"), reg, now)
	return p, created(t, srv, wangfang, p), wangfang, zhangwei
}

// TestEditsOfDifferentFieldsBothApply: two people change different fields
// of the same version offline; both changes apply.
func TestEditsOfDifferentFieldsBothApply(t *testing.T) {
	srv, c := start(t)
	p, v, wangfang, zhangwei := twoEditors(t, srv, c.Now())
	a, b := *p, *p
	a.Registration.Requirement = "王芳写的需求"
	b.Registration.Other.Notes = "张伟写的备注"
	mustApply(t, "wangfang", srv.Push(t, wangfang, servertest.EditChange(t, p, &a, v)).Results[0])
	res := mustApply(t, "zhangwei", srv.Push(t, zhangwei, servertest.EditChange(t, p, &b, v)).Results[0])
	if res.Version != v+2 {
		t.Fatalf("version %d, want %d", res.Version, v+2)
	}
	got := serverProject(t, srv, p.ID)
	if got.Registration.Requirement != "王芳写的需求" || got.Registration.Other.Notes != "张伟写的备注" || len(got.Conflicts) != 0 {
		t.Fatalf("merged: requirement %q notes %q conflicts %+v", got.Registration.Requirement, got.Registration.Other.Notes, got.Conflicts)
	}
}

// TestSameFieldConflictKept: two people change the same field differently;
// the second change is a conflict kept on the project with both values,
// and both of them see it in their pull.
func TestSameFieldConflictKept(t *testing.T) {
	srv, c := start(t)
	p, v, wangfang, zhangwei := twoEditors(t, srv, c.Now())
	a, b := *p, *p
	a.Registration.Requirement = "方案甲"
	b.Registration.Requirement = "方案乙"
	b.Registration.Other.Notes = "乙的备注"
	mustApply(t, "first", srv.Push(t, wangfang, servertest.EditChange(t, p, &a, v)).Results[0])
	c.Advance(time.Minute)
	ch := servertest.EditChange(t, p, &b, v)
	res := srv.Push(t, zhangwei, ch).Results[0]
	if res.Status != wire.StatusConflict || len(res.Conflicts) != 1 {
		t.Fatalf("second: %s %+v", res.Status, res.Conflicts)
	}
	want := domain.Conflict{Path: "registration.requirement", Base: `"公文与合同全面电子签章，对接 OA 与 ERP。"`,
		Mine: `"方案乙"`, Theirs: `"方案甲"`, ActorID: "u-zhangwei", ChangeID: ch.ID, At: c.Now()}
	if got := res.Conflicts[0]; got != want {
		t.Fatalf("conflict\n got %+v\nwant %+v", got, want)
	}
	// Its answer lost, the resend gets the same answer: the same conflicts.
	if again := srv.Push(t, zhangwei, ch).Results[0]; again.Status != wire.StatusDuplicate ||
		again.Original != wire.StatusConflict || len(again.Conflicts) != 1 || again.Conflicts[0] != want {
		t.Fatalf("resent conflict: %+v", again)
	}
	for _, tok := range []string{wangfang, zhangwei} {
		all, _ := srv.PullAll(t, tok, 0)
		got := all[p.ID]
		if got == nil || len(got.Conflicts) != 1 || got.Conflicts[0] != want {
			t.Fatalf("pulled conflicts %+v", got)
		}
		if got.Registration.Requirement != "方案甲" || got.Registration.Other.Notes != "乙的备注" {
			t.Fatalf("pulled: requirement %q (the current value stays), notes %q (the other field applies)",
				got.Registration.Requirement, got.Registration.Other.Notes)
		}
	}
	// Settling it is an ordinary edit by someone who may edit the field.
	cur := serverProject(t, srv, p.ID)
	settled, err := domain.ResolveConflict(cur, cur.Conflicts[0].ID(), `"方案乙"`)
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, "resolve", srv.Push(t, wangfang, servertest.EditChange(t, cur, settled, res.Version)).Results[0])
	if got := serverProject(t, srv, p.ID); len(got.Conflicts) != 0 || got.Registration.Requirement != "方案乙" {
		t.Fatalf("after resolving: %q %+v", got.Registration.Requirement, got.Conflicts)
	}
}

// TestRefusalDoesNotBlockBatch: a refused action comes back with its reason
// and the next change of the same batch still applies.
func TestRefusalDoesNotBlockBatch(t *testing.T) {
	srv, c := start(t)
	tok := srv.Token(t, "zhangwei")
	p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	q := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	res := srv.Push(t, tok,
		servertest.EditChange(t, nil, p, 0),
		servertest.ActionChange(t, p.ID, submit, 0),
		servertest.ActionChange(t, p.ID, approve, 0), // waits for 客户成功: zhangwei may not
		servertest.EditChange(t, nil, q, 0),
	).Results
	mustApply(t, "submit", res[1])
	e := mustRefuse(t, "approve", res[2], domain.EFORBIDDEN)
	if !strings.Contains(e.Message, "客户成功") {
		t.Fatalf("reason %q should name the role", e.Message)
	}
	if res[2].Version != res[1].Version || res[2].Number != res[1].Number {
		t.Fatalf("a refusal carries the project's current version and number: %+v", res[2])
	}
	mustApply(t, "next change", res[3])
}

// TestRegionIsolation: a salesperson of 南方 neither pulls nor changes a
// project of 北方; the northern sales manager sees it, the southern one not.
func TestRegionIsolation(t *testing.T) {
	srv, c := start(t)
	zhangwei, lina := srv.Token(t, "zhangwei"), srv.Token(t, "lina")
	p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	v := created(t, srv, zhangwei, p)
	for login, want := range map[string]bool{"zhangwei": true, "liuyang": true, "admin": true,
		"lina": false, "maxiao": false, "huangbo": false, "zhaolei": false} {
		all, _ := srv.PullAll(t, srv.Token(t, login), 0)
		if got := all[p.ID] != nil; got != want {
			t.Errorf("%s sees the northern draft: %v, want %v", login, got, want)
		}
	}
	edited := *p
	edited.Registration.Requirement = "南方改的"
	res := srv.Push(t, lina,
		servertest.EditChange(t, p, &edited, v),
		servertest.ActionChange(t, p.ID, submit, v),
		servertest.ActionChange(t, p.ID, domain.Command{Action: domain.ActDiscard}, v)).Results
	for i, r := range res {
		mustRefuse(t, "southern change "+string(rune('0'+i)), r, domain.EFORBIDDEN)
	}
	if got := serverProject(t, srv, p.ID); got.Registration.Requirement == "南方改的" || got.Status != domain.StatusDraft {
		t.Fatal("a refused change changed the project")
	}
}

// specialDraft is a local draft of 南方 whose contract is not signed: its
// submission needs special approval (特批).
func specialDraft(t *testing.T, owner domain.User, now time.Time) *domain.Project {
	t.Helper()
	reg := servertest.Registration(domain.KindLocal, "")
	reg.SalesID = owner.ID
	reg.Contract.Signed = domain.No
	return servertest.NewProject(t, owner, reg, now)
}

// TestNobodyApprovesTheirOwnSpecialApproval: a salesperson who is also a
// sales manager submits their own registration; the manager step is
// refused to them (403), and granted to another manager.
func TestNobodyApprovesTheirOwnSpecialApproval(t *testing.T) {
	srv, c := start(t)
	zhoujie, err := server.CreateUser(t.Context(), srv.DB, domain.User{Login: "zhoujie", Name: "周杰", Region: "south",
		Roles: []domain.Role{domain.RoleSales, domain.RoleSalesManager}}, "pw-zhoujie", c.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, body := srv.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Login: "zhoujie", Password: "pw-zhoujie"})
	var lr wire.LoginResponse
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &lr) != nil {
		t.Fatalf("login: %s %s", resp.Status, body)
	}
	p := specialDraft(t, zhoujie, c.Now())
	res := srv.Push(t, lr.Token, servertest.EditChange(t, nil, p, 0),
		servertest.ActionChange(t, p.ID, submit, 0),
		servertest.ActionChange(t, p.ID, approve, 0)).Results
	mustApply(t, "submit", res[1])
	e := mustRefuse(t, "approving one's own", res[2], domain.EFORBIDDEN)
	if !strings.Contains(e.English, "own") {
		t.Fatalf("reason %q", e.English)
	}
	// 李娜 (a plain salesperson) cannot approve the manager step either.
	mustRefuse(t, "approving without the role", act(t, srv, srv.Token(t, "lina"), p.ID, approve), domain.EFORBIDDEN)
	mustApply(t, "another manager approves", act(t, srv, srv.Token(t, "maxiao"), p.ID, approve))
}

// TestApproversSeeWhatWaitsForThem: a special approval of 南方 reaches each
// approver's pull when it waits for them — the southern 特批领导 and the
// 商务审批员 (who has no region), never the northern leader — and the
// southern PM once it is received.
func TestApproversSeeWhatWaitsForThem(t *testing.T) {
	srv, c := start(t)
	lina := srv.Token(t, "lina")
	p := specialDraft(t, srv.User(t, "lina"), c.Now())
	created(t, srv, lina, p)
	sees := func(login string) bool {
		all, _ := srv.PullAll(t, srv.Token(t, login), 0)
		return all[p.ID] != nil
	}
	steps := []struct {
		by      string // who acts; "" for the submission
		waiting string // who should newly see it
		blind   []string
	}{
		{"lina", "maxiao", []string{"liuyang", "daijuanxiang", "chenjing", "yanghuiyu", "sunli"}},
		{"maxiao", "daijuanxiang", []string{"chenjing", "yanghuiyu", "sunli"}},
		{"daijuanxiang", "chenjing", []string{"yanghuiyu", "sunli"}},
		{"chenjing", "sunli", []string{"yanghuiyu", "zhaolei"}},
	}
	for i, st := range steps {
		cmd := approve
		if i == 0 {
			cmd = submit
		}
		mustApply(t, st.by, act(t, srv, srv.Token(t, st.by), p.ID, cmd))
		if !sees(st.waiting) {
			t.Errorf("after %s: %s does not see what waits for them", st.by, st.waiting)
		}
		for _, b := range st.blind {
			if sees(b) {
				t.Errorf("after %s: %s sees it", st.by, b)
			}
		}
		if i == 0 {
			mustRefuse(t, "the northern manager decides a southern step",
				act(t, srv, srv.Token(t, "liuyang"), p.ID, approve), domain.EFORBIDDEN)
		}
	}
	mustApply(t, "the southern PM receives it", act(t, srv, srv.Token(t, "sunli"), p.ID, approve))
	got := serverProject(t, srv, p.ID)
	if got.Status != domain.StatusReceived || got.ReceiverID != "u-sunli" {
		t.Fatalf("status %s receiver %s", got.Status, got.ReceiverID)
	}
	for _, login := range []string{"maxiao", "daijuanxiang", "chenjing", "sunli"} {
		if !sees(login) {
			t.Errorf("%s decided a step but no longer sees it", login)
		}
	}
}

// TestFieldAuthorisation: every field of an edit is checked against the
// project as the server has it; one forbidden field refuses the whole
// change.
func TestFieldAuthorisation(t *testing.T) {
	srv, c := start(t)
	zhangwei := srv.Token(t, "zhangwei")
	p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	v := created(t, srv, zhangwei, p)
	tests := []struct {
		name    string
		changes []domain.FieldChange
		code    string // "" when it applies
	}{
		{"sales edits status", []domain.FieldChange{{Path: "status", Old: `"draft"`, New: `"initiated"`}}, domain.EFORBIDDEN},
		{"sales sets the number", []domain.FieldChange{{Path: "number", Old: "null", New: `"SSDJ-2026-9999"`}}, domain.EFORBIDDEN},
		{"sales writes a decision", []domain.FieldChange{{Path: "decisions[0].actor_id", Old: "null", New: `"u-zhangwei"`}}, domain.EFORBIDDEN},
		{"sales changes the owner", []domain.FieldChange{{Path: "owner_id", Old: `"u-zhangwei"`, New: `"u-lina"`}}, domain.EFORBIDDEN},
		{"sales marks it deleted", []domain.FieldChange{{Path: "deleted", Old: "null", New: "true"}}, domain.EFORBIDDEN},
		{"handover of a draft", []domain.FieldChange{{Path: "handover.place", Old: "null", New: `"会议室"`}}, domain.EFORBIDDEN},
		{"initiation of a draft", []domain.FieldChange{{Path: "initiation.svn_path", Old: "null", New: `"svn://x"`}}, domain.EFORBIDDEN},
		{"a conflict made up by the client", []domain.FieldChange{{Path: "conflicts[0].path", Old: "null", New: `"status"`}}, domain.EFORBIDDEN},
		{"a good field with a forbidden one", []domain.FieldChange{
			{Path: "registration.requirement", Old: `"` + "" + `"`, New: `"x"`},
			{Path: "status", Old: `"draft"`, New: `"submitted"`}}, domain.EFORBIDDEN},
		{"unknown top-level field", []domain.FieldChange{{Path: "colour", Old: "null", New: `"red"`}}, domain.EINVALID},
		{"unknown registration field", []domain.FieldChange{{Path: "registration.colour", Old: "null", New: `"red"`}}, domain.EINVALID},
		{"wrong type", []domain.FieldChange{{Path: "registration.customer.region", Old: `"north"`, New: `5`}}, domain.EINVALID},
		{"updated_at is the server's and ignored", []domain.FieldChange{{Path: "updated_at", Old: "null", New: `"2030-01-01T00:00:00Z"`}}, ""},
		{"a workflow field sent again as it is", []domain.FieldChange{{Path: "status", Old: "null", New: `"draft"`},
			{Path: "owner_id", Old: "null", New: `"u-zhangwei"`}}, ""},
		{"registration field by its sales", []domain.FieldChange{{Path: "registration.other.notes", Old: "null", New: `"备注"`}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := serverProject(t, srv, p.ID)
			ch := wire.Change{ID: servertest.NewID(t), ProjectID: p.ID, Kind: wire.KindEdit, BaseVersion: v, Changes: tt.changes}
			res := srv.Push(t, zhangwei, ch).Results[0]
			if tt.code == "" {
				mustApply(t, tt.name, res)
				return
			}
			mustRefuse(t, tt.name, res, tt.code)
			after := serverProject(t, srv, p.ID)
			if b1, _ := json.Marshal(before); string(b1) != string(mustJSON(t, after)) {
				t.Fatal("a refused change changed the project")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCreateRules: a new project must be the sender's own draft of a kind
// they may raise, with no workflow state; an upgrade's original project
// must be on the server.
func TestCreateRules(t *testing.T) {
	srv, c := start(t)
	zhangwei := srv.Token(t, "zhangwei")
	base := func() *domain.Project {
		return servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	}
	tests := []struct {
		name  string
		token string
		edit  func(p *domain.Project)
		code  string
	}{
		{"someone else as applicant", zhangwei, func(p *domain.Project) { p.OwnerID = "u-liuyang" }, domain.EFORBIDDEN},
		{"not a draft", zhangwei, func(p *domain.Project) { p.Status = domain.StatusSubmitted }, domain.EFORBIDDEN},
		{"with a number", zhangwei, func(p *domain.Project) { p.Number = "SSDJ-2026-0042" }, domain.EFORBIDDEN},
		{"with decisions", zhangwei, func(p *domain.Project) {
			p.Decisions = []domain.Decision{{Action: domain.ActApprove, ActorID: "u-zhangwei"}}
		}, domain.EFORBIDDEN},
		{"with a receiver", zhangwei, func(p *domain.Project) { p.ReceiverID = "u-zhaolei" }, domain.EFORBIDDEN},
		{"unknown kind", zhangwei, func(p *domain.Project) { p.Registration.Kind = "gift" }, domain.EINVALID},
		{"upgrade on a project the server lacks", zhangwei, func(p *domain.Project) {
			p.Registration = servertest.Registration(domain.KindUpgrade, servertest.NewID(t))
		}, domain.EINVALID},
		{"a PM raises a registration", "zhaolei", func(p *domain.Project) { p.OwnerID = "u-zhaolei" }, domain.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token
			if tok != zhangwei {
				tok = srv.Token(t, tok)
			}
			p := base()
			tt.edit(p)
			res := srv.Push(t, tok, servertest.EditChange(t, nil, p, 0)).Results[0]
			mustRefuse(t, tt.name, res, tt.code)
			all, _ := srv.PullAll(t, srv.Token(t, "admin"), 0)
			if all[p.ID] != nil {
				t.Fatal("a refused creation created the project")
			}
		})
	}
	// An id in the document that is not the change's project id.
	p := base()
	ch := servertest.EditChange(t, nil, p, 0)
	ch.ProjectID = servertest.NewID(t)
	mustRefuse(t, "id mismatch", srv.Push(t, zhangwei, ch).Results[0], domain.EINVALID)
	// An edit of a project the server has never seen, based on a version.
	ch = servertest.EditChange(t, nil, base(), 3)
	mustRefuse(t, "edit of an unknown project", srv.Push(t, zhangwei, ch).Results[0], domain.ENOTFOUND)
}

// TestUpgradeNeedsItsOriginalProject: submitting an upgrade whose original
// project is gone from the server is refused with a clear message.
func TestUpgradeNeedsItsOriginalProject(t *testing.T) {
	srv, c := start(t)
	tok := srv.Token(t, "zhangwei")
	parent := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	created(t, srv, tok, parent)
	up := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindUpgrade, parent.ID), c.Now())
	created(t, srv, tok, up)
	mustApply(t, "discard the parent draft", act(t, srv, tok, parent.ID, domain.Command{Action: domain.ActDiscard}))
	e := mustRefuse(t, "submit", act(t, srv, tok, up.ID, submit), domain.EINVALID)
	if !strings.Contains(e.Message, parent.ID) || !strings.Contains(e.Message, "原有项目") {
		t.Fatalf("message %q", e.Message)
	}
	// The discarded parent travels as a tombstone.
	all, _ := srv.PullAll(t, tok, 0)
	if !all[parent.ID].Deleted {
		t.Fatal("the discarded draft is not a tombstone in pull")
	}
}

// TestActionIgnoresClientFields: an action is re-run on the server's copy;
// field changes the device sends with it are not applied.
func TestActionIgnoresClientFields(t *testing.T) {
	srv, c := start(t)
	tok := srv.Token(t, "zhangwei")
	p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	created(t, srv, tok, p)
	ch := servertest.ActionChange(t, p.ID, submit, 1)
	ch.Changes = []domain.FieldChange{{Path: "status", Old: `"draft"`, New: `"initiated"`},
		{Path: "number", Old: "null", New: `"SSDJ-1999-0001"`}}
	res := mustApply(t, "submit", srv.Push(t, tok, ch).Results[0])
	got := serverProject(t, srv, p.ID)
	if got.Status != domain.StatusSubmitted || got.Number != res.Number || res.Number != "SSDJ-2026-0001" {
		t.Fatalf("status %s number %s", got.Status, got.Number)
	}
	if !slices.ContainsFunc(got.Decisions, func(d domain.Decision) bool { return d.Action == domain.ActSubmit && d.At.Equal(c.Now()) }) {
		t.Fatalf("the decision is stamped with the server's clock: %+v", got.Decisions)
	}
}

// TestInternalErrorRollsBackTheBatch: when the server fails inside a push
// (here: a stored document it cannot read), the answer is 500 and nothing
// of the batch is kept — not even the changes before the failure — so the
// device sends it again and nothing is half-applied.
func TestInternalErrorRollsBackTheBatch(t *testing.T) {
	srv, c := start(t)
	tok := srv.Token(t, "zhangwei")
	broken := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	created(t, srv, tok, broken)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(srv.Dir, "server.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE projects SET doc = '{broken' WHERE id = ?", broken.ID); err != nil {
		t.Fatal(err)
	}
	fresh := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	create := servertest.EditChange(t, nil, fresh, 0)
	resp, body := srv.Do(t, http.MethodPost, wire.PathPush, tok, wire.PushRequest{DeviceID: "d", Changes: []wire.Change{
		create, servertest.ActionChange(t, broken.ID, submit, 1)}})
	e := wantError(t, resp, body, http.StatusInternalServerError, domain.EINTERNAL)
	if strings.Contains(e.English, "broken") || strings.Contains(e.English, "invalid character") {
		t.Fatalf("an internal error leaked its detail: %+v", e)
	}
	var n int
	db.QueryRow("SELECT count(*) FROM projects WHERE id = ?", fresh.ID).Scan(&n)
	var answered int
	db.QueryRow("SELECT count(*) FROM applied_changes WHERE change_id = ?", create.ID).Scan(&answered)
	if n != 0 || answered != 0 {
		t.Fatalf("the failed batch left the creation (%d) or its answer (%d)", n, answered)
	}
	// Once the failure is gone, the same batch applies, once.
	if _, err := db.Exec("DELETE FROM projects WHERE id = ?", broken.ID); err != nil {
		t.Fatal(err)
	}
	res := srv.Push(t, tok, create).Results[0]
	mustApply(t, "resent creation", res)
}

// TestConcurrentPushesAndPulls: many devices pushing and pulling at once
// all get answers (no "database is locked"), and the numbers they are
// given are unique and gap-free.
func TestConcurrentPushesAndPulls(t *testing.T) {
	srv, c := start(t)
	const devices, each = 6, 5
	logins := []string{"zhangwei", "lina"}
	tokens := map[string]string{}
	for _, l := range logins {
		tokens[l] = srv.Token(t, l)
	}
	var wg sync.WaitGroup
	numbers := make(chan string, devices*each)
	errs := make(chan error, devices*each*2)
	for d := range devices {
		login := logins[d%2]
		kind := domain.KindSaaS
		if login == "lina" {
			kind = domain.KindLocal
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				p := servertest.NewProject(t, srv.User(t, login), servertest.Registration(kind, ""), c.Now())
				body, _ := json.Marshal(wire.PushRequest{DeviceID: fmt.Sprint("d", d), Changes: []wire.Change{
					servertest.EditChange(t, nil, p, 0), servertest.ActionChange(t, p.ID, submit, 0)}})
				req, _ := http.NewRequest(http.MethodPost, srv.URL+wire.PathPush, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tokens[login])
				resp, err := srv.Client().Do(req)
				if err != nil {
					errs <- err
					return
				}
				var pr wire.PushResponse
				err = json.NewDecoder(resp.Body).Decode(&pr)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || pr.Results[1].Status != wire.StatusApplied {
					errs <- fmt.Errorf("push: %s %v %+v", resp.Status, err, pr)
					return
				}
				numbers <- pr.Results[1].Number
				req, _ = http.NewRequest(http.MethodGet, srv.URL+wire.PathPull+"?since=0", nil)
				req.Header.Set("Authorization", "Bearer "+tokens[login])
				if resp, err = srv.Client().Do(req); err != nil || resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("pull: %v", err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	close(numbers)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var got []string
	for n := range numbers {
		got = append(got, n)
	}
	slices.Sort(got)
	for i, n := range got {
		if want := fmt.Sprintf("SSDJ-2026-%04d", i+1); n != want {
			t.Fatalf("numbers %v: #%d is %s, want %s", got, i, n, want)
		}
	}
	if len(got) != devices*each {
		t.Fatalf("%d numbers", len(got))
	}
}
