package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"lixiang/assets"
	"lixiang/domain"
	"lixiang/domain/sqlite"
	"lixiang/sync/wire"
)

// fake is a scripted server: it answers push with applied (or status
// code), pull with an empty page, and counts requests.
type fake struct {
	mu       sync.Mutex
	status   int // answer every request with this status when set
	requests []string
	pushed   []wire.Change
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	if f.status != 0 {
		w.WriteHeader(f.status)
		json.NewEncoder(w).Encode(wire.ErrorBody{Error: wire.Error{Code: "x", Message: "不行", English: "no"}})
		return
	}
	switch r.URL.Path {
	case wire.PathLogin:
		json.NewEncoder(w).Encode(wire.LoginResponse{Token: "secret-token", User: domain.User{ID: "u-zhangwei", Login: "zhangwei"}})
	case wire.PathPush:
		if r.Header.Get("Authorization") != "Bearer secret-token" {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(wire.ErrorBody{Error: wire.Error{Code: domain.EUNAUTHORIZED, Message: "请登录"}})
			return
		}
		var req wire.PushRequest
		json.NewDecoder(r.Body).Decode(&req)
		var resp wire.PushResponse
		for _, c := range req.Changes {
			f.pushed = append(f.pushed, c)
			resp.Results = append(resp.Results, wire.Result{ChangeID: c.ID, Status: wire.StatusApplied, ProjectID: c.ProjectID, Version: 1})
		}
		json.NewEncoder(w).Encode(resp)
	case wire.PathPull:
		json.NewEncoder(w).Encode(wire.PullResponse{Cursor: 0, Projects: []wire.PulledProject{}})
	case wire.PathMissing:
		var req wire.MissingRequest
		json.NewDecoder(r.Body).Decode(&req)
		json.NewEncoder(w).Encode(wire.MissingResponse{Missing: req.Hashes})
	default:
		if strings.HasPrefix(r.URL.Path, wire.AttachmentPrefix) {
			status := http.StatusNotFound
			if r.Method == http.MethodPut {
				status = http.StatusRequestEntityTooLarge
			}
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(wire.ErrorBody{Error: wire.Error{Code: wire.ETooLarge, Message: "附件太大"}})
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

var quiet = WithLogger(slog.New(slog.DiscardHandler))

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "lixiang.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// saveDraft saves a new draft by 张伟 and returns it.
func saveDraft(t *testing.T, s *sqlite.Store) *domain.Project {
	t.Helper()
	org, err := domain.ParseOrg(assets.DemoOrgJSON)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := org.User("u-zhangwei")
	p := domain.NewProject(uuid.Must(uuid.NewV7()).String(), domain.KindLocal, u, time.Now())
	p.Registration.Customer.ShortName = "测试客户"
	if _, err := s.SaveProject(t.Context(), u.ID, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func signedIn(t *testing.T, f *fake, opts ...Option) (*Engine, *sqlite.Store, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s := openStore(t)
	e := New(s, srv.URL, append([]Option{quiet}, opts...)...)
	if _, err := e.Login(t.Context(), "zhangwei", "demo"); err != nil {
		t.Fatal(err)
	}
	return e, s, srv
}

func TestANoOpSyncIsOneRequest(t *testing.T) {
	f := &fake{}
	e, _, _ := signedIn(t, f)
	before := f.count()
	rep, err := e.SyncOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := f.count() - before; got != 1 || rep.Requests != 1 {
		t.Fatalf("a no-op sync made %d requests (report %d): %v", got, rep.Requests, f.requests)
	}
	if !rep.Online || rep.BytesSent == 0 || rep.BytesReceived == 0 {
		t.Errorf("report = %+v", rep)
	}
	if st := e.State(); !st.Online || !st.SignedIn || st.LastSuccess.IsZero() || st.Syncing {
		t.Errorf("state = %+v", st)
	}
}

func TestATokenTheServerRejectsSignsOut(t *testing.T) {
	f := &fake{}
	e, s, _ := signedIn(t, f)
	saveDraft(t, s)
	if err := s.SetMeta(t.Context(), MetaToken, "stale"); err != nil {
		t.Fatal(err)
	}
	rep, err := e.SyncOnce(t.Context())
	if !errors.Is(err, ErrSignedOut) || !rep.SignedOut {
		t.Fatalf("SyncOnce = %+v, %v; want signed out", rep, err)
	}
	if st := e.State(); st.SignedIn || st.Pending != 1 {
		t.Errorf("state = %+v", st)
	}
	if tok, _ := s.Meta(t.Context(), MetaToken); tok != "" {
		t.Errorf("the rejected token was kept")
	}
	// Without a token the engine does not even ask the server.
	before := f.count()
	if _, err := e.SyncOnce(t.Context()); !errors.Is(err, ErrSignedOut) || f.count() != before {
		t.Errorf("signed-out sync = %v after %d requests", err, f.count()-before)
	}
}

func TestAServerErrorIsOfflineAndKeepsTheQueue(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		f := &fake{}
		e, s, _ := signedIn(t, f)
		saveDraft(t, s)
		f.status = status
		rep, err := e.SyncOnce(t.Context())
		if !IsOffline(err) || rep.Pushed != 0 {
			t.Fatalf("%d: SyncOnce = %+v, %v; want offline", status, rep, err)
		}
		pending, _ := s.Pending(t.Context(), 0, 0)
		if len(pending) != 1 || pending[0].Attempts != 1 || pending[0].LastError == "" {
			t.Errorf("%d: pending = %+v", status, pending)
		}
		if st := e.State(); st.Online || st.Pending != 1 || st.LastError == nil || st.LastError.Code != EOFFLINE {
			t.Errorf("%d: state = %+v", status, st)
		}
	}
}

func TestAnUnreachableServerIsOffline(t *testing.T) {
	f := &fake{}
	e, s, srv := signedIn(t, f)
	saveDraft(t, s)
	srv.Close()
	rep, err := e.SyncOnce(t.Context())
	if !IsOffline(err) || rep.Online {
		t.Fatalf("SyncOnce = %+v, %v", rep, err)
	}
}

func TestBackoffDoublesUpToTheLongestWithJitter(t *testing.T) {
	e := New(nil, "http://x", WithBackoff(time.Second, 5*time.Minute), WithJitter(func() float64 { return 0.999999 }))
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := e.backoff(i + 1); got < w-time.Millisecond || got > w {
			t.Errorf("backoff(%d) = %s, want ≈%s", i+1, got, w)
		}
	}
	if got := e.backoff(40); got > 5*time.Minute || got < 5*time.Minute-time.Millisecond {
		t.Errorf("backoff(40) = %s, want 5m", got)
	}
	low := New(nil, "http://x", WithJitter(func() float64 { return 0 }))
	if got := low.backoff(3); got != 2*time.Second {
		t.Errorf("backoff with no jitter = %s, want half of 4s", got)
	}
}

// timers hands Run's waits to the test.
type timers struct {
	mu    sync.Mutex
	waits []time.Duration
	chans []chan time.Time
	asked chan struct{}
}

func newTimers() *timers { return &timers{asked: make(chan struct{}, 100)} }

func (tm *timers) after(d time.Duration) <-chan time.Time {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	c := make(chan time.Time, 1)
	tm.waits = append(tm.waits, d)
	tm.chans = append(tm.chans, c)
	tm.asked <- struct{}{}
	return c
}

// fire ends the latest wait.
func (tm *timers) fire() {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.chans[len(tm.chans)-1] <- time.Now()
}

func (tm *timers) last() time.Duration {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.waits[len(tm.waits)-1]
}

func waitFor(t *testing.T, c <-chan struct{}) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not wait")
	}
}

func TestRunSyncsAtStartOnKickPeriodicallyAndBacksOffOnFailure(t *testing.T) {
	f := &fake{}
	tm := newTimers()
	e, s, _ := signedIn(t, f, WithTimer(tm.after), WithPeriod(time.Minute),
		WithBackoff(time.Second, 5*time.Minute), WithJitter(func() float64 { return 0.999999 }))
	// Login kicked; drain it so the first wait is the period.
	select {
	case <-e.kick:
	default:
	}
	var passes atomic.Int32
	cancelSub := e.Subscribe(func(st State) {
		if !st.Syncing {
			passes.Add(1)
		}
	})
	defer cancelSub()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- e.Run(ctx) }()

	waitFor(t, tm.asked) // the pass at start
	if tm.last() != time.Minute {
		t.Fatalf("after a success Run waits %s, want the period", tm.last())
	}
	saveDraft(t, s)
	e.Kick()
	waitFor(t, tm.asked)
	if len(f.pushed) != 1 {
		t.Fatalf("a kick did not push the save: %d pushed", len(f.pushed))
	}
	tm.fire() // the period passes
	waitFor(t, tm.asked)

	f.mu.Lock()
	f.status = http.StatusBadGateway
	f.mu.Unlock()
	var got []time.Duration
	for range 3 {
		tm.fire()
		waitFor(t, tm.asked)
		got = append(got, tm.last())
	}
	if got[0] > time.Second || got[1] > 2*time.Second || got[2] > 4*time.Second || got[2] < 3*time.Second {
		t.Errorf("waits after failures = %v, want ≈1s 2s 4s", got)
	}
	if st := e.State(); st.Online || st.LastError == nil || st.LastError.Code != EOFFLINE {
		t.Errorf("state while failing = %+v", st)
	}
	f.mu.Lock()
	f.status = 0
	f.mu.Unlock()
	tm.fire()
	waitFor(t, tm.asked)
	if tm.last() != time.Minute {
		t.Errorf("after recovering Run waits %s, want the period", tm.last())
	}
	if st := e.State(); !st.Online || st.LastError != nil {
		t.Errorf("state after recovering = %+v", st)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
	if passes.Load() < 7 {
		t.Errorf("listeners saw %d passes end", passes.Load())
	}
}

func TestRunWaitsForASignInWhenSignedOut(t *testing.T) {
	f := &fake{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	tm := newTimers()
	e := New(openStore(t), srv.URL, quiet, WithTimer(tm.after))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- e.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for e.LastReport().Err == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := e.State(); st.SignedIn || !e.LastReport().SignedOut {
		t.Fatalf("state = %+v", st)
	}
	if f.count() != 0 {
		t.Errorf("a signed-out engine sent %d requests", f.count())
	}
	if _, err := e.Login(t.Context(), "zhangwei", "demo"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tm.asked) // the login kicked a pass, which succeeded
	if st := e.State(); !st.SignedIn || !st.Online {
		t.Errorf("state after login = %+v", st)
	}
	cancel()
	<-done
}

func TestOutChangeIsAWireChange(t *testing.T) {
	s := openStore(t)
	p := saveDraft(t, s)
	p.Registration.Attachments = []domain.Attachment{{ID: uuid.Must(uuid.NewV7()).String(), Name: "a.pdf",
		SHA256: strings.Repeat("ab", 32), Role: domain.AttachPresales}}
	if _, err := s.SaveProject(t.Context(), "u-zhangwei", p); err != nil {
		t.Fatal(err)
	}
	org, _ := domain.ParseOrg(assets.DemoOrgJSON)
	u, _ := org.User("u-zhangwei")
	if _, err := s.Apply(t.Context(), p.ID, domain.Command{Action: domain.ActDiscard, Comment: "不要了"}, u, org); err != nil {
		t.Fatal(err)
	}
	batch, err := s.Pending(t.Context(), 0, 0)
	if err != nil || len(batch) != 3 {
		t.Fatalf("pending = %d, %v", len(batch), err)
	}
	out, hashes, err := toWire(batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 1 || hashes[0] != strings.Repeat("ab", 32) {
		t.Errorf("hashes = %v", hashes)
	}
	raw, err := json.Marshal(outPush{DeviceID: "d", Changes: out})
	if err != nil {
		t.Fatal(err)
	}
	var got wire.PushRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("the push is not a wire.PushRequest: %v", err)
	}
	for i, c := range batch {
		var pl sqlite.ChangePayload
		if err := json.Unmarshal(c.Payload, &pl); err != nil {
			t.Fatal(err)
		}
		want := wire.Change{ID: c.ChangeID, ProjectID: c.ProjectID, Kind: string(c.Kind), BaseVersion: c.BaseVersion,
			Changes: pl.Changes, Command: pl.Command, At: c.CreatedAt, Resolves: pl.Resolves}
		if !reflect.DeepEqual(got.Changes[i], want) {
			t.Errorf("change %d:\n got %+v\nwant %+v", i, got.Changes[i], want)
		}
	}
}

func TestAFileTheServerWillNotTakeDoesNotHoldBackTheQueue(t *testing.T) {
	f := &fake{}
	e, s, _ := signedIn(t, f)
	p := saveDraft(t, s)
	sha, err := s.PutAttachment(t.Context(), []byte("一个很大的文件"))
	if err != nil {
		t.Fatal(err)
	}
	p.Registration.Attachments = []domain.Attachment{{ID: uuid.Must(uuid.NewV7()).String(), Name: "大.pdf", SHA256: sha, Role: domain.AttachPresales}}
	if _, err := s.SaveProject(t.Context(), "u-zhangwei", p); err != nil {
		t.Fatal(err)
	}
	rep, err := e.SyncOnce(t.Context())
	if err != nil || rep.AttachmentsRefused != 1 || rep.Pushed != 2 || rep.Uploaded != 0 {
		t.Fatalf("SyncOnce = %+v, %v", rep, err)
	}
}
