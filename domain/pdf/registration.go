package pdf

import (
	"strconv"
	"strings"

	"lixiang/domain"
)

// Registration renders the registration form of SPEC §2: the 实施登记表 of a
// local or SaaS project, the 问题登记表 of an upgrade. It prints every field
// of the kind under its derived title (a blank required field says 未填写),
// the repeatable groups as tables, the attachments with their sizes and
// SHA-256 prefixes, and the approval history with comments. Optional
// sections with nothing in them are left out.
func Registration(p *domain.Project, org *domain.Org, opts Options) ([]byte, error) {
	if p == nil {
		return nil, domain.Errorf(domain.EINVALID, "没有要导出的项目", "no project to render")
	}
	r := &p.Registration
	k := p.Kind()
	form := k.FormName() + "表"
	d, err := newDoc(opts, "立项通 · "+form, k.NumberName()+" "+p.DisplayNumber(), p.Title(), form)
	if err != nil {
		return nil, err
	}
	d.newPage()
	sub := form + " · " + k.Label()
	switch {
	case k == domain.KindLocal && r.ProductLine.Valid():
		sub += " · " + r.ProductLine.Label()
	case k == domain.KindUpgrade && r.UpgradeType.Valid():
		sub += " · " + r.UpgradeType.Label()
	}
	d.title(p.Title(), sub)

	d.section("基本信息", 20)
	info := [][2]string{
		{"登记标题", p.Title()},
		{k.NumberName(), p.DisplayNumber()},
		{"项目类型", k.Label()},
	}
	switch k {
	case domain.KindLocal:
		info = append(info, [2]string{"产品线", productLine(r.ProductLine)})
	case domain.KindUpgrade:
		info = append(info,
			[2]string{"升级类型", upgradeType(r.UpgradeType)},
			[2]string{"原项目", parentText(r.ParentID, opts.Parent)})
	}
	info = append(info,
		[2]string{"客户全称", orUnfilled(r.Customer.FullName)},
		[2]string{"客户简称", orUnfilled(r.Customer.ShortName)},
		[2]string{"所属区域", orUnfilled(regionName(org, r.Customer.Region))},
		[2]string{"责任销售", orUnfilled(name(org, r.SalesID))},
	)
	if r.PresalesID != "" {
		info = append(info, [2]string{"售前", name(org, r.PresalesID)})
	}
	info = append(info,
		[2]string{"申请人", orUnfilled(name(org, p.OwnerID))},
		[2]string{"状态", p.Status.Label()},
		[2]string{"创建时间", d.when(p.CreatedAt)},
		[2]string{"最后修改", d.when(p.UpdatedAt)},
	)
	d.kv(info)

	d.section("项目背景 — 客户基本情况", 20)
	bg := backgroundRows(r)[1:] // the full name is in 基本信息
	if s := strings.TrimSpace(r.Requirement); s != "" {
		bg = append(bg, [2]string{"客户需求说明", s})
	}
	d.kv(bg)

	if k != domain.KindUpgrade {
		d.section("采购产品、服务与证书情况", 20)
		d.kv(productRows(r))
	}

	d.section("应用场景与对接业务系统", 20)
	d.kv([][2]string{
		{"应用场景", list(r.Scenarios)},
		{"是否对接业务系统", r.Integration.Label()},
	})
	if len(r.Systems) > 0 {
		d.systems(r.Systems)
	}

	if k == domain.KindLocal {
		d.section("定制化/外采需求", 15)
		rows := [][2]string{{"定制化/外采需求", r.Customization.Needed.Label()}}
		if r.Customization.Needed == domain.Yes || strings.TrimSpace(r.Customization.Description) != "" {
			rows = append(rows, [2]string{"需求说明", orUnfilled(r.Customization.Description)})
		}
		d.kv(rows)
	}

	d.section("项目对接干系人", 20)
	if len(r.Stakeholders) > 0 {
		d.stakeholders(r.Stakeholders)
	} else {
		d.kv([][2]string{{"干系人", unfilled}})
	}
	if g := strings.TrimSpace(r.ProjectGroup); g != "" {
		d.kv([][2]string{{"项目群", g}})
	}

	d.section("合同状态", 15)
	d.kv(contractRows(d, p, org))

	if rows := otherRows(r); len(rows) > 0 {
		d.section("其他", 15)
		d.kv(rows)
	}

	d.section("附件", 20)
	if len(r.Attachments) > 0 {
		d.attachments(r.Attachments, org)
	} else {
		d.kv([][2]string{{"附件", "未上传（须上传售前解决方案/客户需求登记表）"}})
	}

	if len(p.Decisions) > 0 {
		d.section("审批记录", 20)
		d.kv([][2]string{{"当前进度", approvalState(p, org)}})
		d.history(p, org)
	}
	return d.finish()
}

func productLine(l domain.ProductLine) string {
	if !l.Valid() {
		return unfilled
	}
	return l.Label()
}

func upgradeType(u domain.UpgradeType) string {
	if !u.Valid() {
		return unfilled
	}
	return u.Label()
}

// parentText names the original project of an upgrade: its number and
// project name when the caller passed it, else its ID.
func parentText(id string, parent *domain.Project) string {
	if parent == nil || parent.ID != id {
		return orUnfilled(id)
	}
	return parent.DisplayNumber() + " " + projectName(parent)
}

// otherRows are the filled fields of 其他.
func otherRows(r *domain.Registration) [][2]string {
	var rows [][2]string
	if s := strings.TrimSpace(r.Other.Notes); s != "" {
		rows = append(rows, [2]string{"其他情况说明", s})
	}
	if !r.Other.GoLive.Blank() {
		rows = append(rows, [2]string{"计划上线时间", string(r.Other.GoLive)})
	}
	if s := strings.TrimSpace(r.Other.SpecialRequirements); s != "" {
		rows = append(rows, [2]string{"特殊要求", s})
	}
	return rows
}

// attachments is the table of the registration's files.
func (d *doc) attachments(as []domain.Attachment, org *domain.Org) {
	rows := make([][]string, len(as))
	for i, a := range as {
		role := "其他附件"
		if a.Role == domain.AttachPresales {
			role = "售前解决方案/客户需求登记表"
		}
		rows[i] = []string{strconv.Itoa(i + 1), a.Name, role, size(a.Size), shaPrefix(a.SHA256),
			name(org, a.AddedBy), d.whenText(a.AddedAt)}
	}
	d.table(table{header: true, size: sizeDense, cols: []column{
		{title: "序号", width: 10, align: "C"},
		{title: "文件名"},
		{title: "类别", width: 26},
		{title: "大小", width: 16, align: "C"},
		{title: "SHA-256 前缀", width: 25},
		{title: "上传人", width: 15},
		{title: "上传时间", width: 28, align: "C"},
	}}, rows)
}

// history is the approval history: every decision, never rewritten.
func (d *doc) history(p *domain.Project, org *domain.Org) {
	rows := make([][]string, len(p.Decisions))
	for i, dec := range p.Decisions {
		rows[i] = []string{strconv.Itoa(dec.Round), stepLabel(p, dec), name(org, dec.ActorID),
			actionLabel(dec), dec.Comment, d.when(dec.At)}
	}
	d.table(table{header: true, size: sizeDense, cols: []column{
		{title: "轮次", width: 10, align: "C"},
		{title: "步骤", width: 44},
		{title: "处理人", width: 16},
		{title: "操作", width: 22},
		{title: "意见"},
		{title: "时间", width: 28, align: "C"},
	}}, rows)
}
