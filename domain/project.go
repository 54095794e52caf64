package domain

import "time"

// Status is where a project stands in the flow of the standard.
type Status string

const (
	StatusDraft             Status = "draft"              // 草稿
	StatusSubmitted         Status = "submitted"          // 已提交，审批中
	StatusReturned          Status = "returned"           // 退回修改
	StatusRejected          Status = "rejected"           // 已驳回 (final)
	StatusReceived          Status = "received"           // 已受理 (reached the executing department)
	StatusHandedOver        Status = "handed_over"        // 已交接 (local, SaaS)
	StatusContractConfirmed Status = "contract_confirmed" // 已确认新签合同，待立子项目 (upgrade)
	StatusClosed            Status = "closed"             // 无新签合同，按问题处理，不立项 (upgrade)
	StatusInitiated         Status = "initiated"          // 已立项
)

// Statuses lists every status.
var Statuses = []Status{StatusDraft, StatusSubmitted, StatusReturned, StatusRejected,
	StatusReceived, StatusHandedOver, StatusContractConfirmed, StatusClosed, StatusInitiated}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Label is the status's Chinese name.
func (s Status) Label() string {
	switch s {
	case StatusDraft:
		return "草稿"
	case StatusSubmitted:
		return "审批中"
	case StatusReturned:
		return "退回修改"
	case StatusRejected:
		return "已驳回"
	case StatusReceived:
		return "已受理"
	case StatusHandedOver:
		return "已交接"
	case StatusContractConfirmed:
		return "待立子项目"
	case StatusClosed:
		return "已关闭（无新签合同）"
	case StatusInitiated:
		return "已立项"
	}
	return string(s)
}

// Stage is a stage of the flow, as the timeline shows it.
type Stage string

const (
	StageRegistration Stage = "registration" // 登记
	StageApproval     Stage = "approval"     // 特批 / 审批
	StageHandover     Stage = "handover"     // 交接
	StageContract     Stage = "contract"     // 确认新签合同 (upgrade)
	StageInitiation   Stage = "initiation"   // 立项
)

// Label is the stage's Chinese name; the approval stage is 特批 for local
// and SaaS and 审批 for upgrade.
func (s Stage) Label(k Kind) string {
	switch s {
	case StageRegistration:
		return k.FormName()
	case StageApproval:
		if k == KindUpgrade {
			return "审批"
		}
		return "特批"
	case StageHandover:
		return "交接"
	case StageContract:
		return "确认合同"
	case StageInitiation:
		return "立项"
	}
	return string(s)
}

// Stages returns the stages of a kind's flow in order.
func Stages(k Kind) []Stage {
	if k == KindUpgrade {
		return []Stage{StageRegistration, StageApproval, StageContract, StageInitiation}
	}
	return []Stage{StageRegistration, StageApproval, StageHandover, StageInitiation}
}

// Project is one project through all its stages: the registration, its
// approval rounds and decisions, the handover meeting and the initiation.
// Its ID is a UUID v7 made where it was created (possibly offline); its
// Number is assigned by the server when it first accepts the submission.
type Project struct {
	ID        string    `json:"id"`
	Number    string    `json:"number,omitempty"` // 实施登记号 / 问题登记号
	Status    Status    `json:"status"`
	OwnerID   string    `json:"owner_id"` // 项目申请发起者 (the applicant)
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	Registration Registration `json:"registration"`
	// Approval is the current (or last) approval round; nil before the
	// first submission.
	Approval *ApprovalRound `json:"approval,omitempty"`
	// Decisions is the history of every workflow decision, never rewritten.
	Decisions []Decision `json:"decisions,omitempty"`
	// ReceiverID is who accepted the project for the executing department.
	ReceiverID string `json:"receiver_id,omitempty"`
	// NewContract is the PM's confirmation for an upgrade (是否新签合同).
	NewContract YesNo       `json:"new_contract_confirmed,omitempty"`
	Handover    *Handover   `json:"handover,omitempty"`
	Initiation  *Initiation `json:"initiation,omitempty"`
	Deleted     bool        `json:"deleted,omitempty"`
	// Conflicts are fields two people changed differently while apart;
	// both values are kept here, for everyone to see, until a person
	// resolves them (ResolveConflict).
	Conflicts []Conflict `json:"conflicts,omitempty"`
}

// Kind is the project's kind, as its registration says.
func (p *Project) Kind() Kind { return p.Registration.Kind }

// Title is the derived registration title.
func (p *Project) Title() string { return p.Registration.Title() }

// DisplayNumber is the registration number, or 待分配 until assigned.
func (p *Project) DisplayNumber() string {
	if p.Number == "" {
		return NumberPending
	}
	return p.Number
}

// Stage is the stage the project is in now.
func (p *Project) Stage() Stage {
	switch p.Status {
	case StatusDraft, StatusReturned:
		return StageRegistration
	case StatusSubmitted, StatusRejected:
		return StageApproval
	case StatusReceived:
		if p.Kind() == KindUpgrade {
			return StageContract
		}
		return StageHandover
	case StatusClosed:
		// An upgrade without a new contract ends where the PM answered;
		// it never reaches 立项.
		return StageContract
	case StatusHandedOver, StatusContractConfirmed, StatusInitiated:
		return StageInitiation
	}
	return StageRegistration
}

// NewProject starts a draft of the given kind owned by the applicant; the
// customer's region defaults to the applicant's and the responsible sales to
// the applicant when they are a salesperson.
func NewProject(id string, kind Kind, owner User, now time.Time) *Project {
	p := &Project{
		ID:        id,
		Status:    StatusDraft,
		OwnerID:   owner.ID,
		CreatedAt: now.UTC(),
		UpdatedAt: now.UTC(),
	}
	p.Registration.Kind = kind
	p.Registration.Customer.Region = owner.Region
	if owner.Has(RoleSales) {
		p.Registration.SalesID = owner.ID
	}
	if kind == KindLocal && owner.Has(RolePresales) && !owner.Has(RoleSales) {
		p.Registration.PresalesID = owner.ID
	}
	return p
}
