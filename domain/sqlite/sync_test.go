package sqlite

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
)

// serverCopy is what a server would send for p: p itself at a version,
// after edit has changed it there.
func serverCopy(t *testing.T, p *domain.Project, version int64, edit func(*domain.Project)) PulledProject {
	t.Helper()
	c, err := clone(p)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(c)
	}
	return PulledProject{Version: version, Doc: mustJSON(t, c)}
}

func mustProject(t *testing.T, s *Store, id string) *domain.Project {
	t.Helper()
	p, err := s.Project(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAPulledProjectIsStoredWithItsServerBaseAndTheCursorMovesWithIt(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, domainStoreForAttachments(t), org, clock.Now())
	page := []PulledProject{serverCopy(t, p, 3, func(p *domain.Project) { p.Number = "SS-2026-0001" })}
	if err := s.ApplyPulled(ctx, page, 17); err != nil {
		t.Fatal(err)
	}
	got := mustProject(t, s, p.ID)
	if got.Number != "SS-2026-0001" || got.Registration.Customer.ShortName != "安证通" {
		t.Fatalf("pulled project = %+v", got)
	}
	v, base, err := s.ServerState(ctx, p.ID)
	if err != nil || v != 3 || base == nil || base.Number != "SS-2026-0001" {
		t.Fatalf("ServerState = %d, %+v, %v", v, base, err)
	}
	if c, _ := s.Cursor(ctx); c != 17 {
		t.Fatalf("cursor = %d, want 17", c)
	}
	if n, _ := s.PendingCount(ctx); n != 0 {
		t.Fatalf("a pull queued %d changes", n)
	}
	if j, _ := s.Journal(ctx, p.ID); len(j) != 0 {
		t.Errorf("a project seen for the first time was journaled: %+v", j)
	}
	if found, _ := s.Search(ctx, "安证通", Filter{}); len(found) != 1 {
		t.Errorf("the pulled project is not searchable: %+v", found)
	}
	// A late, older version changes nothing; the cursor never goes back.
	if err := s.ApplyPulled(ctx, []PulledProject{serverCopy(t, p, 2, nil)}, 5); err != nil {
		t.Fatal(err)
	}
	if got := mustProject(t, s, p.ID); got.Number != "SS-2026-0001" {
		t.Errorf("an older version replaced the newer: number %q", got.Number)
	}
	if c, _ := s.Cursor(ctx); c != 17 {
		t.Errorf("cursor went back to %d", c)
	}
}

// domainStoreForAttachments is a second store that only holds the bytes of
// fixtures' attachments (a pulled project's files are not on this device).
func domainStoreForAttachments(t *testing.T) *Store {
	s, _, _ := openTest(t)
	return s
}

func TestABadRecordRollsBackTheWholePageAndTheCursor(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	good := localDraft(t, s, org, clock.Now())
	page := []PulledProject{serverCopy(t, good, 1, nil), {Version: 1, Doc: json.RawMessage(`{"id":"not-a-uuid"}`)}}
	if err := s.ApplyPulled(ctx, page, 9); err == nil {
		t.Fatal("a page with a bad record was applied")
	}
	if c, _ := s.Cursor(ctx); c != 0 {
		t.Errorf("cursor moved to %d past a record that failed", c)
	}
	if _, err := s.Project(ctx, good.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("the good record of the failed page was kept: %v", err)
	}
}

func TestPendingLocalEditsStayOnTopOfWhatIsPulled(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	create := mustSave(t, s, "u-zhangwei", p)
	if err := s.RecordPushed(ctx, []PushOutcome{{ChangeID: create.ChangeID, ProjectID: p.ID, Version: 1}}); err != nil {
		t.Fatal(err)
	}
	// Offline, the user edits the requirement; meanwhile the server got a
	// new customer scale from someone else.
	p.Registration.Requirement = "本地改动：需要移动端签署"
	mustSave(t, s, "u-zhangwei", p)
	pulled := serverCopy(t, p, 2, func(q *domain.Project) {
		q.Registration.Requirement = "需要电子签章与OA系统对接，支持合同在线签署" // the server's value is still the old one
		q.Registration.Background.UserScale = "8000"
	})
	if err := s.ApplyPulled(ctx, []PulledProject{pulled}, 2); err != nil {
		t.Fatal(err)
	}
	got := mustProject(t, s, p.ID)
	if got.Registration.Requirement != "本地改动：需要移动端签署" {
		t.Errorf("the pending edit was overwritten: %q", got.Registration.Requirement)
	}
	if got.Registration.Background.UserScale != "8000" {
		t.Errorf("the server's change was not applied: %q", got.Registration.Background.UserScale)
	}
	if n, _ := s.PendingCount(ctx); n != 1 {
		t.Errorf("pending = %d, want the one edit", n)
	}
	_, base, _ := s.ServerState(ctx, p.ID)
	if base.Registration.Requirement == got.Registration.Requirement {
		t.Error("the server base took the local edit")
	}
	j, _ := s.Journal(ctx, p.ID)
	last := j[len(j)-1]
	if last.ActorID != ServerActor || last.Path != "registration.background.user_scale" || last.New != "8000" {
		t.Errorf("last journal line = %+v, want the server's change", last)
	}
	for _, e := range j {
		if e.ActorID == ServerActor && e.Path == "registration.requirement" {
			t.Errorf("the pull journaled a change of the pending field: %+v", e)
		}
	}
}

func TestATombstoneHidesTheProject(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	if err := s.ApplyPulled(ctx, []PulledProject{serverCopy(t, p, 1, nil)}, 1); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListProjects(ctx, Filter{}); len(l) != 1 {
		t.Fatalf("listed %d", len(l))
	}
	if err := s.ApplyPulled(ctx, []PulledProject{serverCopy(t, p, 2, func(q *domain.Project) { q.Deleted = true })}, 2); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListProjects(ctx, Filter{}); len(l) != 0 {
		t.Errorf("a discarded draft is still listed: %+v", l)
	}
	if got := mustProject(t, s, p.ID); !got.Deleted {
		t.Error("not marked deleted")
	}
}

func TestPushResultsAckRecordTheNumberAndKeepRefusedInput(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	create := mustSave(t, s, "u-zhangwei", p)
	submitted := mustApply(t, s, org, p.ID, domain.Command{Action: domain.ActSubmit}, "u-zhangwei")
	submit := outboxFor(t, s, p.ID)[1]
	if submitted.Status != domain.StatusSubmitted {
		t.Fatalf("status = %s", submitted.Status)
	}
	// The server has the create (and assigns the number) but refuses the
	// submission; an edit after it is refused too.
	p2 := mustProject(t, s, p.ID)
	p2.Registration.Other.Notes = "用户的补充说明"
	edit := mustSave(t, s, "u-zhangwei", p2)
	err := s.RecordPushed(ctx, []PushOutcome{
		{ChangeID: create.ChangeID, ProjectID: p.ID, Version: 1, Number: "SS-2026-0007"},
		{ChangeID: submit.ChangeID, ProjectID: p.ID, Refused: "提交被拒绝：缺少附件"},
		{ChangeID: edit.ChangeID, ProjectID: p.ID, Refused: "无权修改"},
		{ChangeID: "0190aaaa-0000-7000-8000-000000000000", ProjectID: p.ID, Refused: "not ours"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := mustProject(t, s, p.ID)
	if got.Number != "SS-2026-0007" {
		t.Errorf("number = %q", got.Number)
	}
	if got.Status != domain.StatusDraft || got.Approval != nil || len(got.Decisions) != 0 {
		t.Errorf("the refused submission was not undone: status %s, approval %+v, decisions %+v",
			got.Status, got.Approval, got.Decisions)
	}
	if got.Registration.Other.Notes != "用户的补充说明" {
		t.Errorf("the refused edit lost the user's input: %q", got.Registration.Other.Notes)
	}
	if v, _, _ := s.ServerState(ctx, p.ID); v != 1 {
		t.Errorf("server version = %d", v)
	}
	na, _ := s.NeedsAttention(ctx)
	if len(na) != 2 || na[0].LastError != "提交被拒绝：缺少附件" || na[1].LastError != "无权修改" {
		t.Fatalf("needs attention = %+v", na)
	}
	if n, _ := s.NeedsAttentionCount(ctx); n != 2 {
		t.Errorf("NeedsAttentionCount = %d", n)
	}
	// A pull keeps the refused edit on top but not the refused action.
	pulled := serverCopy(t, got, 2, func(q *domain.Project) {
		q.Registration.Other.Notes = "客户希望年底前上线"
		q.Registration.Other.GoLive = "2027-01-31"
	})
	if err := s.ApplyPulled(ctx, []PulledProject{pulled}, 3); err != nil {
		t.Fatal(err)
	}
	got = mustProject(t, s, p.ID)
	if got.Registration.Other.Notes != "用户的补充说明" || got.Registration.Other.GoLive != "2027-01-31" || got.Status != domain.StatusDraft {
		t.Errorf("after the pull: notes %q, go-live %q, status %s", got.Registration.Other.Notes, got.Registration.Other.GoLive, got.Status)
	}
	// The user corrects the refused value, then retries the edit: it goes
	// back in the queue, in its place, under a new change id (the server
	// answers the old one with its refusal for good), re-based: the value
	// the field holds here now, from the value it was made on, against the
	// server version known now.
	corrected := mustProject(t, s, p.ID)
	corrected.Registration.Other.Notes = "改正后的补充说明"
	fix := mustSave(t, s, "u-zhangwei", corrected)
	if err := s.RetryNeedsAttention(ctx, edit.ChangeID); err != nil {
		t.Fatal(err)
	}
	pending, _ := s.Pending(ctx, 0, 0)
	if len(pending) != 2 || pending[0].ChangeID == edit.ChangeID || !domain.ValidID(pending[0].ChangeID) ||
		pending[1].ChangeID != fix.ChangeID || pending[0].BaseVersion != 2 {
		t.Fatalf("pending after retry = %+v", pending)
	}
	var retried ChangePayload
	if err := json.Unmarshal(pending[0].Payload, &retried); err != nil {
		t.Fatal(err)
	}
	if len(retried.Changes) != 1 || retried.Changes[0].Path != "registration.other.notes" ||
		retried.Changes[0].Old != `"客户希望年底前上线"` || retried.Changes[0].New != `"改正后的补充说明"` {
		t.Errorf("the retried edit = %+v", retried.Changes)
	}
	if na, _ := s.NeedsAttention(ctx); len(na) != 1 || na[0].ChangeID != submit.ChangeID {
		t.Errorf("needs attention after the retry = %+v", na)
	}
	// The old id's answer, arriving late, touches nothing.
	if err := s.RecordPushed(ctx, []PushOutcome{{ChangeID: edit.ChangeID, ProjectID: p.ID, Refused: "无权修改"}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PendingCount(ctx); n != 2 {
		t.Errorf("pending after a late answer to the old id = %d", n)
	}
	if err := s.RetryNeedsAttention(ctx, edit.ChangeID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("retrying the old id again = %v", err)
	}
	if err := s.RetryNeedsAttention(ctx, "0190aaaa-0000-7000-8000-000000000001"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("retrying an unknown change = %v", err)
	}
}

func TestConflictsAreListedAndResolvedAsAnOrdinaryEdit(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	pulled := serverCopy(t, p, 4, func(q *domain.Project) {
		q.Registration.Requirement = "服务器上的值"
		q.Conflicts = []domain.Conflict{{Path: "registration.requirement", Base: `"原值"`, Mine: `"我的值"`,
			Theirs: `"服务器上的值"`, ActorID: "u-lina"}}
	})
	if err := s.ApplyPulled(ctx, []PulledProject{pulled}, 4); err != nil {
		t.Fatal(err)
	}
	cs, err := s.Conflicts(ctx)
	if err != nil || len(cs) != 1 || cs[0].ProjectID != p.ID || len(cs[0].Conflicts) != 1 ||
		cs[0].Conflicts[0].Mine != `"我的值"` {
		t.Fatalf("Conflicts = %+v, %v", cs, err)
	}
	if n, _ := s.ConflictCount(ctx); n != 1 {
		t.Errorf("ConflictCount = %d", n)
	}
	if _, err := s.ResolveConflict(ctx, "u-zhangwei", p.ID, "registration.requirement", `"x"`); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("resolving by a field path, not a conflict's identity = %v", err)
	}
	// Stored without the change that made it: its identity is derived.
	res, err := s.ResolveConflict(ctx, "u-zhangwei", p.ID, cs[0].Conflicts[0].ID(), `"我的值"`)
	if err != nil || res.ChangeID == "" {
		t.Fatalf("ResolveConflict = %+v, %v", res, err)
	}
	got := mustProject(t, s, p.ID)
	if got.Registration.Requirement != "我的值" || len(got.Conflicts) != 0 {
		t.Errorf("after resolving: %q, conflicts %+v", got.Registration.Requirement, got.Conflicts)
	}
	if n, _ := s.ConflictCount(ctx); n != 0 {
		t.Errorf("ConflictCount after resolving = %d", n)
	}
	// It is sent as the edit of the field, naming the conflict by its
	// identity, not as changes of the list's rows.
	ch := outboxFor(t, s, p.ID)
	var sent ChangePayload
	if len(ch) != 1 || ch[0].BaseVersion != 4 || json.Unmarshal(ch[0].Payload, &sent) != nil {
		t.Fatalf("the resolution's outbox change = %+v", ch)
	}
	if len(sent.Changes) != 1 || sent.Changes[0].Path != "registration.requirement" || len(sent.Resolves) != 1 ||
		sent.Resolves[0] != cs[0].Conflicts[0].ID() || strings.Contains(string(ch[0].Payload), "conflicts[") {
		t.Errorf("the resolution's payload = %s", ch[0].Payload)
	}
}

func TestAPullThatChangesNothingHereJournalsNothing(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	create := mustSave(t, s, "u-zhangwei", p)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.RecordPushed(ctx, []PushOutcome{{ChangeID: create.ChangeID, ProjectID: p.ID, Version: 1}}))
	before, _ := s.Journal(ctx, p.ID)
	// The server's copy of the change just pushed: the same content, the
	// server's time.
	must(s.ApplyPulled(ctx, []PulledProject{serverCopy(t, p, 1, func(q *domain.Project) { q.UpdatedAt = q.UpdatedAt.Add(time.Minute) })}, 1))
	if after, _ := s.Journal(ctx, p.ID); len(after) != len(before) {
		t.Errorf("the pull-back of our own change journaled %+v", after[len(before):])
	}
	if got := mustProject(t, s, p.ID); !got.UpdatedAt.Equal(p.UpdatedAt.Add(time.Minute)) {
		t.Errorf("updated_at = %s, want the server's", got.UpdatedAt)
	}
	// An empty page that does not move the cursor writes nothing.
	must(s.ApplyPulled(ctx, nil, 1))
	must(s.ApplyPulled(ctx, nil, 4))
	if c, _ := s.Cursor(ctx); c != 4 {
		t.Errorf("cursor = %d, want 4", c)
	}
}
