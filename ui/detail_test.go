package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"lixiang/domain"
)

// The detail of an initiated project: the stage timeline, the approval
// history with comments and actors' names, the journal of changes with
// readable field names and values, and the attachments with sizes.
func TestDetailShowsTimelineHistoryJournalAndAttachments(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, "local-initiated")
	e, _ := testEnv(t, st, "zhangwei")
	d := NewDetail(e, "01a07aac-a938-705f-ab01-41296cc6be18")
	showIn(t, d)

	shows(t, d, "山东高速电子签章项目立项申请", "SSDJ-2026-0137", "已立项",
		"实施登记", "特批", "交接", "立项", // the timeline
		"查看会议交接", "查看立项",
		"山东高速集团有限公司", "北方")
	shows(t, test.NewTempWindow(t, d.approvals()).Content(),
		"第 2 轮审批（特批）", "特批领导（北方）（杨辉玉）", "已同意 · 杨辉玉",
		"杨辉玉（特批领导）  退回修改（第 1 轮第 3 步）", "请补充首笔款项的回款计划及客户盖章的付款承诺函后再提交")
	journal := d.journalList()
	test.NewTempWindow(t, journal).Resize(journal.MinSize().AddWidthHeight(800, 600))
	shows(t, journal, "系统管理员", "状态", "（空） → 已立项", "厂商（必填） #2", "（空） → 浪潮")
	shows(t, test.NewTempWindow(t, d.attachmentList()).Content(), "售前解决方案/需求登记表")
}

// What the viewer may do now follows the domain: the applicant edits a
// draft; an approver sees approve / return / reject; others only wait.
func TestDetailOffersTheActionsThisPersonMayTake(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, "upgrade-submitted", "saas-draft")
	upgrade := "01a1d3d9-7fa8-7018-9f7b-d6223ce1b347"
	for _, tc := range []struct {
		login, id string
		want      []string
		not       []string
	}{
		{"chenjing", upgrade, []string{"同意", "退回修改", "驳回"}, []string{"编辑登记"}},
		{"zhangwei", upgrade, []string{"等待 商务审批员 审批"}, []string{"驳回"}},
		{"zhangwei", "01a21c30-add0-7e7f-bf69-4da8a434d6f9", []string{"编辑登记", "删除草稿"}, []string{"同意"}},
	} {
		e, _ := testEnv(t, st, tc.login)
		d := NewDetail(e, tc.id)
		showIn(t, d)
		shows(t, d, tc.want...)
		lacks(t, d, tc.not...)
	}

	// 陈静 approves with a comment; the chain moves on to 项目实施.
	e, _ := testEnv(t, st, "chenjing")
	d := NewDetail(e, upgrade)
	showIn(t, d)
	apply(e, upgrade, domain.Command{Action: domain.ActApprove, Comment: "商务条款已核对"}, d.reload)
	shows(t, d, "等待 具体执行部门（项目实施） 审批")
	p, _ := st.Project(t.Context(), upgrade)
	if p.Approval.Current != 3 || p.Decisions[len(p.Decisions)-1].Comment != "商务条款已核对" {
		t.Errorf("after approving: step %d, %+v", p.Approval.Current, p.Decisions[len(p.Decisions)-1])
	}
}

func TestFieldLabelNamesJournalPaths(t *testing.T) {
	chineseApp(t)
	for path, want := range map[string]string{
		"registration.customer.short_name":        "客户简称",
		"registration.stakeholders[1].contact":    "电话或邮箱 #2",
		"registration.certificate.channels":       "CA 多通道顺序",
		"registration.something.new":              "registration.something.new",
		"status":                                  "状态",
		"registration.systems[0].vendor":          "厂商（必填） #1",
		"registration.other.special_requirements": "特殊要求",
		"registration.attachments[2].name":        "附件 #3",
		"registration.background.signing_volume":  "签署量（份/年）",
		"registration.customization.description":  "定制化 / 外采需求说明",
		"registration.contract.first_payment":     "首笔款项已回",
		"registration.services.timestamp":         "时间戳服务",
		"registration.upgrade_type":               "升级扩展类型",
		"registration.parent_id":                  "原有项目",
		"registration.project_group":              "项目群组建",
		"registration.customer.region":            "所属区域",
	} {
		if got := fieldLabel(path); got != want {
			t.Errorf("fieldLabel(%s) = %q, want %q", path, got, want)
		}
	}
}
