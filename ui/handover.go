package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
)

// HandoverScreen records the handover meeting (项目会议交接, SPEC §3):
// time and place, the participants of the kind (pre-filled from the
// registration), each content item, decisions and action items with owner
// and due date; it completes the handover and exports the minutes as PDF.
type HandoverScreen struct {
	widget.BaseWidget
	projectForm

	h *domain.Handover

	participants, decisions, actions *fyne.Container
	complete                         *widget.Button
}

// NewHandoverScreen builds the screen of project id; it loads when shown.
func NewHandoverScreen(e *env, id string) *HandoverScreen {
	s := &HandoverScreen{}
	s.ExtendBaseWidget(s)
	s.init(e, id, s.revalidate)
	return s
}

// reload reads the project; a handover not yet recorded is pre-filled.
func (s *HandoverScreen) reload() {
	if s.p != nil {
		return // keep the edits of this visit
	}
	e := s.env
	e.run(func() {
		p, err := e.Store.Project(e.ctx, s.id)
		fyne.Do(func() {
			if err != nil {
				e.showError(err)
				return
			}
			s.setProject(p)
		})
	})
}

func (s *HandoverScreen) setProject(p *domain.Project) {
	e := s.env
	s.p = p
	s.editable = p.CanEditHandover(e.User)
	if p.Handover == nil {
		p.Handover = domain.NewHandover(p, e.Org, e.User)
	}
	s.h = p.Handover
	s.showForm(s.build())
	s.revalidate()
}

func (s *HandoverScreen) revalidate() {
	ps := domain.ValidateHandover(s.h)
	s.show(ps)
	s.enableWhen(s.complete, len(ps) == 0)
}

func (s *HandoverScreen) build() fyne.CanvasObject {
	e, p, h := s.env, s.p, s.h
	defer s.hush()()

	export := widget.NewButtonWithIcon(lang.L("handover.export"), theme.DocumentSaveIcon(), s.onExportTapped)
	if s.editable {
		s.complete = formAction(actionLabel(domain.ActCompleteHandover), theme.ConfirmIcon(), s.onCompleteTapped)
	}
	header := container.NewVBox(
		formHeader(heading(lang.L("handover.title")+" · "+p.Title()), func() { e.nav.openProject(p.ID) },
			s.save, s.complete, export),
		note(lang.X("handover.sub", "{{.Kind}} · 组织者：{{.Organiser}}（{{.Role}}）",
			map[string]any{"Kind": kindLabel(p.Kind()), "Organiser": e.Org.UserName(h.OrganiserID),
				"Role": roleLabel(domain.HandoverRole(p.Kind()))})),
	)
	if e.Export == nil {
		export.Disable()
		header.Add(note(lang.L("handover.exportUnavailable")))
	}
	if !s.editable {
		header.Add(note(lang.L("handover.readOnly")))
	}

	when := widget.NewEntry()
	bindText(when, lang.L("handover.timeHint"), &h.Time, func() { s.edited("time") })
	place := widget.NewEntry()
	bindText(place, lang.L("handover.placeHint"), &h.Place, func() { s.edited("place") })

	s.participants = container.NewVBox()
	s.rebuildParticipants()
	addPart := widget.NewButtonWithIcon(lang.L("handover.addParticipant"), theme.ContentAddIcon(), s.onAddParticipantTapped)

	items := container.NewVBox()
	for i := range h.Items {
		it := &h.Items[i]
		path := fmt.Sprintf("items[%d].content", i)
		en := widget.NewMultiLineEntry()
		en.Wrapping = fyne.TextWrapWord
		en.SetMinRowsVisible(3)
		en.SetText(it.Content)
		en.OnChanged = func(v string) { it.Content = v; s.edited(path) }
		items.Add(labelled(lang.X("handover.item."+it.Key, it.Title), en, s.field(path, en)))
	}

	s.decisions = container.NewVBox()
	s.rebuildDecisions()
	addDec := widget.NewButtonWithIcon(lang.L("handover.addDecision"), theme.ContentAddIcon(), s.onAddDecisionTapped)
	s.actions = container.NewVBox()
	s.rebuildActions()
	addAct := widget.NewButtonWithIcon(lang.L("handover.addAction"), theme.ContentAddIcon(), s.onAddActionTapped)

	body := container.NewVBox(s.general,
		section(lang.L("handover.sec.meeting"), grid(
			labelled(lang.L("handover.time"), when, s.field("time", when)),
			labelled(lang.L("handover.place"), place, s.field("place", place)))),
		section(lang.L("handover.sec.participants"),
			note(lang.X("handover.rolesHint", "本类项目的参会角色：{{.Roles}}",
				map[string]any{"Roles": strings.Join(domain.HandoverParticipantRoles(&p.Registration), "、")})),
			s.participants, container.NewHBox(addPart), s.field("participants", nil)),
		section(lang.L("handover.sec.items"), items),
		section(lang.L("handover.sec.decisions"), s.decisions, container.NewHBox(addDec)),
		section(lang.L("handover.sec.actions"), s.actions, container.NewHBox(addAct)),
	)
	if !s.editable {
		disableAll(body)
	}
	page, _ := formPage(header, body)
	return page
}

// userNames are the directory's people, for name suggestions.
func userNames(org *domain.Org) []string {
	var out []string
	for _, u := range org.Users {
		if !u.Disabled {
			out = append(out, u.Name)
		}
	}
	return out
}

func (s *HandoverScreen) rebuildParticipants() {
	defer s.hush()()
	h, e := s.h, s.env
	s.forget("participants")
	s.participants.RemoveAll()
	names := userNames(e.Org)
	for i := range h.Participants {
		pt := &h.Participants[i]
		path := fmt.Sprintf("participants[%d]", i)
		role := widget.NewEntry()
		bindText(role, lang.L("handover.role"), &pt.Role, func() { s.edited(path + ".role") })
		name := widget.NewSelectEntry(names)
		name.SetPlaceHolder(lang.L("handover.name"))
		name.SetText(pt.Name)
		name.OnChanged = func(v string) {
			pt.Name = v
			pt.UserID = ""
			for _, u := range e.Org.Users {
				if u.Name == v {
					pt.UserID = u.ID
				}
			}
			s.edited(path + ".name")
		}
		absent := widget.NewCheck(lang.L("handover.absent"), func(b bool) { pt.Absent = b; s.edited(path + ".absent") })
		absent.SetChecked(pt.Absent)
		del := iconButton(theme.DeleteIcon(), func() { s.onRemoveParticipantTapped(i) })
		row := container.NewGridWithColumns(2,
			container.NewVBox(role, s.field(path+".role", role)),
			container.NewVBox(name, s.field(path+".name", name)))
		s.participants.Add(container.NewBorder(nil, nil, nil, container.NewHBox(absent, del), row))
	}
}

func (s *HandoverScreen) onAddParticipantTapped() {
	s.h.Participants = append(s.h.Participants, domain.Participant{})
	s.rebuildParticipants()
	s.edited("participants")
}

func (s *HandoverScreen) onRemoveParticipantTapped(i int) {
	s.h.Participants = slices.Delete(s.h.Participants, i, i+1)
	s.rebuildParticipants()
	s.edited("participants")
}

func (s *HandoverScreen) rebuildDecisions() {
	defer s.hush()()
	h := s.h
	s.forget("decisions")
	s.decisions.RemoveAll()
	for i := range h.Decisions {
		path := fmt.Sprintf("decisions[%d]", i)
		en := widget.NewEntry()
		bindText(en, lang.L("handover.decisionHint"), &h.Decisions[i], func() { s.edited(path) })
		del := iconButton(theme.DeleteIcon(), func() { s.onRemoveDecisionTapped(i) })
		s.decisions.Add(container.NewBorder(nil, nil, widget.NewLabel(fmt.Sprintf("%d.", i+1)), del,
			container.NewVBox(en, s.field(path, en))))
	}
}

func (s *HandoverScreen) onAddDecisionTapped() {
	s.h.Decisions = append(s.h.Decisions, "")
	s.rebuildDecisions()
	s.edited("decisions")
}

func (s *HandoverScreen) onRemoveDecisionTapped(i int) {
	s.h.Decisions = slices.Delete(s.h.Decisions, i, i+1)
	s.rebuildDecisions()
	s.edited("decisions")
}

func (s *HandoverScreen) rebuildActions() {
	defer s.hush()()
	h := s.h
	s.forget("action_items")
	s.actions.RemoveAll()
	names := userNames(s.env.Org)
	for i := range h.ActionItems {
		a := &h.ActionItems[i]
		path := fmt.Sprintf("action_items[%d]", i)
		task := widget.NewEntry()
		bindText(task, lang.L("handover.task"), &a.Task, func() { s.edited(path + ".task") })
		owner := widget.NewSelectEntry(names)
		bindText(&owner.Entry, lang.L("handover.owner"), &a.Owner, func() { s.edited(path + ".owner") })
		due := widget.NewEntry()
		bindText(due, lang.L("handover.dueHint"), &a.Due, func() { s.edited(path + ".due") })
		done := widget.NewCheck(lang.L("handover.done"), func(b bool) { a.Done = b; s.edited(path + ".done") })
		done.SetChecked(a.Done)
		del := iconButton(theme.DeleteIcon(), func() { s.onRemoveActionTapped(i) })
		row := container.NewGridWithColumns(3,
			container.NewVBox(task, s.field(path+".task", task)),
			container.NewVBox(owner, s.field(path+".owner", owner)),
			container.NewVBox(due, s.field(path+".due", due)))
		s.actions.Add(container.NewBorder(nil, nil, nil, container.NewHBox(done, del), row))
	}
}

func (s *HandoverScreen) onAddActionTapped() {
	s.h.ActionItems = append(s.h.ActionItems, domain.ActionItem{})
	s.rebuildActions()
	s.edited("action_items")
}

func (s *HandoverScreen) onRemoveActionTapped(i int) {
	s.h.ActionItems = slices.Delete(s.h.ActionItems, i, i+1)
	s.rebuildActions()
	s.edited("action_items")
}

func (s *HandoverScreen) onCompleteTapped() {
	s.showAll = true
	s.revalidate()
	s.save.applyAfterSave(s.complete, s.p.ID, domain.Command{Action: domain.ActCompleteHandover}, s.revalidate)
}

// onExportTapped renders the minutes of the handover as on screen with
// the wired exporter and asks where to save the PDF.
func (s *HandoverScreen) onExportTapped() {
	e := s.env
	if e.Export == nil {
		return
	}
	p := copyProject(s.p)
	exportPDF(e, pdfExport{title: lang.L("handover.export"), doc: lang.L("export.doc.minutes"), fileName: minutesFileName(p),
		render: func() ([]byte, error) { return e.Export(p, e.Org) }})
}

// minutesFileName is the suggested file name of the minutes PDF.
func minutesFileName(p *domain.Project) string {
	name := p.Registration.Customer.ShortName
	if strings.TrimSpace(name) == "" {
		name = p.DisplayNumber()
	}
	return exportFileName(name, lang.L("handover.minutesFile"))
}
