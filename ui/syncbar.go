package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// SyncState is the sync engine's state as the window shows it. It mirrors
// the engine's own State field for field, so the desktop app converts one
// into the other with a plain conversion.
type SyncState struct {
	Online         bool
	Syncing        bool
	Pending        int
	NeedsAttention int
	Conflicts      int
	LastSuccess    time.Time
	// LastError is why the last pass failed, in both languages (the bar
	// shows the UI's); nil after a successful pass.
	LastError *domain.Error
	SignedIn  bool
}

// SyncStatus is what the window needs of the sync engine.
type SyncStatus interface {
	State() SyncState
	// Subscribe calls f with every new state until cancel is called; f
	// runs on the engine's goroutine.
	Subscribe(f func(SyncState)) (cancel func())
	// Kick asks for a sync as soon as possible.
	Kick()
}

// SyncFuncs adapts three functions to SyncStatus, for wiring an engine
// whose types differ from the window's.
type SyncFuncs struct {
	StateFunc     func() SyncState
	SubscribeFunc func(func(SyncState)) func()
	KickFunc      func()
}

func (f SyncFuncs) State() SyncState                            { return f.StateFunc() }
func (f SyncFuncs) Subscribe(g func(SyncState)) (cancel func()) { return f.SubscribeFunc(g) }
func (f SyncFuncs) Kick()                                       { f.KickFunc() }

// outboxCounter is what the sync bar reads from the local store when no
// sync engine is wired.
type outboxCounter interface {
	PendingCount(ctx context.Context) (int, error)
	NeedsAttention(ctx context.Context) ([]sqlite.Change, error)
}

// SyncBar is the line along the bottom of the window: online or offline,
// changes waiting to be sent, the last sync, conflicts, changes the server
// refused, and 立即同步.
type SyncBar struct {
	widget.BaseWidget

	env       *env
	status    *widget.Label
	icon      *widget.Icon
	pending   *widget.Label
	last      *widget.Label
	lastError *widget.Label
	conflicts *widget.Button
	attention *widget.Button
	now       *widget.Button
	cancel    func()
	attn      *attentionDialog // the needs-attention list while it is open
	state     SyncState
	root      fyne.CanvasObject
}

// NewSyncBar builds the bar; with a sync engine it follows its state.
func NewSyncBar(e *env) *SyncBar {
	b := &SyncBar{env: e}
	b.ExtendBaseWidget(b)
	b.icon = widget.NewIcon(theme.MediaRecordIcon())
	b.status = widget.NewLabel("")
	b.pending = widget.NewLabel("")
	b.last = widget.NewLabel("")
	b.lastError = widget.NewLabel("")
	b.lastError.Importance = widget.DangerImportance
	b.lastError.Truncation = fyne.TextTruncateEllipsis
	b.conflicts = widget.NewButtonWithIcon("", theme.WarningIcon(), b.onConflictsTapped)
	b.conflicts.Importance = widget.DangerImportance
	b.attention = widget.NewButtonWithIcon("", theme.ErrorIcon(), b.onAttentionTapped)
	b.attention.Importance = widget.WarningImportance
	b.now = widget.NewButtonWithIcon(lang.L("sync.now"), theme.ViewRefreshIcon(), b.onSyncNowTapped)
	left := container.NewHBox(b.icon, b.status, widget.NewSeparator(), b.pending, widget.NewSeparator(), b.last,
		b.conflicts, b.attention)
	b.root = container.NewBorder(nil, nil, left, b.now, b.lastError)
	if e.Sync != nil {
		b.state = e.Sync.State()
		b.cancel = e.Sync.Subscribe(func(st SyncState) { fyne.Do(func() { b.apply(st) }) })
	} else {
		b.now.Disable()
	}
	b.apply(b.state)
	return b
}

// CreateRenderer implements fyne.Widget.
func (b *SyncBar) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewPadded(b.root))
}

// close stops following the engine.
func (b *SyncBar) close() {
	if b.cancel != nil {
		b.cancel()
		b.cancel = nil
	}
}

// reload re-reads the local counts (without a sync engine they are all
// the bar has).
func (b *SyncBar) reload() {
	e := b.env
	if e.Sync != nil {
		return
	}
	e.run(func() {
		n, err := e.Store.PendingCount(e.ctx)
		if err != nil {
			e.log.Error("count pending changes", "err", err)
			return
		}
		att, err := e.Store.NeedsAttention(e.ctx)
		if err != nil {
			e.log.Error("count refused changes", "err", err)
			return
		}
		fyne.Do(func() {
			st := b.state
			st.Pending, st.NeedsAttention = n, len(att)
			b.apply(st)
		})
	})
}

// apply shows st (on the UI goroutine).
func (b *SyncBar) apply(st SyncState) {
	prev := b.state
	b.state = st
	e := b.env
	switch {
	case e.Sync == nil:
		b.status.SetText(lang.L("sync.offlineOnly"))
		b.icon.SetResource(theme.MediaRecordIcon())
	case st.Syncing:
		b.status.SetText(lang.L("sync.syncing"))
		b.icon.SetResource(theme.ViewRefreshIcon())
	case st.Online:
		b.status.SetText(lang.L("sync.online"))
		b.icon.SetResource(theme.ConfirmIcon())
	default:
		b.status.SetText(lang.L("sync.offline"))
		b.icon.SetResource(theme.CancelIcon())
	}
	b.pending.SetText(lang.X("sync.pending", "待同步 {{.N}} 条修改", map[string]any{"N": st.Pending}))
	if st.LastSuccess.IsZero() {
		b.last.SetText(lang.L("sync.never"))
	} else {
		b.last.SetText(lang.X("sync.last", "上次同步 {{.T}}", map[string]any{"T": timeText(st.LastSuccess)}))
	}
	if st.LastError != nil {
		b.lastError.SetText(errorText(st.LastError))
	} else {
		b.lastError.SetText("")
	}
	if st.Conflicts > 0 {
		b.conflicts.SetText(lang.X("sync.conflicts", "冲突 {{.N}}", map[string]any{"N": st.Conflicts}))
		b.conflicts.Show()
	} else {
		b.conflicts.Hide()
	}
	if st.NeedsAttention > 0 {
		b.attention.SetText(lang.X("sync.attention", "需处理 {{.N}}", map[string]any{"N": st.NeedsAttention}))
		b.attention.Show()
	} else {
		b.attention.Hide()
	}
	if b.attn != nil && (st.NeedsAttention != prev.NeedsAttention || (prev.Syncing && !st.Syncing)) {
		b.attn.reload() // a retried change accepted, or back with a new reason
	}
	if e.Sync != nil && (st.Conflicts != prev.Conflicts || st.LastSuccess != prev.LastSuccess) {
		// Only the engine creates conflicts and numbers: refresh what shows them.
		e.run(func() {
			e.refreshConflicts()
			fyne.Do(e.refreshed)
		})
	}
}

func (b *SyncBar) onSyncNowTapped() {
	if b.env.Sync != nil {
		b.env.Sync.Kick()
	}
}

func (b *SyncBar) onConflictsTapped() { b.env.nav.openConflicts() }

// onAttentionTapped opens the needs-attention list (需处理).
func (b *SyncBar) onAttentionTapped() {
	b.attn = newAttentionDialog(b.env, func() { b.attn = nil })
	b.attn.show()
}
