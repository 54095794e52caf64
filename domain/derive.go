package domain

import (
	"strconv"
	"strings"
)

// NumberPending is what a record shows until the server assigns its
// registration number (实施登记号 / 问题登记号).
const NumberPending = "待分配"

// shortOrPlaceholder is the customer's short name, or a visible placeholder.
func shortOrPlaceholder(s string) string {
	if s = strings.TrimSpace(s); s != "" {
		return s
	}
	return "（客户简称）"
}

// Title derives the registration title; it is never typed (SPEC §2):
// local: {简称}电子签章|电子合同|数字信任项目立项申请; saas: {简称}SAAS项目立项申请;
// upgrade: {简称}项目升级拓展申请.
func (r *Registration) Title() string {
	short := shortOrPlaceholder(r.Customer.ShortName)
	switch r.Kind {
	case KindLocal:
		line := "（产品线）"
		if r.ProductLine.Valid() {
			line = r.ProductLine.Label()
		}
		return short + line + "项目立项申请"
	case KindSaaS:
		return short + "SAAS项目立项申请"
	case KindUpgrade:
		return short + "项目升级拓展申请"
	}
	return short + "项目立项申请"
}

// DefaultProductType is the 产品类型 part of the project name that a
// registration suggests: the product line for local, SaaS for SaaS, and for
// upgrade the parent's product type (passed in) or 升级.
func (r *Registration) DefaultProductType(parentProductType string) string {
	switch r.Kind {
	case KindLocal:
		if r.ProductLine.Valid() {
			return r.ProductLine.Label()
		}
	case KindSaaS:
		return "SaaS"
	case KindUpgrade:
		if parentProductType != "" {
			return parentProductType
		}
	}
	return ""
}

// DefaultSpecialName is the optional 特殊化名称/升级 part of the project name
// a registration suggests: for upgrade, its sub-type (升级 / 新场景 / SAAS).
func (r *Registration) DefaultSpecialName() string {
	if r.Kind != KindUpgrade {
		return ""
	}
	switch r.UpgradeType {
	case UpgradeVersion:
		return "升级"
	case UpgradeNewScenario:
		return "新场景"
	case UpgradeHistoricSaaS:
		return "SAAS"
	}
	return ""
}

// ProjectName derives 项目名称 = {公司（单位）}{产品类型}[{特殊化名称/升级}]项目;
// it is shown, never typed (SPEC §4).
func ProjectName(company, productType, specialName string) string {
	company = strings.TrimSpace(company)
	if company == "" {
		company = "（公司全称）"
	}
	return company + strings.TrimSpace(productType) + strings.TrimSpace(specialName) + "项目"
}

// SVNVars are the values a SVN path template is filled with.
type SVNVars struct {
	Root   string // the region's SVN root
	Year   int
	Number string
	Name   string // project name
	Short  string // customer short name
}

// SVNPath fills the organisation's SVN template (SVN路径) for a new project
// under its region. A sub-project goes under its parent's path.
func SVNPath(template string, v SVNVars, parentPath string) string {
	number := v.Number
	if number == "" {
		number = NumberPending
	}
	if parentPath != "" {
		return strings.TrimRight(parentPath, "/") + "/子项目/" + number + "_" + svnSafe(v.Name)
	}
	if template == "" {
		template = "{root}/{year}/{number}_{name}"
	}
	return strings.NewReplacer(
		"{root}", strings.TrimRight(v.Root, "/"),
		"{year}", strconv.Itoa(v.Year),
		"{number}", number,
		"{name}", svnSafe(v.Name),
		"{short}", svnSafe(v.Short),
	).Replace(template)
}

// svnSafe makes a name usable as one path segment.
func svnSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '/', '\\', ':', '*', '?', '"', '<', '>', '|', ' ', '\t', '\n', '\r':
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
}
