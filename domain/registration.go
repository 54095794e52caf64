package domain

// Registration is the form of stage 1 (登记): a 实施登记 (implementation
// registration) for local and SaaS projects, a 问题登记 (issue registration)
// raised on an existing project for upgrade projects. One type carries every
// field of SPEC §2; which of them a kind asks for is decided by Validate.
// Everything a person types is kept as typed, so a draft never loses input.
type Registration struct {
	Kind        Kind        `json:"kind"`
	UpgradeType UpgradeType `json:"upgrade_type,omitempty"` // upgrade: 子类型
	ParentID    string      `json:"parent_id,omitempty"`    // upgrade: the existing (parent) project
	ProductLine ProductLine `json:"product_line,omitempty"` // local: 电子签章/电子合同/数字信任

	Customer   Customer   `json:"customer"`
	SalesID    string     `json:"sales_id,omitempty"`    // 责任销售 (responsible sales)
	PresalesID string     `json:"presales_id,omitempty"` // 售前, when one supports the project
	Background Background `json:"background"`            // 项目背景 — 客户基本情况
	// Requirement is the customer's needs in the salesperson's words (客户需求说明).
	Requirement string `json:"requirement,omitempty"`

	Products      []string      `json:"products,omitempty"`      // 采购产品 (local, saas)
	Services      Services      `json:"services"`                // 服务
	Certificate   Certificate   `json:"certificate"`             // 证书情况
	SealHandling  string        `json:"seal_handling,omitempty"` // 印章办理方式 (local)
	Scenarios     []string      `json:"scenarios,omitempty"`     // 应用场景
	Integration   YesNo         `json:"integration,omitempty"`   // 是否对接业务系统
	Systems       []System      `json:"systems,omitempty"`       // 对接业务系统
	Customization Customization `json:"customization"`           // 定制化/外采需求 (local)
	Stakeholders  []Stakeholder `json:"stakeholders,omitempty"`  // 项目对接干系人
	ProjectGroup  string        `json:"project_group,omitempty"` // 项目群组建
	Contract      Contract      `json:"contract"`                // 合同状态
	Other         Other         `json:"other"`                   // 其他

	// Attachments are the files of the registration; at least one must be
	// the presales solution / requirements form (售前解决方案/客户需求登记表).
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Customer names the customer (客户).
type Customer struct {
	FullName  string `json:"full_name"`  // 公司（单位）全称, used in the project name
	ShortName string `json:"short_name"` // 简称, used in the registration title
	Region    string `json:"region"`     // 区域 code: decides the 特批领导 and SVN root
}

// Background is 项目背景 — 客户基本情况.
type Background struct {
	UserScale     Quantity `json:"user_scale"`     // 用户规模 (人)
	SigningVolume Quantity `json:"signing_volume"` // 签署量 (份/年)
	SealCount     Quantity `json:"seal_count"`     // 印章数量 (枚)
	Nature        string   `json:"nature"`         // 企业性质 (catalogue)
	MainBusiness  string   `json:"main_business"`  // 主营业务
}

// Services is 服务: time stamping (local only) and the authentication methods.
type Services struct {
	Timestamp YesNo    `json:"timestamp,omitempty"` // 时间戳 (local)
	RealName  []string `json:"realname,omitempty"`  // 实名认证方式
	Intent    []string `json:"intent,omitempty"`    // 意愿认证方式
}

// Certificate is 证书情况.
type Certificate struct {
	Form   string `json:"form"`   // 证书形态
	Vendor string `json:"vendor"` // 证书厂商
	// Channels is the ordered list of CA channels (多通道顺序): the first is
	// tried first.
	Channels []string `json:"channels,omitempty"`
}

// System is one integrated business system (对接业务系统); the vendor is
// required ("具体厂商也需注明").
type System struct {
	Type    string `json:"type"` // OA / ERP / CRM / WMS / MPMIS / 其他
	Name    string `json:"name"`
	Vendor  string `json:"vendor"`
	Version string `json:"version,omitempty"`
}

// Label renders a system the way the standard writes it: OA（蓝凌）.
func (s System) Label() string {
	out := s.Type
	if s.Name != "" && s.Name != s.Type {
		if out != "" {
			out += " "
		}
		out += s.Name
	}
	if s.Vendor != "" {
		out += "（" + s.Vendor + "）"
	}
	if s.Version != "" {
		out += " " + s.Version
	}
	return out
}

// Customization is 定制化/外采需求; a description is required when Needed is
// yes ("有则必须").
type Customization struct {
	Needed      YesNo  `json:"needed,omitempty"`
	Description string `json:"description,omitempty"`
}

// Stakeholder is one 项目对接干系人: name, contact (phone or e-mail), role.
type Stakeholder struct {
	Name    string `json:"name"`
	Contact string `json:"contact"`
	Role    string `json:"role"`
}

// Contract is 合同状态. Local and SaaS ask whether the contract is signed and
// the first payment received; if either is no, special approval (特批) is
// needed. Upgrade asks whether a new contract is signed, its amount, and
// whether it is signed.
type Contract struct {
	Signed       YesNo `json:"signed,omitempty"`        // 合同已签
	FirstPayment YesNo `json:"first_payment,omitempty"` // 首笔款项已回 (local, saas)
	NewContract  YesNo `json:"new_contract,omitempty"`  // 是否新签合同 (upgrade)
	Amount       Money `json:"amount,omitempty"`        // 合同金额 (upgrade)
}

// Other is 其他: notes, planned go-live date, special requirements.
type Other struct {
	Notes               string `json:"notes,omitempty"`                // 其他情况说明
	GoLive              Date   `json:"go_live,omitempty"`              // 上线时间
	SpecialRequirements string `json:"special_requirements,omitempty"` // 特殊要求
}

// AttachmentRole says what an attachment is.
type AttachmentRole string

const (
	AttachPresales AttachmentRole = "presales_solution" // 售前解决方案/客户需求登记表
	AttachOther    AttachmentRole = "other"             // 其他附件
)

// Attachment is the metadata of a file; the bytes live apart, addressed by
// their SHA-256, so a JSON edit never carries them.
type Attachment struct {
	ID      string         `json:"id"`
	Name    string         `json:"name"`
	Size    int64          `json:"size"`
	SHA256  string         `json:"sha256"`
	MIME    string         `json:"mime,omitempty"`
	Role    AttachmentRole `json:"role"`
	AddedBy string         `json:"added_by,omitempty"`
	AddedAt string         `json:"added_at,omitempty"` // RFC 3339
}

// NeedsSpecialApproval reports whether the registration needs 特批 before it
// reaches the receiver: for local and SaaS when the contract is not signed or
// the first payment is not back. Upgrade projects always run their own chain.
func (r *Registration) NeedsSpecialApproval() bool {
	if r.Kind == KindUpgrade {
		return false
	}
	return r.Contract.Signed != Yes || r.Contract.FirstPayment != Yes
}
