package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
)

// Small pieces every screen shares: labels of the domain's values in the
// current language, field error lines, a column layout for list rows, a
// value-keyed Select, and a debouncer.

// english reports whether the UI runs in English (the translation files
// say which language Fyne picked).
func english() bool { return lang.L("lang.code") == "en" }

// localized picks the Chinese or English text of a domain message.
func localized(zh, en string) string {
	if english() && en != "" {
		return en
	}
	return zh
}

// errorText is an error as a person reads it, in the UI's language.
func errorText(err error) string {
	var de *domain.Error
	var ps domain.Problems
	switch {
	case errors.As(err, &de):
		return localized(de.Message, de.English)
	case errors.As(err, &ps):
		lines := make([]string, 0, len(ps))
		for _, p := range ps {
			lines = append(lines, problemText(p))
		}
		return lang.L("error.problems") + "\n" + strings.Join(lines, "\n")
	}
	return lang.L("error.internal") + err.Error()
}

func problemText(p domain.Problem) string { return localized(p.Message, p.English) }

func kindLabel(k domain.Kind) string { return lang.X("kind."+string(k), k.Label()) }

func statusLabel(s domain.Status) string { return lang.X("status."+string(s), s.Label()) }

func stageLabel(s domain.Stage, k domain.Kind) string {
	return lang.X("stage."+string(s)+"."+string(k), s.Label(k))
}

func roleLabel(r domain.Role) string { return lang.X("role."+string(r), r.Label()) }

func actionLabel(a domain.Action) string { return lang.X("action."+string(a), a.Label()) }

func permLabel(r domain.PermissionRole) string { return lang.X("perm."+string(r), r.Label()) }

func yesNoLabel(y domain.YesNo) string {
	switch y {
	case domain.Yes:
		return lang.L("common.yes")
	case domain.No:
		return lang.L("common.no")
	}
	return lang.L("common.unanswered")
}

// rolesText lists a user's roles.
func rolesText(u domain.User) string {
	ls := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		ls[i] = roleLabel(r)
	}
	return strings.Join(ls, lang.L("common.listSep"))
}

// timeText shows a time in the local zone, to the minute.
func timeText(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// sizeText shows a file size the way office software does.
func sizeText(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
}

// heading is a section title.
func heading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// note is a wrapped line of explanation. (LowImportance would draw it in
// the disabled colour, too faint to read on the dark theme.)
func note(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// hint is a one-line remark that keeps its width in a row (a wrapping
// label in a row shrinks to one character per line).
func hint(text string) *widget.Label {
	return widget.NewLabel(text)
}

// fieldError is the red line under a field that lists its problems; it is
// hidden while the field has none.
type fieldError struct {
	*widget.Label
}

func newFieldError() fieldError {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.SizeName = theme.SizeNameCaptionText
	l.Hide()
	return fieldError{l}
}

// show sets the problems to list (none hides the line).
func (e fieldError) show(ps domain.Problems) {
	if len(ps) == 0 {
		if e.Visible() {
			e.SetText("")
			e.Hide()
		}
		return
	}
	lines := make([]string, 0, len(ps))
	for _, p := range ps {
		if t := problemText(p); !slices.Contains(lines, t) {
			lines = append(lines, t)
		}
	}
	text := "⚠ " + strings.Join(lines, "；")
	if e.Text != text {
		e.SetText(text)
	}
	if !e.Visible() {
		e.Show()
	}
}

// columns lays out a row's cells at fixed widths, except the one flexible
// column, which takes what is left; every cell gets the row's height.
type columns struct {
	widths []float32 // 0 marks the flexible column
}

func (c columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	fixed := float32(0)
	for _, w := range c.widths {
		fixed += w
	}
	flex := size.Width - fixed - pad*float32(len(c.widths)-1)
	x := float32(0)
	for i, o := range objs {
		if i >= len(c.widths) {
			o.Hide()
			continue
		}
		w := c.widths[i]
		if w == 0 {
			w = max(flex, 40)
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
}

func (c columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	w := float32(0)
	for _, cw := range c.widths {
		w += max(cw, 40)
	}
	return fyne.NewSize(w+theme.Padding()*float32(len(c.widths)-1), h)
}

// cell is a one-line label that ends in … rather than overlap its neighbour.
func cell(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// badge is a small coloured tag (同步状态, 当前阶段).
type badge struct {
	widget.BaseWidget
	bg   *canvas.Rectangle
	text *canvas.Text
}

func newBadge() *badge {
	b := &badge{bg: canvas.NewRectangle(color.Transparent), text: canvas.NewText("", color.White)}
	b.bg.CornerRadius = 4
	b.text.TextSize = theme.CaptionTextSize()
	b.text.Alignment = fyne.TextAlignCenter
	b.ExtendBaseWidget(b)
	return b
}

// set shows text on a background of the theme colour named col; the
// disabled colour (a stage still to come) becomes the button colour with
// ordinary text, readable on light and dark themes alike.
func (b *badge) set(text string, col fyne.ThemeColorName) {
	th := fyne.CurrentApp().Settings().Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	b.text.Text = text
	fg := theme.ColorNameForegroundOnPrimary
	if col == theme.ColorNameDisabled {
		col, fg = theme.ColorNameButton, theme.ColorNameForeground
	}
	b.text.Color = th.Color(fg, v)
	b.bg.FillColor = th.Color(col, v)
	b.text.Refresh()
	b.bg.Refresh()
}

func (b *badge) CreateRenderer() fyne.WidgetRenderer {
	return &badgeRenderer{b: b}
}

type badgeRenderer struct{ b *badge }

func (r *badgeRenderer) Layout(size fyne.Size) {
	ts := r.b.text.MinSize()
	w := min(size.Width, ts.Width+theme.Padding()*3)
	h := ts.Height + theme.Padding()
	pos := fyne.NewPos(0, (size.Height-h)/2)
	r.b.bg.Move(pos)
	r.b.bg.Resize(fyne.NewSize(w, h))
	r.b.text.Move(pos)
	r.b.text.Resize(fyne.NewSize(w, h))
}

func (r *badgeRenderer) MinSize() fyne.Size {
	ts := r.b.text.MinSize()
	return fyne.NewSize(ts.Width+theme.Padding()*3, ts.Height+theme.Padding())
}

func (r *badgeRenderer) Refresh() {
	r.b.text.Refresh()
	r.b.bg.Refresh()
}

func (r *badgeRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.b.bg, r.b.text}
}

func (r *badgeRenderer) Destroy() {}

// choice is a Select whose options stand for values (user IDs, codes):
// people see labels, the form stores values.
type choice struct {
	*widget.Select
	values []string
}

// newChoice builds a choice; changed gets the chosen value.
func newChoice(labels, values []string, changed func(string)) *choice {
	c := &choice{values: values}
	c.Select = widget.NewSelect(labels, func(label string) {
		if changed != nil {
			changed(c.value())
		}
	})
	c.PlaceHolder = lang.L("common.choose")
	return c
}

func (c *choice) value() string {
	i := c.SelectedIndex()
	if i < 0 || i >= len(c.values) {
		return ""
	}
	return c.values[i]
}

// setValue selects the option of value v (none when v is unknown or "").
func (c *choice) setValue(v string) {
	i := slices.Index(c.values, v)
	if i < 0 {
		c.ClearSelected()
		return
	}
	c.SetSelectedIndex(i)
}

// userChoice offers the enabled users holding role r (any role when r is "").
func userChoice(org *domain.Org, r domain.Role, changed func(string)) *choice {
	var labels, values []string
	if org != nil {
		for _, u := range org.Users {
			if u.Disabled || (r != "" && !u.Has(r)) {
				continue
			}
			labels = append(labels, u.Name+"（"+rolesText(u)+"）")
			values = append(values, u.ID)
		}
	}
	return newChoice(labels, values, changed)
}

// debouncer runs f on the UI goroutine once calls have paused for delay,
// unless ctx (env.open) has ended by then: the window it belongs to is
// closed (a screen is left, and its draft saved, before that).
type debouncer struct {
	mu    sync.Mutex
	ctx   context.Context
	delay time.Duration
	timer *time.Timer
	f     func()
}

func (d *debouncer) trigger() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	d.timer = time.AfterFunc(d.delay, func() {
		if d.ctx.Err() == nil {
			fyne.Do(d.f)
		}
	})
}

// stop cancels a pending run and reports whether one was pending.
func (d *debouncer) stop() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer == nil {
		return false
	}
	pending := d.timer.Stop()
	d.timer = nil
	return pending
}

// rowButtons are the small icon buttons at the end of a repeatable row.
func iconButton(icon fyne.Resource, tapped func()) *widget.Button {
	b := widget.NewButtonWithIcon("", icon, tapped)
	b.Importance = widget.LowImportance
	return b
}

// labelled puts a bold label over an object, with its error line under it.
func labelled(label string, o fyne.CanvasObject, e fieldError) fyne.CanvasObject {
	return container.NewVBox(widget.NewLabelWithStyle(label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), o, e)
}

// spacerRow pushes objects to the right end of a horizontal box.
func rightAligned(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewHBox(append([]fyne.CanvasObject{layout.NewSpacer()}, objs...)...)
}

// minWidth gives its one object at least a width (a Select otherwise
// shrinks to its chevron and truncates its choice).
type minWidth struct{ w float32 }

func (m minWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (m minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(m.w, 0)
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

// wide wraps o so it is at least w wide.
func wide(w float32, o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(minWidth{w}, o)
}

// textCell is a one-line cell of a long list: a canvas.Text that ends in
// … when it does not fit. A truncating widget.Label shapes its text on
// every change, which makes a fast scroll through thousands of rows
// stutter; this measures (Fyne caches the metrics) and shortens only text
// that is too wide.
type textCell struct {
	widget.BaseWidget
	full  string
	text  *canvas.Text
	width float32
}

func newTextCell() *textCell {
	c := &textCell{text: canvas.NewText("", theme.Color(theme.ColorNameForeground))}
	c.ExtendBaseWidget(c)
	return c
}

// SetText shows s.
func (c *textCell) SetText(s string) {
	if c.full == s {
		return
	}
	c.full = s
	c.fit()
	c.text.Refresh()
}

// fit shortens the text to the cell's width.
func (c *textCell) fit() {
	c.text.Text = c.full
	avail := c.width - 2*theme.InnerPadding()
	if avail <= 0 || fyne.MeasureText(c.full, c.text.TextSize, c.text.TextStyle).Width <= avail {
		return
	}
	r := []rune(c.full)
	lo, hi := 0, len(r)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fyne.MeasureText(string(r[:mid])+"…", c.text.TextSize, c.text.TextStyle).Width <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	c.text.Text = string(r[:lo]) + "…"
}

func (c *textCell) CreateRenderer() fyne.WidgetRenderer { return &textCellRenderer{c: c} }

type textCellRenderer struct{ c *textCell }

func (r *textCellRenderer) Layout(size fyne.Size) {
	c := r.c
	if c.width != size.Width {
		c.width = size.Width
		c.fit()
	}
	th := c.text.MinSize().Height
	c.text.Move(fyne.NewPos(theme.InnerPadding(), (size.Height-th)/2))
	c.text.Resize(fyne.NewSize(size.Width-2*theme.InnerPadding(), th))
}

func (r *textCellRenderer) MinSize() fyne.Size {
	h := fyne.MeasureText("立", theme.TextSize(), fyne.TextStyle{}).Height
	return fyne.NewSize(40, h+2*theme.InnerPadding())
}

func (r *textCellRenderer) Refresh() {
	c := r.c
	c.text.TextSize = theme.TextSize()
	c.text.Color = theme.Color(theme.ColorNameForeground)
	c.fit()
	c.text.Refresh()
}

func (r *textCellRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.c.text} }

func (r *textCellRenderer) Destroy() {}
