package domain

// Kind is the kind of project (项目类型); each has its own form and flow.
type Kind string

const (
	KindLocal   Kind = "local"   // 本地化项目 (on-premise)
	KindSaaS    Kind = "saas"    // SaaS项目
	KindUpgrade Kind = "upgrade" // 历史项目升级扩展
)

// Kinds lists every kind in the order the standard presents them.
var Kinds = []Kind{KindLocal, KindSaaS, KindUpgrade}

// Valid reports whether k is one of the three kinds.
func (k Kind) Valid() bool { return k == KindLocal || k == KindSaaS || k == KindUpgrade }

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case KindLocal:
		return "本地化项目"
	case KindSaaS:
		return "SaaS项目"
	case KindUpgrade:
		return "历史项目升级扩展"
	}
	return string(k)
}

// LabelEN is the kind's English name.
func (k Kind) LabelEN() string {
	switch k {
	case KindLocal:
		return "On-premise project"
	case KindSaaS:
		return "SaaS project"
	case KindUpgrade:
		return "Upgrade / extension of an existing project"
	}
	return string(k)
}

// FormName is the name of the kind's registration form: 实施登记 for local
// and SaaS, 问题登记 (raised on an existing project) for upgrade.
func (k Kind) FormName() string {
	if k == KindUpgrade {
		return "问题登记"
	}
	return "实施登记"
}

// NumberName is the name of the number the server assigns to the form.
func (k Kind) NumberName() string {
	if k == KindUpgrade {
		return "问题登记号"
	}
	return "实施登记号"
}

// UpgradeType is the sub-type of an upgrade project (历史项目升级扩展的子类型).
type UpgradeType string

const (
	UpgradeVersion      UpgradeType = "version"      // 历史项目升级
	UpgradeNewScenario  UpgradeType = "new_scenario" // 历史项目新场景
	UpgradeHistoricSaaS UpgradeType = "saas"         // 历史SAAS项目
)

// UpgradeTypes lists the three sub-types.
var UpgradeTypes = []UpgradeType{UpgradeVersion, UpgradeNewScenario, UpgradeHistoricSaaS}

// Valid reports whether u is a known sub-type.
func (u UpgradeType) Valid() bool {
	return u == UpgradeVersion || u == UpgradeNewScenario || u == UpgradeHistoricSaaS
}

// Label is the sub-type's Chinese name.
func (u UpgradeType) Label() string {
	switch u {
	case UpgradeVersion:
		return "历史项目升级"
	case UpgradeNewScenario:
		return "历史项目新场景"
	case UpgradeHistoricSaaS:
		return "历史SAAS项目"
	}
	return string(u)
}

// ProductLine is the product line a local project is registered under; it
// decides the registration title (电子签章 / 电子合同 / 数字信任).
type ProductLine string

const (
	LineESeal     ProductLine = "esign"     // 电子签章
	LineEContract ProductLine = "econtract" // 电子合同
	LineDTrust    ProductLine = "dtrust"    // 数字信任
)

// ProductLines lists the three product lines.
var ProductLines = []ProductLine{LineESeal, LineEContract, LineDTrust}

// Valid reports whether l is a known product line.
func (l ProductLine) Valid() bool { return l == LineESeal || l == LineEContract || l == LineDTrust }

// Label is the product line's Chinese name as it appears in titles.
func (l ProductLine) Label() string {
	switch l {
	case LineESeal:
		return "电子签章"
	case LineEContract:
		return "电子合同"
	case LineDTrust:
		return "数字信任"
	}
	return string(l)
}

// Role is a role a person holds in the organisation (角色).
type Role string

const (
	RoleSales            Role = "sales"             // 销售
	RolePresales         Role = "presales"          // 售前
	RoleSalesManager     Role = "sales_manager"     // 销售主管
	RoleSpecialLeader    Role = "special_leader"    // 特批领导 (one per region)
	RoleBusinessApprover Role = "business_approver" // 商务审批员
	RolePM               Role = "pm"                // 项目经理 (项目实施部)
	RoleImplementer      Role = "implementer"       // 实施
	RoleCustomerSuccess  Role = "customer_success"  // 客户成功
	RoleCSManager        Role = "cs_manager"        // 客户成功主管
	RoleRegionManager    Role = "region_manager"    // 区域主管
	RoleProductApprover  Role = "product_approver"  // 产品审批员
	RoleOpsLead          Role = "ops_lead"          // 运营负责人
	RoleCSLead           Role = "cs_lead"           // 客户成功负责人
	RoleAdmin            Role = "admin"             // 系统管理员
)

// Roles lists every role the product knows.
var Roles = []Role{RoleSales, RolePresales, RoleSalesManager, RoleSpecialLeader,
	RoleBusinessApprover, RolePM, RoleImplementer, RoleCustomerSuccess, RoleCSManager,
	RoleRegionManager, RoleProductApprover, RoleOpsLead, RoleCSLead, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Label is the role's Chinese name.
func (r Role) Label() string {
	switch r {
	case RoleSales:
		return "销售"
	case RolePresales:
		return "售前"
	case RoleSalesManager:
		return "销售主管"
	case RoleSpecialLeader:
		return "特批领导"
	case RoleBusinessApprover:
		return "商务审批员"
	case RolePM:
		return "项目经理"
	case RoleImplementer:
		return "实施"
	case RoleCustomerSuccess:
		return "客户成功"
	case RoleCSManager:
		return "客户成功主管"
	case RoleRegionManager:
		return "区域主管"
	case RoleProductApprover:
		return "产品审批员"
	case RoleOpsLead:
		return "运营负责人"
	case RoleCSLead:
		return "客户成功负责人"
	case RoleAdmin:
		return "系统管理员"
	}
	return string(r)
}
