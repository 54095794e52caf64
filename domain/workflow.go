package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Action is a workflow action a person takes on a project.
type Action string

const (
	ActSubmit           Action = "submit"            // 提交
	ActApprove          Action = "approve"           // 同意
	ActReturn           Action = "return"            // 退回修改
	ActReject           Action = "reject"            // 驳回 (final)
	ActCompleteHandover Action = "complete_handover" // 完成会议交接
	ActConfirmContract  Action = "confirm_contract"  // 确认是否新签合同 (upgrade)
	ActInitiate         Action = "initiate"          // 立项
	ActDiscard          Action = "discard"           // 删除草稿
)

// Actions lists every action.
var Actions = []Action{ActSubmit, ActApprove, ActReturn, ActReject, ActCompleteHandover,
	ActConfirmContract, ActInitiate, ActDiscard}

// Label is the action's Chinese name.
func (a Action) Label() string {
	switch a {
	case ActSubmit:
		return "提交"
	case ActApprove:
		return "同意"
	case ActReturn:
		return "退回修改"
	case ActReject:
		return "驳回"
	case ActCompleteHandover:
		return "完成会议交接"
	case ActConfirmContract:
		return "确认新签合同"
	case ActInitiate:
		return "立项"
	case ActDiscard:
		return "删除草稿"
	}
	return string(a)
}

// StepKind names a step of an approval chain.
type StepKind string

const (
	StepResponsibleSales StepKind = "responsible_sales" // 责任销售
	StepSalesManager     StepKind = "sales_manager"     // 销售主管
	StepSpecialLeader    StepKind = "special_leader"    // 特批领导 (of the project's region)
	StepBusiness         StepKind = "business_approver" // 商务审批员
	StepExecution        StepKind = "execution"         // 具体执行部门 (项目部 / 运营中心 / 客户成功部)
)

// Step is one step of an approval chain: who may decide it.
type Step struct {
	Kind StepKind `json:"kind"`
	Role Role     `json:"role"`
	// ApproverID, when set, is the one person who may decide the step
	// (the responsible sales; the region's special-approval leader).
	ApproverID string `json:"approver_id,omitempty"`
	Label      string `json:"label"`
}

// ApprovalRound is one run of the approval chain, started by a submission;
// a return ends it, and the resubmission starts a new one from the top.
type ApprovalRound struct {
	Round   int    `json:"round"`
	Special bool   `json:"special"` // 特批 (contract not signed or first payment not back)
	Steps   []Step `json:"steps"`
	Current int    `json:"current"` // index of the waiting step; len(Steps) once done
}

// Waiting returns the step that waits for a decision.
func (a *ApprovalRound) Waiting() (Step, bool) {
	if a == nil || a.Current < 0 || a.Current >= len(a.Steps) {
		return Step{}, false
	}
	return a.Steps[a.Current], true
}

// Decision is one recorded decision: who did what, in which round and step,
// with which comment and when. The history is never rewritten.
type Decision struct {
	Round   int       `json:"round"`
	Step    int       `json:"step"` // -1 when not an approval step
	Action  Action    `json:"action"`
	ActorID string    `json:"actor_id"`
	Role    Role      `json:"role,omitempty"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
	// Answer is the PM's yes/no for confirm_contract.
	Answer YesNo `json:"answer,omitempty"`
}

// Command is an action with what it carries.
type Command struct {
	Action  Action `json:"action"`
	Comment string `json:"comment,omitempty"`
	// Answer is the yes/no of confirm_contract (是否新签合同).
	Answer YesNo `json:"answer,omitempty"`
}

// receiver is the executing department's step for a kind: 项目实施部 for
// local, 客户成功 for SaaS, 项目实施 for upgrade.
func receiver(k Kind) Step {
	switch k {
	case KindSaaS:
		return Step{Kind: StepExecution, Role: RoleCustomerSuccess, Label: "具体执行部门（客户成功部）"}
	case KindUpgrade:
		return Step{Kind: StepExecution, Role: RolePM, Label: "具体执行部门（项目实施）"}
	}
	return Step{Kind: StepExecution, Role: RolePM, Label: "具体执行部门（项目实施部）"}
}

// Chain builds the approval chain a submission of r starts (SPEC §2.2, §2.3):
//   - special approval (local/SaaS, contract not signed or first payment not
//     back): 责任销售 → 销售主管 → 特批领导 of the region → 商务审批员 → 执行部门;
//   - upgrade, always: 责任销售 → 销售主管 → 商务审批员 → 执行部门;
//   - otherwise the registration goes straight to the executing department.
func Chain(r *Registration, org *Org) (steps []Step, special bool, err error) {
	sales := Step{Kind: StepResponsibleSales, Role: RoleSales, ApproverID: r.SalesID, Label: "责任销售"}
	manager := Step{Kind: StepSalesManager, Role: RoleSalesManager, Label: "销售主管"}
	business := Step{Kind: StepBusiness, Role: RoleBusinessApprover, Label: "商务审批员"}
	switch {
	case r.Kind == KindUpgrade:
		return []Step{sales, manager, business, receiver(r.Kind)}, false, nil
	case r.NeedsSpecialApproval():
		region, ok := org.Region(r.Customer.Region)
		if !ok {
			return nil, true, Errorf(EINVALID, "项目区域“%s”未配置，无法确定特批领导", "region %q is not configured: no special-approval leader", r.Customer.Region)
		}
		leader := Step{Kind: StepSpecialLeader, Role: RoleSpecialLeader, ApproverID: region.SpecialLeader,
			Label: "特批领导（" + region.Name + "）"}
		return []Step{sales, manager, leader, business, receiver(r.Kind)}, true, nil
	}
	return []Step{receiver(r.Kind)}, false, nil
}

// handoverRole is who organises the handover meeting: the PM for local,
// customer success for SaaS (SPEC §3).
func handoverRole(k Kind) Role {
	if k == KindSaaS {
		return RoleCustomerSuccess
	}
	return RolePM
}

// initiatorRole is who initiates the project: the PM for local and upgrade,
// the 客户成功主管 for SaaS (SPEC §4).
func initiatorRole(k Kind) Role {
	if k == KindSaaS {
		return RoleCSManager
	}
	return RolePM
}

// HandoverRole is exported for screens that pre-select the organiser.
func HandoverRole(k Kind) Role { return handoverRole(k) }

// InitiatorRole is exported for screens that pre-select the initiator.
func InitiatorRole(k Kind) Role { return initiatorRole(k) }

// submitterRoles are who may submit a kind's form: sales or presales for
// local, sales for SaaS and upgrade (SPEC §2).
func submitterRoles(k Kind) []Role {
	if k == KindLocal {
		return []Role{RoleSales, RolePresales}
	}
	return []Role{RoleSales}
}

func hasAny(u User, roles []Role) bool {
	return slices.ContainsFunc(roles, u.Has)
}

func roleLabels(roles []Role) string {
	ls := make([]string, len(roles))
	for i, r := range roles {
		ls[i] = r.Label()
	}
	return strings.Join(ls, "或")
}

func forbidden(zh, en string, args ...any) error { return Errorf(EFORBIDDEN, zh, en, args...) }
func wrongState(p *Project, a Action) error {
	return Errorf(ESTATE, "项目当前状态为“%[1]s”，不能执行“%[2]s”", "the project is %[3]q: %[4]q is not possible now",
		p.Status.Label(), a.Label(), string(p.Status), string(a))
}

// CanEditRegistration reports whether actor may change the registration now:
// its applicant or responsible sales, while it is a draft or returned.
func (p *Project) CanEditRegistration(actor User) bool {
	return (p.Status == StatusDraft || p.Status == StatusReturned) && !p.Deleted &&
		(actor.ID == p.OwnerID || actor.ID == p.Registration.SalesID)
}

// EditForbidden is the refusal of an edit of the field at path that the
// project's state does not allow (see CanEditRegistration and the like). A
// discarded draft (已删除的草稿) says so, not the status it had.
func (p *Project) EditForbidden(path string) error {
	if p.Deleted {
		return forbidden("项目草稿已删除，不能再修改（字段 %[1]s）", "the draft was discarded: %[1]s can no longer be changed", path)
	}
	return forbidden("您不能修改字段 %[1]s（项目当前状态：%[2]s）", "you may not change %[1]s now (the project is %[3]s)",
		path, p.Status.Label(), string(p.Status))
}

// CanEditHandover reports whether actor may record the handover meeting.
func (p *Project) CanEditHandover(actor User) bool {
	return p.Kind() != KindUpgrade && p.Status == StatusReceived && actor.Has(handoverRole(p.Kind()))
}

// CanEditInitiation reports whether actor may fill in the initiation.
func (p *Project) CanEditInitiation(actor User) bool {
	want := StatusHandedOver
	if p.Kind() == KindUpgrade {
		want = StatusContractConfirmed
	}
	return p.Status == want && actor.Has(initiatorRole(p.Kind()))
}

// Allowed returns the actions actor may take on the project now (with org
// for the checks that need the directory).
func (p *Project) Allowed(actor User, org *Org) []Action {
	var out []Action
	for _, a := range Actions {
		if p.check(Command{Action: a, Comment: "-", Answer: Yes}, actor, org, false) == nil {
			out = append(out, a)
		}
	}
	return out
}

// WaitsFor reports whether the project waits for actor's decision (the
// approvals inbox, "waiting for me").
func (p *Project) WaitsFor(actor User) bool {
	if p.Status != StatusSubmitted || p.Deleted || actor.Disabled {
		return false
	}
	step, ok := p.Approval.Waiting()
	return ok && p.mayDecide(step, actor) == nil
}

// mayDecide checks that actor holds the step's role, is the named approver
// when there is one, and is not deciding on their own registration past the
// responsible-sales step (nobody approves their own special approval).
func (p *Project) mayDecide(step Step, actor User) error {
	if !actor.Has(step.Role) {
		return forbidden("此步骤须由%[1]s处理，您没有该角色", "this step is for the %[2]s role", step.Role.Label(), string(step.Role))
	}
	if step.ApproverID != "" && step.ApproverID != actor.ID {
		return forbidden("此步骤须由指定人员（%[1]s）处理", "only the named approver (%[2]s) may decide this step", step.Label, step.ApproverID)
	}
	if step.Kind != StepResponsibleSales && (actor.ID == p.OwnerID || actor.ID == p.Registration.SalesID) {
		return forbidden("不能审批自己提交或负责的登记", "you cannot approve your own registration")
	}
	for _, d := range p.Decisions {
		if d.Round == p.round() && d.Step >= 0 && d.ActorID == actor.ID {
			return forbidden("您已审批过本轮的其他步骤，同一人不能审批两个步骤", "you already decided another step of this round: one person decides one step")
		}
	}
	return nil
}

// Apply carries out a command by actor at now, checking the actor's roles
// and the project's state against the standard; on success the project is
// changed and the decision recorded. On error nothing is changed.
func (p *Project) Apply(cmd Command, actor User, org *Org, now time.Time) (Decision, error) {
	if err := p.check(cmd, actor, org, true); err != nil {
		return Decision{}, err
	}
	now = now.UTC()
	d := Decision{Round: p.round(), Step: -1, Action: cmd.Action, ActorID: actor.ID,
		Comment: strings.TrimSpace(cmd.Comment), At: now, Answer: cmd.Answer}

	switch cmd.Action {
	case ActSubmit:
		steps, special, _ := Chain(&p.Registration, org)
		p.Approval = &ApprovalRound{Round: p.round() + 1, Special: special, Steps: steps}
		d.Round = p.Approval.Round
		d.Role = p.submitterRole(actor)
		p.Status = StatusSubmitted
		p.Decisions = append(p.Decisions, d)
		// Submitting by the responsible salesperson is their confirmation
		// of the first step (责任销售).
		if steps[0].Kind == StepResponsibleSales && actor.ID == p.Registration.SalesID {
			p.Decisions = append(p.Decisions, Decision{Round: d.Round, Step: 0, Action: ActApprove,
				ActorID: actor.ID, Role: RoleSales, Comment: "责任销售提交即确认", At: now})
			p.Approval.Current = 1
		}
	case ActApprove:
		step, _ := p.Approval.Waiting()
		d.Step, d.Role = p.Approval.Current, step.Role
		if d.Comment == "" {
			d.Comment = "同意"
		}
		p.Decisions = append(p.Decisions, d)
		p.Approval.Current++
		if p.Approval.Current == len(p.Approval.Steps) {
			p.Status = StatusReceived
			p.ReceiverID = actor.ID
		}
	case ActReturn, ActReject:
		step, _ := p.Approval.Waiting()
		d.Step, d.Role = p.Approval.Current, step.Role
		p.Decisions = append(p.Decisions, d)
		p.Status = StatusReturned
		if cmd.Action == ActReject {
			p.Status = StatusRejected
		}
	case ActCompleteHandover:
		d.Role = handoverRole(p.Kind())
		p.Decisions = append(p.Decisions, d)
		p.Status = StatusHandedOver
	case ActConfirmContract:
		d.Role = RolePM
		p.Decisions = append(p.Decisions, d)
		p.NewContract = cmd.Answer
		p.Status = StatusClosed
		if cmd.Answer == Yes {
			p.Status = StatusContractConfirmed
		}
	case ActInitiate:
		d.Role = initiatorRole(p.Kind())
		p.Decisions = append(p.Decisions, d)
		p.Initiation.Basis = p.Number
		// A path derived before the number was known gets it now.
		p.Initiation.SVNPath = strings.ReplaceAll(p.Initiation.SVNPath, NumberPending, p.Number)
		p.Status = StatusInitiated
	case ActDiscard:
		p.Decisions = append(p.Decisions, d)
		p.Deleted = true
	}
	p.UpdatedAt = now
	return d, nil
}

func (p *Project) round() int {
	if p.Approval == nil {
		return 0
	}
	return p.Approval.Round
}

func (p *Project) submitterRole(actor User) Role {
	for _, r := range submitterRoles(p.Kind()) {
		if actor.Has(r) {
			return r
		}
	}
	return ""
}

// check decides whether cmd is allowed; full also runs the content checks
// (form validation) that Allowed skips for speed.
func (p *Project) check(cmd Command, actor User, org *Org, full bool) error {
	if p.Deleted {
		return Errorf(ENOTFOUND, "项目草稿已删除", "the draft was discarded")
	}
	if actor.Disabled {
		return forbidden("账号已停用", "the account is disabled")
	}
	k := p.Kind()
	switch cmd.Action {
	case ActSubmit:
		if p.Status != StatusDraft && p.Status != StatusReturned {
			return wrongState(p, cmd.Action)
		}
		if actor.ID != p.OwnerID && actor.ID != p.Registration.SalesID {
			return forbidden("只有申请人或责任销售可以提交此登记", "only the applicant or the responsible salesperson may submit")
		}
		if roles := submitterRoles(k); !hasAny(actor, roles) {
			return forbidden("%[1]s须由%[2]s提交", "a %[3]s is submitted by %[4]s", k.FormName(), roleLabels(roles), k.FormName(), roleLabels(roles))
		}
		if !full {
			return nil
		}
		if org == nil {
			return Errorf(EINTERNAL, "缺少组织目录，无法提交", "no organisation directory")
		}
		if ps := Validate(&p.Registration, org); len(ps) > 0 {
			return ps
		}
		_, _, err := Chain(&p.Registration, org)
		return err
	case ActApprove, ActReturn, ActReject:
		if p.Status != StatusSubmitted {
			return wrongState(p, cmd.Action)
		}
		step, ok := p.Approval.Waiting()
		if !ok {
			return wrongState(p, cmd.Action)
		}
		if err := p.mayDecide(step, actor); err != nil {
			return err
		}
		if cmd.Action != ActApprove && blank(cmd.Comment) {
			return Errorf(EINVALID, "%[1]s时请填写意见，说明原因", "a comment is required to %[2]s", cmd.Action.Label(), string(cmd.Action))
		}
	case ActCompleteHandover:
		if k == KindUpgrade || p.Status != StatusReceived {
			return wrongState(p, cmd.Action)
		}
		if r := handoverRole(k); !actor.Has(r) {
			return forbidden("%[1]s的会议交接由%[2]s发起", "the handover of a %[3]s is organised by %[4]s", k.Label(), r.Label(), k.LabelEN(), string(r))
		}
		if !full {
			return nil
		}
		if p.Handover == nil {
			return Errorf(EINVALID, "请先填写会议交接记录", "record the handover meeting first")
		}
		if ps := ValidateHandover(p.Handover); len(ps) > 0 {
			return ps
		}
	case ActConfirmContract:
		if k != KindUpgrade || p.Status != StatusReceived {
			return wrongState(p, cmd.Action)
		}
		if !actor.Has(RolePM) {
			return forbidden("是否新签合同由项目经理确认", "the project manager confirms the new contract")
		}
		if !cmd.Answer.Answered() {
			return Errorf(EINVALID, "请选择是否新签合同（是/否）", "answer whether a new contract was signed")
		}
	case ActInitiate:
		want := StatusHandedOver
		if k == KindUpgrade {
			want = StatusContractConfirmed
		}
		if p.Status != want {
			return wrongState(p, cmd.Action)
		}
		if r := initiatorRole(k); !actor.Has(r) {
			return forbidden("%[1]s由%[2]s立项", "a %[3]s is initiated by %[4]s", k.Label(), r.Label(), k.LabelEN(), string(r))
		}
		if !full {
			return nil
		}
		if p.Number == "" {
			return Errorf(EINVALID, "立项依据须关联%s，请同步后等待服务器分配编号", "initiation needs the %s: sync so the server assigns it", k.NumberName())
		}
		if p.Initiation == nil {
			return Errorf(EINVALID, "请先填写立项信息", "fill in the initiation first")
		}
		if ps := ValidateInitiation(p.Initiation, k, org); len(ps) > 0 {
			return ps
		}
	case ActDiscard:
		if p.Status != StatusDraft {
			return wrongState(p, cmd.Action)
		}
		if actor.ID != p.OwnerID {
			return forbidden("只有申请人可以删除草稿", "only the applicant may discard the draft")
		}
	default:
		return Errorf(EINVALID, "未知操作：%s", "unknown action: %s", string(cmd.Action))
	}
	return nil
}

// StepLabel describes a decision's step for the history.
func (p *Project) StepLabel(d Decision) string {
	if d.Step < 0 || p.Approval == nil {
		return d.Action.Label()
	}
	// Steps are the same shape in every round of one project unless the
	// contract status changed; the label is read from the decision's role.
	return fmt.Sprintf("第 %d 轮 · %s", d.Round, d.Role.Label())
}
