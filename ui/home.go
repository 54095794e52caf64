package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// HomeInfo is what the first screen summarises about this installation.
// Empty strings show as "未设置" (not set).
type HomeInfo struct {
	OrgName      string
	UserName     string
	ProjectCount int
	DataDir      string
	// Recent are the most recently changed projects, one line each.
	Recent []ProjectLine
}

// ProjectLine is one project as the home screen lists it.
type ProjectLine struct {
	Number string // the registration number, or 待分配
	Title  string // the derived title
	Kind   string // 本地化项目 / SaaS项目 / 历史项目升级扩展
	Status string // 草稿 / 审批中 / …
}

// Home is the first screen (首页): the product name, the one-line flow
// 登记 → 特批 → 交接 → 立项, and an overview of the local installation.
type Home struct {
	widget.BaseWidget

	org, user, projects, dataDir *widget.Label
	recent                       []ProjectLine
	recentList                   *widget.List
	content                      fyne.CanvasObject
}

// NewHome builds the first screen showing info.
func NewHome(info HomeInfo) *Home {
	h := &Home{
		org:      widget.NewLabel(""),
		user:     widget.NewLabel(""),
		projects: widget.NewLabel(""),
		dataDir:  widget.NewLabel(""),
	}
	h.dataDir.Wrapping = fyne.TextWrapBreak

	title := widget.NewRichText(&widget.TextSegment{
		Text:  lang.L("app.name"),
		Style: widget.RichTextStyleHeading,
	})
	tagline := widget.NewLabel(lang.L("app.tagline"))
	tagline.Wrapping = fyne.TextWrapWord

	summary := container.New(layout.NewFormLayout(),
		formKey(lang.L("home.org")), h.org,
		formKey(lang.L("home.user")), h.user,
		formKey(lang.L("home.projects")), h.projects,
		formKey(lang.L("home.dataDir")), h.dataDir,
	)
	card := widget.NewCard(lang.L("home.summary"), "", summary)

	h.recentList = widget.NewList(
		func() int { return len(h.recent) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewLabel("SSDJ-0000-0000"), widget.NewLabel(""), layout.NewSpacer(), widget.NewLabel(""))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			row, line := o.(*fyne.Container), h.recent[id]
			row.Objects[0].(*widget.Label).SetText(line.Number)
			row.Objects[1].(*widget.Label).SetText(line.Title)
			row.Objects[3].(*widget.Label).SetText(line.Kind + " · " + line.Status)
		})
	recentCard := widget.NewCard(lang.L("home.recent"), "", h.recentList)

	top := container.NewVBox(title, tagline, card)
	h.content = container.NewPadded(container.NewBorder(top, nil, nil, nil, recentCard))
	h.ExtendBaseWidget(h)
	h.SetInfo(info)
	return h
}

// SetInfo shows new summary values. Like every widget change it must run on
// the Fyne UI goroutine (use fyne.Do from background work).
func (h *Home) SetInfo(info HomeInfo) {
	h.org.SetText(orUnset(info.OrgName))
	h.user.SetText(orUnset(info.UserName))
	h.projects.SetText(strconv.Itoa(info.ProjectCount))
	h.dataDir.SetText(orUnset(info.DataDir))
	h.recent = info.Recent
	h.recentList.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (h *Home) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(h.content)
}

func formKey(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
}

func orUnset(s string) string {
	if s == "" {
		return lang.L("home.unset")
	}
	return s
}
