package e2e_test

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/client"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// A device rebuilds what its own push stored and does not pull it back;
// what anyone else changed still comes down, always.

// TestOwnWritesAreNotPulledBack: creates and edits a device pushed come
// back from no pull, yet the device holds exactly the server's documents
// (the server's times included), and the next device pulls them as usual.
func TestOwnWritesAreNotPulledBack(t *testing.T) {
	srv, zw, a, b := twoNewDrafts(t, "自建甲", "自建乙")
	rep := zw.sync()
	if rep.Pushed != 2 || rep.Pulled != 0 {
		t.Fatalf("first sync: pushed %d, pulled %d; want 2 and none back", rep.Pushed, rep.Pulled)
	}
	sameEverywhere(t, srv, a.ID, zw)
	sameEverywhere(t, srv, b.ID, zw)
	zw.edit(a.ID, func(p *domain.Project) { p.Registration.Other.Notes = "改了备注" })
	zw.edit(a.ID, func(p *domain.Project) { p.Registration.Requirement = "又改了需求" })
	zw.edit(b.ID, func(p *domain.Project) { p.Registration.Scenarios = []string{"人事", "采购"} })
	rep = zw.sync()
	if rep.Pushed != 3 || rep.Pulled != 0 {
		t.Fatalf("edits: pushed %d, pulled %d; want 3 and none back", rep.Pushed, rep.Pulled)
	}
	got := sameEverywhere(t, srv, a.ID, zw)
	if got.Registration.Requirement != "又改了需求" || got.Registration.Other.Notes != "改了备注" {
		t.Fatalf("server has %q / %q", got.Registration.Requirement, got.Registration.Other.Notes)
	}
	sameEverywhere(t, srv, b.ID, zw)
	if rep := zw.sync(); rep.Pulled != 0 || rep.Requests != 1 {
		t.Fatalf("the sync after: %+v", rep)
	}
	if own, _ := zw.store.OwnRanges(t.Context()); own != "" {
		t.Errorf("own rows left after the pull: %q", own)
	}
	wf := newPeer(t, srv, "wangfang")
	if rep := wf.sync(); rep.Pulled != 2 {
		t.Fatalf("another device pulled %d", rep.Pulled)
	}
	sameEverywhere(t, srv, a.ID, zw, wf)
	// A save made while the push was out stays on top of the rebuilt one.
	zw.edit(b.ID, func(p *domain.Project) { p.Registration.Other.Notes = "推送时的备注" })
	zw.saveDuringNextPush(b.ID, func(p *domain.Project) { p.Registration.Requirement = "推送时保存的需求" })
	zw.sync()
	if got := zw.project(b.ID); got.Registration.Requirement != "推送时保存的需求" || got.Registration.Other.Notes != "推送时的备注" {
		t.Fatalf("the save made during the push: %q / %q", got.Registration.Requirement, got.Registration.Other.Notes)
	}
	zw.sync()
	sameEverywhere(t, srv, b.ID, zw)
}

// TestNewProjectsNeedNotComeBack: a new project the server stores as sent
// (it keeps the device's save time) and one it stamps with its own time
// (saved, by the device's clock, before its creation time: the clock was
// put back) are both rebuilt here and not pulled back.
func TestNewProjectsNeedNotComeBack(t *testing.T) {
	srv := servertest.Start(t)
	zw := newPeer(t, srv, "zhangwei")
	kept := zw.draft(zw.user, "原样保存")
	stamped := zw.draft(zw.user, "服务器盖时间")
	stamped.CreatedAt = time.Now().Add(time.Hour)
	zw.save(kept)
	zw.save(stamped)
	before := time.Now()
	if rep := zw.sync(); rep.Pushed != 2 || rep.Pulled != 0 {
		t.Fatalf("pushed %d, pulled %d; want 2 and none back", rep.Pushed, rep.Pulled)
	}
	after := time.Now()
	local, server := zw.project(kept.ID), sameEverywhere(t, srv, kept.ID, zw)
	if !server.UpdatedAt.Equal(local.UpdatedAt) {
		t.Errorf("kept: the server has updated_at %s, the device %s", server.UpdatedAt, local.UpdatedAt)
	}
	if got := sameEverywhere(t, srv, stamped.ID, zw); got.UpdatedAt.Before(before) || got.UpdatedAt.After(after) {
		t.Errorf("stamped: updated_at %s is not the server's time of the sync", got.UpdatedAt)
	}
	if rep := zw.sync(); rep.Pulled != 0 || rep.Requests != 1 {
		t.Fatalf("the sync after: %+v", rep)
	}
}

// TestASaveDuringTheCreatingPushStaysOnTop: new projects go up as whole
// documents and the device writes the server's copy of each back in one
// statement; a project saved again while that push was out keeps the
// save, which then goes up too.
func TestASaveDuringTheCreatingPushStaysOnTop(t *testing.T) {
	srv, zw, a, b := twoNewDrafts(t, "推送中甲", "推送中乙")
	zw.saveDuringNextPush(b.ID, func(p *domain.Project) { p.Registration.Requirement = "推送新建时保存的需求" })
	// The save goes up in this pass or the next (whether the pass reads
	// the outbox again after it is a matter of timing).
	first := zw.sync()
	if got := zw.project(b.ID); got.Registration.Requirement != "推送新建时保存的需求" {
		t.Fatalf("the save made during the push is gone: %q", got.Registration.Requirement)
	}
	if pushed := first.Pushed + zw.sync().Pushed; pushed != 3 {
		t.Fatalf("pushed %d, want the 2 creates and the save", pushed)
	}
	if got := sameEverywhere(t, srv, b.ID, zw); got.Registration.Requirement != "推送新建时保存的需求" {
		t.Fatalf("server has %q", got.Registration.Requirement)
	}
	sameEverywhere(t, srv, a.ID, zw)
	if rep := zw.sync(); rep.Requests != 1 {
		t.Fatalf("the sync after: %+v", rep)
	}
}

// twoNewDrafts starts a server and 张伟's device (newFaultyPeer) with two
// new drafts saved on it, for customers x and y, not yet synced.
func twoNewDrafts(t *testing.T, x, y string) (*servertest.Instance, *peer, *domain.Project, *domain.Project) {
	t.Helper()
	srv := servertest.Start(t)
	zw := newFaultyPeer(t, srv, "zhangwei", nil)
	a, b := zw.draft(zw.user, x), zw.draft(zw.user, y)
	zw.save(a)
	zw.save(b)
	return srv, zw, a, b
}

// saveDuringNextPush has p (opened by newFaultyPeer) save edit of project
// id while its next push request is on its way, once.
func (p *peer) saveDuringNextPush(id string, edit func(*domain.Project)) {
	var saved bool
	p.f().set(func(f *faults) {
		f.before = func(r *http.Request) {
			if !saved && is(r, http.MethodPost, wire.PathPush) {
				saved = true
				p.edit(id, edit)
			}
		}
	})
}

// f returns the faults of a peer opened by newFaultyPeer.
func (p *peer) f() *faults { return faultsOf[p] }

var faultsOf = map[*peer]*faults{}

// newFaultyPeer is newPeer with a transport that can lose, tamper with or
// run hooks around requests.
func newFaultyPeer(t *testing.T, srv *servertest.Instance, login string, tamper func(*http.Request, []byte) []byte) *peer {
	t.Helper()
	f := &faults{}
	wrap := func(rt http.RoundTripper) http.RoundTripper {
		inner := f.wrap(rt)
		if tamper == nil {
			return inner
		}
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := inner.RoundTrip(r)
			if err != nil || resp.StatusCode != http.StatusOK {
				return resp, err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return nil, err
			}
			body = tamper(r, body)
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Del("Content-Length")
			return resp, nil
		})
	}
	p := newPeer(t, srv, login, client.WithTransport(wrap))
	faultsOf[p] = f
	t.Cleanup(func() { delete(faultsOf, p) })
	return p
}

// TestOwnRowsNeverHideAnotherDevicesChange: whatever another device
// changes between this device's push and its pull — the very project it
// pushed, or another — comes down.
func TestOwnRowsNeverHideAnotherDevicesChange(t *testing.T) {
	srv := servertest.Start(t)
	zw := newFaultyPeer(t, srv, "zhangwei", nil)
	wf := newPeer(t, srv, "zhangwei") // 张伟's other computer
	wf.name = "zhangwei#2"
	p, q := zw.draft(zw.user, "共享甲"), zw.draft(zw.user, "共享乙")
	zw.save(p)
	zw.save(q)
	zw.sync()
	wf.sync()
	// 张伟 edits p; after his push is answered and before his pull, his
	// other computer changes another field of p and a field of q.
	zw.edit(p.ID, func(x *domain.Project) { x.Registration.Other.Notes = "张伟的备注" })
	fired := false
	zw.f().set(func(f *faults) {
		f.before = func(r *http.Request) {
			if !fired && is(r, http.MethodGet, wire.PathPull) {
				fired = true
				wf.edit(p.ID, func(x *domain.Project) { x.Registration.Requirement = "另一台电脑插进来的需求" })
				wf.edit(q.ID, func(x *domain.Project) {
					x.Registration.Other.SpecialRequirements = "另一台电脑改的特殊要求"
				})
				wf.sync()
			}
		}
	})
	rep := zw.sync()
	zw.f().set(func(f *faults) { f.before = nil })
	if !fired || rep.Pulled != 2 {
		t.Fatalf("the pull after the other computer's changes brought %d projects (hook ran %v), want both", rep.Pulled, fired)
	}
	got := sameEverywhere(t, srv, p.ID, zw, wf)
	if got.Registration.Requirement != "另一台电脑插进来的需求" || got.Registration.Other.Notes != "张伟的备注" {
		t.Fatalf("converged on %q / %q", got.Registration.Requirement, got.Registration.Other.Notes)
	}
	sameEverywhere(t, srv, q.ID, zw, wf)

	// The server leaves out only the rows the named device wrote: naming
	// every sequence number hides nothing someone else wrote.
	tok, err := zw.store.Meta(t.Context(), client.MetaToken)
	must(t, err)
	device, err := zw.store.Meta(t.Context(), client.MetaDevice)
	must(t, err)
	var page wire.PullResponse
	if status := call(t, http.MethodGet, srv.URL+wire.PathPull+"?since=0&device="+device+"&own=1-1000", tok, nil, &page); status != http.StatusOK {
		t.Fatalf("pull = %d", status)
	}
	if len(page.Projects) != 2 {
		t.Fatalf("naming every row as its own, the device still pulls %d projects, want the 2 the other computer wrote last", len(page.Projects))
	}
	if status := call(t, http.MethodGet, srv.URL+wire.PathPull+"?since=0&own=1-x", tok, nil, nil); status != http.StatusBadRequest {
		t.Fatalf("a malformed own = %d, want 400", status)
	}
}

// TestALostPushAnswerIsPulledBack: when the push's answer is lost, the
// resend is answered from the record and the device pulls what it cannot
// rebuild; nothing diverges.
func TestALostPushAnswerIsPulledBack(t *testing.T) {
	srv := servertest.Start(t)
	zw := newFaultyPeer(t, srv, "zhangwei", nil)
	p := zw.draft(zw.user, "丢了回答")
	zw.save(p)
	zw.f().set(func(f *faults) { f.dropAnswer = func(r *http.Request) bool { return is(r, "POST", wire.PathPush) } })
	zw.eng.SyncOnce(t.Context())
	zw.f().set(func(f *faults) { f.dropAnswer = nil })
	rep := zw.sync()
	if rep.Duplicates != 1 || rep.Pulled != 1 {
		t.Fatalf("after a lost answer: %d duplicates, %d pulled; want the resend answered and the project pulled", rep.Duplicates, rep.Pulled)
	}
	sameEverywhere(t, srv, p.ID, zw)
}

// TestADocumentThatDoesNotRebuildIsPulled: when what the device rebuilds
// is not what the server stored (the hash differs), the project is pulled.
func TestADocumentThatDoesNotRebuildIsPulled(t *testing.T) {
	srv := servertest.Start(t)
	hash := regexp.MustCompile(`"doc_sha256":"[0-9a-f]{64}"`)
	zw := newFaultyPeer(t, srv, "zhangwei", func(r *http.Request, body []byte) []byte {
		if !is(r, http.MethodPost, wire.PathPush) {
			return body
		}
		return hash.ReplaceAll(body, []byte(`"doc_sha256":"`+string(bytes.Repeat([]byte("0"), 64))+`"`))
	})
	p := zw.draft(zw.user, "算不出来")
	zw.save(p)
	if rep := zw.sync(); rep.Pushed != 1 || rep.Pulled != 1 {
		t.Fatalf("create: pushed %d, pulled %d; want it pulled back", rep.Pushed, rep.Pulled)
	}
	sameEverywhere(t, srv, p.ID, zw)
	zw.edit(p.ID, func(x *domain.Project) { x.Registration.Other.Notes = "再改一次" })
	if rep := zw.sync(); rep.Pulled != 1 {
		t.Fatalf("edit: pulled %d, want it pulled back", rep.Pulled)
	}
	sameEverywhere(t, srv, p.ID, zw)
	if own, _ := zw.store.OwnRanges(t.Context()); own != "" {
		t.Errorf("own rows named for documents that did not rebuild: %q", own)
	}
}
