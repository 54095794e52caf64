package pdf

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"lixiang/domain"
)

// unfilled is what a required field shows while it is blank (a draft).
const unfilled = "未填写"

func orUnfilled(s string) string {
	if strings.TrimSpace(s) == "" {
		return unfilled
	}
	return strings.TrimSpace(s)
}

// list joins choices with 、, or says none was made.
func list(xs []string) string {
	var keep []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			keep = append(keep, x)
		}
	}
	if len(keep) == 0 {
		return unfilled
	}
	return strings.Join(keep, "、")
}

// quantity is a count with its unit (12000 人), as typed.
func quantity(q domain.Quantity, unit string) string {
	if q.Blank() {
		return unfilled
	}
	return strings.TrimSpace(string(q)) + " " + unit
}

// channels writes the ordered CA channels: 1. CFCA → 2. 北京CA.
func channels(cs []string) string {
	if len(cs) == 0 {
		return unfilled
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%d. %s", i+1, c)
	}
	return strings.Join(parts, " → ")
}

// money writes an amount in yuan with thousands separators (860,000.00 元);
// an amount that is not well formed is shown as typed.
func money(m domain.Money) string {
	if m.Blank() {
		return unfilled
	}
	if !m.Valid() {
		return string(m)
	}
	s := strings.NewReplacer(",", "", "，", "").Replace(strings.TrimSpace(string(m)))
	whole, frac, _ := strings.Cut(s, ".")
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	for len(frac) < 2 {
		frac += "0"
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String() + "." + frac + " 元"
}

// size writes a file size the way people read it: 47.1 KB, 2.4 MB.
func size(n int64) string {
	const k = 1024
	switch {
	case n < k:
		return strconv.FormatInt(n, 10) + " B"
	case n < k*k:
		return strconv.FormatFloat(float64(n)/k, 'f', 1, 64) + " KB"
	case n < k*k*k:
		return strconv.FormatFloat(float64(n)/(k*k), 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/(k*k*k), 'f', 1, 64) + " GB"
}

// shaPrefix is the first 12 hex digits of a SHA-256, enough to tell files
// apart on paper.
func shaPrefix(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// when writes a time in the document's zone, to the minute.
func (d *doc) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(d.loc).Format("2006-01-02 15:04")
}

// whenText writes an RFC 3339 time the same way, or as stored when it is
// not one.
func (d *doc) whenText(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return d.when(t)
}

// name is a person's display name from the directory, or their ID.
func name(org *domain.Org, id string) string {
	if id == "" {
		return ""
	}
	return org.UserName(id)
}

// regionName is the region's name (北方), or its code.
func regionName(org *domain.Org, code string) string {
	if r, ok := org.Region(code); ok {
		return r.Name
	}
	return code
}

// projectName is the derived project name: the initiation's when the
// project is initiated, otherwise what its registration suggests.
func projectName(p *domain.Project) string {
	if n := p.ProjectName(); n != "" {
		return n
	}
	r := &p.Registration
	return domain.ProjectName(r.Customer.FullName, r.DefaultProductType(""), r.DefaultSpecialName())
}

// stepLabel names the approval step a decision was taken at: the step's
// own label (特批领导（北方）) when the decision belongs to the current round's
// chain, else the role's name; workflow actions outside a chain by their
// stage.
func stepLabel(p *domain.Project, dec domain.Decision) string {
	if dec.Step < 0 {
		switch dec.Action {
		case domain.ActSubmit:
			return "提交" + p.Kind().FormName()
		case domain.ActCompleteHandover:
			return "项目会议交接"
		case domain.ActConfirmContract:
			return "确认新签合同"
		case domain.ActInitiate:
			return "项目立项"
		}
		return dec.Action.Label()
	}
	if a := p.Approval; a != nil && dec.Step < len(a.Steps) && a.Steps[dec.Step].Role == dec.Role {
		return a.Steps[dec.Step].Label
	}
	return dec.Role.Label()
}

// actionLabel is what the decision did: 同意, 退回修改, 确认新签合同：是.
func actionLabel(dec domain.Decision) string {
	if dec.Action == domain.ActConfirmContract && dec.Answer.Answered() {
		return dec.Action.Label() + "：" + dec.Answer.Label()
	}
	return dec.Action.Label()
}

// approvalState describes where the approval chain stands: finished,
// waiting for a step, returned or rejected, or not submitted yet.
func approvalState(p *domain.Project, org *domain.Org) string {
	a := p.Approval
	if a == nil {
		return "尚未提交"
	}
	round := fmt.Sprintf("第 %d 轮", a.Round)
	switch p.Status {
	case domain.StatusReturned:
		return round + "：已退回修改，待申请人修改后重新提交"
	case domain.StatusRejected:
		return round + "：已驳回"
	case domain.StatusDraft:
		return "尚未提交"
	}
	if step, ok := a.Waiting(); ok {
		who := step.Label
		if step.ApproverID != "" {
			who += " " + name(org, step.ApproverID)
		}
		return round + "：审批中，等待 " + who + " 处理"
	}
	return round + "：各审批步骤均已同意，已送达执行部门"
}
