package domain

import (
	"fmt"
	"strings"
	"time"
)

// Initiation is stage 3, 项目立项 (SPEC §4): the derived project name, the
// overview pre-filled from the registration, the basis (立项依据: the
// registration number), the SVN path and the PMIS permission matrix.
type Initiation struct {
	InitiatorID string `json:"initiator_id"`
	// ProductType and SpecialName make the project name with the
	// customer's full name: {公司}{产品类型}[{特殊化名称/升级}]项目.
	ProductType string `json:"product_type"`
	SpecialName string `json:"special_name,omitempty"`
	// SubProject is true for upgrade: a new sub-project under ParentID
	// (立项路径：原有立项项目中新增子项目).
	SubProject bool   `json:"sub_project,omitempty"`
	ParentID   string `json:"parent_id,omitempty"`
	// Basis is the registration number the initiation rests on (立项依据),
	// fixed when the project is initiated.
	Basis       string       `json:"basis,omitempty"`
	Overview    Overview     `json:"overview"`
	SVNPath     string       `json:"svn_path"`
	Permissions []Permission `json:"permissions"`
}

// Overview is 概述: customer background, deployed products, signing method,
// signed file formats, integrated systems with versions, salesperson.
type Overview struct {
	CustomerBackground string   `json:"customer_background"`       // 客户背景
	Products           string   `json:"products"`                  // 部署产品
	SigningMethods     []string `json:"signing_methods,omitempty"` // 签章方式
	FileFormats        []string `json:"file_formats,omitempty"`    // 签章文件格式 (PDF, OFD, Word)
	Integration        YesNo    `json:"integration,omitempty"`     // 集成系统
	Systems            string   `json:"systems,omitempty"`         // 集成业务系统名称及版本
	Sales              string   `json:"sales"`                     // 销售人员
}

// PermissionRole is a role in the PMIS permission matrix (人员权限配置).
type PermissionRole string

const (
	PermProjectAdmin    PermissionRole = "project_admin"    // 项目管理员
	PermImplementer     PermissionRole = "implementer"      // 实施人员
	PermDevManager      PermissionRole = "dev_manager"      // 开发经理
	PermBusiness        PermissionRole = "business"         // 业务人员
	PermProductManager  PermissionRole = "product_manager"  // 产品经理
	PermProcessHandler  PermissionRole = "process_handler"  // 流程受理人员
	PermProcessApprover PermissionRole = "process_approver" // 流程审批人员
)

// Label is the permission role's Chinese name.
func (r PermissionRole) Label() string {
	switch r {
	case PermProjectAdmin:
		return "项目管理员"
	case PermImplementer:
		return "实施人员"
	case PermDevManager:
		return "开发经理"
	case PermBusiness:
		return "业务人员"
	case PermProductManager:
		return "产品经理"
	case PermProcessHandler:
		return "流程受理人员"
	case PermProcessApprover:
		return "流程审批人员"
	}
	return string(r)
}

// Permission is one row of the matrix: the users and groups given a role.
type Permission struct {
	Role   PermissionRole `json:"role"`
	Users  []string       `json:"users,omitempty"`  // user IDs
	Groups []string       `json:"groups,omitempty"` // group names
}

// Group names the standard itself refers to.
const (
	GroupInitiationExperts = "立项专家"
	GroupRDProduct         = "长沙研发-产品部"
	GroupAfterSalesSupport = "长沙-售后技术支持"
	GroupOpsSupport        = "运营支持组"
	GroupOps               = "运营组"
	GroupProcessApproval   = "流程审批"
)

// PermissionRoles returns the matrix rows of a kind in order: SaaS projects
// have no 开发经理 and no 产品经理 (SPEC §4).
func PermissionRoles(k Kind) []PermissionRole {
	if k == KindSaaS {
		return []PermissionRole{PermProjectAdmin, PermImplementer, PermBusiness, PermProcessHandler, PermProcessApprover}
	}
	return []PermissionRole{PermProjectAdmin, PermImplementer, PermDevManager, PermBusiness,
		PermProductManager, PermProcessHandler, PermProcessApprover}
}

// DefaultGroups returns the groups the standard puts in a matrix row.
func DefaultGroups(k Kind, role PermissionRole) []string {
	switch role {
	case PermDevManager:
		if k != KindSaaS {
			return []string{GroupInitiationExperts}
		}
	case PermProductManager:
		if k != KindSaaS {
			return []string{GroupRDProduct}
		}
	case PermProcessHandler:
		switch k {
		case KindLocal:
			return []string{GroupAfterSalesSupport, GroupOpsSupport}
		case KindSaaS:
			return []string{GroupAfterSalesSupport, GroupOps}
		case KindUpgrade:
			return []string{GroupAfterSalesSupport}
		}
	case PermProcessApprover:
		return []string{GroupProcessApproval}
	}
	return nil
}

// DefaultPermissions builds the matrix of SPEC §4 for a kind: the PM as
// 项目管理员, the implementers, the responsible sales as 业务人员, and the
// standard's groups; it stays editable per project.
func DefaultPermissions(k Kind, pmID string, implementerIDs []string, salesID string) []Permission {
	var out []Permission
	for _, role := range PermissionRoles(k) {
		p := Permission{Role: role, Groups: DefaultGroups(k, role)}
		switch role {
		case PermProjectAdmin:
			if pmID != "" {
				p.Users = []string{pmID}
			}
		case PermImplementer:
			p.Users = append([]string(nil), implementerIDs...)
		case PermBusiness:
			if salesID != "" {
				p.Users = []string{salesID}
			}
		}
		out = append(out, p)
	}
	return out
}

// Permission returns the matrix row of a role.
func (in *Initiation) Permission(role PermissionRole) (Permission, bool) {
	for _, p := range in.Permissions {
		if p.Role == role {
			return p, true
		}
	}
	return Permission{}, false
}

// Name is the derived project name for a customer's full name.
func (in *Initiation) Name(company string) string {
	return ProjectName(company, in.ProductType, in.SpecialName)
}

// ProjectName is the derived project name of an initiated (or initiating)
// project, or "" before initiation starts.
func (p *Project) ProjectName() string {
	if p.Initiation == nil {
		return ""
	}
	return p.Initiation.Name(p.Registration.Customer.FullName)
}

// NewInitiation pre-fills the initiation of p by initiator: name parts,
// overview, SVN path from the org's template under the project's region
// (under the parent's path for an upgrade sub-project), and the default
// permission matrix. parent is the original project for upgrade, else nil.
func NewInitiation(p *Project, org *Org, initiator User, parent *Project, now time.Time) *Initiation {
	r := &p.Registration
	parentType := ""
	if parent != nil && parent.Initiation != nil {
		parentType = parent.Initiation.ProductType
	}
	in := &Initiation{
		InitiatorID: initiator.ID,
		ProductType: r.DefaultProductType(parentType),
		SpecialName: r.DefaultSpecialName(),
		Basis:       p.Number,
	}
	if r.Kind == KindUpgrade {
		in.SubProject = true
		in.ParentID = r.ParentID
	}
	in.Overview = Overview{
		CustomerBackground: BackgroundText(r),
		Products:           strings.Join(r.Products, "、"),
		Integration:        r.Integration,
		Sales:              org.UserName(r.SalesID),
	}
	if r.Integration == Yes {
		in.Overview.Systems = SystemsText(r)
	}
	if in.Overview.Products == "" && parent != nil && parent.Initiation != nil {
		in.Overview.Products = parent.Initiation.Overview.Products
	}
	pm := ""
	if initiator.Has(RolePM) {
		pm = initiator.ID
	} else if p.ReceiverID != "" {
		if u, ok := org.User(p.ReceiverID); ok && u.Has(RolePM) {
			pm = u.ID
		}
	}
	in.Permissions = DefaultPermissions(r.Kind, pm, nil, r.SalesID)
	in.SVNPath = p.DefaultSVNPath(org, in, parent, now)
	return in
}

// DefaultSVNPath derives the SVN path of p from the organisation's template.
func (p *Project) DefaultSVNPath(org *Org, in *Initiation, parent *Project, now time.Time) string {
	r := &p.Registration
	region, _ := org.Region(r.Customer.Region)
	parentPath := ""
	if in.SubProject && parent != nil && parent.Initiation != nil {
		parentPath = parent.Initiation.SVNPath
	}
	year := now.Year()
	if !p.CreatedAt.IsZero() {
		year = p.CreatedAt.Year()
	}
	template := ""
	if org != nil {
		template = org.SVNTemplate
	}
	return SVNPath(template, SVNVars{Root: region.SVNRoot, Year: year, Number: p.Number,
		Name: in.Name(r.Customer.FullName), Short: r.Customer.ShortName}, parentPath)
}

// ValidateInitiation checks an initiation before the project is initiated:
// name parts, SVN path, the matrix rows of the kind with a PM, implementers
// and the responsible sales, and groups that exist in the directory.
func ValidateInitiation(in *Initiation, k Kind, org *Org) Problems {
	c := &checker{org: org}
	c.required("product_type", !blank(in.ProductType), "请填写产品类型（用于项目名称）", "the product type is required (it makes the project name)")
	c.text("product_type", in.ProductType, 50)
	c.text("special_name", in.SpecialName, 50)
	c.required("svn_path", !blank(in.SVNPath), "请填写 SVN 路径", "the SVN path is required")
	if k == KindUpgrade {
		c.required("parent_id", in.SubProject && !blank(in.ParentID), "升级扩展项目须在原有项目下新增子项目", "an upgrade is initiated as a sub-project of the original project")
	}
	c.required("overview.customer_background", !blank(in.Overview.CustomerBackground), "请填写概述中的客户背景", "the customer background is required")
	c.required("overview.sales", !blank(in.Overview.Sales), "请填写概述中的销售人员", "the salesperson is required")
	allowed := map[PermissionRole]bool{}
	for _, r := range PermissionRoles(k) {
		allowed[r] = true
	}
	for i, p := range in.Permissions {
		path := fmt.Sprintf("permissions[%d]", i)
		if !allowed[p.Role] {
			c.add(path+".role", PChoice, fmt.Sprintf("%s不配置“%s”", k.Label(), p.Role.Label()), fmt.Sprintf("a %s has no %s row", k.LabelEN(), p.Role))
		}
		for j, u := range p.Users {
			if org != nil {
				if _, ok := org.User(u); !ok {
					c.add(fmt.Sprintf("%s.users[%d]", path, j), PChoice, "不是目录中的用户："+u, "not a user: "+u)
				}
			}
		}
		for j, g := range p.Groups {
			if org != nil {
				if _, ok := org.GroupByName(g); !ok {
					c.add(fmt.Sprintf("%s.groups[%d]", path, j), PChoice, "不是目录中的用户组："+g, "not a group: "+g)
				}
			}
		}
	}
	need := func(role PermissionRole, zh, en string) {
		p, _ := in.Permission(role)
		c.required("permissions."+string(role), len(p.Users) > 0, zh, en)
	}
	need(PermProjectAdmin, "请指定项目管理员（区域主管指派的项目经理）", "name the project administrator (the PM)")
	need(PermImplementer, "请指定实施人员", "name the implementers")
	need(PermBusiness, "请指定业务人员（对应销售）", "name the business person (the responsible sales)")
	return c.ps
}
