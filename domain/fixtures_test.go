package domain_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"lixiang/assets"
	"lixiang/domain"
)

// Fixtures shared by the tests of package domain: the demo organisation and
// one complete, valid registration of each kind (SPEC §2.1, §2.2).

// demoOrg parses the demo organisation that ships with the product.
func demoOrg(t testing.TB) *domain.Org {
	t.Helper()
	org, err := domain.ParseOrg(assets.DemoOrgJSON)
	if err != nil {
		t.Fatalf("demo org: %v", err)
	}
	return org
}

// who returns the demo user with the given ID.
func who(t testing.TB, org *domain.Org, id string) domain.User {
	t.Helper()
	u, ok := org.User(id)
	if !ok {
		t.Fatalf("no user %s in the demo org", id)
	}
	return u
}

// Demo users by the role they play in the tests.
const (
	salesNorth     = "u-zhangwei"     // 张伟, 销售, 北方
	salesSouth     = "u-lina"         // 李娜, 销售, 南方
	presalesNorth  = "u-wangfang"     // 王芳, 售前, 北方
	presalesSouth  = "u-huangbo"      // 黄波, 售前, 南方
	managerNorth   = "u-liuyang"      // 刘洋, 销售主管
	managerSouth   = "u-maxiao"       // 马晓, 销售主管
	leaderNorth    = "u-yanghuiyu"    // 杨辉玉, 特批领导 北方
	leaderSouth    = "u-daijuanxiang" // 戴娟翔, 特批领导 南方
	business       = "u-chenjing"     // 陈静, 商务审批员
	pmNorth        = "u-zhaolei"      // 赵磊, 项目经理
	pmSouth        = "u-sunli"        // 孙丽, 项目经理
	implNorth      = "u-zhouqiang"    // 周强, 实施
	implSouth      = "u-wumin"        // 吴敏, 实施
	csNorth        = "u-zhengshuang"  // 郑爽, 客户成功
	csManager      = "u-fengting"     // 冯婷, 客户成功主管 + 客户成功
	regionMgrNorth = "u-hegang"       // 何刚, 区域主管
	admin          = "u-admin"
)

const (
	projectID = "0190f5c2-7a1b-7c3d-8e9f-0123456789ab"
	parentID  = "0190f5c2-7a1b-7c3d-8e9f-00000000beef"
	sha       = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func presalesAttachment() domain.Attachment {
	return domain.Attachment{ID: "a-1", Name: "售前解决方案.docx", Size: 20480, SHA256: sha,
		MIME: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		Role: domain.AttachPresales, AddedBy: presalesSouth, AddedAt: "2026-03-01T10:00:00Z"}
}

func stakeholders() []domain.Stakeholder {
	return []domain.Stakeholder{
		{Name: "王建国", Contact: "13912345678", Role: "IT负责人"},
		{Name: "刘敏", Contact: "liumin@example.com", Role: "业务负责人"},
	}
}

func systems() []domain.System {
	return []domain.System{
		{Type: "OA", Name: "蓝凌EKP", Vendor: "蓝凌", Version: "V15"},
		{Type: "ERP", Name: "金蝶云星空", Vendor: "金蝶", Version: "8.0"},
	}
}

// validLocal is a complete 本地化项目 实施登记 (SPEC §2.1), southern region,
// contract signed and first payment back.
func validLocal() domain.Registration {
	return domain.Registration{
		Kind:        domain.KindLocal,
		ProductLine: domain.LineESeal,
		Customer:    domain.Customer{FullName: "湖南湘江新区管理委员会", ShortName: "湘江新区", Region: "south"},
		SalesID:     salesSouth,
		PresalesID:  presalesSouth,
		Background: domain.Background{UserScale: "5000", SigningVolume: "120000", SealCount: "300",
			Nature: "政府机关/事业单位", MainBusiness: "新区开发建设与政务服务"},
		Requirement:   "公文与合同全面电子签章，对接 OA 与 ERP。",
		Products:      []string{"悦文云文档", "智慧印章"},
		Services:      domain.Services{Timestamp: domain.Yes, RealName: []string{"运营商三要素"}, Intent: []string{"短信验证码", "UKey"}},
		Certificate:   domain.Certificate{Form: "事件证书", Vendor: "CFCA", Channels: []string{"CFCA", "北京CA"}},
		SealHandling:  "本地印章管理平台",
		Scenarios:     []string{"人事", "OA公文"},
		Integration:   domain.Yes,
		Systems:       systems(),
		Customization: domain.Customization{Needed: domain.Yes, Description: "公文版式定制"},
		Stakeholders:  stakeholders(),
		ProjectGroup:  "湘江新区电子签章项目群",
		Contract:      domain.Contract{Signed: domain.Yes, FirstPayment: domain.Yes},
		Other:         domain.Other{Notes: "客户要求国产化环境", GoLive: "2026-06-30", SpecialRequirements: "信创服务器"},
		Attachments:   []domain.Attachment{presalesAttachment()},
	}
}

// validSaaS is a complete SaaS项目 实施登记 (SPEC §2.1), northern region.
func validSaaS() domain.Registration {
	return domain.Registration{
		Kind:     domain.KindSaaS,
		Customer: domain.Customer{FullName: "北京远航物流有限公司", ShortName: "远航物流", Region: "north"},
		SalesID:  salesNorth,
		Background: domain.Background{UserScale: "800", SigningVolume: "50,000", SealCount: "12",
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

// validUpgrade is a complete 问题登记 (SPEC §2.2) on an existing project,
// northern region, with a new contract.
func validUpgrade() domain.Registration {
	return domain.Registration{
		Kind:        domain.KindUpgrade,
		UpgradeType: domain.UpgradeVersion,
		ParentID:    parentID,
		Customer:    domain.Customer{FullName: "河北钢铁集团有限公司", ShortName: "河钢", Region: "north"},
		SalesID:     salesNorth,
		Background: domain.Background{UserScale: "30000", SigningVolume: "1000000", SealCount: "2000",
			Nature: "国企/央企", MainBusiness: "钢铁冶炼"},
		Scenarios:    []string{"采购", "住建图纸"},
		Integration:  domain.Yes,
		Systems:      systems()[1:],
		Stakeholders: stakeholders(),
		Contract:     domain.Contract{NewContract: domain.Yes, Amount: "380000.00", Signed: domain.Yes},
		Other:        domain.Other{GoLive: "2026-09-01"},
		Attachments:  []domain.Attachment{presalesAttachment()},
	}
}

func validFor(k domain.Kind) domain.Registration {
	switch k {
	case domain.KindLocal:
		return validLocal()
	case domain.KindSaaS:
		return validSaaS()
	}
	return validUpgrade()
}

// newProject starts a draft owned by ownerID with reg as its registration.
func newProject(t testing.TB, org *domain.Org, ownerID string, reg domain.Registration) *domain.Project {
	t.Helper()
	p := domain.NewProject(projectID, reg.Kind, who(t, org, ownerID), t0)
	p.Registration = reg
	return p
}

// parentProject is an initiated local project an upgrade is raised on.
func parentProject(t testing.TB, org *domain.Org) *domain.Project {
	t.Helper()
	p := newProject(t, org, salesNorth, validLocal())
	p.ID = parentID
	p.Number = "SS-2024-0042"
	p.Status = domain.StatusInitiated
	p.Registration.Customer = domain.Customer{FullName: "河北钢铁集团有限公司", ShortName: "河钢", Region: "north"}
	p.Initiation = &domain.Initiation{ProductType: "电子签章", SVNPath: "svn://svn.esa2000.local/projects/北方区域/2024/SS-2024-0042_河北钢铁集团有限公司电子签章项目",
		Overview: domain.Overview{Products: "智慧印章、签章中间件"}}
	return p
}

// snapshot is the project's JSON, to prove a refused action changed nothing.
func snapshot(t testing.TB, p *domain.Project) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("marshal project: %v", err)
	}
	return string(b)
}

// step is one workflow action by one person.
type step struct {
	actor string
	cmd   domain.Command
}

func approve(actor string) step { return step{actor, domain.Command{Action: domain.ActApprove}} }
func submit(actor string) step  { return step{actor, domain.Command{Action: domain.ActSubmit}} }

// do applies s and fails the test when it is refused.
func do(t testing.TB, p *domain.Project, org *domain.Org, s step) domain.Decision {
	t.Helper()
	d, err := p.Apply(s.cmd, who(t, org, s.actor), org, t0.Add(time.Duration(len(p.Decisions))*time.Minute))
	if err != nil {
		t.Fatalf("%s by %s (status %s): %v", s.cmd.Action, s.actor, p.Status, err)
	}
	return d
}

// refused applies s, expects the error code and checks the project is
// unchanged (deep-equal JSON). It returns the error.
func refused(t testing.TB, p *domain.Project, org *domain.Org, s step, code string) error {
	t.Helper()
	before := snapshot(t, p)
	_, err := p.Apply(s.cmd, who(t, org, s.actor), org, t0.Add(time.Hour))
	if err == nil {
		t.Fatalf("%s by %s (status %s) was allowed, want %s", s.cmd.Action, s.actor, p.Status, code)
	}
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("%s by %s: code %q (%v), want %q", s.cmd.Action, s.actor, got, err, code)
	}
	if after := snapshot(t, p); after != before {
		t.Fatalf("%s by %s was refused but changed the project:\nbefore %s\nafter  %s", s.cmd.Action, s.actor, before, after)
	}
	if msg := domain.ErrorMessage(err); strings.TrimSpace(msg) == "" {
		t.Fatalf("refusal without a message: %#v", err)
	}
	var de *domain.Error
	if errors.As(err, &de) && (de.Message == "" || de.English == "") {
		t.Fatalf("refusal must carry Chinese and English: %#v", de)
	}
	return err
}

// paths returns the paths of problems, in order.
func paths(ps domain.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Path
	}
	return out
}
