package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"lixiang/domain"
)

// stepKinds is the shape of an approval round.
func stepKinds(a *domain.ApprovalRound) []domain.StepKind {
	var out []domain.StepKind
	for _, s := range a.Steps {
		out = append(out, s.Kind)
	}
	return out
}

var (
	specialChain = []domain.StepKind{domain.StepResponsibleSales, domain.StepSalesManager, domain.StepSpecialLeader,
		domain.StepBusiness, domain.StepExecution}
	upgradeChain = []domain.StepKind{domain.StepResponsibleSales, domain.StepSalesManager, domain.StepBusiness,
		domain.StepExecution}
	normalChain = []domain.StepKind{domain.StepExecution}
)

// regionCase is a region with its people.
type regionCase struct {
	code, name                       string
	sales, presales, manager, leader string
	otherLeader                      string
	pm                               string
}

var regions = []regionCase{
	{"north", "北方", salesNorth, presalesNorth, managerNorth, leaderNorth, leaderSouth, pmNorth},
	{"south", "南方", salesSouth, presalesSouth, managerSouth, leaderSouth, leaderNorth, pmSouth},
}

// inRegion is a valid registration of kind k for region rc.
func inRegion(k domain.Kind, rc regionCase) domain.Registration {
	r := validFor(k)
	r.Customer.Region = rc.code
	r.SalesID = rc.sales
	if k == domain.KindLocal {
		r.PresalesID = rc.presales
	}
	return r
}

// receiverOf is who accepts a kind for the executing department in the demo
// org (SPEC §2.1 接收方: 项目实施部 for local, 客户成功 for SaaS; §2.2 项目实施).
func receiverOf(k domain.Kind, rc regionCase) string {
	if k == domain.KindSaaS {
		return csNorth
	}
	return rc.pm
}

// TestSpecialApprovalInEachRegion: when the contract is not signed or the
// first payment is not back, local and SaaS registrations go 责任销售 → 销售主管
// → 特批领导 of the region → 商务审批员 → 执行部门; 北方 is decided by 杨辉玉 and
// 南方 by 戴娟翔, and the other region's leader is refused (SPEC §2.3; standard
// 3.2.1 "北方杨辉玉杨总，南方戴娟翔戴总").
func TestSpecialApprovalInEachRegion(t *testing.T) {
	org := demoOrg(t)
	contracts := []struct {
		name string
		c    domain.Contract
	}{
		{"contract not signed", domain.Contract{Signed: domain.No, FirstPayment: domain.No}},
		{"first payment not back", domain.Contract{Signed: domain.Yes, FirstPayment: domain.No}},
		{"signed later, paid before (odd but still special)", domain.Contract{Signed: domain.No, FirstPayment: domain.Yes}},
	}
	for _, k := range []domain.Kind{domain.KindLocal, domain.KindSaaS} {
		for _, rc := range regions {
			for _, cc := range contracts {
				t.Run(string(k)+"/"+rc.name+"/"+cc.name, func(t *testing.T) {
					r := inRegion(k, rc)
					r.Contract = cc.c
					if !r.NeedsSpecialApproval() {
						t.Fatal("NeedsSpecialApproval() = false")
					}
					p := newProject(t, org, rc.sales, r)
					do(t, p, org, submit(rc.sales))

					if !p.Approval.Special || !slices.Equal(stepKinds(p.Approval), specialChain) {
						t.Fatalf("special chain: special=%v steps %v", p.Approval.Special, stepKinds(p.Approval))
					}
					leaderStep := p.Approval.Steps[2]
					if leaderStep.ApproverID != rc.leader || leaderStep.Role != domain.RoleSpecialLeader || leaderStep.Label != "特批领导（"+rc.name+"）" {
						t.Fatalf("leader step %+v, want %s of %s", leaderStep, rc.leader, rc.name)
					}
					// The responsible salesperson's submission confirms step 0.
					if p.Approval.Current != 1 || p.Status != domain.StatusSubmitted {
						t.Fatalf("after submit: current %d status %s", p.Approval.Current, p.Status)
					}
					do(t, p, org, approve(rc.manager))

					// Step 2: only this region's leader.
					if p.WaitsFor(who(t, org, rc.otherLeader)) {
						t.Fatal("the other region's leader sees the project in their inbox")
					}
					if len(p.Allowed(who(t, org, rc.otherLeader), org)) != 0 {
						t.Fatalf("the other region's leader may %v", p.Allowed(who(t, org, rc.otherLeader), org))
					}
					refused(t, p, org, approve(rc.otherLeader), domain.EFORBIDDEN)
					refused(t, p, org, step{rc.otherLeader, domain.Command{Action: domain.ActReturn, Comment: "不同意"}}, domain.EFORBIDDEN)
					refused(t, p, org, approve(business), domain.EFORBIDDEN)
					refused(t, p, org, approve(rc.manager), domain.EFORBIDDEN) // approving twice
					if !p.WaitsFor(who(t, org, rc.leader)) {
						t.Fatal("the region's leader does not see the project")
					}
					do(t, p, org, approve(rc.leader))
					refused(t, p, org, approve(receiverOf(k, rc)), domain.EFORBIDDEN) // business approver first
					do(t, p, org, approve(business))
					do(t, p, org, approve(receiverOf(k, rc)))

					if p.Status != domain.StatusReceived || p.ReceiverID != receiverOf(k, rc) {
						t.Fatalf("after the chain: status %s receiver %s", p.Status, p.ReceiverID)
					}
					if _, waiting := p.Approval.Waiting(); waiting || p.Approval.Current != len(p.Approval.Steps) {
						t.Fatalf("a completed round still waits: %+v", p.Approval)
					}
					// Every step decided once, in order, by the right person.
					wantActors := []string{rc.sales, rc.sales, rc.manager, rc.leader, business, receiverOf(k, rc)}
					var gotActors []string
					for _, d := range p.Decisions {
						gotActors = append(gotActors, d.ActorID)
						if d.Round != 1 || d.At.IsZero() || (d.Step >= 0 && d.Comment == "") {
							t.Errorf("decision without round, time or comment: %+v", d)
						}
					}
					if !slices.Equal(gotActors, wantActors) {
						t.Fatalf("decided by %v, want %v", gotActors, wantActors)
					}
					// Approving after completion is refused.
					refused(t, p, org, approve(receiverOf(k, rc)), domain.ESTATE)
					refused(t, p, org, approve(rc.leader), domain.ESTATE)
				})
			}
		}
	}
}

// TestNormalPathGoesStraightToTheReceiver: with the contract signed and the
// first payment back there is no 特批: the registration reaches the
// executing department — 项目实施部 (PM) for local, 客户成功 for SaaS (SPEC
// §2.1 接收方, §2.3).
func TestNormalPathGoesStraightToTheReceiver(t *testing.T) {
	org := demoOrg(t)
	tests := []struct {
		kind     domain.Kind
		receiver string
		wrong    []string
	}{
		{domain.KindLocal, pmSouth, []string{csNorth, managerSouth, leaderSouth, business, implSouth}},
		{domain.KindSaaS, csNorth, []string{pmNorth, managerNorth, leaderNorth, business}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			r := validFor(tt.kind)
			if r.NeedsSpecialApproval() {
				t.Fatal("signed and paid needs no special approval")
			}
			p := newProject(t, org, r.SalesID, r)
			do(t, p, org, submit(r.SalesID))
			if p.Approval.Special || !slices.Equal(stepKinds(p.Approval), normalChain) || p.Approval.Current != 0 {
				t.Fatalf("normal chain: %+v", p.Approval)
			}
			if len(p.Decisions) != 1 || p.Decisions[0].Action != domain.ActSubmit {
				t.Fatalf("only the submission is recorded: %+v", p.Decisions)
			}
			for _, w := range tt.wrong {
				if p.WaitsFor(who(t, org, w)) {
					t.Errorf("%s sees the project in their inbox", w)
				}
				refused(t, p, org, approve(w), domain.EFORBIDDEN)
			}
			if !p.WaitsFor(who(t, org, tt.receiver)) {
				t.Fatal("the receiver does not see the project")
			}
			do(t, p, org, approve(tt.receiver))
			if p.Status != domain.StatusReceived || p.ReceiverID != tt.receiver || p.Stage() != domain.StageHandover {
				t.Fatalf("status %s receiver %s stage %s", p.Status, p.ReceiverID, p.Stage())
			}
		})
	}
}

// TestUpgradeChain: a 问题登记 always runs 责任销售 → 销售主管 → 商务审批员 →
// 执行部门, never through a 特批领导, whatever its contract says (SPEC §2.2;
// standard 3.4.1 审批流程).
func TestUpgradeChain(t *testing.T) {
	org := demoOrg(t)
	for _, c := range []domain.Contract{
		{NewContract: domain.Yes, Amount: "380000", Signed: domain.Yes},
		{NewContract: domain.Yes, Amount: "380000", Signed: domain.No},
		{NewContract: domain.No, Signed: domain.No},
	} {
		t.Run(string(c.NewContract)+"/"+string(c.Signed), func(t *testing.T) {
			r := validUpgrade()
			r.Contract = c
			if r.NeedsSpecialApproval() {
				t.Fatal("an upgrade never needs 特批")
			}
			p := newProject(t, org, salesNorth, r)
			do(t, p, org, submit(salesNorth))
			if p.Approval.Special || !slices.Equal(stepKinds(p.Approval), upgradeChain) || p.Approval.Current != 1 {
				t.Fatalf("upgrade chain: %+v", p.Approval)
			}
			if p.Stage() != domain.StageApproval || p.Stage().Label(domain.KindUpgrade) != "审批" {
				t.Fatalf("stage %s %s", p.Stage(), p.Stage().Label(domain.KindUpgrade))
			}
			for _, s := range []string{managerNorth, business, pmNorth} {
				refused(t, p, org, approve(leaderNorth), domain.EFORBIDDEN)
				do(t, p, org, approve(s))
			}
			if p.Status != domain.StatusReceived || p.ReceiverID != pmNorth || p.Stage() != domain.StageContract {
				t.Fatalf("status %s receiver %s stage %s", p.Status, p.ReceiverID, p.Stage())
			}
			for _, d := range p.Decisions {
				if d.Role == domain.RoleSpecialLeader {
					t.Fatalf("a 特批领导 decided an upgrade: %+v", d)
				}
			}
		})
	}
}

// TestPresalesSubmitterLeavesStepOneToTheSales: a local registration may be
// submitted by 售前; then the 责任销售 still decides step one (SPEC §2.1
// 发起者 销售 or 售前, §2.3 chain starts with 责任销售).
func TestPresalesSubmitterLeavesStepOneToTheSales(t *testing.T) {
	org := demoOrg(t)
	rc := regions[1]
	r := inRegion(domain.KindLocal, rc)
	r.Contract.FirstPayment = domain.No
	p := domain.NewProject(projectID, domain.KindLocal, who(t, org, rc.presales), t0)
	if p.Registration.PresalesID != rc.presales || p.Registration.SalesID != "" || p.Registration.Customer.Region != rc.code {
		t.Fatalf("NewProject by presales: %+v", p.Registration)
	}
	p.Registration = r
	do(t, p, org, submit(rc.presales))
	if p.Approval.Current != 0 || len(p.Decisions) != 1 || p.Decisions[0].Role != domain.RolePresales {
		t.Fatalf("after a presales submission: current %d decisions %+v", p.Approval.Current, p.Decisions)
	}
	if !p.WaitsFor(who(t, org, rc.sales)) || p.WaitsFor(who(t, org, rc.manager)) || p.WaitsFor(who(t, org, rc.presales)) {
		t.Fatal("step one waits for the responsible sales only")
	}
	refused(t, p, org, approve(rc.presales), domain.EFORBIDDEN)
	refused(t, p, org, approve(salesNorth), domain.EFORBIDDEN) // a salesperson, not the responsible one
	refused(t, p, org, approve(rc.manager), domain.EFORBIDDEN)
	do(t, p, org, approve(rc.sales))
	if p.Approval.Current != 1 || !p.WaitsFor(who(t, org, rc.manager)) {
		t.Fatalf("after the sales: %+v", p.Approval)
	}

	t.Run("SaaS is submitted by sales only", func(t *testing.T) {
		r := validSaaS()
		p := domain.NewProject(projectID, domain.KindSaaS, who(t, org, presalesNorth), t0)
		r.SalesID = salesNorth
		p.Registration = r
		refused(t, p, org, submit(presalesNorth), domain.EFORBIDDEN)
		do(t, p, org, submit(salesNorth))
	})
	t.Run("upgrade is submitted by sales only", func(t *testing.T) {
		p := domain.NewProject(projectID, domain.KindUpgrade, who(t, org, presalesNorth), t0)
		p.Registration = validUpgrade()
		refused(t, p, org, submit(presalesNorth), domain.EFORBIDDEN)
	})
	t.Run("only the applicant or the responsible sales submits", func(t *testing.T) {
		p := newProject(t, org, rc.presales, inRegion(domain.KindLocal, rc))
		refused(t, p, org, submit(presalesNorth), domain.EFORBIDDEN)
		refused(t, p, org, submit(salesNorth), domain.EFORBIDDEN)
		do(t, p, org, submit(rc.sales))
		if p.Approval.Current != 0 || p.Approval.Special {
			t.Fatalf("signed and paid: straight to the receiver: %+v", p.Approval)
		}
	})
}

// TestReturnEditResubmit: 退回修改 goes back to the submitter, who edits and
// resubmits; the chain starts again from the top in a new round and the
// history is never rewritten (SPEC §2.3).
func TestReturnEditResubmit(t *testing.T) {
	org := demoOrg(t)
	rc := regions[0]
	r := inRegion(domain.KindSaaS, rc)
	r.Contract.Signed = domain.No
	p := newProject(t, org, rc.sales, r)
	do(t, p, org, submit(rc.sales))
	do(t, p, org, approve(rc.manager))
	refused(t, p, org, step{rc.leader, domain.Command{Action: domain.ActReturn}}, domain.EINVALID)
	refused(t, p, org, step{rc.leader, domain.Command{Action: domain.ActReturn, Comment: "  "}}, domain.EINVALID)
	d := do(t, p, org, step{rc.leader, domain.Command{Action: domain.ActReturn, Comment: "请补充合同预计签订时间"}})
	if p.Status != domain.StatusReturned || d.Step != 2 || d.Role != domain.RoleSpecialLeader || d.Comment != "请补充合同预计签订时间" {
		t.Fatalf("after return: status %s decision %+v", p.Status, d)
	}
	if p.Stage() != domain.StageRegistration {
		t.Fatalf("a returned registration is back in stage %s", p.Stage())
	}
	if got := p.StepLabel(d); got != "第 1 轮 · 特批领导" {
		t.Fatalf("StepLabel of the return = %q", got)
	}
	if got := p.StepLabel(p.Decisions[0]); got != "提交" {
		t.Fatalf("StepLabel of the submission = %q", got)
	}
	history := slices.Clone(p.Decisions)

	// Nobody decides a returned registration; the applicant edits it.
	refused(t, p, org, approve(rc.leader), domain.ESTATE)
	refused(t, p, org, approve(business), domain.ESTATE)
	if !p.CanEditRegistration(who(t, org, rc.sales)) || p.CanEditRegistration(who(t, org, rc.manager)) {
		t.Fatal("the applicant edits a returned registration, nobody else")
	}
	if got := p.Allowed(who(t, org, rc.sales), org); !slices.Equal(got, []domain.Action{domain.ActSubmit}) {
		t.Fatalf("the applicant may %v on a returned registration", got)
	}
	p.Registration.Other.Notes = "合同预计 4 月签订"
	do(t, p, org, submit(rc.sales))

	if p.Approval.Round != 2 || p.Approval.Current != 1 || !slices.Equal(stepKinds(p.Approval), specialChain) {
		t.Fatalf("resubmission: %+v", p.Approval)
	}
	if !slices.Equal(p.Decisions[:len(history)], history) {
		t.Fatal("the history was rewritten by the resubmission")
	}
	if !p.WaitsFor(who(t, org, rc.manager)) || p.WaitsFor(who(t, org, rc.leader)) {
		t.Fatal("round 2 starts again at the 销售主管, not where round 1 stopped")
	}
	for _, d := range p.Decisions[len(history):] {
		if d.Round != 2 {
			t.Fatalf("round 2 decision with round %d", d.Round)
		}
	}

	t.Run("the new round follows the edited contract", func(t *testing.T) {
		do(t, p, org, step{rc.manager, domain.Command{Action: domain.ActReturn, Comment: "合同已签再提交"}})
		p.Registration.Contract = domain.Contract{Signed: domain.Yes, FirstPayment: domain.Yes}
		do(t, p, org, submit(rc.sales))
		if p.Approval.Round != 3 || p.Approval.Special || !slices.Equal(stepKinds(p.Approval), normalChain) {
			t.Fatalf("round 3 with a signed contract: %+v", p.Approval)
		}
	})
}

// TestRejectIsFinal: 驳回 ends the registration: nobody may decide, edit,
// resubmit or discard it afterwards, and it needs a comment (SPEC §2.3).
func TestRejectIsFinal(t *testing.T) {
	org := demoOrg(t)
	r := validUpgrade()
	p := newProject(t, org, salesNorth, r)
	do(t, p, org, submit(salesNorth))
	refused(t, p, org, step{managerNorth, domain.Command{Action: domain.ActReject}}, domain.EINVALID)
	do(t, p, org, step{managerNorth, domain.Command{Action: domain.ActReject, Comment: "无新增需求"}})
	if p.Status != domain.StatusRejected {
		t.Fatalf("status %s", p.Status)
	}
	for _, s := range []step{
		submit(salesNorth),
		approve(managerNorth),
		approve(business),
		{managerNorth, domain.Command{Action: domain.ActReturn, Comment: "再议"}},
		{salesNorth, domain.Command{Action: domain.ActDiscard}},
		{pmNorth, domain.Command{Action: domain.ActConfirmContract, Answer: domain.Yes}},
	} {
		refused(t, p, org, s, domain.ESTATE)
	}
	if p.CanEditRegistration(who(t, org, salesNorth)) {
		t.Fatal("a rejected registration is editable")
	}
	for _, u := range org.Users {
		if got := p.Allowed(u, org); len(got) != 0 {
			t.Errorf("%s may %v on a rejected project", u.ID, got)
		}
		if p.WaitsFor(u) {
			t.Errorf("a rejected project waits for %s", u.ID)
		}
	}
}

// TestNobodyApprovesTheirOwnRegistration: past the 责任销售 step, neither the
// applicant nor the responsible sales may decide, whatever other role they
// hold (SPEC §2.3: approval is by other people).
func TestNobodyApprovesTheirOwnRegistration(t *testing.T) {
	org := demoOrg(t)
	org.Users = append(org.Users,
		domain.User{ID: "u-boss", Login: "boss", Name: "兼任主管的销售", Region: "north",
			Roles: []domain.Role{domain.RoleSales, domain.RoleSalesManager, domain.RoleBusinessApprover, domain.RolePM, domain.RoleCustomerSuccess}},
		domain.User{ID: "u-presales-pm", Login: "ppm", Name: "兼任项目经理的售前", Region: "north",
			Roles: []domain.Role{domain.RolePresales, domain.RolePM}},
	)
	t.Run("sales who is also 销售主管, 商务审批员 and receiver", func(t *testing.T) {
		for _, k := range domain.Kinds {
			r := validFor(k)
			r.Customer.Region, r.SalesID = "north", "u-boss"
			r.Contract.Signed = domain.No
			p := newProject(t, org, "u-boss", r)
			do(t, p, org, submit("u-boss"))
			if p.WaitsFor(who(t, org, "u-boss")) {
				t.Fatalf("%s: the project waits for its own applicant", k)
			}
			refused(t, p, org, approve("u-boss"), domain.EFORBIDDEN)
			refused(t, p, org, step{"u-boss", domain.Command{Action: domain.ActReject, Comment: "x"}}, domain.EFORBIDDEN)
		}
	})
	t.Run("presales applicant who is also PM", func(t *testing.T) {
		r := validLocal()
		r.Customer.Region, r.SalesID, r.PresalesID = "north", salesNorth, "u-presales-pm"
		p := newProject(t, org, "u-presales-pm", r)
		do(t, p, org, submit("u-presales-pm"))
		refused(t, p, org, approve("u-presales-pm"), domain.EFORBIDDEN)
		do(t, p, org, approve(pmNorth))
	})
	t.Run("the responsible sales cannot receive their own project", func(t *testing.T) {
		r := validLocal()
		r.Customer.Region, r.SalesID = "north", "u-boss"
		p := newProject(t, org, presalesNorth, r)
		p.Registration.PresalesID = presalesNorth
		do(t, p, org, submit(presalesNorth))
		refused(t, p, org, approve("u-boss"), domain.EFORBIDDEN)
	})
}

// TestInvalidSubmissionChangesNothing: a registration with problems cannot be
// submitted; the refusal carries every problem (domain.Problems) and the
// project stays as it was (SPEC §5: nothing of the input lost).
func TestInvalidSubmissionChangesNothing(t *testing.T) {
	org := demoOrg(t)
	r := validLocal()
	r.Systems[1].Vendor = ""
	r.Background.SealCount = "三百"
	p := newProject(t, org, salesSouth, r)
	err := refused(t, p, org, submit(salesSouth), domain.EINVALID)
	ps, ok := err.(domain.Problems)
	if !ok {
		t.Fatalf("refusal is %T, want domain.Problems", err)
	}
	got := paths(ps)
	slices.Sort(got)
	if !slices.Equal(got, []string{"background.seal_count", "systems[1].vendor"}) {
		t.Fatalf("problems %v", ps)
	}
	if p.Status != domain.StatusDraft || p.Approval != nil || len(p.Decisions) != 0 {
		t.Fatalf("refused submission changed the project: %+v", p)
	}
	// Allowed does not run the form checks: the button stays, the refusal explains.
	if got := p.Allowed(who(t, org, salesSouth), org); !slices.Contains(got, domain.ActSubmit) {
		t.Fatalf("Allowed = %v", got)
	}
	t.Run("no directory", func(t *testing.T) {
		p := newProject(t, org, salesSouth, validLocal())
		before := snapshot(t, p)
		if _, err := p.Apply(domain.Command{Action: domain.ActSubmit}, who(t, org, salesSouth), nil, t0); domain.ErrorCode(err) != domain.EINTERNAL {
			t.Fatalf("submit without org: %v", err)
		}
		if snapshot(t, p) != before {
			t.Fatal("changed")
		}
	})
}

// TestWrongStateAndWrongRole: each action is refused in a state it does not
// fit (ESTATE) and by a person without its role (EFORBIDDEN), and a refusal
// leaves the project as it was (SPEC §5: the server checks role and state).
func TestWrongStateAndWrongRole(t *testing.T) {
	org := demoOrg(t)
	draft := func() *domain.Project { return newProject(t, org, salesSouth, validLocal()) }
	submitted := func() *domain.Project {
		p := draft()
		do(t, p, org, submit(salesSouth))
		return p
	}
	received := func() *domain.Project {
		p := submitted()
		do(t, p, org, approve(pmSouth))
		return p
	}
	tests := []struct {
		rule    string
		project func() *domain.Project
		step    step
		code    string
	}{
		{"approve a draft", draft, approve(pmSouth), domain.ESTATE},
		{"return a draft", draft, step{pmSouth, domain.Command{Action: domain.ActReturn, Comment: "x"}}, domain.ESTATE},
		{"hand over a draft", draft, step{pmSouth, domain.Command{Action: domain.ActCompleteHandover}}, domain.ESTATE},
		{"initiate a draft", draft, step{pmSouth, domain.Command{Action: domain.ActInitiate}}, domain.ESTATE},
		{"discard someone else's draft", draft, step{presalesSouth, domain.Command{Action: domain.ActDiscard}}, domain.EFORBIDDEN},
		{"unknown action", draft, step{salesSouth, domain.Command{Action: "publish"}}, domain.EINVALID},
		{"submit twice", submitted, submit(salesSouth), domain.ESTATE},
		{"discard a submitted registration", submitted, step{salesSouth, domain.Command{Action: domain.ActDiscard}}, domain.ESTATE},
		{"§2.1 local receiver is a PM, not 客户成功", submitted, approve(csNorth), domain.EFORBIDDEN},
		{"§2.1 local receiver is a PM, not 实施", submitted, approve(implSouth), domain.EFORBIDDEN},
		{"admin holds no approval role", submitted, approve(admin), domain.EFORBIDDEN},
		{"hand over before receipt", submitted, step{pmSouth, domain.Command{Action: domain.ActCompleteHandover}}, domain.ESTATE},
		{"approve after receipt", received, approve(pmSouth), domain.ESTATE},
		{"confirm a contract of a local project", received, step{pmSouth, domain.Command{Action: domain.ActConfirmContract, Answer: domain.Yes}}, domain.ESTATE},
		{"initiate before the handover", received, step{pmSouth, domain.Command{Action: domain.ActInitiate}}, domain.ESTATE},
		{"§3 local handover by the PM, not 客户成功", received, step{csNorth, domain.Command{Action: domain.ActCompleteHandover}}, domain.EFORBIDDEN},
		{"§3 local handover by the PM, not sales", received, step{salesSouth, domain.Command{Action: domain.ActCompleteHandover}}, domain.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			refused(t, tt.project(), org, tt.step, tt.code)
		})
	}
	t.Run("a disabled account is refused", func(t *testing.T) {
		p := submitted()
		u := who(t, org, pmSouth)
		u.Disabled = true
		before := snapshot(t, p)
		if _, err := p.Apply(domain.Command{Action: domain.ActApprove}, u, org, t0); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("disabled PM: %v", err)
		}
		if snapshot(t, p) != before || p.WaitsFor(u) || len(p.Allowed(u, org)) != 0 {
			t.Fatal("a disabled account acted or sees actions")
		}
	})
}

// TestDiscardDraft: the applicant may delete a draft; a deleted draft
// accepts no action.
func TestDiscardDraft(t *testing.T) {
	org := demoOrg(t)
	p := newProject(t, org, salesNorth, validSaaS())
	if got := p.Allowed(who(t, org, salesNorth), org); !slices.Equal(got, []domain.Action{domain.ActSubmit, domain.ActDiscard}) {
		t.Fatalf("the applicant of a draft may %v", got)
	}
	do(t, p, org, step{salesNorth, domain.Command{Action: domain.ActDiscard}})
	if !p.Deleted || p.Decisions[0].Action != domain.ActDiscard {
		t.Fatalf("discard: %+v", p)
	}
	refused(t, p, org, submit(salesNorth), domain.ENOTFOUND)
	refused(t, p, org, step{salesNorth, domain.Command{Action: domain.ActDiscard}}, domain.ENOTFOUND)
	if len(p.Allowed(who(t, org, salesNorth), org)) != 0 || p.CanEditRegistration(who(t, org, salesNorth)) {
		t.Fatal("a discarded draft still offers actions")
	}
	// Refusing an edit, it says the draft was discarded, not that it is a draft.
	err := p.EditForbidden("registration.requirement")
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.EFORBIDDEN || !strings.Contains(e.Message, "草稿已删除") ||
		!strings.Contains(e.English, "discarded") || !strings.Contains(e.Message, "registration.requirement") {
		t.Fatalf("editing a discarded draft: %v", err)
	}
}

// TestEditForbiddenNamesTheState: an edit the state does not allow is
// refused naming the field and the state it is in.
func TestEditForbiddenNamesTheState(t *testing.T) {
	org := demoOrg(t)
	p := newProject(t, org, salesNorth, validSaaS())
	do(t, p, org, submit(salesNorth))
	err := p.EditForbidden("registration.requirement")
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.EFORBIDDEN || !strings.Contains(e.Message, "registration.requirement") ||
		!strings.Contains(e.Message, p.Status.Label()) || strings.Contains(e.Message, "删除") {
		t.Fatalf("editing a submitted registration: %v", err)
	}
}

// completeHandover fills what only the meeting knows: time, place and
// participant names.
func completeHandover(h *domain.Handover) {
	h.Time, h.Place = "2026-03-10 14:00", "客户现场三楼会议室"
	for i := range h.Participants {
		if h.Participants[i].Name == "" {
			h.Participants[i].Name = "参会人" + h.Participants[i].Role
		}
	}
}

// completeInitiation fills what the 区域主管 assigns: the PM and implementers.
func completeInitiation(in *domain.Initiation, pm string, implementers ...string) {
	for i := range in.Permissions {
		switch in.Permissions[i].Role {
		case domain.PermProjectAdmin:
			if len(in.Permissions[i].Users) == 0 {
				in.Permissions[i].Users = []string{pm}
			}
		case domain.PermImplementer:
			in.Permissions[i].Users = implementers
		}
	}
}

// TestHandoverCompletion: the meeting is recorded by the PM (local) or 客户成功
// (SaaS) and marked held only when the record is complete (SPEC §3 发起者).
func TestHandoverCompletion(t *testing.T) {
	org := demoOrg(t)
	tests := []struct {
		kind      domain.Kind
		organiser string
		wrong     []string
	}{
		{domain.KindLocal, pmSouth, []string{csNorth, csManager, salesSouth, implSouth}},
		{domain.KindSaaS, csNorth, []string{pmNorth, salesNorth, presalesNorth}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			if want := map[domain.Kind]domain.Role{domain.KindLocal: domain.RolePM, domain.KindSaaS: domain.RoleCustomerSuccess}[tt.kind]; domain.HandoverRole(tt.kind) != want {
				t.Fatalf("HandoverRole(%s) = %s, want %s", tt.kind, domain.HandoverRole(tt.kind), want)
			}
			r := validFor(tt.kind)
			p := newProject(t, org, r.SalesID, r)
			do(t, p, org, submit(r.SalesID))
			do(t, p, org, approve(tt.organiser))
			organiser := who(t, org, tt.organiser)
			if !p.CanEditHandover(organiser) {
				t.Fatal("the organiser cannot record the meeting")
			}
			if got := p.Allowed(organiser, org); !slices.Equal(got, []domain.Action{domain.ActCompleteHandover}) {
				t.Fatalf("the organiser may %v", got)
			}
			hand := step{tt.organiser, domain.Command{Action: domain.ActCompleteHandover}}
			refused(t, p, org, hand, domain.EINVALID) // no record yet
			p.Handover = domain.NewHandover(p, org, organiser)
			if err := refused(t, p, org, hand, domain.EINVALID); err == nil {
				t.Fatal("an empty meeting record was accepted")
			} else if _, ok := err.(domain.Problems); !ok {
				t.Fatalf("an incomplete record is refused with %T, want Problems", err)
			}
			completeHandover(p.Handover)
			for _, w := range tt.wrong {
				if p.CanEditHandover(who(t, org, w)) {
					t.Errorf("%s may record the meeting", w)
				}
				refused(t, p, org, step{w, domain.Command{Action: domain.ActCompleteHandover}}, domain.EFORBIDDEN)
			}
			do(t, p, org, hand)
			if p.Status != domain.StatusHandedOver || p.Stage() != domain.StageInitiation {
				t.Fatalf("status %s stage %s", p.Status, p.Stage())
			}
			refused(t, p, org, hand, domain.ESTATE)
		})
	}
	t.Run("upgrade has no handover meeting", func(t *testing.T) {
		p := newProject(t, org, salesNorth, validUpgrade())
		do(t, p, org, submit(salesNorth))
		for _, s := range []string{managerNorth, business, pmNorth} {
			do(t, p, org, approve(s))
		}
		if p.CanEditHandover(who(t, org, pmNorth)) {
			t.Fatal("an upgrade offers a handover")
		}
		refused(t, p, org, step{pmNorth, domain.Command{Action: domain.ActCompleteHandover}}, domain.ESTATE)
	})
}

// receivedUpgrade runs an upgrade through its chain to the PM.
func receivedUpgrade(t testing.TB, org *domain.Org) *domain.Project {
	t.Helper()
	p := newProject(t, org, salesNorth, validUpgrade())
	do(t, p, org, submit(salesNorth))
	p.Number = "WT-2026-0031" // assigned by the server on first acceptance
	for _, s := range []string{managerNorth, business, pmNorth} {
		do(t, p, org, approve(s))
	}
	return p
}

// TestUpgradeContractConfirmation: after the chain the PM confirms whether a
// new contract was signed; yes leads to a sub-project's initiation, no closes
// the issue without one (SPEC §2.2; standard 3.4 "如果新签合同需要立子项目").
func TestUpgradeContractConfirmation(t *testing.T) {
	org := demoOrg(t)
	t.Run("answer required, PM only", func(t *testing.T) {
		p := receivedUpgrade(t, org)
		if got := p.Allowed(who(t, org, pmNorth), org); !slices.Equal(got, []domain.Action{domain.ActConfirmContract}) {
			t.Fatalf("the PM may %v", got)
		}
		refused(t, p, org, step{pmNorth, domain.Command{Action: domain.ActConfirmContract}}, domain.EINVALID)
		refused(t, p, org, step{pmNorth, domain.Command{Action: domain.ActConfirmContract, Answer: "maybe"}}, domain.EINVALID)
		refused(t, p, org, step{csManager, domain.Command{Action: domain.ActConfirmContract, Answer: domain.Yes}}, domain.EFORBIDDEN)
		refused(t, p, org, step{salesNorth, domain.Command{Action: domain.ActConfirmContract, Answer: domain.Yes}}, domain.EFORBIDDEN)
		refused(t, p, org, step{pmNorth, domain.Command{Action: domain.ActInitiate}}, domain.ESTATE)
	})
	t.Run("no new contract: closed, no initiation", func(t *testing.T) {
		p := receivedUpgrade(t, org)
		d := do(t, p, org, step{pmNorth, domain.Command{Action: domain.ActConfirmContract, Answer: domain.No, Comment: "按问题处理"}})
		if p.Status != domain.StatusClosed || p.NewContract != domain.No || d.Answer != domain.No || d.Role != domain.RolePM {
			t.Fatalf("status %s answer %s decision %+v", p.Status, p.NewContract, d)
		}
		if p.Stage() != domain.StageContract {
			t.Fatalf("a closed upgrade ends at the contract stage, not %s", p.Stage())
		}
		for _, u := range org.Users {
			if got := p.Allowed(u, org); len(got) != 0 {
				t.Errorf("%s may %v on a closed upgrade", u.ID, got)
			}
		}
		parent := parentProject(t, org)
		p.Initiation = domain.NewInitiation(p, org, who(t, org, pmNorth), parent, t0)
		completeInitiation(p.Initiation, pmNorth, implNorth)
		refused(t, p, org, step{pmNorth, domain.Command{Action: domain.ActInitiate}}, domain.ESTATE)
		refused(t, p, org, step{pmNorth, domain.Command{Action: domain.ActConfirmContract, Answer: domain.Yes}}, domain.ESTATE)
	})
	t.Run("new contract: a sub-project is initiated", func(t *testing.T) {
		p := receivedUpgrade(t, org)
		do(t, p, org, step{pmNorth, domain.Command{Action: domain.ActConfirmContract, Answer: domain.Yes}})
		if p.Status != domain.StatusContractConfirmed || p.NewContract != domain.Yes || p.Stage() != domain.StageInitiation {
			t.Fatalf("status %s stage %s", p.Status, p.Stage())
		}
		if !p.CanEditInitiation(who(t, org, pmNorth)) || p.CanEditInitiation(who(t, org, csManager)) {
			t.Fatal("the PM fills in the upgrade's initiation, nobody else")
		}
		parent := parentProject(t, org)
		p.Initiation = domain.NewInitiation(p, org, who(t, org, pmNorth), parent, t0)
		if !p.Initiation.SubProject || p.Initiation.ParentID != parentID {
			t.Fatalf("an upgrade is initiated as a sub-project: %+v", p.Initiation)
		}
		completeInitiation(p.Initiation, pmNorth, implNorth)
		refused(t, p, org, step{csManager, domain.Command{Action: domain.ActInitiate}}, domain.EFORBIDDEN)
		do(t, p, org, step{pmNorth, domain.Command{Action: domain.ActInitiate}})
		if p.Status != domain.StatusInitiated || p.Initiation.Basis != "WT-2026-0031" {
			t.Fatalf("status %s basis %q", p.Status, p.Initiation.Basis)
		}
		if p.ProjectName() != "河北钢铁集团有限公司电子签章升级项目" {
			t.Fatalf("project name %q", p.ProjectName())
		}
	})
}

// TestInitiation: 立项 is by the PM (local, upgrade) or the 客户成功主管 (SaaS),
// rests on the registration number (立项依据) and needs a complete initiation
// (SPEC §4).
func TestInitiation(t *testing.T) {
	org := demoOrg(t)
	tests := []struct {
		kind      domain.Kind
		organiser string
		initiator string
		wrong     []string
	}{
		{domain.KindLocal, pmSouth, pmSouth, []string{csManager, regionMgrNorth, salesSouth}},
		{domain.KindSaaS, csNorth, csManager, []string{csNorth, pmNorth, regionMgrNorth, salesNorth}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			if domain.InitiatorRole(tt.kind) != map[domain.Kind]domain.Role{domain.KindLocal: domain.RolePM, domain.KindSaaS: domain.RoleCSManager}[tt.kind] {
				t.Fatalf("InitiatorRole(%s) = %s", tt.kind, domain.InitiatorRole(tt.kind))
			}
			r := validFor(tt.kind)
			p := newProject(t, org, r.SalesID, r)
			do(t, p, org, submit(r.SalesID))
			do(t, p, org, approve(tt.organiser))
			p.Handover = domain.NewHandover(p, org, who(t, org, tt.organiser))
			completeHandover(p.Handover)
			do(t, p, org, step{tt.organiser, domain.Command{Action: domain.ActCompleteHandover}})

			initiate := step{tt.initiator, domain.Command{Action: domain.ActInitiate}}
			if got := p.Allowed(who(t, org, tt.initiator), org); !slices.Equal(got, []domain.Action{domain.ActInitiate}) {
				t.Fatalf("the initiator may %v", got)
			}
			refused(t, p, org, initiate, domain.EINVALID) // no initiation yet, no number
			p.Initiation = domain.NewInitiation(p, org, who(t, org, tt.initiator), nil, t0)
			completeInitiation(p.Initiation, pmNorth, implNorth)
			refused(t, p, org, initiate, domain.EINVALID) // no number yet
			p.Number = "SS-2026-0007"
			for _, w := range tt.wrong {
				if p.CanEditInitiation(who(t, org, w)) {
					t.Errorf("%s may fill in the initiation", w)
				}
				refused(t, p, org, step{w, domain.Command{Action: domain.ActInitiate}}, domain.EFORBIDDEN)
			}
			saved := p.Initiation.Permissions
			p.Initiation.Permissions = nil
			if err := refused(t, p, org, initiate, domain.EINVALID); err != nil {
				if _, ok := err.(domain.Problems); !ok {
					t.Fatalf("an incomplete initiation is refused with %T", err)
				}
			}
			p.Initiation.Permissions = saved
			d := do(t, p, org, initiate)
			if p.Status != domain.StatusInitiated || p.Initiation.Basis != "SS-2026-0007" || d.Role != domain.InitiatorRole(tt.kind) {
				t.Fatalf("status %s basis %q decision %+v", p.Status, p.Initiation.Basis, d)
			}
			refused(t, p, org, initiate, domain.ESTATE)
			for _, u := range org.Users {
				if got := p.Allowed(u, org); len(got) != 0 {
					t.Errorf("%s may %v on an initiated project", u.ID, got)
				}
			}
		})
	}
}

// TestStagesOfEachKind: the timeline a kind shows (SPEC §1 flow column).
func TestStagesOfEachKind(t *testing.T) {
	want := map[domain.Kind][]string{
		domain.KindLocal:   {"实施登记", "特批", "交接", "立项"},
		domain.KindSaaS:    {"实施登记", "特批", "交接", "立项"},
		domain.KindUpgrade: {"问题登记", "审批", "确认合同", "立项"},
	}
	for k, labels := range want {
		var got []string
		for _, s := range domain.Stages(k) {
			got = append(got, s.Label(k))
		}
		if !slices.Equal(got, labels) {
			t.Errorf("%s stages %v, want %v", k, got, labels)
		}
	}
}

// TestChainNeedsAConfiguredRegion: a special approval cannot be routed when
// the region has no leader configured (SPEC §5: leaders are configuration).
func TestChainNeedsAConfiguredRegion(t *testing.T) {
	org := demoOrg(t)
	r := validSaaS()
	r.Contract.Signed = domain.No
	r.Customer.Region = "west"
	if _, _, err := domain.Chain(&r, org); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("Chain with an unknown region: %v", err)
	}
	p := newProject(t, org, salesNorth, r)
	refused(t, p, org, submit(salesNorth), domain.EINVALID)
}

// TestNewProjectDefaults: a draft starts with the applicant's region and, for
// a salesperson, themselves as 责任销售.
func TestNewProjectDefaults(t *testing.T) {
	org := demoOrg(t)
	p := domain.NewProject(projectID, domain.KindSaaS, who(t, org, salesSouth), t0)
	if p.Status != domain.StatusDraft || p.OwnerID != salesSouth || p.Registration.SalesID != salesSouth ||
		p.Registration.Customer.Region != "south" || p.Registration.Kind != domain.KindSaaS || !p.CreatedAt.Equal(t0) {
		t.Fatalf("NewProject: %+v", p)
	}
	if p.DisplayNumber() != domain.NumberPending || p.Stage() != domain.StageRegistration {
		t.Fatalf("a new draft shows %q in stage %s", p.DisplayNumber(), p.Stage())
	}
	if p.ProjectName() != "" {
		t.Fatalf("a draft has no project name yet: %q", p.ProjectName())
	}
}

// TestInboxMatchesAllowed: at every point of every chain, a project waits
// for exactly the people who may approve it now, and the people Allowed
// offers a decision to are offered all three (同意, 退回修改, 驳回) (SPEC §2.3:
// every step is a decision by one person).
func TestInboxMatchesAllowed(t *testing.T) {
	org := demoOrg(t)
	special := inRegion(domain.KindLocal, regions[0])
	special.Contract.Signed = domain.No
	for _, r := range []domain.Registration{special, validSaaS(), validUpgrade()} {
		t.Run(string(r.Kind), func(t *testing.T) {
			p := newProject(t, org, r.SalesID, r)
			do(t, p, org, submit(r.SalesID))
			for p.Status == domain.StatusSubmitted {
				var deciders []string
				for _, u := range org.Users {
					allowed := p.Allowed(u, org)
					decides := slices.Contains(allowed, domain.ActApprove)
					if p.WaitsFor(u) != decides {
						t.Fatalf("step %d: WaitsFor(%s) = %v but Allowed = %v", p.Approval.Current, u.ID, p.WaitsFor(u), allowed)
					}
					if decides {
						if !slices.Equal(allowed, []domain.Action{domain.ActApprove, domain.ActReturn, domain.ActReject}) {
							t.Fatalf("step %d: %s may %v", p.Approval.Current, u.ID, allowed)
						}
						deciders = append(deciders, u.ID)
					}
				}
				if len(deciders) == 0 {
					t.Fatalf("step %d waits for nobody", p.Approval.Current)
				}
				do(t, p, org, approve(deciders[len(deciders)-1]))
			}
			for _, u := range org.Users {
				if p.WaitsFor(u) {
					t.Errorf("a received project still waits for %s", u.ID)
				}
			}
		})
	}
}
