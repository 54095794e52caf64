package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// attentionStore is what the needs-attention list (需处理) does with the
// local store: list the changes the server refused, send one again, give
// one up, or delete the draft of a new project the server never took.
type attentionStore interface {
	Attention(ctx context.Context) ([]sqlite.Attention, error)
	RetryNeedsAttention(ctx context.Context, changeID string) error
	DiscardNeedsAttention(ctx context.Context, actorID, changeID string) (sqlite.SaveResult, error)
	DeleteRefusedDraft(ctx context.Context, actor domain.User, changeID string) error
}

// attentionDialog is the needs-attention list: each change the server
// refused with its project, what it changed, the server's reason and when
// it was made, and what the person can do: 重试 (send it again as it is
// now, then sync), 放弃修改 (take the server's values; for a new project
// the server never took, 从本机删除 instead) and 打开项目. It follows the
// sync engine: a retried change the server refuses again comes back with
// the new reason.
type attentionDialog struct {
	env     *env
	box     *fyne.Container
	d       dialog.Dialog
	entries []sqlite.Attention
	closed  func()
}

func newAttentionDialog(e *env, closed func()) *attentionDialog {
	a := &attentionDialog{env: e, box: container.NewVBox(), closed: closed}
	scroll := container.NewVScroll(a.box)
	scroll.SetMinSize(fyne.NewSize(720, 420))
	a.d = dialog.NewCustom(lang.L("sync.attentionTitle"), lang.L("common.close"), scroll, e.win)
	a.d.SetOnClosed(func() {
		if a.closed != nil {
			a.closed()
		}
	})
	return a
}

func (a *attentionDialog) show() {
	a.reload()
	a.d.Show()
}

// reload reads the list again (off the UI goroutine) and shows it.
func (a *attentionDialog) reload() {
	e := a.env
	e.run(func() {
		list, err := e.Store.Attention(e.ctx)
		fyne.Do(func() {
			if err != nil {
				e.showError(err)
				return
			}
			a.entries = list
			a.render()
		})
	})
}

func (a *attentionDialog) render() {
	a.box.RemoveAll()
	a.box.Add(note(lang.L("sync.attentionHelp")))
	if len(a.entries) == 0 {
		a.box.Add(widget.NewLabelWithStyle(lang.L("sync.attentionNone"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true}))
	}
	for _, c := range a.entries {
		a.box.Add(widget.NewSeparator())
		a.box.Add(a.entry(c))
	}
	a.box.Refresh()
}

// entry is one refused change with its buttons.
func (a *attentionDialog) entry(c sqlite.Attention) fyne.CanvasObject {
	e := a.env
	title := widget.NewLabelWithStyle(attentionProject(c)+" · "+lang.X("sync.attentionAt", "修改于 {{.T}}",
		map[string]any{"T": timeText(c.CreatedAt)}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	reason := widget.NewLabel(lang.X("sync.attentionReason", "服务器的原因：{{.Reason}}",
		map[string]any{"Reason": reasonText(c.Change, "\n")}))
	reason.Wrapping = fyne.TextWrapWord
	reason.Importance = widget.DangerImportance
	what := note(attentionWhat(c))

	retry := widget.NewButtonWithIcon(lang.L("sync.retry"), theme.ViewRefreshIcon(), func() { a.onRetry(c) })
	retry.Importance = widget.HighImportance
	var giveUp *widget.Button
	if c.Create {
		giveUp = widget.NewButtonWithIcon(lang.L("sync.deleteDraft"), theme.DeleteIcon(), func() { a.onDeleteDraft(c) })
	} else {
		giveUp = widget.NewButtonWithIcon(lang.L("sync.discard"), theme.ContentUndoIcon(), func() { a.onDiscard(c) })
	}
	giveUp.Importance = widget.DangerImportance
	id := c.ProjectID
	open := widget.NewButtonWithIcon(lang.L("sync.openProject"), theme.NavigateNextIcon(), func() {
		a.d.Hide()
		e.nav.openProject(id)
	})
	return container.NewVBox(title, what, reason, container.NewHBox(retry, giveUp, open))
}

// attentionProject names the change's project: its number and title.
func attentionProject(c sqlite.Attention) string {
	name := strings.TrimSpace(c.Title)
	if name == "" {
		name = c.ProjectID
	}
	if c.Number != "" {
		return c.Number + " " + name
	}
	return name
}

// attentionWhat says what the change does: the fields it changed (by
// their labels), the workflow action, or the creation of the project.
func attentionWhat(c sqlite.Attention) string {
	switch {
	case c.Create:
		return lang.L("sync.attentionCreate")
	case c.Command != nil:
		return lang.X("sync.attentionAction", "流程操作：{{.Action}}", map[string]any{"Action": actionLabel(c.Command.Action)})
	}
	return lang.X("sync.attentionFields", "修改了：{{.Fields}}", map[string]any{"Fields": fieldsText(c.Paths)})
}

// reasonText is why the server refused the change c, in the window's
// language: its sentence, then each field it names as "<label>：<why>"
// (the path for a field without a label), the parts joined by sep. A
// change refused before reasons were kept has its text as it was.
func reasonText(c sqlite.Change, sep string) string {
	r := c.Reason
	if r == nil {
		return c.LastError
	}
	parts := []string{localized(r.Message, r.English)}
	for _, p := range r.Problems {
		why := problemText(p)
		if p.Path != "" {
			why = lang.X("sync.reasonField", "{{.Field}}：{{.Reason}}", map[string]any{"Field": fieldLabel(p.Path), "Reason": why})
		}
		parts = append(parts, why)
	}
	return strings.Join(parts, sep)
}

// fieldsText lists field paths by their labels, each once.
func fieldsText(paths []string) string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		if l := fieldLabel(p); !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return strings.Join(out, lang.L("common.listSep"))
}

// onRetry sends the change again as the project is here now and asks for
// a sync; the list shows it again if the server refuses it again.
func (a *attentionDialog) onRetry(c sqlite.Attention) {
	e := a.env
	e.run(func() {
		err := e.Store.RetryNeedsAttention(e.ctx, c.ChangeID)
		fyne.Do(func() {
			if err != nil {
				e.showError(err)
			}
			e.changed() // counts, and a sync now
			a.reload()
		})
	})
}

// onDiscard gives the change up after the person confirms that what they
// typed is replaced by the server's values.
func (a *attentionDialog) onDiscard(c sqlite.Attention) {
	e := a.env
	msg := lang.X("sync.discardQ", "放弃这条修改？您在“{{.Fields}}”中填写的值将被服务器上的值替换，这条修改不会再发送。",
		map[string]any{"Fields": fieldsText(c.Paths)})
	if c.Command != nil {
		msg = lang.X("sync.discardActionQ", "放弃这个流程操作（{{.Action}}）？它不会再发送，项目保持服务器上的状态。",
			map[string]any{"Action": actionLabel(c.Command.Action)})
	}
	a.confirm(lang.L("sync.discard"), msg, func() {
		e.run(func() {
			_, err := e.Store.DiscardNeedsAttention(e.ctx, e.User.ID, c.ChangeID)
			fyne.Do(func() {
				if err != nil {
					e.showError(err)
				}
				e.changed()
				a.reload()
			})
		})
	})
}

// onDeleteDraft deletes the draft of a new project the server never took,
// after the person confirms.
func (a *attentionDialog) onDeleteDraft(c sqlite.Attention) {
	e := a.env
	a.confirm(lang.L("sync.deleteDraft"), lang.L("sync.deleteDraftQ"), func() {
		e.run(func() {
			err := e.Store.DeleteRefusedDraft(e.ctx, e.User, c.ChangeID)
			fyne.Do(func() {
				if err != nil {
					e.showError(err)
				}
				e.changed()
				a.reload()
			})
		})
	})
}

// confirm asks before giving something up; the confirming button says
// what it does.
func (a *attentionDialog) confirm(title, msg string, ok func()) {
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(title, title, lang.L("common.cancel"), container.NewGridWrap(fyne.NewSize(460, 90), text),
		func(yes bool) {
			if yes {
				ok()
			}
		}, a.env.win)
	d.Show()
}
