package ui

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lixiang/assets"
	"lixiang/domain"
	"lixiang/domain/sqlite"
	"lixiang/domain/sqlite/storetest"
)

// update rewrites the markup masters in testdata/ from what the screens
// render now: go test ./ui/ -run Golden -update. Without it, a mismatch
// leaves the rendered markup in testdata/failed/ (Fyne's own mechanism).
var update = flag.Bool("update", false, "rewrite the markup masters in testdata/")

// testNow is the clock of every test: times on screen are stable.
var testNow = time.Date(2026, 11, 20, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

func TestMain(m *testing.M) {
	// Times are shown in the local zone: make it China's, like the users'.
	time.Local = time.FixedZone("CST", 8*3600)
	os.Exit(m.Run())
}

// demoOrg is the embedded demo organisation.
func demoOrg(t testing.TB) *domain.Org {
	t.Helper()
	org, err := domain.ParseOrg(assets.DemoOrgJSON)
	if err != nil {
		t.Fatal(err)
	}
	return org
}

func user(t testing.TB, org *domain.Org, login string) domain.User {
	t.Helper()
	u, ok := org.UserByLogin(login)
	if !ok {
		t.Fatalf("no user %s", login)
	}
	return u
}

// openStore opens a real store on a file in dir with the demo directory.
func openStore(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path,
		sqlite.WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func newStore(t testing.TB) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lixiang.db")
	st := openStore(t, path)
	t.Cleanup(func() {
		st.Close()
		storetest.ConflictCounts(t, path)
	})
	if err := st.SaveOrg(context.Background(), demoOrg(t)); err != nil {
		t.Fatal(err)
	}
	return st, path
}

// importSamples stores the interchange samples the screenshot script uses.
func importSamples(t testing.TB, st *sqlite.Store, names ...string) {
	t.Helper()
	for _, n := range names {
		raw, err := os.ReadFile(filepath.Join("..", "testdata", "interchange", n+".json"))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := domain.DecodeDocument(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ImportProjects(context.Background(), "u-admin", doc.Projects); err != nil {
			t.Fatal(err)
		}
	}
}

var allSamples = []string{"local-initiated", "saas-handed-over", "upgrade-submitted", "local-draft", "saas-draft"}

// navRecorder records where the screens asked to go.
type navRecorder struct {
	mu    sync.Mutex
	calls []string
	last  *domain.Project
}

func (n *navRecorder) rec(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls = append(n.calls, s)
}
func (n *navRecorder) lastCall() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.calls) == 0 {
		return ""
	}
	return n.calls[len(n.calls)-1]
}
func (n *navRecorder) openList()             { n.rec("list") }
func (n *navRecorder) openInbox()            { n.rec("inbox") }
func (n *navRecorder) openProject(id string) { n.rec("project " + id) }
func (n *navRecorder) openRegistration(p *domain.Project) {
	n.mu.Lock()
	n.last = p
	n.mu.Unlock()
	n.rec("registration " + p.ID)
}
func (n *navRecorder) openNewRegistration()     { n.rec("new") }
func (n *navRecorder) openHandover(id string)   { n.rec("handover " + id) }
func (n *navRecorder) openInitiation(id string) { n.rec("initiation " + id) }
func (n *navRecorder) openConflicts()           { n.rec("conflicts") }
func (n *navRecorder) openAccount()             { n.rec("account") }

// testEnv is a screen's environment on a real store, acting as login,
// with background work run inline so a test sees its result at once.
func testEnv(t testing.TB, st Store, login string) (*env, *navRecorder) {
	t.Helper()
	org := demoOrg(t)
	ids := 0
	var opened []string
	win := test.NewTempWindow(t, widget.NewLabel(""))
	win.Resize(fyne.NewSize(1280, 800)) // dialogs open here
	e := newEnv(t.Context(), win, Deps{ // ends with the test: no timer of its screens fires after
		Store: st, Org: org, User: user(t, org, login), DataDir: "/tmp/lixiang-test",
		Now: func() time.Time { return testNow },
		NewID: func() (string, error) {
			ids++
			return fmt.Sprintf("01a30000-0000-7000-8000-%012d", ids), nil
		},
		OpenURL: func(u *url.URL) error { opened = append(opened, u.String()); return nil },
	})
	e.run = func(f func()) { f() }
	nav := &navRecorder{}
	e.nav = nav
	return e, nav
}

// showIn puts a screen in a 1280×800 test window, as the app's content area.
func showIn(t testing.TB, o fyne.CanvasObject) fyne.Window {
	t.Helper()
	w := test.NewTempWindow(t, o)
	w.Resize(fyne.NewSize(1280, 800))
	if r, ok := o.(screenRefresher); ok {
		r.reload()
	}
	return w
}

// assertMarkup compares the window's markup with testdata/name (written
// first with -update).
func assertMarkup(t *testing.T, name string, w fyne.Window) {
	t.Helper()
	if *update {
		path := filepath.Join("testdata", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(test.RenderToMarkup(w.Canvas())), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	test.AssertRendersToMarkup(t, name, w.Canvas())
}

// shows fails unless every want is drawn somewhere in o.
func shows(t *testing.T, o fyne.CanvasObject, want ...string) {
	t.Helper()
	got := visibleText(o)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("the screen does not show %q; it shows:\n%s", w, got)
		}
	}
}

// lacks fails if any of unwanted is drawn in o.
func lacks(t *testing.T, o fyne.CanvasObject, unwanted ...string) {
	t.Helper()
	got := visibleText(o)
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Errorf("the screen shows %q but should not:\n%s", w, got)
		}
	}
}

// fillLocal fills a local registration completely and validly, except
// for the attachment (which a test adds through the form).
func fillRegistration(r *domain.Registration, short string) {
	r.Customer = domain.Customer{FullName: short + "股份有限公司", ShortName: short, Region: "north"}
	r.SalesID = "u-zhangwei"
	r.Background = domain.Background{UserScale: "3000", SigningVolume: "120000", SealCount: "40",
		Nature: "国企/央企", MainBusiness: "城市供水"}
	r.Requirement = "合同与公文电子签章"
	switch r.Kind {
	case domain.KindLocal:
		r.ProductLine = domain.LineESeal
		r.Products = []string{"电子印章认证", "签章中间件"}
		r.Services = domain.Services{Timestamp: domain.Yes, RealName: []string{"运营商三要素"}, Intent: []string{"短信验证码"}}
		r.SealHandling = "本地印章管理平台"
		r.Customization = domain.Customization{Needed: domain.No}
	case domain.KindSaaS:
		r.Products = []string{"云签章"}
		r.Services = domain.Services{RealName: []string{"运营商三要素"}, Intent: []string{"短信验证码"}}
	case domain.KindUpgrade:
		r.UpgradeType = domain.UpgradeVersion
		r.Contract.NewContract = domain.Yes
		r.Contract.Amount = "180000"
	}
	if r.Kind != domain.KindUpgrade {
		r.Certificate = domain.Certificate{Form: "事件证书", Vendor: "CFCA", Channels: []string{"CFCA", "北京CA"}}
		r.Contract.FirstPayment = domain.Yes
	}
	r.Contract.Signed = domain.Yes
	r.Scenarios = []string{"人事", "采购"}
	r.Integration = domain.No
	r.Stakeholders = []domain.Stakeholder{{Name: "王主任", Contact: "13900000000", Role: "IT负责人"}}
	r.Attachments = []domain.Attachment{{ID: "a1", Name: "售前方案.docx", Size: 5,
		SHA256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", Role: domain.AttachPresales}}
}

// storedProject saves a filled registration of kind (by 张伟, changed by
// mutate) and moves it through the given workflow steps: pairs of actor
// login and command.
func storedProject(t testing.TB, st *sqlite.Store, id string, kind domain.Kind, short string, mutate func(*domain.Project), steps ...any) *domain.Project {
	t.Helper()
	ctx := context.Background()
	org := demoOrg(t)
	p := domain.NewProject(id, kind, user(t, org, "zhangwei"), testNow)
	fillRegistration(&p.Registration, short)
	if mutate != nil {
		mutate(p)
	}
	if _, err := st.PutAttachment(ctx, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveProject(ctx, "u-zhangwei", p); err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(steps); i += 2 {
		login := steps[i].(string)
		cmd := steps[i+1].(domain.Command)
		if _, err := st.Apply(ctx, id, cmd, user(t, org, login), org); err != nil {
			t.Fatalf("%s %s: %v", login, cmd.Action, err)
		}
	}
	out, err := st.Project(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writeTemp writes a file for a test to attach and returns its URI.
func writeTemp(t *testing.T, name, content string) fyne.URI {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return storage.NewFileURI(path)
}
