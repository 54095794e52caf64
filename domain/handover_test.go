package domain_test

import (
	"slices"
	"strings"
	"testing"

	"lixiang/domain"
)

// TestHandoverItemsPerKind: the 交接内容 of each kind, in the standard's
// order (SPEC §3; standard 3.2.2 and 3.3.2).
func TestHandoverItemsPerKind(t *testing.T) {
	tests := []struct {
		kind   domain.Kind
		keys   []string
		titles []string
	}{
		{domain.KindLocal,
			[]string{domain.ItemBackground, domain.ItemRequirement, domain.ItemScenarios, domain.ItemProducts, domain.ItemSpecial},
			[]string{"客户公司背景说明", "客户需求说明", "业务场景流程及业务系统名称介绍", "使用产品", "特殊说明"}},
		{domain.KindSaaS,
			[]string{domain.ItemBackground, domain.ItemRequirement, domain.ItemIntegration},
			[]string{"客户公司背景说明", "客户需求说明", "集成说明"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			var keys, titles []string
			for _, it := range domain.HandoverItems(tt.kind) {
				keys, titles = append(keys, it.Key), append(titles, it.Title)
			}
			if !slices.Equal(keys, tt.keys) || !slices.Equal(titles, tt.titles) {
				t.Fatalf("items %v %v, want %v %v", keys, titles, tt.keys, tt.titles)
			}
		})
	}
}

// TestHandoverParticipants: local 销售, 售前, 实施; SaaS 销售, 售前, 客户成功,
// and 项目实施 only when business systems are integrated (SPEC §3; standard
// 3.3.2 "视项目是否需要对接业务系统而定").
func TestHandoverParticipants(t *testing.T) {
	noIntegration := func(r domain.Registration) domain.Registration {
		r.Integration, r.Systems = domain.No, nil
		return r
	}
	tests := []struct {
		name string
		reg  domain.Registration
		want []string
	}{
		{"local", validLocal(), []string{"销售", "售前", "实施"}},
		{"local without integration", noIntegration(validLocal()), []string{"销售", "售前", "实施"}},
		{"saas integrated", validSaaS(), []string{"销售", "售前", "客户成功", "项目实施"}},
		{"saas not integrated", noIntegration(validSaaS()), []string{"销售", "售前", "客户成功"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.HandoverParticipantRoles(&tt.reg); !slices.Equal(got, tt.want) {
				t.Fatalf("participants %v, want %v", got, tt.want)
			}
		})
	}
}

// receivedProject runs a valid registration of kind k to the receiver.
func receivedProject(t testing.TB, org *domain.Org, r domain.Registration, receiver string) *domain.Project {
	t.Helper()
	p := newProject(t, org, r.SalesID, r)
	do(t, p, org, submit(r.SalesID))
	p.Number = "SS-2026-0007"
	for len(p.Approval.Steps) > p.Approval.Current+1 {
		s := p.Approval.Steps[p.Approval.Current]
		switch s.Kind {
		case domain.StepSalesManager:
			do(t, p, org, approve(map[string]string{"north": managerNorth, "south": managerSouth}[r.Customer.Region]))
		case domain.StepSpecialLeader:
			do(t, p, org, approve(s.ApproverID))
		case domain.StepBusiness:
			do(t, p, org, approve(business))
		default:
			t.Fatalf("unexpected step %+v", s)
		}
	}
	do(t, p, org, approve(receiver))
	return p
}

// TestNewHandoverPrefill: the meeting record is pre-filled from the
// registration: participants named where known, each content item written
// from the form, background figures, products and the ordered CA channels
// (SPEC §3 "pre-filled from the registration").
func TestNewHandoverPrefill(t *testing.T) {
	org := demoOrg(t)
	t.Run("local", func(t *testing.T) {
		r := validLocal()
		r.Contract.FirstPayment = domain.No // went through 特批
		p := receivedProject(t, org, r, pmSouth)
		h := domain.NewHandover(p, org, who(t, org, pmSouth))
		if h.OrganiserID != pmSouth {
			t.Fatalf("organiser %s", h.OrganiserID)
		}
		wantPeople := []domain.Participant{
			{UserID: salesSouth, Name: "李娜", Role: "销售"},
			{UserID: presalesSouth, Name: "黄波", Role: "售前"},
			{Role: "实施"}, // the organising PM received it; the 区域主管 names the implementer
		}
		if !slices.Equal(h.Participants, wantPeople) {
			t.Fatalf("participants %+v, want %+v", h.Participants, wantPeople)
		}
		wantText := map[string][]string{
			domain.ItemBackground:  {"湖南湘江新区管理委员会", "企业性质：政府机关/事业单位", "主营业务：新区开发建设与政务服务", "用户规模：5000 人", "签署量：120000 份", "印章数量：300 枚"},
			domain.ItemRequirement: {"公文与合同全面电子签章", "应用场景：人事、OA公文"},
			domain.ItemScenarios:   {"应用场景：人事、OA公文", "OA 蓝凌EKP（蓝凌） V15、ERP 金蝶云星空（金蝶） 8.0"},
			domain.ItemProducts:    {"采购产品：悦文云文档、智慧印章", "时间戳：是", "实名认证：运营商三要素", "意愿认证：短信验证码、UKey", "证书：事件证书，厂商 CFCA，通道顺序 CFCA → 北京CA", "印章办理方式：本地印章管理平台"},
			domain.ItemSpecial:     {"定制化/外采需求：公文版式定制", "特殊要求：信创服务器", "其他说明：客户要求国产化环境", "计划上线时间：2026-06-30", "首笔款项已回 否（已走特批流程）"},
		}
		for key, parts := range wantText {
			it, ok := h.Item(key)
			if !ok {
				t.Fatalf("no item %s", key)
			}
			for _, part := range parts {
				if !strings.Contains(it.Content, part) {
					t.Errorf("item %s (%s) lacks %q:\n%s", key, it.Title, part, it.Content)
				}
			}
		}
		if _, ok := h.Item(domain.ItemIntegration); ok {
			t.Error("a local meeting has no 集成说明 item")
		}
		if ps := domain.ValidateHandover(h); len(paths(ps)) != 3 || ps[0].Path != "time" || ps[1].Path != "place" || ps[2].Path != "participants[2].name" {
			t.Fatalf("a fresh record lacks only time, place and the unnamed participant: %v", ps)
		}
	})
	t.Run("saas integrated", func(t *testing.T) {
		p := receivedProject(t, org, validSaaS(), csNorth)
		h := domain.NewHandover(p, org, who(t, org, csNorth))
		wantPeople := []domain.Participant{
			{UserID: salesNorth, Name: "张伟", Role: "销售"},
			{Role: "售前"},
			{UserID: csNorth, Name: "郑爽", Role: "客户成功"},
			{Role: "项目实施"},
		}
		if !slices.Equal(h.Participants, wantPeople) {
			t.Fatalf("participants %+v, want %+v", h.Participants, wantPeople)
		}
		it, _ := h.Item(domain.ItemIntegration)
		if it.Content != "对接业务场景：物流、采购\n对接系统：WMS 富勒WMS（富勒） 5.2" {
			t.Fatalf("集成说明 %q", it.Content)
		}
		if len(h.Items) != 3 {
			t.Fatalf("a SaaS meeting has 3 items, got %d", len(h.Items))
		}
	})
	t.Run("saas not integrated", func(t *testing.T) {
		r := validSaaS()
		r.Integration, r.Systems = domain.No, nil
		p := receivedProject(t, org, r, csNorth)
		h := domain.NewHandover(p, org, who(t, org, csNorth))
		if it, _ := h.Item(domain.ItemIntegration); it.Content != "无对接业务系统" {
			t.Fatalf("集成说明 without integration: %q", it.Content)
		}
		for _, part := range h.Participants {
			if part.Role == "项目实施" {
				t.Fatal("项目实施 invited to a meeting without integration")
			}
		}
	})
	t.Run("no directory names nobody", func(t *testing.T) {
		p := receivedProject(t, org, validSaaS(), csNorth)
		h := domain.NewHandover(p, nil, who(t, org, csNorth))
		if h.Participants[0].UserID != salesNorth || h.Participants[0].Name != "" {
			t.Fatalf("without org: %+v", h.Participants[0])
		}
	})
}

// TestTexts: the helpers that write a registration into prose.
func TestTexts(t *testing.T) {
	r := validLocal()
	if got := domain.SystemsText(&r); got != "OA 蓝凌EKP（蓝凌） V15、ERP 金蝶云星空（金蝶） 8.0" {
		t.Errorf("SystemsText = %q", got)
	}
	r.Integration = domain.No
	if got := domain.SystemsText(&r); got != "无对接业务系统" {
		t.Errorf("SystemsText without integration = %q", got)
	}
	labels := []struct {
		s    domain.System
		want string
	}{
		{domain.System{Type: "OA", Name: "OA", Vendor: "蓝凌"}, "OA（蓝凌）"},
		{domain.System{Type: "ERP", Vendor: "金蝶"}, "ERP（金蝶）"},
		{domain.System{Type: "CRM", Name: "纷享销客CRM", Vendor: "纷享销客", Version: "7"}, "CRM 纷享销客CRM（纷享销客） 7"},
		{domain.System{Name: "自研门户"}, "自研门户"},
	}
	for _, l := range labels {
		if got := l.s.Label(); got != l.want {
			t.Errorf("Label(%+v) = %q, want %q", l.s, got, l.want)
		}
	}
	if got := domain.BackgroundText(&domain.Registration{}); got != "" {
		t.Errorf("BackgroundText of nothing = %q", got)
	}
	s := validSaaS()
	if got := domain.ProductsText(&s); strings.Contains(got, "时间戳") || !strings.Contains(got, "通道顺序 北京CA → CFCA") {
		t.Errorf("SaaS ProductsText = %q", got)
	}
}

// TestValidateHandover: the record is complete before the meeting is marked
// held: time, place, named participants, complete action items.
func TestValidateHandover(t *testing.T) {
	valid := func() *domain.Handover {
		return &domain.Handover{
			OrganiserID: pmSouth, Time: "2026-03-10 14:00", Place: "客户现场",
			Participants: []domain.Participant{{UserID: salesSouth, Name: "李娜", Role: "销售"}, {Name: "黄波", Role: "售前"}, {Name: "吴敏", Role: "实施", Absent: true}},
			Items:        domain.HandoverItems(domain.KindLocal),
			Decisions:    []string{"4 月上线"},
			ActionItems:  []domain.ActionItem{{Task: "部署测试环境", Owner: "吴敏", Due: "2026-03-20"}, {Task: "确认印章清单", Owner: "李娜"}},
		}
	}
	tests := []struct {
		name string
		edit func(h *domain.Handover)
		path string
		code string
	}{
		{"valid", func(h *domain.Handover) {}, "", ""},
		{"no time", func(h *domain.Handover) { h.Time = "" }, "time", domain.PRequired},
		{"time without the hour", func(h *domain.Handover) { h.Time = "2026-03-10" }, "time", domain.PFormat},
		{"impossible time", func(h *domain.Handover) { h.Time = "2026-02-30 14:00" }, "time", domain.PFormat},
		{"no place", func(h *domain.Handover) { h.Place = " " }, "place", domain.PRequired},
		{"no participants", func(h *domain.Handover) { h.Participants = nil }, "participants", domain.PRequired},
		{"unnamed participant", func(h *domain.Handover) { h.Participants[1].Name = "" }, "participants[1].name", domain.PRequired},
		{"participant without role", func(h *domain.Handover) { h.Participants[0].Role = "" }, "participants[0].role", domain.PRequired},
		{"action item without task", func(h *domain.Handover) { h.ActionItems[1].Task = "" }, "action_items[1].task", domain.PRequired},
		{"action item without owner", func(h *domain.Handover) { h.ActionItems[0].Owner = "" }, "action_items[0].owner", domain.PRequired},
		{"action item due not a date", func(h *domain.Handover) { h.ActionItems[0].Due = "下周" }, "action_items[0].due", domain.PFormat},
		{"content too long", func(h *domain.Handover) { h.Items[0].Content = strings.Repeat("字", domain.MaxLongText+1) }, "items[0].content", domain.PRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := valid()
			tt.edit(h)
			ps := domain.ValidateHandover(h)
			checkMessages(t, ps)
			if tt.path == "" {
				if len(ps) != 0 {
					t.Fatalf("want no problem, got %v", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Path != tt.path || ps[0].Code != tt.code {
				t.Fatalf("want one %s %s, got %v", tt.path, tt.code, ps)
			}
		})
	}
	t.Run("blank record: every problem at once", func(t *testing.T) {
		ps := domain.ValidateHandover(&domain.Handover{})
		if got := paths(ps); !slices.Equal(got, []string{"time", "place", "participants"}) {
			t.Fatalf("blank handover problems %v", got)
		}
	})
}
