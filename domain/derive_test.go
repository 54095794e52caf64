package domain_test

import (
	"testing"

	"lixiang/domain"
)

// TestTitleIsDerived: the registration title follows the standard's 提交标题规范
// for every kind and product line, from the short name (SPEC §2.1, §2.2).
func TestTitleIsDerived(t *testing.T) {
	tests := []struct {
		rule string
		reg  domain.Registration
		want string
	}{
		{"§2.1 local 电子签章", domain.Registration{Kind: domain.KindLocal, ProductLine: domain.LineESeal, Customer: domain.Customer{ShortName: "湘江新区"}}, "湘江新区电子签章项目立项申请"},
		{"§2.1 local 电子合同", domain.Registration{Kind: domain.KindLocal, ProductLine: domain.LineEContract, Customer: domain.Customer{ShortName: "恒瑞医药"}}, "恒瑞医药电子合同项目立项申请"},
		{"§2.1 local 数字信任", domain.Registration{Kind: domain.KindLocal, ProductLine: domain.LineDTrust, Customer: domain.Customer{ShortName: "国网湖南"}}, "国网湖南数字信任项目立项申请"},
		{"§2.1 saas", domain.Registration{Kind: domain.KindSaaS, Customer: domain.Customer{ShortName: "远航物流"}}, "远航物流SAAS项目立项申请"},
		{"§2.1 saas ignores a product line", domain.Registration{Kind: domain.KindSaaS, ProductLine: domain.LineDTrust, Customer: domain.Customer{ShortName: "远航物流"}}, "远航物流SAAS项目立项申请"},
		{"§2.2 upgrade", domain.Registration{Kind: domain.KindUpgrade, UpgradeType: domain.UpgradeNewScenario, Customer: domain.Customer{ShortName: "河钢"}}, "河钢项目升级拓展申请"},
		{"short name is trimmed", domain.Registration{Kind: domain.KindSaaS, Customer: domain.Customer{ShortName: "  远航物流 "}}, "远航物流SAAS项目立项申请"},
		{"draft without a short name shows a placeholder", domain.Registration{Kind: domain.KindUpgrade}, "（客户简称）项目升级拓展申请"},
		{"draft without a product line shows a placeholder", domain.Registration{Kind: domain.KindLocal, Customer: domain.Customer{ShortName: "湘江新区"}}, "湘江新区（产品线）项目立项申请"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			if got := tt.reg.Title(); got != tt.want {
				t.Fatalf("Title() = %q, want %q", got, tt.want)
			}
			p := domain.Project{Registration: tt.reg}
			if got := p.Title(); got != tt.want {
				t.Fatalf("Project.Title() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestProjectNameIsDerived: 项目名称 = {公司（单位）}{产品类型}[{特殊化名称/升级}]项目
// (SPEC §4, standard 3.2.3 "按照公司（单位）+产品类型（特殊化名称升级）+项目").
func TestProjectNameIsDerived(t *testing.T) {
	tests := []struct {
		rule                          string
		company, productType, special string
		want                          string
	}{
		{"company + product type", "湖南湘江新区管理委员会", "电子签章", "", "湖南湘江新区管理委员会电子签章项目"},
		{"with a special name", "北京远航物流有限公司", "SaaS", "一期", "北京远航物流有限公司SaaS一期项目"},
		{"upgrade", "河北钢铁集团有限公司", "电子签章", "升级", "河北钢铁集团有限公司电子签章升级项目"},
		{"parts are trimmed", " 河北钢铁集团有限公司 ", " 电子合同 ", " 新场景 ", "河北钢铁集团有限公司电子合同新场景项目"},
		{"no company yet", "", "电子签章", "", "（公司全称）电子签章项目"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			if got := domain.ProjectName(tt.company, tt.productType, tt.special); got != tt.want {
				t.Fatalf("ProjectName = %q, want %q", got, tt.want)
			}
			in := domain.Initiation{ProductType: tt.productType, SpecialName: tt.special}
			if got := in.Name(tt.company); got != tt.want {
				t.Fatalf("Initiation.Name = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNameParts: what a registration suggests for 产品类型 and 特殊化名称
// (local: its product line; SaaS: SaaS; upgrade: the parent's type and its
// sub-type).
func TestNameParts(t *testing.T) {
	tests := []struct {
		reg         domain.Registration
		parentType  string
		wantType    string
		wantSpecial string
	}{
		{domain.Registration{Kind: domain.KindLocal, ProductLine: domain.LineEContract}, "", "电子合同", ""},
		{domain.Registration{Kind: domain.KindLocal}, "", "", ""},
		{domain.Registration{Kind: domain.KindSaaS}, "电子签章", "SaaS", ""},
		{domain.Registration{Kind: domain.KindUpgrade, UpgradeType: domain.UpgradeVersion}, "电子签章", "电子签章", "升级"},
		{domain.Registration{Kind: domain.KindUpgrade, UpgradeType: domain.UpgradeNewScenario}, "", "", "新场景"},
		{domain.Registration{Kind: domain.KindUpgrade, UpgradeType: domain.UpgradeHistoricSaaS}, "SaaS", "SaaS", "SAAS"},
	}
	for _, tt := range tests {
		t.Run(string(tt.reg.Kind)+"/"+string(tt.reg.UpgradeType), func(t *testing.T) {
			if got := tt.reg.DefaultProductType(tt.parentType); got != tt.wantType {
				t.Errorf("DefaultProductType = %q, want %q", got, tt.wantType)
			}
			if got := tt.reg.DefaultSpecialName(); got != tt.wantSpecial {
				t.Errorf("DefaultSpecialName = %q, want %q", got, tt.wantSpecial)
			}
		})
	}
}

// TestSVNPath: the SVN path is made under the project's region root from the
// current template, a sub-project goes under its parent's path, and 待分配
// stands in for a number the server has not assigned yet (SPEC §4, §5).
func TestSVNPath(t *testing.T) {
	const tpl = "{root}/{year}/{number}_{name}"
	vars := domain.SVNVars{Root: "svn://svn.esa2000.local/projects/北方区域/", Year: 2026, Number: "SS-2026-0007",
		Name: "北京远航物流有限公司SaaS项目", Short: "远航物流"}
	tests := []struct {
		rule     string
		template string
		vars     func(v domain.SVNVars) domain.SVNVars
		parent   string
		want     string
	}{
		{"§4 under the region root from the template", tpl, nil, "",
			"svn://svn.esa2000.local/projects/北方区域/2026/SS-2026-0007_北京远航物流有限公司SaaS项目"},
		{"§4 another template with the short name", "{root}/{short}/{number}", nil, "",
			"svn://svn.esa2000.local/projects/北方区域/远航物流/SS-2026-0007"},
		{"§4 no template falls back to the default", "", nil, "",
			"svn://svn.esa2000.local/projects/北方区域/2026/SS-2026-0007_北京远航物流有限公司SaaS项目"},
		{"§5 待分配 before the server assigns a number", tpl, func(v domain.SVNVars) domain.SVNVars { v.Number = ""; return v }, "",
			"svn://svn.esa2000.local/projects/北方区域/2026/待分配_北京远航物流有限公司SaaS项目"},
		{"§4 a name is one path segment", tpl, func(v domain.SVNVars) domain.SVNVars { v.Name = "A/B公司 项目"; return v }, "",
			"svn://svn.esa2000.local/projects/北方区域/2026/SS-2026-0007_A_B公司_项目"},
		{"§2.2 upgrade: a sub-project under the original project", tpl, nil, "svn://svn.esa2000.local/projects/北方区域/2024/SS-2024-0042_河钢/",
			"svn://svn.esa2000.local/projects/北方区域/2024/SS-2024-0042_河钢/子项目/SS-2026-0007_北京远航物流有限公司SaaS项目"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			v := vars
			if tt.vars != nil {
				v = tt.vars(v)
			}
			if got := domain.SVNPath(tt.template, v, tt.parent); got != tt.want {
				t.Fatalf("SVNPath = %q,\n want %q", got, tt.want)
			}
		})
	}
}

// TestDisplayNumber: until the server assigns the 实施登记号/问题登记号 the
// record shows 待分配 (SPEC §5).
func TestDisplayNumber(t *testing.T) {
	p := domain.Project{}
	if got := p.DisplayNumber(); got != "待分配" || domain.NumberPending != "待分配" {
		t.Fatalf("DisplayNumber before assignment = %q", got)
	}
	p.Number = "SS-2026-0007"
	if got := p.DisplayNumber(); got != "SS-2026-0007" {
		t.Fatalf("DisplayNumber = %q", got)
	}
	for _, tt := range []struct {
		kind             domain.Kind
		form, numberName string
	}{
		{domain.KindLocal, "实施登记", "实施登记号"},
		{domain.KindSaaS, "实施登记", "实施登记号"},
		{domain.KindUpgrade, "问题登记", "问题登记号"},
	} {
		if tt.kind.FormName() != tt.form || tt.kind.NumberName() != tt.numberName {
			t.Errorf("%s: form %q number %q", tt.kind, tt.kind.FormName(), tt.kind.NumberName())
		}
	}
}

// TestLabels: every kind, role, status, action and sub-type has a Chinese
// label distinct from its code (what people read is never a code).
func TestLabels(t *testing.T) {
	for _, k := range domain.Kinds {
		if !k.Valid() || k.Label() == string(k) || k.LabelEN() == string(k) {
			t.Errorf("kind %s: %q %q", k, k.Label(), k.LabelEN())
		}
	}
	for _, r := range domain.Roles {
		if !r.Valid() || r.Label() == string(r) {
			t.Errorf("role %s: %q", r, r.Label())
		}
	}
	for _, s := range domain.Statuses {
		if !s.Valid() || s.Label() == string(s) {
			t.Errorf("status %s: %q", s, s.Label())
		}
	}
	for _, a := range domain.Actions {
		if a.Label() == string(a) {
			t.Errorf("action %s has no label", a)
		}
	}
	for _, u := range domain.UpgradeTypes {
		if !u.Valid() || u.Label() == string(u) {
			t.Errorf("upgrade type %s: %q", u, u.Label())
		}
	}
	want := map[domain.UpgradeType]string{domain.UpgradeVersion: "历史项目升级", domain.UpgradeNewScenario: "历史项目新场景", domain.UpgradeHistoricSaaS: "历史SAAS项目"}
	for u, l := range want {
		if u.Label() != l {
			t.Errorf("§1 upgrade sub-type %s = %q, want %q", u, u.Label(), l)
		}
	}
	if domain.Kind("x").Valid() || domain.Role("x").Valid() || domain.Status("x").Valid() {
		t.Error("unknown codes must not be valid")
	}
}
