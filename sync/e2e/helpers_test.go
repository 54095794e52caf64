// Package e2e_test runs the real server (servertest, on loopback) against
// real client stores (SQLite files in temp directories) through the real
// sync engine: what a field salesperson's laptop and the central server do.
package e2e_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"lixiang/domain"
	"lixiang/domain/sqlite"
	"lixiang/domain/sqlite/storetest"
	"lixiang/sync/client"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// quiet keeps the engine's log out of test output.
var quiet = slog.New(slog.DiscardHandler)

// peer is one desktop installation: its store, its engine, who signed in.
type peer struct {
	t     testing.TB
	name  string
	store *sqlite.Store
	eng   *client.Engine
	user  domain.User
}

// newPeer opens a fresh store and signs login in (password demo).
func newPeer(t testing.TB, srv *servertest.Instance, login string, opts ...client.Option) *peer {
	t.Helper()
	p := openPeer(t, srv, login, opts...)
	resp, err := p.eng.Login(t.Context(), login, "demo")
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	p.user = resp.User
	return p
}

// openPeer opens a fresh store with an engine, signed out.
func openPeer(t testing.TB, srv *servertest.Instance, name string, opts ...client.Option) *peer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lixiang.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		storetest.ConflictCounts(t, path)
	})
	eng := client.New(st, srv.URL, append([]client.Option{client.WithLogger(quiet)}, opts...)...)
	return &peer{t: t, name: name, store: st, eng: eng}
}

// sync runs one pass and fails the test on error.
func (p *peer) sync() client.Report {
	p.t.Helper()
	rep, err := p.eng.SyncOnce(p.t.Context())
	if err != nil {
		p.t.Fatalf("%s: sync: %v", p.name, err)
	}
	return rep
}

func (p *peer) org() *domain.Org {
	p.t.Helper()
	org, err := p.store.Org(p.t.Context())
	if err != nil {
		p.t.Fatalf("%s: the organisation did not come down: %v", p.name, err)
	}
	return org
}

func (p *peer) save(proj *domain.Project) string {
	p.t.Helper()
	res, err := p.store.SaveProject(p.t.Context(), p.user.ID, proj)
	if err != nil {
		p.t.Fatalf("%s: save: %v", p.name, err)
	}
	return res.ChangeID
}

func (p *peer) apply(id string, cmd domain.Command) *domain.Project {
	p.t.Helper()
	out, err := p.store.Apply(p.t.Context(), id, cmd, p.user, p.org())
	if err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, cmd.Action, err)
	}
	return out
}

func (p *peer) project(id string) *domain.Project {
	p.t.Helper()
	out, err := p.store.Project(p.t.Context(), id)
	if err != nil {
		p.t.Fatalf("%s: project %s: %v", p.name, id, err)
	}
	return out
}

// edit loads a project, changes it and saves it.
func (p *peer) edit(id string, f func(*domain.Project)) string {
	p.t.Helper()
	proj := p.project(id)
	f(proj)
	return p.save(proj)
}

func newID(t testing.TB) string {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// attach stores data on p and returns its metadata.
func (p *peer) attach(data []byte, name string) domain.Attachment {
	p.t.Helper()
	sha, err := p.store.PutAttachment(p.t.Context(), data)
	if err != nil {
		p.t.Fatal(err)
	}
	return domain.Attachment{ID: newID(p.t), Name: name, Size: int64(len(data)), SHA256: sha,
		MIME: "application/pdf", Role: domain.AttachPresales, AddedBy: p.user.ID, AddedAt: "2026-03-01T09:00:00Z"}
}

// draft is a complete 本地化 registration of owner's, whose contract is not
// signed (so it needs special approval), with 张伟 as responsible sales and
// 王芳 as presales, and a presales solution file stored on p.
func (p *peer) draft(owner domain.User, customer string) *domain.Project {
	p.t.Helper()
	proj := domain.NewProject(newID(p.t), domain.KindLocal, owner, time.Now())
	r := &proj.Registration
	r.SalesID = "u-zhangwei"
	r.ProductLine = domain.LineESeal
	r.PresalesID = "u-wangfang"
	r.Customer.FullName = customer + "信息科技股份有限公司"
	r.Customer.ShortName = customer
	r.Background = domain.Background{UserScale: "5000", SigningVolume: "120000", SealCount: "30",
		Nature: "国企/央企", MainBusiness: "电子认证服务"}
	r.Requirement = "需要电子签章与OA系统对接，支持合同在线签署"
	r.Products = []string{"签章中间件", "智慧印章"}
	r.Services = domain.Services{Timestamp: domain.Yes, RealName: []string{"人脸识别"}, Intent: []string{"短信验证码", "UKey"}}
	r.Certificate = domain.Certificate{Form: "事件证书", Vendor: "CFCA", Channels: []string{"CFCA", "北京CA"}}
	r.SealHandling = "云业务办理平台"
	r.Scenarios = []string{"人事", "OA公文"}
	r.Integration = domain.Yes
	r.Systems = []domain.System{{Type: "OA", Name: "蓝凌OA", Vendor: "蓝凌", Version: "V15"}}
	r.Customization = domain.Customization{Needed: domain.Yes, Description: "定制印章审批流程"}
	r.Stakeholders = []domain.Stakeholder{{Name: "王五", Contact: "13900000000", Role: "IT负责人"}}
	r.ProjectGroup = customer + "项目群"
	r.Contract = domain.Contract{Signed: domain.No, FirstPayment: domain.No}
	r.Other = domain.Other{Notes: "客户希望年底前上线", GoLive: "2026-12-31", SpecialRequirements: "需国密算法"}
	r.Attachments = []domain.Attachment{p.attach([]byte("%PDF-1.4 售前解决方案 "+customer), "售前解决方案.pdf")}
	return proj
}

// canonical is a project as comparable JSON.
func canonical(t testing.TB, p *domain.Project) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameEverywhere fails unless the project is the same on every peer and on
// the server, field by field.
func sameEverywhere(t testing.TB, srv *servertest.Instance, id string, peers ...*peer) *domain.Project {
	t.Helper()
	want := serverProject(t, srv, id)
	for _, p := range peers {
		got := p.project(id)
		if canonical(t, got) == canonical(t, want) {
			continue
		}
		diff, _ := domain.Diff(want, got)
		t.Errorf("%s differs from the server on %s: %+v", p.name, id, diff)
		if len(diff) == 0 && !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", p.name, canonical(t, got), canonical(t, want))
		}
	}
	return want
}

// adminTokens caches an admin sign-in per server instance — not per URL:
// a new test server may listen on a port a closed one used, and its
// database knows nothing of the old server's token (a 401).
var adminTokens sync.Map

// serverProject is the project as the server holds it now, read through
// the protocol by an administrator (who sees everything).
func serverProject(t testing.TB, srv *servertest.Instance, id string) *domain.Project {
	t.Helper()
	ps := serverProjects(t, srv)
	p, ok := ps[id]
	if !ok {
		t.Fatalf("the server has no project %s", id)
	}
	return p
}

// serverProjects pulls everything from the server as an administrator.
func serverProjects(t testing.TB, srv *servertest.Instance) map[string]*domain.Project {
	t.Helper()
	tok := adminToken(t, srv)
	out := map[string]*domain.Project{}
	since := int64(0)
	for {
		var page wire.PullResponse
		status := call(t, http.MethodGet, srv.URL+wire.PathPull+"?since="+strconv.FormatInt(since, 10)+"&limit=1000", tok, nil, &page)
		if status != http.StatusOK {
			t.Fatalf("admin pull: status %d", status)
		}
		for _, pp := range page.Projects {
			var p domain.Project
			if err := json.Unmarshal(pp.Project, &p); err != nil {
				t.Fatal(err)
			}
			out[p.ID] = &p
		}
		if !page.More {
			return out
		}
		since = page.Cursor
	}
}

func adminToken(t testing.TB, srv *servertest.Instance) string {
	t.Helper()
	if tok, ok := adminTokens.Load(srv); ok {
		return tok.(string)
	}
	var resp wire.LoginResponse
	if status := call(t, http.MethodPost, srv.URL+wire.PathLogin, "", wire.LoginRequest{Login: "admin", Password: "demo"}, &resp); status != http.StatusOK {
		t.Fatalf("admin login: status %d", status)
	}
	adminTokens.Store(srv, resp.Token)
	return resp.Token
}

// call sends one JSON request with plain net/http and decodes the answer.
func call(t testing.TB, method, url, token string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
	return resp.StatusCode
}

// faults is a transport wrapper a test arms: it can drop the answer to a
// request after the server handled it (a lost acknowledgement), fail a
// request before it leaves, and run a hook before a request goes.
type faults struct {
	mu sync.Mutex
	// dropAnswer drops the answer to matching requests (after forwarding).
	dropAnswer func(*http.Request) bool
	// failBefore fails matching requests without sending them.
	failBefore func(*http.Request) bool
	// before runs before each request goes.
	before func(*http.Request)
	// log records every request as "METHOD path" with its body size.
	log []string
	put int64 // attachment bytes PUT that reached the server
}

var errDropped = errors.New("e2e: the connection broke (injected)")

func (f *faults) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		f.mu.Lock()
		drop, fail, before := f.dropAnswer, f.failBefore, f.before
		f.log = append(f.log, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		if before != nil {
			before(r)
		}
		if fail != nil && fail(r) {
			return nil, errDropped
		}
		resp, err := rt.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		if r.Method == http.MethodPut && resp.StatusCode < 300 {
			f.mu.Lock()
			f.put += r.ContentLength
			f.mu.Unlock()
		}
		if drop != nil && drop(r) {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return nil, errDropped
		}
		return resp, nil
	})
}

func (f *faults) set(g func(f *faults)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g(f)
}

// requests returns and forgets the logged requests.
func (f *faults) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.log
	f.log = nil
	return out
}

func count(reqs []string, prefix string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func is(r *http.Request, method, path string) bool {
	return r.Method == method && strings.HasPrefix(r.URL.Path, path)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = fmt.Sprint
