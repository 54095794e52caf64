package domain

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Text length limits, in characters.
const (
	MaxShortText = 200   // names, types, vendors
	MaxLongText  = 20000 // requirement, notes, descriptions
)

// Validate checks a registration against the rules of its kind (SPEC §2)
// and returns every problem at once, each addressed by its field path. A
// draft may be saved with problems; only submission requires none. org
// supplies the catalogues and the directory; when nil, membership checks
// are skipped.
func Validate(r *Registration, org *Org) Problems {
	c := newChecker(r, org)
	c.run()
	return c.ps
}

// Completeness is how far a registration is: the required fields that are
// filled, of all the required fields its kind (and its answers so far) ask for.
type Completeness struct {
	Filled int
	Total  int
}

// Ratio is Filled/Total in [0, 1].
func (c Completeness) Ratio() float64 {
	if c.Total == 0 {
		return 1
	}
	return float64(c.Filled) / float64(c.Total)
}

// Percent is the ratio as a whole percentage, rounded down (100 when
// nothing is required, as Ratio says).
func (c Completeness) Percent() int {
	if c.Total == 0 {
		return 100
	}
	return c.Filled * 100 / c.Total
}

// Score returns the registration's completeness.
func Score(r *Registration, org *Org) Completeness {
	c := newChecker(r, org)
	c.run()
	return Completeness{Filled: c.filled, Total: c.total}
}

type checker struct {
	r      *Registration
	org    *Org
	cat    Catalogues
	ps     Problems
	total  int
	filled int
}

func newChecker(r *Registration, org *Org) *checker {
	c := &checker{r: r, org: org}
	if org != nil {
		c.cat = org.Catalogues
	}
	return c
}

func (c *checker) add(path, code, zh, en string) {
	c.ps = append(c.ps, Problem{Path: path, Code: code, Message: zh, English: en})
}

// required counts one required field and reports it missing when !ok.
func (c *checker) required(path string, ok bool, zh, en string) bool {
	c.total++
	if ok {
		c.filled++
		return true
	}
	c.add(path, PRequired, zh, en)
	return false
}

// text checks a free-text field's length (and that it is valid UTF-8).
func (c *checker) text(path, s string, limit int) {
	if !utf8.ValidString(s) {
		c.add(path, PFormat, "含有无效字符，请重新输入", "contains invalid characters")
		return
	}
	if n := utf8.RuneCountInString(s); n > limit {
		c.add(path, PRange, fmt.Sprintf("内容过长（%d 字），最多 %d 字", n, limit),
			fmt.Sprintf("too long (%d characters), at most %d", n, limit))
	}
}

// choice checks that a chosen value is in its catalogue, when there is one.
func (c *checker) choice(path, v string, opts []Option, what, whatEN string) {
	if v == "" || c.org == nil || len(opts) == 0 || Contains(opts, v) {
		return
	}
	c.add(path, PChoice, fmt.Sprintf("“%s”不在%s目录中，请从列表中选择", v, what),
		fmt.Sprintf("%q is not in the %s catalogue", v, whatEN))
}

// choices checks a multi-select: at least one entry when required, each in
// the catalogue, none repeated.
func (c *checker) choices(path string, vs []string, opts []Option, need bool, what, whatEN string) {
	if need {
		c.required(path, len(nonBlank(vs)) > 0, "请至少选择一项"+what, "choose at least one "+whatEN)
	}
	seen := map[string]bool{}
	for i, v := range vs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if blank(v) {
			c.add(p, PFormat, what+"不能为空白项", "blank "+whatEN)
			continue
		}
		if seen[v] {
			c.add(p, PFormat, fmt.Sprintf("“%s”重复选择", v), fmt.Sprintf("%q chosen twice", v))
		}
		seen[v] = true
		c.choice(p, v, opts, what, whatEN)
		c.text(p, v, MaxShortText)
	}
}

func nonBlank(vs []string) []string {
	var out []string
	for _, v := range vs {
		if !blank(v) {
			out = append(out, v)
		}
	}
	return out
}

func (c *checker) quantity(path string, q Quantity, what, whatEN string) {
	if !c.required(path, !q.Blank(), "请填写"+what, whatEN+" is required") {
		return
	}
	if _, ok := q.Int(); !ok {
		c.add(path, PFormat, fmt.Sprintf("%s须为不小于 0 的整数（现为“%s”）", what, q),
			fmt.Sprintf("%s must be a whole number ≥ 0 (got %q)", whatEN, string(q)))
	}
}

func (c *checker) yesNo(path string, y YesNo, zh, en string) bool {
	if y != Unanswered && !y.Answered() {
		c.total++
		c.add(path, PFormat, "只能选择“是”或“否”", `must be "yes" or "no"`)
		return false
	}
	return c.required(path, y.Answered(), zh, en)
}

var (
	emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	// A phone may start with an area code in brackets: (0731) 8888-9999.
	phoneRE = regexp.MustCompile(`^(\+|\()?[0-9][0-9 \-()]{5,22}[0-9]$`)
)

// ValidContact reports whether s is a phone number or an e-mail address.
func ValidContact(s string) bool {
	s = strings.TrimSpace(s)
	return emailRE.MatchString(s) || phoneRE.MatchString(s)
}

func (c *checker) run() {
	r := c.r
	if !r.Kind.Valid() {
		c.required("kind", false, "请选择项目类型（本地化 / SaaS / 历史项目升级扩展）", "choose the kind of project")
		return
	}
	local, saas, upgrade := r.Kind == KindLocal, r.Kind == KindSaaS, r.Kind == KindUpgrade

	// Kind-specific heading fields.
	if local {
		if c.required("product_line", r.ProductLine != "", "请选择产品线（电子签章 / 电子合同 / 数字信任）", "choose the product line") && !r.ProductLine.Valid() {
			c.add("product_line", PChoice, "产品线只能是电子签章、电子合同或数字信任", "unknown product line")
		}
	}
	if upgrade {
		if c.required("upgrade_type", r.UpgradeType != "", "请选择升级扩展类型（历史项目升级 / 新场景 / 历史SAAS项目）", "choose the upgrade sub-type") && !r.UpgradeType.Valid() {
			c.add("upgrade_type", PChoice, "升级扩展类型不正确", "unknown upgrade sub-type")
		}
		c.required("parent_id", !blank(r.ParentID), "问题登记须选择所属的原有项目", "choose the existing project this issue is raised on")
	}

	// 客户.
	c.required("customer.short_name", !blank(r.Customer.ShortName), "请填写客户简称（用于登记标题）", "the customer's short name is required (it makes the title)")
	c.text("customer.short_name", r.Customer.ShortName, 50)
	c.required("customer.full_name", !blank(r.Customer.FullName), "请填写客户公司（单位）全称（用于项目名称）", "the customer's full name is required (it makes the project name)")
	c.text("customer.full_name", r.Customer.FullName, MaxShortText)
	if c.required("customer.region", !blank(r.Customer.Region), "请选择项目所属区域（决定特批领导和 SVN 路径）", "choose the project's region") && c.org != nil {
		if _, ok := c.org.Region(r.Customer.Region); !ok {
			c.add("customer.region", PChoice, "未知区域："+r.Customer.Region, "unknown region: "+r.Customer.Region)
		}
	}
	if c.required("sales_id", !blank(r.SalesID), "请指定责任销售", "name the responsible salesperson") && c.org != nil {
		if u, ok := c.org.User(r.SalesID); !ok || !u.Has(RoleSales) {
			c.add("sales_id", PChoice, "责任销售须为目录中具有销售角色的人员", "the responsible salesperson must be a user with the sales role")
		}
	}
	if r.PresalesID != "" && c.org != nil {
		if u, ok := c.org.User(r.PresalesID); !ok || !u.Has(RolePresales) {
			c.add("presales_id", PChoice, "售前须为目录中具有售前角色的人员", "the presales engineer must be a user with the presales role")
		}
	}

	// 项目背景 — 客户基本情况.
	b := r.Background
	c.quantity("background.user_scale", b.UserScale, "用户规模", "user scale")
	c.quantity("background.signing_volume", b.SigningVolume, "签署量", "signing volume")
	c.quantity("background.seal_count", b.SealCount, "印章数量", "seal count")
	if c.required("background.nature", !blank(b.Nature), "请选择企业性质", "choose the nature of the enterprise") {
		c.choice("background.nature", b.Nature, c.cat.Natures, "企业性质", "enterprise nature")
	}
	c.required("background.main_business", !blank(b.MainBusiness), "请填写主营业务", "the main business is required")
	c.text("background.main_business", b.MainBusiness, MaxShortText*5)
	c.text("requirement", r.Requirement, MaxLongText)

	// 售前解决方案 / 客户需求登记表.
	hasPresales := false
	for i, a := range r.Attachments {
		p := fmt.Sprintf("attachments[%d]", i)
		if a.Role == AttachPresales {
			hasPresales = true
		}
		if a.Role != AttachPresales && a.Role != AttachOther {
			c.add(p+".role", PChoice, "附件类型不正确", "unknown attachment role")
		}
		c.ps = append(c.ps, prefixed(p+".", ValidateAttachment(a))...)
	}
	c.required("attachments", hasPresales, "请上传售前解决方案/客户需求登记表附件", "attach the presales solution / customer requirement form")

	// 采购产品, 服务, 证书情况 (local and SaaS).
	if local || saas {
		c.choices("products", r.Products, c.cat.Products(r.Kind), true, "采购产品", "product")
		if local {
			c.yesNo("services.timestamp", r.Services.Timestamp, "请选择是否需要时间戳服务", "say whether time stamping is needed")
		}
		c.choices("services.realname", r.Services.RealName, c.cat.RealNameAuth, true, "实名认证方式", "real-name authentication method")
		c.choices("services.intent", r.Services.Intent, c.cat.IntentAuth, true, "意愿认证方式", "intent authentication method")
		if c.required("certificate.form", !blank(r.Certificate.Form), "请选择证书形态", "choose the certificate form") {
			c.choice("certificate.form", r.Certificate.Form, c.cat.CertForms, "证书形态", "certificate form")
		}
		if c.required("certificate.vendor", !blank(r.Certificate.Vendor), "请填写证书厂商", "name the certificate vendor") {
			c.choice("certificate.vendor", r.Certificate.Vendor, c.cat.CertVendors, "证书厂商", "certificate vendor")
		}
		c.choices("certificate.channels", r.Certificate.Channels, c.cat.CAChannels, true, "CA 通道（多通道顺序）", "CA channel")
	}
	if local {
		if c.required("seal_handling", !blank(r.SealHandling), "请选择印章办理方式", "choose how seals are issued") {
			c.choice("seal_handling", r.SealHandling, c.cat.SealHandling, "印章办理方式", "seal handling")
		}
	}

	// 应用场景: catalogue entries or the user's own (“其他”).
	c.choices("scenarios", r.Scenarios, nil, true, "应用场景", "scenario")

	// 对接业务系统 (vendor required; for upgrade required when integrated).
	if c.yesNo("integration", r.Integration, "请选择是否对接业务系统", "say whether business systems are integrated") {
		if r.Integration == Yes {
			c.required("systems", len(r.Systems) > 0, "已选择对接业务系统，请至少填写一个系统（类型、名称、厂商）", "integration was declared: list at least one system")
		} else if len(r.Systems) > 0 {
			c.add("integration", PFormat, "已填写对接业务系统，请将“是否对接业务系统”选为“是”或删除这些系统", "systems are listed but integration is “no”")
		}
	}
	for i, s := range r.Systems {
		p := fmt.Sprintf("systems[%d]", i)
		if c.required(p+".type", !blank(s.Type), "请选择系统类型（OA/ERP/CRM/WMS/MPMIS/其他）", "choose the system type") {
			c.choice(p+".type", s.Type, c.cat.SystemTypes, "系统类型", "system type")
		}
		c.required(p+".name", !blank(s.Name), "请填写对接业务系统名称", "the system's name is required")
		c.required(p+".vendor", !blank(s.Vendor), "对接业务系统须注明厂商", "the system's vendor is required")
		c.text(p+".name", s.Name, MaxShortText)
		c.text(p+".vendor", s.Vendor, MaxShortText)
		c.text(p+".version", s.Version, MaxShortText)
	}

	// 定制化/外采需求 (local): description required when yes.
	if local {
		if c.yesNo("customization.needed", r.Customization.Needed, "请选择是否有定制化/外采需求", "say whether customisation is needed") && r.Customization.Needed == Yes {
			c.required("customization.description", !blank(r.Customization.Description), "有定制化/外采需求时必须填写需求说明", "describe the customisation")
		}
		c.text("customization.description", r.Customization.Description, MaxLongText)
	}

	// 项目对接干系人: at least one, each complete.
	c.required("stakeholders", len(r.Stakeholders) > 0, "请至少填写一位项目对接干系人", "add at least one stakeholder")
	for i, s := range r.Stakeholders {
		p := fmt.Sprintf("stakeholders[%d]", i)
		c.required(p+".name", !blank(s.Name), "请填写干系人姓名", "the stakeholder's name is required")
		if c.required(p+".contact", !blank(s.Contact), "请填写干系人联系方式（电话或邮箱）", "the stakeholder's phone or e-mail is required") && !ValidContact(s.Contact) {
			c.add(p+".contact", PFormat, fmt.Sprintf("联系方式“%s”不是有效的电话或邮箱", s.Contact), fmt.Sprintf("%q is not a phone number or e-mail address", s.Contact))
		}
		c.required(p+".role", !blank(s.Role), "请填写干系人角色", "the stakeholder's role is required")
		c.text(p+".name", s.Name, MaxShortText)
		c.text(p+".role", s.Role, MaxShortText)
	}
	c.text("project_group", r.ProjectGroup, MaxShortText)

	// 合同状态.
	if upgrade {
		if c.yesNo("contract.new_contract", r.Contract.NewContract, "请选择是否新签合同", "say whether a new contract is signed") && r.Contract.NewContract == Yes {
			c.required("contract.amount", !r.Contract.Amount.Blank(), "新签合同须填写合同金额", "a new contract needs its amount")
		}
		if !r.Contract.Amount.Blank() && !r.Contract.Amount.Valid() {
			c.add("contract.amount", PFormat, fmt.Sprintf("合同金额须为不小于 0 的数字，最多两位小数（现为“%s”）", r.Contract.Amount),
				fmt.Sprintf("the amount must be a number ≥ 0 with at most two decimals (got %q)", string(r.Contract.Amount)))
		}
		c.yesNo("contract.signed", r.Contract.Signed, "请选择合同是否已签", "say whether the contract is signed")
	} else {
		c.yesNo("contract.signed", r.Contract.Signed, "请选择合同是否已签", "say whether the contract is signed")
		c.yesNo("contract.first_payment", r.Contract.FirstPayment, "请选择首笔款项是否已回", "say whether the first payment is received")
	}

	// 其他.
	if !r.Other.GoLive.Blank() {
		if _, ok := r.Other.GoLive.Time(); !ok {
			c.add("other.go_live", PFormat, fmt.Sprintf("上线时间须为日期，格式 2026-03-31（现为“%s”）", r.Other.GoLive),
				fmt.Sprintf("the go-live date must be a date like 2026-03-31 (got %q)", string(r.Other.GoLive)))
		}
	}
	c.text("other.notes", r.Other.Notes, MaxLongText)
	c.text("other.special_requirements", r.Other.SpecialRequirements, MaxLongText)
}

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)
