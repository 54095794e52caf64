package sqlite

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
)

func TestEachSaveRecordsOneOutboxChangeAndANoOpSaveNone(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	r1 := mustSave(t, s, "u-zhangwei", p)
	savedAt := p.UpdatedAt

	// Saving the same content again writes nothing, even with another
	// updated_at (bookkeeping, not an edit).
	journal, _ := s.Journal(ctx, p.ID)
	p.UpdatedAt = p.UpdatedAt.Add(time.Hour)
	r2 := mustSave(t, s, "u-zhangwei", p)
	if r2.ChangeID != "" || len(r2.Changes) != 0 {
		t.Fatalf("no-op save recorded %+v", r2)
	}
	if again, _ := s.Journal(ctx, p.ID); len(again) != len(journal) {
		t.Fatalf("no-op save journaled %d lines", len(again)-len(journal))
	}
	stored, _ := s.Project(ctx, p.ID)
	if !stored.UpdatedAt.Equal(savedAt) {
		t.Fatalf("no-op save moved updated_at to %s", stored.UpdatedAt)
	}

	p.Registration.Requirement += "，并支持移动端"
	r3 := mustSave(t, s, "u-zhangwei", p)

	changes := outboxFor(t, s, p.ID)
	if len(changes) != 2 || changes[0].ChangeID != r1.ChangeID || changes[1].ChangeID != r3.ChangeID {
		t.Fatalf("outbox = %+v, want the two saves", changes)
	}
	for i, c := range changes {
		if c.Kind != ChangeEdit || c.State != StatePending || c.BaseVersion != 0 || c.Attempts != 0 {
			t.Errorf("change %d = %+v", i, c)
		}
		if !domain.ValidID(c.ChangeID) {
			t.Errorf("change id %q is not a UUID", c.ChangeID)
		}
	}
	pl := payloadOf(t, changes[1])
	if pl.ProjectID != p.ID || pl.ActorID != "u-zhangwei" || pl.Command != nil || len(pl.Changes) != 1 ||
		pl.Changes[0].Path != "registration.requirement" || !pl.At.Equal(p.UpdatedAt) {
		t.Errorf("payload = %+v", pl)
	}
	if n, _ := s.PendingCount(ctx); n != 2 {
		t.Errorf("PendingCount = %d, want 2", n)
	}
}

func TestPendingIsBoundedByCountAndBytesButNeverEmpty(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	var ids []string
	ids = append(ids, mustSave(t, s, "u-zhangwei", p).ChangeID)
	for i := range 4 {
		p.Registration.Other.Notes = strings.Repeat("备注", i+1)
		ids = append(ids, mustSave(t, s, "u-zhangwei", p).ChangeID)
	}
	all, err := s.Pending(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Fatalf("Pending(0, 0) returned %d, want 5", len(all))
	}
	for i, c := range all {
		if c.ChangeID != ids[i] {
			t.Fatalf("Pending out of order: %d is %s, want %s", i, c.ChangeID, ids[i])
		}
	}
	size := func(cs []Change) (n int) {
		for _, c := range cs {
			n += len(c.Payload)
		}
		return n
	}
	tests := []struct {
		name               string
		maxCount, maxBytes int
		want               int
	}{
		{"count bound", 2, 0, 2},
		{"bytes bound exactly two", 0, size(all[:2]), 2},
		{"bytes bound just short of three", 10, size(all[:3]) - 1, 2},
		{"one change larger than the bound still goes", 10, 1, 1},
		{"count above what is pending", 50, 1 << 20, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Pending(ctx, tt.maxCount, tt.maxBytes)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("Pending(%d, %d) returned %d, want %d", tt.maxCount, tt.maxBytes, len(got), tt.want)
			}
			for i := range got {
				if got[i].ChangeID != ids[i] {
					t.Errorf("change %d is %s, want %s", i, got[i].ChangeID, ids[i])
				}
			}
		})
	}
}

func TestMarkAckedTwiceIsHarmless(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	a := mustSave(t, s, "u-zhangwei", p).ChangeID
	p.Registration.Requirement = "改"
	b := mustSave(t, s, "u-zhangwei", p).ChangeID

	for range 2 { // the acknowledgement arrives twice (a resent batch)
		if err := s.MarkAcked(ctx, []string{a, "0190f5c2-7a1b-7c3d-8e9f-0123456789ab"}); err != nil {
			t.Fatal(err)
		}
	}
	pending, _ := s.Pending(ctx, 0, 0)
	if len(pending) != 1 || pending[0].ChangeID != b {
		t.Fatalf("pending after ack = %+v, want only %s", pending, b)
	}
	if err := s.MarkAcked(ctx, nil); err != nil {
		t.Fatal(err)
	}
	list, _ := s.ListProjects(ctx, Filter{})
	if !list[0].Pending {
		t.Error("project with a pending change is not marked pending")
	}
	if err := s.MarkAcked(ctx, []string{b}); err != nil {
		t.Fatal(err)
	}
	list, _ = s.ListProjects(ctx, Filter{})
	if list[0].Pending {
		t.Error("project with every change acked is still marked pending")
	}
	if n, _ := s.PendingCount(ctx); n != 0 {
		t.Errorf("PendingCount = %d", n)
	}
	// Acked changes are kept (their ids stay unique: re-recording one fails).
	if n := count(t, s, "SELECT count(*) FROM outbox WHERE state = 'acked'"); n != 2 {
		t.Errorf("%d acked changes kept, want 2", n)
	}
}

func TestARefusedChangeNeedsAttentionAndTheQueueFlowsOn(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	a := mustSave(t, s, "u-zhangwei", p).ChangeID
	q := saasDraft(t, s, org, clock.Now())
	b := mustSave(t, s, "u-lina", q).ChangeID

	if err := s.MarkFailedAttempt(ctx, []string{a, b}, "dial tcp: connection refused"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkNeedsAttention(ctx, a, "项目区域未配置"); err != nil {
		t.Fatal(err)
	}
	pending, _ := s.Pending(ctx, 0, 0)
	if len(pending) != 1 || pending[0].ChangeID != b || pending[0].Attempts != 1 || pending[0].LastError != "dial tcp: connection refused" {
		t.Fatalf("pending = %+v, want only %s after one failed attempt", pending, b)
	}
	na, err := s.NeedsAttention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(na) != 1 || na[0].ChangeID != a || na[0].LastError != "项目区域未配置" || na[0].Attempts != 2 || na[0].State != StateNeedsAttention {
		t.Fatalf("needs attention = %+v", na)
	}
	list, _ := s.ListProjects(ctx, Filter{})
	for _, x := range list {
		if (x.ID == p.ID) != x.NeedsAttention || (x.ID == q.ID) != x.Pending {
			t.Errorf("summary %s: pending %v, needs attention %v", x.ShortName, x.Pending, x.NeedsAttention)
		}
	}
	err = s.MarkNeedsAttention(ctx, "0190f5c2-7a1b-7c3d-8e9f-0123456789ab", "x")
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("unknown change: %v, want not_found", err)
	}
	// A late refusal of an acknowledged change does not reopen it.
	if err := s.MarkAcked(ctx, []string{b}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkNeedsAttention(ctx, b, "late"); err != nil {
		t.Fatal(err)
	}
	if na, _ := s.NeedsAttention(ctx); len(na) != 1 {
		t.Errorf("an acked change went to needs attention: %+v", na)
	}
}

func TestApplyRecordsAnActionChange(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := saasDraft(t, s, org, clock.Now())
	mustSave(t, s, "u-lina", p)
	if err := s.SetServerState(ctx, p.ID, "", 4); err != nil {
		t.Fatal(err)
	}
	got := mustApply(t, s, org, p.ID, domain.Command{Action: domain.ActSubmit, Comment: "  请受理 "}, "u-lina")
	if got.Status != domain.StatusSubmitted {
		t.Fatalf("status = %s", got.Status)
	}
	stored, _ := s.Project(ctx, p.ID)
	sameProject(t, stored, got)

	changes := outboxFor(t, s, p.ID)
	if len(changes) != 2 {
		t.Fatalf("outbox has %d changes, want save + action", len(changes))
	}
	c := changes[1]
	if c.Kind != ChangeAction || c.BaseVersion != 4 {
		t.Errorf("action change = %+v, want kind action on base version 4", c)
	}
	pl := payloadOf(t, c)
	if pl.Command == nil || pl.Command.Action != domain.ActSubmit || pl.Command.Comment != "  请受理 " || pl.ActorID != "u-lina" {
		t.Errorf("payload command = %+v by %s", pl.Command, pl.ActorID)
	}
	if pl.Decision == nil || pl.Decision.Action != domain.ActSubmit || pl.Decision.Comment != "请受理" || pl.Decision.Round != 1 {
		t.Errorf("payload decision = %+v", pl.Decision)
	}
	paths := map[string]bool{}
	for _, fc := range pl.Changes {
		paths[fc.Path] = true
	}
	for _, want := range []string{"status", "approval.round", "approval.current", "decisions[0].action"} {
		if !paths[want] {
			t.Errorf("action change lacks field %s: %v", want, pl.Changes)
		}
	}
	journal, _ := s.Journal(ctx, p.ID)
	last := journal[len(journal)-1]
	if last.ChangeID != c.ChangeID || last.ActorID != "u-lina" {
		t.Errorf("last journal line = %+v, want change %s by u-lina", last, c.ChangeID)
	}
}

func TestARefusedActionChangesNothing(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	mustSave(t, s, "u-zhangwei", p)
	mustApply(t, s, org, p.ID, domain.Command{Action: domain.ActSubmit}, "u-zhangwei")

	incomplete := saasDraft(t, s, org, clock.Now())
	incomplete.Registration.Customer.FullName = ""
	mustSave(t, s, "u-lina", incomplete)

	tests := []struct {
		name    string
		id      string
		cmd     domain.Command
		actor   string
		code    string
		nothing string // the project that must stay as it was
	}{
		{"not the waiting approver", p.ID, domain.Command{Action: domain.ActApprove}, "u-chenjing", domain.EFORBIDDEN, p.ID},
		{"return without a comment", p.ID, domain.Command{Action: domain.ActReturn}, "u-liuyang", domain.EINVALID, p.ID},
		{"wrong state", p.ID, domain.Command{Action: domain.ActInitiate}, "u-zhaolei", domain.ESTATE, p.ID},
		{"incomplete registration", incomplete.ID, domain.Command{Action: domain.ActSubmit}, "u-lina", domain.EINVALID, incomplete.ID},
		{"unknown action", p.ID, domain.Command{Action: "launch"}, "u-liuyang", domain.EINVALID, p.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := s.Project(ctx, tt.nothing)
			journal, _ := s.Journal(ctx, tt.nothing)
			outbox := count(t, s, "SELECT count(*) FROM outbox")

			got, err := s.Apply(ctx, tt.id, tt.cmd, user(t, org, tt.actor), org)
			if got != nil || domain.ErrorCode(err) != tt.code {
				t.Fatalf("Apply = %v, %v; want the %s error", got, err, tt.code)
			}
			after, _ := s.Project(ctx, tt.nothing)
			sameProject(t, after, before)
			if j, _ := s.Journal(ctx, tt.nothing); len(j) != len(journal) {
				t.Errorf("journal grew by %d", len(j)-len(journal))
			}
			if n := count(t, s, "SELECT count(*) FROM outbox"); n != outbox {
				t.Errorf("outbox grew by %d", n-outbox)
			}
		})
	}
	_, err := s.Apply(ctx, "0190f5c2-7a1b-7c3d-8e9f-0123456789ab", domain.Command{Action: domain.ActSubmit}, user(t, org, "u-lina"), org)
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("Apply on a missing project: %v", err)
	}
}

func TestServerStateIsJournaledAsTheServerWithoutAnOutboxChange(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, clock.Now())
	mustSave(t, s, "u-zhangwei", p)
	if list, _ := s.ListProjects(ctx, Filter{}); list[0].Number != "" || list[0].DisplayNumber() != domain.NumberPending {
		t.Fatalf("number before the server assigns it: %q / %q", list[0].Number, list[0].DisplayNumber())
	}
	outbox := count(t, s, "SELECT count(*) FROM outbox")

	if err := s.SetServerState(ctx, p.ID, "SS-2026-0042", 7); err != nil {
		t.Fatal(err)
	}
	if err := s.SetServerState(ctx, p.ID, "SS-2026-0042", 5); err != nil { // a late, reordered answer
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT count(*) FROM outbox"); n != outbox {
		t.Errorf("server state wrote %d outbox changes", n-outbox)
	}
	got, _ := s.Project(ctx, p.ID)
	if got.Number != "SS-2026-0042" || !got.UpdatedAt.Equal(p.UpdatedAt) {
		t.Errorf("number %q, updated_at %s (was %s)", got.Number, got.UpdatedAt, p.UpdatedAt)
	}
	journal, _ := s.Journal(ctx, p.ID)
	last := journal[len(journal)-1]
	if last.ActorID != ServerActor || last.Path != "number" || last.Old != "null" || last.New != `"SS-2026-0042"` {
		t.Errorf("last journal line = %+v", last)
	}
	if n := count(t, s, "SELECT count(*) FROM journal WHERE actor_id = 'server'"); n != 1 {
		t.Errorf("%d server journal lines, want 1 (the repeat changes nothing)", n)
	}
	if v := count(t, s, "SELECT server_version FROM projects WHERE id = ?", p.ID); v != 7 {
		t.Errorf("server version = %d, want 7 (never lowered)", v)
	}
	list, _ := s.ListProjects(ctx, Filter{})
	if list[0].Number != "SS-2026-0042" {
		t.Errorf("list number = %q", list[0].Number)
	}
	if found, _ := s.Search(ctx, "0042", Filter{}); len(found) != 1 {
		t.Errorf("search by number found %d", len(found))
	}

	// The next local edit is based on the version the server reported.
	got.Registration.Requirement = "改"
	mustSave(t, s, "u-zhangwei", got)
	changes := outboxFor(t, s, p.ID)
	if last := changes[len(changes)-1]; last.BaseVersion != 7 {
		t.Errorf("base version = %d, want 7", last.BaseVersion)
	}
	if err := s.SetServerState(ctx, "0190f5c2-7a1b-7c3d-8e9f-0123456789ab", "x", 1); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("server state of a missing project: %v", err)
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	a := *localDraft(t, s, org, clock.Now())
	b := *saasDraft(t, s, org, clock.Now())
	b.UpdatedAt = time.Date(2025, 12, 31, 8, 0, 0, 0, time.UTC)

	n, err := s.ImportProjects(ctx, "u-admin", []domain.Project{a, b})
	if err != nil || n != 2 {
		t.Fatalf("ImportProjects = %d, %v", n, err)
	}
	for _, want := range []domain.Project{a, b} {
		got, err := s.Project(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameProject(t, got, &want) // updated_at kept as imported
		if ch := outboxFor(t, s, want.ID); len(ch) != 1 || ch[0].Kind != ChangeEdit {
			t.Errorf("outbox of imported %s = %+v", want.ID, ch)
		}
		if j, _ := s.Journal(ctx, want.ID); len(j) == 0 || j[0].ActorID != "u-admin" {
			t.Errorf("journal of imported %s = %+v", want.ID, j)
		}
	}

	// The same file again: nothing new.
	n, err = s.ImportProjects(ctx, "u-admin", []domain.Project{a, b})
	if err != nil || n != 0 {
		t.Fatalf("re-import = %d, %v; want 0, nil", n, err)
	}
	if c := count(t, s, "SELECT count(*) FROM outbox"); c != 2 {
		t.Errorf("re-import recorded changes: %d in the outbox", c)
	}

	tests := []struct {
		name string
		ps   func() []domain.Project
		code string
	}{
		{"an existing id with other content", func() []domain.Project {
			c := *upgradeDraft(t, s, org, &a, clock.Now())
			changed := a
			changed.Registration.Customer.ShortName = "别的客户"
			return []domain.Project{c, changed}
		}, domain.ECONFLICT},
		{"the same id twice with different content", func() []domain.Project {
			c := *upgradeDraft(t, s, org, &a, clock.Now())
			d := c
			d.Registration.Requirement = "另一个"
			return []domain.Project{c, d}
		}, domain.ECONFLICT},
		{"an id that is not a UUID", func() []domain.Project {
			c := *upgradeDraft(t, s, org, &a, clock.Now())
			bad := c
			bad.ID = "PMIS-1"
			return []domain.Project{c, bad}
		}, domain.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			projects := count(t, s, "SELECT count(*) FROM projects")
			journal := count(t, s, "SELECT count(*) FROM journal")
			n, err := s.ImportProjects(ctx, "u-admin", tt.ps())
			if n != 0 || domain.ErrorCode(err) != tt.code {
				t.Fatalf("ImportProjects = %d, %v; want the %s error", n, err, tt.code)
			}
			if c := count(t, s, "SELECT count(*) FROM projects"); c != projects {
				t.Errorf("a refused import added %d projects", c-projects)
			}
			if c := count(t, s, "SELECT count(*) FROM journal"); c != journal {
				t.Errorf("a refused import journaled %d lines", c-journal)
			}
		})
	}
	got, _ := s.Project(ctx, a.ID)
	if got.Registration.Customer.ShortName != "安证通" {
		t.Errorf("a refused import changed a stored project")
	}
}

func TestSaveRefusesWhatItCannotRecord(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	p := localDraft(t, s, org, clock.Now())
	tests := []struct {
		name  string
		actor string
		p     *domain.Project
	}{
		{"no project", "u-zhangwei", nil},
		{"no actor", " ", p},
		{"id not a UUID", "u-zhangwei", &domain.Project{ID: "P-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.SaveProject(t.Context(), tt.actor, tt.p); domain.ErrorCode(err) != domain.EINVALID {
				t.Errorf("SaveProject = %v, want invalid", err)
			}
		})
	}
	if _, err := s.Project(t.Context(), p.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("Project(unsaved) = %v, want not_found", err)
	}
}

func TestChangeIDsComeFromTheInjectedGenerator(t *testing.T) {
	n := 0
	s, clock, _ := openTest(t, WithIDs(func() (string, error) {
		n++
		return fmt.Sprintf("00000000-0000-7000-8000-%012d", n), nil
	}))
	org := demoOrg(t)
	p := localDraft(t, s, org, clock.Now())
	if res := mustSave(t, s, "u-zhangwei", p); res.ChangeID != "00000000-0000-7000-8000-000000000001" {
		t.Errorf("change id = %s", res.ChangeID)
	}
	failing, _, _ := openTest(t, WithIDs(func() (string, error) { return "", errors.New("no entropy") }))
	if _, err := failing.SaveProject(t.Context(), "u-zhangwei", p); err == nil {
		t.Error("a save without a change id succeeded")
	}
	if _, err := failing.Project(t.Context(), p.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("a failed save left the project behind: %v", err)
	}
}
