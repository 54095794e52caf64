package e2e_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lixiang/domain"
	"lixiang/domain/sqlite"
	"lixiang/sync/client"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

func jsonText(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTwoPeopleEditingOfflineConvergeAndBothKeepTheConflict(t *testing.T) {
	for _, zhangweiFirst := range []bool{true, false} {
		name := "王芳 syncs first"
		if zhangweiFirst {
			name = "张伟 syncs first"
		}
		t.Run(name, func(t *testing.T) {
			srv := servertest.Start(t)
			zw := newPeer(t, srv, "zhangwei")
			wf := newPeer(t, srv, "wangfang")
			// 王芳 (presales) drafts the registration with 张伟 as the
			// responsible sales: both may edit it.
			p := wf.draft(wf.user, "安证通")
			wf.save(p)
			wf.sync()
			zw.sync()
			if zw.project(p.ID).Registration.Customer.ShortName != "安证通" {
				t.Fatal("张伟 did not get the draft")
			}

			// Offline, each changes a field of their own and both change the notes.
			zw.edit(p.ID, func(q *domain.Project) {
				q.Registration.Requirement = "张伟：还需要移动端签署"
				q.Registration.Other.Notes = "张伟：客户要求十月上线"
			})
			wf.edit(p.ID, func(q *domain.Project) {
				q.Registration.Background.UserScale = "8000"
				q.Registration.Other.Notes = "王芳：客户要求十一月上线"
			})
			first, second := zw, wf
			if !zhangweiFirst {
				first, second = wf, zw
			}
			if rep := first.sync(); rep.Pushed != 1 || rep.Conflicts != 0 {
				t.Fatalf("%s's sync = %+v", first.name, rep)
			}
			if rep := second.sync(); rep.Pushed != 1 || rep.Conflicts != 1 {
				t.Fatalf("%s's sync = %+v, want one change merged with a conflict", second.name, rep)
			}
			first.sync()

			got := sameEverywhere(t, srv, p.ID, zw, wf)
			r := got.Registration
			if r.Requirement != "张伟：还需要移动端签署" || r.Background.UserScale != "8000" {
				t.Errorf("the changes to different fields did not both apply: requirement %q, user scale %q",
					r.Requirement, r.Background.UserScale)
			}
			firstNotes := map[*peer]string{zw: "张伟：客户要求十月上线", wf: "王芳：客户要求十一月上线"}
			if r.Other.Notes != firstNotes[first] {
				t.Errorf("notes = %q, want the first arrival's %q (the other is kept in the conflict)", r.Other.Notes, firstNotes[first])
			}
			for _, peer := range []*peer{zw, wf} {
				cs, err := peer.store.Conflicts(t.Context())
				if err != nil || len(cs) != 1 || len(cs[0].Conflicts) != 1 {
					t.Fatalf("%s: conflicts = %+v, %v", peer.name, cs, err)
				}
				c := cs[0].Conflicts[0]
				both := []string{c.Mine, c.Theirs}
				slices.Sort(both)
				want := []string{jsonText(t, firstNotes[zw]), jsonText(t, firstNotes[wf])}
				slices.Sort(want)
				if c.Path != "registration.other.notes" || !slices.Equal(both, want) || c.Base != jsonText(t, "客户希望年底前上线") {
					t.Errorf("%s: conflict = %+v, want both values of the notes", peer.name, c)
				}
				if peer.eng.State().Conflicts != 1 {
					t.Errorf("%s: state shows %d conflicts", peer.name, peer.eng.State().Conflicts)
				}
			}

			// 张伟 settles it (by its identity); the resolution travels as
			// an edit of the field that names the conflict.
			cs, err := zw.store.Conflicts(t.Context())
			if err != nil || len(cs) != 1 || len(cs[0].Conflicts) != 1 {
				t.Fatalf("conflicts = %+v, %v", cs, err)
			}
			if _, err := zw.store.ResolveConflict(t.Context(), zw.user.ID, p.ID, cs[0].Conflicts[0].ID(),
				jsonText(t, "十月试点，十一月全面上线")); err != nil {
				t.Fatal(err)
			}
			zw.sync()
			wf.sync()
			got = sameEverywhere(t, srv, p.ID, zw, wf)
			if len(got.Conflicts) != 0 || got.Registration.Other.Notes != "十月试点，十一月全面上线" {
				t.Errorf("after resolving: notes %q, conflicts %+v", got.Registration.Other.Notes, got.Conflicts)
			}
		})
	}
}

var trailingDigits = regexp.MustCompile(`(\d+)$`)

func numberSeq(t testing.TB, number string) int {
	t.Helper()
	m := trailingDigits.FindStringSubmatch(number)
	if m == nil {
		t.Fatalf("number %q does not end in digits", number)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestAResendAfterALostAnswerCreatesNoDuplicate(t *testing.T) {
	srv := servertest.Start(t)
	f := &faults{}
	zw := newPeer(t, srv, "zhangwei", client.WithTransport(f.wrap))
	p := zw.draft(zw.user, "浦发银行")
	zw.save(p)
	zw.apply(p.ID, domain.Command{Action: domain.ActSubmit})

	// The server applies the push, but its answer never arrives.
	f.set(func(f *faults) { f.dropAnswer = func(r *http.Request) bool { return is(r, "POST", wire.PathPush) } })
	rep, err := zw.eng.SyncOnce(t.Context())
	if !client.IsOffline(err) || rep.Pushed != 0 {
		t.Fatalf("sync with the answer lost = %+v, %v", rep, err)
	}
	if n, _ := zw.store.PendingCount(t.Context()); n != 2 {
		t.Fatalf("pending = %d after a lost answer, want both changes kept", n)
	}
	f.set(func(f *faults) { f.dropAnswer = nil })
	rep = zw.sync()
	if rep.Pushed != 2 || rep.Duplicates != 2 || rep.Refused != 0 {
		t.Fatalf("resend = %+v, want two duplicates and nothing refused", rep)
	}
	got := sameEverywhere(t, srv, p.ID, zw)
	submits := 0
	for _, d := range got.Decisions {
		if d.Action == domain.ActSubmit {
			submits++
		}
	}
	if submits != 1 || got.Status != domain.StatusSubmitted || got.Number == "" {
		t.Fatalf("on the server: %d submissions, status %s, number %q", submits, got.Status, got.Number)
	}
	if n := len(serverProjects(t, srv)); n != 1 {
		t.Errorf("the server holds %d projects, want 1", n)
	}
	// The next submission gets the next number: the resend used none.
	q := zw.draft(zw.user, "招商银行")
	zw.save(q)
	zw.apply(q.ID, domain.Command{Action: domain.ActSubmit})
	zw.sync()
	if a, b := numberSeq(t, got.Number), numberSeq(t, zw.project(q.ID).Number); b != a+1 {
		t.Errorf("numbers %s then %s: want consecutive", got.Number, zw.project(q.ID).Number)
	}
}

func TestARefusedApprovalComesBackWithItsReasonAndTheQueueFlowsOn(t *testing.T) {
	srv := servertest.Start(t)
	zw := newPeer(t, srv, "zhangwei")
	p1, p2 := zw.draft(zw.user, "国网电力"), zw.draft(zw.user, "南方航空")
	for _, p := range []*domain.Project{p1, p2} {
		zw.save(p)
		zw.apply(p.ID, domain.Command{Action: domain.ActSubmit})
	}
	zw.sync()
	// 刘洋 (sales manager) has a desktop and a laptop.
	desk := newPeer(t, srv, "liuyang")
	laptop := newPeer(t, srv, "liuyang")
	desk.sync()
	laptop.sync()
	for _, id := range []string{p1.ID, p2.ID} {
		if !laptop.project(id).WaitsFor(laptop.user) {
			t.Fatalf("project %s does not wait for 刘洋", id)
		}
	}
	desk.apply(p1.ID, domain.Command{Action: domain.ActApprove, Comment: "同意"})
	desk.sync()

	// Offline on the laptop he approves p1 again, and p2.
	laptop.apply(p1.ID, domain.Command{Action: domain.ActApprove, Comment: "笔记本上：同意，请尽快安排"})
	laptop.apply(p2.ID, domain.Command{Action: domain.ActApprove, Comment: "同意南航项目"})
	rep := laptop.sync()
	if rep.Refused != 1 || rep.Pushed != 1 || len(rep.Refusals) != 1 || rep.Refusals[0].ProjectID != p1.ID {
		t.Fatalf("laptop sync = %+v, want p1's approval refused and p2's applied", rep)
	}
	reason := rep.Refusals[0].Reason
	if strings.TrimSpace(reason) == "" {
		t.Fatal("the refusal has no reason")
	}
	na, err := laptop.store.NeedsAttention(t.Context())
	if err != nil || len(na) != 1 || na[0].ProjectID != p1.ID || na[0].LastError != reason {
		t.Fatalf("needs attention = %+v, %v", na, err)
	}
	var pl sqlite.ChangePayload
	must(t, json.Unmarshal(na[0].Payload, &pl))
	if pl.Command == nil || pl.Command.Comment != "笔记本上：同意，请尽快安排" {
		t.Errorf("the refused approval lost its comment: %+v", pl.Command)
	}
	if st := laptop.eng.State(); st.NeedsAttention != 1 || st.Pending != 0 {
		t.Errorf("laptop state = %+v", st)
	}
	// p2's approval went through; p1 is what the server says, on every device.
	s2 := serverProject(t, srv, p2.ID)
	if d := s2.Decisions[len(s2.Decisions)-1]; d.ActorID != "u-liuyang" || d.Action != domain.ActApprove || d.Comment != "同意南航项目" {
		t.Errorf("p2's last decision on the server = %+v", d)
	}
	zw.sync()
	desk.sync()
	s1 := sameEverywhere(t, srv, p1.ID, desk, laptop, zw)
	n := 0
	for _, d := range s1.Decisions {
		if d.ActorID == "u-liuyang" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("p1 has %d decisions by 刘洋, want the desktop's one", n)
	}
	sameEverywhere(t, srv, p2.ID, desk, laptop, zw)
}

func TestTheServerChecksEveryActionAgain(t *testing.T) {
	srv := servertest.Start(t)
	zw := newPeer(t, srv, "zhangwei")
	p := zw.draft(zw.user, "中国银行")
	zw.save(p)
	zw.apply(p.ID, domain.Command{Action: domain.ActSubmit})
	zw.sync()
	// A tampered client sends 张伟's approval of his own special approval;
	// the desktop's own checks would never let it out.
	tok, err := zw.store.Meta(t.Context(), client.MetaToken)
	must(t, err)
	version, _, err := zw.store.ServerState(t.Context(), p.ID)
	must(t, err)
	var resp wire.PushResponse
	status := call(t, http.MethodPost, srv.URL+wire.PathPush, tok, wire.PushRequest{DeviceID: "tampered", Changes: []wire.Change{{
		ID: newID(t), ProjectID: p.ID, Kind: wire.KindAction, BaseVersion: version,
		Command: &domain.Command{Action: domain.ActApprove, Comment: "自己批准自己"}}}}, &resp)
	if status != http.StatusOK || len(resp.Results) != 1 {
		t.Fatalf("push = %d %+v", status, resp)
	}
	r := resp.Results[0]
	if r.Status != wire.StatusRefused || r.Error == nil || r.Error.Code != domain.EFORBIDDEN {
		t.Errorf("self-approval = %+v (error %+v), want refused as forbidden", r, r.Error)
	}
}

func TestASouthSalespersonCannotSeeANorthProject(t *testing.T) {
	srv := servertest.Start(t)
	zw := newPeer(t, srv, "zhangwei") // 北方
	lina := newPeer(t, srv, "lina")   // 南方
	p := zw.draft(zw.user, "北京地铁")
	zw.save(p)
	zw.sync()
	mine := lina.draft(lina.user, "深圳地铁")
	lina.save(mine)
	lina.sync()
	rep := lina.sync()
	if _, err := lina.store.Project(t.Context(), p.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("李娜 got 张伟's north project: %v (report %+v)", err, rep)
	}
	list, err := lina.store.ListProjects(t.Context(), sqlite.Filter{})
	must(t, err)
	if len(list) != 1 || list[0].ID != mine.ID {
		t.Errorf("李娜's list = %+v, want only her own", list)
	}
	// Guessing the id does not help: an edit of it is refused.
	tok, _ := lina.store.Meta(t.Context(), client.MetaToken)
	var resp wire.PushResponse
	call(t, http.MethodPost, srv.URL+wire.PathPush, tok, wire.PushRequest{DeviceID: "x", Changes: []wire.Change{{
		ID: newID(t), ProjectID: p.ID, Kind: wire.KindEdit, BaseVersion: 1,
		Changes: []domain.FieldChange{{Path: "registration.requirement", Old: jsonText(t, p.Registration.Requirement), New: `"南方改的"`}}}}}, &resp)
	if len(resp.Results) != 1 || resp.Results[0].Status != wire.StatusRefused {
		t.Errorf("李娜's edit of a north project = %+v", resp)
	}
	if got := serverProject(t, srv, p.ID); got.Registration.Requirement != p.Registration.Requirement {
		t.Errorf("the north project was changed: %q", got.Registration.Requirement)
	}
}

func TestWithoutAValidTokenTheEngineReportsSignedOut(t *testing.T) {
	srv := servertest.Start(t)
	p := openPeer(t, srv, "nobody")
	rep, err := p.eng.SyncOnce(t.Context())
	if !errors.Is(err, client.ErrSignedOut) || !rep.SignedOut || rep.Requests != 0 {
		t.Fatalf("sync with no token = %+v, %v; want signed out without asking", rep, err)
	}
	must(t, p.store.SetMeta(t.Context(), client.MetaToken, "not-a-token"))
	rep, err = p.eng.SyncOnce(t.Context())
	if !errors.Is(err, client.ErrSignedOut) || !rep.SignedOut || rep.Requests != 1 || !rep.Online {
		t.Fatalf("sync with a bad token = %+v, %v; want one 401 and signed out", rep, err)
	}
	if st := p.eng.State(); st.SignedIn || st.LastError != client.ErrSignedOut {
		t.Errorf("state = %+v", st)
	}
	if tok, _ := p.store.Meta(t.Context(), client.MetaToken); tok != "" {
		t.Error("the rejected token was kept")
	}
	// The protocol's answer itself: 401 with a JSON error code.
	var body wire.ErrorBody
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+wire.PathPull+"?since=0", nil)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	must(t, json.NewDecoder(resp.Body).Decode(&body))
	if resp.StatusCode != http.StatusUnauthorized || body.Error.Code != domain.EUNAUTHORIZED {
		t.Errorf("pull without a token = %d %+v", resp.StatusCode, body)
	}
	// Signing in again resumes.
	if _, err := p.eng.Login(t.Context(), "zhangwei", "demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.eng.SyncOnce(t.Context()); err != nil {
		t.Fatalf("sync after signing in: %v", err)
	}
	// A wrong password is refused with the server's reason.
	if _, err := p.eng.Login(t.Context(), "zhangwei", "wrong"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Errorf("login with a wrong password = %v", err)
	}
}

func TestTheNumberAssignedOnSubmitShowsAfterSync(t *testing.T) {
	srv := servertest.Start(t)
	zw := newPeer(t, srv, "zhangwei")
	p := zw.draft(zw.user, "华为技术")
	zw.save(p)
	zw.apply(p.ID, domain.Command{Action: domain.ActSubmit})
	if got := zw.project(p.ID).DisplayNumber(); got != domain.NumberPending {
		t.Fatalf("before sync the number shows %q, want %s", got, domain.NumberPending)
	}
	zw.sync()
	got := zw.project(p.ID)
	if got.Number == "" || got.DisplayNumber() == domain.NumberPending {
		t.Fatalf("after sync the number is still %q", got.DisplayNumber())
	}
	if s := serverProject(t, srv, p.ID); s.Number != got.Number {
		t.Errorf("number %q here, %q on the server", got.Number, s.Number)
	}
	list, _ := zw.store.ListProjects(t.Context(), sqlite.Filter{})
	if len(list) != 1 || list[0].DisplayNumber() != got.Number {
		t.Errorf("the list shows %+v", list)
	}
	j, err := zw.store.Journal(t.Context(), p.ID)
	must(t, err)
	found := false
	for _, e := range j {
		if e.Path == "number" && e.ActorID == sqlite.ServerActor && strings.Contains(e.New, got.Number) {
			found = true
		}
	}
	if !found {
		t.Errorf("the journal does not record the server's number: %+v", j)
	}
}

// pdfBytes is n bytes of a made-up file, different for each seed.
func pdfBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func TestAttachmentsUploadOnceResumeDeduplicateAndDownloadVerified(t *testing.T) {
	srv := servertest.Start(t)
	f := &faults{}
	const chunk = 256 << 10
	zw := newPeer(t, srv, "zhangwei", client.WithTransport(f.wrap), client.WithUploadChunk(chunk))
	data := pdfBytes(4*chunk+1000, 7)
	p := zw.draft(zw.user, "平安保险")
	p.Registration.Attachments = []domain.Attachment{zw.attach(data, "解决方案.pdf")}
	sha := p.Registration.Attachments[0].SHA256
	zw.save(p)

	// The connection breaks during the third chunk.
	puts := 0
	f.set(func(f *faults) {
		f.failBefore = func(r *http.Request) bool {
			if r.Method != http.MethodPut {
				return false
			}
			puts++
			return puts == 3
		}
	})
	rep, err := zw.eng.SyncOnce(t.Context())
	if !client.IsOffline(err) || rep.Pushed != 0 {
		t.Fatalf("sync with a broken upload = %+v, %v", rep, err)
	}
	if f.put != 2*chunk {
		t.Fatalf("%d bytes reached the server before the break, want %d", f.put, 2*chunk)
	}
	f.set(func(f *faults) { f.failBefore = nil })
	f.requests()
	rep = zw.sync()
	if rep.Uploaded != 1 || rep.Pushed != 1 {
		t.Fatalf("resumed sync = %+v", rep)
	}
	if f.put != int64(len(data)) {
		t.Errorf("%d bytes uploaded in all for a file of %d: the resume sent some twice or missed some", f.put, len(data))
	}
	reqs := f.requests()
	if i, j := slices.Index(reqs, "PUT "+wire.AttachmentPrefix+sha), slices.Index(reqs, "POST "+wire.PathPush); i < 0 || j < i {
		t.Errorf("the attachment did not go before the change that references it: %v", reqs)
	}

	// Another registration with the same file: nothing uploaded again.
	q := zw.draft(zw.user, "平安银行")
	q.Registration.Attachments = []domain.Attachment{zw.attach(data, "同一个方案.pdf")}
	zw.save(q)
	rep = zw.sync()
	if reqs := f.requests(); rep.Uploaded != 0 || count(reqs, "PUT") != 0 || count(reqs, "HEAD") != 0 {
		t.Errorf("an identical file was sent again: %+v %v", rep, reqs)
	}
	// A JSON edit never re-sends (or even asks about) an attachment.
	zw.edit(p.ID, func(x *domain.Project) { x.Registration.Other.Notes = "只改备注" })
	zw.sync()
	if reqs := f.requests(); count(reqs, "PUT") != 0 || count(reqs, "POST "+wire.PathMissing) != 0 {
		t.Errorf("a JSON edit touched attachments: %v", reqs)
	}

	// 王芳 (presales on it) gets the registration, then the file on demand.
	g := &faults{}
	wf := newPeer(t, srv, "wangfang", client.WithTransport(g.wrap))
	wf.sync()
	if ok, _ := wf.store.HasAttachment(t.Context(), sha); ok {
		t.Fatal("the file came down before it was asked for")
	}
	// A damaged download is refused and not stored.
	corrupt := &faults{}
	bad := openPeer(t, srv, "wangfang-bad", client.WithTransport(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := corrupt.wrap(rt).RoundTrip(r)
			if err != nil || r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, wire.AttachmentPrefix) {
				return resp, err
			}
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			resp.Body.Close()
			b := buf.Bytes()
			b[len(b)/2] ^= 0xff
			resp.Body = io.NopCloser(bytes.NewReader(b))
			return resp, nil
		})
	}))
	tok, _ := wf.store.Meta(t.Context(), client.MetaToken)
	must(t, bad.store.SetMeta(t.Context(), client.MetaToken, tok))
	if _, err := bad.eng.FetchAttachment(t.Context(), sha); domain.ErrorCode(err) != wire.EHashMismatch {
		t.Errorf("a damaged download = %v, want %s", err, wire.EHashMismatch)
	}
	if ok, _ := bad.store.HasAttachment(t.Context(), sha); ok {
		t.Error("a damaged download was stored")
	}

	got, err := wf.eng.FetchAttachment(t.Context(), sha)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("download = %d bytes, %v", len(got), err)
	}
	if ok, _ := wf.store.HasAttachment(t.Context(), sha); !ok {
		t.Error("the downloaded file was not kept")
	}
	g.requests()
	if _, err := wf.eng.FetchAttachment(t.Context(), sha); err != nil {
		t.Fatal(err)
	}
	if reqs := g.requests(); len(reqs) != 0 {
		t.Errorf("a second read of the file went to the server: %v", reqs)
	}
}

func TestPendingLocalEditsSurviveAPullOfNewerServerData(t *testing.T) {
	srv := servertest.Start(t)
	f := &faults{}
	zw := newPeer(t, srv, "zhangwei", client.WithTransport(f.wrap))
	wf := newPeer(t, srv, "wangfang")
	p := wf.draft(wf.user, "招商证券")
	wf.save(p)
	wf.sync()
	zw.sync()
	wf.edit(p.ID, func(q *domain.Project) { q.Registration.Requirement = "王芳：改为私有化部署" })
	wf.sync()

	// 张伟 saves while his sync runs: after the push, before the pull.
	saved := false
	f.set(func(f *faults) {
		f.before = func(r *http.Request) {
			if saved || !is(r, http.MethodGet, wire.PathPull) {
				return
			}
			saved = true
			zw.edit(p.ID, func(q *domain.Project) { q.Registration.Other.Notes = "张伟：拜访后补充的备注" })
		}
	})
	rep := zw.sync()
	if !saved || rep.Pulled == 0 {
		t.Fatalf("the pull did not happen around the save: %+v", rep)
	}
	got := zw.project(p.ID)
	if got.Registration.Requirement != "王芳：改为私有化部署" || got.Registration.Other.Notes != "张伟：拜访后补充的备注" {
		t.Fatalf("after the pull: requirement %q, notes %q", got.Registration.Requirement, got.Registration.Other.Notes)
	}
	if n, _ := zw.store.PendingCount(t.Context()); n != 1 {
		t.Errorf("pending = %d, want the save that came during the sync", n)
	}
	_, base, err := zw.store.ServerState(t.Context(), p.ID)
	must(t, err)
	if base.Registration.Other.Notes == got.Registration.Other.Notes {
		t.Error("the server base holds the local edit")
	}
	f.set(func(f *faults) { f.before = nil })
	zw.sync()
	wf.sync()
	got = sameEverywhere(t, srv, p.ID, zw, wf)
	if got.Registration.Other.Notes != "张伟：拜访后补充的备注" || len(got.Conflicts) != 0 {
		t.Errorf("converged on notes %q, conflicts %+v", got.Registration.Other.Notes, got.Conflicts)
	}
}

func TestADiscardedDraftDisappearsFromTheOtherClientsLists(t *testing.T) {
	srv := servertest.Start(t)
	zw := newPeer(t, srv, "zhangwei")
	wf := newPeer(t, srv, "wangfang")
	p := zw.draft(zw.user, "临时客户")
	zw.save(p)
	zw.sync()
	wf.sync()
	if l, _ := wf.store.ListProjects(t.Context(), sqlite.Filter{}); len(l) != 1 {
		t.Fatalf("王芳 lists %d projects", len(l))
	}
	zw.apply(p.ID, domain.Command{Action: domain.ActDiscard})
	zw.sync()
	wf.sync()
	if l, _ := wf.store.ListProjects(t.Context(), sqlite.Filter{}); len(l) != 0 {
		t.Errorf("王芳 still lists the discarded draft: %+v", l)
	}
	if !wf.project(p.ID).Deleted {
		t.Error("the tombstone did not mark it deleted")
	}
	if found, _ := wf.store.Search(t.Context(), "临时客户", sqlite.Filter{}); len(found) != 0 {
		t.Errorf("search still finds it: %+v", found)
	}
}

func TestTheOrganisationComesDownWithTheSignIn(t *testing.T) {
	srv := servertest.Start(t)
	zw := newPeer(t, srv, "zhangwei")
	org := zw.org()
	if _, ok := org.UserByLogin("zhangwei"); !ok {
		t.Fatalf("the organisation lacks the signed-in user: %d users", len(org.Users))
	}
	rep := zw.sync()
	if rep.OrgSaved || rep.Requests != 1 {
		t.Errorf("a sync with the organisation current = %+v, want one request and no org", rep)
	}
}
