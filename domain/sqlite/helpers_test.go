package sqlite

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"lixiang/assets"
	"lixiang/domain"
	"lixiang/domain/sqlite/storetest"
)

// testClock is a clock that moves one second on every reading, so each
// save has its own time.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// openTest opens a store in a new file under t.TempDir with a test clock.
func openTest(t testing.TB, opts ...Option) (*Store, *testClock, string) {
	t.Helper()
	clock := newTestClock()
	path := filepath.Join(t.TempDir(), "lixiang.db")
	s, err := Open(t.Context(), path, append([]Option{WithClock(clock.Now)}, opts...)...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		storetest.ConflictCounts(t, path)
	})
	return s, clock, path
}

func demoOrg(t testing.TB) *domain.Org {
	t.Helper()
	org, err := domain.ParseOrg(assets.DemoOrgJSON)
	if err != nil {
		t.Fatalf("ParseOrg(demo): %v", err)
	}
	return org
}

func user(t testing.TB, org *domain.Org, id string) domain.User {
	t.Helper()
	u, ok := org.User(id)
	if !ok {
		t.Fatalf("demo org has no user %s", id)
	}
	return u
}

func newID(t testing.TB) string {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// presalesAttachment is the metadata of a stored presales solution file.
func presalesAttachment(t testing.TB, s *Store, by string) domain.Attachment {
	t.Helper()
	data := []byte("%PDF-1.4 售前解决方案 " + by)
	sha, err := s.PutAttachment(t.Context(), data)
	if err != nil {
		t.Fatalf("PutAttachment: %v", err)
	}
	return domain.Attachment{ID: newID(t), Name: "售前解决方案.pdf", Size: int64(len(data)), SHA256: sha,
		MIME: "application/pdf", Role: domain.AttachPresales, AddedBy: by, AddedAt: "2026-03-01T09:00:00Z"}
}

// localDraft is a complete 本地化 registration by 张伟 whose contract is not
// signed, so it needs special approval (特批).
func localDraft(t testing.TB, s *Store, org *domain.Org, now time.Time) *domain.Project {
	t.Helper()
	p := domain.NewProject(newID(t), domain.KindLocal, user(t, org, "u-zhangwei"), now)
	r := &p.Registration
	r.ProductLine = domain.LineESeal
	r.PresalesID = "u-wangfang"
	r.Customer.FullName = "北京安证通信息科技股份有限公司"
	r.Customer.ShortName = "安证通"
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
	r.ProjectGroup = "安证通项目群"
	r.Contract = domain.Contract{Signed: domain.No, FirstPayment: domain.No}
	r.Other = domain.Other{Notes: "客户希望年底前上线", GoLive: "2026-12-31", SpecialRequirements: "需国密算法"}
	r.Attachments = []domain.Attachment{presalesAttachment(t, s, "u-zhangwei")}
	return p
}

// saasDraft is a complete SaaS registration by 李娜 with the contract signed
// and paid, so it goes straight to customer success.
func saasDraft(t testing.TB, s *Store, org *domain.Org, now time.Time) *domain.Project {
	t.Helper()
	p := domain.NewProject(newID(t), domain.KindSaaS, user(t, org, "u-lina"), now)
	r := &p.Registration
	r.Customer.FullName = "上海浦东发展银行股份有限公司"
	r.Customer.ShortName = "浦发银行"
	r.Background = domain.Background{UserScale: "20000", SigningVolume: "1,000,000", SealCount: "12",
		Nature: "国企/央企", MainBusiness: "银行"}
	r.Requirement = "网点业务电子合同签署"
	r.Products = []string{"云合同"}
	r.Services = domain.Services{RealName: []string{"银行卡四要素"}, Intent: []string{"短信验证码"}}
	r.Certificate = domain.Certificate{Form: "长效证书", Vendor: "上海CA", Channels: []string{"上海CA"}}
	r.Scenarios = []string{"采购"}
	r.Integration = domain.No
	r.Stakeholders = []domain.Stakeholder{{Name: "赵六", Contact: "zhaoliu@example.com", Role: "业务负责人"}}
	r.Contract = domain.Contract{Signed: domain.Yes, FirstPayment: domain.Yes}
	r.Attachments = []domain.Attachment{presalesAttachment(t, s, "u-lina")}
	return p
}

// upgradeDraft is a 问题登记 on parent by 张伟 with a new contract signed.
func upgradeDraft(t testing.TB, s *Store, org *domain.Org, parent *domain.Project, now time.Time) *domain.Project {
	t.Helper()
	p := domain.NewProject(newID(t), domain.KindUpgrade, user(t, org, "u-zhangwei"), now)
	r := &p.Registration
	r.UpgradeType = domain.UpgradeVersion
	r.ParentID = parent.ID
	r.Customer = parent.Registration.Customer
	r.Background = parent.Registration.Background
	r.Requirement = "签章系统升级到 V6，增加 OFD 支持"
	r.Scenarios = []string{"OA公文"}
	r.Integration = domain.No
	r.Stakeholders = []domain.Stakeholder{{Name: "王五", Contact: "13900000000", Role: "IT负责人"}}
	r.Contract = domain.Contract{NewContract: domain.Yes, Amount: "150000.00", Signed: domain.Yes}
	r.Attachments = []domain.Attachment{presalesAttachment(t, s, "u-zhangwei")}
	return p
}

// mustSave saves p and fails the test on error.
func mustSave(t testing.TB, s *Store, actorID string, p *domain.Project) SaveResult {
	t.Helper()
	res, err := s.SaveProject(t.Context(), actorID, p)
	if err != nil {
		t.Fatalf("SaveProject(%s): %v", p.ID, err)
	}
	return res
}

// mustApply applies cmd by actorID and fails the test on error.
func mustApply(t testing.TB, s *Store, org *domain.Org, id string, cmd domain.Command, actorID string) *domain.Project {
	t.Helper()
	p, err := s.Apply(t.Context(), id, cmd, user(t, org, actorID), org)
	if err != nil {
		t.Fatalf("Apply(%s by %s): %v", cmd.Action, actorID, err)
	}
	return p
}

// sameProject fails unless got and want are equal, naming the fields that differ.
func sameProject(t testing.TB, got, want *domain.Project) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	changes, err := domain.Diff(want, got)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	t.Fatalf("project %s differs: %v\n got %s\nwant %s", want.ID, changes, g, w)
}

func outboxFor(t testing.TB, s *Store, projectID string) []Change {
	t.Helper()
	rows, err := s.db.QueryContext(t.Context(), `SELECT `+changeColumns+` FROM outbox WHERE project_id = ? ORDER BY seq`, projectID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := scanChanges(rows, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func payloadOf(t testing.TB, c Change) ChangePayload {
	t.Helper()
	var p ChangePayload
	if err := json.Unmarshal(c.Payload, &p); err != nil {
		t.Fatalf("payload of %s: %v", c.ChangeID, err)
	}
	return p
}

func count(t testing.TB, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
