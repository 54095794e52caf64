package domain

import (
	"fmt"
	"strings"
)

// Handover is the record of the handover meeting (项目会议交接, SPEC §3):
// when and where, who took part in which role, each content item of the
// kind (pre-filled from the registration), the decisions and the action
// items. The handover minutes (会议交接纪要) are printed from it.
type Handover struct {
	OrganiserID  string         `json:"organiser_id"` // 发起者: PM (local) / 客户成功 (SaaS)
	Time         DateTime       `json:"time"`         // 2026-12-01 14:00
	Place        string         `json:"place"`
	Participants []Participant  `json:"participants"`
	Items        []HandoverItem `json:"items"`
	Decisions    []string       `json:"decisions,omitempty"`
	ActionItems  []ActionItem   `json:"action_items,omitempty"`
}

// Participant is one person invited to the meeting, in a role of the kind's
// participant list.
type Participant struct {
	UserID string `json:"user_id,omitempty"`
	Name   string `json:"name"`
	Role   string `json:"role"` // 销售 / 售前 / 实施 / 客户成功 / 项目实施 / …
	Absent bool   `json:"absent,omitempty"`
}

// HandoverItem is one content item of the meeting (交接内容).
type HandoverItem struct {
	Key     string `json:"key"`
	Title   string `json:"title"`
	Content string `json:"content"`
}

// ActionItem is a follow-up agreed in the meeting (待办事项).
type ActionItem struct {
	Task  string `json:"task"`
	Owner string `json:"owner"`
	Due   Date   `json:"due,omitempty"`
	Done  bool   `json:"done,omitempty"`
}

// Handover item keys.
const (
	ItemBackground  = "background"  // 客户公司背景说明
	ItemRequirement = "requirement" // 客户需求说明
	ItemScenarios   = "scenarios"   // 业务场景流程及业务系统名称介绍 (local)
	ItemProducts    = "products"    // 使用产品 (local)
	ItemSpecial     = "special"     // 特殊说明 (local)
	ItemIntegration = "integration" // 集成说明 (SaaS)
)

// HandoverItems returns the content items of a kind, in order (SPEC §3).
func HandoverItems(k Kind) []HandoverItem {
	if k == KindSaaS {
		return []HandoverItem{
			{Key: ItemBackground, Title: "客户公司背景说明"},
			{Key: ItemRequirement, Title: "客户需求说明"},
			{Key: ItemIntegration, Title: "集成说明"},
		}
	}
	return []HandoverItem{
		{Key: ItemBackground, Title: "客户公司背景说明"},
		{Key: ItemRequirement, Title: "客户需求说明"},
		{Key: ItemScenarios, Title: "业务场景流程及业务系统名称介绍"},
		{Key: ItemProducts, Title: "使用产品"},
		{Key: ItemSpecial, Title: "特殊说明"},
	}
}

// HandoverParticipantRoles returns the participant roles of a registration's
// meeting: local 销售, 售前, 实施; SaaS 销售, 售前, 客户成功, and 项目实施 only
// when business systems are integrated (SPEC §3).
func HandoverParticipantRoles(r *Registration) []string {
	if r.Kind == KindSaaS {
		roles := []string{"销售", "售前", "客户成功"}
		if r.Integration == Yes {
			roles = append(roles, "项目实施")
		}
		return roles
	}
	return []string{"销售", "售前", "实施"}
}

// NewHandover pre-fills a handover record for the project: its organiser,
// the kind's participants (named where the registration knows them) and its
// content items written from the registration.
func NewHandover(p *Project, org *Org, organiser User) *Handover {
	r := &p.Registration
	h := &Handover{OrganiserID: organiser.ID}
	for _, role := range HandoverParticipantRoles(r) {
		part := Participant{Role: role}
		switch role {
		case "销售":
			part.UserID = r.SalesID
		case "售前":
			part.UserID = r.PresalesID
		case "客户成功":
			if organiser.Has(RoleCustomerSuccess) {
				part.UserID = organiser.ID
			}
		case "实施", "项目实施":
			if p.ReceiverID != "" && p.ReceiverID != organiser.ID && r.Kind == KindLocal {
				part.UserID = p.ReceiverID
			}
		}
		if part.UserID != "" && org != nil {
			part.Name = org.UserName(part.UserID)
		}
		h.Participants = append(h.Participants, part)
	}
	for _, it := range HandoverItems(r.Kind) {
		it.Content = handoverContent(it.Key, p, org)
		h.Items = append(h.Items, it)
	}
	return h
}

// Item returns the content item with the given key.
func (h *Handover) Item(key string) (HandoverItem, bool) {
	for _, it := range h.Items {
		if it.Key == key {
			return it, true
		}
	}
	return HandoverItem{}, false
}

// BackgroundText writes 客户基本情况 as one paragraph.
func BackgroundText(r *Registration) string {
	b := r.Background
	var parts []string
	if r.Customer.FullName != "" {
		parts = append(parts, r.Customer.FullName)
	}
	if b.Nature != "" {
		parts = append(parts, "企业性质："+b.Nature)
	}
	if b.MainBusiness != "" {
		parts = append(parts, "主营业务："+b.MainBusiness)
	}
	if !b.UserScale.Blank() {
		parts = append(parts, "用户规模："+string(b.UserScale)+" 人")
	}
	if !b.SigningVolume.Blank() {
		parts = append(parts, "签署量："+string(b.SigningVolume)+" 份")
	}
	if !b.SealCount.Blank() {
		parts = append(parts, "印章数量："+string(b.SealCount)+" 枚")
	}
	return strings.Join(parts, "；")
}

// SystemsText lists the integrated systems, or says there are none.
func SystemsText(r *Registration) string {
	if r.Integration != Yes || len(r.Systems) == 0 {
		return "无对接业务系统"
	}
	ls := make([]string, len(r.Systems))
	for i, s := range r.Systems {
		ls[i] = s.Label()
	}
	return strings.Join(ls, "、")
}

// ProductsText writes 使用产品: products, services and certificates.
func ProductsText(r *Registration) string {
	var parts []string
	if len(r.Products) > 0 {
		parts = append(parts, "采购产品："+strings.Join(r.Products, "、"))
	}
	var svc []string
	if r.Kind == KindLocal && r.Services.Timestamp.Answered() {
		svc = append(svc, "时间戳："+r.Services.Timestamp.Label())
	}
	if len(r.Services.RealName) > 0 {
		svc = append(svc, "实名认证："+strings.Join(r.Services.RealName, "、"))
	}
	if len(r.Services.Intent) > 0 {
		svc = append(svc, "意愿认证："+strings.Join(r.Services.Intent, "、"))
	}
	if len(svc) > 0 {
		parts = append(parts, "服务："+strings.Join(svc, "，"))
	}
	c := r.Certificate
	if c.Form != "" || c.Vendor != "" || len(c.Channels) > 0 {
		cert := "证书：" + c.Form
		if c.Vendor != "" {
			cert += "，厂商 " + c.Vendor
		}
		if len(c.Channels) > 0 {
			cert += "，通道顺序 " + strings.Join(c.Channels, " → ")
		}
		parts = append(parts, cert)
	}
	if r.SealHandling != "" {
		parts = append(parts, "印章办理方式："+r.SealHandling)
	}
	return strings.Join(parts, "；")
}

func handoverContent(key string, p *Project, org *Org) string {
	r := &p.Registration
	switch key {
	case ItemBackground:
		return BackgroundText(r)
	case ItemRequirement:
		text := strings.TrimSpace(r.Requirement)
		if len(r.Scenarios) > 0 {
			if text != "" {
				text += "\n"
			}
			text += "应用场景：" + strings.Join(r.Scenarios, "、")
		}
		return text
	case ItemScenarios:
		return "应用场景：" + strings.Join(r.Scenarios, "、") + "\n对接业务系统：" + SystemsText(r)
	case ItemProducts:
		return ProductsText(r)
	case ItemIntegration:
		if r.Integration != Yes {
			return "无对接业务系统"
		}
		return "对接业务场景：" + strings.Join(r.Scenarios, "、") + "\n对接系统：" + SystemsText(r)
	case ItemSpecial:
		var parts []string
		if r.Customization.Needed == Yes {
			parts = append(parts, "定制化/外采需求："+r.Customization.Description)
		}
		if s := strings.TrimSpace(r.Other.SpecialRequirements); s != "" {
			parts = append(parts, "特殊要求："+s)
		}
		if s := strings.TrimSpace(r.Other.Notes); s != "" {
			parts = append(parts, "其他说明："+s)
		}
		if !r.Other.GoLive.Blank() {
			parts = append(parts, "计划上线时间："+string(r.Other.GoLive))
		}
		if p.Approval != nil && p.Approval.Special {
			parts = append(parts, "合同状态：合同已签 "+r.Contract.Signed.Label()+"，首笔款项已回 "+r.Contract.FirstPayment.Label()+"（已走特批流程）")
		}
		if len(parts) == 0 {
			return "无"
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// ValidateHandover checks a handover record before the meeting is marked
// held: time, place, every participant named, action items complete.
func ValidateHandover(h *Handover) Problems {
	c := &checker{}
	if c.required("time", !h.Time.Blank(), "请填写会议时间", "the meeting time is required") {
		if _, ok := h.Time.Time(); !ok {
			c.add("time", PFormat, fmt.Sprintf("会议时间格式应为 2026-12-01 14:00（现为“%s”）", h.Time), "the meeting time must look like 2026-12-01 14:00")
		}
	}
	c.required("place", !blank(h.Place), "请填写会议地点", "the meeting place is required")
	c.text("place", h.Place, MaxShortText)
	c.required("participants", len(h.Participants) > 0, "请至少列出一位参会人", "list at least one participant")
	for i, p := range h.Participants {
		c.required(fmt.Sprintf("participants[%d].name", i), !blank(p.Name), "请填写参会人（"+p.Role+"）姓名", "name the participant ("+p.Role+")")
		c.required(fmt.Sprintf("participants[%d].role", i), !blank(p.Role), "请填写参会人角色", "the participant's role is required")
	}
	for i, it := range h.Items {
		c.text(fmt.Sprintf("items[%d].content", i), it.Content, MaxLongText)
	}
	for i, d := range h.Decisions {
		c.text(fmt.Sprintf("decisions[%d]", i), d, MaxLongText)
	}
	for i, a := range h.ActionItems {
		p := fmt.Sprintf("action_items[%d]", i)
		c.required(p+".task", !blank(a.Task), "请填写待办事项内容", "the action item needs a task")
		c.required(p+".owner", !blank(a.Owner), "请填写待办事项负责人", "the action item needs an owner")
		if !a.Due.Blank() {
			if _, ok := a.Due.Time(); !ok {
				c.add(p+".due", PFormat, fmt.Sprintf("截止日期格式应为 2026-12-31（现为“%s”）", a.Due), "the due date must look like 2026-12-31")
			}
		}
	}
	return c.ps
}
