package domain_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"lixiang/assets"
	"lixiang/domain"
)

// TestDemoOrg: the demo organisation is valid and carries what the standard
// names: 北方 led by 杨辉玉 and 南方 by 戴娟翔 (standard 3.2.1), the PMIS groups
// of SPEC §4 and the catalogues of §2.1.
func TestDemoOrg(t *testing.T) {
	org := demoOrg(t)
	if ps := org.Check(); len(ps) != 0 {
		t.Fatalf("demo org problems: %v", ps)
	}
	leaders := map[string]string{"north": "杨辉玉", "south": "戴娟翔"}
	for code, name := range leaders {
		r, ok := org.Region(code)
		if !ok || org.UserName(r.SpecialLeader) != name || r.SVNRoot == "" {
			t.Errorf("region %s: %+v", code, r)
		}
	}
	for _, g := range []string{domain.GroupInitiationExperts, domain.GroupRDProduct, domain.GroupAfterSalesSupport,
		domain.GroupOpsSupport, domain.GroupOps, domain.GroupProcessApproval} {
		if _, ok := org.GroupByName(g); !ok {
			t.Errorf("no group %s", g)
		}
	}
	if got := domain.Names(org.Catalogues.Products(domain.KindLocal)); !slices.Equal(got, []string{"悦文云文档", "合同平台", "电子印章认证", "智慧印章", "签章中间件"}) {
		t.Errorf("local products %v", got)
	}
	if got := domain.Names(org.Catalogues.Products(domain.KindSaaS)); !slices.Equal(got, []string{"云签章", "云合同"}) {
		t.Errorf("SaaS products %v", got)
	}
	if org.Catalogues.Products(domain.KindUpgrade) != nil {
		t.Error("an upgrade has no product catalogue")
	}
	if got := domain.Names(org.Catalogues.SealHandling); !slices.Equal(got, []string{"云业务办理平台", "本地印章管理平台"}) {
		t.Errorf("seal handling %v", got)
	}
	// Every role the flow needs has somebody.
	for _, r := range []domain.Role{domain.RoleSales, domain.RolePresales, domain.RoleSalesManager, domain.RoleSpecialLeader,
		domain.RoleBusinessApprover, domain.RolePM, domain.RoleImplementer, domain.RoleCustomerSuccess, domain.RoleCSManager, domain.RoleRegionManager} {
		if len(org.UsersWith(r)) == 0 {
			t.Errorf("nobody holds %s", r)
		}
	}
}

// TestOrgLookups: the directory answers by ID, login and role; disabled
// people hold no role for the flow.
func TestOrgLookups(t *testing.T) {
	org := demoOrg(t)
	if u, ok := org.UserByLogin("yanghuiyu"); !ok || u.ID != leaderNorth {
		t.Errorf("UserByLogin = %+v", u)
	}
	if _, ok := org.User("u-ghost"); ok {
		t.Error("found a ghost")
	}
	if org.UserName("u-ghost") != "u-ghost" || org.UserName(salesNorth) != "张伟" {
		t.Error("UserName")
	}
	before := len(org.UsersWith(domain.RolePM))
	for i := range org.Users {
		if org.Users[i].ID == pmNorth {
			org.Users[i].Disabled = true
		}
	}
	if got := org.UsersWith(domain.RolePM); len(got) != before-1 || got[0].ID == pmNorth {
		t.Errorf("UsersWith lists a disabled PM: %v", got)
	}
	if !domain.Contains(org.Catalogues.Natures, "民营企业") || domain.Contains(org.Catalogues.Natures, "民企") {
		t.Error("Contains")
	}
}

// TestParseOrg: a directory file is read strictly and every inconsistency is
// reported at once, by path (SPEC §5: people, regions and leaders are
// configuration).
func TestParseOrg(t *testing.T) {
	tests := []struct {
		rule  string
		edit  func(o *domain.Org)
		paths []string
	}{
		{"§2.3 a region whose leader lacks the 特批领导 role", func(o *domain.Org) { o.Regions[0].SpecialLeader = salesNorth }, []string{"regions[0].special_leader"}},
		{"§2.3 a region whose leader is not a user", func(o *domain.Org) { o.Regions[1].SpecialLeader = "u-ghost" }, []string{"regions[1].special_leader"}},
		{"§2.3 at least one region", func(o *domain.Org) {
			o.Regions = nil
			for i := range o.Users {
				o.Users[i].Region = ""
			}
		}, []string{"regions"}},
		{"duplicate region code", func(o *domain.Org) {
			o.Regions = append(o.Regions, domain.Region{Code: "north", Name: "北方二区", SpecialLeader: leaderNorth})
		}, []string{"regions[2].code"}},
		{"a region needs a name", func(o *domain.Org) { o.Regions[1].Name = "" }, []string{"regions[1]"}},
		{"duplicate user id", func(o *domain.Org) { o.Users[2].ID = o.Users[1].ID }, []string{"users[2].id"}},
		{"duplicate login, any case", func(o *domain.Org) { o.Users[2].Login = "ZhangWei" }, []string{"users[2].login"}},
		{"unknown role", func(o *domain.Org) { o.Users[1].Roles = append(o.Users[1].Roles, "ceo") }, []string{"users[1].roles[1]"}},
		{"unknown user region", func(o *domain.Org) { o.Users[1].Region = "west" }, []string{"users[1].region"}},
		{"a user needs a name", func(o *domain.Org) { o.Users[1].Name = " " }, []string{"users[1].name"}},
		{"group member not a user", func(o *domain.Org) { o.Groups[0].Members = append(o.Groups[0].Members, "u-ghost") }, []string{"groups[0].members[1]"}},
		{"the organisation needs a name", func(o *domain.Org) { o.Name = "" }, []string{"name"}},
		{"all at once", func(o *domain.Org) {
			o.Regions[0].SpecialLeader = salesNorth
			o.Users[1].Roles = []domain.Role{"ceo"}
		}, []string{"users[1].roles[0]", "regions[0].special_leader"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			o := demoOrg(t)
			tt.edit(o)
			b, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			got, err := domain.ParseOrg(b)
			if got != nil || err == nil {
				t.Fatal("a broken directory was accepted")
			}
			var ps domain.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error %T %v, want Problems", err, err)
			}
			checkMessages(t, ps)
			if !slices.Equal(paths(ps), tt.paths) {
				t.Fatalf("problems %v, want %v", ps, tt.paths)
			}
		})
	}
	for _, bad := range []string{`{"name":"x","colour":1}`, `not json`, ``} {
		t.Run("unreadable "+bad, func(t *testing.T) {
			if _, err := domain.ParseOrg([]byte(bad)); domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("ParseOrg(%q): %v", bad, err)
			}
		})
	}
	t.Run("the shipped file as it is", func(t *testing.T) {
		if _, err := domain.ParseOrg(assets.DemoOrgJSON); err != nil {
			t.Fatal(err)
		}
	})
}

// TestNilOrgIsAnEmptyDirectory: before a client has synced a directory, the
// lookups find nobody and the functions that use them answer instead of
// panicking: a special approval cannot be routed, the pre-fills leave names
// empty (SPEC §5: the directory is configuration synced from the server).
func TestNilOrgIsAnEmptyDirectory(t *testing.T) {
	var org *domain.Org
	if _, ok := org.User(salesNorth); ok {
		t.Error("User on nil")
	}
	if _, ok := org.UserByLogin("zhangwei"); ok {
		t.Error("UserByLogin on nil")
	}
	if _, ok := org.Region("north"); ok {
		t.Error("Region on nil")
	}
	if _, ok := org.GroupByName(domain.GroupProcessApproval); ok {
		t.Error("GroupByName on nil")
	}
	if org.UsersWith(domain.RolePM) != nil || org.UserName(salesNorth) != salesNorth {
		t.Error("UsersWith/UserName on nil")
	}
	r := validSaaS()
	r.Contract.Signed = domain.No
	if _, _, err := domain.Chain(&r, nil); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("routing a special approval without a directory: %v", err)
	}
	demo := demoOrg(t)
	p := receivedProject(t, demo, validLocal(), pmSouth)
	in := domain.NewInitiation(p, nil, who(t, demo, pmSouth), nil, t0)
	if in.Overview.Sales != salesSouth || !strings.HasSuffix(in.SVNPath, "/2026/SS-2026-0007_湖南湘江新区管理委员会电子签章项目") {
		t.Fatalf("initiation without a directory: sales %q svn %q", in.Overview.Sales, in.SVNPath)
	}
}
