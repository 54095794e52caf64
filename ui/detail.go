package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// journalReader is what the detail screen reads of a project's history.
type journalReader interface {
	Journal(ctx context.Context, projectID string) ([]domain.JournalEntry, error)
}

// Detail is one project (项目详情): the stage timeline, the registration,
// the approval chain and history with comments, the journal of changes,
// the attachments, and the actions this person may take now.
type Detail struct {
	widget.BaseWidget

	env     *env
	id      string
	p       *domain.Project
	journal []domain.JournalEntry
	parent  *domain.Project
	content *fyne.Container
	root    fyne.CanvasObject
}

// NewDetail builds the screen of project id; it loads when shown.
func NewDetail(e *env, id string) *Detail {
	d := &Detail{env: e, id: id}
	d.ExtendBaseWidget(d)
	d.content = container.NewStack(container.NewCenter(widget.NewLabel(lang.L("common.loading"))))
	d.root = container.NewPadded(d.content)
	return d
}

// CreateRenderer implements fyne.Widget.
func (d *Detail) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(d.root)
}

// reload reads the project and its journal off the UI goroutine.
func (d *Detail) reload() {
	e := d.env
	e.run(func() {
		p, err := e.Store.Project(e.ctx, d.id)
		var journal []domain.JournalEntry
		var parent *domain.Project
		if err == nil {
			journal, err = e.Store.Journal(e.ctx, d.id)
		}
		if err == nil && p.Registration.ParentID != "" {
			parent, _ = e.Store.Project(e.ctx, p.Registration.ParentID) // a parent not synced yet shows its id
		}
		fyne.Do(func() {
			if err != nil {
				d.content.Objects = []fyne.CanvasObject{container.NewCenter(widget.NewLabel(errorText(err)))}
				d.content.Refresh()
				return
			}
			d.p, d.journal, d.parent = p, journal, parent
			d.content.Objects = []fyne.CanvasObject{d.build()}
			d.content.Refresh()
		})
	})
}

func (d *Detail) build() fyne.CanvasObject {
	p := d.p
	num := p.DisplayNumber()
	if num == domain.NumberPending {
		num = lang.L("project.numberPending")
	}
	sub := widget.NewLabel(kindLabel(p.Kind()) + " · " + p.Kind().NumberName() + " " + num + " · " + statusLabel(p.Status))
	export := widget.NewButtonWithIcon(lang.L("detail.exportRegistration"), theme.DocumentSaveIcon(), d.onExportRegistrationTapped)
	if d.env.ExportRegistration == nil {
		export.Disable()
	}
	top := container.NewVBox(
		pageHeader(p.Title(), d.env.nav.openList, export),
		sub,
		timeline(p),
		d.actions(),
	)
	if len(p.Conflicts) > 0 {
		warn := widget.NewButtonWithIcon(lang.X("detail.conflicts", "此项目有 {{.N}} 处同步冲突，请处理",
			map[string]any{"N": len(p.Conflicts)}), theme.WarningIcon(), d.env.nav.openConflicts)
		warn.Importance = widget.DangerImportance
		top.Add(warn)
	}
	tabs := container.NewAppTabs(
		container.NewTabItem(lang.L("detail.tab.overview"), container.NewVScroll(d.overview())),
		container.NewTabItem(lang.L("detail.tab.approvals"), container.NewVScroll(d.approvals())),
		container.NewTabItem(lang.L("detail.tab.journal"), d.journalList()),
		container.NewTabItem(lang.L("detail.tab.attachments"), container.NewVScroll(d.attachmentList())),
	)
	return container.NewBorder(top, nil, nil, nil, tabs)
}

// timeline shows the stages of the project's kind: done, current, to come.
func timeline(p *domain.Project) fyne.CanvasObject {
	stages := domain.Stages(p.Kind())
	cur := slices.Index(stages, p.Stage())
	done := p.Status == domain.StatusInitiated
	box := container.NewHBox()
	for i, s := range stages {
		if i > 0 {
			box.Add(widget.NewIcon(theme.NavigateNextIcon()))
		}
		b := newBadge()
		col := theme.ColorNameDisabled
		switch {
		case i < cur || done:
			col = theme.ColorNameSuccess
		case i == cur && (p.Status == domain.StatusRejected || p.Status == domain.StatusClosed):
			col = theme.ColorNameError
		case i == cur:
			col = theme.ColorNamePrimary
		}
		label := stageLabel(s, p.Kind())
		if s == domain.StageApproval && p.Approval != nil && !p.Approval.Special && p.Kind() != domain.KindUpgrade {
			label += lang.L("detail.noSpecial")
		}
		b.set(label, col)
		box.Add(b)
	}
	return box
}

// actions are the buttons for what this person may do now.
func (d *Detail) actions() fyne.CanvasObject {
	e, p := d.env, d.p
	allowed := p.Allowed(e.User, e.Org)
	box := container.NewHBox()
	add := func(text string, icon fyne.Resource, imp widget.Importance, tap func()) {
		b := widget.NewButtonWithIcon(text, icon, tap)
		b.Importance = imp
		box.Add(b)
	}
	if p.CanEditRegistration(e.User) {
		label := lang.L("detail.edit")
		if p.Status == domain.StatusReturned {
			label = lang.L("detail.editResubmit")
		}
		add(label, theme.DocumentCreateIcon(), widget.HighImportance, func() { e.nav.openRegistration(p) })
	}
	for _, a := range allowed {
		a := a
		switch a {
		case domain.ActApprove:
			add(actionLabel(a), theme.ConfirmIcon(), widget.SuccessImportance, func() { decide(e, p, a, d.reload) })
		case domain.ActReturn:
			add(actionLabel(a), theme.MailReplyIcon(), widget.WarningImportance, func() { decide(e, p, a, d.reload) })
		case domain.ActReject:
			add(actionLabel(a), theme.CancelIcon(), widget.DangerImportance, func() { decide(e, p, a, d.reload) })
		case domain.ActConfirmContract:
			add(actionLabel(a), theme.ConfirmIcon(), widget.HighImportance, d.onConfirmContractTapped)
		case domain.ActDiscard:
			add(actionLabel(a), theme.DeleteIcon(), widget.DangerImportance, d.onDiscardTapped)
		}
	}
	// What this person can do comes first, then what they can look at.
	if p.CanEditHandover(e.User) {
		add(lang.L("detail.handover"), theme.DocumentIcon(), widget.HighImportance, func() { e.nav.openHandover(p.ID) })
	}
	if p.CanEditInitiation(e.User) {
		add(lang.L("detail.initiate"), theme.FolderNewIcon(), widget.HighImportance, func() { e.nav.openInitiation(p.ID) })
	}
	if p.Handover != nil && !p.CanEditHandover(e.User) {
		add(lang.L("detail.viewHandover"), theme.DocumentIcon(), widget.MediumImportance, func() { e.nav.openHandover(p.ID) })
	}
	if p.Initiation != nil && !p.CanEditInitiation(e.User) {
		add(lang.L("detail.viewInitiation"), theme.FolderIcon(), widget.MediumImportance, func() { e.nav.openInitiation(p.ID) })
	}
	if step, ok := p.Approval.Waiting(); ok && p.Status == domain.StatusSubmitted && !p.WaitsFor(e.User) {
		box.Add(hint(lang.X("detail.waitingFor", "等待 {{.Step}} 审批", map[string]any{"Step": stepLabel(e.Org, step)})))
	}
	if len(box.Objects) == 0 {
		box.Add(hint(lang.L("detail.noActions")))
	}
	return box
}

// stepLabel names a step and, when one person decides it, that person.
func stepLabel(org *domain.Org, s domain.Step) string {
	l := s.Label
	if english() {
		l = roleLabel(s.Role)
	}
	if s.ApproverID != "" {
		l += "（" + org.UserName(s.ApproverID) + "）"
	}
	return l
}

// decide asks for the comment of an approval decision and applies it:
// approve (comment optional), return or reject (comment required).
func decide(e *env, p *domain.Project, a domain.Action, done func()) {
	comment := widget.NewMultiLineEntry()
	comment.SetMinRowsVisible(3)
	comment.Wrapping = fyne.TextWrapWord
	if a == domain.ActApprove {
		comment.SetPlaceHolder(lang.L("decide.optional"))
	} else {
		comment.SetPlaceHolder(lang.L("decide.required"))
		comment.Validator = func(s string) error {
			if strings.TrimSpace(s) == "" {
				return fmt.Errorf("%s", lang.L("decide.required"))
			}
			return nil
		}
	}
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("decide.project"), widget.NewLabel(p.Title())),
		widget.NewFormItem(lang.L("decide.comment"), comment),
	}
	dlg := dialog.NewForm(actionLabel(a), actionLabel(a), lang.L("common.cancel"), items, func(ok bool) {
		if ok {
			apply(e, p.ID, domain.Command{Action: a, Comment: comment.Text}, done)
		}
	}, e.win)
	dlg.Resize(fyne.NewSize(560, 300))
	dlg.Show()
	e.win.Canvas().Focus(comment)
}

// apply runs a workflow command off the UI goroutine; then runs on success.
func apply(e *env, id string, cmd domain.Command, then func()) {
	e.run(func() {
		_, err := e.Store.Apply(e.ctx, id, cmd, e.User, e.Org)
		fyne.Do(func() {
			if err != nil {
				e.showError(err)
				return
			}
			e.changed()
			if then != nil {
				then()
			}
		})
	})
}

func (d *Detail) onConfirmContractTapped() {
	e, p := d.env, d.p
	yes, no := lang.L("common.yes"), lang.L("common.no")
	answer := widget.NewRadioGroup([]string{yes, no}, nil)
	answer.Horizontal = true
	comment := widget.NewEntry()
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("detail.newContractQ"), answer),
		widget.NewFormItem(lang.L("decide.comment"), comment),
	}
	dialog.ShowForm(actionLabel(domain.ActConfirmContract), lang.L("common.ok"), lang.L("common.cancel"), items, func(ok bool) {
		if !ok || answer.Selected == "" {
			return
		}
		y := domain.No
		if answer.Selected == yes {
			y = domain.Yes
		}
		apply(e, p.ID, domain.Command{Action: domain.ActConfirmContract, Answer: y, Comment: comment.Text}, d.reload)
	}, e.win)
}

func (d *Detail) onDiscardTapped() {
	e, p := d.env, d.p
	dialog.ShowConfirm(actionLabel(domain.ActDiscard), lang.L("detail.discardQ"), func(ok bool) {
		if ok {
			apply(e, p.ID, domain.Command{Action: domain.ActDiscard}, e.nav.openList)
		}
	}, e.win)
}

// onExportRegistrationTapped renders the registration form (实施登记表 /
// 问题登记表) of the project as shown, naming an upgrade's original
// project, and asks where to save the PDF.
func (d *Detail) onExportRegistrationTapped() {
	e := d.env
	if e.ExportRegistration == nil || d.p == nil {
		return
	}
	p := copyProject(d.p)
	var parent *domain.Project
	if d.parent != nil {
		parent = copyProject(d.parent)
	}
	exportPDF(e, pdfExport{title: lang.L("detail.exportRegistration"), doc: lang.L("export.doc.registration"),
		fileName: registrationFileName(p),
		render:   func() ([]byte, error) { return e.ExportRegistration(p, parent, e.Org) }})
}

// registrationFileName is the suggested file name of the registration
// PDF: the project's name once initiated, else its registration title.
func registrationFileName(p *domain.Project) string {
	name := p.ProjectName()
	if strings.TrimSpace(name) == "" {
		name = p.Title()
	}
	return exportFileName(name, lang.L("detail.registrationFile"))
}

// kv is a two-column form of read-only values.
func kv(pairs ...string) fyne.CanvasObject {
	c := container.New(layout.NewFormLayout())
	for i := 0; i+1 < len(pairs); i += 2 {
		v := widget.NewLabel(pairs[i+1])
		v.Wrapping = fyne.TextWrapWord
		v.Selectable = true
		c.Add(formKey(pairs[i]))
		c.Add(v)
	}
	return c
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func joinOrDash(vs []string, sep string) string { return orDash(strings.Join(vs, sep)) }

// overview is the registration as a read-only summary.
func (d *Detail) overview() fyne.CanvasObject {
	e, p := d.env, d.p
	r := &p.Registration
	region, _ := e.Org.Region(r.Customer.Region)
	pairs := []string{
		lang.L("reg.shortName"), orDash(r.Customer.ShortName),
		lang.L("reg.fullName"), orDash(r.Customer.FullName),
		lang.L("reg.region"), orDash(region.Name),
		lang.L("reg.sales"), orDash(e.Org.UserName(r.SalesID)),
		lang.L("reg.presales"), orDash(e.Org.UserName(r.PresalesID)),
		lang.L("detail.owner"), orDash(e.Org.UserName(p.OwnerID)),
	}
	if r.Kind == domain.KindLocal {
		pairs = append(pairs, lang.L("reg.productLine"), orDash(r.ProductLine.Label()))
	}
	if r.Kind == domain.KindUpgrade {
		parent := r.ParentID
		if d.parent != nil {
			parent = d.parent.DisplayNumber() + " · " + d.parent.Title()
		}
		pairs = append(pairs, lang.L("reg.upgradeType"), orDash(r.UpgradeType.Label()), lang.L("reg.parent"), orDash(parent))
	}
	pairs = append(pairs,
		lang.L("detail.background"), orDash(domain.BackgroundText(r)),
		lang.L("reg.requirement"), orDash(r.Requirement),
	)
	if r.Kind != domain.KindUpgrade {
		pairs = append(pairs, lang.L("detail.productsServices"), orDash(domain.ProductsText(r)))
	}
	var people []string
	for _, s := range r.Stakeholders {
		people = append(people, strings.Join([]string{s.Name, s.Contact, s.Role}, " · "))
	}
	pairs = append(pairs,
		lang.L("reg.sec.scenarios"), joinOrDash(r.Scenarios, "、"),
		lang.L("reg.sec.systems"), domain.SystemsText(r),
		lang.L("reg.sec.stakeholders"), joinOrDash(people, "\n"),
		lang.L("reg.projectGroup"), orDash(r.ProjectGroup),
		lang.L("reg.sec.contract"), contractText(r),
		lang.L("reg.goLive"), orDash(string(r.Other.GoLive)),
		lang.L("reg.specialRequirements"), orDash(r.Other.SpecialRequirements),
		lang.L("reg.notes"), orDash(r.Other.Notes),
		lang.L("detail.updated"), timeText(p.UpdatedAt),
	)
	if name := p.ProjectName(); name != "" {
		pairs = append(pairs, lang.L("init.name"), name)
	}
	return kv(pairs...)
}

func contractText(r *domain.Registration) string {
	c := r.Contract
	if r.Kind == domain.KindUpgrade {
		s := lang.L("reg.newContract") + " " + yesNoLabel(c.NewContract)
		if !c.Amount.Blank() {
			s += "，" + lang.L("reg.amount") + " " + string(c.Amount)
		}
		return s + "，" + lang.L("reg.signed") + " " + yesNoLabel(c.Signed)
	}
	return lang.L("reg.signed") + " " + yesNoLabel(c.Signed) + "，" + lang.L("reg.firstPayment") + " " + yesNoLabel(c.FirstPayment)
}

// approvals is the current round's chain and every decision with its comment.
func (d *Detail) approvals() fyne.CanvasObject {
	e, p := d.env, d.p
	box := container.NewVBox()
	if a := p.Approval; a != nil {
		title := lang.X("detail.round", "第 {{.N}} 轮审批", map[string]any{"N": a.Round})
		if a.Special {
			title += lang.L("detail.special")
		}
		box.Add(heading(title))
		for i, s := range a.Steps {
			state, icon := lang.L("detail.stepTodo"), theme.RadioButtonIcon()
			switch {
			case i < a.Current:
				state, icon = lang.L("detail.stepDone"), theme.ConfirmIcon()
				for _, dec := range p.Decisions {
					if dec.Round == a.Round && dec.Step == i {
						state += " · " + e.Org.UserName(dec.ActorID)
					}
				}
			case i == a.Current && p.Status == domain.StatusSubmitted:
				state, icon = lang.L("detail.stepWaiting"), theme.MoreHorizontalIcon()
			case i == a.Current:
				state, icon = statusLabel(p.Status), theme.CancelIcon()
			}
			box.Add(container.NewHBox(widget.NewIcon(icon), widget.NewLabel(fmt.Sprintf("%d. %s", i+1, stepLabel(e.Org, s))),
				widget.NewLabelWithStyle(state, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})))
		}
		box.Add(widget.NewSeparator())
	}
	box.Add(heading(lang.L("detail.history")))
	if len(p.Decisions) == 0 {
		box.Add(note(lang.L("detail.noHistory")))
	}
	for i := len(p.Decisions) - 1; i >= 0; i-- {
		dec := p.Decisions[i]
		who := e.Org.UserName(dec.ActorID)
		if dec.Role != "" {
			who += "（" + roleLabel(dec.Role) + "）"
		}
		head := widget.NewLabelWithStyle(timeText(dec.At)+"  "+who+"  "+actionLabel(dec.Action)+decisionSuffix(dec),
			fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		box.Add(head)
		if dec.Comment != "" {
			c := widget.NewLabel(dec.Comment)
			c.Wrapping = fyne.TextWrapWord
			box.Add(c)
		}
		box.Add(widget.NewSeparator())
	}
	return box
}

func decisionSuffix(d domain.Decision) string {
	if d.Action == domain.ActConfirmContract {
		return "：" + yesNoLabel(d.Answer)
	}
	if d.Round > 0 && d.Step >= 0 {
		return lang.X("detail.roundStep", "（第 {{.R}} 轮第 {{.S}} 步）", map[string]any{"R": d.Round, "S": d.Step + 1})
	}
	return ""
}

// journalList is the journal of changes, newest first, virtualised (a
// long-lived project has thousands of lines).
func (d *Detail) journalList() fyne.CanvasObject {
	e := d.env
	j := d.journal
	if len(j) == 0 {
		return container.NewCenter(hint(lang.L("detail.noJournal")))
	}
	cols := columns{widths: []float32{140, 90, 220, 0}}
	l := widget.NewList(func() int { return len(j) },
		func() fyne.CanvasObject {
			return container.New(cols, newTextCell(), newTextCell(), newTextCell(), newTextCell())
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			en := j[len(j)-1-i]
			objs := o.(*fyne.Container).Objects
			setText(objs[0], timeText(en.At))
			who := e.Org.UserName(en.ActorID)
			if en.ActorID == sqlite.ServerActor {
				who = lang.L("detail.server")
			}
			setText(objs[1], who)
			setText(objs[2], fieldLabel(en.Path))
			setText(objs[3], journalValue(e.Org, en.Path, en.Old)+" → "+journalValue(e.Org, en.Path, en.New))
		})
	head := container.New(cols, colHead("detail.j.time"), colHead("detail.j.actor"), colHead("detail.j.field"), colHead("detail.j.change"))
	return container.NewBorder(container.NewVBox(head, widget.NewSeparator()), nil, nil, nil, l)
}

var indexRE = regexp.MustCompile(`\[([0-9]+)\]`)

// fieldLabels name the journal's field paths in the UI's language.
var fieldLabels = map[string]string{
	"status":                                  "field.status",
	"number":                                  "field.number",
	"registration.customer.short_name":        "reg.shortName",
	"registration.customer.full_name":         "reg.fullName",
	"registration.customer.region":            "reg.region",
	"registration.sales_id":                   "reg.sales",
	"registration.presales_id":                "reg.presales",
	"registration.product_line":               "reg.productLine",
	"registration.upgrade_type":               "reg.upgradeType",
	"registration.parent_id":                  "reg.parent",
	"registration.background.user_scale":      "reg.userScale",
	"registration.background.signing_volume":  "reg.signingVolume",
	"registration.background.seal_count":      "reg.sealCount",
	"registration.background.nature":          "reg.nature",
	"registration.background.main_business":   "reg.mainBusiness",
	"registration.requirement":                "reg.requirement",
	"registration.products":                   "reg.products",
	"registration.services.timestamp":         "reg.timestamp",
	"registration.services.realname":          "reg.realname",
	"registration.services.intent":            "reg.intent",
	"registration.certificate.form":           "reg.certForm",
	"registration.certificate.vendor":         "reg.certVendor",
	"registration.certificate.channels":       "reg.channels",
	"registration.seal_handling":              "reg.sealHandling",
	"registration.scenarios":                  "reg.sec.scenarios",
	"registration.integration":                "reg.integration",
	"registration.systems.type":               "reg.systemType",
	"registration.systems.name":               "reg.systemName",
	"registration.systems.vendor":             "reg.systemVendor",
	"registration.systems.version":            "reg.systemVersion",
	"registration.customization.needed":       "reg.customization",
	"registration.customization.description":  "reg.customizationDesc",
	"registration.stakeholders.name":          "reg.stakeholderName",
	"registration.stakeholders.contact":       "reg.stakeholderContact",
	"registration.stakeholders.role":          "reg.stakeholderRole",
	"registration.project_group":              "reg.projectGroup",
	"registration.contract.signed":            "reg.signed",
	"registration.contract.first_payment":     "reg.firstPayment",
	"registration.contract.new_contract":      "reg.newContract",
	"registration.contract.amount":            "reg.amount",
	"registration.other.go_live":              "reg.goLive",
	"registration.other.notes":                "reg.notes",
	"registration.other.special_requirements": "reg.specialRequirements",
	"registration.attachments.name":           "field.attachment",
}

// fieldLabel names a field path for people: 干系人姓名 #2 for
// registration.stakeholders[1].name; unknown paths show as they are.
func fieldLabel(path string) string {
	plain := indexRE.ReplaceAllString(path, "")
	key, ok := fieldLabels[plain]
	if !ok {
		return path
	}
	out := lang.L(key)
	for _, m := range indexRE.FindAllStringSubmatch(path, -1) {
		var n int
		fmt.Sscan(m[1], &n)
		out += fmt.Sprintf(" #%d", n+1)
	}
	return out
}

// journalValue shows a journaled value for people: statuses, answers,
// people and regions by name, the rest as domain.DisplayValue does.
func journalValue(org *domain.Org, path, js string) string {
	var s string
	if json.Unmarshal([]byte(js), &s) != nil || s == "" {
		return domain.DisplayValue(js)
	}
	leaf := path[strings.LastIndex(path, ".")+1:]
	switch {
	case path == "status":
		return statusLabel(domain.Status(s))
	case s == "yes" || s == "no":
		return yesNoLabel(domain.YesNo(s))
	case strings.HasSuffix(leaf, "_id") || leaf == "owner":
		if u, ok := org.User(s); ok {
			return u.Name
		}
	case leaf == "region":
		if r, ok := org.Region(s); ok {
			return r.Name
		}
	case leaf == "product_line":
		return lang.X("line."+s, s)
	case leaf == "upgrade_type":
		return lang.X("upgrade."+s, s)
	case leaf == "kind":
		return kindLabel(domain.Kind(s))
	}
	return s
}

// attachmentList lists the registration's files with their sizes.
func (d *Detail) attachmentList() fyne.CanvasObject {
	e, p := d.env, d.p
	box := container.NewVBox()
	if len(p.Registration.Attachments) == 0 {
		box.Add(note(lang.L("attach.none")))
	}
	for _, a := range p.Registration.Attachments {
		role := lang.L("attach.role.other")
		if a.Role == domain.AttachPresales {
			role = lang.L("attach.role.presales")
		}
		open := widget.NewButtonWithIcon(lang.L("attach.open"), theme.FileIcon(), func() { openAttachment(e, a) })
		box.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()),
			container.NewHBox(widget.NewLabel(sizeText(a.Size)), widget.NewLabel(role), open), cell(a.Name)))
	}
	return box
}
