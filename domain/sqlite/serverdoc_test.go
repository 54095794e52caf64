package sqlite

import (
	"testing"

	"lixiang/domain"
)

// TestTheServerBaseSurvivesLocalSaves: a pulled project with nothing local
// on top keeps one copy of the document; saves, actions and numbers here
// change the project, never the server's copy, and the next pull replaces
// the server's copy.
func TestTheServerBaseSurvivesLocalSaves(t *testing.T) {
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ctx := t.Context()
	p := localDraft(t, domainStoreForAttachments(t), org, clock.Now())
	if err := s.ApplyPulled(ctx, []PulledProject{serverCopy(t, p, 2, nil)}, 5); err != nil {
		t.Fatal(err)
	}
	base := func() *domain.Project {
		t.Helper()
		_, b, err := s.ServerState(ctx, p.ID)
		if err != nil || b == nil {
			t.Fatalf("ServerState: %+v, %v", b, err)
		}
		return b
	}
	if got := base(); got.Registration.Requirement != p.Registration.Requirement {
		t.Fatalf("server base %q", got.Registration.Requirement)
	}
	for i, req := range []string{"本地第一次修改", "本地第二次修改"} {
		q := mustProject(t, s, p.ID)
		q.Registration.Requirement = req
		if _, err := s.SaveProject(ctx, "u-zhangwei", q); err != nil {
			t.Fatal(err)
		}
		if got := base(); got.Registration.Requirement != p.Registration.Requirement {
			t.Fatalf("after save %d the server base is %q", i, got.Registration.Requirement)
		}
	}
	if err := s.SetServerState(ctx, p.ID, "SSDJ-2026-0009", 3); err != nil {
		t.Fatal(err)
	}
	if got := base(); got.Number != "" || got.Registration.Requirement != p.Registration.Requirement {
		t.Fatalf("after a number the server base is %+v", got)
	}
	// The server's next copy replaces it; with the local edit pending on
	// top, the two differ again.
	next := serverCopy(t, p, 4, func(q *domain.Project) { q.Registration.Other.Notes = "服务器的备注" })
	if err := s.ApplyPulled(ctx, []PulledProject{next}, 9); err != nil {
		t.Fatal(err)
	}
	got, local := base(), mustProject(t, s, p.ID)
	if got.Registration.Other.Notes != "服务器的备注" || got.Registration.Requirement != p.Registration.Requirement {
		t.Fatalf("after the next pull the server base is %+v", got.Registration)
	}
	if local.Registration.Requirement != "本地第二次修改" || local.Registration.Other.Notes != "服务器的备注" {
		t.Fatalf("after the next pull the project is %+v", local.Registration)
	}
}
