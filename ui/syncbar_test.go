package ui

import (
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lixiang/domain"
)

// fakeSync is a sync engine as the window sees it.
type fakeSync struct {
	mu     sync.Mutex
	state  SyncState
	subs   []func(SyncState)
	kicks  int
	cancel int
}

func (f *fakeSync) State() SyncState { f.mu.Lock(); defer f.mu.Unlock(); return f.state }
func (f *fakeSync) Subscribe(g func(SyncState)) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs = append(f.subs, g)
	return func() { f.mu.Lock(); f.cancel++; f.mu.Unlock() }
}
func (f *fakeSync) Kick() { f.mu.Lock(); f.kicks++; f.mu.Unlock() }
func (f *fakeSync) publish(s SyncState) {
	f.mu.Lock()
	f.state = s
	subs := append([]func(SyncState){}, f.subs...)
	f.mu.Unlock()
	for _, g := range subs {
		g(s)
	}
}

// Without a sync engine the bar says 仅离线 and counts the local outbox;
// 立即同步 is off.
func TestSyncBarOfflineOnlyCountsTheOutbox(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, "saas-draft", "local-draft")
	e, _ := testEnv(t, st, "zhangwei")
	b := NewSyncBar(e)
	test.NewTempWindow(t, b)
	b.reload()
	shows(t, b, "仅离线（未连接服务器）", "待同步 2 条修改", "从未同步", "立即同步")
	lacks(t, b, "冲突", "需处理")
	if !b.now.Disabled() {
		t.Error("立即同步 is enabled with no sync engine")
	}
}

// With an engine the bar follows its state: online, pending, last sync,
// conflicts and refused changes; 立即同步 kicks it.
func TestSyncBarFollowsTheEngine(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	e, nav := testEnv(t, st, "zhangwei")
	eng := &fakeSync{state: SyncState{}}
	e.Sync = eng
	b := NewSyncBar(e)
	test.NewTempWindow(t, b).Resize(fyne.NewSize(1280, 48))
	shows(t, b, "离线", "待同步 0 条修改")

	eng.publish(SyncState{Online: true, Pending: 3, Conflicts: 1, NeedsAttention: 2, LastSuccess: testNow, SignedIn: true})
	shows(t, b, "在线", "待同步 3 条修改", "上次同步 2026-11-20 09:30", "冲突 1", "需处理 2")
	eng.publish(SyncState{Online: true, Syncing: true, LastSuccess: testNow,
		LastError: &domain.Error{Code: "offline", Message: "服务器暂时不可用", English: "the server is unavailable"}})
	shows(t, b, "正在同步…", "服务器暂时不可用")
	lacks(t, b, "unavailable")
	lacks(t, b, "冲突", "需处理")

	test.Tap(b.now)
	if eng.kicks != 1 {
		t.Errorf("立即同步 kicked the engine %d times", eng.kicks)
	}
	eng.publish(SyncState{Online: true, Conflicts: 2})
	test.Tap(b.conflicts)
	if nav.lastCall() != "conflicts" {
		t.Errorf("the conflicts button went to %q", nav.lastCall())
	}
	b.close()
	if eng.cancel != 1 {
		t.Error("closing the bar did not stop following the engine")
	}
}

// Issue 3: the app syncs when the user saves — every local change the
// window makes kicks the engine.
func TestALocalChangeKicksTheEngine(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	eng := &fakeSync{}
	org := demoOrg(t)
	w := test.NewTempWindow(t, nil)
	s := NewShell(w, Deps{Store: st, Org: org, User: user(t, org, "zhangwei"), Sync: eng, Prefs: fyne.CurrentApp().Preferences()})
	before := eng.kicks
	s.env.changed()
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if eng.kicks != before+1 {
		t.Fatalf("a save kicked the engine %d times", eng.kicks-before)
	}
}

// A finished sync refreshes what shows local data but asks for no other
// sync: the engine's passes ran back to back without end when every
// success counted as a local change (dozens of requests a second).
func TestASuccessfulSyncDoesNotAskForAnother(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, "saas-draft")
	eng := &fakeSync{state: SyncState{Online: true}}
	org := demoOrg(t)
	w := test.NewTempWindow(t, nil)
	s := NewShell(w, Deps{Store: st, Org: org, User: user(t, org, "zhangwei"), Sync: eng, Prefs: fyne.CurrentApp().Preferences()})
	w.SetContent(s)
	waitFor(t, func() bool { eng.mu.Lock(); defer eng.mu.Unlock(); return eng.kicks >= 1 }) // the start asks for one
	time.Sleep(50 * time.Millisecond)
	eng.mu.Lock()
	before := eng.kicks
	eng.mu.Unlock()

	at := time.Date(2026, 11, 29, 14, 30, 0, 0, time.UTC)
	for i := range 5 { // five passes, each a success
		eng.publish(SyncState{Online: true, Syncing: true})
		eng.publish(SyncState{Online: true, LastSuccess: at.Add(time.Duration(i) * time.Second)})
	}
	time.Sleep(200 * time.Millisecond) // let the refreshes the passes started finish
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if eng.kicks != before {
		t.Fatalf("five finished syncs asked for %d more", eng.kicks-before)
	}
}

// Attachment metadata synced from another device may be malformed: opening
// it is refused with a message, never a crash (issue 6, bug 4).
func TestMalformedAttachmentMetadataDoesNotCrash(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	e, _ := testEnv(t, st, "zhangwei")
	for _, a := range []domain.Attachment{{SHA256: "abc", Name: "x.pdf"}, {SHA256: "", Name: "../../etc/passwd"}} {
		if _, err := attachmentFile(e, a); err == nil {
			t.Errorf("opening %+v succeeded", a)
		}
	}
}

// The engine's error shows in the window's language only: signed out reads
// in English in the English window, with no Chinese beside it, and in
// Chinese in the Chinese one.
func TestSyncBarShowsTheEnginesErrorInTheUIsLanguage(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	signedOut := &domain.Error{Code: domain.EUNAUTHORIZED, Message: "未登录或登录已过期，请重新登录", English: "signed out: sign in again"}
	for _, tc := range []struct {
		lang       string
		want, lack string
	}{
		{langEnglish, "signed out: sign in again", "请重新登录"},
		{langChinese, "未登录或登录已过期，请重新登录", "sign in again"},
	} {
		if err := SwitchLanguage(fyne.CurrentApp().Preferences(), tc.lang); err != nil {
			t.Fatal(err)
		}
		e, _ := testEnv(t, st, "zhangwei")
		eng := &fakeSync{state: SyncState{LastError: signedOut}}
		e.Sync = eng
		b := NewSyncBar(e)
		test.NewTempWindow(t, b).Resize(fyne.NewSize(1280, 48))
		shows(t, b, tc.want)
		lacks(t, b, tc.lack)
		eng.publish(SyncState{Online: true, SignedIn: true})
		lacks(t, b, tc.want)
	}
}
