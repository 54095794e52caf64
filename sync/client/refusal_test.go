package client

import (
	"strings"
	"testing"
	"unicode"

	"lixiang/domain"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// A change the real server refuses is kept in the local store with the
// server's reason as it said it: the code, the sentence in each language
// and each field it is about as a problem of its own (its path), not one
// text with both languages and the paths glued together.
func TestARefusalIsStoredAsTheServerSaidIt(t *testing.T) {
	srv := servertest.Start(t)
	s := openStore(t)
	e := New(s, srv.URL, quiet)
	ctx := t.Context()
	if _, err := e.Login(ctx, "zhangwei", servertest.Password); err != nil {
		t.Fatal(err)
	}
	p := saveDraft(t, s)
	if rep, err := e.SyncOnce(ctx); err != nil || rep.Refused != 0 {
		t.Fatalf("first sync: %+v, %v", rep, err)
	}
	// Meanwhile 张伟 discards the draft from another device.
	discard := servertest.ActionChange(t, p.ID, domain.Command{Action: domain.ActDiscard}, 1)
	if r := srv.Push(t, srv.Token(t, "zhangwei"), discard).Results[0]; r.Status != wire.StatusApplied {
		t.Fatalf("discard on the server: %+v", r)
	}
	// Here the draft is still there, and he adds to its requirement.
	q, err := s.Project(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	q.Registration.Requirement = "离线补充的需求"
	if _, err := s.SaveProject(ctx, "u-zhangwei", q); err != nil {
		t.Fatal(err)
	}
	rep, err := e.SyncOnce(ctx)
	if err != nil || rep.Refused != 1 {
		t.Fatalf("second sync: %+v, %v", rep, err)
	}
	refused, err := s.Attention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 1 || refused[0].Reason == nil {
		t.Fatalf("needs attention: %+v", refused)
	}
	r := refused[0].Reason
	han := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
	}
	if r.Code != domain.EFORBIDDEN || !strings.Contains(r.Message, "草稿已删除") || r.English == "" || han(r.English) ||
		strings.Contains(r.Message+r.English, "registration.") {
		t.Errorf("reason = %+v", r)
	}
	if len(r.Problems) != 1 || r.Problems[0].Path != "registration.requirement" || r.Problems[0].Message == "" ||
		r.Problems[0].English == "" || han(r.Problems[0].English) {
		t.Errorf("problems = %+v", r.Problems)
	}
	// Older programs still read the text.
	if !strings.Contains(refused[0].LastError, r.Message) || !strings.Contains(refused[0].LastError, r.English) {
		t.Errorf("last_error = %q", refused[0].LastError)
	}
}
