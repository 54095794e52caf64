package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// draftStore is what the registration form and the workflow screens read
// and write: projects, their workflow actions and attachment bytes.
type draftStore interface {
	Project(ctx context.Context, id string) (*domain.Project, error)
	SaveProject(ctx context.Context, actorID string, p *domain.Project) (sqlite.SaveResult, error)
	Apply(ctx context.Context, id string, cmd domain.Command, actor domain.User, org *domain.Org) (*domain.Project, error)
	PutAttachment(ctx context.Context, data []byte) (string, error)
	Attachment(ctx context.Context, sha string) ([]byte, error)
}

// maxAttachment is the largest file the form takes (a scanned form or a
// solution deck; anything larger is almost certainly the wrong file).
const maxAttachment = 64 << 20

// autosaveDelay is how long typing must pause before a draft is saved.
const autosaveDelay = time.Second

// copyProject is a deep copy of p (a snapshot to save off the UI goroutine).
func copyProject(p *domain.Project) *domain.Project {
	b, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("copy project: %v", err)) // a domain.Project always encodes
	}
	var c domain.Project
	if err := json.Unmarshal(b, &c); err != nil {
		panic(fmt.Sprintf("copy project: %v", err))
	}
	return &c
}

// RegistrationForm is the registration (实施登记 / 问题登记) of one project
// as one scrollable form with the sections of its kind. Every change is
// checked at once (problems beside their fields, completeness at the top)
// and the draft is saved a second after typing pauses and when the screen
// is left. Submit is enabled when nothing is missing.
type RegistrationForm struct {
	widget.BaseWidget

	env   *env
	p     *domain.Project
	isNew bool

	*problemLines
	hushing  // while widgets are filled from p: their callbacks do not count as edits
	problems domain.Problems
	save     *saver

	title        *widget.Label
	progress     *widget.ProgressBar
	progressText *widget.Label
	submit       *widget.Button
	problemsBtn  *widget.Button
	submitNote   *widget.Label
	special      *widget.Label
	parentLabel  *widget.Label

	channels, systems, stakeholders, attachments *fyne.Container

	body   *fyne.Container
	scroll *container.Scroll
	root   fyne.CanvasObject
}

// NewRegistrationForm builds the form for p: a new draft (never saved) or
// a stored draft or returned registration.
func NewRegistrationForm(e *env, p *domain.Project) *RegistrationForm {
	f := &RegistrationForm{env: e, p: copyProject(p)}
	f.ExtendBaseWidget(f)
	// A draft that was never saved still has the time it was made.
	f.isNew = p.UpdatedAt.Equal(p.CreatedAt) && len(p.Decisions) == 0
	f.problemLines = newProblemLines(!f.isNew)
	f.save = newSaver(e, func() *domain.Project { return f.p })
	f.save.saved = func() { f.isNew = false }
	if f.isNew && len(f.p.Registration.Stakeholders) == 0 {
		f.p.Registration.Stakeholders = []domain.Stakeholder{{}}
	}
	f.build()
	f.revalidate()
	return f
}

// CreateRenderer implements fyne.Widget.
func (f *RegistrationForm) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(f.root)
}

func (f *RegistrationForm) reg() *domain.Registration { return &f.p.Registration }

// edited records a person's change of the field at path.
func (f *RegistrationForm) edited(path string) {
	if f.loading {
		return
	}
	f.touched[path] = true
	f.revalidate()
	f.save.edited()
}

// revalidate checks the registration and updates the problem lines, the
// derived title, the completeness and the submit button.
func (f *RegistrationForm) revalidate() {
	r := f.reg()
	f.problems = domain.Validate(r, f.env.Org)
	f.show(f.problems)

	f.title.SetText(f.p.Title())
	sc := domain.Score(r, f.env.Org)
	f.progress.SetValue(sc.Ratio())
	f.progressText.SetText(lang.X("reg.completeness", "已完成 {{.Filled}}/{{.Total}}", map[string]any{"Filled": sc.Filled, "Total": sc.Total}))
	if n := len(f.problems); n > 0 {
		f.problemsBtn.SetText(lang.X("reg.problems", "{{.N}} 个问题 · 查看", map[string]any{"N": n}))
		f.problemsBtn.Show()
	} else {
		f.problemsBtn.Hide()
	}
	allowed := slices.Contains(f.p.Allowed(f.env.User, f.env.Org), domain.ActSubmit)
	switch {
	case !allowed:
		f.submit.Disable()
		f.submitNote.SetText(lang.X("reg.cannotSubmit", "您不能提交此登记（{{.Form}}由{{.Who}}提交）",
			map[string]any{"Form": f.p.Kind().FormName(), "Who": submitterText(f.p.Kind())}))
		f.submitNote.Show()
	case len(f.problems) > 0:
		f.submit.Disable()
		f.submitNote.Hide()
	default:
		f.submit.Enable()
		f.submitNote.Hide()
	}
	if r.Kind != domain.KindUpgrade && r.Contract.Signed.Answered() && r.Contract.FirstPayment.Answered() && r.NeedsSpecialApproval() {
		f.special.Show()
	} else {
		f.special.Hide()
	}
}

func submitterText(k domain.Kind) string {
	if k == domain.KindLocal {
		return roleLabel(domain.RoleSales) + lang.L("common.or") + roleLabel(domain.RolePresales)
	}
	return roleLabel(domain.RoleSales)
}

// ---- building the form ----

func (f *RegistrationForm) build() {
	e := f.env
	defer f.hush()()

	f.title = heading("")
	f.progress = widget.NewProgressBar()
	f.progress.TextFormatter = func() string { return "" }
	f.progressText = widget.NewLabel("")
	submitText := lang.L("reg.submit")
	if f.p.Status == domain.StatusReturned {
		submitText = lang.L("reg.resubmit")
	}
	f.submit = formAction(submitText, theme.MailSendIcon(), f.onSubmitTapped)
	f.problemsBtn = widget.NewButtonWithIcon("", theme.WarningIcon(), f.onShowProblemsTapped)
	f.problemsBtn.Importance = widget.WarningImportance
	f.submitNote = note("")
	f.submitNote.Hide()

	kindLine := widget.NewLabel(kindLabel(f.p.Kind()) + " · " + f.p.Kind().FormName() + " · " + statusLabel(f.p.Status))
	top := container.NewVBox(
		formHeader(f.title, f.onBackTapped, f.save, f.submit),
		container.NewBorder(nil, nil, kindLine, container.NewHBox(f.progressText, f.problemsBtn),
			f.progress),
		f.submitNote,
	)
	if f.p.Status == domain.StatusReturned {
		if d, ok := lastDecision(f.p, domain.ActReturn); ok {
			msg := lang.X("reg.returnedBy", "{{.Who}} 退回修改：{{.Comment}}",
				map[string]any{"Who": e.Org.UserName(d.ActorID), "Comment": d.Comment})
			l := widget.NewLabel(msg)
			l.Wrapping = fyne.TextWrapWord
			l.Importance = widget.WarningImportance
			top.Add(l)
		}
	}

	f.body = container.NewVBox(f.general)
	for _, s := range f.sections() {
		f.body.Add(s)
	}
	f.root, f.scroll = formPage(container.NewPadded(top), f.body)
}

func lastDecision(p *domain.Project, a domain.Action) (domain.Decision, bool) {
	for i := len(p.Decisions) - 1; i >= 0; i-- {
		if p.Decisions[i].Action == a {
			return p.Decisions[i], true
		}
	}
	return domain.Decision{}, false
}

// section is a titled block of the form.
func section(title string, objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(append([]fyne.CanvasObject{widget.NewSeparator(), heading(title)}, objs...)...)
}

// grid lays fields out two to a row, in reading (and Tab) order.
func grid(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewGridWithColumns(2, objs...)
}

func (f *RegistrationForm) sections() []fyne.CanvasObject {
	r := f.reg()
	k := r.Kind
	local, saas, upgrade := k == domain.KindLocal, k == domain.KindSaaS, k == domain.KindUpgrade
	cat := f.env.Org.Catalogues
	var out []fyne.CanvasObject

	// 基本信息.
	var basics []fyne.CanvasObject
	if local {
		labels, values := []string{}, []string{}
		for _, l := range domain.ProductLines {
			labels, values = append(labels, lang.X("line."+string(l), l.Label())), append(values, string(l))
		}
		c := newChoice(labels, values, func(v string) { r.ProductLine = domain.ProductLine(v); f.edited("product_line") })
		c.setValue(string(r.ProductLine))
		basics = append(basics, labelled(lang.L("reg.productLine"), c, f.field("product_line", c)))
	}
	if upgrade {
		labels, values := []string{}, []string{}
		for _, u := range domain.UpgradeTypes {
			labels, values = append(labels, lang.X("upgrade."+string(u), u.Label())), append(values, string(u))
		}
		c := newChoice(labels, values, func(v string) { r.UpgradeType = domain.UpgradeType(v); f.edited("upgrade_type") })
		c.setValue(string(r.UpgradeType))
		basics = append(basics, labelled(lang.L("reg.upgradeType"), c, f.field("upgrade_type", c)))
		f.parentLabel = widget.NewLabel(lang.L("reg.noParent"))
		f.parentLabel.Truncation = fyne.TextTruncateEllipsis
		pick := widget.NewButton(lang.L("reg.pickParent"), f.onPickParentTapped)
		basics = append(basics, labelled(lang.L("reg.parent"), container.NewBorder(nil, nil, nil, pick, f.parentLabel),
			f.field("parent_id", pick)))
		f.loadParentName()
	}
	basics = append(basics,
		f.entryField("customer.short_name", lang.L("reg.shortName"), lang.L("reg.shortNameHint"), &r.Customer.ShortName),
		f.entryField("customer.full_name", lang.L("reg.fullName"), lang.L("reg.fullNameHint"), &r.Customer.FullName),
	)
	regionLabels, regionValues := []string{}, []string{}
	for _, rg := range f.env.Org.Regions {
		regionLabels, regionValues = append(regionLabels, rg.Name), append(regionValues, rg.Code)
	}
	region := newChoice(regionLabels, regionValues, func(v string) { r.Customer.Region = v; f.edited("customer.region") })
	region.setValue(r.Customer.Region)
	sales := userChoice(f.env.Org, domain.RoleSales, func(v string) { r.SalesID = v; f.edited("sales_id") })
	sales.setValue(r.SalesID)
	presales := userChoice(f.env.Org, domain.RolePresales, func(v string) { r.PresalesID = v; f.edited("presales_id") })
	presales.Options = append([]string{lang.L("common.none")}, presales.Options...)
	presales.values = append([]string{""}, presales.values...)
	presales.setValue(r.PresalesID)
	basics = append(basics,
		labelled(lang.L("reg.region"), region, f.field("customer.region", region)),
		labelled(lang.L("reg.sales"), sales, f.field("sales_id", sales)),
		labelled(lang.L("reg.presales"), presales, f.field("presales_id", presales)),
	)
	out = append(out, section(lang.L("reg.sec.basics"), grid(basics...)))

	// 项目背景 — 客户基本情况.
	b := &r.Background
	nature := newChoice(domain.Names(cat.Natures), domain.Names(cat.Natures), func(v string) { b.Nature = v; f.edited("background.nature") })
	nature.setValue(b.Nature)
	out = append(out, section(lang.L("reg.sec.background"),
		grid(
			f.quantityField("background.user_scale", lang.L("reg.userScale"), &b.UserScale),
			f.quantityField("background.signing_volume", lang.L("reg.signingVolume"), &b.SigningVolume),
			f.quantityField("background.seal_count", lang.L("reg.sealCount"), &b.SealCount),
			labelled(lang.L("reg.nature"), nature, f.field("background.nature", nature)),
		),
		f.entryField("background.main_business", lang.L("reg.mainBusiness"), "", &b.MainBusiness),
		f.multiField("requirement", lang.L("reg.requirement"), lang.L("reg.requirementHint"), &r.Requirement),
	))

	// 采购产品 and 服务.
	if local || saas {
		products := f.checks("products", cat.Products(k), &r.Products)
		out = append(out, section(lang.L("reg.sec.products"),
			labelled(lang.L("reg.products"), products, f.field("products", products))))
		var svc []fyne.CanvasObject
		if local {
			ts := f.yesNo("services.timestamp", &r.Services.Timestamp)
			svc = append(svc, labelled(lang.L("reg.timestamp"), ts, f.field("services.timestamp", ts)))
		}
		rn := f.checks("services.realname", cat.RealNameAuth, &r.Services.RealName)
		in := f.checks("services.intent", cat.IntentAuth, &r.Services.Intent)
		svc = append(svc,
			labelled(lang.L("reg.realname"), rn, f.field("services.realname", rn)),
			labelled(lang.L("reg.intent"), in, f.field("services.intent", in)))
		out = append(out, section(lang.L("reg.sec.services"), svc...))

		// 证书情况.
		c := &r.Certificate
		form := newChoice(domain.Names(cat.CertForms), domain.Names(cat.CertForms), func(v string) { c.Form = v; f.edited("certificate.form") })
		form.setValue(c.Form)
		vendor := newChoice(domain.Names(cat.CertVendors), domain.Names(cat.CertVendors), func(v string) { c.Vendor = v; f.edited("certificate.vendor") })
		vendor.setValue(c.Vendor)
		f.channels = container.NewVBox()
		f.rebuildChannels()
		addChannel := widget.NewButtonWithIcon(lang.L("reg.addChannel"), theme.ContentAddIcon(), f.onAddChannelTapped)
		out = append(out, section(lang.L("reg.sec.certificate"),
			grid(labelled(lang.L("reg.certForm"), form, f.field("certificate.form", form)),
				labelled(lang.L("reg.certVendor"), vendor, f.field("certificate.vendor", vendor))),
			widget.NewLabelWithStyle(lang.L("reg.channels"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			note(lang.L("reg.channelsHint")),
			f.channels,
			container.NewHBox(addChannel),
			f.field("certificate.channels", nil),
		))
	}

	// 印章办理方式 (local).
	if local {
		names := domain.Names(cat.SealHandling)
		seal := widget.NewRadioGroup(names, func(v string) { r.SealHandling = v; f.edited("seal_handling") })
		seal.Horizontal = true
		seal.SetSelected(r.SealHandling)
		out = append(out, section(lang.L("reg.sec.seal"), labelled(lang.L("reg.sealHandling"), seal, f.field("seal_handling", seal))))
	}

	// 应用场景.
	out = append(out, section(lang.L("reg.sec.scenarios"), f.scenarios()))

	// 对接业务系统.
	integ := f.yesNo("integration", &r.Integration)
	f.systems = container.NewVBox()
	f.rebuildSystems()
	addSystem := widget.NewButtonWithIcon(lang.L("reg.addSystem"), theme.ContentAddIcon(), f.onAddSystemTapped)
	sysHint := lang.L("reg.systemsHint")
	if upgrade {
		sysHint = lang.L("reg.systemsHintUpgrade")
	}
	out = append(out, section(lang.L("reg.sec.systems"),
		note(sysHint),
		labelled(lang.L("reg.integration"), integ, f.field("integration", integ)),
		f.systems, container.NewHBox(addSystem), f.field("systems", nil)))

	// 定制化/外采需求 (local).
	if local {
		cu := &r.Customization
		needed := f.yesNo("customization.needed", &cu.Needed)
		out = append(out, section(lang.L("reg.sec.customization"),
			labelled(lang.L("reg.customization"), needed, f.field("customization.needed", needed)),
			f.multiField("customization.description", lang.L("reg.customizationDesc"), lang.L("reg.customizationHint"), &cu.Description)))
	}

	// 项目对接干系人.
	f.stakeholders = container.NewVBox()
	f.rebuildStakeholders()
	addStakeholder := widget.NewButtonWithIcon(lang.L("reg.addStakeholder"), theme.ContentAddIcon(), f.onAddStakeholderTapped)
	out = append(out, section(lang.L("reg.sec.stakeholders"),
		f.stakeholders, container.NewHBox(addStakeholder), f.field("stakeholders", nil),
		f.entryField("project_group", lang.L("reg.projectGroup"), lang.L("reg.projectGroupHint"), &r.ProjectGroup)))

	// 合同状态.
	ct := &r.Contract
	var contract []fyne.CanvasObject
	if upgrade {
		nc := f.yesNo("contract.new_contract", &ct.NewContract)
		signed := f.yesNo("contract.signed", &ct.Signed)
		contract = append(contract, grid(
			labelled(lang.L("reg.newContract"), nc, f.field("contract.new_contract", nc)),
			f.moneyField("contract.amount", lang.L("reg.amount"), &ct.Amount),
			labelled(lang.L("reg.signed"), signed, f.field("contract.signed", signed)),
		))
	} else {
		signed := f.yesNo("contract.signed", &ct.Signed)
		paid := f.yesNo("contract.first_payment", &ct.FirstPayment)
		contract = append(contract, grid(
			labelled(lang.L("reg.signed"), signed, f.field("contract.signed", signed)),
			labelled(lang.L("reg.firstPayment"), paid, f.field("contract.first_payment", paid)),
		))
	}
	f.special = widget.NewLabel(lang.L("reg.specialNeeded"))
	f.special.Wrapping = fyne.TextWrapWord
	f.special.Importance = widget.WarningImportance
	f.special.Hide()
	contract = append(contract, f.special)
	out = append(out, section(lang.L("reg.sec.contract"), contract...))

	// 其他.
	o := &r.Other
	goLive := widget.NewEntry()
	bindText(goLive, lang.L("reg.goLiveHint"), &o.GoLive, func() { f.edited("other.go_live") })
	out = append(out, section(lang.L("reg.sec.other"),
		grid(labelled(lang.L("reg.goLive"), goLive, f.field("other.go_live", goLive))),
		f.multiField("other.special_requirements", lang.L("reg.specialRequirements"), "", &o.SpecialRequirements),
		f.multiField("other.notes", lang.L("reg.notes"), "", &o.Notes),
	))

	// 附件.
	f.attachments = container.NewVBox()
	f.rebuildAttachments()
	add := widget.NewButtonWithIcon(lang.L("attach.add"), theme.FileIcon(), f.onAddAttachmentTapped)
	out = append(out, section(lang.L("reg.sec.attachments"),
		note(lang.L("attach.hint")),
		f.attachments, container.NewHBox(add), f.field("attachments", add)))
	return out
}

// entryField is a one-line text field bound to *s.
func (f *RegistrationForm) entryField(path, label, hint string, s *string) fyne.CanvasObject {
	en := widget.NewEntry()
	bindText(en, hint, s, func() { f.edited(path) })
	return labelled(label, en, f.field(path, en))
}

// multiField is a multi-line text field bound to *s.
func (f *RegistrationForm) multiField(path, label, hint string, s *string) fyne.CanvasObject {
	en := widget.NewMultiLineEntry()
	en.Wrapping = fyne.TextWrapWord
	en.SetMinRowsVisible(3)
	bindText(en, hint, s, func() { f.edited(path) })
	return labelled(label, en, f.field(path, en))
}

func (f *RegistrationForm) quantityField(path, label string, q *domain.Quantity) fyne.CanvasObject {
	en := widget.NewEntry()
	bindText(en, lang.L("reg.quantityHint"), q, func() { f.edited(path) })
	return labelled(label, en, f.field(path, en))
}

func (f *RegistrationForm) moneyField(path, label string, m *domain.Money) fyne.CanvasObject {
	en := widget.NewEntry()
	bindText(en, "0.00", m, func() { f.edited(path) })
	return labelled(label, en, f.field(path, en))
}

// yesNo is a 是/否 choice bound to *y.
func (f *RegistrationForm) yesNo(path string, y *domain.YesNo) *widget.RadioGroup {
	yes, no := lang.L("common.yes"), lang.L("common.no")
	rg := widget.NewRadioGroup([]string{yes, no}, func(v string) {
		switch v {
		case yes:
			*y = domain.Yes
		case no:
			*y = domain.No
		default:
			*y = domain.Unanswered
		}
		f.edited(path)
	})
	rg.Horizontal = true
	switch *y {
	case domain.Yes:
		rg.SetSelected(yes)
	case domain.No:
		rg.SetSelected(no)
	}
	return rg
}

// checks is a multi-select of a catalogue bound to *vs; chosen values the
// catalogue no longer has stay chosen (they show as problems).
func (f *RegistrationForm) checks(path string, opts []domain.Option, vs *[]string) *widget.CheckGroup {
	names := domain.Names(opts)
	for _, v := range *vs {
		if !slices.Contains(names, v) {
			names = append(names, v)
		}
	}
	cg := widget.NewCheckGroup(names, func(sel []string) {
		// Keep the catalogue's order, not the order of the clicks.
		var out []string
		for _, n := range names {
			if slices.Contains(sel, n) {
				out = append(out, n)
			}
		}
		*vs = out
		f.edited(path)
	})
	cg.Horizontal = true
	cg.SetSelected(slices.Clone(*vs))
	return cg
}

// scenarios is 应用场景: the catalogue's scenarios plus the person's own.
func (f *RegistrationForm) scenarios() fyne.CanvasObject {
	r := f.reg()
	names := domain.Names(f.env.Org.Catalogues.Scenarios)
	var chosen, other []string
	for _, s := range r.Scenarios {
		if slices.Contains(names, s) {
			chosen = append(chosen, s)
		} else {
			other = append(other, s)
		}
	}
	otherEntry := widget.NewEntry()
	otherEntry.SetPlaceHolder(lang.L("reg.otherScenariosHint"))
	cg := widget.NewCheckGroup(names, nil)
	cg.Horizontal = true
	update := func() {
		var out []string
		for _, n := range names {
			if slices.Contains(cg.Selected, n) {
				out = append(out, n)
			}
		}
		for _, s := range splitList(otherEntry.Text) {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		r.Scenarios = out
		f.edited("scenarios")
	}
	cg.SetSelected(chosen)
	otherEntry.SetText(strings.Join(other, "、"))
	cg.OnChanged = func([]string) { update() }
	otherEntry.OnChanged = func(string) { update() }
	f.fields["scenarios"] = cg
	return container.NewVBox(cg,
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("reg.otherScenarios")), nil, otherEntry),
		f.field("scenarios", nil))
}

// splitList splits what a person typed as a list (、，, ；; separators).
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == '，' || r == ',' || r == '；' || r == ';'
	}) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// ---- repeatable rows ----

func (f *RegistrationForm) rebuildChannels() {
	defer f.hush()()
	c := &f.reg().Certificate
	f.forget("certificate.channels")
	f.channels.RemoveAll()
	cat := domain.Names(f.env.Org.Catalogues.CAChannels)
	for i, ch := range c.Channels {
		path := fmt.Sprintf("certificate.channels[%d]", i)
		opts := slices.Clone(cat)
		if ch != "" && !slices.Contains(opts, ch) {
			opts = append(opts, ch)
		}
		sel := newChoice(opts, opts, func(v string) { c.Channels[i] = v; f.edited(path) })
		sel.setValue(ch)
		up := iconButton(theme.MoveUpIcon(), func() { f.onMoveChannelTapped(i, -1) })
		down := iconButton(theme.MoveDownIcon(), func() { f.onMoveChannelTapped(i, 1) })
		del := iconButton(theme.DeleteIcon(), func() { f.onRemoveChannelTapped(i) })
		if i == 0 {
			up.Disable()
		}
		if i == len(c.Channels)-1 {
			down.Disable()
		}
		order := widget.NewLabel(lang.X("reg.channelOrder", "第 {{.N}} 通道", map[string]any{"N": i + 1}))
		f.channels.Add(container.NewVBox(
			container.NewBorder(nil, nil, order, container.NewHBox(up, down, del), sel),
			f.field(path, sel)))
	}
}

func (f *RegistrationForm) onAddChannelTapped() {
	c := &f.reg().Certificate
	c.Channels = append(c.Channels, "")
	f.rebuildChannels()
	f.edited("certificate.channels")
}

func (f *RegistrationForm) onMoveChannelTapped(i, delta int) {
	c := &f.reg().Certificate
	j := i + delta
	if j < 0 || j >= len(c.Channels) {
		return
	}
	c.Channels[i], c.Channels[j] = c.Channels[j], c.Channels[i]
	f.rebuildChannels()
	f.edited("certificate.channels")
}

func (f *RegistrationForm) onRemoveChannelTapped(i int) {
	c := &f.reg().Certificate
	c.Channels = slices.Delete(c.Channels, i, i+1)
	f.rebuildChannels()
	f.edited("certificate.channels")
}

func (f *RegistrationForm) rebuildSystems() {
	defer f.hush()()
	r := f.reg()
	f.forget("systems")
	f.systems.RemoveAll()
	types := domain.Names(f.env.Org.Catalogues.SystemTypes)
	for i := range r.Systems {
		s := &r.Systems[i]
		p := fmt.Sprintf("systems[%d]", i)
		opts := slices.Clone(types)
		if s.Type != "" && !slices.Contains(opts, s.Type) {
			opts = append(opts, s.Type)
		}
		typ := newChoice(opts, opts, func(v string) { s.Type = v; f.edited(p + ".type") })
		typ.setValue(s.Type)
		cellEntry := func(path, hint string, v *string) fyne.CanvasObject {
			en := widget.NewEntry()
			bindText(en, hint, v, func() { f.edited(path) })
			return container.NewVBox(en, f.field(path, en))
		}
		row := container.NewGridWithColumns(4,
			container.NewVBox(typ, f.field(p+".type", typ)),
			cellEntry(p+".name", lang.L("reg.systemName"), &s.Name),
			cellEntry(p+".vendor", lang.L("reg.systemVendor"), &s.Vendor),
			cellEntry(p+".version", lang.L("reg.systemVersion"), &s.Version),
		)
		del := iconButton(theme.DeleteIcon(), func() { f.onRemoveSystemTapped(i) })
		f.systems.Add(container.NewBorder(nil, nil, nil, del, row))
	}
}

func (f *RegistrationForm) onAddSystemTapped() {
	r := f.reg()
	r.Systems = append(r.Systems, domain.System{})
	if r.Integration == domain.Unanswered {
		r.Integration = domain.Yes
		f.refreshIntegration()
	}
	f.rebuildSystems()
	f.edited("systems")
}

func (f *RegistrationForm) onRemoveSystemTapped(i int) {
	r := f.reg()
	r.Systems = slices.Delete(r.Systems, i, i+1)
	f.rebuildSystems()
	f.edited("systems")
}

// refreshIntegration shows the integration answer after code changed it.
func (f *RegistrationForm) refreshIntegration() {
	if rg, ok := f.fields["integration"].(*widget.RadioGroup); ok {
		defer f.hush()()
		rg.SetSelected(yesNoLabel(f.reg().Integration))
	}
}

func (f *RegistrationForm) rebuildStakeholders() {
	defer f.hush()()
	r := f.reg()
	f.forget("stakeholders")
	f.stakeholders.RemoveAll()
	roles := domain.Names(f.env.Org.Catalogues.ContactRoles)
	for i := range r.Stakeholders {
		s := &r.Stakeholders[i]
		p := fmt.Sprintf("stakeholders[%d]", i)
		name := widget.NewEntry()
		bindText(name, lang.L("reg.stakeholderName"), &s.Name, func() { f.edited(p + ".name") })
		contact := widget.NewEntry()
		bindText(contact, lang.L("reg.stakeholderContact"), &s.Contact, func() { f.edited(p + ".contact") })
		role := widget.NewSelectEntry(roles)
		bindText(&role.Entry, lang.L("reg.stakeholderRole"), &s.Role, func() { f.edited(p + ".role") })
		row := container.NewGridWithColumns(3,
			container.NewVBox(name, f.field(p+".name", name)),
			container.NewVBox(contact, f.field(p+".contact", contact)),
			container.NewVBox(role, f.field(p+".role", role)))
		del := iconButton(theme.DeleteIcon(), func() { f.onRemoveStakeholderTapped(i) })
		f.stakeholders.Add(container.NewBorder(nil, nil, nil, del, row))
	}
}

func (f *RegistrationForm) onAddStakeholderTapped() {
	r := f.reg()
	r.Stakeholders = append(r.Stakeholders, domain.Stakeholder{})
	f.rebuildStakeholders()
	f.edited("stakeholders")
}

func (f *RegistrationForm) onRemoveStakeholderTapped(i int) {
	r := f.reg()
	r.Stakeholders = slices.Delete(r.Stakeholders, i, i+1)
	f.rebuildStakeholders()
	f.edited("stakeholders")
}

// ---- attachments ----

func (f *RegistrationForm) rebuildAttachments() {
	defer f.hush()()
	r := f.reg()
	f.forget("attachments")
	f.attachments.RemoveAll()
	if len(r.Attachments) == 0 {
		f.attachments.Add(note(lang.L("attach.none")))
		return
	}
	roleLabels := []string{lang.L("attach.role.presales"), lang.L("attach.role.other")}
	roleValues := []string{string(domain.AttachPresales), string(domain.AttachOther)}
	for i := range r.Attachments {
		a := &r.Attachments[i]
		p := fmt.Sprintf("attachments[%d]", i)
		role := newChoice(roleLabels, roleValues, func(v string) { a.Role = domain.AttachmentRole(v); f.edited(p + ".role") })
		role.setValue(string(a.Role))
		open := widget.NewButtonWithIcon(lang.L("attach.open"), theme.FileIcon(), func() { f.onOpenAttachmentTapped(*a) })
		del := iconButton(theme.DeleteIcon(), func() { f.onRemoveAttachmentTapped(i) })
		name := cell(a.Name)
		size := widget.NewLabel(sizeText(a.Size))
		f.attachments.Add(container.NewVBox(
			container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), container.NewHBox(size, role, open, del), name),
			f.field(p, nil)))
	}
}

func (f *RegistrationForm) onAddAttachmentTapped() {
	dialog.ShowFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			f.env.showError(err)
			return
		}
		if rc == nil {
			return // cancelled
		}
		f.addAttachments([]func() (string, []byte, error){func() (string, []byte, error) {
			defer rc.Close()
			data, err := io.ReadAll(io.LimitReader(rc, maxAttachment+1))
			return rc.URI().Name(), data, err
		}})
	}, f.env.win)
}

// dropped takes files dropped on the window as attachments.
func (f *RegistrationForm) dropped(uris []fyne.URI) {
	var reads []func() (string, []byte, error)
	for _, u := range uris {
		reads = append(reads, func() (string, []byte, error) {
			rc, err := storage.Reader(u)
			if err != nil {
				return u.Name(), nil, err
			}
			defer rc.Close()
			data, err := io.ReadAll(io.LimitReader(rc, maxAttachment+1))
			return u.Name(), data, err
		})
	}
	f.addAttachments(reads)
}

// addAttachments reads files and stores their bytes off the UI goroutine,
// then lists them on the form.
func (f *RegistrationForm) addAttachments(reads []func() (string, []byte, error)) {
	e := f.env
	e.run(func() {
		var added []domain.Attachment
		var failed error
		for _, read := range reads {
			name, data, err := read()
			if err == nil && len(data) > maxAttachment {
				err = domain.Errorf(domain.EINVALID, "文件“%[1]s”超过 %[2]d MB，无法作为附件", "%[1]s is larger than %[2]d MB", name, maxAttachment>>20)
			}
			if err != nil {
				failed = err
				continue
			}
			sha, err := e.Store.PutAttachment(e.ctx, data)
			if err != nil {
				failed = err
				continue
			}
			id, err := e.NewID()
			if err != nil {
				failed = err
				continue
			}
			// The name as the file system gave it may hold what an
			// attachment's name may not (a line break, a path, 300 bytes):
			// make it fit rather than refuse the file at the next sync.
			name = domain.AttachmentName(name)
			a := domain.Attachment{ID: id, Name: name, Size: int64(len(data)), SHA256: sha,
				MIME: mime.TypeByExtension(filepath.Ext(name)), AddedBy: e.User.ID,
				AddedAt: e.Now().UTC().Format(time.RFC3339)}
			if ps := domain.ValidateAttachment(a); len(ps) > 0 {
				failed = domain.Errorf(domain.EINVALID, "文件“%[1]s”不能作为附件：%[2]s", "%[1]s cannot be attached: %[3]s", name, ps[0].Message, ps[0].English)
				continue
			}
			added = append(added, a)
		}
		fyne.Do(func() {
			if failed != nil {
				e.showError(failed)
			}
			if len(added) == 0 {
				return
			}
			r := f.reg()
			for _, a := range added {
				a.Role = domain.AttachOther
				if !slices.ContainsFunc(r.Attachments, func(x domain.Attachment) bool { return x.Role == domain.AttachPresales }) {
					a.Role = domain.AttachPresales
				}
				r.Attachments = append(r.Attachments, a)
			}
			f.rebuildAttachments()
			f.edited("attachments")
		})
	})
}

func (f *RegistrationForm) onRemoveAttachmentTapped(i int) {
	r := f.reg()
	r.Attachments = slices.Delete(r.Attachments, i, i+1)
	f.rebuildAttachments()
	f.edited("attachments")
}

func (f *RegistrationForm) onOpenAttachmentTapped(a domain.Attachment) { openAttachment(f.env, a) }

// openAttachment writes the attachment to a temporary file and opens it
// with the system's viewer.
func openAttachment(e *env, a domain.Attachment) {
	e.run(func() {
		u, err := attachmentFile(e, a)
		if err == nil {
			err = e.OpenURL(u)
		}
		if err != nil {
			fyne.Do(func() { e.showError(err) })
		}
	})
}

func attachmentFile(e *env, a domain.Attachment) (*url.URL, error) {
	// Metadata comes from other devices too: never trust its shape.
	if len(a.SHA256) != 64 {
		return nil, domain.Errorf(domain.EINVALID, "附件校验值无效，无法打开", "the attachment's hash is invalid: it cannot be opened")
	}
	data, err := e.Store.Attachment(e.ctx, a.SHA256)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(os.TempDir(), "lixiang-attachments", a.SHA256[:12])
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open attachment: %w", err)
	}
	name := filepath.Base(strings.ReplaceAll(a.Name, "\x00", ""))
	if name == "." || name == ".." || name == string(filepath.Separator) {
		name = "attachment"
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("open attachment: %w", err)
	}
	return url.Parse(storage.NewFileURI(path).String())
}

// ---- upgrade: the parent project ----

func (f *RegistrationForm) loadParentName() {
	id := f.reg().ParentID
	if id == "" {
		return
	}
	e := f.env
	e.run(func() {
		p, err := e.Store.Project(e.ctx, id)
		fyne.Do(func() {
			if err != nil {
				f.parentLabel.SetText(id)
				return
			}
			f.parentLabel.SetText(p.DisplayNumber() + " · " + p.Title())
		})
	})
}

func (f *RegistrationForm) onPickParentTapped() {
	pickParent(f.env, func(p *domain.Project) {
		r := f.reg()
		r.ParentID = p.ID
		f.parentLabel.SetText(p.DisplayNumber() + " · " + p.Title())
		f.edited("parent_id")
	})
}

// pickParent lets a person choose the existing project an upgrade is
// raised on (any project past its draft), searching as they type.
func pickParent(e *env, picked func(*domain.Project)) {
	var rows []sqlite.Summary
	list := widget.NewList(func() int { return len(rows) },
		func() fyne.CanvasObject {
			return container.New(columns{widths: []float32{140, 0, 120}}, cell(""), cell(""), cell(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			objs := o.(*fyne.Container).Objects
			setText(objs[0], rows[i].DisplayNumber())
			setText(objs[1], rows[i].Title)
			setText(objs[2], kindLabel(rows[i].Kind))
		})
	search := widget.NewEntry()
	search.SetPlaceHolder(lang.L("list.search"))
	load := func(q string) {
		e.run(func() {
			all, err := e.Store.Search(e.ctx, q, sqlite.Filter{})
			var keep []sqlite.Summary
			for _, s := range all {
				if s.Status != domain.StatusDraft {
					keep = append(keep, s)
				}
			}
			fyne.Do(func() {
				if err != nil {
					e.showError(err)
					return
				}
				rows = keep
				list.UnselectAll()
				list.Refresh()
			})
		})
	}
	search.OnChanged = load
	content := container.NewBorder(container.NewVBox(note(lang.L("reg.pickParentHelp")), search), nil, nil, nil, list)
	d := dialog.NewCustom(lang.L("reg.pickParent"), lang.L("common.cancel"), content, e.win)
	list.OnSelected = func(i widget.ListItemID) {
		id := rows[i].ID
		d.Hide()
		e.run(func() {
			p, err := e.Store.Project(e.ctx, id)
			fyne.Do(func() {
				if err != nil {
					e.showError(err)
					return
				}
				picked(p)
			})
		})
	}
	d.Resize(fyne.NewSize(760, 520))
	d.Show()
	load("")
}

// ---- saving and submitting ----

// leave saves unsaved edits before the screen goes.
func (f *RegistrationForm) leave() { f.save.leave() }

func (f *RegistrationForm) onBackTapped() {
	if f.isNew && !f.save.dirty {
		f.env.nav.openList()
		return
	}
	f.env.nav.openProject(f.p.ID)
}

func (f *RegistrationForm) onShowProblemsTapped() {
	f.showAll = true
	f.revalidate()
	// Scroll to the first field with a problem.
	for _, pr := range f.problems {
		l := f.labelFor(pr.Path)
		e, ok := f.errs[l]
		if !ok {
			continue
		}
		drv := fyne.CurrentApp().Driver()
		y := drv.AbsolutePositionForObject(e).Y - drv.AbsolutePositionForObject(f.body).Y
		f.scroll.ScrollToOffset(fyne.NewPos(0, max(0, y-120)))
		return
	}
}

func (f *RegistrationForm) onSubmitTapped() {
	f.save.applyAfterSave(f.submit, f.p.ID, domain.Command{Action: domain.ActSubmit}, f.revalidate)
}

// ---- choosing the kind of a new registration ----

// KindChooser starts a new registration: 本地化 / SaaS / 历史项目升级扩展
// (which is raised on an existing project), and lists the person's drafts.
type KindChooser struct {
	widget.BaseWidget
	env    *env
	drafts *fyne.Container
	root   fyne.CanvasObject
}

// NewKindChooser builds the chooser.
func NewKindChooser(e *env) *KindChooser {
	c := &KindChooser{env: e, drafts: container.NewVBox()}
	c.ExtendBaseWidget(c)
	cards := container.NewGridWithColumns(3)
	for _, k := range domain.Kinds {
		stages := domain.Stages(k)
		names := make([]string, len(stages))
		for i, s := range stages {
			names[i] = stageLabel(s, k)
		}
		flow := widget.NewLabel(strings.Join(names, " → "))
		flow.Wrapping = fyne.TextWrapWord
		desc := widget.NewLabel(lang.L("new.desc." + string(k)))
		desc.Wrapping = fyne.TextWrapWord
		start := widget.NewButtonWithIcon(lang.L("new.start"), theme.DocumentCreateIcon(), func() { c.onKindTapped(k) })
		start.Importance = widget.HighImportance
		cards.Add(widget.NewCard(kindLabel(k), k.FormName(), container.NewVBox(flow, desc, start)))
	}
	c.root = container.NewPadded(container.NewBorder(
		container.NewVBox(pageHeader(lang.L("new.title"), nil), note(lang.L("new.help")), cards,
			widget.NewSeparator(), heading(lang.L("new.drafts"))),
		nil, nil, nil, container.NewVScroll(c.drafts)))
	return c
}

// CreateRenderer implements fyne.Widget.
func (c *KindChooser) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(c.root)
}

// reload lists the person's drafts and returned registrations.
func (c *KindChooser) reload() {
	e := c.env
	e.run(func() {
		sums, err := e.Store.ListProjects(e.ctx, sqlite.Filter{OwnerID: e.User.ID})
		fyne.Do(func() {
			if err != nil {
				e.showError(err)
				return
			}
			c.drafts.RemoveAll()
			for _, s := range sums {
				if s.Status != domain.StatusDraft && s.Status != domain.StatusReturned {
					continue
				}
				id := s.ID
				open := widget.NewButton(lang.L("new.continue"), func() { c.onDraftTapped(id) })
				c.drafts.Add(container.NewBorder(nil, nil, nil, open,
					cell(kindLabel(s.Kind)+" · "+s.Title+" · "+statusLabel(s.Status)+" · "+timeText(s.UpdatedAt))))
			}
			if len(c.drafts.Objects) == 0 {
				c.drafts.Add(note(lang.L("new.noDrafts")))
			}
		})
	})
}

func (c *KindChooser) onKindTapped(k domain.Kind) {
	e := c.env
	id, err := e.NewID()
	if err != nil {
		e.showError(err)
		return
	}
	p := domain.NewProject(id, k, e.User, e.Now())
	if k != domain.KindUpgrade {
		e.nav.openRegistration(p)
		return
	}
	pickParent(e, func(parent *domain.Project) {
		r := &p.Registration
		r.ParentID = parent.ID
		pr := parent.Registration
		r.Customer = pr.Customer
		r.Background = pr.Background
		if r.SalesID == "" {
			r.SalesID = pr.SalesID
		}
		e.nav.openRegistration(p)
	})
}

func (c *KindChooser) onDraftTapped(id string) {
	e := c.env
	e.run(func() {
		p, err := e.Store.Project(e.ctx, id)
		fyne.Do(func() {
			if err != nil {
				e.showError(err)
				return
			}
			e.nav.openRegistration(p)
		})
	})
}
