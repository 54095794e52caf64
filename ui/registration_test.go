package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
)

// set changes the field at path the way a person would, through its widget.
func set(t *testing.T, pl *problemLines, path string, value ...string) {
	t.Helper()
	o, ok := pl.fields[path]
	if !ok {
		t.Fatalf("the form has no field %s", path)
	}
	switch w := o.(type) {
	case *widget.Entry:
		w.SetText(value[0])
	case *widget.SelectEntry:
		w.SetText(value[0])
	case *choice:
		w.SetSelected(value[0])
	case *widget.RadioGroup:
		w.SetSelected(value[0])
	case *widget.CheckGroup:
		w.SetSelected(value)
	default:
		t.Fatalf("field %s is a %T", path, o)
	}
}

// problemAt is the text of the problem line beside the field at path.
func problemAt(t *testing.T, pl *problemLines, path string) string {
	t.Helper()
	e, ok := pl.errs[path]
	if !ok {
		t.Fatalf("the form has no problem line for %s", path)
	}
	if !e.Visible() {
		return ""
	}
	return e.Text
}

func tapButton(t *testing.T, o fyne.CanvasObject, text string) {
	t.Helper()
	var found *widget.Button
	walkVisible(o, func(obj fyne.CanvasObject) {
		if b, ok := obj.(*widget.Button); ok && b.Text == text && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q on the screen:\n%s", text, visibleText(o))
	}
	if found.Disabled() {
		t.Fatalf("the button %q is disabled", text)
	}
	test.Tap(found)
}

// fixLocal fills, through the widgets, what a local registration still
// lacks after the test's first round of typing.
func fixLocal(t *testing.T, f *RegistrationForm, dir string) {
	t.Helper()
	pl := f.problemLines
	set(t, pl, "product_line", "电子签章")
	set(t, pl, "customer.full_name", "长沙水务集团有限公司")
	set(t, pl, "background.user_scale", "3,000")
	set(t, pl, "background.signing_volume", "120000")
	set(t, pl, "background.seal_count", "４０") // full-width digits from a Chinese input method
	set(t, pl, "background.nature", "国企/央企")
	set(t, pl, "background.main_business", "城市供水与污水处理")
	set(t, pl, "products", "电子印章认证", "签章中间件")
	set(t, pl, "services.timestamp", "是")
	set(t, pl, "services.realname", "运营商三要素")
	set(t, pl, "services.intent", "短信验证码", "UKey")
	set(t, pl, "certificate.form", "事件证书")
	set(t, pl, "certificate.vendor", "CFCA")
	f.onAddChannelTapped()
	set(t, pl, "certificate.channels[0]", "北京CA")
	f.onAddChannelTapped()
	set(t, pl, "certificate.channels[1]", "CFCA")
	f.onMoveChannelTapped(1, -1) // CFCA first
	set(t, pl, "seal_handling", "本地印章管理平台")
	set(t, pl, "scenarios", "人事", "OA公文")
	set(t, pl, "customization.needed", "否")
	set(t, pl, "stakeholders[0].name", "王主任")
	set(t, pl, "stakeholders[0].contact", "0731-88889999")
	set(t, pl, "stakeholders[0].role", "IT负责人")
	set(t, pl, "contract.first_payment", "是")
	file := filepath.Join(dir, "售前解决方案.docx")
	if err := os.WriteFile(file, []byte("PK solution"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.dropped([]fyne.URI{storage.NewFileURI(file)}) // as if dropped on the window
}

// A salesperson fills a local registration, sees each problem beside its
// field in Chinese, fixes them, and submits; the submission waits for its
// number (待分配).
func TestRegistrationShowsProblemsBesideFieldsAndSubmitsWhenFixed(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	e, nav := testEnv(t, st, "zhangwei")
	p := domain.NewProject("01a30000-0000-7000-8000-000000000101", domain.KindLocal, e.User, testNow)
	f := NewRegistrationForm(e, p)
	showIn(t, f)
	pl := f.problemLines

	set(t, pl, "customer.short_name", "长沙水务")
	set(t, pl, "background.user_scale", "很多")
	set(t, pl, "contract.signed", "是")
	if got := problemAt(t, pl, "customer.full_name"); got != "" {
		t.Errorf("an untouched field shows a problem before asked: %q", got)
	}
	shows(t, f, "长沙水务（产品线）项目立项申请") // the title is derived as they type
	if !f.submit.Disabled() {
		t.Error("submit is enabled with fields missing")
	}

	tapButton(t, f, f.problemsBtn.Text) // 「n 个问题 · 查看」
	for path, want := range map[string]string{
		"product_line":            "请选择产品线",
		"customer.full_name":      "请填写客户公司（单位）全称",
		"background.user_scale":   "用户规模须为不小于 0 的整数（现为“很多”）",
		"background.nature":       "请选择企业性质",
		"products":                "请至少选择一项采购产品",
		"services.timestamp":      "请选择是否需要时间戳服务",
		"certificate.channels":    "请至少选择一项CA 通道",
		"seal_handling":           "请选择印章办理方式",
		"scenarios":               "请至少选择一项应用场景",
		"integration":             "请选择是否对接业务系统",
		"customization.needed":    "请选择是否有定制化/外采需求",
		"stakeholders[0].name":    "请填写干系人姓名",
		"stakeholders[0].contact": "请填写干系人联系方式",
		"contract.first_payment":  "请选择首笔款项是否已回",
		"attachments":             "请上传售前解决方案/客户需求登记表附件",
	} {
		if got := problemAt(t, pl, path); !strings.Contains(got, want) {
			t.Errorf("beside %s: %q, want it to say %q", path, got, want)
		}
	}
	if got := problemAt(t, pl, "customer.short_name"); got != "" {
		t.Errorf("a filled field shows a problem: %q", got)
	}
	shows(t, f, "已完成 ")

	fixLocal(t, f, t.TempDir())
	set(t, pl, "integration", "是")
	f.onAddSystemTapped()
	set(t, pl, "systems[0].type", "OA")
	set(t, pl, "systems[0].name", "协同办公")
	if got := problemAt(t, pl, "systems[0].vendor"); !strings.Contains(got, "对接业务系统须注明厂商") {
		t.Errorf("a system without vendor: %q", got)
	}
	set(t, pl, "systems[0].vendor", "蓝凌")
	// Systems were listed with “no integration” first: the form says so.
	set(t, pl, "integration", "否")
	if got := problemAt(t, pl, "integration"); !strings.Contains(got, "已填写对接业务系统") {
		t.Errorf("systems listed but integration no: %q", got)
	}
	set(t, pl, "integration", "是")

	if len(f.problems) > 0 {
		t.Fatalf("problems left after fixing: %v", f.problems)
	}
	if f.submit.Disabled() {
		t.Fatal("submit stays disabled with nothing missing")
	}
	shows(t, f, "长沙水务电子签章项目立项申请", "售前解决方案.docx", "11 B")
	if got := f.p.Registration.Certificate.Channels; strings.Join(got, ",") != "CFCA,北京CA" {
		t.Errorf("CA channels in order %v, want CFCA then 北京CA", got)
	}

	test.Tap(f.submit)
	if got := nav.lastCall(); got != "project "+p.ID {
		t.Fatalf("after submitting the app went to %q, want the project", got)
	}
	got, err := st.Project(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.StatusSubmitted || got.DisplayNumber() != "待分配" {
		t.Errorf("stored project is %s, number %s; want submitted, 待分配", got.Status, got.DisplayNumber())
	}
	if got.Registration.Background.SealCount != "４０" {
		t.Errorf("the typed seal count was changed: %q", got.Registration.Background.SealCount)
	}
	data, err := st.Attachment(t.Context(), got.Registration.Attachments[0].SHA256)
	if err != nil || string(data) != "PK solution" {
		t.Errorf("the attachment's bytes are not stored: %q, %v", data, err)
	}
}

// A registration with the contract unsigned goes to special approval; the
// sales manager returns it from the inbox with a comment; the salesperson
// sees the comment, edits and resubmits, which starts a new round.
func TestReturnedRegistrationIsEditedAndResubmitted(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	id := "01a30000-0000-7000-8000-000000000201"
	storedProject(t, st, id, domain.KindLocal, "长沙银行", func(p *domain.Project) {
		p.Registration.Contract.Signed = domain.No
	}, "zhangwei", domain.Command{Action: domain.ActSubmit})

	// 刘洋 (销售主管) returns it from the inbox: choose it, comment, 退回修改.
	manager, _ := testEnv(t, st, "liuyang")
	in := NewInbox(manager)
	showIn(t, in)
	if len(in.waiting) != 1 || in.selected == nil {
		t.Fatalf("the manager's inbox holds %d projects (selected %v), want the one waiting", len(in.waiting), in.selected)
	}
	shows(t, in, "长沙银行电子签章项目立项申请", "销售主管", "1 项待审批")
	test.Tap(in.ret)
	shows(t, in, "退回或驳回时请填写意见")
	test.Type(in.comment, "请补充合同预计签订时间")
	test.Tap(in.ret)
	shows(t, in, "已退回修改「长沙银行电子签章项目立项申请」，待同步到服务器", "0 项待审批", "我的审批（待同步）")

	// 张伟 sees it returned, with the comment, and may edit and resubmit.
	sales, nav := testEnv(t, st, "zhangwei")
	d := NewDetail(sales, id)
	showIn(t, d)
	shows(t, d, "退回修改", "修改并重新提交")
	tapButton(t, d, "修改并重新提交")
	if nav.last == nil || nav.last.ID != id {
		t.Fatal("修改并重新提交 did not open the registration")
	}
	f := NewRegistrationForm(sales, nav.last)
	showIn(t, f)
	shows(t, f, "刘洋 退回修改：请补充合同预计签订时间", "重新提交")
	set(t, f.problemLines, "other.notes", "合同预计 12 月上旬签订")
	test.Tap(f.submit)

	got, err := st.Project(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.StatusSubmitted || got.Approval.Round != 2 || got.Registration.Other.Notes != "合同预计 12 月上旬签订" {
		t.Errorf("after resubmitting: status %s, round %d, notes %q", got.Status, got.Approval.Round, got.Registration.Other.Notes)
	}
	// The history keeps both rounds, with the comment.
	d2 := NewDetail(sales, id)
	showIn(t, d2)
	shows(t, test.NewTempWindow(t, d2.approvals()).Content(),
		"第 2 轮审批（特批）", "请补充合同预计签订时间", "刘洋（销售主管）  退回修改")
}

// A draft is saved a moment after typing pauses and when the screen is
// left; reopening the store (as after a crash) finds it.
func TestDraftAutosavesAndSurvivesReopening(t *testing.T) {
	chineseApp(t)
	st, path := newStore(t)
	e, _ := testEnv(t, st, "zhangwei")
	p := domain.NewProject("01a30000-0000-7000-8000-000000000301", domain.KindSaaS, e.User, testNow)
	f := NewRegistrationForm(e, p)
	f.save.auto.delay = 20 * time.Millisecond
	showIn(t, f)

	set(t, f.problemLines, "customer.short_name", "蜜雪")
	set(t, f.problemLines, "customer.short_name", "蜜雪冰城")
	waitFor(t, func() bool {
		got, err := st.Project(t.Context(), p.ID)
		return err == nil && got.Registration.Customer.ShortName == "蜜雪冰城"
	})

	f.save.auto.delay = time.Hour // typing on, then leaving before the pause ends
	set(t, f.problemLines, "requirement", "门店加盟合同在线签署")
	f.leave()

	st.Close()
	reopened := openStore(t, path)
	defer reopened.Close()
	got, err := reopened.Project(t.Context(), p.ID)
	if err != nil {
		t.Fatalf("the draft is not in the reopened store: %v", err)
	}
	if r := got.Registration; r.Customer.ShortName != "蜜雪冰城" || r.Requirement != "门店加盟合同在线签署" || got.Status != domain.StatusDraft {
		t.Errorf("reopened draft: %q, %q, %s", r.Customer.ShortName, r.Requirement, got.Status)
	}
	if got.Title() != "蜜雪冰城SAAS项目立项申请" {
		t.Errorf("reopened draft's title %q", got.Title())
	}
}

// Tab moves through the form in reading order.
func TestRegistrationTabOrderFollowsTheForm(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	e, _ := testEnv(t, st, "zhangwei")
	f := NewRegistrationForm(e, domain.NewProject("01a30000-0000-7000-8000-000000000401", domain.KindLocal, e.User, testNow))
	w := showIn(t, f)
	c := w.Canvas()
	c.Focus(f.fields["customer.short_name"].(fyne.Focusable))
	for _, want := range []string{"customer.full_name", "customer.region", "sales_id", "presales_id", "background.user_scale"} {
		test.FocusNext(c)
		field := f.fields[want]
		if got, _ := c.Focused().(fyne.CanvasObject); got != field {
			t.Fatalf("Tab went to %T, want the %s field", c.Focused(), want)
		}
	}
}

// An upgrade is raised on an existing project: 历史项目升级扩展 asks for the
// parent first (searchable), copies its customer, and the form names it.
func TestUpgradeRegistrationStartsFromTheParentProject(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, allSamples...)
	e, nav := testEnv(t, st, "zhangwei")
	c := NewKindChooser(e)
	showIn(t, c)
	shows(t, c, "我的草稿与退回的登记", "蜜雪冰城SAAS项目立项申请")

	c.onKindTapped(domain.KindUpgrade)
	top := e.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("choosing 历史项目升级扩展 did not ask for the parent project")
	}
	shows(t, top, "选择原有项目", "山东高速电子签章项目立项申请")
	lacks(t, top, "蜜雪冰城") // drafts are not projects to upgrade
	var list *widget.List
	var search *widget.Entry
	walkVisible(top, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.List:
			list = x
		case *widget.Entry:
			search = x
		}
	})
	search.SetText("山东")
	if n := list.Length(); n != 1 {
		t.Fatalf("searching 山东 leaves %d projects to choose", n)
	}
	list.Select(0)

	if nav.last == nil || nav.last.Registration.ParentID != "01a07aac-a938-705f-ab01-41296cc6be18" {
		t.Fatalf("the new upgrade is not raised on 山东高速: %+v", nav.last)
	}
	r := nav.last.Registration
	if r.Kind != domain.KindUpgrade || r.Customer.ShortName != "山东高速" || r.Customer.FullName != "山东高速集团有限公司" {
		t.Errorf("the upgrade did not take the parent's customer: %+v", r.Customer)
	}
	f := NewRegistrationForm(e, nav.last)
	showIn(t, f)
	shows(t, f, "山东高速项目升级拓展申请", "SSDJ-2026-0137 · 山东高速电子签章项目立项申请", "升级扩展类型", "是否新签合同")
	lacks(t, f, "采购产品", "证书情况")
	set(t, f.problemLines, "upgrade_type", "历史项目升级")
	set(t, f.problemLines, "contract.new_contract", "是")
	f.onShowProblemsTapped()
	if got := problemAt(t, f.problemLines, "contract.amount"); !strings.Contains(got, "新签合同须填写合同金额") {
		t.Errorf("a new contract without amount: %q", got)
	}
}

// A file whose name an attachment may not carry (a line break, a path, a
// name longer than 255 bytes) is still attached, under a name that fits, so
// the next sync does not refuse the registration for it.
func TestAttachingAFileWithAnUnfitNameKeepsItUnderAFittingName(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	e, _ := testEnv(t, st, "zhangwei")
	p := domain.NewProject("01a30000-0000-7000-8000-000000000401", domain.KindLocal, e.User, testNow)
	f := NewRegistrationForm(e, p)
	showIn(t, f)

	long := strings.Repeat("方案", 50) + ".pdf" // 304 bytes
	read := func(name string) func() (string, []byte, error) {
		return func() (string, []byte, error) { return name, []byte("%PDF " + name), nil }
	}
	f.addAttachments([]func() (string, []byte, error){read("报价\n单.xlsx"), read(long)})
	waitFor(t, func() bool {
		var n int
		fyne.DoAndWait(func() { n = len(f.reg().Attachments) })
		return n == 2
	})
	var got []domain.Attachment
	fyne.DoAndWait(func() { got = slices.Clone(f.reg().Attachments) })
	if got[0].Name != "报价_单.xlsx" {
		t.Errorf("the name with a line break is attached as %q, want 报价_单.xlsx", got[0].Name)
	}
	if !strings.HasSuffix(got[1].Name, ".pdf") || len(got[1].Name) > domain.MaxAttachmentName {
		t.Errorf("the long name is attached as %q (%d bytes), want at most %d bytes ending .pdf", got[1].Name, len(got[1].Name), domain.MaxAttachmentName)
	}
	for _, a := range got {
		if ps := domain.ValidateAttachment(a); len(ps) > 0 {
			t.Errorf("attached %q is refused by the rules the server applies: %v", a.Name, ps)
		}
	}
	shows(t, f, "报价_单.xlsx")
}
