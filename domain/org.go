package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Org is the organisation directory (组织目录): people, their roles, the
// groups PMIS permissions refer to, the regions with their 特批领导, and the
// catalogues the forms choose from. It is configuration, loaded from a file
// (docs/org-format.md) and synced from the server, never constants in code.
type Org struct {
	Name       string     `json:"name"`
	Version    int64      `json:"version"` // bumped by the server on every change
	Regions    []Region   `json:"regions"`
	Users      []User     `json:"users"`
	Groups     []Group    `json:"groups"`
	Catalogues Catalogues `json:"catalogues"`
	// SVNTemplate builds a new project's SVN path (SVN路径). Placeholders:
	// {root} the region's SVN root, {year} the registration year, {number}
	// the registration number, {name} the project name, {short} the
	// customer's short name. Sub-projects go under their parent's path.
	SVNTemplate string `json:"svn_template"`
}

// Region is a sales region (区域) such as 北方 or 南方. Each has its own
// special-approval leader (特批领导) and SVN root.
type Region struct {
	Code          string `json:"code"` // "north"
	Name          string `json:"name"` // "北方"
	SpecialLeader string `json:"special_leader"`
	SVNRoot       string `json:"svn_root"`
}

// User is a person in the directory.
type User struct {
	ID       string `json:"id"`    // stable, e.g. "u-zhangsan"
	Login    string `json:"login"` // user name for signing in
	Name     string `json:"name"`  // 张三
	Region   string `json:"region,omitempty"`
	Roles    []Role `json:"roles"`
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
	Disabled bool   `json:"disabled,omitempty"`
}

// Has reports whether the user holds role r.
func (u User) Has(r Role) bool {
	for _, x := range u.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Group is a PMIS user group (用户组) such as 立项专家 or 流程审批.
type Group struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members,omitempty"` // user IDs
}

// Option is one entry of a catalogue: its Chinese name, which is what forms
// store and documents print, and its English name.
type Option struct {
	Name    string `json:"name"`
	English string `json:"en,omitempty"`
}

// Catalogues are the choices the forms offer ("等" in the standard: more can
// be added by configuration).
type Catalogues struct {
	LocalProducts  []Option `json:"local_products"`  // 采购产品 (本地化)
	SaaSProducts   []Option `json:"saas_products"`   // 采购产品 (SaaS)
	Natures        []Option `json:"natures"`         // 企业性质
	RealNameAuth   []Option `json:"realname_auth"`   // 实名认证方式
	IntentAuth     []Option `json:"intent_auth"`     // 意愿认证方式
	CertForms      []Option `json:"cert_forms"`      // 证书形态
	CertVendors    []Option `json:"cert_vendors"`    // 证书厂商
	CAChannels     []Option `json:"ca_channels"`     // CA 通道
	SealHandling   []Option `json:"seal_handling"`   // 印章办理方式
	Scenarios      []Option `json:"scenarios"`       // 应用场景
	SystemTypes    []Option `json:"system_types"`    // 对接业务系统类型
	SigningMethods []Option `json:"signing_methods"` // 签章方式
	FileFormats    []Option `json:"file_formats"`    // 签章文件格式
	ContactRoles   []Option `json:"contact_roles"`   // 干系人角色 (suggestions only)
}

// Products returns the product catalogue of a kind (upgrade has none).
func (c Catalogues) Products(k Kind) []Option {
	switch k {
	case KindLocal:
		return c.LocalProducts
	case KindSaaS:
		return c.SaaSProducts
	}
	return nil
}

// Contains reports whether name is in the options.
func Contains(opts []Option, name string) bool {
	for _, o := range opts {
		if o.Name == name {
			return true
		}
	}
	return false
}

// Names returns the Chinese names of the options.
func Names(opts []Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Name
	}
	return out
}

// The lookups below treat a nil *Org as an empty directory (a client that
// has not synced one yet), as Validate and NewHandover do.

// User returns the user with the given ID.
func (o *Org) User(id string) (User, bool) {
	if o == nil {
		return User{}, false
	}
	for _, u := range o.Users {
		if u.ID == id {
			return u, true
		}
	}
	return User{}, false
}

// UserByLogin returns the user with the given login name.
func (o *Org) UserByLogin(login string) (User, bool) {
	if o == nil {
		return User{}, false
	}
	for _, u := range o.Users {
		if u.Login == login {
			return u, true
		}
	}
	return User{}, false
}

// UserName returns the display name of a user ID, or the ID itself.
func (o *Org) UserName(id string) string {
	if u, ok := o.User(id); ok {
		return u.Name
	}
	return id
}

// Region returns the region with the given code.
func (o *Org) Region(code string) (Region, bool) {
	if o == nil {
		return Region{}, false
	}
	for _, r := range o.Regions {
		if r.Code == code {
			return r, true
		}
	}
	return Region{}, false
}

// GroupByName returns the group with the given name.
func (o *Org) GroupByName(name string) (Group, bool) {
	if o == nil {
		return Group{}, false
	}
	for _, g := range o.Groups {
		if g.Name == name {
			return g, true
		}
	}
	return Group{}, false
}

// UsersWith returns the enabled users holding role r, in directory order.
func (o *Org) UsersWith(r Role) []User {
	var out []User
	if o == nil {
		return nil
	}
	for _, u := range o.Users {
		if !u.Disabled && u.Has(r) {
			out = append(out, u)
		}
	}
	return out
}

// ParseOrg reads an organisation file strictly (unknown fields are errors)
// and checks it; every problem is reported at once.
func ParseOrg(data []byte) (*Org, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var o Org
	if err := dec.Decode(&o); err != nil {
		return nil, Errorf(EINVALID, "组织目录文件无法读取：%v", "cannot read the organisation file: %v", err)
	}
	if p := o.Check(); len(p) > 0 {
		return nil, p
	}
	return &o, nil
}

// Check returns every inconsistency of the directory: duplicate IDs, unknown
// roles, regions without a special-approval leader holding that role,
// group members that are not users.
func (o *Org) Check() Problems {
	var ps Problems
	add := func(path, zh, en string) {
		ps = append(ps, Problem{Path: path, Code: PFormat, Message: zh, English: en})
	}
	if blank(o.Name) {
		add("name", "组织名称不能为空", "the organisation needs a name")
	}
	ids, logins := map[string]bool{}, map[string]bool{}
	for i, u := range o.Users {
		p := fmt.Sprintf("users[%d]", i)
		if blank(u.ID) {
			add(p+".id", "用户须有 ID", "a user needs an id")
		} else if ids[u.ID] {
			add(p+".id", "用户 ID 重复："+u.ID, "duplicate user id: "+u.ID)
		}
		ids[u.ID] = true
		if blank(u.Login) {
			add(p+".login", "用户须有登录名", "a user needs a login name")
		} else if logins[strings.ToLower(u.Login)] {
			add(p+".login", "登录名重复："+u.Login, "duplicate login: "+u.Login)
		}
		logins[strings.ToLower(u.Login)] = true
		if blank(u.Name) {
			add(p+".name", "用户须有姓名", "a user needs a name")
		}
		for j, r := range u.Roles {
			if !r.Valid() {
				add(fmt.Sprintf("%s.roles[%d]", p, j), "未知角色："+string(r), "unknown role: "+string(r))
			}
		}
		if u.Region != "" {
			if _, ok := o.Region(u.Region); !ok {
				add(p+".region", "未知区域："+u.Region, "unknown region: "+u.Region)
			}
		}
	}
	if len(o.Regions) == 0 {
		add("regions", "至少需要一个区域（如北方、南方）", "at least one region is needed")
	}
	codes := map[string]bool{}
	for i, r := range o.Regions {
		p := fmt.Sprintf("regions[%d]", i)
		if blank(r.Code) || blank(r.Name) {
			add(p, "区域须有代码和名称", "a region needs a code and a name")
		}
		if codes[r.Code] {
			add(p+".code", "区域代码重复："+r.Code, "duplicate region code: "+r.Code)
		}
		codes[r.Code] = true
		u, ok := o.User(r.SpecialLeader)
		switch {
		case !ok:
			add(p+".special_leader", "区域“"+r.Name+"”的特批领导不是目录中的用户", "the special-approval leader of region "+r.Code+" is not a user")
		case !u.Has(RoleSpecialLeader):
			add(p+".special_leader", u.Name+" 没有特批领导角色", u.Name+" does not hold the special_leader role")
		}
	}
	for i, g := range o.Groups {
		p := fmt.Sprintf("groups[%d]", i)
		if blank(g.Name) {
			add(p+".name", "用户组须有名称", "a group needs a name")
		}
		for j, m := range g.Members {
			if !ids[m] {
				add(fmt.Sprintf("%s.members[%d]", p, j), "用户组成员不是目录中的用户："+m, "group member is not a user: "+m)
			}
		}
	}
	return ps
}
