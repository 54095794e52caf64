package e2e_test

import (
	"slices"
	"strings"
	"testing"

	"lixiang/domain"
	"lixiang/sync/server/servertest"
)

// Issue 3, end to end: a salesperson's edit the server refuses goes to the
// needs-attention list (需处理) with the server's reason and does not hold
// up the queue. Given up, the field shows the server's value, nothing is
// left to send and the next sync is clean; corrected and retried once the
// project may be edited again, the server takes it and the list is empty.
func TestARefusedEditIsGivenUpOrCorrectedAndRetried(t *testing.T) {
	srv := servertest.Start(t)
	ctx := t.Context()
	desk := newPeer(t, srv, "zhangwei")
	laptop := newPeer(t, srv, "zhangwei")
	manager := newPeer(t, srv, "liuyang")
	p := desk.draft(desk.user, "需处理放弃")
	q := desk.draft(desk.user, "需处理重试")
	desk.save(p)
	desk.save(q)
	desk.sync()
	laptop.sync()
	// Both are submitted from the desk; the laptop does not know yet.
	desk.apply(p.ID, domain.Command{Action: domain.ActSubmit})
	desk.apply(q.ID, domain.Command{Action: domain.ActSubmit})
	desk.sync()

	// Offline on the laptop he changes what he may no longer change, and
	// something he still may (a draft of his own).
	const typedReq, typedNotes = "离线补充的需求：需要移动端签署", "离线补充的说明"
	laptop.edit(p.ID, func(x *domain.Project) { x.Registration.Requirement = typedReq })
	laptop.edit(q.ID, func(x *domain.Project) { x.Registration.Other.Notes = typedNotes })
	other := laptop.draft(laptop.user, "不受影响")
	laptop.save(other)
	rep := laptop.sync()
	if rep.Refused != 2 {
		t.Fatalf("laptop sync = %+v, want both edits refused", rep)
	}
	if _, err := laptop.store.Project(ctx, other.ID); err != nil || serverProject(t, srv, other.ID).Registration.Customer.ShortName != "不受影响" {
		t.Errorf("the queue did not flow on past the refusals: %v", err)
	}
	list, err := laptop.store.Attention(ctx)
	must(t, err)
	if len(list) != 2 {
		t.Fatalf("needs attention = %+v", list)
	}
	byProject := map[string]int{list[0].ProjectID: 0, list[1].ProjectID: 1}
	refusedP, refusedQ := list[byProject[p.ID]], list[byProject[q.ID]]
	if !strings.Contains(refusedP.LastError, "registration.requirement") || refusedP.Title == "" || refusedP.Create ||
		!slices.Equal(refusedP.Paths, []string{"registration.requirement"}) {
		t.Errorf("the refused edit of p = %+v", refusedP)
	}
	if got := laptop.project(p.ID); got.Status != domain.StatusSubmitted || got.Registration.Requirement != typedReq {
		t.Errorf("on the laptop p is %s with requirement %q: want the server's state with the typed value kept",
			got.Status, got.Registration.Requirement)
	}

	// Given up: the requirement is the server's again.
	if _, err := laptop.store.DiscardNeedsAttention(ctx, laptop.user.ID, refusedP.ChangeID); err != nil {
		t.Fatal(err)
	}
	if got, want := laptop.project(p.ID).Registration.Requirement, p.Registration.Requirement; got != want {
		t.Errorf("after giving up: requirement %q, want the server's %q", got, want)
	}
	if n, _ := laptop.store.PendingCount(ctx); n != 0 {
		t.Errorf("%d changes left to send after giving up", n)
	}
	rep = laptop.sync()
	if rep.Pushed != 0 || rep.Refused != 0 {
		t.Errorf("the sync after giving up = %+v, want nothing sent or refused", rep)
	}
	sameEverywhere(t, srv, p.ID, laptop, desk)
	if left, _ := laptop.store.Attention(ctx); len(left) != 1 || left[0].ProjectID != q.ID {
		t.Fatalf("needs attention after giving up p = %+v", left)
	}

	// q is returned for more detail; he corrects what he typed and retries.
	manager.sync()
	manager.apply(q.ID, domain.Command{Action: domain.ActReturn, Comment: "请补充说明"})
	manager.sync()
	laptop.sync()
	if st := laptop.project(q.ID).Status; st != domain.StatusReturned {
		t.Fatalf("q on the laptop is %s, want returned", st)
	}
	const corrected = "补充说明：客户要求年底前上线，需国密算法"
	laptop.edit(q.ID, func(x *domain.Project) { x.Registration.Other.Notes = corrected })
	must(t, laptop.store.RetryNeedsAttention(ctx, refusedQ.ChangeID))
	rep = laptop.sync()
	if rep.Refused != 0 {
		t.Errorf("the retry was refused again: %+v", rep.Refusals)
	}
	if left, _ := laptop.store.Attention(ctx); len(left) != 0 {
		t.Errorf("needs attention after the retry = %+v", left)
	}
	if n, _ := laptop.store.PendingCount(ctx); n != 0 {
		t.Errorf("%d changes left to send after the retry", n)
	}
	if got := serverProject(t, srv, q.ID).Registration.Other.Notes; got != corrected {
		t.Errorf("the server's notes of q = %q, want %q", got, corrected)
	}
	desk.sync()
	manager.sync()
	sameEverywhere(t, srv, q.ID, laptop, desk, manager)
}
