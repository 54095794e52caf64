package ui

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

// refusedSetup is a store where the server refused two of 张伟's changes:
// an edit of a project the server has (its requirement, typed offline
// after the project was submitted elsewhere) and the creation of a new
// project.
type refusedSetup struct {
	st              *sqlite.Store
	onServer, fresh *domain.Project
	edit, create    string // the refused change ids
	serverReq       string
}

func newRefusedSetup(t *testing.T) *refusedSetup {
	t.Helper()
	ctx := context.Background()
	st, _ := newStore(t)
	r := &refusedSetup{st: st, serverReq: "合同与公文电子签章"}
	r.onServer = storedProject(t, st, "01a30000-0000-7000-8000-0000000000a1", domain.KindLocal, "青岛水务", nil)
	// The server has it as saved here.
	doc, err := st.Project(ctx, r.onServer.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range pendingChanges(t, st) {
		if err := st.RecordPushed(ctx, []sqlite.PushOutcome{{ChangeID: c.ChangeID, ProjectID: c.ProjectID, Version: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyPulled(ctx, []sqlite.PulledProject{{Version: 1, Doc: b}}, 1); err != nil {
		t.Fatal(err)
	}
	q, _ := st.Project(ctx, r.onServer.ID)
	q.Registration.Requirement = "离线补充：需要移动端签署"
	res, err := st.SaveProject(ctx, "u-zhangwei", q)
	if err != nil {
		t.Fatal(err)
	}
	r.edit = res.ChangeID
	r.fresh = storedProject(t, st, "01a30000-0000-7000-8000-0000000000b2", domain.KindSaaS, "烟台港务", nil)
	r.create = pendingChanges(t, st)[1].ChangeID
	if err := st.RecordPushed(ctx, []sqlite.PushOutcome{
		// As the server refuses a field the person may not change now.
		{ChangeID: r.edit, ProjectID: r.onServer.ID, Reason: &sqlite.Reason{Code: domain.EFORBIDDEN,
			Message: "您现在不能修改这个字段（项目当前状态：审批中）", English: "you may not change this field now (the project is submitted)",
			Problems: domain.Problems{{Path: "registration.requirement", Code: domain.EFORBIDDEN,
				Message: "现在不能修改（项目当前状态：审批中）", English: "cannot be changed now (the project is submitted)"}}}},
		// As an older program kept a refusal: its text alone.
		{ChangeID: r.create, ProjectID: r.fresh.ID, Refused: "项目的创建时间比服务器时间晚一天以上"},
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

func pendingChanges(t *testing.T, st *sqlite.Store) []sqlite.Change {
	t.Helper()
	cs, err := st.Pending(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func hasButton(o fyne.CanvasObject, text string) bool {
	found := false
	walkVisible(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			found = true
		}
	})
	return found
}

// button finds the first visible button reading text under o.
func button(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walkVisible(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q in:\n%s", text, visibleText(o))
	}
	return found
}

func topOverlay(t *testing.T, e *env) fyne.CanvasObject {
	t.Helper()
	top := e.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog is open")
	}
	return top
}

// Issue 3: the needs-attention list (需处理) shows each refused change with
// its project, the fields it changed, the server's reason and when, and
// lets the person retry it, give it up (taking the server's values, after
// confirming) or open the project; a new project the server never took is
// deleted as a draft, not given up.
func TestTheNeedsAttentionListIsActionable(t *testing.T) {
	chineseApp(t)
	r := newRefusedSetup(t)
	ctx := context.Background()
	e, _ := testEnv(t, r.st, "zhangwei")
	eng := &fakeSync{}
	e.Sync = eng
	changed := 0
	e.changed = func() { changed++; eng.Kick() }
	b := NewSyncBar(e)
	test.NewTempWindow(t, b).Resize(fyne.NewSize(1280, 48))
	eng.publish(SyncState{Online: true, NeedsAttention: 2, SignedIn: true})
	test.Tap(b.attention)
	list := topOverlay(t, e)
	shows(t, list, "服务器未接受的修改", "青岛水务", "修改了：客户需求说明",
		"服务器的原因：您现在不能修改这个字段（项目当前状态：审批中）", "客户需求说明：现在不能修改（项目当前状态：审批中）", "修改于 2026-11-20 09:30",
		"烟台港务", "新建项目（服务器上还没有这个项目）", "项目的创建时间比服务器时间晚一天以上",
		"重试", "放弃修改", "从本机删除", "打开项目")

	// 放弃修改 asks first, saying the typed values give way to the server's.
	test.Tap(button(t, list, "放弃修改"))
	ask := topOverlay(t, e)
	shows(t, ask, "您在“客户需求说明”中填写的值将被服务器上的值")
	test.Tap(button(t, ask, "取消"))
	if p, _ := r.st.Project(ctx, r.onServer.ID); p.Registration.Requirement != "离线补充：需要移动端签署" {
		t.Fatalf("cancelling changed the requirement to %q", p.Registration.Requirement)
	}
	test.Tap(button(t, list, "放弃修改"))
	test.Tap(button(t, topOverlay(t, e), "放弃修改"))
	if p, _ := r.st.Project(ctx, r.onServer.ID); p.Registration.Requirement != r.serverReq {
		t.Errorf("after giving up: requirement %q, want the server's %q", p.Registration.Requirement, r.serverReq)
	}
	shows(t, list, "烟台港务")
	lacks(t, list, "青岛水务")
	if hasButton(list, "放弃修改") {
		t.Error("the given-up change is still listed")
	}

	// 重试 sends the new project again and syncs; refused again, it comes
	// back with the new reason when the engine's pass ends.
	kicks := eng.kicks
	test.Tap(button(t, list, "重试"))
	if eng.kicks == kicks || changed == 0 {
		t.Errorf("重试 did not ask for a sync (kicks %d → %d)", kicks, eng.kicks)
	}
	shows(t, list, "没有需处理的修改")
	eng.publish(SyncState{Online: true, Syncing: true, Pending: 1, SignedIn: true})
	retried := pendingChanges(t, r.st)
	if len(retried) != 1 || retried[0].ProjectID != r.fresh.ID {
		t.Fatalf("pending after 重试 = %+v", retried)
	}
	if err := r.st.RecordPushed(ctx, []sqlite.PushOutcome{{ChangeID: retried[0].ChangeID, ProjectID: r.fresh.ID,
		Refused: "SaaS项目立项申请须由销售发起"}}); err != nil {
		t.Fatal(err)
	}
	eng.publish(SyncState{Online: true, NeedsAttention: 1, SignedIn: true})
	shows(t, list, "烟台港务", "SaaS项目立项申请须由销售发起")
	lacks(t, list, "没有需处理的修改")

	// A new project cannot be given up: it is deleted as a draft, after
	// confirming.
	test.Tap(button(t, list, "从本机删除"))
	ask = topOverlay(t, e)
	shows(t, ask, "服务器从未接受这个新项目")
	test.Tap(button(t, ask, "从本机删除"))
	if p, _ := r.st.Project(ctx, r.fresh.ID); !p.Deleted {
		t.Error("the refused new project's draft was not deleted")
	}
	shows(t, list, "没有需处理的修改")
	if n, _ := r.st.PendingCount(ctx); n != 0 {
		t.Errorf("%d changes left to send", n)
	}

	// 打开项目 closes the list and opens the project.
	r2 := newRefusedSetup(t)
	e2, nav2 := testEnv(t, r2.st, "zhangwei")
	b2 := NewSyncBar(e2)
	test.NewTempWindow(t, b2)
	b2.reload()
	test.Tap(b2.attention)
	test.Tap(button(t, topOverlay(t, e2), "打开项目"))
	if got := nav2.lastCall(); got != "project "+r2.onServer.ID {
		t.Errorf("打开项目 went to %q", got)
	}
}

// Giving up a new project's creation is refused by the store with a
// message saying what to do instead.
func TestGivingUpACreateExplainsWhatToDo(t *testing.T) {
	chineseApp(t)
	r := newRefusedSetup(t)
	_, err := r.st.DiscardNeedsAttention(context.Background(), "u-zhangwei", r.create)
	if got := errorText(err); domain.ErrorCode(err) != domain.ESTATE || !strings.Contains(got, "重试") || !strings.Contains(got, "从本机删除") {
		t.Fatalf("giving up a create = %v", err)
	}
}

// The server's reason shows in the window's language only, each field it
// names by its label, never by its path: no Chinese in the English
// window's reason, no English in the Chinese one's. A reason kept as text
// alone (by an older program) shows as it is.
func TestTheRefusalReadsInTheWindowsLanguage(t *testing.T) {
	chineseApp(t)
	r := newRefusedSetup(t)
	for _, tc := range []struct {
		lang          string
		reason, field string
		lack          []string
	}{
		{langEnglish, "The server's reason: you may not change this field now (the project is submitted)",
			"Customer requirement: cannot be changed now (the project is submitted)", []string{"registration.requirement", "不能修改"}},
		{langChinese, "服务器的原因：您现在不能修改这个字段（项目当前状态：审批中）",
			"客户需求说明：现在不能修改（项目当前状态：审批中）", []string{"registration.requirement", "may not", "submitted"}},
	} {
		if err := SwitchLanguage(fyne.CurrentApp().Preferences(), tc.lang); err != nil {
			t.Fatal(err)
		}
		e, _ := testEnv(t, r.st, "zhangwei")
		e.Sync = &fakeSync{}
		b := NewSyncBar(e)
		test.NewTempWindow(t, b).Resize(fyne.NewSize(1280, 48))
		b.reload()
		test.Tap(b.attention)
		list := topOverlay(t, e)
		shows(t, list, tc.reason, tc.field, "项目的创建时间比服务器时间晚一天以上")
		lacks(t, list, tc.lack...)
		var reasons []string
		walkVisible(list, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, tc.reason) {
				reasons = append(reasons, l.Text)
			}
		})
		if len(reasons) != 1 || reasons[0] != tc.reason+"\n"+tc.field {
			t.Errorf("%s: the reason reads %q, want %q", tc.lang, reasons, tc.reason+"\n"+tc.field)
		}
		if tc.lang == langEnglish && strings.ContainsFunc(reasons[0], func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("the English window's reason has Chinese in it: %q", reasons[0])
		}
		e.win.Canvas().Overlays().Top().Hide()
	}
}
