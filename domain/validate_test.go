package domain_test

import (
	"slices"
	"strings"
	"testing"

	"lixiang/domain"
)

// checkMessages fails when a problem lacks its Chinese or English message
// or a code (every problem must tell a person what to do, in both languages).
func checkMessages(t *testing.T, ps domain.Problems) {
	t.Helper()
	for _, p := range ps {
		if strings.TrimSpace(p.Message) == "" || strings.TrimSpace(p.English) == "" || p.Code == "" || p.Path == "" {
			t.Errorf("problem without path, code or message in both languages: %+v", p)
		}
	}
}

// TestValidRegistrationsPass proves the fixtures: a complete registration of
// each kind has no problem, and its completeness is full (SPEC §2.1, §2.2).
func TestValidRegistrationsPass(t *testing.T) {
	org := demoOrg(t)
	for _, k := range domain.Kinds {
		t.Run(string(k), func(t *testing.T) {
			r := validFor(k)
			if ps := domain.Validate(&r, org); len(ps) != 0 {
				t.Fatalf("valid %s registration has problems: %v", k, ps)
			}
			if ps := domain.Validate(&r, nil); len(ps) != 0 {
				t.Fatalf("valid %s registration without org has problems: %v", k, ps)
			}
			c := domain.Score(&r, org)
			if c.Total == 0 || c.Filled != c.Total || c.Percent() != 100 || c.Ratio() != 1 {
				t.Fatalf("complete %s registration scores %+v", k, c)
			}
		})
	}
}

// TestRequiredFieldsPerKind removes each required field of each kind from a
// valid registration and expects exactly one problem at its path (SPEC §2.1
// 必要内容, §2.2).
func TestRequiredFieldsPerKind(t *testing.T) {
	const (
		L = domain.KindLocal
		S = domain.KindSaaS
		U = domain.KindUpgrade
	)
	all := []domain.Kind{L, S, U}
	type row struct {
		rule   string
		kinds  []domain.Kind
		path   string
		msg    string // expected Chinese message, when the rule names it
		remove func(r *domain.Registration)
	}
	rows := []row{
		{"§2.1 local: 产品线 decides the title", []domain.Kind{L}, "product_line", "", func(r *domain.Registration) { r.ProductLine = "" }},
		{"§2.2 upgrade: sub-type 历史项目升级/新场景/历史SAAS项目", []domain.Kind{U}, "upgrade_type", "", func(r *domain.Registration) { r.UpgradeType = "" }},
		{"§2.2 upgrade: raised on an existing project", []domain.Kind{U}, "parent_id", "问题登记须选择所属的原有项目", func(r *domain.Registration) { r.ParentID = " " }},
		{"§2.1 title needs 客户简称", all, "customer.short_name", "", func(r *domain.Registration) { r.Customer.ShortName = "" }},
		{"§4 project name needs 公司（单位）全称", all, "customer.full_name", "", func(r *domain.Registration) { r.Customer.FullName = "" }},
		{"§2.3 region decides the 特批领导", all, "customer.region", "", func(r *domain.Registration) { r.Customer.Region = "" }},
		{"§2.3 责任销售", all, "sales_id", "请指定责任销售", func(r *domain.Registration) { r.SalesID = "" }},
		{"§2.1 项目背景 用户规模", all, "background.user_scale", "请填写用户规模", func(r *domain.Registration) { r.Background.UserScale = "" }},
		{"§2.1 项目背景 签署量", all, "background.signing_volume", "请填写签署量", func(r *domain.Registration) { r.Background.SigningVolume = "  " }},
		{"§2.1 项目背景 印章数量", all, "background.seal_count", "请填写印章数量", func(r *domain.Registration) { r.Background.SealCount = "" }},
		{"§2.1 项目背景 企业性质", all, "background.nature", "请选择企业性质", func(r *domain.Registration) { r.Background.Nature = "" }},
		{"§2.1 项目背景 主营业务", all, "background.main_business", "请填写主营业务", func(r *domain.Registration) { r.Background.MainBusiness = "" }},
		{"§2.1 售前解决方案/客户需求登记表 attachment", all, "attachments", "请上传售前解决方案/客户需求登记表附件", func(r *domain.Registration) { r.Attachments = nil }},
		{"§2.1 采购产品", []domain.Kind{L, S}, "products", "请至少选择一项采购产品", func(r *domain.Registration) { r.Products = nil }},
		{"§2.1 服务 时间戳 (local)", []domain.Kind{L}, "services.timestamp", "", func(r *domain.Registration) { r.Services.Timestamp = "" }},
		{"§2.1 服务 实名认证方式", []domain.Kind{L, S}, "services.realname", "", func(r *domain.Registration) { r.Services.RealName = nil }},
		{"§2.1 服务 意愿认证方式", []domain.Kind{L, S}, "services.intent", "", func(r *domain.Registration) { r.Services.Intent = []string{} }},
		{"§2.1 证书情况 证书形态", []domain.Kind{L, S}, "certificate.form", "请选择证书形态", func(r *domain.Registration) { r.Certificate.Form = "" }},
		{"§2.1 证书情况 证书厂商", []domain.Kind{L, S}, "certificate.vendor", "请填写证书厂商", func(r *domain.Registration) { r.Certificate.Vendor = "" }},
		{"§2.1 证书情况 多通道顺序", []domain.Kind{L, S}, "certificate.channels", "", func(r *domain.Registration) { r.Certificate.Channels = nil }},
		{"§2.1 印章办理方式 (local)", []domain.Kind{L}, "seal_handling", "请选择印章办理方式", func(r *domain.Registration) { r.SealHandling = "" }},
		{"§2.1 应用场景", all, "scenarios", "请至少选择一项应用场景", func(r *domain.Registration) { r.Scenarios = nil }},
		{"§2.1 对接业务系统: say whether there is any", all, "integration", "请选择是否对接业务系统", func(r *domain.Registration) { r.Integration = "" }},
		{"§2.1/§2.2 对接业务系统 required when integrated", all, "systems", "", func(r *domain.Registration) { r.Systems = nil }},
		{"§2.1 对接业务系统 type", all, "systems[0].type", "", func(r *domain.Registration) { r.Systems[0].Type = "" }},
		{"§2.1 对接业务系统 name", all, "systems[0].name", "请填写对接业务系统名称", func(r *domain.Registration) { r.Systems[0].Name = "" }},
		{"§2.1 具体厂商也需注明", []domain.Kind{L}, "systems[1].vendor", "对接业务系统须注明厂商", func(r *domain.Registration) { r.Systems[1].Vendor = "" }},
		{"§2.1 具体厂商也需注明", []domain.Kind{S, U}, "systems[0].vendor", "对接业务系统须注明厂商", func(r *domain.Registration) { r.Systems[0].Vendor = " " }},
		{"§2.1 定制化/外采需求 yes/no (local)", []domain.Kind{L}, "customization.needed", "", func(r *domain.Registration) { r.Customization = domain.Customization{} }},
		{"§2.1 定制化/外采需求 有则必须", []domain.Kind{L}, "customization.description", "有定制化/外采需求时必须填写需求说明", func(r *domain.Registration) { r.Customization.Description = "" }},
		{"§2.1 项目对接干系人 at least one", all, "stakeholders", "请至少填写一位项目对接干系人", func(r *domain.Registration) { r.Stakeholders = nil }},
		{"§2.1 干系人姓名", all, "stakeholders[0].name", "请填写干系人姓名", func(r *domain.Registration) { r.Stakeholders[0].Name = "" }},
		{"§2.1 干系人联系方式", all, "stakeholders[1].contact", "", func(r *domain.Registration) { r.Stakeholders[1].Contact = "" }},
		{"§2.1 干系人角色", all, "stakeholders[0].role", "请填写干系人角色", func(r *domain.Registration) { r.Stakeholders[0].Role = "" }},
		{"§2.1 合同状态 合同已签", all, "contract.signed", "请选择合同是否已签", func(r *domain.Registration) { r.Contract.Signed = "" }},
		{"§2.1 合同状态 首笔款项已回", []domain.Kind{L, S}, "contract.first_payment", "请选择首笔款项是否已回", func(r *domain.Registration) { r.Contract.FirstPayment = "" }},
		{"§2.2 合同状态 是否新签合同", []domain.Kind{U}, "contract.new_contract", "请选择是否新签合同", func(r *domain.Registration) { r.Contract.NewContract = "" }},
		{"§2.2 合同状态 合同金额 of a new contract", []domain.Kind{U}, "contract.amount", "新签合同须填写合同金额", func(r *domain.Registration) { r.Contract.Amount = "" }},
	}
	org := demoOrg(t)
	for _, x := range rows {
		for _, k := range x.kinds {
			t.Run(x.rule+"/"+string(k)+"/"+x.path, func(t *testing.T) {
				r := validFor(k)
				if len(r.Stakeholders) < 2 && strings.HasPrefix(x.path, "stakeholders[1]") {
					r.Stakeholders = stakeholders()
				}
				x.remove(&r)
				ps := domain.Validate(&r, org)
				checkMessages(t, ps)
				if len(ps) != 1 {
					t.Fatalf("want exactly one problem at %s, got %d: %v", x.path, len(ps), ps)
				}
				if ps[0].Path != x.path || ps[0].Code != domain.PRequired {
					t.Fatalf("got %s %q, want %s %q", ps[0].Path, ps[0].Code, x.path, domain.PRequired)
				}
				if x.msg != "" && ps[0].Message != x.msg {
					t.Fatalf("message %q, want %q", ps[0].Message, x.msg)
				}
				if c := domain.Score(&r, org); c.Filled != c.Total-1 {
					t.Fatalf("one missing field scores %+v, want Filled = Total-1", c)
				}
			})
		}
	}
}

// TestFieldsAKindDoesNotAsk proves that each kind ignores the fields of the
// others: SaaS has no 定制化, 时间戳, 印章办理方式 or 产品线; upgrade has no
// 采购产品, 服务, 证书情况 or 首笔款项 (SPEC §2.1 table, §2.2).
func TestFieldsAKindDoesNotAsk(t *testing.T) {
	org := demoOrg(t)
	tests := []struct {
		rule string
		reg  func() domain.Registration
	}{
		{"§2.1 saas ignores 定制化 even when yes without description", func() domain.Registration {
			r := validSaaS()
			r.Customization = domain.Customization{Needed: domain.Yes}
			return r
		}},
		{"§2.1 saas has no 时间戳, 印章办理方式 or 产品线", func() domain.Registration {
			r := validSaaS()
			r.Services.Timestamp, r.SealHandling, r.ProductLine = "", "", ""
			return r
		}},
		{"§2.1 local 定制化 no needs no description", func() domain.Registration {
			r := validLocal()
			r.Customization = domain.Customization{Needed: domain.No}
			return r
		}},
		{"§2.2 upgrade asks no 采购产品, 服务, 证书情况, 首笔款项", func() domain.Registration {
			r := validUpgrade()
			r.Products, r.Services, r.Certificate, r.Contract.FirstPayment = nil, domain.Services{}, domain.Certificate{}, ""
			return r
		}},
		{"§2.2 upgrade without a new contract needs no amount", func() domain.Registration {
			r := validUpgrade()
			r.Contract = domain.Contract{NewContract: domain.No, Signed: domain.No}
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			r := tt.reg()
			if ps := domain.Validate(&r, org); len(ps) != 0 {
				t.Fatalf("want no problem, got %v", ps)
			}
		})
	}
}

// TestIntegrationDecidesSystems: 对接业务系统 are required only when there is
// an integration, for every kind (SPEC §2.1; §2.2 "有对接则必须").
func TestIntegrationDecidesSystems(t *testing.T) {
	org := demoOrg(t)
	for _, k := range domain.Kinds {
		t.Run(string(k), func(t *testing.T) {
			r := validFor(k)
			r.Integration, r.Systems = domain.No, nil
			if ps := domain.Validate(&r, org); len(ps) != 0 {
				t.Fatalf("no integration, no systems: want no problem, got %v", ps)
			}
			noTotal := domain.Score(&r, org).Total

			r.Integration = domain.Yes
			ps := domain.Validate(&r, org)
			if len(ps) != 1 || ps[0].Path != "systems" || ps[0].Code != domain.PRequired {
				t.Fatalf("integration yes, no systems: want one systems/required, got %v", ps)
			}
			if got := domain.Score(&r, org).Total; got != noTotal+1 {
				t.Fatalf("integration=yes must add the systems field: total %d, want %d", got, noTotal+1)
			}
			r.Systems = systems()
			if got := domain.Score(&r, org).Total; got != noTotal+1+3*len(r.Systems) {
				t.Fatalf("each system adds type, name and vendor: total %d, want %d", got, noTotal+1+3*len(r.Systems))
			}

			r.Integration = domain.No
			ps = domain.Validate(&r, org)
			if len(ps) != 1 || ps[0].Path != "integration" || ps[0].Code != domain.PFormat {
				t.Fatalf("systems listed but integration no: want integration/format, got %v", ps)
			}
			checkMessages(t, ps)
		})
	}
}

// TestPresalesAttachmentRequired: the 售前解决方案/客户需求登记表 must be one of
// the attachments; other files do not count (SPEC §2.1).
func TestPresalesAttachmentRequired(t *testing.T) {
	org := demoOrg(t)
	other := presalesAttachment()
	other.Role, other.Name = domain.AttachOther, "现场照片.jpg"
	tests := []struct {
		name  string
		atts  []domain.Attachment
		path  string
		code  string
		valid bool
	}{
		{"presales solution", []domain.Attachment{presalesAttachment()}, "", "", true},
		{"presales solution among others", []domain.Attachment{other, presalesAttachment()}, "", "", true},
		{"only another file", []domain.Attachment{other}, "attachments", domain.PRequired, false},
		{"none", nil, "attachments", domain.PRequired, false},
		{"unknown role", []domain.Attachment{presalesAttachment(), func() domain.Attachment { a := other; a.Role = "x"; return a }()}, "attachments[1].role", domain.PChoice, false},
		{"path in name", []domain.Attachment{func() domain.Attachment { a := presalesAttachment(); a.Name = "../etc/passwd"; return a }()}, "attachments[0].name", domain.PFormat, false},
		{"bad sha256", []domain.Attachment{func() domain.Attachment { a := presalesAttachment(); a.SHA256 = "ABC"; return a }()}, "attachments[0].sha256", domain.PFormat, false},
		{"negative size", []domain.Attachment{func() domain.Attachment { a := presalesAttachment(); a.Size = -1; return a }()}, "attachments[0].size", domain.PRange, false},
	}
	for _, k := range domain.Kinds {
		for _, tt := range tests {
			t.Run(string(k)+"/"+tt.name, func(t *testing.T) {
				r := validFor(k)
				r.Attachments = tt.atts
				ps := domain.Validate(&r, org)
				checkMessages(t, ps)
				if tt.valid {
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
	}
}

// TestNumbersAreNumbers: 用户规模, 签署量 and 印章数量 are whole numbers ≥ 0;
// thousands separators are accepted, anything else is a format problem
// (SPEC §2.1 "user scale, signing volume and seal count are numbers").
func TestNumbersAreNumbers(t *testing.T) {
	org := demoOrg(t)
	tests := []struct {
		in   domain.Quantity
		ok   bool
		want int64
	}{
		{"5000", true, 5000},
		{"0", true, 0},
		{"1,000", true, 1000},
		{"1，000", true, 1000},
		{" 42 ", true, 42},
		{"1 000 000", true, 1000000},
		{"五千", false, 0},
		{"-3", false, 0},
		{"1.5", false, 0},
		{"1e3", false, 0},
		{"约5000", false, 0},
		{"5000人", false, 0},
		{"99999999999999999999", false, 0},
		{"1000000000001", false, 0},
	}
	fields := []struct {
		path string
		set  func(r *domain.Registration, q domain.Quantity)
	}{
		{"background.user_scale", func(r *domain.Registration, q domain.Quantity) { r.Background.UserScale = q }},
		{"background.signing_volume", func(r *domain.Registration, q domain.Quantity) { r.Background.SigningVolume = q }},
		{"background.seal_count", func(r *domain.Registration, q domain.Quantity) { r.Background.SealCount = q }},
	}
	for _, tt := range tests {
		t.Run(string(tt.in), func(t *testing.T) {
			n, ok := tt.in.Int()
			if ok != tt.ok || n != tt.want {
				t.Fatalf("Quantity(%q).Int() = %d, %v; want %d, %v", tt.in, n, ok, tt.want, tt.ok)
			}
			for _, f := range fields {
				r := validLocal()
				f.set(&r, tt.in)
				ps := domain.Validate(&r, org)
				checkMessages(t, ps)
				if tt.ok && len(ps) != 0 {
					t.Fatalf("%s = %q: want no problem, got %v", f.path, tt.in, ps)
				}
				if !tt.ok && (len(ps) != 1 || ps[0].Path != f.path || ps[0].Code != domain.PFormat) {
					t.Fatalf("%s = %q: want one format problem, got %v", f.path, tt.in, ps)
				}
			}
		})
	}
}

// TestDatesAreDates: 上线时间 is optional but, when given, a real date
// written 2026-03-31 (SPEC §2.1 其他).
func TestDatesAreDates(t *testing.T) {
	org := demoOrg(t)
	tests := []struct {
		in domain.Date
		ok bool
	}{
		{"", true},
		{"2026-06-30", true},
		{"2028-02-29", true},
		{" 2026-01-01 ", true},
		{"2026-02-30", false},
		{"2027-02-29", false},
		{"2026-13-01", false},
		{"2026/06/30", false},
		{"2026-6-30", false},
		{"下个月", false},
		{"1800-01-01", false},
		{"9999-12-31", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.in), func(t *testing.T) {
			for _, k := range domain.Kinds {
				r := validFor(k)
				r.Other.GoLive = tt.in
				ps := domain.Validate(&r, org)
				checkMessages(t, ps)
				if tt.ok && len(ps) != 0 {
					t.Fatalf("%s go-live %q: want no problem, got %v", k, tt.in, ps)
				}
				if !tt.ok && (len(ps) != 1 || ps[0].Path != "other.go_live" || ps[0].Code != domain.PFormat) {
					t.Fatalf("%s go-live %q: want one other.go_live format problem, got %v", k, tt.in, ps)
				}
			}
		})
	}
}

// TestStakeholderContact: a stakeholder's 联系方式 is a phone number or an
// e-mail address (SPEC §2.1 项目对接干系人).
func TestStakeholderContact(t *testing.T) {
	org := demoOrg(t)
	tests := []struct {
		in string
		ok bool
	}{
		{"13912345678", true},
		{"+86 139 1234 5678", true},
		{"010-88889999", true},
		{"(0731) 8888-9999", true},
		{"liumin@example.com", true},
		{" wang.jg@hnxj.gov.cn ", true},
		{"微信同号", false},
		{"1391234", true},
		{"12345", false},
		{"liumin@", false},
		{"liumin@example", false},
		{"a b@example.com", false},
		{"13912345678 / liumin@example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := domain.ValidContact(tt.in); got != tt.ok {
				t.Fatalf("ValidContact(%q) = %v, want %v", tt.in, got, tt.ok)
			}
			r := validSaaS()
			r.Stakeholders[0].Contact = tt.in
			ps := domain.Validate(&r, org)
			checkMessages(t, ps)
			if tt.ok != (len(ps) == 0) {
				t.Fatalf("contact %q: problems %v", tt.in, ps)
			}
			if !tt.ok && (ps[0].Path != "stakeholders[0].contact" || ps[0].Code != domain.PFormat) {
				t.Fatalf("contact %q: got %v", tt.in, ps)
			}
		})
	}
}

// TestCatalogueMembership: choices come from the organisation's catalogues,
// per kind (SPEC §2.1: local 采购产品 悦文云文档…, SaaS 云签章/云合同; §5
// catalogues are configuration). Without a directory membership is not
// checked.
func TestCatalogueMembership(t *testing.T) {
	org := demoOrg(t)
	tests := []struct {
		rule string
		kind domain.Kind
		set  func(r *domain.Registration)
		path string
		code string
	}{
		{"§2.1 云签章 is a SaaS product, not local", domain.KindLocal, func(r *domain.Registration) { r.Products = []string{"智慧印章", "云签章"} }, "products[1]", domain.PChoice},
		{"§2.1 智慧印章 is a local product, not SaaS", domain.KindSaaS, func(r *domain.Registration) { r.Products = []string{"智慧印章"} }, "products[0]", domain.PChoice},
		{"§2.1 a product chosen twice", domain.KindSaaS, func(r *domain.Registration) { r.Products = []string{"云签章", "云签章"} }, "products[1]", domain.PFormat},
		{"§2.1 a blank product entry", domain.KindLocal, func(r *domain.Registration) { r.Products = []string{"智慧印章", " "} }, "products[1]", domain.PFormat},
		{"§2.1 企业性质 is a choice", domain.KindUpgrade, func(r *domain.Registration) { r.Background.Nature = "上市公司" }, "background.nature", domain.PChoice},
		{"§2.1 实名认证方式 catalogue", domain.KindLocal, func(r *domain.Registration) { r.Services.RealName = []string{"刷脸"} }, "services.realname[0]", domain.PChoice},
		{"§2.1 意愿认证方式 catalogue", domain.KindSaaS, func(r *domain.Registration) { r.Services.Intent = []string{"短信验证码", "指纹"} }, "services.intent[1]", domain.PChoice},
		{"§2.1 证书形态 catalogue", domain.KindLocal, func(r *domain.Registration) { r.Certificate.Form = "软证书" }, "certificate.form", domain.PChoice},
		{"§2.1 证书厂商 catalogue", domain.KindSaaS, func(r *domain.Registration) { r.Certificate.Vendor = "某CA" }, "certificate.vendor", domain.PChoice},
		{"§2.1 多通道顺序 catalogue", domain.KindLocal, func(r *domain.Registration) { r.Certificate.Channels = []string{"CFCA", "某CA"} }, "certificate.channels[1]", domain.PChoice},
		{"§2.1 印章办理方式 云业务办理平台 or 本地印章管理平台", domain.KindLocal, func(r *domain.Registration) { r.SealHandling = "线下" }, "seal_handling", domain.PChoice},
		{"§2.1 对接业务系统 type catalogue", domain.KindUpgrade, func(r *domain.Registration) { r.Systems[0].Type = "SAP" }, "systems[0].type", domain.PChoice},
		{"§2.3 region must be configured", domain.KindSaaS, func(r *domain.Registration) { r.Customer.Region = "west" }, "customer.region", domain.PChoice},
		{"§2.1 责任销售 must hold the sales role", domain.KindLocal, func(r *domain.Registration) { r.SalesID = presalesSouth }, "sales_id", domain.PChoice},
		{"§2.1 责任销售 must be a user", domain.KindUpgrade, func(r *domain.Registration) { r.SalesID = "u-nobody" }, "sales_id", domain.PChoice},
		{"§2.1 售前 must hold the presales role", domain.KindLocal, func(r *domain.Registration) { r.PresalesID = salesNorth }, "presales_id", domain.PChoice},
		{"§2.1 product line is 电子签章/电子合同/数字信任", domain.KindLocal, func(r *domain.Registration) { r.ProductLine = "blockchain" }, "product_line", domain.PChoice},
		{"§1 upgrade sub-type is one of three", domain.KindUpgrade, func(r *domain.Registration) { r.UpgradeType = "patch" }, "upgrade_type", domain.PChoice},
		{"§2.1 yes/no answers only", domain.KindLocal, func(r *domain.Registration) { r.Contract.Signed = "maybe" }, "contract.signed", domain.PFormat},
		{"§2.2 合同金额 is money", domain.KindUpgrade, func(r *domain.Registration) { r.Contract.Amount = "三十八万" }, "contract.amount", domain.PFormat},
		{"§2.2 合同金额 has at most two decimals", domain.KindUpgrade, func(r *domain.Registration) { r.Contract.Amount = "1.234" }, "contract.amount", domain.PFormat},
		{"§2.2 合同金额 is not negative", domain.KindUpgrade, func(r *domain.Registration) { r.Contract.Amount = "-5" }, "contract.amount", domain.PFormat},
		{"short name fits a title", domain.KindSaaS, func(r *domain.Registration) { r.Customer.ShortName = strings.Repeat("长", 51) }, "customer.short_name", domain.PRange},
		{"text is valid UTF-8", domain.KindLocal, func(r *domain.Registration) { r.Other.Notes = "\xff\xfe" }, "other.notes", domain.PFormat},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			r := validFor(tt.kind)
			tt.set(&r)
			ps := domain.Validate(&r, org)
			checkMessages(t, ps)
			if len(ps) != 1 || ps[0].Path != tt.path || ps[0].Code != tt.code {
				t.Fatalf("want one %s %s, got %v", tt.path, tt.code, ps)
			}
		})
	}
	t.Run("§5 without a directory membership is not checked", func(t *testing.T) {
		r := validLocal()
		r.Products = []string{"云签章"}
		r.SalesID = "u-offline-only"
		r.Customer.Region = "west"
		if ps := domain.Validate(&r, nil); len(ps) != 0 {
			t.Fatalf("want no problem without org, got %v", ps)
		}
	})
	t.Run("§2.1 应用场景 accepts the user's own (其他)", func(t *testing.T) {
		r := validLocal()
		r.Scenarios = []string{"人事", "校园招生"}
		if ps := domain.Validate(&r, org); len(ps) != 0 {
			t.Fatalf("want no problem, got %v", ps)
		}
	})
	t.Run("§2.1 upgrade accepts any money with two decimals and separators", func(t *testing.T) {
		for _, m := range []domain.Money{"380000", "380000.5", "380,000.50", "0"} {
			r := validUpgrade()
			r.Contract.Amount = m
			if ps := domain.Validate(&r, org); len(ps) != 0 {
				t.Fatalf("amount %q: want no problem, got %v", m, ps)
			}
		}
	})
}

// TestAllProblemsAtOnce: a registration is checked completely and every
// problem is returned together, one per field path, each with a Chinese and
// an English message (SPEC §5: "a clear message, with nothing of their input
// lost").
func TestAllProblemsAtOnce(t *testing.T) {
	org := demoOrg(t)
	t.Run("no kind", func(t *testing.T) {
		ps := domain.Validate(&domain.Registration{}, org)
		checkMessages(t, ps)
		if len(ps) != 1 || ps[0].Path != "kind" {
			t.Fatalf("a registration without a kind: want one kind problem, got %v", ps)
		}
	})
	for _, k := range domain.Kinds {
		t.Run("blank "+string(k), func(t *testing.T) {
			r := domain.Registration{Kind: k}
			ps := domain.Validate(&r, org)
			checkMessages(t, ps)
			if len(ps) < 12 {
				t.Fatalf("a blank %s registration has only %d problems: %v", k, len(ps), ps)
			}
			seen := map[string]bool{}
			for _, p := range ps {
				if seen[p.Path] {
					t.Errorf("two problems at %s: %v", p.Path, ps.At(p.Path))
				}
				seen[p.Path] = true
				if p.Code != domain.PRequired {
					t.Errorf("a blank form has only missing fields, got %+v", p)
				}
			}
			for _, must := range []string{"customer.short_name", "customer.full_name", "customer.region", "sales_id",
				"background.user_scale", "background.nature", "attachments", "scenarios", "integration", "stakeholders", "contract.signed"} {
				if !seen[must] {
					t.Errorf("blank %s: no problem at %s", k, must)
				}
			}
			if ps.Error() == "" || !strings.Contains(ps.Error(), "customer.short_name") {
				t.Errorf("Problems.Error() should list the paths: %q", ps.Error())
			}
			if domain.ErrorCode(ps) != domain.EINVALID {
				t.Errorf("Problems map to %s", domain.ErrorCode(ps))
			}
		})
	}
	t.Run("three broken fields give three problems", func(t *testing.T) {
		r := validLocal()
		r.Systems[1].Vendor = ""
		r.Background.UserScale = "五千"
		r.Products = []string{"云合同"}
		ps := domain.Validate(&r, org)
		want := []string{"background.user_scale", "products[0]", "systems[1].vendor"}
		got := paths(ps)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("paths %v, want %v", got, want)
		}
		if len(ps.At("systems")) != 1 || len(ps.At("systems[1]")) != 1 || len(ps.At("system")) != 0 {
			t.Fatalf("Problems.At should select by path prefix: %v", ps.At("systems"))
		}
	})
}

// TestCompleteness: the score counts the required fields of the kind (and of
// the answers given so far); blank is low, complete is full, and filling a
// field never lowers the count of filled fields.
func TestCompleteness(t *testing.T) {
	org := demoOrg(t)
	for _, k := range domain.Kinds {
		t.Run(string(k), func(t *testing.T) {
			blankReg := domain.Registration{Kind: k}
			c := domain.Score(&blankReg, org)
			if c.Filled != 0 || c.Total < 12 || c.Percent() != 0 {
				t.Fatalf("blank %s scores %+v", k, c)
			}
			full := validFor(k)
			// Fill field by field, in the order a person might.
			fills := []func(r *domain.Registration){
				func(r *domain.Registration) {
					r.ProductLine, r.UpgradeType, r.ParentID = full.ProductLine, full.UpgradeType, full.ParentID
				},
				func(r *domain.Registration) { r.Customer.ShortName = full.Customer.ShortName },
				func(r *domain.Registration) { r.Customer.FullName = full.Customer.FullName },
				func(r *domain.Registration) { r.Customer.Region = full.Customer.Region },
				func(r *domain.Registration) { r.SalesID, r.PresalesID = full.SalesID, full.PresalesID },
				func(r *domain.Registration) { r.Background.UserScale = full.Background.UserScale },
				func(r *domain.Registration) { r.Background.SigningVolume = full.Background.SigningVolume },
				func(r *domain.Registration) { r.Background.SealCount = full.Background.SealCount },
				func(r *domain.Registration) { r.Background.Nature = full.Background.Nature },
				func(r *domain.Registration) { r.Background.MainBusiness = full.Background.MainBusiness },
				func(r *domain.Registration) { r.Attachments = full.Attachments },
				func(r *domain.Registration) { r.Products = full.Products },
				func(r *domain.Registration) { r.Services = full.Services },
				func(r *domain.Registration) { r.Certificate = full.Certificate },
				func(r *domain.Registration) { r.SealHandling = full.SealHandling },
				func(r *domain.Registration) { r.Scenarios = full.Scenarios },
				func(r *domain.Registration) { r.Integration = full.Integration },
				func(r *domain.Registration) { r.Systems = full.Systems },
				func(r *domain.Registration) { r.Customization.Needed = full.Customization.Needed },
				func(r *domain.Registration) { r.Customization.Description = full.Customization.Description },
				func(r *domain.Registration) { r.Stakeholders = full.Stakeholders },
				func(r *domain.Registration) { r.Contract.Signed = full.Contract.Signed },
				func(r *domain.Registration) { r.Contract.FirstPayment = full.Contract.FirstPayment },
				func(r *domain.Registration) { r.Contract.NewContract = full.Contract.NewContract },
				func(r *domain.Registration) { r.Contract.Amount = full.Contract.Amount },
				func(r *domain.Registration) { r.Other = full.Other },
			}
			r := domain.Registration{Kind: k}
			prev := c
			for i, fill := range fills {
				fill(&r)
				c := domain.Score(&r, org)
				if c.Filled < prev.Filled {
					t.Fatalf("fill #%d lowered the filled count: %+v → %+v", i, prev, c)
				}
				if c.Filled > c.Total {
					t.Fatalf("fill #%d: filled more than total: %+v", i, c)
				}
				prev = c
			}
			if prev.Filled != prev.Total {
				t.Fatalf("fully filled %s scores %+v", k, prev)
			}
			if want := domain.Score(&full, org); prev != want {
				t.Fatalf("filled step by step scores %+v, the fixture %+v", prev, want)
			}
		})
	}
	t.Run("Ratio and Percent", func(t *testing.T) {
		tests := []struct {
			c       domain.Completeness
			ratio   float64
			percent int
		}{
			{domain.Completeness{}, 1, 100},
			{domain.Completeness{Filled: 1, Total: 3}, 1.0 / 3, 33},
			{domain.Completeness{Filled: 3, Total: 3}, 1, 100},
		}
		for _, tt := range tests {
			if tt.c.Ratio() != tt.ratio || tt.c.Percent() != tt.percent {
				t.Errorf("%+v: ratio %v percent %d, want %v %d", tt.c, tt.c.Ratio(), tt.c.Percent(), tt.ratio, tt.percent)
			}
		}
	})
}
