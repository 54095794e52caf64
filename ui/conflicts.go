package ui

import (
	"context"
	"encoding/json"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// Conflicts is the conflict screen (同步冲突): for each project where two
// people changed a field differently while apart, both values side by
// side; the person keeps one or types a merged value.
type Conflicts struct {
	widget.BaseWidget

	env      *env
	projects []*domain.Project
	current  *domain.Project
	list     *widget.List
	fields   *fyne.Container
	count    *widget.Label
	root     fyne.CanvasObject
}

// NewConflicts builds the screen; it loads when shown.
func NewConflicts(e *env) *Conflicts {
	c := &Conflicts{env: e}
	c.ExtendBaseWidget(c)
	c.list = widget.NewList(func() int { return len(c.projects) },
		func() fyne.CanvasObject { return container.NewVBox(cell(""), note("")) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			p := c.projects[i]
			objs := o.(*fyne.Container).Objects
			setText(objs[0], p.Title())
			objs[1].(*widget.Label).SetText(lang.X("conflicts.n", "{{.N}} 处冲突", map[string]any{"N": len(p.Conflicts)}))
		})
	c.list.OnSelected = func(i widget.ListItemID) {
		c.current = c.projects[i]
		c.showFields()
	}
	c.fields = container.NewVBox()
	c.count = widget.NewLabel("")
	split := container.NewHSplit(c.list, container.NewVScroll(container.NewPadded(c.fields)))
	split.Offset = 0.3
	c.root = container.NewPadded(container.NewBorder(
		container.NewVBox(pageHeader(lang.L("conflicts.title"), nil, c.count), note(lang.L("conflicts.help"))),
		nil, nil, nil, split))
	c.showFields()
	return c
}

// CreateRenderer implements fyne.Widget.
func (c *Conflicts) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(c.root)
}

// reload finds the projects with open conflicts off the UI goroutine.
func (c *Conflicts) reload() {
	e := c.env
	c.count.SetText(lang.L("common.loading"))
	e.run(func() {
		ps, err := scanConflicts(e.ctx, e.Store)
		fyne.Do(func() {
			if err != nil {
				e.showError(err)
				return
			}
			c.setProjects(ps)
		})
	})
}

func (c *Conflicts) setProjects(ps []*domain.Project) {
	c.projects = ps
	c.count.SetText(lang.X("conflicts.count", "{{.N}} 个项目有冲突", map[string]any{"N": len(ps)}))
	c.list.UnselectAll()
	c.list.Refresh()
	c.current = nil
	if len(ps) > 0 {
		c.list.Select(0)
	}
	c.showFields()
}

// showFields shows each conflict of the chosen project: mine and theirs,
// the value both started from, and the ways to settle it.
func (c *Conflicts) showFields() {
	c.fields.RemoveAll()
	p := c.current
	if p == nil {
		c.fields.Add(note(lang.L("conflicts.none")))
		return
	}
	e := c.env
	c.fields.Add(heading(p.Title()))
	for _, cf := range p.Conflicts {
		cf := cf
		who := e.Org.UserName(cf.ActorID)
		if cf.ActorID == "" || cf.ActorID == e.User.ID {
			who = lang.L("conflicts.me")
		}
		merged := widget.NewEntry()
		merged.SetPlaceHolder(lang.L("conflicts.mergedHint"))
		merged.SetText(domain.DisplayValue(cf.Theirs))
		id := cf.ID() // the conflict's identity, not its place in the list
		keepMine := widget.NewButtonWithIcon(lang.L("conflicts.keepMine"), theme.ConfirmIcon(), func() { c.onResolveTapped(id, cf.Mine) })
		keepTheirs := widget.NewButtonWithIcon(lang.L("conflicts.keepTheirs"), theme.ConfirmIcon(), func() { c.onResolveTapped(id, cf.Theirs) })
		useMerged := widget.NewButtonWithIcon(lang.L("conflicts.useMerged"), theme.DocumentCreateIcon(), func() {
			c.onResolveTapped(id, mergedJSON(merged.Text, cf.Theirs, cf.Mine))
		})
		keepMine.Importance = widget.HighImportance
		c.fields.Add(widget.NewCard(fieldLabel(cf.Path), lang.X("conflicts.sub", "{{.Who}} 于 {{.At}} 的修改与现有值不同",
			map[string]any{"Who": orDash(who), "At": timeText(cf.At)}),
			container.NewVBox(
				kv(lang.X("conflicts.mine", "{{.Who}}的修改", map[string]any{"Who": who}), domain.DisplayValue(cf.Mine),
					lang.L("conflicts.theirs"), domain.DisplayValue(cf.Theirs),
					lang.L("conflicts.base"), domain.DisplayValue(cf.Base)),
				container.NewHBox(keepMine, keepTheirs),
				container.NewBorder(nil, nil, widget.NewLabel(lang.L("conflicts.merged")), useMerged, merged),
			)))
	}
}

// mergedJSON turns a typed value into the JSON the field holds, shaped
// like the values in conflict: text, a list (split at 、), a number or a
// yes/no.
func mergedJSON(text, theirs, mine string) string {
	var shape any
	if json.Unmarshal([]byte(theirs), &shape) != nil || shape == nil {
		_ = json.Unmarshal([]byte(mine), &shape)
	}
	text = strings.TrimSpace(text)
	var out any = text
	switch shape.(type) {
	case []any:
		out = splitList(text)
	case float64:
		var n json.Number
		if json.Unmarshal([]byte(text), &n) == nil {
			out = n
		}
	case bool:
		out = text == lang.L("common.yes") || strings.EqualFold(text, "true") || text == "是"
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// conflictResolver is how the screen settles a conflict in the store
// (*sqlite.Store is one): by its identity, on the project as stored now.
type conflictResolver interface {
	ResolveConflict(ctx context.Context, actorID, projectID, id, value string) (sqlite.SaveResult, error)
}

// onResolveTapped settles one conflict, named by its identity
// (domain.Conflict.ID), with value.
func (c *Conflicts) onResolveTapped(id, value string) {
	e, p := c.env, c.current
	if p == nil {
		return
	}
	e.run(func() {
		var err error
		if r, ok := e.Store.(conflictResolver); ok {
			_, err = r.ResolveConflict(e.ctx, e.User.ID, p.ID, id, value)
		} else {
			var out *domain.Project
			if out, err = domain.ResolveConflict(p, id, value); err == nil {
				_, err = e.Store.SaveProject(e.ctx, e.User.ID, out)
			}
		}
		if err == nil {
			e.refreshConflicts()
		}
		fyne.Do(func() {
			if err != nil {
				e.showError(err)
				return
			}
			e.changed()
			c.reload()
		})
	})
}
