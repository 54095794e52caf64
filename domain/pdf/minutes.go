package pdf

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"lixiang/domain"
)

// Minutes renders the handover minutes (会议交接纪要, SPEC §3) of a local
// or SaaS project: meeting facts, the participants with a column to sign,
// the kind's content items, the facts of the registration, decisions,
// action items, the contract status and special approval, and a sign-off
// block. A project without a handover record yet gets minutes pre-filled
// the way domain.NewHandover would (an agenda to print for the meeting),
// which the subtitle says. Upgrade projects have no handover meeting.
func Minutes(p *domain.Project, org *domain.Org, opts Options) ([]byte, error) {
	if p == nil {
		return nil, domain.Errorf(domain.EINVALID, "没有要导出的项目", "no project to render")
	}
	k := p.Kind()
	if k == domain.KindUpgrade {
		return nil, &domain.Error{Code: domain.EINVALID,
			Message: k.Label() + "没有项目会议交接，无法导出会议交接纪要；请导出问题登记表",
			English: "an upgrade project has no handover meeting, so it has no minutes: export its registration form instead"}
	}
	r := &p.Registration
	h, prefilled := handoverOf(p, org)
	title := minutesTitle(projectName(p))
	d, err := newDoc(opts, "立项通 · 项目会议交接纪要", k.NumberName()+" "+p.DisplayNumber(), title, "项目会议交接纪要")
	if err != nil {
		return nil, err
	}
	d.newPage()
	subtitle := []string{k.Label() + " · " + k.NumberName() + " " + p.DisplayNumber()}
	if prefilled {
		subtitle = append(subtitle, "尚无会议交接记录：本纪要按登记内容预填，可作会议议程打印，会上补充记录")
	}
	d.title(title, subtitle...)

	// 会议信息
	organiser := name(org, h.OrganiserID)
	if organiser != "" {
		organiser += "（" + domain.HandoverRole(k).Label() + "）"
	}
	d.section("会议信息", 20)
	info := [][2]string{
		{"项目名称", projectName(p)},
		{"登记标题", p.Title()},
		{k.NumberName(), p.DisplayNumber()},
		{"项目类型", k.Label()},
		{"客户名称", orUnfilled(r.Customer.FullName)},
		{"会议时间", string(h.Time)},
		{"会议地点", h.Place},
		{"组织人", organiser},
		{"项目状态", p.Status.Label()},
	}
	if dec, ok := lastDecision(p, domain.ActCompleteHandover); ok {
		done := d.when(dec.At) + " " + name(org, dec.ActorID)
		if dec.Comment != "" {
			done += "：" + dec.Comment
		}
		info = append(info, [2]string{"交接完成", done})
	}
	d.kv(info)

	// 参会人员
	d.section("参会人员", 25)
	var present [][]string
	var absent []string
	for _, pt := range h.Participants {
		if pt.Absent {
			absent = append(absent, orUnfilled(pt.Name)+"（"+pt.Role+"）")
			continue
		}
		present = append(present, []string{strconv.Itoa(len(present) + 1), pt.Name, pt.Role, ""})
	}
	if len(present) > 0 {
		d.table(table{header: true, minRow: 11, cols: []column{
			{title: "序号", width: 14, align: "C"},
			{title: "姓名", width: 38},
			{title: "角色", width: 44},
			{title: "签字"},
		}}, present)
	}
	if len(absent) > 0 {
		d.paragraph("缺席人员："+strings.Join(absent, "、"), black)
	}

	// 交接内容
	d.section("交接内容", 20)
	items := make([][]string, 0, len(h.Items))
	for _, it := range h.Items {
		items = append(items, []string{it.Title, it.Content})
	}
	d.table(table{header: true, cont: true, cols: []column{
		{title: "交接事项", width: 56, fill: &labelFill},
		{title: "内容"},
	}}, items)

	// 登记信息摘要: the facts of the registration the meeting hands over.
	d.section("登记信息摘要", 20)
	d.subsection("客户基本情况", 15)
	d.kv(backgroundRows(r))
	d.subsection("采购产品与服务、证书情况", 15)
	d.kv(productRows(r))
	d.subsection("对接业务系统", 15)
	if r.Integration == domain.Yes && len(r.Systems) > 0 {
		d.systems(r.Systems)
	} else {
		d.paragraph(domain.SystemsText(r), black)
	}
	if len(r.Stakeholders) > 0 {
		d.subsection("项目对接干系人", 15)
		d.stakeholders(r.Stakeholders)
	}
	if g := strings.TrimSpace(r.ProjectGroup); g != "" {
		d.kv([][2]string{{"项目群", g}})
	}

	if len(h.Decisions) > 0 {
		d.section("会议决议", 15)
		rows := make([][]string, len(h.Decisions))
		for i, dec := range h.Decisions {
			rows[i] = []string{strconv.Itoa(i + 1), dec}
		}
		d.table(table{header: true, cols: []column{{title: "序号", width: 14, align: "C"}, {title: "决议内容"}}}, rows)
	}
	if len(h.ActionItems) > 0 {
		d.section("待办事项", 15)
		rows := make([][]string, len(h.ActionItems))
		for i, a := range h.ActionItems {
			state := "未完成"
			if a.Done {
				state = "已完成"
			}
			rows[i] = []string{strconv.Itoa(i + 1), a.Task, a.Owner, string(a.Due), state}
		}
		d.table(table{header: true, cols: []column{
			{title: "序号", width: 14, align: "C"},
			{title: "事项"},
			{title: "负责人", width: 34},
			{title: "截止日期", width: 26, align: "C"},
			{title: "状态", width: 18, align: "C"},
		}}, rows)
	}

	d.section("合同状态与特批", 15)
	d.kv(contractRows(d, p, org))

	d.signOff()
	return d.finish()
}

// handoverOf is the project's handover record, or the record
// domain.NewHandover pre-fills (prefilled true) when the meeting is not
// recorded yet. The record's content items follow the kind's order; an
// item the record lacks is taken from the pre-filled one.
func handoverOf(p *domain.Project, org *domain.Org) (h *domain.Handover, prefilled bool) {
	organiser, _ := org.User(p.ReceiverID)
	if organiser.ID == "" || !organiser.Has(domain.HandoverRole(p.Kind())) {
		organiser = domain.User{}
	}
	fresh := domain.NewHandover(p, org, organiser)
	if p.Handover == nil {
		return fresh, true
	}
	rec := *p.Handover
	var items []domain.HandoverItem
	for _, want := range fresh.Items {
		if it, ok := rec.Item(want.Key); ok {
			if it.Title == "" {
				it.Title = want.Title
			}
			items = append(items, it)
		} else {
			items = append(items, want)
		}
	}
	for _, it := range rec.Items {
		if !slices.ContainsFunc(items, func(x domain.HandoverItem) bool { return x.Key == it.Key }) {
			items = append(items, it)
		}
	}
	rec.Items = items
	return &rec, false
}

func lastDecision(p *domain.Project, a domain.Action) (domain.Decision, bool) {
	for i := len(p.Decisions) - 1; i >= 0; i-- {
		if p.Decisions[i].Action == a {
			return p.Decisions[i], true
		}
	}
	return domain.Decision{}, false
}

// backgroundRows are 项目背景 — 客户基本情况.
func backgroundRows(r *domain.Registration) [][2]string {
	b := r.Background
	return [][2]string{
		{"客户全称", orUnfilled(r.Customer.FullName)},
		{"企业性质", orUnfilled(b.Nature)},
		{"主营业务", orUnfilled(b.MainBusiness)},
		{"用户规模", quantity(b.UserScale, "人")},
		{"签署量", quantity(b.SigningVolume, "份/年")},
		{"印章数量", quantity(b.SealCount, "枚")},
	}
}

// productRows are 采购产品, 服务 and 证书情况 (and 印章办理方式 for local).
func productRows(r *domain.Registration) [][2]string {
	rows := [][2]string{{"采购产品", list(r.Products)}}
	if r.Kind == domain.KindLocal {
		rows = append(rows, [2]string{"时间戳", r.Services.Timestamp.Label()})
	}
	rows = append(rows,
		[2]string{"实名认证方式", list(r.Services.RealName)},
		[2]string{"意愿认证方式", list(r.Services.Intent)},
		[2]string{"证书形态", orUnfilled(r.Certificate.Form)},
		[2]string{"证书厂商", orUnfilled(r.Certificate.Vendor)},
		[2]string{"多通道顺序", channels(r.Certificate.Channels)},
	)
	if r.Kind == domain.KindLocal {
		rows = append(rows, [2]string{"印章办理方式", orUnfilled(r.SealHandling)})
	}
	return rows
}

// systems is the table of integrated business systems with vendors.
func (d *doc) systems(ss []domain.System) {
	rows := make([][]string, len(ss))
	for i, s := range ss {
		rows[i] = []string{strconv.Itoa(i + 1), s.Type, s.Name, s.Vendor, s.Version}
	}
	d.table(table{header: true, cols: []column{
		{title: "序号", width: 14, align: "C"},
		{title: "类型", width: 24},
		{title: "系统名称"},
		{title: "厂商", width: 40},
		{title: "版本", width: 28},
	}}, rows)
}

// stakeholders is the table of 项目对接干系人.
func (d *doc) stakeholders(ss []domain.Stakeholder) {
	rows := make([][]string, len(ss))
	for i, s := range ss {
		rows[i] = []string{strconv.Itoa(i + 1), s.Name, s.Contact, s.Role}
	}
	d.table(table{header: true, cols: []column{
		{title: "序号", width: 14, align: "C"},
		{title: "姓名", width: 36},
		{title: "联系方式"},
		{title: "角色", width: 44},
	}}, rows)
}

// contractRows are 合同状态 and, for local and SaaS, whether special
// approval (特批) was needed and how it went, with the special-approval
// leader's decisions.
func contractRows(d *doc, p *domain.Project, org *domain.Org) [][2]string {
	r := &p.Registration
	c := r.Contract
	if r.Kind == domain.KindUpgrade {
		return [][2]string{
			{"是否新签合同", c.NewContract.Label()},
			{"合同金额", money(c.Amount)},
			{"合同是否已签", c.Signed.Label()},
		}
	}
	rows := [][2]string{
		{"合同已签", c.Signed.Label()},
		{"首笔款项已回", c.FirstPayment.Label()},
	}
	special := r.NeedsSpecialApproval()
	if p.Approval != nil {
		special = p.Approval.Special
	}
	if !special {
		return append(rows, [2]string{"特批", "无需特批（合同已签且首笔款项已回）"})
	}
	rows = append(rows, [2]string{"特批", "需要特批（合同未签或首笔款项未回）"},
		[2]string{"特批结果", specialOutcome(p, org)})
	for _, dec := range p.Decisions {
		if dec.Role != domain.RoleSpecialLeader || dec.Step < 0 {
			continue
		}
		line := fmt.Sprintf("第 %d 轮 %s %s %s", dec.Round, name(org, dec.ActorID), actionLabel(dec), d.when(dec.At))
		if dec.Comment != "" {
			line += "：" + dec.Comment
		}
		rows = append(rows, [2]string{"特批领导意见", line})
	}
	return rows
}

// specialOutcome says how the special approval went: passed, or where
// the chain stands.
func specialOutcome(p *domain.Project, org *domain.Org) string {
	a := p.Approval
	if a != nil && a.Current >= len(a.Steps) && p.Status != domain.StatusReturned && p.Status != domain.StatusRejected {
		return fmt.Sprintf("特批已通过（第 %d 轮，各审批步骤均已同意）", a.Round)
	}
	return approvalState(p, org)
}

// signOff is the block where the organiser and the participants sign and
// date the minutes; it is never split across pages.
func (d *doc) signOff() {
	lh := d.lineH()
	d.section("签字确认", 2*(lh+12))
	for _, who := range []string{"组织人", "参会人"} {
		y := d.y + 8
		d.text(marginX, y, 40, who+"（签字）：", "L")
		d.f.SetDrawColor(0, 0, 0)
		d.f.Line(marginX+26, y+lh-0.5, marginX+95, y+lh-0.5)
		d.text(marginX+108, y, 20, "日期：", "L")
		d.f.Line(marginX+120, y+lh-0.5, marginX+contentW, y+lh-0.5)
		d.y = y + lh + 2
		d.check(d.y)
	}
}

// minutesTitle is the minutes' heading: the project name followed by
// 会议交接纪要, without saying 项目 twice when the name already ends with it
// ("…电子签章项目会议交接纪要", not "…电子签章项目 项目会议交接纪要").
func minutesTitle(name string) string {
	if strings.HasSuffix(name, "项目") {
		return name + "会议交接纪要"
	}
	return name + " 项目会议交接纪要"
}
