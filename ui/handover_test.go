package ui

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"lixiang/domain"
	"lixiang/domain/pdf"
)

func participantRoles(h *domain.Handover) []string {
	var out []string
	for _, p := range h.Participants {
		out = append(out, p.Role)
	}
	return out
}

// A SaaS handover lists 销售, 售前 and 客户成功; 项目实施 joins only when
// business systems are integrated (SPEC §3).
func TestSaaSHandoverParticipantsDependOnIntegration(t *testing.T) {
	chineseApp(t)
	for _, tc := range []struct {
		name       string
		integrated bool
		want       []string
	}{
		{"without integrated systems", false, []string{"销售", "售前", "客户成功"}},
		{"with integrated systems", true, []string{"销售", "售前", "客户成功", "项目实施"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := newStore(t)
			id := "01a30000-0000-7000-8000-000000000501"
			storedProject(t, st, id, domain.KindSaaS, "蜜雪冰城", func(p *domain.Project) {
				if tc.integrated {
					p.Registration.Integration = domain.Yes
					p.Registration.Systems = []domain.System{{Type: "ERP", Name: "加盟商管理", Vendor: "金蝶", Version: "K/3"}}
				}
			}, "zhangwei", domain.Command{Action: domain.ActSubmit},
				"zhengshuang", domain.Command{Action: domain.ActApprove})
			e, _ := testEnv(t, st, "zhengshuang") // 客户成功 organises a SaaS handover
			s := NewHandoverScreen(e, id)
			showIn(t, s)

			if got := participantRoles(s.h); !slices.Equal(got, tc.want) {
				t.Errorf("participants %v, want %v", got, tc.want)
			}
			shows(t, s, "本类项目的参会角色："+strings.Join(tc.want, "、"), "客户公司背景说明", "集成说明", "郑爽")
			if tc.integrated {
				shows(t, s, "ERP 加盟商管理（金蝶） K/3")
			} else {
				shows(t, s, "无对接业务系统")
			}
		})
	}
}

// The organiser records the meeting; a missing name stops completion;
// the minutes export is disabled until a renderer is wired, then calls it.
func TestHandoverIsRecordedCompletedAndExported(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	id := "01a30000-0000-7000-8000-000000000601"
	storedProject(t, st, id, domain.KindLocal, "长沙水务", nil,
		"zhangwei", domain.Command{Action: domain.ActSubmit},
		"zhaolei", domain.Command{Action: domain.ActApprove})
	e, nav := testEnv(t, st, "zhaolei") // 项目经理 organises a local handover
	s := NewHandoverScreen(e, id)
	showIn(t, s)
	shows(t, s, "导出会议纪要 PDF", "PDF 导出组件尚未接入", "使用产品", "特殊说明")
	if got := participantRoles(s.h); !slices.Equal(got, []string{"销售", "售前", "实施"}) {
		t.Errorf("local participants %v", got)
	}

	pl := s.problemLines
	set(t, pl, "time", "2026-12-01 14:00")
	set(t, pl, "place", "长沙总部 3 楼会议室")
	if !s.complete.Disabled() {
		t.Error("the handover can be completed with participants unnamed")
	}
	set(t, pl, "participants[1].name", "王芳")
	set(t, pl, "participants[2].name", "周强")
	s.onAddActionTapped()
	set(t, pl, "action_items[0].task", "提供 OA 接口文档")
	set(t, pl, "action_items[0].due", "2026-12-10")
	if got := problemAt(t, pl, "action_items[0].owner"); !strings.Contains(got, "请填写待办事项负责人") {
		t.Errorf("an action item without owner: %q", got)
	}
	set(t, pl, "action_items[0].owner", "王芳")
	s.onAddDecisionTapped()
	set(t, pl, "decisions[0]", "12 月 15 日前完成测试环境部署")
	if s.complete.Disabled() {
		t.Fatalf("complete stays disabled: %v", domain.ValidateHandover(s.h))
	}
	if s.h.Participants[1].UserID != "u-wangfang" {
		t.Errorf("a name from the directory is linked to its person: %q", s.h.Participants[1].UserID)
	}

	// With a renderer wired, export hands it the project as on screen.
	var exported *domain.Project
	e.Export = func(p *domain.Project, org *domain.Org) ([]byte, error) {
		exported = p
		return nil, errors.New("printer on fire")
	}
	s.onExportTapped()
	if exported == nil || exported.Handover.Place != "长沙总部 3 楼会议室" {
		t.Error("the exporter did not get the handover as typed")
	}
	if msg := dialogText(t, e); !strings.Contains(msg, "无法生成会议交接纪要：") || !strings.Contains(msg, "printer on fire") {
		t.Errorf("a failed rendering shows %q", msg)
	}
	// The real renderer: the chosen file gets the minutes as typed.
	e.Export = func(p *domain.Project, org *domain.Org) ([]byte, error) {
		return pdf.Minutes(p, org, pdf.Options{Generated: testNow})
	}
	path := filepath.Join(t.TempDir(), "minutes.pdf")
	var suggested string
	saveTo(e, path, &suggested)
	s.onExportTapped() // the button was built before the renderer was wired
	if suggested != "长沙水务-会议交接纪要.pdf" {
		t.Errorf("suggested file name %q", suggested)
	}
	if msg := strings.ReplaceAll(dialogText(t, e), "\n", ""); !strings.Contains(msg, "会议交接纪要已保存："+path) {
		t.Errorf("after saving the minutes the person is told %q", msg)
	}
	minutes := pdfText(t, path)
	for _, w := range []string{"项目会议交接纪要", "长沙总部3楼会议室", "2026-12-0114:00", "王芳", "周强",
		"提供OA接口文档", "12月15日前完成测试环境部署"} {
		if !strings.Contains(minutes, w) {
			t.Errorf("the minutes lack %q:\n%s", w, minutes)
		}
	}

	test.Tap(s.complete)
	got, err := st.Project(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.StatusHandedOver || got.Handover.ActionItems[0].Owner != "王芳" {
		t.Errorf("after completing: %s, %+v", got.Status, got.Handover)
	}
	if nav.lastCall() != "project "+id {
		t.Errorf("after completing the app went to %q", nav.lastCall())
	}
}

// Someone who may only look at the handover sees it read-only: no save
// state (there is nothing of theirs to save), no 完成会议交接, but the
// minutes can still be exported.
func TestHandoverReadOnlyViewHasNothingToSave(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	id := "01a30000-0000-7000-8000-000000000701"
	storedProject(t, st, id, domain.KindSaaS, "蜜雪冰城", nil,
		"zhangwei", domain.Command{Action: domain.ActSubmit},
		"zhengshuang", domain.Command{Action: domain.ActApprove})
	e, _ := testEnv(t, st, "zhangwei")
	e.Export = func(p *domain.Project, org *domain.Org) ([]byte, error) {
		return pdf.Minutes(p, org, pdf.Options{Generated: testNow})
	}
	s := NewHandoverScreen(e, id)
	showIn(t, s)
	shows(t, s, "只读", "导出会议纪要 PDF")
	lacks(t, s, "尚未保存", "完成会议交接")

	path := filepath.Join(t.TempDir(), "minutes.pdf")
	var suggested string
	saveTo(e, path, &suggested)
	tapButton(t, s, "导出会议纪要 PDF")
	if got := pdfText(t, path); !strings.Contains(got, "蜜雪冰城股份有限公司") || !strings.Contains(got, "项目会议交接纪要") {
		t.Errorf("the minutes of a read-only view:\n%s", got)
	}
}
