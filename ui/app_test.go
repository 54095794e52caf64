package ui

import (
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// newTestShell is the whole window on a store, as zhangwei.
func newTestShell(t *testing.T, login string) (*Shell, fyne.Window) {
	t.Helper()
	st, _ := newStore(t)
	importSamples(t, st, allSamples...)
	e, _ := testEnv(t, st, login)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	d := e.Deps
	s := &Shell{deps: d, ctx: t.Context()}
	s.ExtendBaseWidget(s)
	s.buildWith = func(e *env) { e.run = func(f func()) { f() } }
	s.build(w)
	w.SetContent(s)
	return s, w
}

// The window: who is signed in, the navigation with the inbox count, the
// project list first, and the sync bar along the bottom.
func TestShellShowsIdentityNavigationListAndSyncBar(t *testing.T) {
	chineseApp(t)
	s, _ := newTestShell(t, "chenjing")
	shows(t, s, "陈静（商务审批员）· 北京安证通信息科技股份有限公司（演示组织）",
		"项目列表", "待我审批（1）", "新建登记", "同步冲突", "账户与登录",
		"共 6 个项目", "仅离线（未连接服务器）", "待同步 6 条修改")

	s.openInbox()
	shows(t, s, "吉利控股项目升级拓展申请", "1 项待审批")
	s.openNewRegistration()
	shows(t, s, "本地化项目", "SaaS项目", "历史项目升级扩展", "开始填写", "实施登记 → 特批 → 交接 → 立项")
}

// Switching the language rebuilds the window in English and back, and
// the choice is saved for the next start.
func TestShellSwitchesLanguage(t *testing.T) {
	chineseApp(t)
	s, _ := newTestShell(t, "zhangwei")
	s.onLanguageChanged("English")
	t.Cleanup(func() { _ = SwitchLanguage(s.deps.Prefs, langChinese) })
	shows(t, s, "Projects", "My approvals", "New registration", "Offline only (no server)", "6 projects", "Sales")
	if got := s.deps.Prefs.String(PrefLanguage); got != "en" {
		t.Errorf("the saved language is %q", got)
	}
	s.onLanguageChanged("中文")
	shows(t, s, "项目列表", "待我审批", "仅离线（未连接服务器）")
	if got := s.deps.Prefs.String(PrefLanguage); got != "zh" {
		t.Errorf("the saved language is %q", got)
	}
}

// Files dropped on the window go to the open registration.
func TestShellPassesDroppedFilesToTheForm(t *testing.T) {
	chineseApp(t)
	s, _ := newTestShell(t, "zhangwei")
	s.openNewRegistration()
	s.current.(*KindChooser).onKindTapped("local")
	f, ok := s.current.(*RegistrationForm)
	if !ok {
		t.Fatalf("choosing 本地化 opened %T", s.current)
	}
	s.onDropped(fyne.NewPos(10, 10), []fyne.URI{writeTemp(t, "需求登记表.xlsx", "xlsx")})
	if n := len(f.p.Registration.Attachments); n != 1 {
		t.Fatalf("the form holds %d attachments after the drop", n)
	}
	// Leaving the form saves the draft.
	s.openList()
	p, err := s.env.Store.Project(t.Context(), f.p.ID)
	if err != nil || len(p.Registration.Attachments) != 1 {
		t.Errorf("the draft was not saved on leaving: %v", err)
	}
}

// A screen's timers (the autosave, the list's search as you type) do
// nothing once its window is closed: the draft was saved on leaving, and a
// late run would work on a closed store and, in tests, beside the next
// test's change of language.
func TestTimersStopWithTheWindow(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	org := demoOrg(t)
	w := test.NewWindow(nil) // closed by the test
	s := NewShell(w, Deps{Store: st, Org: org, User: user(t, org, "zhangwei"), Sync: &fakeSync{}, Prefs: fyne.CurrentApp().Preferences()})
	var runs atomic.Int32
	d := &debouncer{ctx: s.env.open, delay: 10 * time.Millisecond, f: func() { runs.Add(1) }}
	d.trigger()
	for deadline := time.Now().Add(5 * time.Second); runs.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if runs.Load() != 1 {
		t.Fatalf("the timer ran %d times while the window was open", runs.Load())
	}
	d.trigger()
	w.Close()
	if s.env.open.Err() == nil {
		t.Fatal("closing the window did not end its screens' context")
	}
	if s.env.ctx.Err() != nil {
		t.Fatal("closing the window cancelled the work context: a save under way would be lost")
	}
	time.Sleep(20 * d.delay)
	if runs.Load() != 1 {
		t.Fatalf("the timer ran after the window closed (%d runs)", runs.Load())
	}
}
