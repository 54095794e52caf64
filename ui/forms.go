package ui

import (
	"regexp"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
)

// What the three forms (registration, handover, initiation) share: the
// header with the save state and the form's one action, the page that
// scrolls under it, the problem lines beside their fields, saving drafts
// as people type, and applying the action after a last save.

// formHeader is the top line of a form: back, the title, the save state,
// any extra buttons, and the form's action (提交 / 完成交接 / 立项) last.
// action is nil on a read-only view, which has nothing to save either: it
// shows no save state.
func formHeader(title *widget.Label, back func(), save *saver, action *widget.Button, extra ...fyne.CanvasObject) fyne.CanvasObject {
	var trailing []fyne.CanvasObject
	if action != nil {
		trailing = append(trailing, save.state)
	}
	trailing = append(trailing, extra...)
	if action != nil {
		trailing = append(trailing, action)
	}
	return pageHeaderWith(title, back, trailing...)
}

// formAction is a form's action button, emphasised.
func formAction(label string, icon fyne.Resource, tap func()) *widget.Button {
	b := widget.NewButtonWithIcon(label, icon, tap)
	b.Importance = widget.HighImportance
	return b
}

// formPage lays a form out: its header above a line, its body scrolling
// below.
func formPage(header, body fyne.CanvasObject) (fyne.CanvasObject, *container.Scroll) {
	scroll := container.NewVScroll(container.NewPadded(body))
	return container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil, scroll), scroll
}

// hushing makes a form's widget callbacks not count as edits while the
// form fills its widgets from the data.
type hushing struct{ loading bool }

// hush starts a quiet spell; it ends when the returned function runs.
func (h *hushing) hush() func() {
	prev := h.loading
	h.loading = true
	return func() { h.loading = prev }
}

// problemLines puts each problem of a form beside its field: the line of
// the field's own path, or of the nearest enclosing field that has one.
// Problems of untouched fields wait until showAll (a reopened draft, or
// the person asked to see them).
type problemLines struct {
	errs    map[string]fieldError
	fields  map[string]fyne.CanvasObject
	touched map[string]bool
	showAll bool
	// general lists problems no field line takes.
	general fieldError
}

func newProblemLines(showAll bool) *problemLines {
	return &problemLines{errs: map[string]fieldError{}, fields: map[string]fyne.CanvasObject{},
		touched: map[string]bool{}, showAll: showAll, general: newFieldError()}
}

// field registers the problem line of path and the object that edits it.
func (pl *problemLines) field(path string, o fyne.CanvasObject) fieldError {
	e := newFieldError()
	pl.errs[path] = e
	if o != nil {
		pl.fields[path] = o
	}
	return e
}

// forget drops the lines of the rows under prefix (before a rebuild).
func (pl *problemLines) forget(prefix string) {
	for k := range pl.errs {
		if strings.HasPrefix(k, prefix+"[") {
			delete(pl.errs, k)
			delete(pl.fields, k)
		}
	}
}

var lastSegment = regexp.MustCompile(`(\[[0-9]+\]|\.[^.\[]+)$`)

// labelFor finds the line a problem's path belongs to ("" for none).
func (pl *problemLines) labelFor(path string) string {
	for p := path; p != ""; {
		if _, ok := pl.errs[p]; ok {
			return p
		}
		next := lastSegment.ReplaceAllString(p, "")
		if next == p {
			break
		}
		p = next
	}
	return ""
}

// show puts ps on their lines.
func (pl *problemLines) show(ps domain.Problems) {
	byLabel := map[string]domain.Problems{}
	var rest domain.Problems
	for _, pr := range ps {
		if l := pl.labelFor(pr.Path); l != "" {
			byLabel[l] = append(byLabel[l], pr)
		} else {
			rest = append(rest, pr)
		}
	}
	for path, e := range pl.errs {
		if pl.showAll || pl.touched[path] {
			e.show(byLabel[path])
		} else {
			e.show(nil)
		}
	}
	if pl.showAll {
		pl.general.show(rest)
	} else {
		pl.general.show(nil)
	}
}

// saver saves a form's project a moment after typing pauses, when asked,
// and when the screen is left. Each save stores a snapshot; a snapshot
// older than one already stored is skipped, so saves never go backwards.
type saver struct {
	env     *env
	current func() *domain.Project // the form's live project (UI goroutine)
	state   *widget.Label
	auto    *debouncer
	dirty   bool  // edits not yet handed to a save (UI goroutine)
	seq     int64 // snapshot counter (UI goroutine)
	// saved is called after a successful save, on the UI goroutine.
	saved func()

	mu       sync.Mutex // serialises saves; guards savedSeq
	savedSeq int64
}

func newSaver(e *env, current func() *domain.Project) *saver {
	s := &saver{env: e, current: current, state: widget.NewLabel(lang.L("reg.notSaved"))}
	s.state.Importance = widget.LowImportance
	s.auto = &debouncer{ctx: e.open, delay: autosaveDelay, f: s.onAutosave}
	return s
}

func (s *saver) setState(text string) {
	if s.state.Text != text {
		s.state.SetText(text)
	}
}

// edited records an edit and schedules a save.
func (s *saver) edited() {
	s.dirty = true
	s.setState(lang.L("reg.unsaved"))
	s.auto.trigger()
}

func (s *saver) onAutosave() {
	if s.dirty {
		s.saveAsync(nil)
	}
}

// snapshot hands the current edits to a save: a copy and its sequence.
func (s *saver) snapshot() (*domain.Project, int64) {
	s.dirty = false
	s.seq++
	return copyProject(s.current()), s.seq
}

// store saves a snapshot unless a newer one is stored already.
func (s *saver) store(p *domain.Project, seq int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.savedSeq {
		return nil
	}
	if _, err := s.env.Store.SaveProject(s.env.ctx, s.env.User.ID, p); err != nil {
		return err
	}
	s.savedSeq = seq
	return nil
}

// saveAsync saves the current edits off the UI goroutine; then runs
// after a successful save, on the UI goroutine.
func (s *saver) saveAsync(then func()) {
	s.auto.stop()
	p, seq := s.snapshot()
	e := s.env
	s.setState(lang.L("reg.saving"))
	e.run(func() {
		err := s.store(p, seq)
		fyne.Do(func() {
			if err != nil {
				s.dirty = true
				s.setState(lang.L("reg.saveFailed"))
				e.showError(err)
				return
			}
			s.setState(lang.X("reg.saved", "已自动保存 {{.T}}", map[string]any{"T": e.Now().Format("15:04:05")}))
			if s.saved != nil {
				s.saved()
			}
			e.changed()
			if then != nil {
				then()
			}
		})
	})
}

// then runs f after the current edits are saved: at once off the UI
// goroutine (f runs there too) — for submitting right after a save.
func (s *saver) saveThen(f func() error, done func(error)) {
	s.auto.stop()
	p, seq := s.snapshot()
	e := s.env
	e.run(func() {
		err := s.store(p, seq)
		if err == nil {
			err = f()
		}
		fyne.Do(func() {
			if err != nil {
				s.dirty = true
			}
			done(err)
		})
	})
}

// applyAfterSave is what a form's action does: the button waits, the
// edits are saved, then cmd is applied to project id. On success the
// project's detail opens; otherwise the form re-checks itself (which
// enables the button again when it may) and a dialog says why.
func (s *saver) applyAfterSave(button *widget.Button, id string, cmd domain.Command, recheck func()) {
	e := s.env
	button.Disable()
	s.saveThen(func() error {
		_, err := e.Store.Apply(e.ctx, id, cmd, e.User, e.Org)
		return err
	}, func(err error) {
		if err != nil {
			recheck()
			e.showError(err)
			return
		}
		s.dirty = false
		e.changed()
		e.nav.openProject(id)
	})
}

// leave saves unsaved edits before the screen goes, synchronously: the
// window may be closing.
func (s *saver) leave() {
	s.auto.stop()
	if !s.dirty {
		return
	}
	p, seq := s.snapshot()
	if err := s.store(p, seq); err != nil {
		s.env.log.Error("save on leaving", "project", p.ID, "err", err)
		return
	}
	s.env.changed()
}

// disableAll disables every input under o (a read-only view of a form).
func disableAll(o fyne.CanvasObject) {
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			disableAll(c)
		}
	case fyne.Disableable:
		x.Disable()
	case *widget.Card:
		disableAll(x.Content)
	case *container.Scroll:
		disableAll(x.Content)
	}
}

// bindText shows *v in en with hint as its placeholder, and writes what is
// typed back to *v, calling edited after each change (a SelectEntry binds
// through its Entry).
func bindText[T ~string](en *widget.Entry, hint string, v *T, edited func()) {
	en.SetPlaceHolder(hint)
	en.SetText(string(*v))
	en.OnChanged = func(t string) { *v = T(t); edited() }
}

// projectForm is what the handover and initiation screens share: the
// project of id, read when the screen shows, whether this person may edit
// its part, the saver, the problem lines, and the content that says
// "loading" until the form is built.
type projectForm struct {
	*problemLines
	hushing

	env      *env
	id       string
	p        *domain.Project
	editable bool
	save     *saver
	content  *fyne.Container
	root     fyne.CanvasObject
	// recheck validates the screen's part again after an edit.
	recheck func()
}

// init readies f for project id; recheck is the screen's validation.
func (f *projectForm) init(e *env, id string, recheck func()) {
	// The record comes pre-filled: what is left to do is a short
	// checklist, shown from the start.
	f.problemLines = newProblemLines(true)
	f.env, f.id, f.recheck = e, id, recheck
	f.save = newSaver(e, func() *domain.Project { return f.p })
	f.content = container.NewStack(container.NewCenter(widget.NewLabel(lang.L("common.loading"))))
	f.root = container.NewPadded(f.content)
}

// CreateRenderer implements fyne.Widget for the screen.
func (f *projectForm) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(f.root)
}

// showForm puts the built form in place of what the screen showed.
func (f *projectForm) showForm(o fyne.CanvasObject) {
	f.content.Objects = []fyne.CanvasObject{o}
	f.content.Refresh()
}

// leave saves unsaved edits.
func (f *projectForm) leave() {
	if f.editable {
		f.save.leave()
	}
}

// edited records an edit of path: checked again and saved after a pause.
func (f *projectForm) edited(path string) {
	if f.loading || !f.editable {
		return
	}
	f.touched[path] = true
	f.recheck()
	f.save.edited()
}

// enableWhen enables the screen's action button b (absent for a reader)
// when the person may edit and nothing is wrong.
func (f *projectForm) enableWhen(b *widget.Button, ok bool) {
	if b == nil {
		return
	}
	if f.editable && ok {
		b.Enable()
	} else {
		b.Disable()
	}
}
