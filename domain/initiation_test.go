package domain_test

import (
	"slices"
	"strings"
	"testing"

	"lixiang/domain"
)

// TestPermissionMatrixDefaults: the 人员权限配置 table of SPEC §4 (standard
// 3.2.3, 3.3.3, 3.4.2): which rows each kind has and which groups the
// standard puts in them.
func TestPermissionMatrixDefaults(t *testing.T) {
	const (
		L = domain.KindLocal
		S = domain.KindSaaS
		U = domain.KindUpgrade
	)
	rows := map[domain.Kind][]domain.PermissionRole{
		L: {domain.PermProjectAdmin, domain.PermImplementer, domain.PermDevManager, domain.PermBusiness,
			domain.PermProductManager, domain.PermProcessHandler, domain.PermProcessApprover},
		U: {domain.PermProjectAdmin, domain.PermImplementer, domain.PermDevManager, domain.PermBusiness,
			domain.PermProductManager, domain.PermProcessHandler, domain.PermProcessApprover},
		S: {domain.PermProjectAdmin, domain.PermImplementer, domain.PermBusiness,
			domain.PermProcessHandler, domain.PermProcessApprover},
	}
	for k, want := range rows {
		if got := domain.PermissionRoles(k); !slices.Equal(got, want) {
			t.Errorf("%s rows %v, want %v", k, got, want)
		}
	}
	tests := []struct {
		rule   string
		kind   domain.Kind
		role   domain.PermissionRole
		groups []string
	}{
		{"开发经理: 立项专家用户组", L, domain.PermDevManager, []string{"立项专家"}},
		{"开发经理: 立项专家用户组", U, domain.PermDevManager, []string{"立项专家"}},
		{"SaaS has no 开发经理", S, domain.PermDevManager, nil},
		{"产品经理: 长沙研发-产品部用户组", L, domain.PermProductManager, []string{"长沙研发-产品部"}},
		{"产品经理: 长沙研发-产品部用户组", U, domain.PermProductManager, []string{"长沙研发-产品部"}},
		{"SaaS has no 产品经理", S, domain.PermProductManager, nil},
		{"流程受理人员 local: 长沙-售后技术支持、运营支持组", L, domain.PermProcessHandler, []string{"长沙-售后技术支持", "运营支持组"}},
		{"流程受理人员 upgrade: 长沙-售后技术支持 only", U, domain.PermProcessHandler, []string{"长沙-售后技术支持"}},
		{"流程受理人员 SaaS: 长沙-售后技术支持、运营组", S, domain.PermProcessHandler, []string{"长沙-售后技术支持", "运营组"}},
		{"流程审批人员: 流程审批用户组", L, domain.PermProcessApprover, []string{"流程审批"}},
		{"流程审批人员: 流程审批用户组", U, domain.PermProcessApprover, []string{"流程审批"}},
		{"流程审批人员: 流程审批用户组", S, domain.PermProcessApprover, []string{"流程审批"}},
		{"项目管理员 is a person", L, domain.PermProjectAdmin, nil},
		{"实施人员 are people", S, domain.PermImplementer, nil},
		{"业务人员 is the sales", U, domain.PermBusiness, nil},
	}
	org := demoOrg(t)
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.rule, func(t *testing.T) {
			if got := domain.DefaultGroups(tt.kind, tt.role); !slices.Equal(got, tt.groups) {
				t.Fatalf("DefaultGroups = %v, want %v", got, tt.groups)
			}
			for _, g := range tt.groups {
				if _, ok := org.GroupByName(g); !ok {
					t.Errorf("the demo org lacks the standard's group %s", g)
				}
			}
		})
	}
	t.Run("DefaultPermissions puts the PM, implementers and sales in their rows", func(t *testing.T) {
		for _, k := range domain.Kinds {
			ps := domain.DefaultPermissions(k, pmNorth, []string{implNorth, pmNorth}, salesNorth)
			if len(ps) != len(rows[k]) {
				t.Fatalf("%s: %d rows", k, len(ps))
			}
			in := domain.Initiation{Permissions: ps}
			for _, role := range rows[k] {
				row, ok := in.Permission(role)
				if !ok || !slices.Equal(row.Groups, domain.DefaultGroups(k, role)) {
					t.Errorf("%s %s: %+v", k, role, row)
				}
				if role.Label() == string(role) {
					t.Errorf("%s has no label", role)
				}
			}
			admin, _ := in.Permission(domain.PermProjectAdmin)
			impl, _ := in.Permission(domain.PermImplementer)
			biz, _ := in.Permission(domain.PermBusiness)
			if !slices.Equal(admin.Users, []string{pmNorth}) || !slices.Equal(impl.Users, []string{implNorth, pmNorth}) || !slices.Equal(biz.Users, []string{salesNorth}) {
				t.Errorf("%s people: admin %v impl %v business %v", k, admin.Users, impl.Users, biz.Users)
			}
		}
		ps := domain.DefaultPermissions(domain.KindSaaS, "", nil, "")
		for _, p := range ps {
			if len(p.Users) != 0 {
				t.Errorf("nobody known, yet %s has %v", p.Role, p.Users)
			}
		}
	})
}

// TestNewInitiationPrefill: the initiation is pre-filled from the
// registration: name parts, 概述, 立项依据, SVN path under the region (or the
// parent for an upgrade sub-project), and the default matrix (SPEC §4).
func TestNewInitiationPrefill(t *testing.T) {
	org := demoOrg(t)
	t.Run("local", func(t *testing.T) {
		p := receivedProject(t, org, validLocal(), pmSouth)
		in := domain.NewInitiation(p, org, who(t, org, pmSouth), nil, t0)
		if in.InitiatorID != pmSouth || in.ProductType != "电子签章" || in.SpecialName != "" || in.SubProject || in.ParentID != "" || in.Basis != "SS-2026-0007" {
			t.Fatalf("header %+v", in)
		}
		if in.Name(p.Registration.Customer.FullName) != "湖南湘江新区管理委员会电子签章项目" {
			t.Fatalf("name %q", in.Name(p.Registration.Customer.FullName))
		}
		wantOverview := domain.Overview{
			CustomerBackground: domain.BackgroundText(&p.Registration),
			Products:           "悦文云文档、智慧印章",
			Integration:        domain.Yes,
			Systems:            "OA 蓝凌EKP（蓝凌） V15、ERP 金蝶云星空（金蝶） 8.0",
			Sales:              "李娜",
		}
		if !overviewEqual(in.Overview, wantOverview) {
			t.Fatalf("overview %+v,\nwant %+v", in.Overview, wantOverview)
		}
		if want := "svn://svn.esa2000.local/projects/南方区域/2026/SS-2026-0007_湖南湘江新区管理委员会电子签章项目"; in.SVNPath != want {
			t.Fatalf("svn %q, want %q", in.SVNPath, want)
		}
		admin, _ := in.Permission(domain.PermProjectAdmin)
		biz, _ := in.Permission(domain.PermBusiness)
		if !slices.Equal(admin.Users, []string{pmSouth}) || !slices.Equal(biz.Users, []string{salesSouth}) {
			t.Fatalf("admin %v business %v", admin.Users, biz.Users)
		}
		// The 区域主管 still assigns implementers.
		ps := domain.ValidateInitiation(in, domain.KindLocal, org)
		if len(ps) != 1 || ps[0].Path != "permissions.implementer" {
			t.Fatalf("a fresh local initiation lacks only the implementers: %v", ps)
		}
	})
	t.Run("saas by the 客户成功主管", func(t *testing.T) {
		r := validSaaS()
		r.Integration, r.Systems = domain.No, nil
		p := receivedProject(t, org, r, csNorth)
		in := domain.NewInitiation(p, org, who(t, org, csManager), nil, t0)
		if in.ProductType != "SaaS" || in.Overview.Systems != "" || in.Overview.Integration != domain.No || in.Overview.Sales != "张伟" {
			t.Fatalf("saas initiation %+v", in)
		}
		if want := "svn://svn.esa2000.local/projects/北方区域/2026/SS-2026-0007_北京远航物流有限公司SaaS项目"; in.SVNPath != want {
			t.Fatalf("svn %q, want %q", in.SVNPath, want)
		}
		if _, ok := in.Permission(domain.PermDevManager); ok {
			t.Fatal("SaaS has no 开发经理 row")
		}
		// The 客户成功主管 is not the PM: the 区域主管's PM is still to be named.
		ps := domain.ValidateInitiation(in, domain.KindSaaS, org)
		if got := paths(ps); !slices.Equal(got, []string{"permissions.project_admin", "permissions.implementer"}) {
			t.Fatalf("fresh SaaS initiation problems %v", got)
		}
	})
	t.Run("upgrade: a sub-project under the original project", func(t *testing.T) {
		p := receivedUpgrade(t, org)
		parent := parentProject(t, org)
		in := domain.NewInitiation(p, org, who(t, org, pmNorth), parent, t0)
		if !in.SubProject || in.ParentID != parentID || in.ProductType != "电子签章" || in.SpecialName != "升级" || in.Basis != "WT-2026-0031" {
			t.Fatalf("upgrade header %+v", in)
		}
		if in.Overview.Products != "智慧印章、签章中间件" {
			t.Fatalf("an upgrade deploys its parent's products, got %q", in.Overview.Products)
		}
		want := parent.Initiation.SVNPath + "/子项目/WT-2026-0031_河北钢铁集团有限公司电子签章升级项目"
		if in.SVNPath != want {
			t.Fatalf("svn %q, want %q", in.SVNPath, want)
		}
		handler, _ := in.Permission(domain.PermProcessHandler)
		if !slices.Equal(handler.Groups, []string{"长沙-售后技术支持"}) {
			t.Fatalf("upgrade 流程受理人员 %v", handler.Groups)
		}
		completeInitiation(in, pmNorth, implNorth)
		if ps := domain.ValidateInitiation(in, domain.KindUpgrade, org); len(ps) != 0 {
			t.Fatalf("complete upgrade initiation: %v", ps)
		}
	})
	t.Run("upgrade without the parent at hand", func(t *testing.T) {
		p := receivedUpgrade(t, org)
		in := domain.NewInitiation(p, org, who(t, org, pmNorth), nil, t0)
		if in.ProductType != "" || !in.SubProject || in.ParentID != parentID {
			t.Fatalf("upgrade without parent %+v", in)
		}
		if !strings.HasPrefix(in.SVNPath, "svn://svn.esa2000.local/projects/北方区域/") {
			t.Fatalf("without the parent's path the SVN path falls back to the region: %q", in.SVNPath)
		}
		completeInitiation(in, pmNorth, implNorth)
		ps := domain.ValidateInitiation(in, domain.KindUpgrade, org)
		if len(ps) != 1 || ps[0].Path != "product_type" {
			t.Fatalf("the product type must then be typed: %v", ps)
		}
	})
	t.Run("before the number: 待分配", func(t *testing.T) {
		r := validSaaS()
		p := receivedProject(t, org, r, csNorth)
		p.Number = ""
		in := domain.NewInitiation(p, org, who(t, org, csManager), nil, t0)
		if !strings.Contains(in.SVNPath, "/待分配_") || in.Basis != "" {
			t.Fatalf("svn %q basis %q", in.SVNPath, in.Basis)
		}
	})
}

func overviewEqual(a, b domain.Overview) bool {
	return a.CustomerBackground == b.CustomerBackground && a.Products == b.Products &&
		slices.Equal(a.SigningMethods, b.SigningMethods) && slices.Equal(a.FileFormats, b.FileFormats) &&
		a.Integration == b.Integration && a.Systems == b.Systems && a.Sales == b.Sales
}

// TestValidateInitiation: what an initiation needs before 立项 (SPEC §4).
func TestValidateInitiation(t *testing.T) {
	org := demoOrg(t)
	valid := func(k domain.Kind) *domain.Initiation {
		in := &domain.Initiation{
			InitiatorID: pmNorth, ProductType: "电子签章", SVNPath: "svn://svn.esa2000.local/projects/北方区域/2026/x",
			Overview:    domain.Overview{CustomerBackground: "河北钢铁集团有限公司", Sales: "张伟", FileFormats: []string{"PDF", "OFD"}},
			Permissions: domain.DefaultPermissions(k, pmNorth, []string{implNorth}, salesNorth),
		}
		if k == domain.KindUpgrade {
			in.SubProject, in.ParentID = true, parentID
		}
		return in
	}
	tests := []struct {
		rule string
		kind domain.Kind
		edit func(in *domain.Initiation)
		path string
		code string
	}{
		{"项目名称 needs the product type", domain.KindLocal, func(in *domain.Initiation) { in.ProductType = "" }, "product_type", domain.PRequired},
		{"SVN 路径", domain.KindSaaS, func(in *domain.Initiation) { in.SVNPath = "" }, "svn_path", domain.PRequired},
		{"upgrade: 立项路径 a new sub-project", domain.KindUpgrade, func(in *domain.Initiation) { in.SubProject = false }, "parent_id", domain.PRequired},
		{"upgrade: under the original project", domain.KindUpgrade, func(in *domain.Initiation) { in.ParentID = "" }, "parent_id", domain.PRequired},
		{"概述 客户背景", domain.KindLocal, func(in *domain.Initiation) { in.Overview.CustomerBackground = "" }, "overview.customer_background", domain.PRequired},
		{"概述 销售人员", domain.KindUpgrade, func(in *domain.Initiation) { in.Overview.Sales = "" }, "overview.sales", domain.PRequired},
		{"项目管理员 the PM", domain.KindLocal, func(in *domain.Initiation) { in.Permissions[0].Users = nil }, "permissions.project_admin", domain.PRequired},
		{"实施人员", domain.KindSaaS, func(in *domain.Initiation) { in.Permissions[1].Users = nil }, "permissions.implementer", domain.PRequired},
		{"业务人员 the sales", domain.KindUpgrade, func(in *domain.Initiation) { in.Permissions[3].Users = nil }, "permissions.business", domain.PRequired},
		{"SaaS has no 开发经理", domain.KindSaaS, func(in *domain.Initiation) {
			in.Permissions = append(in.Permissions, domain.Permission{Role: domain.PermDevManager, Groups: []string{"立项专家"}})
		}, "permissions[5].role", domain.PChoice},
		{"users are in the directory", domain.KindLocal, func(in *domain.Initiation) { in.Permissions[1].Users = []string{"u-ghost"} }, "permissions[1].users[0]", domain.PChoice},
		{"groups are in the directory", domain.KindLocal, func(in *domain.Initiation) { in.Permissions[2].Groups = []string{"不存在的组"} }, "permissions[2].groups[0]", domain.PChoice},
		{"product type fits a name", domain.KindLocal, func(in *domain.Initiation) { in.ProductType = strings.Repeat("长", 51) }, "product_type", domain.PRange},
	}
	for _, k := range domain.Kinds {
		t.Run("valid "+string(k), func(t *testing.T) {
			if ps := domain.ValidateInitiation(valid(k), k, org); len(ps) != 0 {
				t.Fatalf("want no problem, got %v", ps)
			}
		})
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.rule, func(t *testing.T) {
			in := valid(tt.kind)
			tt.edit(in)
			ps := domain.ValidateInitiation(in, tt.kind, org)
			checkMessages(t, ps)
			if len(ps) != 1 || ps[0].Path != tt.path || ps[0].Code != tt.code {
				t.Fatalf("want one %s %s, got %v", tt.path, tt.code, ps)
			}
		})
	}
	t.Run("without a directory users and groups are not checked", func(t *testing.T) {
		in := valid(domain.KindLocal)
		in.Permissions[1].Users = []string{"u-ghost"}
		in.Permissions[2].Groups = []string{"不存在的组"}
		if ps := domain.ValidateInitiation(in, domain.KindLocal, nil); len(ps) != 0 {
			t.Fatalf("want no problem without org, got %v", ps)
		}
	})
}
