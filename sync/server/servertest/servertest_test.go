package servertest_test

import (
	"net/http"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// TestStartSignInPushPull: a started server signs a demo user in, accepts
// a new registration and its submission, and gives it back in a pull with
// its number.
func TestStartSignInPushPull(t *testing.T) {
	srv := servertest.Start(t)
	tok := srv.Token(t, "lina")
	if resp, body := srv.Do(t, http.MethodGet, wire.PathMe, tok, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("me: %s %s", resp.Status, body)
	}
	p := servertest.NewProject(t, srv.User(t, "lina"), servertest.Registration(domain.KindLocal, ""), time.Now())
	res := srv.Push(t, tok,
		servertest.EditChange(t, nil, p, 0),
		servertest.ActionChange(t, p.ID, domain.Command{Action: domain.ActSubmit}, 0))
	for _, r := range res.Results {
		if r.Status != wire.StatusApplied {
			t.Fatalf("push: %+v %+v", r, r.Error)
		}
	}
	got, _ := srv.PullAll(t, tok, 0)
	if q := got[p.ID]; q == nil || q.Number == "" || q.Status != domain.StatusSubmitted {
		t.Fatalf("pulled %+v", q)
	}
}
