package servertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"lixiang/domain"
	"lixiang/sync/wire"
)

// Fixtures and request helpers for tests against the server: complete,
// valid registrations of each kind in the demo organisation, changes built
// the way a device builds them, and push/pull calls.

// PresalesSHA is the SHA-256 the fixtures' presales attachment names
// (of the bytes "test").
const PresalesSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func presalesAttachment() domain.Attachment {
	return domain.Attachment{ID: "a-1", Name: "售前解决方案.docx", Size: 4, SHA256: PresalesSHA,
		MIME: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		Role: domain.AttachPresales, AddedAt: "2026-03-01T10:00:00Z"}
}

func stakeholders() []domain.Stakeholder {
	return []domain.Stakeholder{
		{Name: "王建国", Contact: "13912345678", Role: "IT负责人"},
		{Name: "刘敏", Contact: "liumin@example.com", Role: "业务负责人"},
	}
}

// Registration returns a complete, valid registration of kind k:
//   - local: 湘江新区, southern region, sales u-lina, presales u-huangbo,
//     contract signed and first payment back (no special approval);
//   - saas: 远航物流, northern region, sales u-zhangwei;
//   - upgrade: 河钢, northern region, sales u-zhangwei, on parentID.
func Registration(k domain.Kind, parentID string) domain.Registration {
	switch k {
	case domain.KindLocal:
		return domain.Registration{
			Kind:        domain.KindLocal,
			ProductLine: domain.LineESeal,
			Customer:    domain.Customer{FullName: "湖南湘江新区管理委员会", ShortName: "湘江新区", Region: "south"},
			SalesID:     "u-lina",
			PresalesID:  "u-huangbo",
			Background: domain.Background{UserScale: "5000", SigningVolume: "120000", SealCount: "300",
				Nature: "政府机关/事业单位", MainBusiness: "新区开发建设与政务服务"},
			Requirement:   "公文与合同全面电子签章，对接 OA 与 ERP。",
			Products:      []string{"悦文云文档", "智慧印章"},
			Services:      domain.Services{Timestamp: domain.Yes, RealName: []string{"运营商三要素"}, Intent: []string{"短信验证码", "UKey"}},
			Certificate:   domain.Certificate{Form: "事件证书", Vendor: "CFCA", Channels: []string{"CFCA", "北京CA"}},
			SealHandling:  "本地印章管理平台",
			Scenarios:     []string{"人事", "OA公文"},
			Integration:   domain.Yes,
			Systems:       []domain.System{{Type: "OA", Name: "蓝凌EKP", Vendor: "蓝凌", Version: "V15"}},
			Customization: domain.Customization{Needed: domain.Yes, Description: "公文版式定制"},
			Stakeholders:  stakeholders(),
			ProjectGroup:  "湘江新区电子签章项目群",
			Contract:      domain.Contract{Signed: domain.Yes, FirstPayment: domain.Yes},
			Other:         domain.Other{Notes: "客户要求国产化环境", GoLive: "2026-06-30", SpecialRequirements: "信创服务器"},
			Attachments:   []domain.Attachment{presalesAttachment()},
		}
	case domain.KindSaaS:
		return domain.Registration{
			Kind:     domain.KindSaaS,
			Customer: domain.Customer{FullName: "北京远航物流有限公司", ShortName: "远航物流", Region: "north"},
			SalesID:  "u-zhangwei",
			Background: domain.Background{UserScale: "800", SigningVolume: "50000", SealCount: "12",
				Nature: "民营企业", MainBusiness: "城市配送"},
			Products:     []string{"云签章", "云合同"},
			Services:     domain.Services{RealName: []string{"运营商三要素", "人脸识别"}, Intent: []string{"短信验证码"}},
			Certificate:  domain.Certificate{Form: "事件证书", Vendor: "北京CA", Channels: []string{"北京CA", "CFCA"}},
			Scenarios:    []string{"物流", "采购"},
			Integration:  domain.Yes,
			Systems:      []domain.System{{Type: "WMS", Name: "富勒WMS", Vendor: "富勒", Version: "5.2"}},
			Stakeholders: stakeholders()[:1],
			Contract:     domain.Contract{Signed: domain.Yes, FirstPayment: domain.Yes},
			Other:        domain.Other{GoLive: "2026-05-01"},
			Attachments:  []domain.Attachment{presalesAttachment()},
		}
	}
	return domain.Registration{
		Kind:        domain.KindUpgrade,
		UpgradeType: domain.UpgradeVersion,
		ParentID:    parentID,
		Customer:    domain.Customer{FullName: "河北钢铁集团有限公司", ShortName: "河钢", Region: "north"},
		SalesID:     "u-zhangwei",
		Background: domain.Background{UserScale: "30000", SigningVolume: "1000000", SealCount: "2000",
			Nature: "国企/央企", MainBusiness: "钢铁冶炼"},
		Scenarios:    []string{"采购", "住建图纸"},
		Integration:  domain.Yes,
		Systems:      []domain.System{{Type: "ERP", Name: "金蝶云星空", Vendor: "金蝶", Version: "8.0"}},
		Stakeholders: stakeholders(),
		Contract:     domain.Contract{NewContract: domain.Yes, Amount: "380000.00", Signed: domain.Yes},
		Other:        domain.Other{GoLive: "2026-09-01"},
		Attachments:  []domain.Attachment{presalesAttachment()},
	}
}

// NewID returns a fresh lower-case UUID v7 (project and change ids).
func NewID(t testing.TB) string {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatalf("servertest: new id: %v", err)
	}
	return id.String()
}

// NewProject returns a draft of reg's kind owned by owner, with reg as its
// registration and a fresh id.
func NewProject(t testing.TB, owner domain.User, reg domain.Registration, now time.Time) *domain.Project {
	t.Helper()
	p := domain.NewProject(NewID(t), reg.Kind, owner, now)
	p.Registration = reg
	return p
}

// EditChange is the change a device records when a save turns old into
// new (old nil for a new project): every changed field with its old and
// new value, based on the server version base; the conflicts new no
// longer holds are settled by their identity (Resolves).
func EditChange(t testing.TB, old, new *domain.Project, base int64) wire.Change {
	t.Helper()
	ch := LegacyEditChange(t, old, new, base)
	ch.Changes = slices.DeleteFunc(ch.Changes, func(c domain.FieldChange) bool { return domain.IsConflictPath(c.Path) })
	if old != nil {
		ch.Resolves = domain.ResolvedConflicts(old.Conflicts, new.Conflicts)
	}
	return ch
}

// LegacyEditChange is EditChange as a device recorded it before conflict
// identities: a settled conflict as the changes of the conflicts list's
// rows (conflicts[i].*).
func LegacyEditChange(t testing.TB, old, new *domain.Project, base int64) wire.Change {
	t.Helper()
	changes, err := domain.Diff(old, new)
	if err != nil {
		t.Fatalf("servertest: diff: %v", err)
	}
	return wire.Change{ID: NewID(t), ProjectID: new.ID, Kind: wire.KindEdit, BaseVersion: base,
		Changes: changes, At: time.Now().UTC()}
}

// DocChange is the change a device records when it saves a new project,
// sent with the project's whole document (wire.Change.Doc) instead of its
// field changes.
func DocChange(t testing.TB, p *domain.Project) wire.Change {
	t.Helper()
	doc, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("servertest: encode project: %v", err)
	}
	return wire.Change{ID: NewID(t), ProjectID: p.ID, Kind: wire.KindEdit, Doc: doc, At: time.Now().UTC()}
}

// ActionChange is a workflow command on a project, based on version base.
func ActionChange(t testing.TB, projectID string, cmd domain.Command, base int64) wire.Change {
	t.Helper()
	return wire.Change{ID: NewID(t), ProjectID: projectID, Kind: wire.KindAction, BaseVersion: base,
		Command: &cmd, At: time.Now().UTC()}
}

// Do sends a request with the token (none when "") and a JSON body (none
// when nil) and returns the response with its body read.
func (i *Instance) Do(t testing.TB, method, path, token string, body any) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("servertest: encode body: %v", err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, i.URL+path, r)
	if err != nil {
		t.Fatalf("servertest: %s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", wire.AuthScheme+" "+token)
	}
	resp, err := i.Client().Do(req)
	if err != nil {
		t.Fatalf("servertest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("servertest: %s %s: read body: %v", method, path, err)
	}
	return resp, b
}

// Push sends changes as one batch from device "servertest" and returns the
// answer; the test fails unless the server answers 200.
func (i *Instance) Push(t testing.TB, token string, changes ...wire.Change) wire.PushResponse {
	t.Helper()
	resp, body := i.Do(t, http.MethodPost, wire.PathPush, token, wire.PushRequest{DeviceID: "servertest", Changes: changes})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("servertest: push: %s %s", resp.Status, body)
	}
	var out wire.PushResponse
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("servertest: push: decode %s: %v", body, err)
	}
	if len(out.Results) != len(changes) {
		t.Fatalf("servertest: push of %d changes got %d results", len(changes), len(out.Results))
	}
	return out
}

// Pull asks for one page after since (limit 0: the server's default) and
// returns it; the test fails unless the server answers 200.
func (i *Instance) Pull(t testing.TB, token string, since int64, limit int) wire.PullResponse {
	t.Helper()
	path := fmt.Sprintf("%s?since=%d", wire.PathPull, since)
	if limit > 0 {
		path += fmt.Sprintf("&limit=%d", limit)
	}
	resp, body := i.Do(t, http.MethodGet, path, token, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("servertest: pull: %s %s", resp.Status, body)
	}
	var out wire.PullResponse
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("servertest: pull: decode: %v", err)
	}
	return out
}

// PullAll pulls every page from since and returns the projects by id (the
// latest of each) and the final cursor.
func (i *Instance) PullAll(t testing.TB, token string, since int64) (map[string]*domain.Project, int64) {
	t.Helper()
	out := map[string]*domain.Project{}
	for {
		page := i.Pull(t, token, since, 0)
		for _, pp := range page.Projects {
			var p domain.Project
			if err := json.Unmarshal(pp.Project, &p); err != nil {
				t.Fatalf("servertest: pull: decode project: %v", err)
			}
			out[p.ID] = &p
		}
		since = page.Cursor
		if !page.More {
			return out, since
		}
	}
}
