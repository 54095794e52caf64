package sqlite

import (
	"slices"
	"testing"

	"lixiang/domain"
)

// attentionCase is a store with a project the server has (pulled at
// version 1, its requirement serverReq) and changes made here.
type attentionCase struct {
	s   *Store
	org *domain.Org
	p   *domain.Project // as pulled
}

const serverReq = "服务器上的需求"

func newAttentionCase(t *testing.T) *attentionCase {
	t.Helper()
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	p := localDraft(t, s, org, clock.Now())
	p.Registration.Requirement = serverReq
	if err := s.ApplyPulled(t.Context(), []PulledProject{serverCopy(t, p, 1, nil)}, 1); err != nil {
		t.Fatal(err)
	}
	return &attentionCase{s: s, org: org, p: p}
}

// edit saves a change of the project here as 张伟 and returns its id.
func (c *attentionCase) edit(t *testing.T, f func(r *domain.Registration)) string {
	t.Helper()
	q := mustProject(t, c.s, c.p.ID)
	f(&q.Registration)
	return mustSave(t, c.s, "u-zhangwei", q).ChangeID
}

// refuse records the server's refusal of the changes.
func (c *attentionCase) refuse(t *testing.T, ids ...string) {
	t.Helper()
	var outs []PushOutcome
	for _, id := range ids {
		outs = append(outs, PushOutcome{ChangeID: id, ProjectID: c.p.ID, Refused: "您不能修改字段 registration.requirement（项目当前状态：已提交）"})
	}
	if err := c.s.RecordPushed(t.Context(), outs); err != nil {
		t.Fatal(err)
	}
}

func (c *attentionCase) outbox(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, ch := range outboxFor(t, c.s, c.p.ID) {
		if ch.State != StateAcked {
			ids = append(ids, ch.ChangeID)
		}
	}
	return ids
}

func TestDiscardingARefusedChangePutsBackTheServersValues(t *testing.T) {
	const mine, later, notes = "我离线写的需求", "之后又改的需求", "另一处的补充说明"
	for _, tc := range []struct {
		name string
		// setup makes the changes here and returns the one to give up and
		// the ones that must stay in the outbox.
		setup func(t *testing.T, c *attentionCase) (discard string, stay []string)
		// the project after giving it up
		wantReq, wantNotes string
		journaled          bool // the field put back is journaled as 张伟's
	}{{
		name: "a refused edit: the field shows the server's value",
		setup: func(t *testing.T, c *attentionCase) (string, []string) {
			a := c.edit(t, func(r *domain.Registration) { r.Requirement = mine })
			c.refuse(t, a)
			return a, nil
		},
		wantReq: serverReq, journaled: true,
	}, {
		name: "a pending edit of another field stays",
		setup: func(t *testing.T, c *attentionCase) (string, []string) {
			a := c.edit(t, func(r *domain.Registration) { r.Requirement = mine })
			b := c.edit(t, func(r *domain.Registration) { r.Other.Notes = notes })
			c.refuse(t, a)
			return a, []string{b}
		},
		wantReq: serverReq, wantNotes: notes, journaled: true,
	}, {
		name: "a later pending edit of the same field stays",
		setup: func(t *testing.T, c *attentionCase) (string, []string) {
			a := c.edit(t, func(r *domain.Registration) { r.Requirement = mine })
			c.refuse(t, a)
			b := c.edit(t, func(r *domain.Registration) { r.Requirement = later })
			return a, []string{b}
		},
		wantReq: later,
	}, {
		name: "an earlier pending edit of the same field stays",
		setup: func(t *testing.T, c *attentionCase) (string, []string) {
			b := c.edit(t, func(r *domain.Registration) { r.Requirement = later })
			a := c.edit(t, func(r *domain.Registration) { r.Requirement = mine })
			c.refuse(t, a)
			return a, []string{b}
		},
		wantReq: later, journaled: true,
	}, {
		name: "another refused edit stays",
		setup: func(t *testing.T, c *attentionCase) (string, []string) {
			a := c.edit(t, func(r *domain.Registration) { r.Requirement = mine })
			b := c.edit(t, func(r *domain.Registration) { r.Other.Notes = notes })
			c.refuse(t, a, b)
			return a, []string{b}
		},
		wantReq: serverReq, wantNotes: notes, journaled: true,
	}, {
		name: "the server's value pulled after the refusal",
		setup: func(t *testing.T, c *attentionCase) (string, []string) {
			a := c.edit(t, func(r *domain.Registration) { r.Requirement = mine })
			c.refuse(t, a)
			must(t, c.s.ApplyPulled(t.Context(), []PulledProject{serverCopy(t, c.p, 2, func(q *domain.Project) {
				q.Registration.Requirement = "服务器上新改的需求"
			})}, 2))
			if got := mustProject(t, c.s, c.p.ID).Registration.Requirement; got != mine {
				t.Fatalf("the pull hid the refused edit: %q", got)
			}
			return a, nil
		},
		wantReq: "服务器上新改的需求", journaled: true,
	}, {
		name: "the same server copy pulled again (a full resync)",
		setup: func(t *testing.T, c *attentionCase) (string, []string) {
			a := c.edit(t, func(r *domain.Registration) { r.Requirement = mine })
			c.refuse(t, a)
			for range 2 { // the second time, the result is what is stored
				must(t, c.s.ResetCursor(t.Context()))
				must(t, c.s.ApplyPulled(t.Context(), []PulledProject{serverCopy(t, c.p, 1, nil)}, 1))
			}
			return a, nil
		},
		wantReq: serverReq, journaled: true,
	}, {
		name: "a refused workflow action only leaves the outbox (undone when refused)",
		setup: func(t *testing.T, c *attentionCase) (string, []string) {
			mustApply(t, c.s, c.org, c.p.ID, domain.Command{Action: domain.ActSubmit}, "u-zhangwei")
			ch := outboxFor(t, c.s, c.p.ID)
			c.refuse(t, ch[0].ChangeID)
			if st := mustProject(t, c.s, c.p.ID).Status; st != domain.StatusDraft {
				t.Fatalf("the refused submission was not undone: %s", st)
			}
			return ch[0].ChangeID, nil
		},
		wantReq: serverReq,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newAttentionCase(t)
			ctx := t.Context()
			discard, stay := tc.setup(t, c)
			before, _ := c.s.Journal(ctx, c.p.ID)
			res, err := c.s.DiscardNeedsAttention(ctx, "u-zhangwei", discard)
			if err != nil {
				t.Fatalf("DiscardNeedsAttention: %v", err)
			}
			got := mustProject(t, c.s, c.p.ID)
			wantNotes := tc.wantNotes
			if wantNotes == "" {
				wantNotes = c.p.Registration.Other.Notes
			}
			if got.Registration.Requirement != tc.wantReq || got.Registration.Other.Notes != wantNotes {
				t.Errorf("after giving up: requirement %q, notes %q; want %q, %q",
					got.Registration.Requirement, got.Registration.Other.Notes, tc.wantReq, wantNotes)
			}
			if left := c.outbox(t); !slices.Equal(left, stay) {
				t.Errorf("outbox = %v, want %v", left, stay)
			}
			after, _ := c.s.Journal(ctx, c.p.ID)
			added := after[len(before):]
			if !tc.journaled {
				if len(added) != 0 || res.ChangeID != "" {
					t.Errorf("journaled %+v (result %+v), want nothing", added, res)
				}
				return
			}
			if len(added) != 1 || added[0].ActorID != "u-zhangwei" || added[0].Path != "registration.requirement" ||
				added[0].New != mustText(t, tc.wantReq) || res.ChangeID != added[0].ChangeID {
				t.Errorf("journaled %+v (result %+v), want the requirement put back by 张伟", added, res)
			}
			// Nothing of it goes to the server.
			for _, ch := range outboxFor(t, c.s, c.p.ID) {
				if ch.ChangeID == res.ChangeID {
					t.Errorf("giving up queued a change for the server: %+v", ch)
				}
			}
		})
	}
}

func mustText(t *testing.T, s string) string {
	t.Helper()
	return string(mustJSON(t, s))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// With no copy of the server's here (a project created here and accepted,
// never pulled since), a field goes back to the value the change was made on.
func TestDiscardingWithoutAServerCopyPutsBackTheValueTheChangeWasMadeOn(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	create := mustSave(t, s, "u-zhangwei", p)
	must(t, s.RecordPushed(ctx, []PushOutcome{{ChangeID: create.ChangeID, ProjectID: p.ID, Version: 1}}))
	if _, doc, _ := s.ServerState(ctx, p.ID); doc != nil {
		t.Fatal("the test needs a project with no server copy here")
	}
	q := mustProject(t, s, p.ID)
	q.Registration.Requirement = "被拒绝的需求"
	edit := mustSave(t, s, "u-zhangwei", q)
	must(t, s.RecordPushed(ctx, []PushOutcome{{ChangeID: edit.ChangeID, ProjectID: p.ID, Refused: "无权修改"}}))
	if _, err := s.DiscardNeedsAttention(ctx, "u-zhangwei", edit.ChangeID); err != nil {
		t.Fatal(err)
	}
	if got := mustProject(t, s, p.ID).Registration.Requirement; got != p.Registration.Requirement {
		t.Errorf("requirement = %q, want %q", got, p.Registration.Requirement)
	}
}

// A refused resolution of a conflict, given up, leaves the conflict open
// again: the server still has it.
func TestDiscardingARefusedResolutionReopensTheConflict(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	conflict := domain.Conflict{Path: "registration.requirement", Base: `"原值"`, Mine: `"我的值"`,
		Theirs: `"服务器上的值"`, ActorID: "u-lina"}
	must(t, s.ApplyPulled(ctx, []PulledProject{serverCopy(t, p, 4, func(q *domain.Project) {
		q.Registration.Requirement = "服务器上的值"
		q.Conflicts = []domain.Conflict{conflict}
	})}, 4))
	res, err := s.ResolveConflict(ctx, "u-zhangwei", p.ID, conflict.ID(), `"我的值"`)
	must(t, err)
	must(t, s.RecordPushed(ctx, []PushOutcome{{ChangeID: res.ChangeID, ProjectID: p.ID, Refused: "无权修改"}}))
	if _, err := s.DiscardNeedsAttention(ctx, "u-zhangwei", res.ChangeID); err != nil {
		t.Fatal(err)
	}
	got := mustProject(t, s, p.ID)
	if got.Registration.Requirement != "服务器上的值" || len(got.Conflicts) != 1 || got.Conflicts[0].ID() != conflict.ID() {
		t.Errorf("after giving up the resolution: %q, conflicts %+v", got.Registration.Requirement, got.Conflicts)
	}
	if n, _ := s.ConflictCount(ctx); n != 1 {
		t.Errorf("ConflictCount = %d, want 1", n)
	}
}

func TestWhatCannotBeGivenUp(t *testing.T) {
	ctx := t.Context()
	t.Run("a refused create: the draft stays, ESTATE says what to do", func(t *testing.T) {
		s, clock, _ := openTest(t)
		org := demoOrg(t)
		p := localDraft(t, s, org, clock.Now())
		create := mustSave(t, s, "u-zhangwei", p)
		must(t, s.RecordPushed(ctx, []PushOutcome{{ChangeID: create.ChangeID, ProjectID: p.ID, Refused: "项目的创建时间不能早于 2000 年"}}))
		_, err := s.DiscardNeedsAttention(ctx, "u-zhangwei", create.ChangeID)
		if domain.ErrorCode(err) != domain.ESTATE {
			t.Fatalf("giving up a create = %v, want ESTATE", err)
		}
		if got := mustProject(t, s, p.ID); got.Deleted || got.Registration.Requirement != p.Registration.Requirement {
			t.Errorf("the draft changed: %+v", got)
		}
		if na, _ := s.NeedsAttention(ctx); len(na) != 1 {
			t.Errorf("needs attention = %+v", na)
		}
	})
	t.Run("a retried change: ESTATE; an unknown one: ENOTFOUND", func(t *testing.T) {
		c := newAttentionCase(t)
		a := c.edit(t, func(r *domain.Registration) { r.Requirement = "x" })
		c.refuse(t, a)
		if _, err := c.s.DiscardNeedsAttention(ctx, "", a); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("without an actor = %v", err)
		}
		must(t, c.s.RetryNeedsAttention(ctx, a))
		pending, _ := c.s.Pending(ctx, 0, 0)
		if _, err := c.s.DiscardNeedsAttention(ctx, "u-zhangwei", pending[0].ChangeID); domain.ErrorCode(err) != domain.ESTATE {
			t.Errorf("giving up a pending change = %v, want ESTATE", err)
		}
		if _, err := c.s.DiscardNeedsAttention(ctx, "u-zhangwei", a); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("giving up the retried change's old id = %v, want ENOTFOUND", err)
		}
		if got := mustProject(t, c.s, c.p.ID).Registration.Requirement; got != "x" {
			t.Errorf("requirement = %q", got)
		}
	})
}

// A new project the server refused is deleted only by DeleteRefusedDraft:
// discarded here as 删除草稿 does, journaled, and nothing of it left to send.
func TestARefusedCreateIsDeletedAsADraft(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	create := mustSave(t, s, "u-zhangwei", p)
	q := mustProject(t, s, p.ID)
	q.Registration.Other.Notes = "之后的修改"
	later := mustSave(t, s, "u-zhangwei", q)
	must(t, s.RecordPushed(ctx, []PushOutcome{{ChangeID: create.ChangeID, ProjectID: p.ID, Refused: "项目的创建时间不能早于 2000 年"}}))

	other := newAttentionCase(t)
	a := other.edit(t, func(r *domain.Registration) { r.Requirement = "x" })
	other.refuse(t, a)
	if err := other.s.DeleteRefusedDraft(ctx, user(t, org, "u-zhangwei"), a); domain.ErrorCode(err) != domain.ESTATE {
		t.Errorf("deleting the project of a refused edit = %v, want ESTATE", err)
	}
	if err := s.DeleteRefusedDraft(ctx, user(t, org, "u-zhangwei"), create.ChangeID); err != nil {
		t.Fatal(err)
	}
	got := mustProject(t, s, p.ID)
	if !got.Deleted || got.Registration.Other.Notes != "之后的修改" {
		t.Errorf("after deleting: deleted %v, notes %q", got.Deleted, got.Registration.Other.Notes)
	}
	if n := count(t, s, "SELECT count(*) FROM outbox WHERE project_id = ?", p.ID); n != 0 {
		t.Errorf("%d changes of the deleted draft left in the outbox (the later one was %s)", n, later.ChangeID)
	}
	j, _ := s.Journal(ctx, p.ID)
	if last := j[len(j)-1]; last.ActorID != "u-zhangwei" || last.Path != "deleted" {
		t.Errorf("last journal line = %+v, want the deletion by 张伟", last)
	}
	if l, _ := s.ListProjects(ctx, Filter{}); len(l) != 0 {
		t.Errorf("the deleted draft is still listed: %+v", l)
	}
}

func TestTheAttentionListNamesTheProjectAndTheFields(t *testing.T) {
	c := newAttentionCase(t)
	ctx := t.Context()
	a := c.edit(t, func(r *domain.Registration) { r.Requirement = "x"; r.Other.Notes = "y" })
	mustApply(t, c.s, c.org, c.p.ID, domain.Command{Action: domain.ActSubmit, Comment: "请审批"}, "u-zhangwei")
	ch := outboxFor(t, c.s, c.p.ID)
	c.refuse(t, a, ch[1].ChangeID)
	list, err := c.s.Attention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("Attention = %+v", list)
	}
	e, act := list[0], list[1]
	if e.ChangeID != a || e.Title != c.p.Title() || e.Create || e.Command != nil ||
		!slices.Equal(e.Paths, []string{"registration.other.notes", "registration.requirement"}) || e.LastError == "" {
		t.Errorf("the edit's entry = %+v", e)
	}
	if act.Command == nil || act.Command.Action != domain.ActSubmit || act.Create {
		t.Errorf("the action's entry = %+v", act)
	}
}

// The server's reason is kept as it said it: each language and each
// field's problem apart, listed with the refused change, with last_error
// still holding the text for older programs. A change refused before
// reasons were kept (only last_error, the reason column NULL as the
// migration leaves it) is listed with that text; a retry clears both.
func TestARefusalKeepsTheServersReason(t *testing.T) {
	c := newAttentionCase(t)
	ctx := t.Context()
	structured := c.edit(t, func(r *domain.Registration) { r.Requirement = "我离线写的需求" })
	old := c.edit(t, func(r *domain.Registration) { r.Other.Notes = "另一处的补充说明" })
	reason := &Reason{Code: domain.EFORBIDDEN, Message: "您现在不能修改这个字段（项目当前状态：已提交）",
		English: "you may not change this field now (the project is submitted)",
		Problems: domain.Problems{{Path: "registration.requirement", Code: domain.EFORBIDDEN,
			Message: "现在不能修改（项目当前状态：已提交）", English: "cannot be changed now (the project is submitted)"}}}
	must(t, c.s.RecordPushed(ctx, []PushOutcome{
		{ChangeID: structured, ProjectID: c.p.ID, Reason: reason},
		{ChangeID: old, ProjectID: c.p.ID, Refused: "无权修改 (not allowed)"},
	}))
	if _, err := c.s.db.ExecContext(ctx, "UPDATE outbox SET reason = NULL WHERE change_id = ?", old); err != nil {
		t.Fatal(err)
	}
	list, err := c.s.Attention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ChangeID != structured || list[1].ChangeID != old {
		t.Fatalf("attention = %+v", list)
	}
	if got := list[0].Reason; got == nil || got.Code != reason.Code || got.Message != reason.Message || got.English != reason.English ||
		!slices.Equal(got.Problems, reason.Problems) {
		t.Errorf("structured reason = %+v, want %+v", got, reason)
	}
	if want := "您现在不能修改这个字段（项目当前状态：已提交） (you may not change this field now (the project is submitted))；registration.requirement：现在不能修改（项目当前状态：已提交）"; list[0].LastError != want {
		t.Errorf("last_error = %q, want %q", list[0].LastError, want)
	}
	if got := list[1].Reason; got == nil || got.Message != "无权修改 (not allowed)" || got.English != "" || len(got.Problems) != 0 {
		t.Errorf("old-style reason = %+v", got)
	}
	refused, err := c.s.NeedsAttention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 2 || refused[0].Reason == nil || len(refused[0].Reason.Problems) != 1 {
		t.Fatalf("needs attention = %+v", refused)
	}

	// Sent again: pending, with no reason left.
	must(t, c.s.RetryNeedsAttention(ctx, structured))
	pending, err := c.s.Pending(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Reason != nil || pending[0].LastError != "" {
		t.Fatalf("pending after retry = %+v", pending)
	}
	var stored *string
	if err := c.s.db.QueryRowContext(ctx, "SELECT reason FROM outbox WHERE change_id = ?", pending[0].ChangeID).Scan(&stored); err != nil || stored != nil {
		t.Fatalf("reason column after retry = %v, %v", stored, err)
	}
}

// A record someone imported for another applicant is refused as a create
// for good (the server takes a new project only from its applicant), and
// past the draft the domain would not let it be discarded either: the
// person signed in on this device can still take it off the device, so it
// does not wait in 需处理 forever.
func TestARefusedCreateOfSomeoneElsesRecordCanBeTakenOffTheDevice(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	create := mustSave(t, s, "u-zhangwei", p)
	mustApply(t, s, org, p.ID, domain.Command{Action: domain.ActSubmit, Comment: "请审批"}, "u-zhangwei")
	must(t, s.RecordPushed(ctx, []PushOutcome{{ChangeID: create.ChangeID, ProjectID: p.ID, Refused: "只能以自己为申请人新建项目"}}))

	if err := s.DeleteRefusedDraft(ctx, user(t, org, "u-lina"), create.ChangeID); err != nil {
		t.Fatalf("李娜 taking 张伟's refused, submitted record off her device: %v", err)
	}
	if got := mustProject(t, s, p.ID); !got.Deleted {
		t.Error("the record is still there")
	}
	if n := count(t, s, "SELECT count(*) FROM outbox WHERE project_id = ?", p.ID); n != 0 {
		t.Errorf("%d changes of the record left in the outbox", n)
	}
	if n, _ := s.NeedsAttentionCount(ctx); n != 0 {
		t.Errorf("%d changes still need attention", n)
	}
	j, _ := s.Journal(ctx, p.ID)
	if last := j[len(j)-1]; last.ActorID != "u-lina" || last.Path != "deleted" {
		t.Errorf("last journal line = %+v, want the deletion by 李娜", last)
	}
}
