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
}

// Home is the first screen (首页): the product name, the one-line flow
// 登记 → 特批 → 交接 → 立项, and an overview of the local installation.
type Home struct {
	widget.BaseWidget

	org, user, projects, dataDir *widget.Label
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

	note := widget.NewLabel(lang.L("home.comingSoon"))
	note.Importance = widget.LowImportance
	note.Wrapping = fyne.TextWrapWord

	h.content = container.NewPadded(container.NewVBox(title, tagline, card, note))
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
