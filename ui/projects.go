package ui

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// projectFinder is what the project list reads from the local store.
type projectFinder interface {
	ListProjects(ctx context.Context, f sqlite.Filter) ([]sqlite.Summary, error)
	Search(ctx context.Context, q string, f sqlite.Filter) ([]sqlite.Summary, error)
	Project(ctx context.Context, id string) (*domain.Project, error)
}

// listQuery is what the person asked the list for.
type listQuery struct {
	Text   string
	Kind   domain.Kind
	Stage  domain.Stage
	Region string
	Mine   bool // 待我处理: waits for my decision
}

// syncState is a project's sync badge.
type syncState int

const (
	syncSynced syncState = iota
	syncPending
	syncConflict
	syncAttention
)

func (s syncState) label() string {
	switch s {
	case syncPending:
		return lang.L("sync.badge.pending")
	case syncConflict:
		return lang.L("sync.badge.conflict")
	case syncAttention:
		return lang.L("sync.badge.attention")
	}
	return lang.L("sync.badge.synced")
}

func (s syncState) color() fyne.ThemeColorName {
	switch s {
	case syncPending:
		return theme.ColorNameWarning
	case syncConflict, syncAttention:
		return theme.ColorNameError
	}
	return theme.ColorNameSuccess
}

// projectRow is one line of the list, with its texts worked out off the
// UI goroutine so that scrolling only copies strings.
type projectRow struct {
	ID      string
	Kind    string
	Short   string
	Title   string
	Number  string
	Stage   string
	Sync    syncState
	Updated time.Time
}

func rowOf(s sqlite.Summary, conflicted bool) projectRow {
	p := domain.Project{Status: s.Status}
	p.Registration.Kind = s.Kind
	r := projectRow{
		ID:      s.ID,
		Kind:    kindLabel(s.Kind),
		Short:   s.ShortName,
		Title:   s.Title,
		Number:  s.DisplayNumber(),
		Stage:   stageLabel(p.Stage(), s.Kind) + " · " + statusLabel(s.Status),
		Updated: s.UpdatedAt,
	}
	if r.Number == domain.NumberPending {
		r.Number = lang.L("project.numberPending")
	}
	if r.Short == "" {
		r.Short = "—"
	}
	switch {
	case s.NeedsAttention:
		r.Sync = syncAttention
	case conflicted:
		r.Sync = syncConflict
	case s.Pending:
		r.Sync = syncPending
	}
	return r
}

// stageOf is the stage of a summary's project.
func stageOf(s sqlite.Summary) domain.Stage {
	p := domain.Project{Status: s.Status}
	p.Registration.Kind = s.Kind
	return p.Stage()
}

// loadRows runs q against the store: the text through Search (Chinese
// substrings of any length), kind and region in SQL, stage and "waiting for
// me" on the summaries (the latter reads the projects under approval).
func loadRows(ctx context.Context, st projectFinder, q listQuery, me domain.User, conflicted map[string]bool) ([]projectRow, error) {
	f := sqlite.Filter{Kind: q.Kind, Region: q.Region}
	if q.Mine {
		f.Status = domain.StatusSubmitted
	}
	var sums []sqlite.Summary
	var err error
	if q.Text != "" {
		sums, err = st.Search(ctx, q.Text, f)
	} else {
		sums, err = st.ListProjects(ctx, f)
	}
	if err != nil {
		return nil, err
	}
	rows := make([]projectRow, 0, len(sums))
	for _, s := range sums {
		if q.Stage != "" && stageOf(s) != q.Stage {
			continue
		}
		if q.Mine {
			p, err := st.Project(ctx, s.ID)
			if err != nil {
				return nil, err
			}
			if !p.WaitsFor(me) {
				continue
			}
		}
		rows = append(rows, rowOf(s, conflicted[s.ID]))
	}
	return rows, nil
}

// ProjectList is the project list (项目列表): search as you type, filters by
// kind, stage, region and "waiting for me", and a virtualised list that
// stays smooth with tens of thousands of projects.
type ProjectList struct {
	widget.BaseWidget

	env    *env
	search *widget.Entry
	kind   *choice
	stage  *choice
	region *choice
	mine   *widget.Check
	count  *widget.Label
	empty  *widget.Label
	list   *widget.List

	mu    sync.Mutex // guards rows against the renderer of a test reading them
	rows  []projectRow
	gen   atomic.Int64
	typed *debouncer
	ready bool
	root  fyne.CanvasObject
}

// listColumns are the widths of the list's columns; the title flexes.
var listColumns = &columns{widths: []float32{150, 130, 0, 150, 170, 76}}

// NewProjectList builds the list; it loads when shown (reload).
func NewProjectList(e *env) *ProjectList {
	l := &ProjectList{env: e}
	l.ExtendBaseWidget(l)
	l.typed = &debouncer{ctx: e.open, delay: 150 * time.Millisecond, f: l.reload}

	l.search = widget.NewEntry()
	l.search.SetPlaceHolder(lang.L("list.search"))
	l.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	l.search.OnChanged = func(string) { l.typed.trigger() }

	kinds, kindVals := []string{lang.L("list.allKinds")}, []string{""}
	for _, k := range domain.Kinds {
		kinds, kindVals = append(kinds, kindLabel(k)), append(kindVals, string(k))
	}
	l.kind = newChoice(kinds, kindVals, func(string) { l.onFilterChanged() })
	l.kind.SetSelectedIndex(0)

	stages, stageVals := []string{lang.L("list.allStages")}, []string{""}
	for _, s := range []domain.Stage{domain.StageRegistration, domain.StageApproval, domain.StageHandover,
		domain.StageContract, domain.StageInitiation} {
		stages, stageVals = append(stages, lang.L("stageFilter."+string(s))), append(stageVals, string(s))
	}
	l.stage = newChoice(stages, stageVals, func(string) { l.onFilterChanged() })
	l.stage.SetSelectedIndex(0)

	regions, regionVals := []string{lang.L("list.allRegions")}, []string{""}
	for _, r := range e.Org.Regions {
		regions, regionVals = append(regions, r.Name), append(regionVals, r.Code)
	}
	l.region = newChoice(regions, regionVals, func(string) { l.onFilterChanged() })
	l.region.SetSelectedIndex(0)

	l.mine = widget.NewCheck(lang.L("list.mine"), func(bool) { l.onFilterChanged() })
	l.count = widget.NewLabel("")
	l.empty = widget.NewLabel(lang.L("list.empty"))
	l.empty.Importance = widget.LowImportance
	l.empty.Hide()

	l.list = widget.NewList(l.length, newProjectRowView, l.updateRow)
	l.list.OnSelected = l.onProjectTapped

	header := container.New(listColumns,
		colHead("list.col.kind"), colHead("list.col.customer"), colHead("list.col.title"),
		colHead("list.col.number"), colHead("list.col.stage"), colHead("list.col.sync"))

	newBtn := widget.NewButtonWithIcon(lang.L("nav.new"), theme.ContentAddIcon(), e.nav.openNewRegistration)
	newBtn.Importance = widget.HighImportance
	filters := container.NewHBox(wide(170, l.kind), wide(130, l.stage), wide(120, l.region), l.mine)
	top := container.NewVBox(
		pageHeader(lang.L("list.title"), nil, l.count, newBtn),
		container.NewBorder(nil, nil, nil, filters, l.search),
		container.NewPadded(header), widget.NewSeparator())
	l.root = container.NewPadded(container.NewBorder(top, nil, nil, nil,
		container.NewStack(l.list, container.NewCenter(l.empty))))
	l.ready = true
	return l
}

// onFilterChanged reloads for a changed filter (not while building).
func (l *ProjectList) onFilterChanged() {
	if l.ready {
		l.reload()
	}
}

func colHead(key string) *widget.Label {
	h := widget.NewLabelWithStyle(lang.L(key), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	h.Truncation = fyne.TextTruncateEllipsis
	return h
}

func newProjectRowView() fyne.CanvasObject {
	return container.New(listColumns, newTextCell(), newTextCell(), newTextCell(), newTextCell(), newTextCell(), newBadge())
}

func (l *ProjectList) length() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.rows)
}

func (l *ProjectList) row(i int) (projectRow, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i < 0 || i >= len(l.rows) {
		return projectRow{}, false
	}
	return l.rows[i], true
}

func (l *ProjectList) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	r, ok := l.row(id)
	if !ok {
		return
	}
	objs := o.(*fyne.Container).Objects
	setText(objs[0], r.Kind)
	setText(objs[1], r.Short)
	setText(objs[2], r.Title)
	setText(objs[3], r.Number)
	setText(objs[4], r.Stage)
	objs[5].(*badge).set(r.Sync.label(), r.Sync.color())
}

// setText shows text in a cell (a label or a textCell).
func setText(o fyne.CanvasObject, text string) {
	switch c := o.(type) {
	case *widget.Label:
		if c.Text != text {
			c.SetText(text)
		}
	case *textCell:
		c.SetText(text)
	}
}

// CreateRenderer implements fyne.Widget.
func (l *ProjectList) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(l.root)
}

func (l *ProjectList) query() listQuery {
	return listQuery{
		Text:   l.search.Text,
		Kind:   domain.Kind(l.kind.value()),
		Stage:  domain.Stage(l.stage.value()),
		Region: l.region.value(),
		Mine:   l.mine.Checked,
	}
}

// reload runs the current query off the UI goroutine; an answer that a
// newer query overtook is dropped.
func (l *ProjectList) reload() {
	q := l.query()
	gen := l.gen.Add(1)
	e := l.env
	conflicted := e.conflicted()
	e.run(func() {
		rows, err := loadRows(e.ctx, e.Store, q, e.User, conflicted)
		if err != nil {
			e.log.Error("load project list", "err", err)
			return
		}
		fyne.Do(func() {
			if l.gen.Load() == gen {
				l.setRows(rows)
			}
		})
	})
}

// setRows shows rows (on the UI goroutine).
func (l *ProjectList) setRows(rows []projectRow) {
	l.mu.Lock()
	l.rows = rows
	l.mu.Unlock()
	l.count.SetText(lang.X("list.count", "共 {{.N}} 个项目", map[string]any{"N": len(rows)}))
	if len(rows) == 0 {
		l.empty.Show()
	} else {
		l.empty.Hide()
	}
	l.list.UnselectAll()
	l.list.Refresh()
}

func (l *ProjectList) onProjectTapped(id widget.ListItemID) {
	r, ok := l.row(id)
	l.list.UnselectAll()
	if ok {
		l.env.nav.openProject(r.ID)
	}
}

// conflictSet caches which projects hold open conflicts. Only the sync
// engine creates conflicts, so the set is read from the store when the
// engine reports some (sqlite.Summary does not carry them).
type conflictSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (e *env) conflicted() map[string]bool {
	if e.conflicts == nil {
		return nil
	}
	e.conflicts.mu.Lock()
	defer e.conflicts.mu.Unlock()
	return e.conflicts.ids
}

// conflictFinder is what scanConflicts needs of the store.
type conflictFinder interface {
	Conflicts(ctx context.Context) ([]sqlite.ConflictedProject, error)
	Project(ctx context.Context, id string) (*domain.Project, error)
}

// scanConflicts returns the projects with open conflicts, most recently
// updated first: the store finds them by their conflict count (an index),
// so only those projects are read, not every one.
func scanConflicts(ctx context.Context, st conflictFinder) ([]*domain.Project, error) {
	cs, err := st.Conflicts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Project, 0, len(cs))
	for _, c := range cs {
		p, err := st.Project(ctx, c.ProjectID)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// refreshConflicts rescans the store for conflicts (off the UI goroutine).
func (e *env) refreshConflicts() {
	ps, err := scanConflicts(e.ctx, e.Store)
	if err != nil {
		e.log.Error("scan conflicts", "err", err)
		return
	}
	ids := map[string]bool{}
	for _, p := range ps {
		ids[p.ID] = true
	}
	e.conflicts.mu.Lock()
	e.conflicts.ids = ids
	e.conflicts.mu.Unlock()
}
