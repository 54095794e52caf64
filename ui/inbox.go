package ui

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// inboxItem is a project in the approvals inbox.
type inboxItem struct {
	p     *domain.Project
	step  domain.Step
	since time.Time // when it reached the waiting step
	// For decisions already taken here: what was decided, and whether the
	// server has it yet.
	decided *domain.Decision
	pending bool
	refusal string // why the server refused the decision (needs attention)
}

// waitingSince is when p reached its waiting step: the last decision of
// its current round.
func waitingSince(p *domain.Project) time.Time {
	var t time.Time
	for _, d := range p.Decisions {
		if p.Approval != nil && d.Round == p.Approval.Round && d.At.After(t) {
			t = d.At
		}
	}
	if t.IsZero() {
		t = p.UpdatedAt
	}
	return t
}

// inboxStore is what the inbox reads: the projects, and the outbox where
// decisions wait for the server.
type inboxStore interface {
	projectFinder
	Pending(ctx context.Context, maxCount, maxBytes int) ([]sqlite.Change, error)
	NeedsAttention(ctx context.Context) ([]sqlite.Change, error)
}

// loadInbox reads what waits for me, oldest first, and the decisions I
// took on this computer that the server has not accepted yet — pending in
// the outbox, or refused (needs attention) — newest first.
func loadInbox(ctx context.Context, st inboxStore, me domain.User) (waiting, decided []inboxItem, err error) {
	sums, err := st.ListProjects(ctx, sqlite.Filter{Status: domain.StatusSubmitted})
	if err != nil {
		return nil, nil, err
	}
	for _, s := range sums {
		p, err := st.Project(ctx, s.ID)
		if err != nil {
			return nil, nil, err
		}
		if p.WaitsFor(me) {
			step, _ := p.Approval.Waiting()
			waiting = append(waiting, inboxItem{p: p, step: step, since: waitingSince(p), pending: s.Pending})
		}
	}
	slices.SortStableFunc(waiting, func(a, b inboxItem) int { return a.since.Compare(b.since) })

	pending, err := st.Pending(ctx, 0, 0)
	if err != nil {
		return nil, nil, err
	}
	refused, err := st.NeedsAttention(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range append(pending, refused...) {
		if c.Kind != sqlite.ChangeAction {
			continue
		}
		var pl sqlite.ChangePayload
		if err := json.Unmarshal(c.Payload, &pl); err != nil || pl.Decision == nil {
			continue
		}
		d := *pl.Decision
		if d.ActorID != me.ID || d.Step < 0 || !slices.Contains([]domain.Action{domain.ActApprove, domain.ActReturn, domain.ActReject}, d.Action) {
			continue
		}
		p, err := st.Project(ctx, c.ProjectID)
		if err != nil {
			return nil, nil, err
		}
		decided = append(decided, inboxItem{p: p, decided: &d, since: d.At,
			pending: c.State == sqlite.StatePending, refusal: reasonText(c, lang.L("sync.reasonSep"))})
	}
	slices.SortStableFunc(decided, func(a, b inboxItem) int { return b.since.Compare(a.since) })
	return waiting, decided, nil
}

// waitingCount is how many projects wait for my decision.
func waitingCount(ctx context.Context, st projectFinder, me domain.User) (int, error) {
	sums, err := st.ListProjects(ctx, sqlite.Filter{Status: domain.StatusSubmitted})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range sums {
		p, err := st.Project(ctx, s.ID)
		if err != nil {
			return 0, err
		}
		if p.WaitsFor(me) {
			n++
		}
	}
	return n, nil
}

// Inbox is the approvals inbox (待我审批): what waits for my decision,
// oldest first. Choosing a project and pressing 同意 or 退回修改 (with a
// comment) decides it: two clicks. Decisions are queued locally and marked
// 待同步 until the server has them.
type Inbox struct {
	widget.BaseWidget

	env      *env
	waiting  []inboxItem
	decided  []inboxItem
	selected *inboxItem

	list      *widget.List
	done      *widget.List
	noDecided *widget.Label
	count     *widget.Label
	banner    *widget.Label
	facts     *fyne.Container
	comment   *widget.Entry
	problem   fieldError
	approve   *widget.Button
	ret       *widget.Button
	reject    *widget.Button
	openBtn   *widget.Button
	decision  fyne.CanvasObject
	root      fyne.CanvasObject
}

// NewInbox builds the inbox; it loads when shown.
func NewInbox(e *env) *Inbox {
	in := &Inbox{env: e}
	in.ExtendBaseWidget(in)
	cols := columns{widths: []float32{0, 150, 130}}
	in.list = widget.NewList(func() int { return len(in.waiting) },
		func() fyne.CanvasObject {
			return container.NewVBox(container.New(cols, cell(""), cell(""), cell("")), note(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			it := in.waiting[i]
			objs := o.(*fyne.Container).Objects
			row := objs[0].(*fyne.Container).Objects
			setText(row[0], it.p.Title())
			setText(row[1], kindLabel(it.p.Kind()))
			setText(row[2], timeText(it.since))
			objs[1].(*widget.Label).SetText(lang.X("inbox.stepLine", "{{.Step}} · 申请人 {{.Owner}}",
				map[string]any{"Step": stepLabel(e.Org, it.step), "Owner": e.Org.UserName(it.p.OwnerID)}))
		})
	in.list.OnSelected = in.onItemTapped
	in.done = widget.NewList(func() int { return len(in.decided) },
		func() fyne.CanvasObject {
			return container.New(columns{widths: []float32{0, 200, 90}}, cell(""), cell(""), newBadge())
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			it := in.decided[i]
			objs := o.(*fyne.Container).Objects
			setText(objs[0], it.p.Title())
			setText(objs[1], actionLabel(it.decided.Action)+" · "+timeText(it.decided.At))
			state := syncPending
			if !it.pending {
				state = syncAttention
				setText(objs[1], actionLabel(it.decided.Action)+" · "+it.refusal)
			}
			objs[2].(*badge).set(state.label(), state.color())
		})
	in.done.OnSelected = func(i widget.ListItemID) {
		id := in.decided[i].p.ID
		in.done.UnselectAll()
		e.nav.openProject(id)
	}

	in.count = widget.NewLabel("")
	in.banner = widget.NewLabel("")
	in.banner.Importance = widget.SuccessImportance
	in.banner.Wrapping = fyne.TextWrapWord
	in.banner.Hide()
	in.facts = container.NewVBox()
	in.comment = widget.NewMultiLineEntry()
	in.comment.SetMinRowsVisible(3)
	in.comment.Wrapping = fyne.TextWrapWord
	in.comment.SetPlaceHolder(lang.L("inbox.commentHint"))
	in.problem = newFieldError()
	in.approve = widget.NewButtonWithIcon(actionLabel(domain.ActApprove), theme.ConfirmIcon(), func() { in.onDecideTapped(domain.ActApprove) })
	in.approve.Importance = widget.SuccessImportance
	in.ret = widget.NewButtonWithIcon(actionLabel(domain.ActReturn), theme.MailReplyIcon(), func() { in.onDecideTapped(domain.ActReturn) })
	in.ret.Importance = widget.WarningImportance
	in.reject = widget.NewButtonWithIcon(actionLabel(domain.ActReject), theme.CancelIcon(), func() { in.onDecideTapped(domain.ActReject) })
	in.reject.Importance = widget.DangerImportance
	in.openBtn = widget.NewButtonWithIcon(lang.L("inbox.openDetail"), theme.InfoIcon(), in.onOpenTapped)
	in.decision = container.NewVBox(
		widget.NewLabelWithStyle(lang.L("decide.comment"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		in.comment, in.problem,
		container.NewHBox(in.approve, in.ret, in.reject, in.openBtn))
	in.decision.Hide()

	right := container.NewBorder(nil, in.decision, nil, nil, container.NewVScroll(in.facts))
	left := container.NewBorder(
		container.NewVBox(container.New(cols, colHead("list.col.title"), colHead("list.col.kind"), colHead("inbox.since")), widget.NewSeparator()),
		nil, nil, nil, in.list)
	in.noDecided = hint(lang.L("inbox.noDecided"))
	pendingBox := container.NewBorder(container.NewVBox(heading(lang.L("inbox.decided")), in.noDecided), nil, nil, nil, in.done)
	split := container.NewHSplit(container.NewVSplit(left, pendingBox), right)
	split.Offset = 0.52
	in.root = container.NewPadded(container.NewBorder(
		container.NewVBox(pageHeader(lang.L("inbox.title"), nil, in.count), note(lang.L("inbox.help")), in.banner),
		nil, nil, nil, split))
	in.showFacts()
	return in
}

// CreateRenderer implements fyne.Widget.
func (in *Inbox) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(in.root)
}

// reload reads the inbox off the UI goroutine.
func (in *Inbox) reload() {
	e := in.env
	e.run(func() {
		waiting, decided, err := loadInbox(e.ctx, e.Store, e.User)
		fyne.Do(func() {
			if err != nil {
				e.showError(err)
				return
			}
			in.setItems(waiting, decided)
		})
	})
}

func (in *Inbox) setItems(waiting, decided []inboxItem) {
	in.waiting, in.decided = waiting, decided
	in.count.SetText(lang.X("inbox.count", "{{.N}} 项待审批", map[string]any{"N": len(waiting)}))
	in.selected = nil
	in.list.UnselectAll()
	in.list.Refresh()
	in.done.Refresh()
	if len(decided) == 0 {
		in.noDecided.Show()
	} else {
		in.noDecided.Hide()
	}
	in.showFacts()
	if len(waiting) > 0 {
		in.list.Select(0)
	}
}

func (in *Inbox) onItemTapped(i widget.ListItemID) {
	if i < 0 || i >= len(in.waiting) {
		return
	}
	it := in.waiting[i]
	in.selected = &it
	in.comment.SetText("")
	in.problem.show(nil)
	in.showFacts()
}

// showFacts shows what an approver needs to decide the selected project.
func (in *Inbox) showFacts() {
	in.facts.RemoveAll()
	it := in.selected
	if it == nil {
		in.facts.Add(note(lang.L("inbox.empty")))
		in.decision.Hide()
		return
	}
	e, p := in.env, it.p
	r := &p.Registration
	region, _ := e.Org.Region(r.Customer.Region)
	special := lang.L("common.no")
	if p.Approval != nil && p.Approval.Special {
		special = lang.L("common.yes")
	}
	in.facts.Add(heading(p.Title()))
	in.facts.Add(timeline(p))
	in.facts.Add(kv(
		lang.L("inbox.step"), stepLabel(e.Org, it.step),
		lang.L("detail.owner"), e.Org.UserName(p.OwnerID),
		lang.L("inbox.since"), timeText(it.since),
		lang.L("reg.fullName"), orDash(r.Customer.FullName),
		lang.L("reg.region"), orDash(region.Name),
		lang.L("reg.sales"), orDash(e.Org.UserName(r.SalesID)),
		lang.L("reg.sec.contract"), contractText(r),
		lang.L("inbox.special"), special,
		lang.L("detail.background"), orDash(domain.BackgroundText(r)),
		lang.L("reg.requirement"), orDash(strings.TrimSpace(r.Requirement)),
		lang.L("reg.sec.systems"), domain.SystemsText(r),
	))
	in.decision.Show()
}

func (in *Inbox) onOpenTapped() {
	if in.selected != nil {
		in.env.nav.openProject(in.selected.p.ID)
	}
}

// onDecideTapped applies the decision with the typed comment; return and
// reject need one.
func (in *Inbox) onDecideTapped(a domain.Action) {
	it := in.selected
	if it == nil {
		return
	}
	comment := strings.TrimSpace(in.comment.Text)
	if a != domain.ActApprove && comment == "" {
		in.problem.show(domain.Problems{{Path: "comment", Message: "退回或驳回时请填写意见，说明原因", English: "a comment is required to return or reject"}})
		in.env.win.Canvas().Focus(in.comment)
		return
	}
	title := it.p.Title()
	apply(in.env, it.p.ID, domain.Command{Action: a, Comment: comment}, func() {
		in.banner.SetText(lang.X("inbox.done", "已{{.Action}}「{{.Title}}」，待同步到服务器",
			map[string]any{"Action": actionLabel(a), "Title": title}))
		in.banner.Show()
		in.reload()
	})
}
