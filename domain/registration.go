package domain

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

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

// Limits of an attachment's metadata.
const (
	// MaxAttachmentSize is the largest file an attachment may be (64 MiB):
	// the server takes no larger upload (wire.MaxAttachment).
	MaxAttachmentSize = 64 << 20
	// MaxAttachmentName is the longest file name, in bytes (about 85
	// Chinese characters): what file systems allow.
	MaxAttachmentName = 255
)

// ValidateAttachment checks the metadata of one attachment (附件) that
// other devices and files must be able to trust whatever state the project
// is in: a plain file name (not empty, no path: no / \ or NUL, no control
// characters, not . or ..), a SHA-256 of 64 lower-case hex digits, and a
// size from 0 to MaxAttachmentSize. Paths are relative to the attachment
// ("name", "sha256", "size"). The one check of this metadata: the form,
// the interchange file and the server's push all call it.
func ValidateAttachment(a Attachment) Problems {
	var ps Problems
	add := func(path, code, zh, en string) {
		ps = append(ps, Problem{Path: path, Code: code, Message: zh, English: en})
	}
	name := func(zh, en string) (string, string) { // the name as typed, control characters escaped
		return fmt.Sprintf("%s（现为 %q）", zh, clip(a.Name)), fmt.Sprintf("%s (got %q)", en, clip(a.Name))
	}
	switch {
	case blank(a.Name):
		add("name", PRequired, "附件须有文件名", "an attachment needs its file name")
	case !utf8.ValidString(a.Name):
		zh, en := name("附件文件名不是有效的文字（UTF-8）", "the attachment's file name is not valid UTF-8")
		add("name", PFormat, zh, en)
	case strings.ContainsAny(a.Name, "/\\\x00"):
		zh, en := name("附件文件名只能是文件名本身，不能含有路径（/ 或 \\）或空字符", "the attachment's file name must be a plain name: no path (/ or \\) and no NUL")
		add("name", PFormat, zh, en)
	case strings.IndexFunc(a.Name, unicode.IsControl) >= 0:
		zh, en := name("附件文件名不能含有控制字符（换行、制表符等）", "the attachment's file name must not hold control characters (line breaks, tabs, …)")
		add("name", PFormat, zh, en)
	case a.Name == "." || a.Name == "..":
		zh, en := name("附件文件名不能是“.”或“..”", "the attachment's file name cannot be . or ..")
		add("name", PFormat, zh, en)
	case len(a.Name) > MaxAttachmentName:
		add("name", PRange, fmt.Sprintf("附件文件名过长（最多 %d 字节，约 %d 个汉字；现为 %d 字节）", MaxAttachmentName, MaxAttachmentName/3, len(a.Name)),
			fmt.Sprintf("the attachment's file name is too long (at most %d bytes, got %d)", MaxAttachmentName, len(a.Name)))
	}
	if !sha256RE.MatchString(a.SHA256) {
		add("sha256", PFormat, fmt.Sprintf("附件校验值（SHA-256）须为 64 位小写十六进制数字（现为 %q）", clip(a.SHA256)),
			fmt.Sprintf("the attachment's sha256 must be 64 lower-case hex digits (got %q)", clip(a.SHA256)))
	}
	if a.Size < 0 || a.Size > MaxAttachmentSize {
		add("size", PRange, fmt.Sprintf("附件大小须为 0 到 %d MB（%d 字节）之间（现为 %d 字节）", MaxAttachmentSize>>20, MaxAttachmentSize, a.Size),
			fmt.Sprintf("the attachment's size must be from 0 to %d MiB (%d bytes), got %d", MaxAttachmentSize>>20, MaxAttachmentSize, a.Size))
	}
	return ps
}

// clip shortens a value quoted in a message to its first 80 bytes.
func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	i := 80
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// AttachmentName makes a file's name fit to be an attachment's name (附件
// 文件名) as ValidateAttachment wants it: the last element of a path only,
// invalid UTF-8 and control characters (line breaks, tabs) turned into "_",
// and a name longer than MaxAttachmentName cut short before its extension.
// A name left empty, "." or ".." becomes "附件".
func AttachmentName(name string) string {
	if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		if r == 0 || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if len(name) > MaxAttachmentName {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
			ext = name[i:]
		}
		stem := name[:MaxAttachmentName-len(ext)]
		for len(stem) > 0 && !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	if name == "" || name == "." || name == ".." {
		name = "附件"
	}
	return name
}

// ValidateAttachments checks the metadata of every attachment of a
// registration (ValidateAttachment), with paths such as attachments[1].name.
func ValidateAttachments(as []Attachment) Problems {
	var ps Problems
	for i, a := range as {
		ps = append(ps, prefixed(fmt.Sprintf("attachments[%d].", i), ValidateAttachment(a))...)
	}
	return ps
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
