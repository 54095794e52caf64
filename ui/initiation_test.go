package ui

import (
	"context"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

func permRoles(in *domain.Initiation) []domain.PermissionRole {
	var out []domain.PermissionRole
	for _, p := range in.Permissions {
		out = append(out, p.Role)
	}
	return out
}

// handedOver moves a stored local project through its handover.
func handedOver(t *testing.T, st *sqlite.Store, id string) {
	t.Helper()
	ctx := context.Background()
	org := demoOrg(t)
	pm := user(t, org, "zhaolei")
	p, err := st.Project(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	p.Handover = domain.NewHandover(p, org, pm)
	p.Handover.Time, p.Handover.Place = "2026-12-01 14:00", "会议室"
	for i := range p.Handover.Participants {
		p.Handover.Participants[i].Name = "某人"
	}
	if _, err := st.SaveProject(ctx, pm.ID, p); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(ctx, id, domain.Command{Action: domain.ActCompleteHandover}, pm, org); err != nil {
		t.Fatal(err)
	}
}

// The initiation shows the derived project name and the permission rows
// of the project's kind with the standard's groups.
func TestInitiationShowsDerivedNameAndPermissionGroupsPerKind(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, "saas-handed-over")
	id := "01a30000-0000-7000-8000-000000000701"
	storedProject(t, st, id, domain.KindLocal, "长沙水务", nil,
		"zhangwei", domain.Command{Action: domain.ActSubmit},
		"zhaolei", domain.Command{Action: domain.ActApprove})
	handedOver(t, st, id)

	t.Run("local", func(t *testing.T) {
		e, _ := testEnv(t, st, "zhaolei") // 项目经理 initiates a local project
		s := NewInitiationScreen(e, id)
		showIn(t, s)
		want := []domain.PermissionRole{domain.PermProjectAdmin, domain.PermImplementer, domain.PermDevManager,
			domain.PermBusiness, domain.PermProductManager, domain.PermProcessHandler, domain.PermProcessApprover}
		if got := permRoles(s.in); !slices.Equal(got, want) {
			t.Errorf("local permission rows %v", got)
		}
		shows(t, s, "长沙水务股份有限公司电子签章项目", // {公司}{产品类型}项目
			"开发经理", "立项专家", "产品经理", "长沙研发-产品部", "流程受理人员", "长沙-售后技术支持", "运营支持组",
			"流程审批", "项目管理员", "赵磊", "业务人员", "张伟", "新建项目",
			"待分配（同步后由服务器分配编号，之后才能立项）")
		lacks(t, s, "运营组")
	})

	t.Run("saas", func(t *testing.T) {
		e, _ := testEnv(t, st, "fengting") // 客户成功主管 initiates a SaaS project
		s := NewInitiationScreen(e, "01a18643-7fc8-73d3-a1e8-54bd60ca36fe")
		showIn(t, s)
		want := []domain.PermissionRole{domain.PermProjectAdmin, domain.PermImplementer, domain.PermBusiness,
			domain.PermProcessHandler, domain.PermProcessApprover}
		if got := permRoles(s.in); !slices.Equal(got, want) {
			t.Errorf("SaaS permission rows %v", got)
		}
		shows(t, s, "江苏恒瑞医药股份有限公司SaaS项目", "长沙-售后技术支持", "运营组", "SSDJ-2026-0158")
		lacks(t, s, "开发经理", "产品经理", "立项专家")

		// The sample's initiation is prepared: 孙丽 administers, 吴敏 implements.
		shows(t, s, "孙丽", "吴敏")
		if s.initiate.Disabled() {
			t.Fatalf("initiate is disabled: %v", domain.ValidateInitiation(s.in, domain.KindSaaS, e.Org))
		}
		// Without implementers it cannot be initiated; one is picked from the directory.
		row := slices.Index(domain.PermissionRoles(domain.KindSaaS), domain.PermImplementer)
		s.in.Permissions[row].Users = nil
		s.matrixEdited("permissions[1]")
		if !s.initiate.Disabled() {
			t.Error("initiate is enabled without implementers")
		}
		shows(t, s, "请指定实施人员")
		var picker *choice
		walkVisible(s.matrix.Objects[row], func(o fyne.CanvasObject) {
			if c, ok := o.(*choice); ok && c.PlaceHolder == "添加人员…" {
				picker = c
			}
		})
		picker.setValue("u-zhouqiang")
		shows(t, s, "周强")
		if s.initiate.Disabled() {
			t.Fatalf("initiate stays disabled: %v", domain.ValidateInitiation(s.in, domain.KindSaaS, e.Org))
		}
		test.Tap(s.initiate)
		got, err := st.Project(t.Context(), s.p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != domain.StatusInitiated || got.Initiation.Basis != "SSDJ-2026-0158" {
			t.Errorf("after initiating: %s, basis %q", got.Status, got.Initiation.Basis)
		}
	})
}
