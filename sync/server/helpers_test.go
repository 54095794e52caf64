package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// clock is a test clock that moves only when told to.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// t0 is when the tests happen: 2 March 2026, 09:30 UTC (17:30 in Beijing).
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// start runs a server with a test clock.
func start(t *testing.T, opts ...server.Option) (*servertest.Instance, *clock) {
	t.Helper()
	c := newClock()
	return servertest.Start(t, append([]server.Option{server.WithClock(c.Now)}, opts...)...), c
}

// errorBody decodes a JSON error answer and checks its shape: a code and a
// message in both languages, served as JSON.
func errorBody(t *testing.T, resp *http.Response, body []byte) wire.Error {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: Content-Type %q, want JSON; body %s", resp.Status, ct, body)
	}
	var e wire.ErrorBody
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s: error body %s: %v", resp.Status, body, err)
	}
	if e.Error.Code == "" || e.Error.Message == "" || e.Error.English == "" {
		t.Fatalf("%s: error without code or messages: %s", resp.Status, body)
	}
	return e.Error
}

// wantError checks that a response is the given status with the given code.
func wantError(t *testing.T, resp *http.Response, body []byte, status int, code string) wire.Error {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %s, want %d; body %s", resp.Status, status, body)
	}
	e := errorBody(t, resp, body)
	if e.Code != code {
		t.Fatalf("code %q, want %q; body %s", e.Code, code, body)
	}
	return e
}

// created pushes the creation of p by token and fails unless it applies;
// it returns the server version.
func created(t *testing.T, srv *servertest.Instance, token string, p *domain.Project) int64 {
	t.Helper()
	res := srv.Push(t, token, servertest.EditChange(t, nil, p, 0)).Results[0]
	if res.Status != wire.StatusApplied {
		t.Fatalf("create %s: %s %+v", p.ID, res.Status, res.Error)
	}
	return res.Version
}

// act pushes one workflow command and returns its result.
func act(t *testing.T, srv *servertest.Instance, token, projectID string, cmd domain.Command) wire.Result {
	t.Helper()
	return srv.Push(t, token, servertest.ActionChange(t, projectID, cmd, 0)).Results[0]
}

// mustApply fails unless res applied.
func mustApply(t *testing.T, what string, res wire.Result) wire.Result {
	t.Helper()
	if res.Status != wire.StatusApplied {
		t.Fatalf("%s: %s %+v", what, res.Status, res.Error)
	}
	return res
}

// mustRefuse fails unless res was refused with code, and returns the error.
func mustRefuse(t *testing.T, what string, res wire.Result, code string) *wire.Error {
	t.Helper()
	if res.Status != wire.StatusRefused || res.Error == nil {
		t.Fatalf("%s: %s, want refused %s", what, res.Status, code)
	}
	if res.Error.Code != code || res.Error.Message == "" || res.Error.English == "" {
		t.Fatalf("%s: refused with %+v, want code %s and messages", what, res.Error, code)
	}
	return res.Error
}

// serverProject reads a project as the admin pulls it.
func serverProject(t *testing.T, srv *servertest.Instance, id string) *domain.Project {
	t.Helper()
	all, _ := srv.PullAll(t, srv.Token(t, "admin"), 0)
	p := all[id]
	if p == nil {
		t.Fatalf("project %s is not on the server", id)
	}
	return p
}

var (
	approve = domain.Command{Action: domain.ActApprove}
	submit  = domain.Command{Action: domain.ActSubmit}
)

func jsonDecode(b []byte, v any) error { return json.Unmarshal(b, v) }
