package sqlite

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
)

// workflow drives one project of each kind through its whole flow with the
// store's Apply and SaveProject, the way the app does, and returns them as
// the last call returned them.
func workflow(t *testing.T, s *Store, clock *testClock, org *domain.Org) (local, saas, upgrade *domain.Project) {
	t.Helper()
	ctx := t.Context()

	// 本地化: 特批 chain, handover, number from the server, initiation.
	local = localDraft(t, s, org, clock.Now())
	mustSave(t, s, "u-zhangwei", local)
	mustApply(t, s, org, local.ID, domain.Command{Action: domain.ActSubmit}, "u-zhangwei")
	mustApply(t, s, org, local.ID, domain.Command{Action: domain.ActApprove, Comment: "同意，尽快回款"}, "u-liuyang")
	mustApply(t, s, org, local.ID, domain.Command{Action: domain.ActApprove}, "u-yanghuiyu")
	mustApply(t, s, org, local.ID, domain.Command{Action: domain.ActApprove}, "u-chenjing")
	local = mustApply(t, s, org, local.ID, domain.Command{Action: domain.ActApprove, Comment: "受理"}, "u-zhaolei")
	if local.Status != domain.StatusReceived {
		t.Fatalf("local status after the chain = %s, want received", local.Status)
	}
	pm := user(t, org, "u-zhaolei")
	local.Handover = domain.NewHandover(local, org, pm)
	for i := range local.Handover.Participants {
		if local.Handover.Participants[i].Name == "" {
			local.Handover.Participants[i].Name = "赵磊"
		}
	}
	local.Handover.Time = "2026-04-01 14:00"
	local.Handover.Place = "长沙总部 3 号会议室"
	local.Handover.Decisions = []string{"先上线人事场景"}
	local.Handover.ActionItems = []domain.ActionItem{{Task: "部署测试环境", Owner: "周强", Due: "2026-04-15"}}
	mustSave(t, s, pm.ID, local)
	mustApply(t, s, org, local.ID, domain.Command{Action: domain.ActCompleteHandover}, pm.ID)
	if err := s.SetServerState(ctx, local.ID, "SS-2026-0001", 3); err != nil {
		t.Fatal(err)
	}
	local, err := s.Project(ctx, local.ID)
	if err != nil {
		t.Fatal(err)
	}
	local.Initiation = domain.NewInitiation(local, org, pm, nil, clock.Now())
	local.Initiation.Permissions = domain.DefaultPermissions(domain.KindLocal, pm.ID, []string{"u-zhouqiang"}, "u-zhangwei")
	mustSave(t, s, pm.ID, local)
	local = mustApply(t, s, org, local.ID, domain.Command{Action: domain.ActInitiate}, pm.ID)
	if local.Status != domain.StatusInitiated || local.Initiation.Basis != "SS-2026-0001" {
		t.Fatalf("local: status %s, basis %q", local.Status, local.Initiation.Basis)
	}

	// SaaS: returned once, resubmitted, received by customer success.
	saas = saasDraft(t, s, org, clock.Now())
	mustSave(t, s, "u-lina", saas)
	mustApply(t, s, org, saas.ID, domain.Command{Action: domain.ActSubmit}, "u-lina")
	mustApply(t, s, org, saas.ID, domain.Command{Action: domain.ActReturn, Comment: "请补充干系人"}, "u-zhengshuang")
	saas, err = s.Project(ctx, saas.ID)
	if err != nil {
		t.Fatal(err)
	}
	saas.Registration.Stakeholders = append(saas.Registration.Stakeholders,
		domain.Stakeholder{Name: "钱七", Contact: "021-12345678", Role: "法务"})
	mustSave(t, s, "u-lina", saas)
	mustApply(t, s, org, saas.ID, domain.Command{Action: domain.ActSubmit, Comment: "已补充"}, "u-lina")
	saas = mustApply(t, s, org, saas.ID, domain.Command{Action: domain.ActApprove}, "u-zhengshuang")
	cs := user(t, org, "u-zhengshuang")
	saas.Handover = domain.NewHandover(saas, org, cs)
	for i := range saas.Handover.Participants {
		if saas.Handover.Participants[i].Name == "" {
			saas.Handover.Participants[i].Name = "黄波"
		}
	}
	saas.Handover.Time = "2026-04-02 10:00"
	saas.Handover.Place = "线上会议"
	mustSave(t, s, cs.ID, saas)
	mustApply(t, s, org, saas.ID, domain.Command{Action: domain.ActCompleteHandover}, cs.ID)
	if err := s.SetServerState(ctx, saas.ID, "SS-2026-0002", 5); err != nil {
		t.Fatal(err)
	}
	saas, err = s.Project(ctx, saas.ID)
	if err != nil {
		t.Fatal(err)
	}
	csm := user(t, org, "u-fengting")
	saas.Initiation = domain.NewInitiation(saas, org, csm, nil, clock.Now())
	saas.Initiation.Permissions = domain.DefaultPermissions(domain.KindSaaS, "u-sunli", []string{"u-wumin"}, "u-lina")
	mustSave(t, s, csm.ID, saas)
	saas = mustApply(t, s, org, saas.ID, domain.Command{Action: domain.ActInitiate}, csm.ID)

	// 历史项目升级扩展 on the local project: approval, contract confirmed,
	// initiated as a sub-project.
	upgrade = upgradeDraft(t, s, org, local, clock.Now())
	mustSave(t, s, "u-zhangwei", upgrade)
	mustApply(t, s, org, upgrade.ID, domain.Command{Action: domain.ActSubmit}, "u-zhangwei")
	mustApply(t, s, org, upgrade.ID, domain.Command{Action: domain.ActApprove}, "u-liuyang")
	mustApply(t, s, org, upgrade.ID, domain.Command{Action: domain.ActApprove}, "u-chenjing")
	mustApply(t, s, org, upgrade.ID, domain.Command{Action: domain.ActApprove}, pm.ID)
	mustApply(t, s, org, upgrade.ID, domain.Command{Action: domain.ActConfirmContract, Answer: domain.Yes}, pm.ID)
	if err := s.SetServerState(ctx, upgrade.ID, "WT-2026-0001", 6); err != nil {
		t.Fatal(err)
	}
	upgrade, err = s.Project(ctx, upgrade.ID)
	if err != nil {
		t.Fatal(err)
	}
	upgrade.Initiation = domain.NewInitiation(upgrade, org, pm, local, clock.Now())
	upgrade.Initiation.Permissions = domain.DefaultPermissions(domain.KindUpgrade, pm.ID, []string{"u-zhouqiang"}, "u-zhangwei")
	mustSave(t, s, pm.ID, upgrade)
	upgrade = mustApply(t, s, org, upgrade.ID, domain.Command{Action: domain.ActInitiate}, pm.ID)
	if !strings.HasPrefix(upgrade.Initiation.SVNPath, local.Initiation.SVNPath+"/子项目/") {
		t.Fatalf("upgrade SVN path %q is not under the parent's %q", upgrade.Initiation.SVNPath, local.Initiation.SVNPath)
	}
	return local, saas, upgrade
}

func TestEveryRecordRoundTripsThroughTheFile(t *testing.T) {
	s, clock, path := openTest(t)
	org := demoOrg(t)
	if err := s.SaveOrg(t.Context(), org); err != nil {
		t.Fatal(err)
	}
	local, saas, upgrade := workflow(t, s, clock, org)

	// Reopen the file: everything comes back exactly.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, want := range []*domain.Project{local, saas, upgrade} {
		got, err := s2.Project(t.Context(), want.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameProject(t, got, want)
		if got.Status != domain.StatusInitiated || got.Initiation == nil || len(got.Initiation.Permissions) == 0 {
			t.Errorf("%s: status %s, initiation %+v", got.Kind(), got.Status, got.Initiation)
		}
		for _, a := range got.Registration.Attachments {
			data, err := s2.Attachment(t.Context(), a.SHA256)
			if err != nil || int64(len(data)) != a.Size {
				t.Errorf("attachment %s: %d bytes, %v", a.Name, len(data), err)
			}
		}
	}
	if n := len(local.Decisions); n != 8 { // submit, auto-confirm, 4 approvals, handover, initiate
		t.Errorf("local has %d decisions, want 8: %+v", n, local.Decisions)
	}
	if saas.Approval.Round != 2 {
		t.Errorf("saas is in round %d, want 2", saas.Approval.Round)
	}
	gotOrg, err := s2.Org(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := json.Marshal(gotOrg); string(o) != string(mustJSON(t, org)) {
		t.Errorf("org does not round-trip:\n got %s\nwant %s", o, mustJSON(t, org))
	}

	// The list shows numbers, titles and sync state from the indexed columns.
	list, err := s2.ListProjects(t.Context(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].ID != upgrade.ID || list[2].ID != local.ID {
		t.Fatalf("list = %+v, want upgrade, saas, local", list)
	}
	if got := list[0]; got.Number != "WT-2026-0001" || got.Title != upgrade.Title() || !got.Pending ||
		got.Kind != domain.KindUpgrade || got.Status != domain.StatusInitiated || !got.UpdatedAt.Equal(upgrade.UpdatedAt) ||
		got.FullName != "北京安证通信息科技股份有限公司" || got.SalesID != "u-zhangwei" || got.Region != "north" {
		t.Errorf("summary = %+v", got)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJournalRecordsWhoChangedWhatFromWhatToWhat(t *testing.T) {
	s, _, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, s, org, time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	first := mustSave(t, s, "u-zhangwei", p)

	p.Registration.Customer.ShortName = "安证"
	p.Registration.Systems = append(p.Registration.Systems, domain.System{Type: "ERP", Name: "用友U8", Vendor: "用友"})
	p.Registration.Products = []string{"签章中间件"}
	p.Registration.Other.Notes = ""
	second := mustSave(t, s, "u-lina", p)

	want := []domain.FieldChange{
		{Path: "registration.other.notes", Old: `"客户希望年底前上线"`, New: "null"},
		{Path: "registration.customer.short_name", Old: `"安证通"`, New: `"安证"`},
		{Path: "registration.products", Old: `["签章中间件","智慧印章"]`, New: `["签章中间件"]`},
		{Path: "registration.systems[1].name", Old: "null", New: `"用友U8"`},
		{Path: "registration.systems[1].type", Old: "null", New: `"ERP"`},
		{Path: "registration.systems[1].vendor", Old: "null", New: `"用友"`},
	}
	slices.SortFunc(want, func(a, b domain.FieldChange) int { return strings.Compare(a.Path, b.Path) })
	if !slices.Equal(second.Changes, want) {
		t.Fatalf("changes = %v\nwant %v", second.Changes, want)
	}

	entries, err := s.Journal(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(first.Changes)+len(want) {
		t.Fatalf("%d journal entries, want %d", len(entries), len(first.Changes)+len(want))
	}
	for i, e := range entries[:len(first.Changes)] {
		if e.ActorID != "u-zhangwei" || e.ChangeID != first.ChangeID || e.Old != "null" || e.ProjectID != p.ID {
			t.Errorf("creation entry %d = %+v", i, e)
		}
	}
	tail := entries[len(first.Changes):]
	for i, e := range tail {
		if e.ActorID != "u-lina" || e.ChangeID != second.ChangeID || e.FieldChange != want[i] || !e.At.Equal(p.UpdatedAt) {
			t.Errorf("entry %d = %+v, want %+v by u-lina at %s", i, e, want[i], p.UpdatedAt)
		}
		if i > 0 && e.Seq <= tail[i-1].Seq {
			t.Errorf("entries out of order: %d after %d", e.Seq, tail[i-1].Seq)
		}
	}
	if _, err := s.db.ExecContext(ctx, "UPDATE journal SET new = 'x'"); err == nil {
		t.Error("the journal could be rewritten")
	}
	if _, err := s.db.ExecContext(ctx, "DELETE FROM journal"); err == nil {
		t.Error("the journal could be deleted")
	}
}

// The form a person has open is a copy; the project may be submitted, or
// given its number by the server, before that copy is saved again.
func TestAStaleCopyCannotUndoTheWorkflowOrTheServer(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := saasDraft(t, s, org, clock.Now())
	mustSave(t, s, "u-lina", p)
	stale := *p // the open form

	submitted := mustApply(t, s, org, p.ID, domain.Command{Action: domain.ActSubmit}, "u-lina")
	if err := s.SetServerState(ctx, p.ID, "SS-2026-0007", 2); err != nil {
		t.Fatal(err)
	}
	stale.Registration.Requirement = "网点业务电子合同签署，含移动端"
	res := mustSave(t, s, "u-lina", &stale)

	if len(res.Changes) != 1 || res.Changes[0].Path != "registration.requirement" {
		t.Fatalf("stale save recorded %v, want only the requirement", res.Changes)
	}
	got, _ := s.Project(ctx, p.ID)
	if got.Status != domain.StatusSubmitted || got.Number != "SS-2026-0007" ||
		len(got.Decisions) != len(submitted.Decisions) || got.Approval == nil {
		t.Fatalf("stale save undid the workflow: status %s, number %q, %d decisions", got.Status, got.Number, len(got.Decisions))
	}
	sameProject(t, &stale, got) // the copy now holds what is stored

	// Saving the same copy again, nothing typed since, is a no-op.
	if res := mustSave(t, s, "u-lina", &stale); res.ChangeID != "" {
		t.Errorf("second save of the same copy recorded %v", res.Changes)
	}
}

func TestSavesFromManyGoroutinesAndTwoProcessesAllLand(t *testing.T) {
	s, clock, path := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	other, err := Open(ctx, path, WithClock(clock.Now)) // e.g. `lixiang import` while the app runs
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	const workers, each = 6, 15
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			store := s
			if w%2 == 1 {
				store = other
			}
			for i := range each {
				p := domain.NewProject(newID(t), domain.KindSaaS, user(t, org, "u-lina"), clock.Now())
				p.Registration.Customer.ShortName = "并发" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
				if _, err := store.SaveProject(ctx, "u-lina", p); err != nil {
					errs <- err
					return
				}
				p.Registration.Requirement = "改"
				if _, err := store.SaveProject(ctx, "u-lina", p); err != nil {
					errs <- err
					return
				}
				if _, err := store.Search(ctx, "并发", Filter{Limit: 5}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, s, "SELECT count(*) FROM projects"); n != workers*each {
		t.Errorf("%d projects, want %d", n, workers*each)
	}
	if n, _ := other.PendingCount(ctx); n != 2*workers*each {
		t.Errorf("%d pending changes, want %d", n, 2*workers*each)
	}
}
